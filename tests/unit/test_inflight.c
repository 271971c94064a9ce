/* test_inflight.c - per-descriptor records of connects in flight (claim,
 * take exactly once, high descriptors, close_range walk, fork) and the
 * rules that judge what the shim observed. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "connect/inflight.h"
#include "connect/judge.h"

static struct cb_pending pending_at(int64_t start)
{
	struct cb_pending p;
	memset(&p, 0, sizeof(p));
	p.start_ms = start;
	p.addr.in.sin_family = AF_INET;
	return p;
}

static void test_put_record_is_seen_by_peek(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(1234), seen;
	uint64_t token, peeked;
	assert_true(cb_inflight_put(10, &p, &token));
	assert_true(cb_inflight_peek(10, &peeked, &seen));
	assert_int_equal(peeked, token);
	assert_int_equal(seen.start_ms, 1234);
	assert_true(cb_inflight_take(10, token, NULL));
}

static void test_untracked_descriptor_has_no_record(void **state)
{
	(void)state;
	uint64_t token;
	assert_false(cb_inflight_peek(11, &token, NULL));
	assert_false(cb_inflight_peek(5000000, &token, NULL)); /* chunk never mapped */
	assert_false(cb_inflight_peek(-1, &token, NULL));
}

static void test_record_is_taken_exactly_once(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(7), out;
	uint64_t token;
	assert_true(cb_inflight_put(12, &p, &token));
	assert_true(cb_inflight_take(12, token, &out));
	assert_int_equal(out.start_ms, 7);
	assert_false(cb_inflight_take(12, token, &out));
	assert_false(cb_inflight_peek(12, &token, NULL));
}

static void test_second_put_on_pending_descriptor_is_refused(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(1);
	uint64_t token, other;
	assert_true(cb_inflight_put(13, &p, &token));
	assert_false(cb_inflight_put(13, &p, &other));
	assert_true(cb_inflight_take(13, token, NULL));
}

static void test_old_token_does_not_take_a_newer_record(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(1);
	uint64_t first, second;
	assert_true(cb_inflight_put(14, &p, &first));
	assert_true(cb_inflight_take(14, first, NULL));
	assert_true(cb_inflight_put(14, &p, &second));
	assert_int_not_equal(first, second);
	assert_false(cb_inflight_take(14, first, NULL));
	assert_true(cb_inflight_take(14, second, NULL));
}

static void test_descriptor_above_65536_is_tracked(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(99);
	uint64_t token;
	int fd = 70000 + 123;
	assert_true(cb_inflight_put(fd, &p, &token));
	assert_true(cb_inflight_peek(fd, &token, NULL));
	assert_int_equal(cb_inflight_next(65536, 1u << 30), fd);
	assert_true(cb_inflight_take(fd, token, NULL));
}

static void test_descriptor_beyond_table_is_refused(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(1);
	uint64_t token;
	assert_false(cb_inflight_put(CB_INFLIGHT_CHUNK * CB_INFLIGHT_CHUNKS, &p, &token));
	assert_false(cb_inflight_put(-5, &p, &token));
}

static void test_next_finds_pending_descriptors_in_range_in_order(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(1);
	uint64_t t1, t2, t3;
	assert_true(cb_inflight_put(3000, &p, &t1));
	assert_true(cb_inflight_put(3005, &p, &t2));
	assert_true(cb_inflight_put(9000, &p, &t3));
	assert_int_equal(cb_inflight_next(2999, 8999), 3000);
	assert_int_equal(cb_inflight_next(3001, 8999), 3005);
	assert_int_equal(cb_inflight_next(3006, 8999), -1);
	assert_int_equal(cb_inflight_next(3006, ~0u), 9000);
	assert_int_equal(cb_inflight_next(3000, 3000), 3000);
	assert_true(cb_inflight_take(3000, t1, NULL));
	assert_true(cb_inflight_take(3005, t2, NULL));
	assert_true(cb_inflight_take(9000, t3, NULL));
	assert_int_equal(cb_inflight_next(0, ~0u), -1);
}

static void test_forget_all_drops_every_record(void **state)
{
	(void)state;
	struct cb_pending p = pending_at(1);
	uint64_t t1, t2;
	assert_true(cb_inflight_put(20, &p, &t1));
	assert_true(cb_inflight_put(20000, &p, &t2));
	cb_inflight_forget_all();
	assert_int_equal(cb_inflight_next(0, ~0u), -1);
	assert_false(cb_inflight_take(20, t1, NULL));
	assert_false(cb_inflight_take(20000, t2, NULL));
}

