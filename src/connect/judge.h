/* judge.h - the rules that turn what was seen of a connect (its errno,
 * TCP_INFO, the program's SO_ERROR read, a close) into an outcome (README
 * "How calls are judged"). Pure functions of what they are given, so the
 * unit tests cover each rule. */
#ifndef CB_JUDGE_H
#define CB_JUDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* Linux tcp_states.h */
enum {
	TCPS_ESTABLISHED = 1,
	TCPS_SYN_SENT = 2,
	TCPS_SYN_RECV = 3,
	TCPS_FIN_WAIT1 = 4,
	TCPS_FIN_WAIT2 = 5,
	TCPS_TIME_WAIT = 6,
	TCPS_CLOSE = 7,
	TCPS_CLOSE_WAIT = 8,
	TCPS_LAST_ACK = 9,
	TCPS_CLOSING = 11,
};

/* Not known yet: keep following the connect. */
#define CB_JUDGE_PENDING (-1)

/* The connect() call itself (or a repeated one, `repeat`, age_ms after the
 * first) ended with err (0 = it returned 0). Returns an enum cb_outcome or
 * CB_JUDGE_PENDING; *failure_err is the errno to report for a failure. */
int cb_judge_errno(const struct cb_breaker_config *c, int err, bool repeat, int64_t age_ms,
                   int *failure_err);

/* What TCP_INFO showed about a socket. */
struct cb_tcp_seen {
	int state;          /* tcpi_state; 0 = unknown */
	bool retransmitted; /* SYNs (or anything) were sent again */
	/* Data or a handshake was acknowledged, data received, or more than
	 * one segment came in: the connect succeeded once, whatever ended the
	 * connection since (a peer's RST leaves CLOSE, like a refusal). */
	bool established;
};

/* What TCP_INFO showed. `closing`: the descriptor is being closed, so a
 * connect still under way is abandoned: a timeout failure unless a sibling
 * connection to the same breaker succeeded after this one started (happy
 * eyeballs), which makes it neutral. A connect still under way after
 * connect_timeout is a failure whenever it is seen. A socket found closed
 * that was never established is a failure guessed as ETIMEDOUT when SYNs
 * were retransmitted, else ECONNREFUSED (the kernel keeps no error to read
 * without consuming it); one that was established is a success. */
int cb_judge_tcp(const struct cb_breaker_config *c, const struct cb_tcp_seen *seen, int64_t age_ms,
                 bool sibling_won, bool closing, int *failure_err);

/* A connect whose socket was closed without close() being seen (raw
 * system call) or is being dropped at exit, never having been seen to
 * succeed: judged like a close while it was still under way. */
int cb_judge_abandoned(const struct cb_breaker_config *c, int64_t age_ms, bool sibling_won,
                       int *failure_err);

/* The value the program's own getsockopt(SO_ERROR) returned: 0 is only a
 * success once TCP_INFO shows the socket connected. */
int cb_judge_so_error(const struct cb_breaker_config *c, int so_error,
                      const struct cb_tcp_seen *seen, int64_t age_ms, int *failure_err);

#endif
