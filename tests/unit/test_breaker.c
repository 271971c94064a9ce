/* test_breaker.c - the breaker state machine (src/breaker.c) on a private
 * slot with a driven clock: every transition and its cause, the window,
 * slow calls, backoff and jitter, probe permits, stale generations, operator
 * actions, observe mode, Retry-After, and exact counts under threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/breaker.h"

#define T0 1000000 /* ms: a clock well away from 0 ("never") */

struct rig {
	struct cb_slot slot;
	struct cb_breaker_config cfg;
	struct cb_env env;
};

/* A fixed configuration for the state machine (the README's defaults when
 * it was written), spelled out so that these tests keep their numbers when
 * a default in keys.def changes; test_config checks the defaults. */
/* A slot is aligned to its cache lines (slot.h): calloc's 16 bytes are
 * not enough. */
static void *zeroed_aligned(size_t size, size_t align)
{
	void *p = aligned_alloc(align, size);
	if (p)
		memset(p, 0, size);
	return p;
}

static void defaults(struct cb_breaker_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "api");
	c->failure_threshold = 5;
	c->min_calls = 10;
	c->window_ms = 60000;
	c->open_timeout_ms = 30000;
	c->open_timeout_max_ms = 30000;
	c->backoff_multiplier = 2;
	c->half_open_max_calls = 1;
	c->success_threshold = 2;
	c->reject_errno = 111;
	c->retry_after_honor = true;
	c->mode = CB_MODE_ENFORCE;
}

static int setup(void **state)
{
	struct rig *r = zeroed_aligned(sizeof(*r), _Alignof(struct rig));
	assert_non_null(r);
	defaults(&r->cfg);
	cb_slot_init(&r->slot);
	r->env.now_ms = T0;
	r->env.wall_ms = 1700000000000;
	r->env.pid = 4242;
	r->env.random = UINT64_C(1) << 63; /* j = 0 */
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static enum cb_state state_of(struct rig *r)
{
	return (enum cb_state)(atomic_load(&r->slot.state) & 0xff);
}

static uint64_t generation_of(struct rig *r)
{
	return atomic_load(&r->slot.state) >> 8;
}

/* decide, then (when allowed) record `o` after `dur` ms. Returns whether
 * the call was let through; `tr` gets record's transition, if any. */
static bool call(struct rig *r, enum cb_outcome o, int64_t dur, struct cb_transition *tr)
{
	struct cb_ticket t;
	struct cb_transition dtr;
	if (!cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t, &dtr))
		return false;
	r->env.now_ms += dur;
	struct cb_failure f = {CB_ERROR(CB_ERR_ERRNO, 111), "10.0.0.7:443"};
	struct cb_transition rtr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &t, o, o == CB_OUTCOME_FAILURE ? &f : NULL,
	                  tr ? tr : &rtr);
	return true;
}

static void fail_n(struct rig *r, int n)
{
	for (int i = 0; i < n; i++)
		assert_true(call(r, CB_OUTCOME_FAILURE, 0, NULL));
}

/* Opens the breaker by consecutive failures. */
static void trip(struct rig *r)
{
	fail_n(r, (int)r->cfg.failure_threshold);
	assert_int_equal(state_of(r), CB_OPEN);
}

/* Opens, then lets the open time pass and takes the first probe. */
static void to_half_open(struct rig *r, struct cb_ticket *probe)
{
	trip(r);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	struct cb_transition tr;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, probe, &tr));
	assert_true(tr.happened);
	assert_int_equal(state_of(r), CB_HALF_OPEN);
}

static void test_state_names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < CB_STATE_COUNT; i++)
		assert_int_equal(cb_state_from_name(cb_state_name((enum cb_state)i)), i);
	assert_string_equal(cb_state_name(CB_HALF_OPEN), "half_open");
	assert_string_equal(cb_state_name(CB_FORCED_OPEN), "forced_open");
	assert_int_equal(cb_state_from_name("ajar"), -1);
	assert_int_equal(cb_state_from_name(NULL), -1);
}

static void test_closed_allows_and_counts_outcomes(void **state)
{
	struct rig *r = *state;
	assert_true(call(r, CB_OUTCOME_SUCCESS, 5, NULL));
	assert_true(call(r, CB_OUTCOME_FAILURE, 5, NULL));
	assert_true(call(r, CB_OUTCOME_NEUTRAL, 5, NULL));
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.state, CB_CLOSED);
	assert_int_equal(sn.calls, 3);
	assert_int_equal(sn.successes, 1);
	assert_int_equal(sn.failures, 1);
	assert_int_equal(sn.rejected, 0);
	assert_int_equal(sn.window_calls, 2); /* neutral stays out of the window */
	assert_int_equal(sn.window_failure_rate, 50);
	assert_int_equal(atomic_load(&r->slot.last_success_ms), T0 + 5);
}

static void test_consecutive_failures_open_breaker(void **state)
{
	struct rig *r = *state;
	fail_n(r, 4);
	assert_int_equal(state_of(r), CB_CLOSED);
	struct cb_transition tr;
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_true(tr.happened);
	assert_int_equal(tr.from, CB_CLOSED);
	assert_int_equal(tr.to, CB_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_CONSECUTIVE_FAILURES);
	assert_int_equal(tr.count, 5);
	assert_int_equal(tr.retry_in_ms, 30000);
	assert_int_equal(tr.last_error, CB_ERROR(CB_ERR_ERRNO, 111));
	assert_string_equal(tr.last_address, "10.0.0.7:443");
	assert_int_equal(atomic_load(&r->slot.transitions[CB_OPEN]), 1);
	assert_int_equal(atomic_load(&r->slot.opened_at_ms), r->env.now_ms);
	assert_int_equal(atomic_load(&r->slot.retry_at_ms), r->env.now_ms + 30000);
	assert_int_equal(generation_of(r), 1);
}

static void test_success_resets_consecutive_failures(void **state)
{
	struct rig *r = *state;
	fail_n(r, 4);
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	fail_n(r, 4);
	assert_int_equal(state_of(r), CB_CLOSED);
	assert_int_equal(atomic_load(&r->slot.consecutive_failures), 4);
}

