/* breaker.c - the circuit breaker state machine over one slot (README
 * "How calls are judged"): decide() before a call, record() after it, the operator's
 * force() and reset(), and a snapshot for display. The slot may be mapped by
 * several processes, and decide()/record() run on the shim's hot path, in
 * signal handlers too: there are no locks, no allocation and no system
 * calls here (pid_alive is the caller's), only C11 atomics on the slot.
 *
 * Each state change is one compare-and-swap from the exact old state word to
 * (generation + 1, new state); the winner does the bookkeeping that goes
 * with it and is the only caller handed a struct cb_transition. A ticket
 * carries the word its call started in, and only a ticket whose word is still
 * current may move the state, so an outcome is counted in the state it
 * started in.
 *
 * Choices made where the contract is silent (also in the README):
 * - A call is a failure or slow, never both: "slow" is a success that took
 *   at least slow_call_duration; a failure counts toward the failure rate
 *   however long it took.
 * - A slow probe fails the half-open state only when slow_call_rate is set,
 *   that is when slowness is something this breaker opens for.
 * - reset clears calls, successes, failures, slow, rejected and
 *   would_reject, but keeps transitions[], the breaker's history. A reset
 *   counts as a transition to closed even from closed: every generation
 *   step is counted, so sum(transitions) == generation.
 * - force() to the state the breaker is already in does nothing.
 * - A state value this build does not know (a damaged file) never rejects
 *   (and the runtime moves such a breaker to a private slot at its next
 *   tick: cb_slot_check).
 * - The window covers the current bucket and the 19 before it, so its span
 *   is between 19/20 and all of `window`.
 * - Retry-After answers keep the latest deadline of all seen; one seen while
 *   open also extends the current open time. */
#include "core/breaker.h"

#include <string.h>

/* A lease is pid << 42 | deadline_ms: 2^42 ms of CLOCK_MONOTONIC is 139
 * years of uptime, and Linux pids stay below 2^22 (PID_MAX_LIMIT). */
#define LEASE_PID_SHIFT     42
#define LEASE_DEADLINE_MASK ((UINT64_C(1) << LEASE_PID_SHIFT) - 1)
#define LEASE_PID_MASK      ((UINT64_C(1) << 22) - 1)

/* half_open_successes is tagged with the low 16 bits of the half-open
 * generation it counts for, so a success from an earlier half-open period
 * can never carry over into the next one, without anyone clearing it. */
#define SUCCESS_TAG_SHIFT 16
#define SUCCESS_COUNT_MAX UINT32_C(0xffff)

/* A window bucket word: epoch << 32 | count. */
#define BUCKET_EPOCH(v) ((uint32_t)((v) >> 32))
#define BUCKET_COUNT(v) ((uint32_t)(v))

/* How often a display reader retries a last failure being rewritten. */
#define SEQLOCK_READ_TRIES 8

#define RELAXED memory_order_relaxed

/* The only way the state moves: CAS from exactly `old`, acq_rel so that
 * what the winner wrote before is seen by whoever reads the new word. */
static bool state_cas(struct cb_slot *s, uint64_t old, enum cb_state to)
{
	return atomic_compare_exchange_strong_explicit(
	        &s->state, &old, cb_slot_word(cb_slot_word_generation(old) + 1, to),
	        memory_order_acq_rel, memory_order_acquire);
}

uint64_t cb_breaker_lease_ms(const struct cb_breaker_config *c)
{
	return c->connect_timeout_ms ? c->connect_timeout_ms : CB_LEASE_DEFAULT_MS;
}

static uint64_t base_open_ms(const struct cb_breaker_config *c)
{
	return c->open_timeout_ms ? c->open_timeout_ms : 1;
}

/* The open time in force: 0 in the slot means the configured base, so a
 * reload that changes open_timeout applies to a breaker that never backed
 * off. */
static uint64_t current_open_ms(const struct cb_slot *s, const struct cb_breaker_config *c)
{
	uint64_t cur = atomic_load_explicit(&s->open_timeout_ms, RELAXED);
	return cur ? cur : base_open_ms(c);
}

static uint64_t backoff_next(uint64_t cur, const struct cb_breaker_config *c)
{
	uint64_t cap =
	        c->open_timeout_max_ms > base_open_ms(c) ? c->open_timeout_max_ms : base_open_ms(c);
	double mult = c->backoff_multiplier >= 1.0 ? c->backoff_multiplier : 1.0;
	double next = (double)cur * mult;
	return next >= (double)cap ? cap : (uint64_t)next;
}

/* ms * (1 + j), j uniform in [-jitter%, +jitter%) from the top 53 bits of
 * `random` (the precision of a double). */
