/* guard.h - one protected call, and one operator action, on a breaker:
 * ask (cb_breaker_decide), record (cb_breaker_record), and announce any
 * transition this process won: one log line and one event in the shared
 * ring (README "`[global]`", key log). The shim, the control server and the tool's
 * offline commands all change breakers through here. errno is kept. */
#ifndef CB_GUARD_H
#define CB_GUARD_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/breaker.h"
#include "state/state.h"

struct cb_breaker_rt;

/* begin() decides (counting a rejection, announcing any transition);
 * end() records the outcome exactly once. */
struct cb_guard {
	const struct cb_breaker_rt *b;
	struct cb_ticket ticket;
};
bool cb_guard_begin(const struct cb_breaker_rt *b, struct cb_guard *g);
void cb_guard_end(struct cb_guard *g, enum cb_outcome o, const struct cb_failure *f);
/* Ends a guard whose call someone else counted (cb_guard_reap). */
void cb_guard_end_uncounted(struct cb_guard *g);

/* Counts the connects, of any process, that are still pending past their
 * deadline (cb_breaker_due_*) as timeout failures. begin() does it first;
 * the once-a-second tick does it for every breaker. */
void cb_guard_reap(const struct cb_breaker_rt *b);

/* For a connection made inside a transfer that already holds a guard for
 * the same breaker: true unless the breaker is open or forced open now.
 * Takes no permit and counts nothing. */
bool cb_guard_peek(const struct cb_breaker_rt *b);

/* A place among b's max_connections for one more connection of this
 * process (README "Connection limits"). TAKEN: give it back with
 * cb_guard_conn_give once the connection is gone. NONE: nothing to give
 * back (no limit, or not countable). REFUSED: over the limit, counted as
 * rejected (the state does not move); in observe mode counted as
 * would_reject and taken instead. reclaim() takes back the shares of
 * processes that died (the once-a-second turn). */
enum cb_place { CB_PLACE_NONE, CB_PLACE_TAKEN, CB_PLACE_REFUSED };
enum cb_place cb_guard_conn_take(const struct cb_breaker_rt *b);
void cb_guard_conn_give(const struct cb_breaker_rt *b);
void cb_guard_conn_reclaim(const struct cb_breaker_rt *b);

/* A call b counted as sent to its fallback found none its socket can
 * reach: it is rejected, and counted so. */
void cb_guard_fallback_missed(const struct cb_breaker_rt *b);

/* A call turned away without asking b's state machine (every endpoint
 * of b rejects: README "Endpoint scope"): counted as rejected by b. */
void cb_guard_rejected(const struct cb_breaker_rt *b);

/* Operator actions: reset, force-open, disable. */
enum cb_operator_action { CB_ACTION_RESET, CB_ACTION_FORCE_OPEN, CB_ACTION_DISABLE };
int cb_operator_action_from_name(const char *verb); /* "reset", ...; -1 when unknown */

/* Applies `action`, asked for by uid `by`, to the breaker configured as
 * `cfg` whose slot lies in `st`, announcing the transition (with `by`) into
 * st's ring and the log, whether or not a protected program runs. */
void cb_guard_operate(struct cb_store *st, struct cb_slot *slot,
                      const struct cb_breaker_config *cfg, enum cb_operator_action action,
                      uid_t by);

/* The fleet agent's opening (README "Fleet mode"): cb_breaker_open_remote
 * on the slot, announced into st's ring with cause fleet. False when the
 * breaker was not closed. */
bool cb_guard_fleet_open(struct cb_store *st, struct cb_slot *slot,
                         const struct cb_breaker_config *cfg, uint64_t open_ms, const char *by);

/* The caller's view of the world for the state machine: clocks, the cached
 * pid, jitter, and the liveness test for probe leases. The wall clock is
 * read only when `wall` (a failure to record); announce() reads it for a
 * transition. */
void cb_guard_env(struct cb_env *env, bool wall);

#endif