static void test_neutral_outcome_neither_resets_nor_counts_failure(void **state)
{
	struct rig *r = *state;
	fail_n(r, 4);
	assert_true(call(r, CB_OUTCOME_NEUTRAL, 0, NULL));
	assert_int_equal(atomic_load(&r->slot.consecutive_failures), 4);
	fail_n(r, 1);
	assert_int_equal(state_of(r), CB_OPEN);
}

static void test_failure_threshold_zero_turns_counting_off(void **state)
{
	struct rig *r = *state;
	r->cfg.failure_threshold = 0;
	fail_n(r, 100);
	assert_int_equal(state_of(r), CB_CLOSED);
}

static void test_failure_rate_waits_for_min_calls(void **state)
{
	struct rig *r = *state;
	r->cfg.failure_threshold = 0;
	r->cfg.failure_rate = 50;
	fail_n(r, 9); /* 100% but only 9 calls */
	assert_int_equal(state_of(r), CB_CLOSED);
	struct cb_transition tr;
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(state_of(r), CB_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_FAILURE_RATE);
	assert_int_equal(tr.rate, 100);
	assert_int_equal(tr.count, 10);
}

static void test_failure_rate_opens_at_threshold_not_below(void **state)
{
	struct rig *r = *state;
	r->cfg.failure_threshold = 0;
	r->cfg.failure_rate = 50;
	for (int i = 0; i < 6; i++)
		assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	fail_n(r, 4); /* 4 of 10: 40% */
	assert_int_equal(state_of(r), CB_CLOSED);
	struct cb_transition tr;
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr)); /* 5 of 11: 45% */
	assert_int_equal(state_of(r), CB_CLOSED);
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr)); /* 6 of 12: 50% */
	assert_int_equal(state_of(r), CB_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_FAILURE_RATE);
	assert_int_equal(tr.rate, 50);
	assert_int_equal(tr.count, 12);
	assert_int_equal(tr.last_error, CB_ERROR(CB_ERR_ERRNO, 111));
}

static void test_success_can_complete_min_calls_and_trip_rate(void **state)
{
	struct rig *r = *state;
	r->cfg.failure_threshold = 0;
	r->cfg.failure_rate = 50;
	fail_n(r, 9);
	struct cb_transition tr;
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, &tr)); /* 9 of 10 */
	assert_true(tr.happened);
	assert_int_equal(tr.cause, CB_CAUSE_FAILURE_RATE);
	assert_int_equal(tr.rate, 90);
	/* The log line names the last failure even though a success tripped. */
	assert_string_equal(tr.last_address, "10.0.0.7:443");
}

static void test_old_failures_age_out_of_window(void **state)
{
	struct rig *r = *state;
	r->cfg.failure_threshold = 0;
	r->cfg.failure_rate = 50;
	fail_n(r, 9);
	r->env.now_ms += 60000; /* a whole window later */
	for (int i = 0; i < 9; i++)
		assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, NULL)); /* 1 of 10 in the window */
	assert_int_equal(state_of(r), CB_CLOSED);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.window_calls, 10);
	assert_int_equal(sn.window_failure_rate, 10);
}

static void test_window_slides_bucket_by_bucket(void **state)
{
	struct rig *r = *state;
	/* 3 s buckets (60 s / 20). Align to a bucket start. */
	r->env.now_ms = T0 - T0 % 3000 + 3000;
	fail_n(r, 1);
	r->env.now_ms += 3000;
	fail_n(r, 2);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.window_calls, 3);
	/* 19 buckets later the first one is out, the second still in. */
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms + 19 * 3000, &sn);
	assert_int_equal(sn.window_calls, 2);
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms + 20 * 3000, &sn);
	assert_int_equal(sn.window_calls, 0);
}

static void test_window_bucket_restarts_after_roll_over(void **state)
{
	struct rig *r = *state;
	r->env.now_ms = T0 - T0 % 3000 + 3000;
	fail_n(r, 3);
	r->env.now_ms += 20 * 3000; /* same ring position, next lap */
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.window_calls, 1);
	assert_int_equal(sn.window_failure_rate, 0);
}

static void test_tiny_window_uses_one_ms_buckets(void **state)
{
	struct rig *r = *state;
	r->cfg.window_ms = 5; /* 5 / 20 rounds to 0: one millisecond buckets */
	fail_n(r, 2);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms + 19, &sn);
	assert_int_equal(sn.window_calls, 2);
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms + 20, &sn);
	assert_int_equal(sn.window_calls, 0);
}

static void test_slow_success_counts_as_slow_not_success(void **state)
{
	struct rig *r = *state;
	r->cfg.slow_call_ms = 1000;
	assert_true(call(r, CB_OUTCOME_SUCCESS, 999, NULL));
	assert_true(call(r, CB_OUTCOME_SUCCESS, 1000, NULL));
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.successes, 1);
	assert_int_equal(sn.slow, 1);
	assert_int_equal(sn.window_slow_rate, 50);
}

static void test_slow_failure_counts_as_failure_only(void **state)
{
	struct rig *r = *state;
	r->cfg.slow_call_ms = 10;
	assert_true(call(r, CB_OUTCOME_FAILURE, 5000, NULL));
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.failures, 1);
	assert_int_equal(sn.slow, 0);
	assert_int_equal(sn.window_slow_rate, 0);
	assert_int_equal(sn.window_failure_rate, 100);
}

static void test_slow_rate_opens_breaker(void **state)
{
	struct rig *r = *state;
	r->cfg.slow_call_ms = 100;
	r->cfg.slow_call_rate = 60;
	r->cfg.min_calls = 5;
	for (int i = 0; i < 2; i++)
		assert_true(call(r, CB_OUTCOME_SUCCESS, 1, NULL));
	for (int i = 0; i < 2; i++)
		assert_true(call(r, CB_OUTCOME_SUCCESS, 100, NULL));
	assert_int_equal(state_of(r), CB_CLOSED);
	struct cb_transition tr;
	assert_true(call(r, CB_OUTCOME_SUCCESS, 150, &tr)); /* 3 of 5 */
	assert_int_equal(state_of(r), CB_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_SLOW_RATE);
	assert_int_equal(tr.rate, 60);
	assert_int_equal(tr.count, 5);
	assert_int_equal(tr.last_error, 0);
}