static uint64_t jittered(uint64_t ms, uint32_t jitter, uint64_t random)
{
	if (jitter == 0)
		return ms;
	if (jitter > 100)
		jitter = 100;
	double u = (double)(random >> 11) / 9007199254740992.0;
	double r = (double)ms * (1.0 + (double)jitter / 100.0 * (2.0 * u - 1.0));
	return r < 1.0 ? 1 : (uint64_t)r;
}

/* ---- probe leases ---- */

static uint64_t lease_deadline(uint64_t v)
{
	return v & LEASE_DEADLINE_MASK;
}

static uint32_t lease_pid(uint64_t v)
{
	return (uint32_t)(v >> LEASE_PID_SHIFT);
}

static uint32_t lease_limit(const struct cb_breaker_config *c)
{
	uint32_t n = c->half_open_max_calls;
	if (n < 1)
		return 1;
	return n > CB_PROBE_LEASES ? CB_PROBE_LEASES : n;
}

static bool lease_claim(struct cb_slot *s, uint32_t i, uint64_t seen, uint64_t mine)
{
	return atomic_compare_exchange_strong_explicit(&s->leases[i], &seen, mine,
	                                               memory_order_acq_rel, RELAXED);
}

/* A free or expired permit first; only when none is left, one whose owner
 * died (pid_alive is a system call, so it stays off the common path). */
static int32_t lease_take(struct cb_slot *s, const struct cb_breaker_config *c,
                          const struct cb_env *env, uint64_t *deadline_out)
{
	uint32_t n = lease_limit(c);
	uint64_t deadline = (uint64_t)(env->now_ms + (int64_t)cb_breaker_lease_ms(c));
	*deadline_out = deadline;
	uint64_t mine = ((uint64_t)env->pid & LEASE_PID_MASK) << LEASE_PID_SHIFT |
	                (deadline & LEASE_DEADLINE_MASK);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = atomic_load_explicit(&s->leases[i], RELAXED);
		bool free = v == 0 || lease_deadline(v) <= (uint64_t)env->now_ms;
		if (free && lease_claim(s, i, v, mine))
			return (int32_t)i;
	}
	if (!env->pid_alive)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = atomic_load_explicit(&s->leases[i], RELAXED);
		if (v != 0 && !env->pid_alive(lease_pid(v)) && lease_claim(s, i, v, mine))
			return (int32_t)i;
	}
	return -1;
}

/* Frees the ticket's permit if it is still ours. It is recognised by its
 * deadline rather than its pid (a forked child may finish its parent's call):
 * whoever reclaims a permit does so after its deadline or after its owner
 * died, so the new deadline is later. */
static void lease_release(struct cb_slot *s, const struct cb_ticket *t)
{
	if (t->lease < 0 || t->lease >= CB_PROBE_LEASES)
		return;
	uint64_t deadline = t->lease_deadline_ms;
	uint64_t v = atomic_load_explicit(&s->leases[t->lease], RELAXED);
	if (v != 0 && lease_deadline(v) == (deadline & LEASE_DEADLINE_MASK))
		atomic_compare_exchange_strong_explicit(&s->leases[t->lease], &v, 0,
		                                        memory_order_acq_rel, RELAXED);
}

static void leases_clear(struct cb_slot *s)
{
	for (uint32_t i = 0; i < CB_PROBE_LEASES; i++)
		atomic_store_explicit(&s->leases[i], 0, memory_order_release);
}

/* ---- deadlines of pending connects ---- */

int32_t cb_breaker_due_register(struct cb_slot *s, uint32_t pid, int64_t deadline_ms,
                                uint64_t *word)
{
	uint64_t mine = (uint64_t)(pid & LEASE_PID_MASK) << LEASE_PID_SHIFT |
	                ((uint64_t)deadline_ms & LEASE_DEADLINE_MASK);
	for (int32_t i = 0; i < CB_DUE_ENTRIES; i++) {
		uint64_t seen = 0;
		if (atomic_compare_exchange_strong_explicit(&s->due[i], &seen, mine,
		                                            memory_order_acq_rel, RELAXED)) {
			*word = mine;
			return i;
		}
	}
	return -1;
}

bool cb_breaker_due_release(struct cb_slot *s, int32_t i, uint64_t word)
{
	if (i < 0 || i >= CB_DUE_ENTRIES)
		return true;
	return atomic_compare_exchange_strong_explicit(&s->due[i], &word, 0, memory_order_acq_rel,
	                                               RELAXED);
}

uint32_t cb_breaker_due_take_expired(struct cb_slot *s, int64_t now_ms)
{
	uint32_t n = 0;
	for (int32_t i = 0; i < CB_DUE_ENTRIES; i++) {
		uint64_t v = atomic_load_explicit(&s->due[i], RELAXED);
		if (v != 0 && lease_deadline(v) <= (uint64_t)now_ms &&
		    atomic_compare_exchange_strong_explicit(&s->due[i], &v, 0, memory_order_acq_rel,
		                                            RELAXED))
			n++;
	}
	return n;
}

