/* test_fleet.c - fleet mode's pure parts (README "Fleet mode"): the
 * [fleet] section, the strict message and key parsers, the reports and
 * their quorum verdict, and the breaker's fleet opening through the
 * state-word CAS. The agent's Redis side is tests/integration/test_fleet_*. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/core.h"
#include "fleet_proto.h"
#include "fleet_reports.h"

#define T0 1000000

/* ---- [fleet] ---- */

static struct cb_diag diag;

static struct cb_config *load(const char *text)
{
	char path[] = "/tmp/cbfleet-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct cb_config *cfg = cb_config_load(path, &diag);
	unlink(path);
	return cfg;
}

static void expect_error(const char *text, int line, const char *what)
{
	struct cb_config *cfg = load(text);
	assert_null(cfg);
	assert_true(diag.count >= 1);
	char at[16];
	snprintf(at, sizeof(at), ":%d: ", line);
	if (!strstr(diag.msg[0], at) || !strstr(diag.msg[0], what))
		fail_msg("got \"%s\", wanted line %d and \"%s\"", diag.msg[0], line, what);
}

static void test_fleet_section_defaults(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[fleet]\nhost_id = web-17\n[api]\nhosts = 10.0.0.1\n");
	assert_non_null(cfg);
	assert_true(cfg->fleet.enabled);
	assert_string_equal(cfg->fleet.redis_host, "127.0.0.1");
	assert_int_equal(cfg->fleet.redis_port, 6379);
	assert_string_equal(cfg->fleet.name, "default");
	assert_string_equal(cfg->fleet.host_id, "web-17");
	assert_int_equal(cfg->fleet.quorum, 2);
	assert_int_equal(cfg->fleet.max_open_ms, 600000);
	assert_int_equal(cfg->n_breakers, 1);
	cb_config_free(cfg);
}

static void test_fleet_section_reads_every_key(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[fleet]\nredis = [::1]:6380\nname = web-eu1\nquorum = 3\n"
	                             "max_open = 5m\npassword_file = /etc/cbreaker/redis.pass\n");
	assert_non_null(cfg);
	assert_string_equal(cfg->fleet.redis_host, "::1");
	assert_int_equal(cfg->fleet.redis_port, 6380);
	assert_string_equal(cfg->fleet.name, "web-eu1");
	assert_int_equal(cfg->fleet.quorum, 3);
	assert_int_equal(cfg->fleet.max_open_ms, 300000);
	assert_string_equal(cfg->fleet.password_file, "/etc/cbreaker/redis.pass");
	cb_config_free(cfg);
	cfg = load("[fleet]\nredis = unix:/run/redis/redis.sock\n");
	assert_non_null(cfg);
	assert_string_equal(cfg->fleet.redis_unix, "/run/redis/redis.sock");
	assert_string_equal(cfg->fleet.redis_host, "");
	cb_config_free(cfg);
}

static void test_no_fleet_section_is_disabled(void **state)
{
	(void)state;
	struct cb_config *cfg = load("[api]\nhosts = 10.0.0.1\n");
	assert_non_null(cfg);
	assert_false(cfg->fleet.enabled);
	cb_config_free(cfg);
}

static void test_fleet_errors_name_their_line(void **state)
{
	(void)state;
	expect_error("[fleet]\nquorum = 0\n", 2, "quorum");
	expect_error("[fleet]\nquorum = 65\n", 2, "quorum");
	expect_error("[fleet]\nredis = 127.0.0.1\n", 2, "host:port");
	expect_error("[fleet]\nredis = 127.0.0.1:0\n", 2, "port");
	expect_error("[fleet]\nredis = unix:relative.sock\n", 2, "absolute");
	expect_error("[fleet]\nredis = a:b:6379\n", 2, "host:port");
	expect_error("[fleet]\n\nname = eu:1\n", 3, "name");
	expect_error("[fleet]\nhost_id = web 17\n", 2, "host_id");
	expect_error("[fleet]\nmax_open = 0\n", 2, "max_open");
	expect_error("[fleet]\npassword_file = redis.pass\n", 2, "absolute");
	expect_error("[fleet]\npassword = secret\n", 2, "unknown key");
	expect_error("[fleet]\nquorum = 1\nquorum = 2\n", 3, "duplicate key");
	expect_error("[fleet]\n[fleet]\n", 2, "duplicate section");
	expect_error("[fleet]\nname = a\n  b\n", 3, "single value");
}