static void test_open_rejects_until_open_timeout(void **state)
{
	struct rig *r = *state;
	trip(r);
	int64_t retry = atomic_load(&r->slot.retry_at_ms);
	r->env.now_ms = retry - 1;
	struct cb_ticket t;
	struct cb_transition tr;
	assert_false(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t, &tr));
	assert_false(tr.happened);
	assert_false(t.would_reject);
	assert_int_equal(cb_slot_rejected(&r->slot), 1);
	assert_int_equal(state_of(r), CB_OPEN);
}

static void test_open_turns_half_open_after_timeout_for_one_caller(void **state)
{
	struct rig *r = *state;
	trip(r);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	struct cb_ticket t1, t2;
	struct cb_transition tr1, tr2;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t1, &tr1));
	assert_true(tr1.happened);
	assert_int_equal(tr1.from, CB_OPEN);
	assert_int_equal(tr1.to, CB_HALF_OPEN);
	assert_int_equal(tr1.cause, CB_CAUSE_OPEN_TIMEOUT_ELAPSED);
	assert_int_equal(t1.lease, 0);
	/* The second caller finds half_open with its only permit taken. */
	assert_false(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t2, &tr2));
	assert_false(tr2.happened);
	assert_int_equal(atomic_load(&r->slot.transitions[CB_HALF_OPEN]), 1);
}

static void test_half_open_closes_after_success_threshold(void **state)
{
	struct rig *r = *state;
	struct cb_ticket p;
	to_half_open(r, &p);
	struct cb_transition tr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_HALF_OPEN);
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, &tr));
	assert_true(tr.happened);
	assert_int_equal(tr.from, CB_HALF_OPEN);
	assert_int_equal(tr.to, CB_CLOSED);
	assert_int_equal(tr.cause, CB_CAUSE_PROBES_SUCCEEDED);
	assert_int_equal(tr.count, 2);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.consecutive_failures, 0);
	assert_int_equal(sn.window_calls, 0);
	assert_int_equal(sn.half_open_inflight, 0);
	assert_int_equal(sn.retry_at_ms, 0);
	assert_int_equal(sn.transitions[CB_CLOSED], 1);
	/* Closed again and counting afresh: one failure does not reopen. */
	fail_n(r, 1);
	assert_int_equal(state_of(r), CB_CLOSED);
}

static void test_probe_failure_reopens_with_backoff(void **state)
{
	struct rig *r = *state;
	r->cfg.open_timeout_max_ms = 300000;
	struct cb_ticket p;
	to_half_open(r, &p);
	struct cb_failure f = {CB_ERROR(CB_ERR_ERRNO, 110), "10.0.0.8:443"};
	struct cb_transition tr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_FAILURE, &f, &tr);
	assert_true(tr.happened);
	assert_int_equal(tr.from, CB_HALF_OPEN);
	assert_int_equal(tr.to, CB_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_PROBE_FAILED);
	assert_int_equal(tr.retry_in_ms, 60000);
	assert_int_equal(tr.last_error, CB_ERROR(CB_ERR_ERRNO, 110));
	assert_string_equal(tr.last_address, "10.0.0.8:443");
	assert_int_equal(atomic_load(&r->slot.open_timeout_ms), 60000);
	assert_int_equal(atomic_load(&r->slot.retry_at_ms), r->env.now_ms + 60000);
}

static void test_backoff_capped_at_open_timeout_max(void **state)
{
	struct rig *r = *state;
	r->cfg.open_timeout_max_ms = 100000;
	struct cb_ticket p;
	to_half_open(r, &p);
	uint64_t expect[] = {60000, 100000, 100000};
	for (int i = 0; i < 3; i++) {
		struct cb_transition tr;
		cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_FAILURE, NULL, &tr);
		assert_int_equal(tr.to, CB_OPEN);
		assert_int_equal(tr.retry_in_ms, expect[i]);
		r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
		assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p, &tr));
		assert_int_equal(tr.to, CB_HALF_OPEN);
	}
}

static void test_open_timeout_back_to_base_after_close(void **state)
{
	struct rig *r = *state;
	r->cfg.open_timeout_max_ms = 300000;
	struct cb_ticket p;
	to_half_open(r, &p);
	struct cb_transition tr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_FAILURE, NULL, &tr);
	assert_int_equal(tr.retry_in_ms, 60000);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, &tr));
	assert_int_equal(tr.to, CB_CLOSED);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.open_timeout_ms, 30000);
	fail_n(r, 4);
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(tr.to, CB_OPEN);
	assert_int_equal(tr.retry_in_ms, 30000);
}

static void test_jitter_stays_within_bounds_and_spreads(void **state)
{
	struct rig *r = *state;
	r->cfg.jitter = 20;
	uint64_t lo = UINT64_MAX, hi = 0, x = 88172645463325252ULL;
	for (int i = 0; i < 2000; i++) {
		struct cb_slot *s = &r->slot;
		memset(s, 0, sizeof(*s));
		cb_slot_init(s);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r->env.random = x;
		struct cb_transition tr;
		fail_n(r, 4);
		assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
		assert_int_equal(tr.to, CB_OPEN);
		assert_in_range(tr.retry_in_ms, 24000, 36000);
		lo = tr.retry_in_ms < lo ? tr.retry_in_ms : lo;
		hi = tr.retry_in_ms > hi ? tr.retry_in_ms : hi;
	}
	/* Spread over most of the range, not a constant. */
	assert_true(lo < 25000);
	assert_true(hi > 35000);
	/* The extremes of the random word map to the ends of the range. */
	memset(&r->slot, 0, sizeof(r->slot));
	r->env.random = 0;
	struct cb_transition tr;
	fail_n(r, 4);
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(tr.retry_in_ms, 24000);
}

