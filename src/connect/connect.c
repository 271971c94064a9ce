/* connect.c - the connect() policy: destinations that map to a breaker are
 * asked first (a rejection makes no system call), and the call's outcome is
 * recorded, now or later through the in-flight table. Everything else goes
 * straight to libc with errno untouched.
 *
 * The real calls made on the program's behalf run outside any re-entry
 * scope, so that their errno is the program's and a signal handler that
 * connects meanwhile is followed like any other call. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>

#include "base/base.h"
#include "connect/connect.h"
#include "connect/follow.h"
#include "connect/socktype.h"
#include "core/core.h"
#include "libc/libc.h"
#include "match/match.h"

static uint16_t port_of(const struct sockaddr *addr)
{
	return ntohs(addr->sa_family == AF_INET ? ((const struct sockaddr_in *)addr)->sin_port
	                                        : ((const struct sockaddr_in6 *)addr)->sin6_port);
}

/* A destination some resolver call may have named: out of line, for the
 * name buffer's sake. */
static __attribute__((noinline)) const struct cb_breaker_rt *
lookup_named(const struct cb_runtime *rt, const struct sockaddr *addr)
{
	char name[CB_HOST_MAX];
	bool named = cb_resolved_find(addr, name, sizeof(name));
	return cb_runtime_lookup(rt, named ? name : NULL, addr, port_of(addr));
}

/* A socket recorded at creation is known without a system call; any other
 * is asked (SO_TYPE changes nothing on the socket). */