/* ---- connections held, for max_connections ---- */

#define HOLDER_PID(v)   ((uint32_t)((v) >> 32))
#define HOLDER_COUNT(v) ((uint32_t)(v))

/* Subtracts n, never below 0: a process killed between counting its
 * share and the total leaves the total one short, never wrapped. */
static void connections_sub(struct cb_slot *s, uint32_t n)
{
	uint32_t cur = atomic_load_explicit(&s->connections, RELAXED);
	while (n && !atomic_compare_exchange_weak_explicit(&s->connections, &cur,
	                                                   cur > n ? cur - n : 0, RELAXED, RELAXED))
		;
}

/* One more for pid: its entry, else a free one. Two threads of one
 * process may each claim an entry; give() and reclaim() take either. */
static bool share_add(struct cb_slot *s, uint32_t pid)
{
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < CB_CONN_HOLDERS; i++) {
			uint64_t v = atomic_load_explicit(&s->holders[i], RELAXED);
			bool mine = v != 0 && HOLDER_PID(v) == pid && HOLDER_COUNT(v) < UINT32_MAX;
			uint64_t next = mine ? v + 1 : (uint64_t)pid << 32 | 1;
			if ((mine || (pass == 1 && v == 0)) &&
			    atomic_compare_exchange_strong_explicit(&s->holders[i], &v, next,
			                                            memory_order_acq_rel, RELAXED))
				return true;
		}
	return false;
}

static bool share_sub(struct cb_slot *s, uint32_t pid)
{
	for (uint32_t i = 0; i < CB_CONN_HOLDERS; i++) {
		uint64_t v = atomic_load_explicit(&s->holders[i], RELAXED);
		while (v != 0 && HOLDER_PID(v) == pid && HOLDER_COUNT(v) > 0) {
			uint64_t next = HOLDER_COUNT(v) == 1 ? 0 : v - 1;
			if (atomic_compare_exchange_weak_explicit(&s->holders[i], &v, next,
			                                          memory_order_acq_rel, RELAXED))
				return true;
		}
	}
	return false;
}

uint32_t cb_breaker_conn_reclaim(struct cb_slot *s, const struct cb_env *env)
{
	uint32_t n = 0;
	for (uint32_t i = 0; env->pid_alive && i < CB_CONN_HOLDERS; i++) {
		uint64_t v = atomic_load_explicit(&s->holders[i], RELAXED);
		if (v == 0 || HOLDER_PID(v) == env->pid || env->pid_alive(HOLDER_PID(v)) ||
		    !atomic_compare_exchange_strong_explicit(&s->holders[i], &v, 0,
		                                             memory_order_acq_rel, RELAXED))
			continue;
		connections_sub(s, HOLDER_COUNT(v));
		n += HOLDER_COUNT(v);
	}
	return n;
}

/* The share first, then the total: whoever sees the total also finds
 * the share to take back if this process dies. */
enum cb_conn_take cb_breaker_conn_take(struct cb_slot *s, uint32_t max, const struct cb_env *env)
{
	for (int round = 0; round < 2; round++) {
		if (!share_add(s, env->pid))
			return CB_CONN_UNCOUNTED;
		if (atomic_fetch_add_explicit(&s->connections, 1, memory_order_acq_rel) < max)
			return CB_CONN_TAKEN;
		connections_sub(s, 1);
		share_sub(s, env->pid);
		/* kill(pid, 0) per holder: only when over the limit. */
		if (round == 0 && cb_breaker_conn_reclaim(s, env) == 0)
			break;
	}
	return CB_CONN_FULL;
}

void cb_breaker_conn_give(struct cb_slot *s, uint32_t pid)
{
	/* No share of pid's left: reclaim() took it back (with the total). */
	if (share_sub(s, pid))
		connections_sub(s, 1);
}

/* ---- sliding window ---- */

struct window_sums {
	uint32_t calls, failures, slow;
};

static uint64_t bucket_width(const struct cb_breaker_config *c)
{
	uint64_t w = c->window_ms / CB_WINDOW_BUCKETS;
	return w ? w : 1;
}

static uint32_t epoch_at(const struct cb_breaker_config *c, int64_t now)
{
	return (uint32_t)((uint64_t)now / bucket_width(c));
}

/* Counts one into the bucket for `epoch`, restarting it if it holds an older
 * epoch. Terminates: a failed CAS means someone moved the word on, to our
 * epoch (then we add) or a later one (then our call is a whole window old and
 * is dropped). A thread stalled between the epoch check and the add may add
 * into a bucket restarted a window later: one call, after a stall that long. */
