/* slot.c - a new slot, and the names of the states (slot.h). */
#include <string.h>

#include "state/slot.h"

static const char *const STATE_NAMES[CB_STATE_COUNT] = {
        [CB_CLOSED] = "closed",           [CB_OPEN] = "open",         [CB_HALF_OPEN] = "half_open",
        [CB_FORCED_OPEN] = "forced_open", [CB_DISABLED] = "disabled",
};

const char *cb_state_name(enum cb_state st)
{
	return (unsigned)st < CB_STATE_COUNT ? STATE_NAMES[st] : "unknown";
}

int cb_state_from_name(const char *name)
{
	for (int i = 0; name && i < CB_STATE_COUNT; i++)
		if (strcmp(name, STATE_NAMES[i]) == 0)
			return i;
	return -1;
}

/* An open time is at most 365 days (config/value.c), doubled by jitter. */
#define AHEAD_MAX_MS     (INT64_C(2) * 366 * 24 * 3600 * 1000)
#define COUNTER_MAX      (UINT64_C(1) << 53)
#define BUCKET_COUNT_MAX (UINT32_C(1) << 28)       /* calls in window/20: far beyond any host */
#define DEADLINE_MASK    ((UINT64_C(1) << 42) - 1) /* of a due entry: pid << 42 | ms */

#define LOAD(field) atomic_load_explicit(&(field), memory_order_relaxed)

/* A NUL within the field, and only printable ASCII before it (spaces
 * only where `spaces`: a list of names). */
static bool text_ok(const char *field, size_t size, bool empty_ok, bool spaces)
{
	size_t i = 0;
	for (; i < size; i++) {
		unsigned char c = (unsigned char)__atomic_load_n(&field[i], __ATOMIC_RELAXED);
		if (c == '\0')
			break;
		if (c < (spaces ? 0x20 : 0x21) || c > 0x7e)
			return false;
	}
	return i < size && (empty_ok || i > 0);
}

static bool time_ok(int64_t t, int64_t now_ms)
{
	return t >= 0 && t <= now_ms + AHEAD_MAX_MS;
}