static void test_half_open_max_calls_limits_probes(void **state)
{
	struct rig *r = *state;
	r->cfg.half_open_max_calls = 3;
	r->cfg.success_threshold = 10;
	struct cb_ticket p[4];
	to_half_open(r, &p[0]);
	struct cb_transition tr;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p[1], &tr));
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p[2], &tr));
	assert_false(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p[3], &tr));
	assert_int_equal(p[3].lease, -1);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.half_open_inflight, 3);
	/* A finished probe gives its permit back. */
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p[1], CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p[3], &tr));
	assert_int_equal(p[3].lease, p[1].lease);
}

static void test_neutral_probe_releases_permit_without_moving_state(void **state)
{
	struct rig *r = *state;
	struct cb_ticket p;
	to_half_open(r, &p);
	struct cb_transition tr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_NEUTRAL, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_HALF_OPEN);
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p, &tr));
}

static void test_half_open_permit_freed_when_lease_expires(void **state)
{
	struct rig *r = *state;
	struct cb_ticket stuck, next;
	struct cb_transition tr;
	to_half_open(r, &stuck);
	r->env.now_ms += CB_LEASE_DEFAULT_MS - 1;
	assert_false(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &next, &tr));
	r->env.now_ms += 1;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &next, &tr));
	assert_int_equal(next.lease, stuck.lease);
	/* The stuck call finally reports: it must not free the new permit. */
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &stuck, CB_OUTCOME_NEUTRAL, NULL, &tr);
	assert_int_not_equal(atomic_load(&r->slot.leases[next.lease]), 0);
}

static void test_lease_lasts_connect_timeout_when_set(void **state)
{
	struct rig *r = *state;
	r->cfg.connect_timeout_ms = 2000;
	assert_int_equal(cb_breaker_lease_ms(&r->cfg), 2000);
	struct cb_ticket stuck, next;
	struct cb_transition tr;
	to_half_open(r, &stuck);
	r->env.now_ms += 1999;
	assert_false(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &next, &tr));
	r->env.now_ms += 1;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &next, &tr));
}

static uint32_t dead_pid;
static int alive_calls;

static bool pid_alive_stub(uint32_t pid)
{
	alive_calls++;
	return pid != dead_pid;
}

static void test_half_open_permit_reclaimed_when_owner_dies(void **state)
{
	struct rig *r = *state;
	r->env.pid_alive = pid_alive_stub;
	dead_pid = 0;
	alive_calls = 0;
	struct cb_ticket probe, other;
	struct cb_transition tr;
	to_half_open(r, &probe);
	assert_int_equal(alive_calls, 0); /* a free permit needs no syscall */
	r->env.pid = 5151;
	assert_false(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &other, &tr));
	assert_int_equal(alive_calls, 1); /* owner 4242 alive: kept */
	dead_pid = 4242;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &other, &tr));
	assert_int_equal(other.lease, probe.lease);
	assert_int_equal(atomic_load(&r->slot.leases[other.lease]) >> 42, 5151);
}

/* max_connections (README "Connection limits"): a place per connection,
 * host-wide, each process's share kept by pid. */
static void test_connections_over_the_limit_are_refused_until_one_is_given_back(void **state)
{
	struct rig *r = *state;
	r->env.pid_alive = pid_alive_stub;
	dead_pid = 0;
	alive_calls = 0;
	assert_int_equal(cb_breaker_conn_take(&r->slot, 2, &r->env), CB_CONN_TAKEN);
	r->env.pid = 5151;
	assert_int_equal(cb_breaker_conn_take(&r->slot, 2, &r->env), CB_CONN_TAKEN);
	assert_int_equal(alive_calls, 0); /* under the limit: no syscall */
	assert_int_equal(cb_breaker_conn_take(&r->slot, 2, &r->env), CB_CONN_FULL);
	assert_int_equal(atomic_load(&r->slot.connections), 2);
	cb_breaker_conn_give(&r->slot, 4242);
	assert_int_equal(atomic_load(&r->slot.connections), 1);
	assert_int_equal(cb_breaker_conn_take(&r->slot, 2, &r->env), CB_CONN_TAKEN);
	assert_int_equal(atomic_load(&r->slot.holders[0]), 0); /* 4242's share is gone */
	assert_int_equal(atomic_load(&r->slot.holders[1]), (uint64_t)5151 << 32 | 2);
}

static void test_connections_of_a_dead_process_are_taken_back(void **state)
{
	struct rig *r = *state;
	r->env.pid_alive = pid_alive_stub;
	dead_pid = 0;
	assert_int_equal(cb_breaker_conn_take(&r->slot, 3, &r->env), CB_CONN_TAKEN);
	assert_int_equal(cb_breaker_conn_take(&r->slot, 3, &r->env), CB_CONN_TAKEN);
	r->env.pid = 5151;
	assert_int_equal(cb_breaker_conn_take(&r->slot, 3, &r->env), CB_CONN_TAKEN);
	assert_int_equal(cb_breaker_conn_take(&r->slot, 3, &r->env), CB_CONN_FULL);
	dead_pid = 4242;
	/* The admission over the limit takes the dead share back first. */
	assert_int_equal(cb_breaker_conn_take(&r->slot, 3, &r->env), CB_CONN_TAKEN);
	assert_int_equal(atomic_load(&r->slot.connections), 2);
	/* A late give of the dead process finds no share: the total stays. */
	cb_breaker_conn_give(&r->slot, 4242);
	assert_int_equal(atomic_load(&r->slot.connections), 2);
	assert_int_equal(cb_breaker_conn_reclaim(&r->slot, &r->env), 0);
}

static void test_connections_beyond_the_holder_table_are_let_through_uncounted(void **state)
{
	struct rig *r = *state;
	for (uint32_t i = 0; i < CB_CONN_HOLDERS; i++) {
		r->env.pid = 100 + i;
		assert_int_equal(cb_breaker_conn_take(&r->slot, 1000, &r->env), CB_CONN_TAKEN);
	}
	r->env.pid = 99;
	assert_int_equal(cb_breaker_conn_take(&r->slot, 1000, &r->env), CB_CONN_UNCOUNTED);
	assert_int_equal(atomic_load(&r->slot.connections), CB_CONN_HOLDERS);
}

