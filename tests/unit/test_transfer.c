/* test_transfer.c - how a finished curl transfer is judged (failure by HTTP
 * status or CURLcode, success, neutral) and what a rejected transfer writes
 * into the program's error buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "curl/transfer.h"

/* http_failure_status = 500-599, curl_failure_codes = connect + timeout. */
static struct cb_breaker_config config(void)
{
	struct cb_breaker_config c;
	memset(&c, 0, sizeof(c));
	for (int s = 500; s <= 599; s++)
		CB_SET_ADD(c.http_failure_status, s);
	CB_SET_ADD(c.curl_failure_codes, CURLE_COULDNT_CONNECT);
	CB_SET_ADD(c.curl_failure_codes, CURLE_OPERATION_TIMEDOUT);
	return c;
}

static void test_failure_status_is_a_failure_with_the_http_error(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	uint32_t err = 0;
	assert_int_equal(cb_curl_classify(&c, CURLE_OK, 503, &err), CB_OUTCOME_FAILURE);
	assert_int_equal(CB_ERROR_KIND(err), CB_ERR_HTTP);
	assert_int_equal(CB_ERROR_VALUE(err), 503);
}

static void test_failure_code_is_a_failure_with_the_curl_error(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	uint32_t err = 0;
	assert_int_equal(cb_curl_classify(&c, CURLE_OPERATION_TIMEDOUT, 200, &err),
	                 CB_OUTCOME_FAILURE);
	assert_int_equal(CB_ERROR_KIND(err), CB_ERR_CURL);
	assert_int_equal(CB_ERROR_VALUE(err), CURLE_OPERATION_TIMEDOUT);
}

static void test_not_found_is_a_success(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	uint32_t err = 1;
	assert_int_equal(cb_curl_classify(&c, CURLE_OK, 404, &err), CB_OUTCOME_SUCCESS);
	assert_int_equal(err, 0);
}

static void test_curl_fail_on_not_found_is_a_success(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	uint32_t err;
	assert_int_equal(cb_curl_classify(&c, CURLE_HTTP_RETURNED_ERROR, 404, &err),
	                 CB_OUTCOME_SUCCESS);
}

static void test_curl_fail_on_failure_status_is_a_failure(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	uint32_t err;
	assert_int_equal(cb_curl_classify(&c, CURLE_HTTP_RETURNED_ERROR, 502, &err),
	                 CB_OUTCOME_FAILURE);
	assert_int_equal(CB_ERROR_VALUE(err), 502);
}

static void test_unlisted_error_code_is_neutral(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	uint32_t err = 1;
	assert_int_equal(cb_curl_classify(&c, CURLE_COULDNT_RESOLVE_HOST, 0, &err),
	                 CB_OUTCOME_NEUTRAL);
	assert_int_equal(cb_curl_classify(&c, CURLE_ABORTED_BY_CALLBACK, 0, &err),
	                 CB_OUTCOME_NEUTRAL);
	assert_int_equal(err, 0);
}

static void test_status_none_never_fails_on_a_5xx(void **state)
{
	(void)state;
	struct cb_breaker_config c = config();
	memset(&c.http_failure_status, 0, sizeof(c.http_failure_status));
	uint32_t err;
	assert_int_equal(cb_curl_classify(&c, CURLE_OK, 503, &err), CB_OUTCOME_SUCCESS);
}

static void test_open_message_names_the_breaker_and_rounds_the_wait_up(void **state)
{
	(void)state;
	struct cb_slot s;
	memset(&s, 0, sizeof(s));
	cb_slot_init(&s);
	atomic_store(&s.state, (uint64_t)3 << 8 | CB_OPEN);
	atomic_store(&s.retry_at_ms, 20001);
	char buf[256];
	cb_curl_reject_message(buf, sizeof(buf), "api", &s, 8000);
	assert_string_equal(buf, "cbreaker: breaker 'api' is open; retry in 13s");
}

static void test_open_message_waits_for_a_later_retry_after(void **state)
{
	(void)state;
	struct cb_slot s;
	memset(&s, 0, sizeof(s));
	cb_slot_init(&s);
	atomic_store(&s.state, (uint64_t)1 << 8 | CB_OPEN);
	atomic_store(&s.retry_at_ms, 2000);
	atomic_store(&s.retry_after_until_ms, 5000);
	char buf[256];
	cb_curl_reject_message(buf, sizeof(buf), "api", &s, 1000);
	assert_string_equal(buf, "cbreaker: breaker 'api' is open; retry in 4s");
}

static void test_open_message_never_says_zero_seconds(void **state)
{
	(void)state;
	struct cb_slot s;
	memset(&s, 0, sizeof(s));
	cb_slot_init(&s);
	atomic_store(&s.state, (uint64_t)1 << 8 | CB_OPEN);
	atomic_store(&s.retry_at_ms, 900);
	char buf[256];
	cb_curl_reject_message(buf, sizeof(buf), "api", &s, 1000);
	assert_string_equal(buf, "cbreaker: breaker 'api' is open; retry in 1s");
}

static void test_forced_open_and_half_open_messages_say_why(void **state)
{
	(void)state;
	struct cb_slot s;
	memset(&s, 0, sizeof(s));
	cb_slot_init(&s);
	char buf[256];
	atomic_store(&s.state, (uint64_t)1 << 8 | CB_FORCED_OPEN);
	cb_curl_reject_message(buf, sizeof(buf), "db", &s, 0);
	assert_string_equal(buf, "cbreaker: breaker 'db' is forced open by an operator");
	atomic_store(&s.state, (uint64_t)2 << 8 | CB_HALF_OPEN);
	cb_curl_reject_message(buf, sizeof(buf), "db", &s, 0);
	assert_non_null(strstr(buf, "'db' is half-open"));
}

static void test_message_fits_a_curl_error_buffer(void **state)
{
	(void)state;
	struct cb_slot s;
	memset(&s, 0, sizeof(s));
	cb_slot_init(&s);
	atomic_store(&s.state, (uint64_t)1 << 8 | CB_OPEN);
	char name[CB_NAME_MAX];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char buf[CURL_ERROR_SIZE + 8];
	memset(buf, 'X', sizeof(buf));
	cb_curl_reject_message(buf, CURL_ERROR_SIZE, name, &s, 0);
	assert_true(strlen(buf) < CURL_ERROR_SIZE);
	assert_int_equal(buf[CURL_ERROR_SIZE], 'X');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_failure_status_is_a_failure_with_the_http_error),
	        cmocka_unit_test(test_failure_code_is_a_failure_with_the_curl_error),
	        cmocka_unit_test(test_not_found_is_a_success),
	        cmocka_unit_test(test_curl_fail_on_not_found_is_a_success),
	        cmocka_unit_test(test_curl_fail_on_failure_status_is_a_failure),
	        cmocka_unit_test(test_unlisted_error_code_is_neutral),
	        cmocka_unit_test(test_status_none_never_fails_on_a_5xx),
	        cmocka_unit_test(test_open_message_names_the_breaker_and_rounds_the_wait_up),
	        cmocka_unit_test(test_open_message_waits_for_a_later_retry_after),
	        cmocka_unit_test(test_open_message_never_says_zero_seconds),
	        cmocka_unit_test(test_forced_open_and_half_open_messages_say_why),
	        cmocka_unit_test(test_message_fits_a_curl_error_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
