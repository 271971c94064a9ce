/* breaker.h - the circuit breaker state machine over one slot (README
 * "How calls are judged"). A slot is plain C11 atomics with no pointers, so it
 * can live in a file that several processes map at different addresses.
 * Every state change is one compare-and-swap on `state`, which packs the
 * state with a generation number: exactly one caller wins each transition
 * and is told so (struct cb_transition) to log it. Time and randomness are
 * arguments, so tests drive them. */
#ifndef CB_BREAKER_H
#define CB_BREAKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "config/config.h"
#include "state/state.h"

enum cb_outcome { CB_OUTCOME_SUCCESS, CB_OUTCOME_FAILURE, CB_OUTCOME_NEUTRAL };

/* What the caller of decide() must hand back to record(). */
struct cb_ticket {
	uint64_t state_word; /* state and generation the call started in */
	int64_t start_ms;
	int32_t lease;              /* index in leases[], -1 when no probe permit */
	uint64_t lease_deadline_ms; /* the permit's deadline as taken: a reload
	                             * may change the lease length meanwhile */
	bool would_reject;          /* observe mode let through what enforce would not */
};

/* A transition this caller won. */
struct cb_transition {
	bool happened;
	enum cb_state from, to;
	enum cb_cause cause;
	uint32_t count;
	uint32_t rate;
	uint64_t retry_in_ms; /* when `to` is open */
	uint32_t last_error;  /* CB_ERROR(...) of the failure that caused it */
	char last_address[CB_ADDRSTR_MAX];
	uint32_t uid; /* whose doing: the operator's uid, else the process's euid */
};

/* The caller's view of the world. */
struct cb_env {
	int64_t now_ms;  /* monotonic */
	int64_t wall_ms; /* for last_failure only */
	uint32_t pid;
	uint64_t random;                 /* for jitter */
	bool (*pid_alive)(uint32_t pid); /* lease reclaim; NULL = assume alive */
};

/* A failure's details, for last_failure and the log line. */
struct cb_failure {
	uint32_t error;      /* CB_ERROR(kind, value) */
	const char *address; /* "10.0.0.7:443", may be NULL */
};

/* May this call go ahead? Fills `t` and `tr` (always: tr->happened when
 * this caller moved open -> half_open). In observe mode it always returns true and sets
 * t->would_reject instead. Takes a probe permit in half_open. A breaker
 * with a fallback counts a call it turns away as `fallbacks`, not
 * `rejected`: the caller sends it to the fallback. */
bool cb_breaker_decide(struct cb_slot *s, const struct cb_breaker_config *c,
                       const struct cb_env *env, struct cb_ticket *t, struct cb_transition *tr);

/* Records a call's outcome and releases its permit; fills `tr` (always). A ticket from an earlier
 * generation updates the counters but never moves the state. */
void cb_breaker_record(struct cb_slot *s, const struct cb_breaker_config *c,
                       const struct cb_env *env, const struct cb_ticket *t, enum cb_outcome o,
                       const struct cb_failure *f, struct cb_transition *tr);

/* Gives back the ticket's probe permit without recording anything: its
 * call was counted by someone else (cb_breaker_due_take_expired). */
void cb_breaker_release(struct cb_slot *s, const struct cb_ticket *t);

/* How long a half-open probe permit lasts before anyone may reclaim it:
 * connect_timeout when set (a connect is judged by then), else
 * CB_LEASE_DEFAULT_MS. A probe still running after that (a long curl
 * transfer) may see one more probe admitted beside it; that is the price of
 * never sticking half-open when a prober dies or never reports. */
#define CB_LEASE_DEFAULT_MS 30000
uint64_t cb_breaker_lease_ms(const struct cb_breaker_config *c);

