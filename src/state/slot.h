/* slot.h - one breaker's shared state as it lies in the state file: plain
 * C11 atomics with no pointers, so that processes mapping the file at
 * different addresses share it. The state word packs the state with a
 * generation number (README "Shared state"); cb_slot_state() is the one
 * way to read it. The state machine over a slot is core/breaker.h. */
#ifndef CB_SLOT_H
#define CB_SLOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "config/config.h"

enum cb_state { CB_CLOSED, CB_OPEN, CB_HALF_OPEN, CB_FORCED_OPEN, CB_DISABLED, CB_STATE_COUNT };

enum cb_cause {
	CB_CAUSE_NONE,
	CB_CAUSE_CONSECUTIVE_FAILURES, /* count = consecutive failures */
	CB_CAUSE_FAILURE_RATE,         /* rate = percent, count = window calls */
	CB_CAUSE_SLOW_RATE,            /* rate = percent, count = window calls */
	CB_CAUSE_OPEN_TIMEOUT_ELAPSED, /* open -> half_open */
	CB_CAUSE_PROBE_FAILED,         /* half_open -> open */
	CB_CAUSE_PROBES_SUCCEEDED,     /* half_open -> closed, count = successes */
	CB_CAUSE_OPERATOR,             /* reset, force-open, disable */
	CB_CAUSE_FLEET, /* closed -> open: other hosts reported it (README "Fleet mode") */
};

/* What a failure was, packed as kind << 16 | value in cb_slot.last_error. */
enum cb_error_kind { CB_ERR_NONE, CB_ERR_ERRNO, CB_ERR_CURL, CB_ERR_HTTP };
#define CB_ERROR(kind, value) ((uint32_t)(kind) << 16 | ((uint32_t)(value)&0xffff))
#define CB_ERROR_KIND(e)      ((enum cb_error_kind)((e) >> 16))
#define CB_ERROR_VALUE(e)     ((int)((e)&0xffff))

#define CB_WINDOW_BUCKETS   20
#define CB_DUE_ENTRIES      8   /* pending connects with a deadline, per breaker, host-wide */
#define CB_FLEET_BY_MAX     192 /* "web-1 web-2 ...": the reporters of a fleet opening */
#define CB_CONN_HOLDERS     32  /* processes holding a breaker's connections at once, host-wide */
#define CB_ENDPOINTS_MAX    64  /* sub-breakers of a breaker with scope = endpoint, host-wide */
#define CB_REJECTION_SHARDS 4   /* cache lines a slot's rejection count is spread over */

/* Each word is epoch << 32 | count: a bucket whose epoch is not the current
 * one is stale and is restarted by whoever records into it first. */
struct cb_window_bucket {
	_Atomic uint64_t calls;
	_Atomic uint64_t failures;
	_Atomic uint64_t slow;
};

struct cb_slot {
	_Atomic uint32_t claim; /* owned by store.c: 0 free, 1 busy, 2 ready */
	uint32_t name_hash;     /* owned by store.c */
	char name[CB_NAME_MAX];

	_Atomic uint64_t state;               /* generation << 8 | enum cb_state */
	_Atomic int64_t opened_at_ms;         /* monotonic */
	_Atomic int64_t retry_at_ms;          /* monotonic: when open turns half_open */
	_Atomic uint64_t open_timeout_ms;     /* current open time (backoff); 0 = base */
	_Atomic int64_t retry_after_until_ms; /* Retry-After seen: stay open until */
	_Atomic int64_t last_success_ms;
	_Atomic uint32_t consecutive_failures;
	_Atomic uint32_t half_open_successes;
	_Atomic uint32_t connections; /* open connections, for max_connections */
	_Atomic uint32_t flags;       /* CB_SLOT_DISCOVERED */

	_Atomic uint64_t calls;     /* calls let through (all outcomes) */
	_Atomic uint64_t successes; /* fast successes */
	_Atomic uint64_t failures;
	_Atomic uint64_t slow;                        /* slow successes */
	_Atomic uint64_t would_reject;                /* observe mode */
	_Atomic uint64_t transitions[CB_STATE_COUNT]; /* by target state */

	/* Last failure, written under a seqlock (odd = being written). */
	_Atomic uint32_t last_seq;
	uint32_t last_error; /* CB_ERROR(kind, value) */
	int64_t last_wall_ms;
	char last_address[CB_ADDRSTR_MAX];

	/* Half-open probe permits: pid << 42 | deadline_ms (monotonic), 0 = free. */
	_Atomic uint64_t leases[CB_PROBE_LEASES];
	/* Connects pending with a connect_timeout, as pid << 42 | deadline_ms,
	 * 0 = free: one past its deadline is counted by whoever sees it first
	 * (core/breaker.h, cb_breaker_due_*). */
	_Atomic uint64_t due[CB_DUE_ENTRIES];
	/* Who holds the `connections` counted for max_connections, as
	 * pid << 32 | count, 0 = free: the share of a process that died is
	 * taken back by pid (core/breaker.h, cb_breaker_conn_*). */
	_Atomic uint64_t holders[CB_CONN_HOLDERS];
	_Atomic uint64_t fallbacks; /* calls sent to a fallback address instead */