static void bucket_add(_Atomic uint64_t *word, uint32_t epoch)
{
	uint64_t v = atomic_load_explicit(word, RELAXED);
	for (;;) {
		if (BUCKET_EPOCH(v) == epoch) {
			atomic_fetch_add_explicit(word, 1, RELAXED);
			return;
		}
		/* A newer epoch of this bucket (it comes round every
		 * CB_WINDOW_BUCKETS) means our call is a window old: drop it.
		 * A tag further ahead than that was written with a narrower
		 * bucket (the window grew on a reload): stale, restart it. */
		int32_t ahead = (int32_t)(BUCKET_EPOCH(v) - epoch);
		if (BUCKET_COUNT(v) != 0 && ahead > 0 && ahead <= 2 * CB_WINDOW_BUCKETS)
			return;
		if (atomic_compare_exchange_weak_explicit(word, &v, (uint64_t)epoch << 32 | 1,
		                                          RELAXED, RELAXED))
			return;
	}
}

static uint32_t bucket_count(uint64_t v, uint32_t epoch)
{
	return epoch - BUCKET_EPOCH(v) < CB_WINDOW_BUCKETS ? BUCKET_COUNT(v) : 0;
}

static void window_add(struct cb_slot *s, const struct cb_breaker_config *c, int64_t now,
                       bool failure, bool slow)
{
	uint32_t epoch = epoch_at(c, now);
	struct cb_window_bucket *b = &s->window[epoch % CB_WINDOW_BUCKETS];
	bucket_add(&b->calls, epoch);
	if (failure)
		bucket_add(&b->failures, epoch);
	if (slow)
		bucket_add(&b->slow, epoch);
}

static void window_sum(const struct cb_slot *s, const struct cb_breaker_config *c, int64_t now,
                       struct window_sums *out)
{
	uint32_t epoch = epoch_at(c, now);
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < CB_WINDOW_BUCKETS; i++) {
		const struct cb_window_bucket *b = &s->window[i];
		out->calls += bucket_count(atomic_load_explicit(&b->calls, RELAXED), epoch);
		out->failures += bucket_count(atomic_load_explicit(&b->failures, RELAXED), epoch);
		out->slow += bucket_count(atomic_load_explicit(&b->slow, RELAXED), epoch);
	}
}

static void window_clear(struct cb_slot *s)
{
	for (uint32_t i = 0; i < CB_WINDOW_BUCKETS; i++) {
		atomic_store_explicit(&s->window[i].calls, 0, RELAXED);
		atomic_store_explicit(&s->window[i].failures, 0, RELAXED);
		atomic_store_explicit(&s->window[i].slow, 0, RELAXED);
	}
}

static uint32_t percent(uint32_t part, uint32_t whole)
{
	return whole ? (uint32_t)((uint64_t)part * 100 / whole) : 0;
}

/* ---- last failure (display data under a seqlock) ---- */

/* The fields are plain in struct cb_slot, so they are written and read with
 * the __atomic builtins: readers run concurrently and must not race. A writer
 * that finds the seqlock taken skips: the other writer's failure is just as
 * recent. A writer killed mid-write leaves it odd until reset. */
static void last_failure_write(struct cb_slot *s, const struct cb_env *env,
                               const struct cb_failure *f)
{
	uint32_t seq = atomic_load_explicit(&s->last_seq, RELAXED);
	if ((seq & 1) || !atomic_compare_exchange_strong_explicit(&s->last_seq, &seq, seq + 1,
	                                                          memory_order_acquire, RELAXED))
		return;
	const char *a = f && f->address ? f->address : "";
	__atomic_store_n(&s->last_error, f ? f->error : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->last_wall_ms, env->wall_ms, __ATOMIC_RELAXED);
	size_t i = 0;
	for (; i + 1 < CB_ADDRSTR_MAX && a[i]; i++)
		__atomic_store_n(&s->last_address[i], a[i], __ATOMIC_RELAXED);
	__atomic_store_n(&s->last_address[i], '\0', __ATOMIC_RELAXED);
	atomic_store_explicit(&s->last_seq, seq + 2, memory_order_release);
}

/* Bounded: after SEQLOCK_READ_TRIES the last copy is kept (NUL-terminated),
 * since a writer may have died holding the lock. */
static void last_failure_read(const struct cb_slot *s, uint32_t *error, int64_t *wall,
                              char addr[CB_ADDRSTR_MAX])
{
	for (int tries = 0; tries < SEQLOCK_READ_TRIES; tries++) {
		uint32_t seq = atomic_load_explicit(&s->last_seq, memory_order_acquire);
		*error = __atomic_load_n(&s->last_error, __ATOMIC_RELAXED);
		*wall = __atomic_load_n(&s->last_wall_ms, __ATOMIC_RELAXED);
		for (size_t i = 0; i < CB_ADDRSTR_MAX; i++)
			addr[i] = __atomic_load_n(&s->last_address[i], __ATOMIC_RELAXED);
		atomic_thread_fence(memory_order_acquire);
		if (!(seq & 1) && atomic_load_explicit(&s->last_seq, RELAXED) == seq)
			break;
	}
	addr[CB_ADDRSTR_MAX - 1] = '\0';
}

