/* test_endpoint.c - the sub-breakers of scope = endpoint (core/endpoint.h)
 * over a private store, with a driven clock: one per address and port,
 * shared by every table of the same breaker (as two processes would
 * share them), CB_ENDPOINTS_MAX at most, the idle one given to a new
 * address with its record cleared, an operator's word on the breaker
 * covering every address, and the answers reordering and curl rely on. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/render.h"
#include "core/core.h"

static struct cb_runtime rt;
static struct cb_breaker_rt api;

static int setup(void **state)
{
	(void)state;
	static const char text[] = "[global]\nstate_file = none\nsocket = off\nlog = off\n"
	                           "[api]\nhosts = 127.0.0.0/8:80\nscope = endpoint\n";
	static struct cb_diag diag;
	memset(&rt, 0, sizeof(rt));
	rt.cfg = cb_config_load_text("test.ini", strdup(text), sizeof(text) - 1, &diag);
	assert_non_null(rt.cfg);
	assert_int_equal(rt.cfg->n_endpoint_scoped, 1);
	char warn[256];
	rt.store = cb_store_open(rt.cfg, warn, sizeof(warn));
	assert_non_null(rt.store);
	assert_true(cb_store_capacity(rt.store) >= 2 * (1 + CB_ENDPOINTS_MAX));
	memset(&api, 0, sizeof(api));
	api.rt = &rt;
	api.cfg = &rt.cfg->breakers[0];
	api.slot = cb_store_find(rt.store, "api", true);
	assert_non_null(api.slot);
	api.endpoints = cb_endpoints_new(&api);
	assert_non_null(api.endpoints);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(api.endpoints);
	cb_store_close(rt.store);
	cb_config_free(rt.cfg);
	return 0;
}

static struct cb_address v4(unsigned last, uint16_t port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	in.sin_addr.s_addr = htonl(0x7f000000u | last);
	struct cb_address a;
	cb_address_of((const struct sockaddr *)&in, &a);
	return a;
}

static void open_until(struct cb_slot *s, int64_t retry_at_ms)
{
	atomic_store(&s->retry_at_ms, retry_at_ms);
	atomic_store(&s->state, cb_slot_word(7, CB_OPEN));
}

static void test_each_address_and_port_has_its_own_endpoint(void **state)
{
	(void)state;
	struct cb_address a = v4(1, 80), b = v4(2, 80), c = v4(1, 81);
	const struct cb_breaker_rt *ea = cb_endpoint_for(&api, &a, 1000);
	const struct cb_breaker_rt *eb = cb_endpoint_for(&api, &b, 1000);
	const struct cb_breaker_rt *ec = cb_endpoint_for(&api, &c, 1000);
	assert_ptr_not_equal(ea, &api);
	assert_ptr_equal(ea->parent, &api);
	assert_ptr_equal(ea->cfg, api.cfg); /* the breaker's keys */
	assert_ptr_not_equal(ea->slot, eb->slot);
	assert_ptr_not_equal(ea->slot, ec->slot);
	assert_ptr_not_equal(ea->slot, api.slot);
	assert_ptr_equal(cb_endpoint_for(&api, &a, 2000), ea);
	assert_true(atomic_load(&ea->slot->flags) & CB_SLOT_ENDPOINT);
	char label[CB_NAME_MAX];
	cb_endpoint_label("api", ea->slot, label, sizeof(label));
	assert_string_equal(label, "api@127.0.0.1:80");
	cb_endpoint_label("api", api.slot, label, sizeof(label));
	assert_string_equal(label, "api");
}

