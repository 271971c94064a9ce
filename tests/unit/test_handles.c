/* test_handles.c - the per-handle side table: records are copied in and
 * out, removed by an empty record or by forget, survive the deletion of
 * their neighbours in a probe run, and a full table refuses only new
 * handles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "curl/handles.h"

/* Fake handle addresses: spaced like heap blocks, never dereferenced. */
static char arena[CB_HANDLES_CAPACITY + 64][32];

static const void *handle(unsigned i)
{
	return arena[i];
}

static struct cb_curl_target target(const char *host, uint16_t port)
{
	struct cb_curl_target t;
	memset(&t, 0, sizeof(t));
	snprintf(t.host, sizeof(t.host), "%s", host);
	t.url_port = port;
	return t;
}

static int forget_all(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(arena) / sizeof(arena[0]); i++)
		cb_handles_forget(handle(i));
	return cb_handles_count() == 0 ? 0 : -1;
}

static void test_put_then_get_returns_the_record(void **state)
{
	(void)state;
	char errbuf[256]; /* CURL_ERROR_SIZE */
	struct cb_curl_target t = target("api.example.com", 443), out;
	t.port_override = 8443;
	t.errbuf = errbuf;
	assert_true(cb_handles_put(handle(1), &t));
	assert_true(cb_handles_get(handle(1), &out));
	assert_string_equal(out.host, "api.example.com");
	assert_int_equal(out.url_port, 443);
	assert_int_equal(out.port_override, 8443);
	assert_ptr_equal(out.errbuf, errbuf);
	assert_null(out.curlu);
}

static void test_unknown_handle_reports_absent_and_zeroes_output(void **state)
{
	(void)state;
	struct cb_curl_target out = target("stale", 1);
	assert_false(cb_handles_get(handle(2), &out));
	assert_string_equal(out.host, "");
	assert_int_equal(out.url_port, 0);
	assert_false(cb_handles_get(NULL, &out));
}

static void test_put_replaces_the_previous_record(void **state)
{
	(void)state;
	struct cb_curl_target a = target("a.test", 80), b = target("b.test", 8080), out;
	assert_true(cb_handles_put(handle(3), &a));
	assert_true(cb_handles_put(handle(3), &b));
	assert_true(cb_handles_get(handle(3), &out));
	assert_string_equal(out.host, "b.test");
	assert_int_equal(out.url_port, 8080);
	assert_int_equal(cb_handles_count(), 1);
}

static void test_empty_record_removes_the_handle(void **state)
{
	(void)state;
	struct cb_curl_target a = target("a.test", 80), empty = target("", 0), out;
	assert_true(cb_handles_put(handle(4), &a));
	assert_true(cb_handles_put(handle(4), &empty));
	assert_false(cb_handles_get(handle(4), &out));
	assert_int_equal(cb_handles_count(), 0);
	/* and an empty record for an unknown handle takes no room */
	assert_true(cb_handles_put(handle(5), &empty));
	assert_int_equal(cb_handles_count(), 0);
}

static void test_forget_removes_only_that_handle(void **state)
{
	(void)state;
	struct cb_curl_target a = target("a.test", 80), b = target("b.test", 81), out;
	assert_true(cb_handles_put(handle(6), &a));
	assert_true(cb_handles_put(handle(7), &b));
	cb_handles_forget(handle(6));
	cb_handles_forget(handle(6)); /* twice is harmless */
	assert_false(cb_handles_get(handle(6), &out));
	assert_true(cb_handles_get(handle(7), &out));
	assert_string_equal(out.host, "b.test");
}

/* Hundreds of handles make long probe runs; deleting every other one must
 * leave each survivor reachable (backward-shift deletion done right). */
static void test_survivors_stay_reachable_after_neighbours_are_deleted(void **state)
{
	(void)state;
	char host[32];
	struct cb_curl_target out;
	for (unsigned i = 0; i < CB_HANDLES_CAPACITY; i++) {
		snprintf(host, sizeof(host), "h%u", i);
		struct cb_curl_target t = target(host, (uint16_t)i);
		assert_true(cb_handles_put(handle(i), &t));
	}
	for (unsigned i = 0; i < CB_HANDLES_CAPACITY; i += 2)
		cb_handles_forget(handle(i));
	assert_int_equal(cb_handles_count(), CB_HANDLES_CAPACITY / 2);
	for (unsigned i = 0; i < CB_HANDLES_CAPACITY; i++) {
		bool found = cb_handles_get(handle(i), &out);
		if (i % 2 == 0) {
			assert_false(found);
			continue;
		}
		assert_true(found);
		snprintf(host, sizeof(host), "h%u", i);
		assert_string_equal(out.host, host);
		assert_int_equal(out.url_port, i);
	}
}

static void test_full_table_refuses_new_handles_but_updates_known_ones(void **state)
{
	(void)state;
	struct cb_curl_target t = target("x.test", 1), out;
	for (unsigned i = 0; i < CB_HANDLES_CAPACITY; i++)
		assert_true(cb_handles_put(handle(i), &t));
	assert_false(cb_handles_put(handle(CB_HANDLES_CAPACITY), &t));
	assert_false(cb_handles_get(handle(CB_HANDLES_CAPACITY), &out));
	struct cb_curl_target u = target("y.test", 2);
	assert_true(cb_handles_put(handle(0), &u));
	assert_true(cb_handles_get(handle(0), &out));
	assert_string_equal(out.host, "y.test");
	/* room again once one goes */
	cb_handles_forget(handle(1));
	assert_true(cb_handles_put(handle(CB_HANDLES_CAPACITY), &t));
}

#define THREADS 8
#define ROUNDS  2000

/* Each thread owns 16 handles and churns them; what it reads back must
 * always be its own last write. */
static void *churn(void *arg)
{
	unsigned base = (unsigned)(uintptr_t)arg * 16;
	char host[32];
	struct cb_curl_target out;
	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned i = base + r % 16;
		snprintf(host, sizeof(host), "t%u-r%u", i, r);
		struct cb_curl_target t = target(host, (uint16_t)r);
		if (!cb_handles_put(handle(i), &t) || !cb_handles_get(handle(i), &out) ||
		    strcmp(out.host, host) != 0 || out.url_port != (uint16_t)r)
			return (void *)1;
		if (r % 3 == 0) {
			cb_handles_forget(handle(i));
			if (cb_handles_get(handle(i), &out))
				return (void *)1;
		}
	}
	return NULL;
}

static void test_threads_see_their_own_records_under_churn(void **state)
{
	(void)state;
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad = NULL;
		pthread_join(t[i], &bad);
		assert_null(bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_put_then_get_returns_the_record, forget_all),
	        cmocka_unit_test_teardown(test_unknown_handle_reports_absent_and_zeroes_output,
	                                  forget_all),
	        cmocka_unit_test_teardown(test_put_replaces_the_previous_record, forget_all),
	        cmocka_unit_test_teardown(test_empty_record_removes_the_handle, forget_all),
	        cmocka_unit_test_teardown(test_forget_removes_only_that_handle, forget_all),
	        cmocka_unit_test_teardown(
	                test_survivors_stay_reachable_after_neighbours_are_deleted, forget_all),
	        cmocka_unit_test_teardown(
	                test_full_table_refuses_new_handles_but_updates_known_ones, forget_all),
	        cmocka_unit_test_teardown(test_threads_see_their_own_records_under_churn,
	                                  forget_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