/* ---- messages and keys ---- */

static void test_open_message_round_trips(void **state)
{
	(void)state;
	struct cb_fleet_msg m = {.kind = CB_FLEET_MSG_OPEN, .gen = 7, .ms = 30000}, back;
	strcpy(m.host, "web-17");
	strcpy(m.breaker, "api");
	char buf[CB_FLEET_MSG_MAX + 1];
	size_t n = cb_fleet_msg_format(buf, sizeof(buf), &m);
	assert_string_equal(buf, "cb1 open web-17 api 7 30000");
	assert_int_equal(cb_fleet_msg_parse(buf, n, &back), 0);
	assert_int_equal(back.kind, CB_FLEET_MSG_OPEN);
	assert_string_equal(back.host, "web-17");
	assert_string_equal(back.breaker, "api");
	assert_int_equal(back.gen, 7);
	assert_int_equal(back.ms, 30000);
	assert_int_equal(cb_fleet_msg_parse("cb1 close web-17 api 9", 22, &back), 0);
	assert_int_equal(back.kind, CB_FLEET_MSG_CLOSE);
	assert_int_equal(back.gen, 9);
}

static void test_malformed_messages_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "",
	        "cb2 open web-1 api 1 1000",                    /* another version */
	        "cb1 opened web-1 api 1 1000",                  /* unknown verb */
	        "cb1 open web-1 api 1",                         /* no duration */
	        "cb1 open web-1 api 1 1000 x",                  /* trailing word */
	        "cb1 open web-1 api 1 1000 ",                   /* trailing space */
	        "cb1  open web-1 api 1 1000",                   /* double space */
	        "cb1 open web:1 api 1 1000",                    /* ':' in a name */
	        "cb1 open web-1 api 0 1000",                    /* generation 0 */
	        "cb1 open web-1 api 1 0",                       /* no time left */
	        "cb1 open web-1 api 1 -5",                      /* signed */
	        "cb1 open web-1 api 01 1000",                   /* leading zero */
	        "cb1 open web-1 api 1 31536000001",             /* beyond 365 days */
	        "cb1 open web-1 api 99999999999999999999 1000", /* overflow */
	        "cb1 close web-1 api 1 1000",                   /* a closing has no duration */
	        "cb1 open web-1 a\tpi 1 1000",                  /* control character */
	};
	struct cb_fleet_msg m;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cb_fleet_msg_parse(bad[i], strlen(bad[i]), &m) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	/* A NUL inside, and a name one character too long. */
	assert_int_equal(cb_fleet_msg_parse("cb1 open web-1\0 api 1 1000", 26, &m), -1);
	char longname[200];
	memset(longname, 'a', 64);
	longname[64] = '\0';
	char msg[300];
	snprintf(msg, sizeof(msg), "cb1 open %s api 1 1000", longname);
	assert_int_equal(cb_fleet_msg_parse(msg, strlen(msg), &m), -1);
}

static void test_oversized_message_is_refused_unread(void **state)
{
	(void)state;
	char big[CB_FLEET_MSG_MAX + 2];
	memset(big, 'a', sizeof(big));
	memcpy(big, "cb1 open web-1 api 1 1000", 25);
	struct cb_fleet_msg m;
	assert_int_equal(cb_fleet_msg_parse(big, sizeof(big), &m), -1);
}

