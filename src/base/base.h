/* base.h - what every module shares: limits, the export marker, clocks, the
 * one string hash, errno names, the re-entry scope and the process facts
 * (pid, vfork child, the single fork registration). Nothing here knows
 * about breakers. */
#ifndef CB_BASE_H
#define CB_BASE_H

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Symbols the shim exports; everything else is hidden (-fvisibility=hidden). */
#define CB_EXPORT __attribute__((visibility("default")))

#define CB_NAME_MAX    64  /* breaker name, including the NUL */
#define CB_HOST_MAX    256 /* DNS name, including the NUL */
#define CB_ADDRSTR_MAX 64  /* "[v6]:port" or "host:port" shown to users */
#define CB_DIAG_MAX    32  /* configuration errors kept for display */
#define CB_DIAG_LEN    320

/* CLOCK_MONOTONIC is host-wide on Linux, so these values are comparable
 * between the processes that share a state file. */
static inline int64_t cb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock milliseconds: only for what users read. */
static inline int64_t cb_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a, 64 bits, over n bytes continuing from h (start with
 * CB_FNV1A_BASIS): cheap, good enough for tables keyed by names and
 * addresses, and the auto state path's name (README "Shared state"). Fold
 * the high bits in before using the low ones as an index. */
#define CB_FNV1A_BASIS 0xcbf29ce484222325ULL
static inline uint64_t cb_fnv1a_byte(uint64_t h, uint8_t c)
{
	return (h ^ c) * 0x100000001b3ULL;
}
static inline uint64_t cb_fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		h = cb_fnv1a_byte(h, p[i]);
	return h;
}
/* 32 bits of it, the high half folded in. */
static inline uint32_t cb_fnv1a_fold32(uint64_t h)
{
	return (uint32_t)(h ^ h >> 32);
}
uint64_t cb_fnv1a_str(const char *s);

/* errno and CURLcode values <-> their symbolic names (errnames.c). */
const char *cb_errno_name(int err);          /* "ECONNREFUSED"; NULL when unknown */
int cb_errno_from_name(const char *name);    /* -1 when unknown */
const char *cb_curlcode_name(int code);      /* "CURLE_COULDNT_CONNECT"; NULL when unknown */
int cb_curlcode_from_name(const char *name); /* -1 when unknown */

/* -- Addresses (address.c) ------------------------------------------- */

/* An IPv4 or IPv6 destination in one form: IPv4 as its v4-mapped IPv6
 * address (::ffff:a.b.c.d), the port in host order. */
struct cb_address {
	uint8_t ip[16];
	uint16_t port;
};
_Static_assert(sizeof(struct cb_address) == 18, "no padding: compared and hashed whole");

/* Is sa an AF_INET or AF_INET6 address of its full length? Inline: every
 * connect() asks. */
static inline bool cb_address_is_inet(const struct sockaddr *sa, socklen_t len)
{
	return sa && ((sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
	              (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)));
}

/* sa: one cb_address_is_inet accepts. */
void cb_address_of(const struct sockaddr *sa, struct cb_address *out);
/* "10.0.0.7:443" (v4-mapped shown as IPv4) or "[2001:db8::7]:443"; ""
 * when it does not fit. No stdio: safe in a signal handler. */
void cb_address_format(const struct cb_address *a, char *buf, size_t len);

/* -- Text from outside (text.c) -------------------------------------- */

/* The length of the valid UTF-8 sequence at p (of n bytes), 1 for ASCII,
 * 0 when the bytes there are not valid UTF-8. */
size_t cb_utf8_seq(const unsigned char *p, size_t n);

/* `in` as one line safe for a terminal: control characters (C0, DEL, C1)
 * and bytes that are not valid UTF-8 become \xNN. Truncated to fit outlen
 * (NUL included); returns the length written. */
size_t cb_text_escape(char *out, size_t outlen, const char *in);

/* -- Re-entry scope --------------------------------------------------- */

/* Set while this thread runs cbreaker code that may call hooked functions
 * itself (loading the configuration, logging, dlsym): those calls then pass
 * straight through. Initial-exec TLS: reading it never allocates. */
extern __thread int cb_busy __attribute__((tls_model("initial-exec")));

/* CB_INSIDE(s): from here to the end of the block this thread is busy, and
 * on every way out (early returns included) the previous busy flag and the
 * program's errno come back. A path that must leave another errno sets
 * s.errno_out; one that calls a real function on the program's behalf
 * wraps it in cb_inside_pause/cb_inside_resume (a signal handler may then
 * connect, and the call sees the program's errno). */
struct cb_inside {
	int errno_out;
	int was_busy;
};
static inline struct cb_inside cb_inside_enter(void)
{
	struct cb_inside s = {errno, cb_busy};
	cb_busy = 1;
	return s;
}
static inline void cb_inside_leave(const struct cb_inside *s)
{
	cb_busy = s->was_busy;
	errno = s->errno_out;
}
static inline void cb_inside_pause(const struct cb_inside *s)
{
	cb_busy = s->was_busy;
	errno = s->errno_out;
}
static inline void cb_inside_resume(void)
{
	cb_busy = 1;
}
#define CB_INSIDE(s)                                                                               \
	struct cb_inside s __attribute__((cleanup(cb_inside_leave))) = cb_inside_enter()

/* CB_KEEP_ERRNO: errno comes back as it is here on every way out of the
 * block, for code that makes system calls of its own on a program's
 * behalf but must leave the program's errno alone. */
static inline void cb_errno_restore(const int *saved)
{
	errno = *saved;
}
#define CB_KEEP_ERRNO int cb_kept_errno_ __attribute__((cleanup(cb_errno_restore))) = errno

/* -- Process facts ---------------------------------------------------- */

/* This process's pid, cached at start-up and refreshed after fork(). */
uint32_t cb_process_pid(void);

/* A vfork() child shares its parent's memory until it execs and runs no
 * atfork handlers: it must leave the parent's tables alone (connects in
 * flight, socket types), and never reload or start a control server. True
 * in such a child: its pid is not the cached one. Costs one getpid()
 * system call: ask only when there is something to change. */
bool cb_process_in_vfork_child(void);

/* The one pthread_atfork registration: modules add their handlers here
 * (at most CB_FORK_HOOKS, at start-up). prepare hooks run in reverse order
 * of registration, parent and child hooks in order, as pthread_atfork
 * would run separate registrations. Any of the three may be NULL. */
#define CB_FORK_HOOKS 8
void cb_process_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/* Caches the pid and registers with pthread_atfork: from the constructor,
 * or from the first use outside the shim. Idempotent. */
void cb_process_init(void);

#endif