static void test_stale_generation_failure_does_not_open(void **state)
{
	struct rig *r = *state;
	struct cb_ticket old;
	struct cb_transition tr;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &old, &tr));
	fail_n(r, 4);
	cb_breaker_reset(&r->slot, &r->cfg, &r->env, &tr); /* a new generation */
	fail_n(r, 4);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &old, CB_OUTCOME_FAILURE, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_CLOSED);
	/* Counted all the same. */
	assert_int_equal(atomic_load(&r->slot.consecutive_failures), 5);
	assert_int_equal(atomic_load(&r->slot.failures), 5);
}

static void test_stale_probe_success_does_not_close(void **state)
{
	struct rig *r = *state;
	r->cfg.success_threshold = 1;
	r->cfg.half_open_max_calls = 2;
	struct cb_ticket old, p;
	struct cb_transition tr;
	to_half_open(r, &old);
	/* Another probe fails: open again, then half-open again. */
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(tr.to, CB_OPEN);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p, &tr));
	assert_int_equal(tr.to, CB_HALF_OPEN);
	uint64_t gen = generation_of(r);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &old, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_HALF_OPEN);
	assert_int_equal(generation_of(r), gen);
	/* The current probe's permit survived the stale release. */
	assert_int_not_equal(atomic_load(&r->slot.leases[p.lease]), 0);
}

static void test_stale_probe_failure_does_not_reopen(void **state)
{
	struct rig *r = *state;
	r->cfg.success_threshold = 1;
	r->cfg.half_open_max_calls = 2;
	struct cb_ticket slow_probe, p;
	struct cb_transition tr;
	to_half_open(r, &slow_probe);
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p, &tr));
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_int_equal(tr.to, CB_CLOSED);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &slow_probe, CB_OUTCOME_FAILURE, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_CLOSED);
}

static void test_probe_successes_do_not_carry_over_to_next_half_open(void **state)
{
	struct rig *r = *state;
	r->cfg.half_open_max_calls = 2;
	struct cb_ticket p, q;
	struct cb_transition tr;
	to_half_open(r, &p);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr)); /* 1 of 2 successes, then a failure */
	assert_int_equal(tr.to, CB_OPEN);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &q, &tr));
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &q, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_HALF_OPEN);
}

static void test_reopening_frees_permits_of_unfinished_probes(void **state)
{
	struct rig *r = *state;
	r->cfg.half_open_max_calls = 2;
	/* Open times shorter than the lease, so the hung probe's permit is
	 * still live when the next half-open period starts. */
	r->cfg.open_timeout_ms = 1000;
	r->cfg.open_timeout_max_ms = 1000;
	struct cb_ticket hung, p, q;
	struct cb_transition tr;
	to_half_open(r, &hung);
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(tr.to, CB_OPEN);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &p, &tr));
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &q, &tr));
	/* The old probe finishing later frees neither new permit. */
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &hung, CB_OUTCOME_NEUTRAL, NULL, &tr);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.half_open_inflight, 2);
}

static void test_slow_probe_reopens_only_when_slow_rate_set(void **state)
{
	struct rig *r = *state;
	r->cfg.slow_call_ms = 100;
	r->cfg.success_threshold = 1;
	struct cb_ticket p;
	struct cb_transition tr;
	to_half_open(r, &p);
	r->env.now_ms += 100;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_int_equal(tr.to, CB_CLOSED); /* slowness is not a failure here */

	r->cfg.slow_call_rate = 50;
	to_half_open(r, &p);
	r->env.now_ms += 100;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_true(tr.happened);
	assert_int_equal(tr.to, CB_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_PROBE_FAILED);
}

static void test_forced_open_rejects(void **state)
{
	struct rig *r = *state;
	struct cb_transition tr;
	cb_breaker_force(&r->slot, CB_FORCED_OPEN, &r->env, &tr);
	assert_true(tr.happened);
	assert_int_equal(tr.from, CB_CLOSED);
	assert_int_equal(tr.to, CB_FORCED_OPEN);
	assert_int_equal(tr.cause, CB_CAUSE_OPERATOR);
	r->env.now_ms += 10 * 3600 * 1000; /* no open time lets it out */
	assert_false(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	assert_int_equal(cb_slot_rejected(&r->slot), 1);
	/* Forcing it again changes nothing. */
	cb_breaker_force(&r->slot, CB_FORCED_OPEN, &r->env, &tr);
	assert_false(tr.happened);
	assert_int_equal(atomic_load(&r->slot.transitions[CB_FORCED_OPEN]), 1);
}

static void test_force_to_a_normal_state_is_refused(void **state)
{
	struct rig *r = *state;
	struct cb_transition tr;
	cb_breaker_force(&r->slot, CB_OPEN, &r->env, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_CLOSED);
}

static void test_disabled_never_rejects_nor_transitions(void **state)
{
	struct rig *r = *state;
	trip(r);
	struct cb_transition tr;
	cb_breaker_force(&r->slot, CB_DISABLED, &r->env, &tr);
	assert_int_equal(tr.from, CB_OPEN);
	assert_int_equal(tr.to, CB_DISABLED);
	for (int i = 0; i < 50; i++)
		assert_true(call(r, CB_OUTCOME_FAILURE, 0, NULL));
	assert_int_equal(state_of(r), CB_DISABLED);
	assert_int_equal(atomic_load(&r->slot.failures), 55);
	assert_int_equal(cb_slot_rejected(&r->slot), 0);
}

static void test_reset_clears_counters_keeps_transitions(void **state)
{
	struct rig *r = *state;
	r->cfg.open_timeout_max_ms = 300000;
	struct cb_ticket p;
	to_half_open(r, &p);
	struct cb_transition tr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_FAILURE, NULL, &tr);
	assert_false(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	cb_breaker_note_retry_after(&r->slot, r->env.now_ms + 999999);
	cb_breaker_reset(&r->slot, &r->cfg, &r->env, &tr);
	assert_true(tr.happened);
	assert_int_equal(tr.from, CB_OPEN);
	assert_int_equal(tr.to, CB_CLOSED);
	assert_int_equal(tr.cause, CB_CAUSE_OPERATOR);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.state, CB_CLOSED);
	assert_int_equal(sn.calls + sn.successes + sn.failures + sn.slow + sn.rejected, 0);
	assert_int_equal(sn.consecutive_failures, 0);
	assert_int_equal(sn.window_calls, 0);
	assert_int_equal(sn.open_timeout_ms, 30000);
	assert_int_equal(sn.half_open_inflight, 0);
	assert_int_equal(sn.transitions[CB_OPEN], 2);
	assert_int_equal(sn.transitions[CB_HALF_OPEN], 1);
	assert_int_equal(sn.transitions[CB_CLOSED], 1);
	/* The old Retry-After no longer holds the next opening. */
	trip(r);
	assert_int_equal(atomic_load(&r->slot.retry_at_ms), r->env.now_ms + 30000);
}