#define RACERS 8
#define ROUNDS 500

struct race {
	pthread_barrier_t *start;
	int wins;
};

static _Atomic uint64_t race_token[ROUNDS];
static _Atomic int race_ready;

static void *racer(void *arg)
{
	struct race *r = arg;
	pthread_barrier_wait(r->start);
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t;
		/* Bounded spin: the publisher puts round i before round i+1. */
		for (long spin = 0; spin < 10000000L && atomic_load(&race_ready) <= i; spin++)
			sched_yield();
		t = atomic_load(&race_token[i]);
		if (cb_inflight_take(40, t, NULL))
			r->wins++;
	}
	return NULL;
}

static void test_racing_takers_record_each_connect_exactly_once(void **state)
{
	(void)state;
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, RACERS + 1);
	struct race r[RACERS];
	pthread_t th[RACERS];
	for (int i = 0; i < RACERS; i++) {
		r[i].start = &start;
		r[i].wins = 0;
		pthread_create(&th[i], NULL, racer, &r[i]);
	}
	pthread_barrier_wait(&start);
	struct cb_pending p = pending_at(1);
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t;
		/* Wait (bounded) until someone took the previous round. */
		for (long spin = 0; spin < 10000000L && !cb_inflight_put(40, &p, &t); spin++)
			sched_yield();
		atomic_store(&race_token[i], t);
		atomic_store(&race_ready, i + 1);
	}
	int total = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		total += r[i].wins;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(total, ROUNDS);
}

/* -- Rules ------------------------------------------------------------- */

static struct cb_breaker_config config(uint64_t connect_timeout_ms)
{
	struct cb_breaker_config c;
	memset(&c, 0, sizeof(c));
	CB_SET_ADD(c.failure_errors, ECONNREFUSED);
	CB_SET_ADD(c.failure_errors, ETIMEDOUT);
	CB_SET_ADD(c.failure_errors, ECONNRESET);
	c.connect_timeout_ms = connect_timeout_ms;
	return c;
}

static void test_connect_returning_zero_is_a_success(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(cb_judge_errno(&c, 0, false, 0, &err), CB_OUTCOME_SUCCESS);
}

static void test_in_progress_and_interrupted_connects_stay_pending(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(cb_judge_errno(&c, EINPROGRESS, false, 0, &err), CB_JUDGE_PENDING);
	assert_int_equal(cb_judge_errno(&c, EINTR, false, 0, &err), CB_JUDGE_PENDING);
	assert_int_equal(cb_judge_errno(&c, EALREADY, true, 10, &err), CB_JUDGE_PENDING);
}

static void test_errno_in_failure_errors_is_a_failure_others_neutral(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(cb_judge_errno(&c, ECONNREFUSED, false, 0, &err), CB_OUTCOME_FAILURE);
	assert_int_equal(err, ECONNREFUSED);
	assert_int_equal(cb_judge_errno(&c, EACCES, false, 0, &err), CB_OUTCOME_NEUTRAL);
}

static void test_repeated_connect_eisconn_is_a_success(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(cb_judge_errno(&c, EISCONN, true, 5, &err), CB_OUTCOME_SUCCESS);
	assert_int_equal(cb_judge_errno(&c, EISCONN, false, 0, &err), CB_OUTCOME_NEUTRAL);
}

static void test_repeated_connect_still_pending_past_connect_timeout_fails(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(100);
	int err;
	assert_int_equal(cb_judge_errno(&c, EALREADY, true, 150, &err), CB_OUTCOME_FAILURE);
	assert_int_equal(err, ETIMEDOUT);
}

static void test_established_socket_is_a_success(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){1, false, false}, 5, false, true, &err),
	        CB_OUTCOME_SUCCESS);
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){8, false, false}, 5, false, true, &err),
	        CB_OUTCOME_SUCCESS);
}

static void test_closing_while_syn_sent_is_a_timeout_failure(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){2, false, false}, 5, false, true, &err),
	        CB_OUTCOME_FAILURE);
	assert_int_equal(err, ETIMEDOUT);
}

static void test_closing_loser_after_sibling_won_is_neutral(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){2, false, false}, 5, true, true, &err),
	        CB_OUTCOME_NEUTRAL);
}

static void test_syn_sent_past_connect_timeout_fails_even_if_sibling_won(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(100);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){2, false, false}, 100, true, true, &err),
	        CB_OUTCOME_FAILURE);
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){2, false, false}, 100, false, false, &err),
	        CB_OUTCOME_FAILURE);
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){2, false, false}, 99, false, false, &err),
	        CB_JUDGE_PENDING);
}

