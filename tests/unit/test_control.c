/* test_control.c - the control protocol's requests (cb_control_handle)
 * against a runtime of two breakers in a state file: replies, who may
 * change state, and bad requests always answered with a JSON error. The
 * state file's owner is not root even when the tests run as root (the
 * file is given to another uid), so "the owner may" and "root may" are
 * two checks that can each fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/control.h"
#include "core/log.h"

/* Any uid but root's and ours: no account is needed to own a file. */
#define OTHER_OWNER 4242

static struct cb_runtime rt;
static char dir[] = "/tmp/cbtest-control-XXXXXX";
static char state_path[sizeof(dir) + 16];
static uid_t owner; /* of the state file, never root */

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	char path[sizeof(dir) + 16];
	snprintf(path, sizeof(path), "%s/cb.ini", dir);
	snprintf(state_path, sizeof(state_path), "%s/state", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	        "[global]\nstate_file = %s\nsocket = off\nlog = off\n"
	        "[api]\nhosts = 127.0.0.1:8080\n[db]\nhosts = 127.0.0.1:5432\n",
	        state_path);
	assert_int_equal(fclose(f), 0);
	static struct cb_diag diag;
	rt.cfg = cb_config_load(path, &diag);
	unlink(path);
	assert_non_null(rt.cfg);
	cb_log_configure(&rt.cfg->global);
	char warn[256];
	rt.store = cb_store_open(rt.cfg, warn, sizeof(warn));
	assert_non_null(rt.store);
	rt.n = (uint32_t)rt.cfg->n_breakers;
	rt.breakers = calloc(rt.n, sizeof(*rt.breakers));
	for (uint32_t i = 0; i < rt.n; i++) {
		rt.breakers[i].rt = &rt;
		rt.breakers[i].cfg = &rt.cfg->breakers[i];
		rt.breakers[i].slot = cb_store_find(rt.store, rt.cfg->breakers[i].name, true);
		assert_non_null(rt.breakers[i].slot);
	}
	assert_true(cb_store_is_shared(rt.store));
	owner = geteuid();
	if (owner == 0) {
		assert_int_equal(chown(state_path, OTHER_OWNER, (gid_t)-1), 0);
		owner = OTHER_OWNER;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(rt.breakers);
	cb_store_close(rt.store);
	cb_config_free(rt.cfg);
	unlink(state_path);
	rmdir(dir);
	return 0;
}

/* The reply to line from uid peer; the caller frees it. */
static char *ask(const char *line, uid_t peer)
{
	struct cb_buf out = {0};
	enum cb_control_reply r = cb_control_handle(&rt, line, peer, &out);
	assert_int_equal(r, CB_CONTROL_REPLY);
	assert_false(out.failed);
	assert_non_null(out.data);
	return out.data;
}

static void assert_error(const char *line, const char *fragment)
{
	char *reply = ask(line, owner);
	if (strncmp(reply, "{\"error\":\"", 10) != 0 || !strstr(reply, fragment))
		fail_msg("request \"%s\": %s", line, reply);
	free(reply);
}

static enum cb_state state_of(int i)
{
	return (enum cb_state)(atomic_load(&rt.breakers[i].slot->state) & 0xff);
}

static void test_status_reports_this_process_as_server(void **state)
{
	(void)state;
	char *reply = ask("status", 12345);
	char want[64];
	snprintf(want, sizeof(want), "\"pid\":%d,", (int)getpid());
	assert_non_null(strstr(reply, want));
	char file[sizeof(state_path) + 32];
	snprintf(file, sizeof(file), "\"state_file\":\"%s\"", state_path);
	assert_non_null(strstr(reply, file));
	assert_non_null(strstr(reply, "\"name\":\"api\""));
	assert_non_null(strstr(reply, "\"name\":\"db\""));
	free(reply);
}

static void test_status_of_one_breaker_and_table_and_metrics(void **state)
{
	(void)state;
	char *reply = ask("status db\r", 1);
	assert_null(strstr(reply, "\"name\":\"api\""));
	free(reply);
	reply = ask("table --color api", 1);
	assert_true(strncmp(reply, "NAME", 4) == 0);
	assert_non_null(strstr(reply, "\033[32mclosed"));
	assert_null(strstr(reply, "\ndb "));
	free(reply);
	reply = ask("  metrics  ", 1);
	assert_true(strncmp(reply, "# HELP cbreaker_state ", 22) == 0);
	free(reply);
}