static void test_generation_counts_every_transition(void **state)
{
	struct rig *r = *state;
	struct cb_ticket p;
	struct cb_transition tr;
	to_half_open(r, &p);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_FAILURE, NULL, &tr);
	cb_breaker_force(&r->slot, CB_DISABLED, &r->env, &tr);
	cb_breaker_reset(&r->slot, &r->cfg, &r->env, &tr);
	cb_breaker_reset(&r->slot, &r->cfg, &r->env, &tr);
	uint64_t sum = 0;
	for (int i = 0; i < CB_STATE_COUNT; i++)
		sum += atomic_load(&r->slot.transitions[i]);
	assert_int_equal(sum, 6);
	assert_int_equal(generation_of(r), 6);
}

static void test_observe_mode_never_rejects_but_counts_would_reject(void **state)
{
	struct rig *r = *state;
	r->cfg.mode = CB_MODE_OBSERVE;
	trip(r);
	struct cb_ticket t;
	struct cb_transition tr;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t, &tr));
	assert_true(t.would_reject);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &t, CB_OUTCOME_FAILURE, NULL, &tr);
	assert_false(tr.happened);
	cb_breaker_force(&r->slot, CB_FORCED_OPEN, &r->env, &tr);
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	assert_int_equal(atomic_load(&r->slot.would_reject), 2);
	assert_int_equal(cb_slot_rejected(&r->slot), 0);
}

static void test_observe_mode_still_transitions(void **state)
{
	struct rig *r = *state;
	r->cfg.mode = CB_MODE_OBSERVE;
	struct cb_ticket p, extra;
	struct cb_transition tr;
	to_half_open(r, &p);
	assert_false(p.would_reject);
	/* No permit left: goes ahead anyway, without a lease, as a would-reject. */
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &extra, &tr));
	assert_true(extra.would_reject);
	assert_int_equal(extra.lease, -1);
	/* A success without a permit is not a probe. */
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &extra, CB_OUTCOME_SUCCESS, NULL, &tr);
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &p, CB_OUTCOME_SUCCESS, NULL, &tr);
	assert_false(tr.happened);
	assert_int_equal(state_of(r), CB_HALF_OPEN);
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, &tr));
	assert_int_equal(tr.to, CB_CLOSED);
}

static void test_retry_after_keeps_breaker_open(void **state)
{
	struct rig *r = *state;
	cb_breaker_note_retry_after(&r->slot, r->env.now_ms + 120000);
	fail_n(r, 4);
	r->env.now_ms += 1000;
	struct cb_transition tr;
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(tr.retry_in_ms, 119000);
	r->env.now_ms += 30000; /* the open time alone would let probes through */
	assert_false(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
}

static void test_retry_after_shorter_than_open_time_changes_nothing(void **state)
{
	struct rig *r = *state;
	cb_breaker_note_retry_after(&r->slot, r->env.now_ms + 5000);
	struct cb_transition tr;
	fail_n(r, 4);
	assert_true(call(r, CB_OUTCOME_FAILURE, 0, &tr));
	assert_int_equal(tr.retry_in_ms, 30000);
}

static void test_retry_after_extends_current_open(void **state)
{
	struct rig *r = *state;
	trip(r);
	int64_t until = r->env.now_ms + 90000;
	cb_breaker_note_retry_after(&r->slot, until);
	cb_breaker_note_retry_after(&r->slot, until - 50000); /* an earlier one keeps the later */
	r->env.now_ms = until - 1;
	assert_false(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
	r->env.now_ms = until;
	assert_true(call(r, CB_OUTCOME_SUCCESS, 0, NULL));
}

static void test_last_failure_in_snapshot(void **state)
{
	struct rig *r = *state;
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.last_wall_ms, 0);
	fail_n(r, 1);
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.last_error, CB_ERROR(CB_ERR_ERRNO, 111));
	assert_int_equal(sn.last_wall_ms, 1700000000000);
	assert_string_equal(sn.last_address, "10.0.0.7:443");
	/* A shorter address replaces a longer one completely. */
	struct cb_ticket t;
	struct cb_transition tr;
	struct cb_failure f = {CB_ERROR(CB_ERR_HTTP, 503), "[::1]:80"};
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t, &tr));
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &t, CB_OUTCOME_FAILURE, &f, &tr);
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(CB_ERROR_KIND(sn.last_error), CB_ERR_HTTP);
	assert_int_equal(CB_ERROR_VALUE(sn.last_error), 503);
	assert_string_equal(sn.last_address, "[::1]:80");
}

static void test_snapshot_shows_open_times(void **state)
{
	struct rig *r = *state;
	trip(r);
	struct cb_snapshot sn;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &sn);
	assert_int_equal(sn.state, CB_OPEN);
	assert_int_equal(sn.opened_at_ms, r->env.now_ms);
	assert_int_equal(sn.retry_at_ms, r->env.now_ms + 30000);
	assert_int_equal(sn.open_timeout_ms, 30000);
	assert_int_equal(sn.generation, 1);
}

/* ---- threads ---- */

#define THREADS    8
#define ITERATIONS 100000