static void test_key_round_trips_and_foreign_keys_are_refused(void **state)
{
	(void)state;
	char key[CB_FLEET_KEY_MAX], b[CB_NAME_MAX], h[CB_NAME_MAX];
	size_t n = cb_fleet_key(key, sizeof(key), "eu1", "api.v2", "web-17");
	assert_string_equal(key, "cbreaker:eu1:open:api.v2:web-17");
	assert_int_equal(cb_fleet_key_parse(key, n, "eu1", b, h), 0);
	assert_string_equal(b, "api.v2");
	assert_string_equal(h, "web-17");
	assert_int_equal(cb_fleet_key_parse(key, n, "eu2", b, h), -1);
	assert_int_equal(cb_fleet_key_parse("cbreaker:eu1:open:api", 21, "eu1", b, h), -1);
	assert_int_equal(cb_fleet_key_parse("cbreaker:eu1:open:a:b:c", 23, "eu1", b, h), -1);
	assert_int_equal(cb_fleet_key_parse("cbreaker:eu1:open::web", 22, "eu1", b, h), -1);
	uint64_t gen;
	assert_int_equal(cb_fleet_value_parse("cb1 12", 6, &gen), 0);
	assert_int_equal(gen, 12);
	assert_int_equal(cb_fleet_value_parse("cb1 12 ", 7, &gen), -1);
	assert_int_equal(cb_fleet_value_parse("cb9 12", 6, &gen), -1);
}

/* ---- reports and the quorum ---- */

static void test_quorum_two_is_held_by_one_report_and_met_by_two(void **state)
{
	(void)state;
	struct cb_fleet_reports r = {0};
	struct cb_fleet_verdict v;
	cb_fleet_reports_open(&r, "web-1", 3, 30000, T0, 0);
	cb_fleet_reports_judge(&r, 2, T0, &v);
	assert_int_equal(v.live, 1);
	assert_int_equal(v.remaining_ms, 0);
	cb_fleet_reports_open(&r, "web-2", 5, 10000, T0 + 1000, 0);
	cb_fleet_reports_judge(&r, 2, T0 + 1000, &v);
	assert_int_equal(v.live, 2);
	assert_true(v.fresh);
	/* The quorum holds as long as its second-longest report. */
	assert_int_equal(v.remaining_ms, 10000);
	assert_string_equal(v.by, "web-1 web-2");
	cb_fleet_reports_mark_used(&r);
	cb_fleet_reports_judge(&r, 2, T0 + 1000, &v);
	assert_false(v.fresh);
}

static void test_duplicate_never_lengthens_and_reordered_is_ignored(void **state)
{
	(void)state;
	struct cb_fleet_reports r = {0};
	struct cb_fleet_verdict v;
	cb_fleet_reports_open(&r, "web-1", 4, 10000, T0, 0);
	cb_fleet_reports_mark_used(&r);
	/* The same opening again, later: not fresh, not longer. */
	cb_fleet_reports_open(&r, "web-1", 4, 10000, T0 + 5000, 0);
	cb_fleet_reports_judge(&r, 1, T0 + 5000, &v);
	assert_int_equal(r.n, 1);
	assert_false(v.fresh);
	assert_int_equal(v.remaining_ms, 5000);
	/* An older opening arriving late changes nothing. */
	cb_fleet_reports_open(&r, "web-1", 3, 60000, T0 + 5000, 0);
	cb_fleet_reports_judge(&r, 1, T0 + 5000, &v);
	assert_int_equal(r.r[0].gen, 4);
	assert_int_equal(v.remaining_ms, 5000);
	/* A newer one replaces it and is fresh. */
	cb_fleet_reports_open(&r, "web-1", 6, 20000, T0 + 6000, 0);
	cb_fleet_reports_judge(&r, 1, T0 + 6000, &v);
	assert_true(v.fresh);
	assert_int_equal(v.remaining_ms, 20000);
	/* A stale closing (older generation) leaves the newer opening. */
	cb_fleet_reports_close(&r, "web-1", 5, T0 + 6000);
	cb_fleet_reports_judge(&r, 1, T0 + 6000, &v);
	assert_int_equal(v.live, 1);
	cb_fleet_reports_close(&r, "web-1", 6, T0 + 6000);
	cb_fleet_reports_judge(&r, 1, T0 + 6000, &v);
	assert_int_equal(v.live, 0);
	/* After the closing, a late duplicate or an older opening is stale. */
	cb_fleet_reports_open(&r, "web-1", 6, 20000, T0 + 7000, 0);
	cb_fleet_reports_open(&r, "web-1", 5, 20000, T0 + 7000, 0);
	cb_fleet_reports_judge(&r, 1, T0 + 7000, &v);
	assert_int_equal(v.live, 0);
	assert_false(v.fresh);
	cb_fleet_reports_open(&r, "web-1", 7, 20000, T0 + 7000, 0);
	cb_fleet_reports_judge(&r, 1, T0 + 7000, &v);
	assert_true(v.fresh);
}