static void test_another_process_finds_the_same_endpoint(void **state)
{
	(void)state;
	struct cb_address a = v4(9, 80);
	const struct cb_breaker_rt *mine = cb_endpoint_for(&api, &a, 1000);
	struct cb_breaker_rt other = api; /* another process's runtime of the same file */
	other.endpoints = cb_endpoints_new(&other);
	assert_non_null(other.endpoints);
	const struct cb_breaker_rt *theirs = cb_endpoint_for(&other, &a, 1000);
	assert_ptr_equal(theirs->slot, mine->slot);
	/* What one opens, the other's resolver answers and curl see. */
	open_until(mine->slot, 60000);
	assert_true(cb_endpoint_rejects(&other, &a, 1000));
	assert_false(cb_endpoint_rejects(&other, &a, 60000)); /* its probe is due */
	free(other.endpoints);
}

static void test_listed_with_their_addresses_until_idle(void **state)
{
	(void)state;
	struct cb_address a = v4(1, 80), b = v4(2, 80);
	cb_endpoint_for(&api, &a, 1000);
	cb_endpoint_for(&api, &b, 1000 + CB_ENDPOINT_IDLE_MS);
	struct cb_endpoint_view v[CB_ENDPOINTS_MAX];
	assert_int_equal(cb_endpoints_list(rt.store, "api", 1000, v, CB_ENDPOINTS_MAX), 2);
	assert_string_equal(v[0].address, "127.0.0.1:80");
	assert_string_equal(v[1].address, "127.0.0.2:80");
	assert_int_equal(cb_endpoints_list(rt.store, "other", 1000, v, CB_ENDPOINTS_MAX), 0);
	/* Unseen for longer than CB_ENDPOINT_IDLE_MS: no longer in use. */
	assert_int_equal(
	        cb_endpoints_list(rt.store, "api", 1001 + CB_ENDPOINT_IDLE_MS, v, CB_ENDPOINTS_MAX),
	        1);
	assert_string_equal(v[0].address, "127.0.0.2:80");
}

static void test_at_most_the_limit_then_the_idle_one_is_reused_clean(void **state)
{
	(void)state;
	const struct cb_breaker_rt *first = NULL;
	for (unsigned i = 0; i < CB_ENDPOINTS_MAX; i++) {
		struct cb_address a = v4(i + 1, 80);
		const struct cb_breaker_rt *e = cb_endpoint_for(&api, &a, i == 0 ? 1000 : 5000);
		assert_ptr_not_equal(e, &api);
		if (i == 0)
			first = e;
	}
	atomic_store(&first->slot->failures, 5);
	open_until(first->slot, 3000);
	struct cb_address late = v4(200, 80);
	/* None idle: judged by the breaker as a whole. */
	assert_ptr_equal(cb_endpoint_for(&api, &late, 6000), &api);
	/* The first unseen long enough: the new address takes its slot, from
	 * closed with nothing counted. */
	int64_t later = 1001 + CB_ENDPOINT_IDLE_MS;
	const struct cb_breaker_rt *e = cb_endpoint_for(&api, &late, later);
	assert_ptr_equal(e->slot, first->slot);
	assert_int_equal(cb_slot_state(e->slot), CB_CLOSED);
	assert_int_equal(atomic_load(&e->slot->failures), 0);
	char label[CB_NAME_MAX];
	cb_endpoint_label("api", e->slot, label, sizeof(label));
	assert_string_equal(label, "api@127.0.0.200:80");
	struct cb_address a = v4(1, 80);
	assert_ptr_equal(cb_endpoint_for(&api, &a, later), &api); /* gone, and no room */
}

static void test_an_operators_word_on_the_breaker_covers_every_address(void **state)
{
	(void)state;
	struct cb_address a = v4(1, 80);
	const struct cb_breaker_rt *e = cb_endpoint_for(&api, &a, 1000);
	assert_ptr_not_equal(e, &api);
	atomic_store(&api.slot->state, cb_slot_word(1, CB_FORCED_OPEN));
	assert_ptr_equal(cb_endpoint_for(&api, &a, 1000), &api);
	assert_true(cb_endpoint_rejects(&api, &a, 1000));
	atomic_store(&api.slot->state, cb_slot_word(2, CB_DISABLED));
	assert_ptr_equal(cb_endpoint_for(&api, &a, 1000), &api);
	assert_false(cb_endpoint_rejects(&api, &a, 1000));
}