/* ---- transitions ---- */

static void transition_fill(struct cb_transition *tr, uint64_t from, enum cb_state to,
                            enum cb_cause cause, uint32_t count, uint32_t rate)
{
	if (!tr)
		return;
	tr->happened = true;
	tr->from = cb_slot_word_state(from);
	tr->to = to;
	tr->cause = cause;
	tr->count = count;
	tr->rate = rate;
}

struct trip {
	enum cb_cause cause;
	uint32_t count, rate;
};

/* Should a closed breaker open? Consecutive failures first, then the
 * failure rate, then the slow rate, as README "Breakers" lists them. */
static bool trip_reason(const struct cb_slot *s, const struct cb_breaker_config *c, int64_t now,
                        struct trip *why)
{
	uint32_t consecutive = atomic_load_explicit(&s->consecutive_failures, RELAXED);
	if (c->failure_threshold && consecutive >= c->failure_threshold) {
		*why = (struct trip){CB_CAUSE_CONSECUTIVE_FAILURES, consecutive, 0};
		return true;
	}
	if (!c->failure_rate && !c->slow_call_rate)
		return false;
	struct window_sums w;
	window_sum(s, c, now, &w);
	if (w.calls == 0 || w.calls < c->min_calls)
		return false;
	if (c->failure_rate && (uint64_t)w.failures * 100 >= (uint64_t)c->failure_rate * w.calls) {
		*why = (struct trip){CB_CAUSE_FAILURE_RATE, w.calls, percent(w.failures, w.calls)};
		return true;
	}
	if (c->slow_call_rate && (uint64_t)w.slow * 100 >= (uint64_t)c->slow_call_rate * w.calls) {
		*why = (struct trip){CB_CAUSE_SLOW_RATE, w.calls, percent(w.slow, w.calls)};
		return true;
	}
	return false;
}

static void store_max(_Atomic int64_t *p, int64_t v)
{
	int64_t cur = atomic_load_explicit(p, RELAXED);
	while (cur < v && !atomic_compare_exchange_weak_explicit(p, &cur, v, RELAXED, RELAXED))
		;
}

/* closed -> open or half_open -> open (with backoff). */
static void open_from(struct cb_slot *s, const struct cb_breaker_config *c,
                      const struct cb_env *env, uint64_t old, bool backoff, const struct trip *why,
                      const struct cb_failure *f, struct cb_transition *tr)
{
	uint64_t open_ms = current_open_ms(s, c);
	if (backoff)
		open_ms = backoff_next(open_ms, c);
	int64_t retry = env->now_ms + (int64_t)jittered(open_ms, c->jitter, env->random);
	int64_t until = atomic_load_explicit(&s->retry_after_until_ms, RELAXED);
	if (retry < until)
		retry = until;
	/* Raised before the CAS, so nobody sees the new open state with the
	 * previous open period's (past) retry time and turns it half-open at
	 * once. Only raised: a contender that stalled and lost cannot shorten
	 * a later open period. The winner's plain store below is the value
	 * that counts (it may be earlier, after a reset or a close). */
	if (atomic_load_explicit(&s->state, memory_order_acquire) != old)
		return;
	store_max(&s->retry_at_ms, retry);
	if (!state_cas(s, old, CB_OPEN))
		return;
	atomic_store_explicit(&s->retry_at_ms, retry, RELAXED);
	atomic_store_explicit(&s->opened_at_ms, env->now_ms, RELAXED);
	if (backoff)
		atomic_store_explicit(&s->open_timeout_ms, open_ms, RELAXED);
	/* Permits of the half-open period just ended: their calls' tickets are
	 * stale now, so the next half-open period starts with all permits. */
	leases_clear(s);
	atomic_fetch_add_explicit(&s->transitions[CB_OPEN], 1, RELAXED);
	if (!tr)
		return;
	transition_fill(tr, old, CB_OPEN, why->cause, why->count, why->rate);
	tr->retry_in_ms = (uint64_t)(retry - env->now_ms);
	if (f) {
		tr->last_error = f->error;
		if (f->address) {
			strncpy(tr->last_address, f->address, CB_ADDRSTR_MAX - 1);
			tr->last_address[CB_ADDRSTR_MAX - 1] = '\0';
		}
	} else if (why->cause == CB_CAUSE_CONSECUTIVE_FAILURES ||
	           why->cause == CB_CAUSE_FAILURE_RATE) {
		int64_t wall;
		last_failure_read(s, &tr->last_error, &wall, tr->last_address);
	}
}

