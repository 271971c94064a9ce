/* test_log.c - the wording of state-change lines and error names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"

static void test_open_line_names_count_error_address_and_retry(void **unused)
{
	(void)unused;
	struct cb_transition tr = {
	        .happened = true,
	        .from = CB_CLOSED,
	        .to = CB_OPEN,
	        .cause = CB_CAUSE_CONSECUTIVE_FAILURES,
	        .count = 5,
	        .retry_in_ms = 30000,
	        .last_error = CB_ERROR(CB_ERR_ERRNO, ECONNREFUSED),
	        .last_address = "10.0.0.7:443",
	};
	char buf[256];
	cb_log_format_transition(buf, sizeof(buf), "api", &tr);
	assert_string_equal(buf, "api: closed -> open (5 consecutive failures; last ECONNREFUSED "
	                         "10.0.0.7:443); retry in 30s");
}

static void test_rate_line_shows_percent_and_calls(void **unused)
{
	(void)unused;
	struct cb_transition tr = {
	        .from = CB_CLOSED,
	        .to = CB_OPEN,
	        .cause = CB_CAUSE_FAILURE_RATE,
	        .count = 20,
	        .rate = 55,
	        .retry_in_ms = 1500,
	        .last_error = CB_ERROR(CB_ERR_HTTP, 503),
	};
	char buf[256];
	cb_log_format_transition(buf, sizeof(buf), "db", &tr);
	assert_string_equal(buf,
	                    "db: closed -> open (failure rate 55% over 20 calls; last HTTP 503); "
	                    "retry in 1.5s");
}

static void test_close_line_has_no_retry(void **unused)
{
	(void)unused;
	struct cb_transition tr = {
	        .from = CB_HALF_OPEN,
	        .to = CB_CLOSED,
	        .cause = CB_CAUSE_PROBES_SUCCEEDED,
	        .count = 2,
	};
	char buf[256];
	cb_log_format_transition(buf, sizeof(buf), "api", &tr);
	assert_string_equal(buf, "api: half_open -> closed (2 probes succeeded)");
	tr.count = 1;
	cb_log_format_transition(buf, sizeof(buf), "api", &tr);
	assert_string_equal(buf, "api: half_open -> closed (1 probe succeeded)");
}

static void test_operator_line_names_the_uid(void **unused)
{
	(void)unused;
	struct cb_transition tr = {
	        .from = CB_CLOSED,
	        .to = CB_FORCED_OPEN,
	        .cause = CB_CAUSE_OPERATOR,
	        .uid = 1000,
	};
	char buf[256];
	cb_log_format_transition(buf, sizeof(buf), "api", &tr);
	assert_string_equal(buf, "api: closed -> forced_open (operator, uid 1000)");
}

static void test_error_names_for_each_kind(void **unused)
{
	(void)unused;
	char buf[64];
	cb_log_format_error(buf, sizeof(buf), CB_ERROR(CB_ERR_ERRNO, ETIMEDOUT));
	assert_string_equal(buf, "ETIMEDOUT");
	cb_log_format_error(buf, sizeof(buf), CB_ERROR(CB_ERR_CURL, 28));
	assert_string_equal(buf, "CURLE_OPERATION_TIMEDOUT");
	cb_log_format_error(buf, sizeof(buf), CB_ERROR(CB_ERR_HTTP, 429));
	assert_string_equal(buf, "HTTP 429");
	cb_log_format_error(buf, sizeof(buf), 0);
	assert_string_equal(buf, "");
}

static void test_long_open_times_read_in_minutes(void **unused)
{
	(void)unused;
	struct cb_transition tr = {
	        .from = CB_HALF_OPEN,
	        .to = CB_OPEN,
	        .cause = CB_CAUSE_PROBE_FAILED,
	        .retry_in_ms = 150000,
	};
	char buf[256];
	cb_log_format_transition(buf, sizeof(buf), "api", &tr);
	assert_string_equal(buf, "api: half_open -> open (probe failed); retry in 2m30s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_open_line_names_count_error_address_and_retry),
	        cmocka_unit_test(test_rate_line_shows_percent_and_calls),
	        cmocka_unit_test(test_close_line_has_no_retry),
	        cmocka_unit_test(test_operator_line_names_the_uid),
	        cmocka_unit_test(test_error_names_for_each_kind),
	        cmocka_unit_test(test_long_open_times_read_in_minutes),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
