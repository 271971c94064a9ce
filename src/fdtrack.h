/* fdtrack.h - the per-descriptor record of protected connects still in
 * flight (non-blocking ones, and blocking ones a signal may cut short), so
 * that the outcome learned later (getsockopt(SO_ERROR), a repeated connect,
 * close) is recorded exactly once; and the rules that turn what was seen
 * into an outcome.
 *
 * Lock-free and allocation-free after the first use of a range of
 * descriptors: a fixed first-level table of chunk pointers, each chunk
 * mmap'ed when a descriptor in it is first tracked, so descriptors far above
 * 65,536 work too. Each entry is claimed and released with compare-and-swap
 * on a word that packs a sequence number with the entry's state: when
 * close() in one thread races getsockopt() in another, exactly one of them
 * takes the record. Safe in signal handlers. */
#ifndef CB_FDTRACK_H
#define CB_FDTRACK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "runtime.h"

#define CB_FDTRACK_CHUNK  1024  /* entries per mmap'ed chunk */
#define CB_FDTRACK_CHUNKS 16384 /* chunks: descriptors below 16M are tracked */

union cb_sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* One protected connect in flight. guard.b is its breaker. */
struct cb_pending {
	struct cb_guard guard;
	int64_t start_ms; /* monotonic, when connect() was called */
	/* The socket's inode: a descriptor closed behind our back (libuv closes
	 * with a raw system call) and reused shows another one. */
	uint64_t ino;
	union cb_sockaddr_any addr; /* the destination, for last_failure */
};

/* Records `p` for fd and sets *token, which names this record in later
 * calls. False when fd is out of range, memory cannot be mapped, or a record
 * is already there: the caller then follows the connect itself. */
bool cb_fdtrack_put(int fd, const struct cb_pending *p, uint64_t *token);

/* Is a record pending on fd? If so sets *token and copies it to *out
 * (out may be NULL). One load when nothing was ever tracked near fd. */
bool cb_fdtrack_peek(int fd, uint64_t *token, struct cb_pending *out);

/* Takes the record named by token: true for exactly one caller, which must
 * then record the outcome; false if it was taken (or replaced) meanwhile. */
bool cb_fdtrack_take(int fd, uint64_t token, struct cb_pending *out);

/* The lowest descriptor in [from, last] with a record pending, or -1.
 * Walks only the chunks that exist (close_range). */
int cb_fdtrack_next(unsigned int from, unsigned int last);

/* Drops every record without recording anything: in a child after fork(),
 * where the parent owns the connects it started. */
void cb_fdtrack_forget_all(void);

/* -- Rules: what an observation means for a connect. ------------------- */

/* Not known yet: keep following the connect. */
#define CB_FDTRACK_PENDING (-1)

/* The connect() call itself (or a repeated one, `repeat`, age_ms after the
 * first) ended with err (0 = it returned 0). Returns an enum cb_outcome or
 * CB_FDTRACK_PENDING; *failure_err is the errno to report for a failure. */
int cb_fdtrack_judge_errno(const struct cb_breaker_config *c, int err, bool repeat, int64_t age_ms,
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
int cb_fdtrack_judge_tcp(const struct cb_breaker_config *c, const struct cb_tcp_seen *seen,
                         int64_t age_ms, bool sibling_won, bool closing, int *failure_err);

/* A connect whose socket was closed without close() being seen (raw
 * system call) or is being dropped at exit, never having been seen to
 * succeed: judged like a close while it was still under way. */
int cb_fdtrack_judge_abandoned(const struct cb_breaker_config *c, int64_t age_ms, bool sibling_won,
                               int *failure_err);

/* The value the program's own getsockopt(SO_ERROR) returned: 0 is only a
 * success once TCP_INFO shows the socket connected. */
int cb_fdtrack_judge_so_error(const struct cb_breaker_config *c, int so_error,
                              const struct cb_tcp_seen *seen, int64_t age_ms, int *failure_err);

#endif