/* Counts a probe success for the half-open period `gen`; returns the count. */
static uint32_t half_open_success_add(struct cb_slot *s, uint64_t gen)
{
	uint32_t tag = (uint32_t)(gen & 0xffff);
	uint32_t v = atomic_load_explicit(&s->half_open_successes, RELAXED);
	for (;;) {
		uint32_t n = v >> SUCCESS_TAG_SHIFT == tag ? (v & SUCCESS_COUNT_MAX) + 1 : 1;
		if (n > SUCCESS_COUNT_MAX)
			n = SUCCESS_COUNT_MAX;
		if (atomic_compare_exchange_weak_explicit(&s->half_open_successes, &v,
		                                          tag << SUCCESS_TAG_SHIFT | n, RELAXED,
		                                          RELAXED))
			return n;
	}
}

static void close_after_probes(struct cb_slot *s, const struct cb_breaker_config *c, uint64_t old,
                               struct cb_transition *tr)
{
	uint32_t n = half_open_success_add(s, cb_slot_word_generation(old));
	if (n < c->success_threshold || !state_cas(s, old, CB_CLOSED))
		return;
	/* After the CAS: calls of the new closed period that finish before
	 * these stores lose their count, which is better than a window still
	 * holding the failures that opened the breaker. */
	atomic_store_explicit(&s->consecutive_failures, 0, RELAXED);
	window_clear(s);
	atomic_store_explicit(&s->open_timeout_ms, 0, RELAXED);
	leases_clear(s);
	atomic_fetch_add_explicit(&s->transitions[CB_CLOSED], 1, RELAXED);
	transition_fill(tr, old, CB_CLOSED, CB_CAUSE_PROBES_SUCCEEDED, n, 0);
}

static bool reject(struct cb_slot *s, const struct cb_breaker_config *c, struct cb_ticket *t)
{
	if (c->mode == CB_MODE_OBSERVE) {
		t->would_reject = true;
		atomic_fetch_add_explicit(&s->would_reject, 1, RELAXED);
		return true;
	}
	/* With a fallback the caller sends the call there instead (README
	 * "Fallback addresses"): an outcome of its own, not a rejection. */
	if (c->fallback.n)
		atomic_fetch_add_explicit(&s->fallbacks, 1, RELAXED);
	else
		cb_slot_count_rejected(s);
	return false;
}

static bool half_open_admit(struct cb_slot *s, const struct cb_breaker_config *c,
                            const struct cb_env *env, struct cb_ticket *t)
{
	t->lease = lease_take(s, c, env, &t->lease_deadline_ms);
	return t->lease >= 0 ? true : reject(s, c, t);
}

/* ---- the interface ---- */

bool cb_breaker_decide(struct cb_slot *s, const struct cb_breaker_config *c,
                       const struct cb_env *env, struct cb_ticket *t, struct cb_transition *tr)
{
	if (tr)
		memset(tr, 0, sizeof(*tr));
	t->start_ms = env->now_ms;
	t->lease = -1;
	t->lease_deadline_ms = 0;
	t->would_reject = false;
	uint64_t w = atomic_load_explicit(&s->state, memory_order_acquire);
	/* A second round only when the open -> half_open CAS lost to another
	 * change: then the fresh word decides. Two lost CASes in a row mean the
	 * state is churning; rejecting this one call is the safe answer. */
	for (int round = 0; round < 2; round++) {
		t->state_word = w;
		switch (cb_slot_word_state(w)) {
		case CB_CLOSED:
		case CB_DISABLED:
			return true;
		case CB_FORCED_OPEN:
			return reject(s, c, t);
		case CB_HALF_OPEN:
			return half_open_admit(s, c, env, t);
		case CB_OPEN:
			if (env->now_ms < atomic_load_explicit(&s->retry_at_ms, RELAXED))
				return reject(s, c, t);
			if (!state_cas(s, w, CB_HALF_OPEN)) {
				w = atomic_load_explicit(&s->state, memory_order_acquire);
				continue;
			}
			t->state_word = cb_slot_word(cb_slot_word_generation(w) + 1, CB_HALF_OPEN);
			atomic_fetch_add_explicit(&s->transitions[CB_HALF_OPEN], 1, RELAXED);
			transition_fill(tr, w, CB_HALF_OPEN, CB_CAUSE_OPEN_TIMEOUT_ELAPSED, 0, 0);
			return half_open_admit(s, c, env, t);
		default:
			return true;
		}
	}
	return reject(s, c, t);
}