	struct cb_window_bucket window[CB_WINDOW_BUCKETS];

	/* The fleet agent's last opening (README "Fleet mode"): the generation
	 * of the state word it opened (0 = never), so an open state of that
	 * generation is the fleet's and not local evidence; and the hosts
	 * that reported it, space-separated, written (byte-wise atomics) by
	 * the agent alone before it opens. */
	_Atomic uint64_t fleet_generation;
	char fleet_by[CB_FLEET_BY_MAX];

	/* An endpoint's sub-breaker (README "Endpoint scope"; flag
	 * CB_SLOT_ENDPOINT): which address it judges, as
	 * seq << 2 | enum cb_endpoint_claim, with the address (IPv6, IPv4
	 * v4-mapped) and port it holds while ASSIGNED; and when a connect or
	 * a resolver answer last named it (monotonic), so that an address
	 * DNS no longer gives ages out (core/endpoint.h). */
	_Atomic uint64_t endpoint;
	_Atomic uint64_t endpoint_ip[2];
	_Atomic uint32_t endpoint_port;
	_Atomic int64_t endpoint_seen_ms;

	/* Rejections, in one cache line per shard: a thread adds to its own
	 * shard (cb_slot_count_rejected), so that threads rejecting on one
	 * breaker at once write no line in common; read as their sum
	 * (cb_slot_rejected). */
	struct {
		_Alignas(64) _Atomic uint64_t n;
	} rejections[CB_REJECTION_SHARDS];
};

/* flags: a breaker discovery made (README "Discovery"), not one the
 * configuration names; an endpoint's sub-breaker (README "Endpoint
 * scope"). */
#define CB_SLOT_DISCOVERED 1u
#define CB_SLOT_ENDPOINT   2u

/* The endpoint word's claim: FREE, never assigned; BUSY, being
 * (re)assigned by one process; ASSIGNED, judging endpoint_ip/port. */
enum cb_endpoint_claim { CB_ENDPOINT_FREE, CB_ENDPOINT_BUSY, CB_ENDPOINT_ASSIGNED };
#define CB_ENDPOINT_CLAIM_MASK 3u

/* The state word: generation << 8 | enum cb_state. */
#define CB_SLOT_STATE_BITS 8
static inline uint64_t cb_slot_word(uint64_t generation, enum cb_state st)
{
	return generation << CB_SLOT_STATE_BITS | (uint64_t)st;
}
static inline enum cb_state cb_slot_word_state(uint64_t word)
{
	return (enum cb_state)(word & ((UINT64_C(1) << CB_SLOT_STATE_BITS) - 1));
}
static inline uint64_t cb_slot_word_generation(uint64_t word)
{
	return word >> CB_SLOT_STATE_BITS;
}
static inline enum cb_state cb_slot_state(const struct cb_slot *s)
{
	return cb_slot_word_state(atomic_load_explicit(&s->state, memory_order_acquire));
}

/* Why a slot read from a state file cannot be trusted, or NULL (README
 * "Shared state"): anyone who can write the file can write anything into
 * it. Checks what no run of cbreaker ever writes: a state out of range, a
 * name, address or list of fleet reporters without its NUL or with
 * unprintable bytes, a name whose hash is not the one stored, counters past
 * 2^53 (no longer exact as JSON numbers), times and pending connects'
 * deadlines further ahead of now_ms (CLOCK_MONOTONIC) than any open time
 * can reach. Reads only; no system call. */
const char *cb_slot_check(const struct cb_slot *s, int64_t now_ms);

/* Counts one rejection in this thread's shard; all of them, summed. */
void cb_slot_count_rejected(struct cb_slot *s);
uint64_t cb_slot_rejected(const struct cb_slot *s);
void cb_slot_clear_rejected(struct cb_slot *s);

/* Initialises a zeroed slot: closed, generation 0. */
void cb_slot_init(struct cb_slot *s);

/* Clears everything a breaker keeps in s (state, counters, window, last
 * failure, permits, pending deadlines, holders, fleet marks), leaving its
 * identity (claim, name, flags) and endpoint fields: for an endpoint slot
 * being given to a new address, which nobody else uses meanwhile. */
void cb_slot_clear_breaker(struct cb_slot *s);

const char *cb_state_name(enum cb_state s); /* "closed", "half_open", ...; "unknown" */
int cb_state_from_name(const char *name);   /* -1 when unknown */

#endif
