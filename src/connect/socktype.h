/* socktype.h - what the shim knows about each descriptor's socket type,
 * recorded when the program creates it (socket, dup, dup2, dup3; and
 * setsockopt's TCP_FASTOPEN_CONNECT) and
 * forgotten when it closes it (close, close_range, dup2/dup3 over it), so
 * that connect() need not ask the kernel (getsockopt(SO_TYPE) costs about
 * 200 ns, more than the rest of a rejection) whether a datagram socket must
 * pass through.
 *
 * Unknown is always safe: connect() then asks the kernel. Descriptors made
 * behind the hooks' back (accept, fcntl(F_DUPFD), SCM_RIGHTS, raw system
 * calls, inherited ones) stay unknown. A wrong entry needs a recorded
 * descriptor closed behind our back (raw close system call) AND its number
 * reused behind our back for a datagram socket.
 *
 * One byte per descriptor in chunks mmap'ed on first use, so descriptors up
 * to 16M work; lock-free, allocation-free and async-signal-safe. */
#ifndef CB_SOCKTYPE_H
#define CB_SOCKTYPE_H

#include <stdint.h>

#define CB_SOCKTYPE_CHUNK  4096 /* entries per chunk: one page */
#define CB_SOCKTYPE_CHUNKS 4096 /* chunks: descriptors below 16M are recorded */

enum cb_socktype {
	CB_SOCKTYPE_UNKNOWN = 0,
	CB_SOCKTYPE_STREAM = 1, /* SOCK_STREAM, any domain (as SO_TYPE says) */
	CB_SOCKTYPE_OTHER = 2,  /* any other socket type */
	/* A stream socket given TCP_FASTOPEN_CONNECT: its connect() may
	 * return 0 before the handshake, deferring it to the first write. */
	CB_SOCKTYPE_STREAM_DEFERRED = 3,
};

/* The type to record for socket(domain, type, protocol)'s `type` argument
 * (SOCK_NONBLOCK and SOCK_CLOEXEC ignored). */
enum cb_socktype cb_socktype_of_socket(int type);

/* Records t for fd. Out of range, or no memory for the chunk: nothing is
 * recorded, so fd stays unknown. Leaves errno alone. */
void cb_socktype_set(int fd, enum cb_socktype t);

/* What was recorded for fd (UNKNOWN for anything never recorded). */
enum cb_socktype cb_socktype_get(int fd);

/* Forgets every descriptor in [first, last] (close_range). Touches only the
 * chunks that exist. */
void cb_socktype_forget_range(unsigned int first, unsigned int last);

#endif
