/* connect.c - the connect() hook: destinations that map to a breaker are
 * asked first (a rejection makes no system call), and the call's outcome is
 * recorded, now or later through fdtrack. Everything else goes straight to
 * libc with errno untouched. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>

#include "common.h"
#include "fdtype.h"
#include "names.h"
#include "real.h"
#include "shim.h"

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
	bool named = cb_names_find(addr, name, sizeof(name));
	return cb_runtime_lookup(rt, named ? name : NULL, addr, port_of(addr));
}

/* A socket recorded at creation is known without a system call; any other
 * is asked (SO_TYPE changes nothing on the socket). */
static bool is_stream(int fd)
{
	enum cb_fdtype known = cb_fdtype_get(fd);
	if (known != CB_FDTYPE_UNKNOWN)
		return known == CB_FDTYPE_STREAM;
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

/* connect() again on a descriptor with a connect in flight: its result is
 * that connect's outcome (0 or EISCONN: connected). */
static int repeated(int fd, uint64_t token, const struct sockaddr *addr, socklen_t len, int saved)
{
	errno = saved;
	int r = cb_libc_connect(fd, addr, len);
	int err = r == 0 ? 0 : errno;
	cb_shim_busy = 1;
	uint64_t now_token;
	struct cb_pending p;
	if (cb_fdtrack_peek(fd, &now_token, &p) && now_token == token) {
		int ferr;
		const struct cb_breaker_config *c = p.guard.b->cfg;
		int o = cb_fdtrack_judge_errno(c, err, true, cb_now_ms() - p.start_ms, &ferr);
		if (o != CB_FDTRACK_PENDING)
			cb_shim_finish(fd, token, o, ferr);
	}
	cb_shim_busy = 0;
	errno = r == 0 ? saved : err;
	return r;
}

/* A connect through breaker b that b allowed. */
static int guarded(int fd, const struct sockaddr *addr, socklen_t len, struct cb_pending *p,
                   int saved)
{
	const struct cb_breaker_config *c = p->guard.b->cfg;
	uint64_t token = 0;
	p->start_ms = cb_now_ms();
	memset(&p->addr, 0, sizeof(p->addr));
	memcpy(&p->addr, addr,
	       addr->sa_family == AF_INET ? sizeof(p->addr.in) : sizeof(p->addr.in6));
	/* Recorded before the call: wget leaves a blocking connect by
	 * siglongjmp from SIGALRM, and its close() must still find it. */
	p->ino = cb_shim_socket_ino(fd);
	bool tracked = cb_fdtrack_put(fd, p, &token);
	int flags = c->connect_timeout_ms > 0 ? fcntl(fd, F_GETFL) : -1;
	bool timed_out = false;
	cb_shim_busy = 0; /* a signal handler may connect while we wait */
	errno = saved;
	int r = flags >= 0 && !(flags & O_NONBLOCK)
	                ? timed_connect(fd, addr, len, flags, (int64_t)c->connect_timeout_ms,
	                                &timed_out)
	                : cb_libc_connect(fd, addr, len);
	int err = r == 0 ? 0 : errno;
	cb_shim_busy = 1;
	int ferr = ETIMEDOUT;
	int o = timed_out ? CB_OUTCOME_FAILURE : cb_fdtrack_judge_errno(c, err, false, 0, &ferr);
	if (tracked && o != CB_FDTRACK_PENDING)
		cb_shim_finish(fd, token, o, ferr);
	else if (!tracked) /* cannot follow it: what is not known is neutral */
		cb_shim_record(p, o == CB_FDTRACK_PENDING ? CB_OUTCOME_NEUTRAL : o, ferr);
	cb_shim_busy = 0;
	errno = r == 0 ? saved : err;
	return r;
}

static bool is_inet(const struct sockaddr *addr, socklen_t len)
{
	return addr && ((addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
	                (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)));
}

/* A destination with breaker b; errno still as the program left it. Kept
 * out of line so that the unmatched path stays short. */
static __attribute__((noinline)) int protected_connect(int fd, const struct sockaddr *addr,
                                                       socklen_t len, const struct cb_breaker_rt *b)
{
	int saved = errno;
	cb_shim_busy = 1;
	if (!is_stream(fd)) {
		cb_shim_busy = 0;
		errno = saved;
		return cb_libc_connect(fd, addr, len);
	}
	if (cb_transfer_breaker == b) {
		/* Inside a curl transfer already counted for b: enforce only. */
		bool open = !cb_guard_peek(b);
		cb_shim_busy = 0;
		if (open) {
			errno = b->cfg->reject_errno;
			return -1;
		}
		errno = saved;
		return cb_libc_connect(fd, addr, len);
	}
	struct cb_pending p;
	if (!cb_guard_begin(b, &p.guard)) {
		cb_shim_busy = 0;
		errno = b->cfg->reject_errno;
		return -1;
	}
	return guarded(fd, addr, len, &p, saved);
}

/* The names table stays empty unless the matcher has name patterns, so most
 * look-ups go by address alone. */
static const struct cb_breaker_rt *lookup(const struct sockaddr *addr)
{
	cb_shim_busy = 1; /* loading or reloading the configuration calls hooks */
	const struct cb_runtime *rt = cb_runtime_get();
	const struct cb_breaker_rt *b = NULL;
	if (rt)
		b = cb_names_any() ? lookup_named(rt, addr)
		                   : cb_runtime_lookup(rt, NULL, addr, port_of(addr));
	cb_shim_busy = 0;
	return b;
}

/* fd has a connect in flight: this call is a repeat of it, unless the
 * socket behind the record is gone (then judged and dropped). */
static __attribute__((noinline)) int followed(int fd, const struct sockaddr *addr, socklen_t len)
{
	int saved = errno;
	uint64_t token;
	struct cb_pending old;
	if (cb_fdtrack_peek(fd, &token, &old) && !cb_shim_settle_if_stale(fd, token, &old))
		return repeated(fd, token, addr, len, saved);
	errno = saved;
	const struct cb_breaker_rt *b = lookup(addr);
	return b ? protected_connect(fd, addr, len, b) : cb_libc_connect(fd, addr, len);
}

/* The unmatched path (the common one) changes nothing before the real call:
 * neither the look-up nor cb_runtime_get touches errno. */
int cb_shim_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	uint64_t token;
	if (cb_shim_busy || !is_inet(addr, len))
		return cb_libc_connect(fd, addr, len);
	if (cb_fdtrack_peek(fd, &token, NULL))
		return followed(fd, addr, len);
	const struct cb_breaker_rt *b = lookup(addr);
	return b ? protected_connect(fd, addr, len, b) : cb_libc_connect(fd, addr, len);
}

CB_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return cb_shim_connect(fd, addr.__sockaddr__, len);
}
