/* record.h - inside src/connect: handing a connect's outcome to its
 * breaker (record.c), shared by settle.c and attempt.c. */
#ifndef CB_RECORD_H
#define CB_RECORD_H

#include "connect/inflight.h"

/* Records outcome (an enum cb_outcome; failure_err for a failure) for the
 * connect p describes, through its guard, exactly as given: no attempt
 * rule (README "How calls are judged") applies here. */
void cb_record_now(struct cb_pending *p, int outcome, int failure_err);

/* Do a and b name the same address and port? */
bool cb_record_same_address(const union cb_sockaddr_any *a, const union cb_sockaddr_any *b);

#endif