/* Deadlines of pending connects, shared by every process on the slot, so
 * that a connect still pending past connect_timeout counts as a timeout
 * failure even when its own process never looks again (blocked in poll,
 * or killed). register() returns the entry's index (-1: all taken, the
 * process then judges alone) and its word; release() gives it back and
 * says whether the owner still records the outcome (false: someone took
 * it as a timeout already); take_expired() takes the entries past their
 * deadline and returns how many, each a timeout failure for the caller to
 * record. Exactly one of owner and taker records each connect. */
int32_t cb_breaker_due_register(struct cb_slot *s, uint32_t pid, int64_t deadline_ms,
                                uint64_t *word);
bool cb_breaker_due_release(struct cb_slot *s, int32_t i, uint64_t word);
uint32_t cb_breaker_due_take_expired(struct cb_slot *s, int64_t now_ms);

/* The connections a breaker with max_connections holds, host-wide
 * (README "Connection limits"): `connections` in the slot, and each
 * process's share of them in holders[], so that a process that died
 * gives its share back. take() counts one more for env->pid unless that
 * would pass `max`: TAKEN (give it back later), FULL (over the limit,
 * after taking back the shares of dead processes), or UNCOUNTED (every
 * holder entry is taken by other live processes: let through, not
 * counted). give() returns one of pid's; reclaim() takes back the shares
 * of processes env->pid_alive says are gone and returns how many
 * connections they held. */
enum cb_conn_take { CB_CONN_TAKEN, CB_CONN_FULL, CB_CONN_UNCOUNTED };
enum cb_conn_take cb_breaker_conn_take(struct cb_slot *s, uint32_t max, const struct cb_env *env);
void cb_breaker_conn_give(struct cb_slot *s, uint32_t pid);
uint32_t cb_breaker_conn_reclaim(struct cb_slot *s, const struct cb_env *env);

/* Operator actions: forced_open or disabled; reset (closed, counters
 * cleared). */
void cb_breaker_force(struct cb_slot *s, enum cb_state to, const struct cb_env *env,
                      struct cb_transition *tr);
void cb_breaker_reset(struct cb_slot *s, const struct cb_breaker_config *c,
                      const struct cb_env *env, struct cb_transition *tr);

/* A fleet opening (README "Fleet mode"): closed -> open for open_ms with
 * cause fleet, `by` (the reporting hosts) recorded for display. Only from
 * closed, by the same compare-and-swap as every transition: never over
 * forced_open, disabled, or an opening or half-open period of local
 * evidence, and so never shortening one. False when the breaker was not
 * closed or the CAS lost to another change. */
bool cb_breaker_open_remote(struct cb_slot *s, const struct cb_env *env, uint64_t open_ms,
                            const char *by, struct cb_transition *tr);

/* A Retry-After answer: once the breaker opens, it stays open until then. */
void cb_breaker_note_retry_after(struct cb_slot *s, int64_t until_ms);

/* A consistent-enough copy for display. */
struct cb_snapshot {
	enum cb_state state;
	uint64_t generation;
	uint64_t calls, successes, failures, slow, rejected, would_reject, fallbacks;
	uint32_t connections; /* held now, for max_connections */
	uint32_t consecutive_failures;
	uint32_t window_calls;
	uint32_t window_failure_rate; /* percent */
	uint32_t window_slow_rate;    /* percent */
	int64_t opened_at_ms;         /* monotonic, 0 = never */
	int64_t retry_at_ms;          /* monotonic, 0 = not open */
	uint64_t open_timeout_ms;     /* current */
	uint32_t half_open_inflight;
	uint64_t transitions[CB_STATE_COUNT];
	uint32_t last_error;
	int64_t last_wall_ms; /* 0 = no failure yet */
	char last_address[CB_ADDRSTR_MAX];
	bool fleet;                      /* open now by the fleet's opening */
	char opened_by[CB_FLEET_BY_MAX]; /* its reporters, when fleet */
};
void cb_breaker_snapshot(const struct cb_slot *s, const struct cb_breaker_config *c, int64_t now_ms,
                         struct cb_snapshot *out);

#endif