void cb_breaker_record(struct cb_slot *s, const struct cb_breaker_config *c,
                       const struct cb_env *env, const struct cb_ticket *t, enum cb_outcome o,
                       const struct cb_failure *f, struct cb_transition *tr)
{
	if (tr)
		memset(tr, 0, sizeof(*tr));
	atomic_fetch_add_explicit(&s->calls, 1, RELAXED);
	lease_release(s, t);
	if (o == CB_OUTCOME_NEUTRAL)
		return;
	int64_t now = env->now_ms;
	bool failure = o == CB_OUTCOME_FAILURE;
	bool slow = !failure && c->slow_call_ms && now - t->start_ms >= (int64_t)c->slow_call_ms;
	if (failure) {
		atomic_fetch_add_explicit(&s->failures, 1, RELAXED);
		atomic_fetch_add_explicit(&s->consecutive_failures, 1, RELAXED);
		last_failure_write(s, env, f);
	} else {
		atomic_fetch_add_explicit(slow ? &s->slow : &s->successes, 1, RELAXED);
		atomic_store_explicit(&s->consecutive_failures, 0, RELAXED);
		atomic_store_explicit(&s->last_success_ms, now, RELAXED);
	}
	window_add(s, c, now, failure, slow);

	uint64_t w = atomic_load_explicit(&s->state, memory_order_acquire);
	if (w != t->state_word)
		return;
	struct trip why;
	if (cb_slot_word_state(w) == CB_CLOSED) {
		if (trip_reason(s, c, now, &why))
			open_from(s, c, env, w, false, &why, failure ? f : NULL, tr);
	} else if (cb_slot_word_state(w) == CB_HALF_OPEN && t->lease >= 0) {
		if (failure || (slow && c->slow_call_rate)) {
			why = (struct trip){CB_CAUSE_PROBE_FAILED, 0, 0};
			open_from(s, c, env, w, true, &why, failure ? f : NULL, tr);
		} else {
			close_after_probes(s, c, w, tr);
		}
	}
}

void cb_breaker_release(struct cb_slot *s, const struct cb_ticket *t)
{
	lease_release(s, t);
}

void cb_breaker_force(struct cb_slot *s, enum cb_state to, const struct cb_env *env,
                      struct cb_transition *tr)
{
	if (tr)
		memset(tr, 0, sizeof(*tr));
	if (to != CB_FORCED_OPEN && to != CB_DISABLED)
		return;
	uint64_t w = atomic_load_explicit(&s->state, memory_order_acquire);
	do {
		if (cb_slot_word_state(w) == to)
			return;
	} while (!atomic_compare_exchange_weak_explicit(
	        &s->state, &w, cb_slot_word(cb_slot_word_generation(w) + 1, to),
	        memory_order_acq_rel, memory_order_acquire));
	if (to == CB_FORCED_OPEN)
		atomic_store_explicit(&s->opened_at_ms, env->now_ms, RELAXED);
	leases_clear(s);
	atomic_fetch_add_explicit(&s->transitions[to], 1, RELAXED);
	transition_fill(tr, w, to, CB_CAUSE_OPERATOR, 0, 0);
}

void cb_breaker_reset(struct cb_slot *s, const struct cb_breaker_config *c,
                      const struct cb_env *env, struct cb_transition *tr)
{
	/* Nothing here depends on the configuration or the clock: the open
	 * time goes back to "base" (0), which is read from the configuration
	 * when the breaker next opens. */
	(void)c;
	(void)env;
	if (tr)
		memset(tr, 0, sizeof(*tr));
	uint64_t w = atomic_load_explicit(&s->state, memory_order_acquire);
	while (!atomic_compare_exchange_weak_explicit(
	        &s->state, &w, cb_slot_word(cb_slot_word_generation(w) + 1, CB_CLOSED),
	        memory_order_acq_rel, memory_order_acquire))
		;
	atomic_store_explicit(&s->consecutive_failures, 0, RELAXED);
	atomic_store_explicit(&s->half_open_successes, 0, RELAXED);
	atomic_store_explicit(&s->open_timeout_ms, 0, RELAXED);
	atomic_store_explicit(&s->retry_after_until_ms, 0, RELAXED);
	window_clear(s);
	leases_clear(s);
	atomic_store_explicit(&s->calls, 0, RELAXED);
	atomic_store_explicit(&s->successes, 0, RELAXED);
	atomic_store_explicit(&s->failures, 0, RELAXED);
	atomic_store_explicit(&s->slow, 0, RELAXED);
	cb_slot_clear_rejected(s);
	atomic_store_explicit(&s->would_reject, 0, RELAXED);
	atomic_store_explicit(&s->fallbacks, 0, RELAXED);
	/* Repairs a seqlock left odd by a writer that died mid-write. */
	atomic_store_explicit(&s->last_seq, 0, memory_order_release);
	atomic_fetch_add_explicit(&s->transitions[CB_CLOSED], 1, RELAXED);
	transition_fill(tr, w, CB_CLOSED, CB_CAUSE_OPERATOR, 0, 0);
}

/* The reporters, stored byte by byte like last_address: a display may read
 * them at any time. Written before the CAS, so a reader who sees the new
 * generation in fleet_generation sees them too. */