static bool is_stream(int fd)
{
	enum cb_socktype known = cb_socktype_get(fd);
	if (known != CB_SOCKTYPE_UNKNOWN)
		return known == CB_SOCKTYPE_STREAM;
	int type = 0;
	socklen_t len = sizeof(type);
	return cb_libc_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

/* The socket's SO_SNDTIMEO in ms (a read: changes nothing), 0 for none. */
static int64_t send_timeout_ms(int fd)
{
	struct timeval tv = {0};
	socklen_t len = sizeof(tv);
	if (cb_libc_getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) != 0)
		return 0;
	return (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
}

/* Ends a wait that the kernel's blocking connect would also have ended
 * with err (EINTR: a signal; EINPROGRESS: SO_SNDTIMEO) while the kernel
 * goes on connecting: the record stays pending for the program's later
 * close, SO_ERROR or connect to resolve. */
static int leave_connecting(int fd, int flags, int err)
{
	fcntl(fd, F_SETFL, flags);
	errno = err;
	return -1;
}

/* A blocking connect bounded by connect_timeout: done non-blocking, waited
 * for with poll, and read back with SO_ERROR. Reading SO_ERROR is right
 * only here, where the program is inside connect() and has not seen the
 * result. Returns like connect(); *timed_out when the bound was hit, in
 * which case the attempt is aborted (connect to AF_UNSPEC) so the socket
 * ends closed, as after the kernel's own ETIMEDOUT. A signal or the
 * socket's own SO_SNDTIMEO end the wait as they end the kernel's. */
static int timed_connect(int fd, const struct sockaddr *addr, socklen_t len, int flags,
                         int64_t timeout_ms, bool *timed_out)
{
	*timed_out = false;
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return cb_libc_connect(fd, addr, len);
	int r = cb_libc_connect(fd, addr, len);
	if (r == 0 || errno != EINPROGRESS) {
		int err = errno;
		fcntl(fd, F_SETFL, flags);
		errno = err;
		return r;
	}
	int64_t now = cb_now_ms();
	int64_t deadline = now + timeout_ms;
	int64_t sndtimeo = send_timeout_ms(fd);
	bool send_bound = sndtimeo > 0 && sndtimeo < timeout_ms;
	if (send_bound)
		deadline = now + sndtimeo;
	for (;;) {
		int64_t left = deadline - cb_now_ms();
		if (left <= 0 && send_bound)
			return leave_connecting(fd, flags, EINPROGRESS);
		if (left <= 0) {
			struct sockaddr unspec = {.sa_family = AF_UNSPEC};
			cb_libc_connect(fd, &unspec, sizeof(unspec));
			fcntl(fd, F_SETFL, flags);
			*timed_out = true;
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int n = poll(&pfd, 1, (int)left);
		if (n > 0)
			break;
		if (n < 0 && errno == EINTR)
			return leave_connecting(fd, flags, EINTR);
		if (n < 0) {
			/* Cannot wait here: let the kernel's blocking connect wait. */
			fcntl(fd, F_SETFL, flags);
			return cb_libc_connect(fd, addr, len);
		}
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (cb_libc_getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		soerr = errno;
	fcntl(fd, F_SETFL, flags);
	if (soerr == 0)
		return 0;
	errno = soerr;
	return -1;
}

/* What a repeated connect() on a descriptor with a connect in flight
 * returned (err, 0 = connected) means for that connect. */
static void judge_repeat(int fd, uint64_t token, int err)
{
	CB_INSIDE(inside);
	uint64_t now_token;
	struct cb_pending p;
	if (!cb_inflight_peek(fd, &now_token, &p) || now_token != token)
		return;
	int ferr;
	const struct cb_breaker_config *c = p.guard.b->cfg;
	int o = cb_judge_errno(c, err, true, cb_now_ms() - p.start_ms, &ferr);
	if (o != CB_JUDGE_PENDING)
		cb_follow_finish(fd, token, o, ferr);
}

/* Before a protected connect: the record its later outcome is found by.
 * Recorded before the call: wget leaves a blocking connect by siglongjmp
 * from SIGALRM, and its close() must still find it. */
static bool track(int fd, const struct sockaddr *addr, struct cb_pending *p, uint64_t *token)
{
	CB_INSIDE(inside);
	p->start_ms = p->guard.ticket.start_ms; /* the guard's clock read serves */
	memset(&p->addr, 0, sizeof(p->addr));
	memcpy(&p->addr, addr,
	       addr->sa_family == AF_INET ? sizeof(p->addr.in) : sizeof(p->addr.in6));
	p->ino = cb_follow_socket_ino(fd);
	return cb_inflight_put(fd, p, token);
}

/* After it: records what the call itself tells (err, 0 = connected). */
static void judge_call(int fd, struct cb_pending *p, bool tracked, uint64_t token, int err,
                       bool timed_out)
{
	CB_INSIDE(inside);
	int ferr = ETIMEDOUT;
	int o = timed_out ? CB_OUTCOME_FAILURE
	                  : cb_judge_errno(p->guard.b->cfg, err, false, 0, &ferr);
	if (tracked && o != CB_JUDGE_PENDING)
		cb_follow_finish(fd, token, o, ferr);
	else if (!tracked) /* cannot follow it: what is not known is neutral */
		cb_follow_record(p, o == CB_JUDGE_PENDING ? CB_OUTCOME_NEUTRAL : o, ferr);
}

/* A connect that its breaker allowed. */
static int guarded(int fd, const struct sockaddr *addr, socklen_t len, struct cb_pending *p)
{
	int saved = errno;
	const struct cb_breaker_config *c = p->guard.b->cfg;
	uint64_t token = 0;
	bool tracked = track(fd, addr, p, &token);
	int flags = c->connect_timeout_ms > 0 ? fcntl(fd, F_GETFL) : -1;
	bool timed_out = false;
	errno = saved;
	int r = flags >= 0 && !(flags & O_NONBLOCK)
	                ? timed_connect(fd, addr, len, flags, (int64_t)c->connect_timeout_ms,
	                                &timed_out)
	                : cb_libc_connect(fd, addr, len);
	int err = r == 0 ? 0 : errno;
	judge_call(fd, p, tracked, token, err, timed_out);
	errno = r == 0 ? saved : err;
	return r;
}

static bool is_inet(const struct sockaddr *addr, socklen_t len)
{
	return addr && ((addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
	                (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)));
}

enum admission { PASS, REJECT, GUARD };

/* What to do with a connect to breaker b's destination. */
static enum admission admit(int fd, const struct cb_breaker_rt *b, struct cb_pending *p)
{
	CB_INSIDE(inside);
	if (!is_stream(fd))
		return PASS;
	if (cb_transfer_breaker == b) /* inside a curl transfer counted for b: enforce only */
		return cb_guard_peek(b) ? PASS : REJECT;
	return cb_guard_begin(b, &p->guard) ? GUARD : REJECT;
}

/* A destination with breaker b. Kept out of line so that the unmatched
 * path stays short. */
static __attribute__((noinline)) int protected_connect(int fd, const struct sockaddr *addr,
                                                       socklen_t len, const struct cb_breaker_rt *b)
{
	struct cb_pending p;
	switch (admit(fd, b, &p)) {
	case PASS:
		return cb_libc_connect(fd, addr, len);
	case REJECT:
		errno = b->cfg->reject_errno;
		return -1;
	case GUARD:
	default:
		return guarded(fd, addr, len, &p);
	}
}

/* The resolved-names table stays empty unless the matcher has name
 * patterns, so most look-ups go by address alone. */
static const struct cb_breaker_rt *lookup(const struct sockaddr *addr)
{
	/* Loading or reloading the configuration calls hooks, hence busy; but
	 * no CB_INSIDE: this is every connect's path, neither the runtime nor
	 * the look-up touches errno, and its round trip would cost 13 of the
	 * unmatched path's instructions (README "Performance"). Callers are
	 * never busy already. */
	cb_busy = 1;
	const struct cb_runtime *rt = cb_runtime_get();
	const struct cb_breaker_rt *b = NULL;
	if (rt)
		b = cb_resolved_any() ? lookup_named(rt, addr)
		                      : cb_runtime_lookup(rt, NULL, addr, port_of(addr));
	cb_busy = 0;
	return b;
}

/* fd has a connect in flight: this call is a repeat of it, unless the
 * socket behind the record is gone (then judged and dropped). */
static __attribute__((noinline)) int followed(int fd, const struct sockaddr *addr, socklen_t len)
{
	uint64_t token;
	struct cb_pending old;
	if (cb_inflight_peek(fd, &token, &old) && !cb_follow_settle_if_stale(fd, token, &old)) {
		int r = cb_libc_connect(fd, addr, len);
		judge_repeat(fd, token, r == 0 ? 0 : errno);
		return r;
	}
	const struct cb_breaker_rt *b = lookup(addr);
	return b ? protected_connect(fd, addr, len, b) : cb_libc_connect(fd, addr, len);
}

/* The unmatched path (the common one) changes nothing before the real call:
 * neither the look-up nor cb_runtime_get touches errno. */
int cb_connect_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	uint64_t token;
	if (cb_busy || !is_inet(addr, len))
		return cb_libc_connect(fd, addr, len);
	if (cb_inflight_peek(fd, &token, NULL))
		return followed(fd, addr, len);
	const struct cb_breaker_rt *b = lookup(addr);
	return b ? protected_connect(fd, addr, len, b) : cb_libc_connect(fd, addr, len);
}