static void test_reports_expire_and_resync_sweeps_the_unseen(void **state)
{
	(void)state;
	struct cb_fleet_reports r = {0};
	cb_fleet_reports_open(&r, "web-1", 1, 1000, T0, 1);
	cb_fleet_reports_open(&r, "web-2", 1, 9000, T0, 1);
	cb_fleet_reports_expire(&r, T0 + 1000);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.r[0].host, "web-2");
	cb_fleet_reports_open(&r, "web-3", 1, 9000, T0, 2);
	cb_fleet_reports_sweep(&r, 2);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.r[0].host, "web-3");
}

static void test_reporters_are_bounded(void **state)
{
	(void)state;
	struct cb_fleet_reports r = {0};
	char host[16];
	for (int i = 0; i < 3 * CB_FLEET_REPORTERS; i++) {
		snprintf(host, sizeof(host), "h%d", i);
		cb_fleet_reports_open(&r, host, 1, 1000 + (uint64_t)i, T0, 0);
	}
	assert_int_equal(r.n, CB_FLEET_REPORTERS);
	struct cb_fleet_verdict v;
	cb_fleet_reports_judge(&r, CB_FLEET_QUORUM_MAX, T0, &v);
	assert_true(strlen(v.by) < CB_FLEET_BY_MAX);
	/* The longest-lasting reports were kept. */
	assert_int_equal(v.remaining_ms, 1000 + 2 * CB_FLEET_REPORTERS);
}

/* ---- the breaker's fleet opening ---- */

struct rig {
	struct cb_slot slot;
	struct cb_breaker_config cfg;
	struct cb_env env;
};

static void rig_init(struct rig *g)
{
	memset(g, 0, sizeof(*g));
	cb_slot_init(&g->slot);
	strcpy(g->cfg.name, "api");
	g->cfg.failure_threshold = 1;
	g->cfg.open_timeout_ms = 30000;
	g->cfg.open_timeout_max_ms = 30000;
	g->cfg.backoff_multiplier = 2;
	g->cfg.half_open_max_calls = 1;
	g->cfg.success_threshold = 1;
	g->env.now_ms = T0;
	g->env.random = UINT64_C(1) << 63;
}

static void fail_once(struct rig *g)
{
	struct cb_ticket t;
	struct cb_transition tr;
	cb_breaker_decide(&g->slot, &g->cfg, &g->env, &t, &tr);
	cb_breaker_record(&g->slot, &g->cfg, &g->env, &t, CB_OUTCOME_FAILURE, NULL, &tr);
}

static void test_remote_opening_opens_a_closed_breaker_with_cause_fleet(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g);
	struct cb_transition tr;
	assert_true(cb_breaker_open_remote(&g.slot, &g.env, 5000, "web-1 web-2", &tr));
	assert_true(tr.happened);
	assert_int_equal(tr.cause, CB_CAUSE_FLEET);
	assert_int_equal(tr.retry_in_ms, 5000);
	struct cb_snapshot s;
	cb_breaker_snapshot(&g.slot, &g.cfg, T0, &s);
	assert_int_equal(s.state, CB_OPEN);
	assert_true(s.fleet);
	assert_string_equal(s.opened_by, "web-1 web-2");
	assert_int_equal(s.retry_at_ms, T0 + 5000);
	/* It rejects until then, then probes for itself like any opening. */
	struct cb_ticket t;
	assert_false(cb_breaker_decide(&g.slot, &g.cfg, &g.env, &t, &tr));
	g.env.now_ms = T0 + 5000;
	assert_true(cb_breaker_decide(&g.slot, &g.cfg, &g.env, &t, &tr));
	assert_int_equal(tr.to, CB_HALF_OPEN);
	cb_breaker_snapshot(&g.slot, &g.cfg, g.env.now_ms, &s);
	assert_false(s.fleet);
}