const char *cb_slot_check(const struct cb_slot *s, int64_t now_ms)
{
	if (LOAD(s->claim) != 2)
		return "slot not in use";
	if (!text_ok(s->name, sizeof(s->name), false, false))
		return "name not printable or not terminated";
	if (s->name_hash != cb_fnv1a_fold32(cb_fnv1a_str(s->name)))
		return "name does not match its hash";
	if (cb_slot_state(s) >= CB_STATE_COUNT)
		return "state out of range";
	const uint64_t counters[] = {
	        LOAD(s->calls),          LOAD(s->successes),      LOAD(s->failures),
	        LOAD(s->slow),           LOAD(s->would_reject),   LOAD(s->fallbacks),
	        LOAD(s->transitions[0]), LOAD(s->transitions[1]), LOAD(s->transitions[2]),
	        LOAD(s->transitions[3]), LOAD(s->transitions[4])};
	_Static_assert(CB_STATE_COUNT == 5, "one transitions counter per state above");
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (counters[i] >= COUNTER_MAX)
			return "counter out of range";
	/* Each shard, so that garbage cannot wrap their sum past the check. */
	for (int i = 0; i < CB_REJECTION_SHARDS; i++)
		if (LOAD(s->rejections[i].n) >= COUNTER_MAX / CB_REJECTION_SHARDS)
			return "counter out of range";
	for (int i = 0; i < CB_WINDOW_BUCKETS; i++) {
		const _Atomic uint64_t *w[] = {&s->window[i].calls, &s->window[i].failures,
		                               &s->window[i].slow};
		for (int k = 0; k < 3; k++)
			if ((uint32_t)atomic_load_explicit(w[k], memory_order_relaxed) >=
			    BUCKET_COUNT_MAX)
				return "window count out of range";
	}
	if (!time_ok(LOAD(s->opened_at_ms), now_ms) || !time_ok(LOAD(s->retry_at_ms), now_ms) ||
	    !time_ok(LOAD(s->retry_after_until_ms), now_ms) ||
	    !time_ok(LOAD(s->last_success_ms), now_ms) ||
	    LOAD(s->open_timeout_ms) > (uint64_t)AHEAD_MAX_MS)
		return "time out of range";
	uint32_t err = __atomic_load_n(&s->last_error, __ATOMIC_RELAXED);
	int64_t wall = __atomic_load_n(&s->last_wall_ms, __ATOMIC_RELAXED);
	if (CB_ERROR_KIND(err) > CB_ERR_HTTP || wall < 0 || (uint64_t)wall >= COUNTER_MAX)
		return "last failure out of range";
	if (!text_ok(s->last_address, sizeof(s->last_address), true, false))
		return "last failure address not printable or not terminated";
	/* A pending connect's deadline (pid << 42 | ms) past its time counts
	 * as a timeout failure: garbage there would fail calls never made. */
	for (int i = 0; i < CB_DUE_ENTRIES; i++) {
		uint64_t d = LOAD(s->due[i]);
		if (d && !time_ok((int64_t)(d & DEADLINE_MASK), now_ms))
			return "pending connect deadline out of range";
	}
	if (!text_ok(s->fleet_by, sizeof(s->fleet_by), true, true))
		return "fleet reporters not printable or not terminated";
	/* The total is never above its holders' shares (README "Connection
	 * limits"): more would reject connections nobody holds. */
	uint64_t shares = 0;
	for (int i = 0; i < CB_CONN_HOLDERS; i++)
		shares += (uint32_t)LOAD(s->holders[i]);
	if (LOAD(s->connections) > shares)
		return "connections above their holders' shares";
	if (LOAD(s->flags) & ~(CB_SLOT_DISCOVERED | CB_SLOT_ENDPOINT))
		return "flags out of range";
	if ((LOAD(s->endpoint) & CB_ENDPOINT_CLAIM_MASK) > CB_ENDPOINT_ASSIGNED ||
	    LOAD(s->endpoint_port) > 65535 || !time_ok(LOAD(s->endpoint_seen_ms), now_ms))
		return "endpoint out of range";
	return NULL;
}

void cb_slot_init(struct cb_slot *s)
{
	atomic_store_explicit(&s->state, cb_slot_word(0, CB_CLOSED), memory_order_release);
}

/* Threads take shards in turn, once each. */
static __thread uint8_t my_shard __attribute__((tls_model("initial-exec")));
static _Atomic uint8_t shards_given;

void cb_slot_count_rejected(struct cb_slot *s)
{
	if (my_shard == 0)
		my_shard = (uint8_t)(atomic_fetch_add_explicit(&shards_given, 1,
		                                               memory_order_relaxed) %
		                     CB_REJECTION_SHARDS) +
		           1;
	atomic_fetch_add_explicit(&s->rejections[my_shard - 1].n, 1, memory_order_relaxed);
}

uint64_t cb_slot_rejected(const struct cb_slot *s)
{
	uint64_t n = 0;
	for (int i = 0; i < CB_REJECTION_SHARDS; i++)
		n += atomic_load_explicit(&s->rejections[i].n, memory_order_relaxed);
	return n;
}

void cb_slot_clear_rejected(struct cb_slot *s)
{
	for (int i = 0; i < CB_REJECTION_SHARDS; i++)
		atomic_store_explicit(&s->rejections[i].n, 0, memory_order_relaxed);
}

void cb_slot_clear_breaker(struct cb_slot *s)
{
	/* From `state` up to the endpoint fields: every field of the breaker;
	 * the flags, within, are the slot's identity. The slot is BUSY:
	 * nobody judges with it meanwhile. */
	char *from = (char *)&s->state, *to = (char *)&s->endpoint;
	uint64_t word = atomic_load(&s->state);
	uint32_t flags = atomic_load(&s->flags);
	memset(from, 0, (size_t)(to - from));
	atomic_store(&s->flags, flags);
	cb_slot_clear_rejected(s);
	/* A new generation: a ticket of the old address never moves it. */
	atomic_store(&s->state, cb_slot_word(cb_slot_word_generation(word) + 1, CB_CLOSED));
}