static void test_curl_is_rejected_only_when_every_endpoint_rejects(void **state)
{
	(void)state;
	assert_false(cb_endpoints_all_reject(&api, 1000)); /* none known */
	struct cb_address a = v4(1, 80), b = v4(2, 80);
	const struct cb_breaker_rt *ea = cb_endpoint_for(&api, &a, 1000);
	const struct cb_breaker_rt *eb = cb_endpoint_for(&api, &b, 1000);
	open_until(ea->slot, 60000);
	assert_false(cb_endpoints_all_reject(&api, 1000));
	open_until(eb->slot, 60000);
	assert_true(cb_endpoints_all_reject(&api, 1000));
	assert_false(cb_endpoints_all_reject(&api, 60000)); /* probes due */
	/* Observe mode never turns anything away. */
	struct cb_breaker_config observe = *api.cfg;
	observe.mode = CB_MODE_OBSERVE;
	struct cb_breaker_rt watched = api;
	watched.cfg = &observe;
	assert_false(cb_endpoints_all_reject(&watched, 1000));
	assert_false(cb_endpoint_rejects(&watched, &a, 1000));
}

/* What status shows (README "Endpoint scope"): each endpoint, and the
 * breaker as a whole made of them: the best state, the summed counts, and
 * the operator's word on the breaker itself above both. */
static void test_the_breaker_as_a_whole_is_the_best_of_its_endpoints(void **state)
{
	(void)state;
	struct cb_address a = v4(1, 80), b = v4(2, 80);
	const struct cb_breaker_rt *ea = cb_endpoint_for(&api, &a, 1000);
	const struct cb_breaker_rt *eb = cb_endpoint_for(&api, &b, 1000);
	open_until(ea->slot, 60000);
	atomic_store(&ea->slot->failures, 2);
	atomic_store(&ea->slot->calls, 2);
	atomic_store(&eb->slot->successes, 3);
	atomic_store(&eb->slot->calls, 3);
	struct cb_render_breaker rb;
	cb_render_collect(&rb, api.cfg, api.slot, 1000);
	cb_render_collect_endpoints(&rb, rt.store, 1000);
	assert_int_equal(rb.n_endpoints, 2);
	assert_string_equal(rb.endpoints[0].address, "127.0.0.1:80");
	assert_int_equal(rb.endpoints[0].snap.state, CB_OPEN);
	assert_int_equal(rb.snap.state, CB_CLOSED); /* .2 admits */
	assert_int_equal(rb.snap.calls, 5);
	assert_int_equal(rb.snap.failures, 2);
	cb_render_release(&rb, 1);
	assert_null(rb.endpoints);

	open_until(eb->slot, 30000);
	cb_render_collect(&rb, api.cfg, api.slot, 1000);
	cb_render_collect_endpoints(&rb, rt.store, 1000);
	assert_int_equal(rb.snap.state, CB_OPEN);     /* none admits */
	assert_int_equal(rb.snap.retry_at_ms, 30000); /* the first to probe */
	cb_render_release(&rb, 1);

	atomic_store(&api.slot->state, cb_slot_word(1, CB_DISABLED));
	cb_render_collect(&rb, api.cfg, api.slot, 1000);
	cb_render_collect_endpoints(&rb, rt.store, 1000);
	assert_int_equal(rb.snap.state, CB_DISABLED);
	cb_render_release(&rb, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_each_address_and_port_has_its_own_endpoint),
	        T(test_another_process_finds_the_same_endpoint),
	        T(test_listed_with_their_addresses_until_idle),
	        T(test_at_most_the_limit_then_the_idle_one_is_reused_clean),
	        T(test_an_operators_word_on_the_breaker_covers_every_address),
	        T(test_curl_is_rejected_only_when_every_endpoint_rejects),
	        T(test_the_breaker_as_a_whole_is_the_best_of_its_endpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
