/* attempt.h - inside src/connect: the attempt rule (README "How calls are
 * judged"). A program walking a name's addresses (::1 refused, then
 * 127.0.0.1) makes one attempt of several connects: a refusal is held,
 * not recorded, until the next connect to the same breaker from this
 * process tells what the attempt came to. A success to another address
 * cancels it (it counts as neutral); anything else commits it as the
 * failure it was: another failure, a rejection, a timeout, the process
 * exiting or forking, or CB_ATTEMPT_HOLD_MS passing with no next
 * connect. While
 * half-open, the walk's next connect carries the held refusal's probe
 * permit: one probe, however many addresses it tries.
 *
 * A small fixed table per process, claimed with compare-and-swap: no lock,
 * no allocation, safe in signal handlers. Full: the refusal is recorded at
 * once, as without the rule. */
#ifndef CB_ATTEMPT_H
#define CB_ATTEMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "connect/inflight.h"

#define CB_ATTEMPT_HELD_MAX 16
/* A walk's next connect follows a refusal within microseconds (CPython,
 * Perl, wget, ssh, node all loop straight on); a second is generous. */
#define CB_ATTEMPT_HOLD_MS 1000

/* Is err a refusal a walk moves on from (the address, not the service,
 * may be what failed)? A timeout is not: it is committed at once. */
bool cb_attempt_holdable(int err);

/* Holds p's failure (err) instead of recording it; false when the table
 * is full (record it now). */
bool cb_attempt_hold(const struct cb_pending *p, int err);

/* Before a protected connect (to p->addr) to the breaker whose slot is
 * `slot`: links p to a refusal held for it at another address (p->link),
 * so that p's outcome resolves it; one held at p's own address is a retry
 * and is committed now, before the breaker is asked.
 * Returns true when p carries the held refusal's half-open probe permit
 * (p->guard is then set: the breaker must not be asked again). */
bool cb_attempt_link(const struct cb_slot *slot, struct cb_pending *p);

/* p's outcome is known (or p was rejected: CB_OUTCOME_NEUTRAL): the
 * refusal p links to is cancelled when p succeeded to another address,
 * else committed. Nothing when p links to none. */
void cb_attempt_resolve(struct cb_pending *p, int outcome);

/* Commits held refusals no connect followed within CB_ATTEMPT_HOLD_MS
 * (the tick), those no connect followed yet (before fork(): the program
 * has moved on, and the child must see the breaker as it is), or all of
 * them (exit). */
void cb_attempt_commit_expired(int64_t now_ms);
void cb_attempt_commit_waiting(void);
void cb_attempt_commit_all(void);

/* In a child after fork(): the parent commits its own held refusals. */
void cb_attempt_forget_all(void);

#endif