static void fleet_by_write(struct cb_slot *s, const char *by)
{
	size_t i = 0;
	for (; by && i + 1 < CB_FLEET_BY_MAX && by[i]; i++)
		__atomic_store_n(&s->fleet_by[i], by[i], __ATOMIC_RELAXED);
	__atomic_store_n(&s->fleet_by[i], '\0', __ATOMIC_RELEASE);
}

bool cb_breaker_open_remote(struct cb_slot *s, const struct cb_env *env, uint64_t open_ms,
                            const char *by, struct cb_transition *tr)
{
	if (tr)
		memset(tr, 0, sizeof(*tr));
	uint64_t old = atomic_load_explicit(&s->state, memory_order_acquire);
	if (cb_slot_word_state(old) != CB_CLOSED || open_ms == 0)
		return false;
	int64_t retry = env->now_ms + (int64_t)open_ms;
	fleet_by_write(s, by);
	/* As in open_from: raised before the CAS so nobody sees the new open
	 * state with a past retry time. */
	store_max(&s->retry_at_ms, retry);
	if (!state_cas(s, old, CB_OPEN))
		return false;
	atomic_store_explicit(&s->retry_at_ms, retry, RELAXED);
	atomic_store_explicit(&s->opened_at_ms, env->now_ms, RELAXED);
	atomic_store_explicit(&s->fleet_generation, cb_slot_word_generation(old) + 1,
	                      memory_order_release);
	leases_clear(s);
	atomic_fetch_add_explicit(&s->transitions[CB_OPEN], 1, RELAXED);
	if (tr) {
		transition_fill(tr, old, CB_OPEN, CB_CAUSE_FLEET, 0, 0);
		tr->retry_in_ms = open_ms;
	}
	return true;
}

void cb_breaker_note_retry_after(struct cb_slot *s, int64_t until_ms)
{
	store_max(&s->retry_after_until_ms, until_ms);
	if (cb_slot_word_state(atomic_load_explicit(&s->state, memory_order_acquire)) == CB_OPEN)
		store_max(&s->retry_at_ms, until_ms);
}

void cb_breaker_snapshot(const struct cb_slot *s, const struct cb_breaker_config *c, int64_t now_ms,
                         struct cb_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t w = atomic_load_explicit(&s->state, memory_order_acquire);
	out->state = cb_slot_word_state(w); /* out of range: shown as "unknown" */
	out->generation = cb_slot_word_generation(w);
	out->calls = atomic_load_explicit(&s->calls, RELAXED);
	out->successes = atomic_load_explicit(&s->successes, RELAXED);
	out->failures = atomic_load_explicit(&s->failures, RELAXED);
	out->slow = atomic_load_explicit(&s->slow, RELAXED);
	out->rejected = cb_slot_rejected(s);
	out->would_reject = atomic_load_explicit(&s->would_reject, RELAXED);
	out->fallbacks = atomic_load_explicit(&s->fallbacks, RELAXED);
	out->connections = atomic_load_explicit(&s->connections, RELAXED);
	out->consecutive_failures = atomic_load_explicit(&s->consecutive_failures, RELAXED);
	if (c) {
		struct window_sums ws;
		window_sum(s, c, now_ms, &ws);
		out->window_calls = ws.calls;
		out->window_failure_rate = percent(ws.failures, ws.calls);
		out->window_slow_rate = percent(ws.slow, ws.calls);
		out->open_timeout_ms = current_open_ms(s, c);
	} else {
		out->open_timeout_ms = atomic_load_explicit(&s->open_timeout_ms, RELAXED);
	}
	out->opened_at_ms = atomic_load_explicit(&s->opened_at_ms, RELAXED);
	if (out->state == CB_OPEN)
		out->retry_at_ms = atomic_load_explicit(&s->retry_at_ms, RELAXED);
	for (uint32_t i = 0; i < CB_PROBE_LEASES; i++) {
		uint64_t v = atomic_load_explicit(&s->leases[i], RELAXED);
		if (v != 0 && lease_deadline(v) > (uint64_t)now_ms)
			out->half_open_inflight++;
	}
	for (int i = 0; i < CB_STATE_COUNT; i++)
		out->transitions[i] = atomic_load_explicit(&s->transitions[i], RELAXED);
	last_failure_read(s, &out->last_error, &out->last_wall_ms, out->last_address);
	out->fleet =
	        out->state == CB_OPEN &&
	        atomic_load_explicit(&s->fleet_generation, memory_order_acquire) == out->generation;
	if (out->fleet) {
		for (size_t i = 0; i < CB_FLEET_BY_MAX; i++)
			out->opened_by[i] = __atomic_load_n(&s->fleet_by[i], __ATOMIC_ACQUIRE);
		out->opened_by[CB_FLEET_BY_MAX - 1] = '\0';
	}
}