struct shared {
	struct cb_slot slot;
	struct cb_breaker_config cfg;
	_Atomic int64_t clock;
};

struct worker {
	pthread_t tid;
	struct shared *sh;
	uint32_t seed;
	uint64_t allowed, rejected, failures, successes;
	uint64_t won[CB_STATE_COUNT];
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	uint64_t x = w->seed * 2654435761u + 1;
	for (int i = 0; i < ITERATIONS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		struct cb_env env = {
		        .now_ms = T0 + atomic_fetch_add(&sh->clock, 1) / 4,
		        .pid = 1000 + w->seed,
		        .random = x,
		};
		struct cb_ticket t;
		struct cb_transition tr;
		bool ok = cb_breaker_decide(&sh->slot, &sh->cfg, &env, &t, &tr);
		if (tr.happened)
			w->won[tr.to]++;
		if (!ok) {
			w->rejected++;
			continue;
		}
		w->allowed++;
		/* Mostly failures early in each 1024-call stretch, then
		 * successes: the breaker cycles through every state. */
		bool fail = (i & 1023) < 512 ? (x & 3) != 0 : (x & 15) == 0;
		env.now_ms = T0 + atomic_load(&sh->clock) / 4;
		cb_breaker_record(&sh->slot, &sh->cfg, &env, &t,
		                  fail ? CB_OUTCOME_FAILURE : CB_OUTCOME_SUCCESS, NULL, &tr);
		if (fail)
			w->failures++;
		else
			w->successes++;
		if (tr.happened)
			w->won[tr.to]++;
	}
	return NULL;
}

static void test_threads_give_exact_counts_and_one_winner_per_transition(void **state)
{
	(void)state;
	struct shared *sh = zeroed_aligned(sizeof(*sh), _Alignof(struct shared));
	assert_non_null(sh);
	defaults(&sh->cfg);
	sh->cfg.failure_threshold = 3;
	sh->cfg.failure_rate = 50;
	sh->cfg.min_calls = 20;
	sh->cfg.window_ms = 200;
	sh->cfg.open_timeout_ms = 5;
	sh->cfg.open_timeout_max_ms = 40;
	sh->cfg.jitter = 50;
	sh->cfg.half_open_max_calls = 3;
	sh->cfg.success_threshold = 2;
	cb_slot_init(&sh->slot);
	struct worker w[THREADS];
	memset(w, 0, sizeof(w));
	for (int i = 0; i < THREADS; i++) {
		w[i].sh = sh;
		w[i].seed = (uint32_t)i + 1;
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_run, &w[i]), 0);
	}
	uint64_t allowed = 0, rejected = 0, failures = 0, successes = 0;
	uint64_t won[CB_STATE_COUNT] = {0};
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
		allowed += w[i].allowed;
		rejected += w[i].rejected;
		failures += w[i].failures;
		successes += w[i].successes;
		for (int s = 0; s < CB_STATE_COUNT; s++)
			won[s] += w[i].won[s];
	}
	struct cb_snapshot sn;
	cb_breaker_snapshot(&sh->slot, &sh->cfg, T0 + atomic_load(&sh->clock) / 4, &sn);
	assert_int_equal(allowed + rejected, (uint64_t)THREADS * ITERATIONS);
	assert_int_equal(sn.calls, allowed);
	assert_int_equal(sn.rejected, rejected);
	assert_int_equal(sn.failures, failures);
	assert_int_equal(sn.successes + sn.slow, successes);
	uint64_t sum = 0;
	for (int s = 0; s < CB_STATE_COUNT; s++) {
		assert_int_equal(sn.transitions[s], won[s]);
		sum += won[s];
	}
	assert_int_equal(sum, sn.generation);
	/* The workload did exercise the machine. */
	assert_true(won[CB_OPEN] > 10);
	assert_true(won[CB_HALF_OPEN] > 10);
	assert_true(won[CB_CLOSED] > 0);
	free(sh);
}

/* ---- processes sharing one slot, as with a state file ---- */

#define PROCS 4

struct proc_run {
	struct shared sh;
	struct worker w[PROCS];
};

static void test_processes_sharing_a_slot_give_exact_counts(void **state)
{
	(void)state;
	struct proc_run *run =
	        mmap(NULL, sizeof(*run), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(run != MAP_FAILED);
	defaults(&run->sh.cfg);
	run->sh.cfg.failure_threshold = 3;
	run->sh.cfg.open_timeout_ms = 5;
	run->sh.cfg.half_open_max_calls = 2;
	cb_slot_init(&run->sh.slot);
	pid_t pids[PROCS];
	for (int i = 0; i < PROCS; i++) {
		run->w[i].sh = &run->sh;
		run->w[i].seed = (uint32_t)i + 11;
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			worker_run(&run->w[i]);
			_exit(0);
		}
	}
	uint64_t allowed = 0, rejected = 0, sum = 0;
	uint64_t won[CB_STATE_COUNT] = {0};
	for (int i = 0; i < PROCS; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		allowed += run->w[i].allowed;
		rejected += run->w[i].rejected;
		for (int s = 0; s < CB_STATE_COUNT; s++)
			won[s] += run->w[i].won[s];
	}
	assert_int_equal(allowed + rejected, (uint64_t)PROCS * ITERATIONS);
	assert_int_equal(atomic_load(&run->sh.slot.calls), allowed);
	assert_int_equal(cb_slot_rejected(&run->sh.slot), rejected);
	for (int s = 0; s < CB_STATE_COUNT; s++) {
		assert_int_equal(atomic_load(&run->sh.slot.transitions[s]), won[s]);
		sum += won[s];
	}
	assert_int_equal(sum, atomic_load(&run->sh.slot.state) >> 8);
	assert_true(won[CB_OPEN] > 10);
	munmap(run, sizeof(*run));
}

/* The runtime's check, reproduced: kill(pid, 0) fails with ESRCH only for
 * a process that no longer exists. */