static void test_changes_refused_to_other_users(void **state)
{
	(void)state;
	uid_t other = owner + 1;
	char *reply = ask("force-open api", other);
	char want[128];
	snprintf(want, sizeof(want),
	         "{\"error\":\"permission denied: you are uid %u, the state belongs to uid %u\"}\n",
	         (unsigned)other, (unsigned)owner);
	assert_string_equal(reply, want);
	assert_int_equal(state_of(0), CB_CLOSED);
	free(reply);
}

static void test_owner_and_root_may_change_state(void **state)
{
	(void)state;
	assert_int_not_equal(owner, 0);
	char *reply = ask("force-open api", owner);
	assert_string_equal(reply, "{\"ok\":true,\"breaker\":\"api\",\"state\":\"forced_open\"}\n");
	assert_int_equal(state_of(0), CB_FORCED_OPEN);
	free(reply);
	reply = ask("disable db", 0);
	assert_string_equal(reply, "{\"ok\":true,\"breaker\":\"db\",\"state\":\"disabled\"}\n");
	free(reply);
	reply = ask("reset *", 0);
	assert_string_equal(reply, "{\"ok\":true,\"reset\":[\"api\",\"db\"]}\n");
	assert_int_equal(state_of(0), CB_CLOSED);
	assert_int_equal(state_of(1), CB_CLOSED);
	free(reply);
}

static void test_events_asks_for_a_stream(void **state)
{
	(void)state;
	struct cb_buf out = {0};
	assert_int_equal(cb_control_handle(&rt, "events", 0, &out), CB_CONTROL_STREAM_EVENTS);
	assert_int_equal(out.len, 0);
	cb_buf_free(&out);
}

static void test_bad_requests_get_json_errors(void **state)
{
	(void)state;
	assert_error("", "empty request");
	assert_error(" \t ", "empty request");
	assert_error("bogus", "unknown request \\\"bogus\\\"");
	assert_error("status nope", "unknown breaker \\\"nope\\\"");
	assert_error("reset", "which breaker");
	assert_error("force-open *", "unknown breaker");
	assert_error("disable api db", "too many arguments");
	assert_error("status api db", "too many arguments");
	assert_error("metrics api", "too many arguments");
	assert_error("events now", "too many arguments");
	assert_error("a b c d e", "too many arguments");
	assert_error("STATUS", "unknown request");
}

static void test_random_lines_never_crash_and_always_answer(void **state)
{
	(void)state;
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	static const char alphabet[] = "statusreetforcpndiblmx*- \t\r\"\\\x01\xff";
	char line[CB_CONTROL_MAX_REQUEST + 1];
	for (int round = 0; round < 2000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t len = x % 40 + (round % 100 == 0 ? CB_CONTROL_MAX_REQUEST - 40 : 0);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			line[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		line[len] = '\0';
		struct cb_buf out = {0};
		/* Not root and not the owner: random lines must not change state. */
		enum cb_control_reply r = cb_control_handle(&rt, line, 4242, &out);
		if (r == CB_CONTROL_REPLY)
			assert_true(out.data && (out.data[0] == '{' || out.data[0] == '#' ||
			                         strncmp(out.data, "NAME", 4) == 0));
		cb_buf_free(&out);
	}
	assert_int_equal(state_of(0), CB_CLOSED);
}

/* A server whose state file was removed under it answers nothing from it
 * and changes nothing in it: the tool then uses the file at the path.
 * Last in the group: the fixture's file is gone afterwards. */
static void test_a_removed_state_file_is_neither_shown_nor_changed(void **state)
{
	(void)state;
	enum cb_state before = state_of(0);
	assert_int_equal(unlink(state_path), 0);
	const char *lines[] = {"force-open api", "status", "table", "metrics", "events"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *reply = ask(lines[i], owner);
		if (!strstr(reply, "\"reason\":\"" CB_RENDER_STALE "\""))
			fail_msg("%s: %s", lines[i], reply);
		free(reply);
	}
	assert_int_equal(state_of(0), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_status_reports_this_process_as_server),
	        cmocka_unit_test(test_status_of_one_breaker_and_table_and_metrics),
	        cmocka_unit_test(test_changes_refused_to_other_users),
	        cmocka_unit_test(test_owner_and_root_may_change_state),
	        cmocka_unit_test(test_events_asks_for_a_stream),
	        cmocka_unit_test(test_bad_requests_get_json_errors),
	        cmocka_unit_test(test_random_lines_never_crash_and_always_answer),
	        cmocka_unit_test(test_a_removed_state_file_is_neither_shown_nor_changed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