static void test_closed_socket_guesses_refused_or_timed_out(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){7, false, false}, 5, false, true, &err),
	        CB_OUTCOME_FAILURE);
	assert_int_equal(err, ECONNREFUSED);
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){7, true, false}, 5, false, true, &err),
	        CB_OUTCOME_FAILURE);
	assert_int_equal(err, ETIMEDOUT);
}

static void test_closed_socket_guess_outside_failure_errors_is_neutral(void **state)
{
	(void)state;
	struct cb_breaker_config c;
	memset(&c, 0, sizeof(c));
	CB_SET_ADD(c.failure_errors, ETIMEDOUT);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){7, false, false}, 5, false, true, &err),
	        CB_OUTCOME_NEUTRAL);
}

static void test_closed_socket_once_established_is_a_success(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	const struct cb_tcp_seen reset_after_data = {7, true, true};
	assert_int_equal(cb_judge_tcp(&c, &reset_after_data, 5, false, true, &err),
	                 CB_OUTCOME_SUCCESS);
	assert_int_equal(cb_judge_so_error(&c, 0, &reset_after_data, 5, &err), CB_OUTCOME_SUCCESS);
}

static void test_unknown_tcp_state_is_neutral(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(
	        cb_judge_tcp(&c, &(struct cb_tcp_seen){0, false, false}, 5, false, true, &err),
	        CB_OUTCOME_NEUTRAL);
}

static void test_so_error_value_decides_unless_zero_while_connecting(void **state)
{
	(void)state;
	struct cb_breaker_config c = config(0);
	int err;
	assert_int_equal(cb_judge_so_error(&c, ECONNREFUSED, &(struct cb_tcp_seen){0, false, false},
	                                   5, &err),
	                 CB_OUTCOME_FAILURE);
	assert_int_equal(err, ECONNREFUSED);
	assert_int_equal(
	        cb_judge_so_error(&c, EPERM, &(struct cb_tcp_seen){0, false, false}, 5, &err),
	        CB_OUTCOME_NEUTRAL);
	assert_int_equal(cb_judge_so_error(&c, 0, &(struct cb_tcp_seen){1, false, false}, 5, &err),
	                 CB_OUTCOME_SUCCESS);
	assert_int_equal(cb_judge_so_error(&c, 0, &(struct cb_tcp_seen){2, false, false}, 5, &err),
	                 CB_JUDGE_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_put_record_is_seen_by_peek),
	        cmocka_unit_test(test_untracked_descriptor_has_no_record),
	        cmocka_unit_test(test_record_is_taken_exactly_once),
	        cmocka_unit_test(test_second_put_on_pending_descriptor_is_refused),
	        cmocka_unit_test(test_old_token_does_not_take_a_newer_record),
	        cmocka_unit_test(test_descriptor_above_65536_is_tracked),
	        cmocka_unit_test(test_descriptor_beyond_table_is_refused),
	        cmocka_unit_test(test_next_finds_pending_descriptors_in_range_in_order),
	        cmocka_unit_test(test_forget_all_drops_every_record),
	        cmocka_unit_test(test_racing_takers_record_each_connect_exactly_once),
	        cmocka_unit_test(test_connect_returning_zero_is_a_success),
	        cmocka_unit_test(test_in_progress_and_interrupted_connects_stay_pending),
	        cmocka_unit_test(test_errno_in_failure_errors_is_a_failure_others_neutral),
	        cmocka_unit_test(test_repeated_connect_eisconn_is_a_success),
	        cmocka_unit_test(test_repeated_connect_still_pending_past_connect_timeout_fails),
	        cmocka_unit_test(test_established_socket_is_a_success),
	        cmocka_unit_test(test_closing_while_syn_sent_is_a_timeout_failure),
	        cmocka_unit_test(test_closing_loser_after_sibling_won_is_neutral),
	        cmocka_unit_test(test_syn_sent_past_connect_timeout_fails_even_if_sibling_won),
	        cmocka_unit_test(test_closed_socket_guesses_refused_or_timed_out),
	        cmocka_unit_test(test_closed_socket_guess_outside_failure_errors_is_neutral),
	        cmocka_unit_test(test_closed_socket_once_established_is_a_success),
	        cmocka_unit_test(test_unknown_tcp_state_is_neutral),
	        cmocka_unit_test(test_so_error_value_decides_unless_zero_while_connecting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