static bool pid_alive_kill(uint32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static void test_permit_of_killed_process_reclaimed(void **state)
{
	(void)state;
	struct rig *r =
	        mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(r != MAP_FAILED);
	defaults(&r->cfg);
	cb_slot_init(&r->slot);
	r->env.now_ms = T0;
	r->env.pid = (uint32_t)getpid();
	r->env.pid_alive = pid_alive_kill;
	trip(r);
	r->env.now_ms = atomic_load(&r->slot.retry_at_ms);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct cb_env env = r->env;
		env.pid = (uint32_t)getpid();
		struct cb_ticket t;
		struct cb_transition tr;
		bool probing = cb_breaker_decide(&r->slot, &r->cfg, &env, &t, &tr);
		/* Killed mid-probe: it never records. */
		if (probing)
			raise(SIGKILL);
		_exit(1);
	}
	int st;
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(atomic_load(&r->slot.leases[0]) >> 42, (uint64_t)child);
	struct cb_ticket t;
	struct cb_transition tr;
	/* Same millisecond: the lease has not expired, its owner is gone. */
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &t, &tr));
	assert_int_equal(t.lease, 0);
	assert_int_equal(atomic_load(&r->slot.leases[0]) >> 42, (uint64_t)getpid());
	munmap(r, sizeof(*r));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* A reload that widens the window gives smaller epochs: buckets written with
 * the old, narrower width must read as stale, not as "from the future". */
static void test_widened_window_still_counts_and_trips_on_rate(void **state)
{
	struct rig *r = *state;
	r->cfg.failure_threshold = 0;
	r->cfg.failure_rate = 50;
	r->cfg.min_calls = 10;
	r->env.now_ms = INT64_C(3) * 24 * 3600 * 1000; /* three days of uptime */
	fail_n(r, 5);
	r->cfg.window_ms = 120000; /* reloaded: twice as wide */
	fail_n(r, 10);
	struct cb_snapshot snap;
	cb_breaker_snapshot(&r->slot, &r->cfg, r->env.now_ms, &snap);
	assert_int_equal(state_of(r), CB_OPEN);
	assert_true(snap.window_calls >= 10);
}

/* The permit is freed even when a reload changed the lease length between
 * the probe's start and its end. */
static void test_probe_permit_freed_after_reload_changes_lease_length(void **state)
{
	struct rig *r = *state;
	struct cb_ticket probe;
	to_half_open(r, &probe);
	r->cfg.connect_timeout_ms = 5000; /* lease length was 30 s, now 5 s */
	struct cb_transition tr;
	cb_breaker_record(&r->slot, &r->cfg, &r->env, &probe, CB_OUTCOME_NEUTRAL, NULL, &tr);
	struct cb_ticket next;
	assert_true(cb_breaker_decide(&r->slot, &r->cfg, &r->env, &next, &tr));
	assert_int_equal(next.lease, probe.lease);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_state_names_round_trip),
	        T(test_closed_allows_and_counts_outcomes),
	        T(test_consecutive_failures_open_breaker),
	        T(test_success_resets_consecutive_failures),
	        T(test_neutral_outcome_neither_resets_nor_counts_failure),
	        T(test_failure_threshold_zero_turns_counting_off),
	        T(test_failure_rate_waits_for_min_calls),
	        T(test_failure_rate_opens_at_threshold_not_below),
	        T(test_success_can_complete_min_calls_and_trip_rate),
	        T(test_old_failures_age_out_of_window),
	        T(test_window_slides_bucket_by_bucket),
	        T(test_window_bucket_restarts_after_roll_over),
	        T(test_tiny_window_uses_one_ms_buckets),
	        T(test_slow_success_counts_as_slow_not_success),
	        T(test_slow_failure_counts_as_failure_only),
	        T(test_slow_rate_opens_breaker),
	        T(test_open_rejects_until_open_timeout),
	        T(test_open_turns_half_open_after_timeout_for_one_caller),
	        T(test_half_open_closes_after_success_threshold),
	        T(test_probe_failure_reopens_with_backoff),
	        T(test_backoff_capped_at_open_timeout_max),
	        T(test_open_timeout_back_to_base_after_close),
	        T(test_jitter_stays_within_bounds_and_spreads),
	        T(test_half_open_max_calls_limits_probes),
	        T(test_neutral_probe_releases_permit_without_moving_state),
	        T(test_half_open_permit_freed_when_lease_expires),
	        T(test_lease_lasts_connect_timeout_when_set),
	        T(test_half_open_permit_reclaimed_when_owner_dies),
	        T(test_connections_over_the_limit_are_refused_until_one_is_given_back),
	        T(test_connections_of_a_dead_process_are_taken_back),
	        T(test_connections_beyond_the_holder_table_are_let_through_uncounted),
	        T(test_stale_generation_failure_does_not_open),
	        T(test_stale_probe_success_does_not_close),
	        T(test_stale_probe_failure_does_not_reopen),
	        T(test_probe_successes_do_not_carry_over_to_next_half_open),
	        T(test_reopening_frees_permits_of_unfinished_probes),
	        T(test_slow_probe_reopens_only_when_slow_rate_set),
	        T(test_forced_open_rejects),
	        T(test_force_to_a_normal_state_is_refused),
	        T(test_disabled_never_rejects_nor_transitions),
	        T(test_reset_clears_counters_keeps_transitions),
	        T(test_generation_counts_every_transition),
	        T(test_observe_mode_never_rejects_but_counts_would_reject),
	        T(test_observe_mode_still_transitions),
	        T(test_retry_after_keeps_breaker_open),
	        T(test_retry_after_shorter_than_open_time_changes_nothing),
	        T(test_retry_after_extends_current_open),
	        T(test_last_failure_in_snapshot),
	        T(test_snapshot_shows_open_times),
	        cmocka_unit_test(test_threads_give_exact_counts_and_one_winner_per_transition),
	        cmocka_unit_test(test_processes_sharing_a_slot_give_exact_counts),
	        cmocka_unit_test(test_permit_of_killed_process_reclaimed),
	        cmocka_unit_test_setup_teardown(test_widened_window_still_counts_and_trips_on_rate,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_probe_permit_freed_after_reload_changes_lease_length, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
