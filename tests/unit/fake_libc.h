/* fake_libc.h - a scriptable libc for unit tests of the connect policy
 * (src/connect/), linked instead of src/libc/libc.c.
 *
 * It defines every cb_libc_<name>() and cb_real_<name>() of the X-macro in
 * libc/libc.h, so the archive's libc.o is never pulled in (a row added there
 * without a fake here fails the link with duplicate symbols), plus the libc
 * functions the policy calls directly: fcntl, poll, fstat, getpid and
 * clock_gettime. Those are defined in the test executable, which is built
 * with hidden visibility: they interpose libc's for cbreaker's code linked
 * into it, and nothing else (cmocka and libc itself keep the real ones).
 *
 * Descriptors FAKE_FD_BASE and up are fake sockets whose answers the test
 * scripts; every other descriptor, and every clock but the monotonic ones,
 * reaches the real libc. No network is touched. */
#ifndef FAKE_LIBC_H
#define FAKE_LIBC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FAKE_FD_BASE 100
#define FAKE_FDS     32

/* One fake socket: what the kernel would answer about it. */
struct fake_sock {
	bool open;
	int type;         /* SO_TYPE: SOCK_STREAM, SOCK_DGRAM */
	int flags;        /* F_GETFL: O_NONBLOCK or 0 */
	uint64_t ino;     /* fstat's st_ino: which socket the number names */
	int connect_err;  /* what connect() returns next: 0, or -1 with this errno */
	int so_error;     /* getsockopt(SO_ERROR), cleared by the read as the kernel does */
	int sndtimeo_ms;  /* getsockopt(SO_SNDTIMEO) */
	int tcp_state;    /* TCP_INFO tcpi_state; 0: TCP_INFO fails (EOPNOTSUPP) */
	bool retransmits; /* TCP_INFO tcpi_total_retrans > 0 */
	bool acked;       /* TCP_INFO tcpi_bytes_acked > 0: the handshake completed once */
	int poll_revents; /* what poll() reports; 0: the whole wait elapses (the clock moves) */
	int poll_errno;   /* poll() fails with this errno instead (EINTR: a signal) */
};

/* Linux tcp_states.h, for tcp_state. */
enum { FAKE_TCP_ESTABLISHED = 1, FAKE_TCP_SYN_SENT = 2, FAKE_TCP_CLOSE = 7 };

struct fake_libc {
	struct fake_sock sock[FAKE_FDS]; /* descriptor FAKE_FD_BASE + i */
	int64_t now_ms;                  /* CLOCK_MONOTONIC and CLOCK_MONOTONIC_COARSE */
	pid_t pid;                       /* what getpid() returns; 0: the real pid */
	int connects;                    /* connect() calls that reached the fake */
	int last_connect_family;         /* the address family of the last one */
	uint64_t next_ino;
};
extern struct fake_libc fake;

/* The fake socket behind fd (which must be a fake descriptor). */
struct fake_sock *fake_sock(int fd);

/* fd now names another socket, closed and reused by raw system calls
 * behind libc's back (as libuv does): a new inode, nothing else known. */
void fake_reuse_behind_our_back(int fd);

/* Closes every fake descriptor and forgets every answer; the clock and
 * the counters keep going. */
void fake_reset(void);

/* The runtime the tests drive: config_text written to a file made from
 * the mkstemp template `path` (the caller unlinks it), CBREAKER_CONFIG
 * pointed at it, and loaded as the shim loads it. NULL when that fails. */
struct cb_runtime;
struct cb_breaker_rt;
const struct cb_runtime *fake_runtime(const char *config_text, char *path);

/* The breaker of that name in rt, or NULL. */
const struct cb_breaker_rt *fake_breaker(const struct cb_runtime *rt, const char *name);

#endif