static void test_remote_opening_never_touches_a_breaker_that_is_not_closed(void **state)
{
	(void)state;
	struct rig g;
	struct cb_transition tr;
	struct cb_ticket t;
	/* Open on local evidence: not shortened, not taken over. */
	rig_init(&g);
	fail_once(&g);
	assert_int_equal(cb_slot_state(&g.slot), CB_OPEN);
	assert_false(cb_breaker_open_remote(&g.slot, &g.env, 1000, "web-1", &tr));
	assert_false(tr.happened);
	struct cb_snapshot s;
	cb_breaker_snapshot(&g.slot, &g.cfg, T0, &s);
	assert_int_equal(s.retry_at_ms, T0 + 30000);
	assert_false(s.fleet);
	/* Half-open. */
	g.env.now_ms = T0 + 30000;
	cb_breaker_decide(&g.slot, &g.cfg, &g.env, &t, &tr);
	assert_int_equal(cb_slot_state(&g.slot), CB_HALF_OPEN);
	assert_false(cb_breaker_open_remote(&g.slot, &g.env, 1000, "web-1", &tr));
	/* Forced open and disabled. */
	rig_init(&g);
	cb_breaker_force(&g.slot, CB_FORCED_OPEN, &g.env, &tr);
	assert_false(cb_breaker_open_remote(&g.slot, &g.env, 1000, "web-1", &tr));
	assert_int_equal(cb_slot_state(&g.slot), CB_FORCED_OPEN);
	rig_init(&g);
	cb_breaker_force(&g.slot, CB_DISABLED, &g.env, &tr);
	assert_false(cb_breaker_open_remote(&g.slot, &g.env, 1000, "web-1", &tr));
	assert_int_equal(cb_slot_state(&g.slot), CB_DISABLED);
	/* Already open by the fleet: not reopened, not lengthened. */
	rig_init(&g);
	assert_true(cb_breaker_open_remote(&g.slot, &g.env, 1000, "web-1", &tr));
	assert_false(cb_breaker_open_remote(&g.slot, &g.env, 9000, "web-2", &tr));
	cb_breaker_snapshot(&g.slot, &g.cfg, T0, &s);
	assert_int_equal(s.retry_at_ms, T0 + 1000);
}

static void test_local_reopening_after_a_fleet_opening_is_local(void **state)
{
	(void)state;
	struct rig g;
	struct cb_transition tr;
	struct cb_ticket t;
	rig_init(&g);
	assert_true(cb_breaker_open_remote(&g.slot, &g.env, 1000, "web-1", &tr));
	g.env.now_ms = T0 + 1000;
	assert_true(cb_breaker_decide(&g.slot, &g.cfg, &g.env, &t, &tr));
	cb_breaker_record(&g.slot, &g.cfg, &g.env, &t, CB_OUTCOME_FAILURE, NULL, &tr);
	assert_int_equal(tr.cause, CB_CAUSE_PROBE_FAILED);
	struct cb_snapshot s;
	cb_breaker_snapshot(&g.slot, &g.cfg, g.env.now_ms, &s);
	assert_int_equal(s.state, CB_OPEN);
	assert_false(s.fleet);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_fleet_section_defaults),
	        T(test_fleet_section_reads_every_key),
	        T(test_no_fleet_section_is_disabled),
	        T(test_fleet_errors_name_their_line),
	        T(test_open_message_round_trips),
	        T(test_malformed_messages_are_refused),
	        T(test_oversized_message_is_refused_unread),
	        T(test_key_round_trips_and_foreign_keys_are_refused),
	        T(test_quorum_two_is_held_by_one_report_and_met_by_two),
	        T(test_duplicate_never_lengthens_and_reordered_is_ignored),
	        T(test_reports_expire_and_resync_sweeps_the_unseen),
	        T(test_reporters_are_bounded),
	        T(test_remote_opening_opens_a_closed_breaker_with_cause_fleet),
	        T(test_remote_opening_never_touches_a_breaker_that_is_not_closed),
	        T(test_local_reopening_after_a_fleet_opening_is_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
