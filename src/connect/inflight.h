/* inflight.h - the per-descriptor record of protected connects still in
 * flight (non-blocking ones, and blocking ones a signal may cut short), so
 * that the outcome learned later (getsockopt(SO_ERROR), a repeated connect,
 * close) is recorded exactly once.
 *
 * Lock-free and allocation-free after the first use of a range of
 * descriptors: a fixed first-level table of chunk pointers, each chunk
 * mmap'ed when a descriptor in it is first tracked, so descriptors far above
 * 65,536 work too. Each entry is claimed and released with compare-and-swap
 * on a word that packs a sequence number with the entry's state: when
 * close() in one thread races getsockopt() in another, exactly one of them
 * takes the record. Safe in signal handlers. */
#ifndef CB_INFLIGHT_H
#define CB_INFLIGHT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/core.h"

#define CB_INFLIGHT_CHUNK  1024  /* entries per mmap'ed chunk */
#define CB_INFLIGHT_CHUNKS 16384 /* chunks: descriptors below 16M are tracked */

union cb_sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* What a record stands for. */
enum cb_pending_kind {
	CB_PENDING_CONNECT = 0, /* a protected connect whose outcome is not known yet */
	/* A rejected non-blocking connect made to look like the kernel's
	 * refusal (README "How calls are judged"): the program's SO_ERROR read
	 * and a repeated connect() are answered from it; nothing is recorded. */
	CB_PENDING_REJECTED,
	/* A connect the tick judged (past connect_timeout) while the program
	 * still waits: kept so that its later close or SO_ERROR records nothing. */
	CB_PENDING_JUDGED,
};

/* One protected connect in flight. guard.b is its breaker. */
struct cb_pending {
	uint8_t kind;  /* enum cb_pending_kind */
	bool err_read; /* REJECTED: the program has read SO_ERROR */
	int fake_err;  /* REJECTED: the errno its SO_ERROR read reports */
	uint64_t link; /* the held refusal its outcome resolves (attempt.h), 0 none */
	/* Its deadline in the slot (cb_breaker_due_register), -1 none. */
	int32_t due;
	uint64_t due_word;
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
bool cb_inflight_put(int fd, const struct cb_pending *p, uint64_t *token);

/* Is a record pending on fd? If so sets *token and copies it to *out
 * (out may be NULL). One load when nothing was ever tracked near fd. */
bool cb_inflight_peek(int fd, uint64_t *token, struct cb_pending *out);

/* Takes the record named by token: true for exactly one caller, which must
 * then record the outcome; false if it was taken (or replaced) meanwhile. */
bool cb_inflight_take(int fd, uint64_t token, struct cb_pending *out);

/* The lowest descriptor in [from, last] with a record pending, or -1.
 * Walks only the chunks that exist (close_range). */
int cb_inflight_next(unsigned int from, unsigned int last);

/* Drops every connect record without recording anything: in a child after
 * fork(), where the parent owns the connects it started. Rejected sockets'
 * records stay: the child shares the socket and may read its SO_ERROR. */
void cb_inflight_forget_all(void);

#endif
