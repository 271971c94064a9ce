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
#include "connect/attempt.h"
#include "connect/connect.h"
#include "connect/fallback.h"
#include "connect/follow.h"
#include "connect/held.h"
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

/* A destination no breaker covers, with discovery on (README
 * "Discovery"): its discovered breaker, or NULL beyond N. */
static const struct cb_breaker_rt *discovered(const struct cb_runtime *rt,
                                              const struct sockaddr *addr)
{
	CB_INSIDE(inside);
	char name[CB_HOST_MAX];
	bool named = cb_resolved_find(addr, name, sizeof(name));
	return cb_discovery_lookup(rt, named ? name : NULL, addr);
}

/* scope = endpoint (README "Endpoint scope"): the sub-breaker of the
 * address itself. */
static const struct cb_breaker_rt *endpoint_of(const struct cb_breaker_rt *b,
                                               const struct sockaddr *addr)
{
	CB_INSIDE(inside);
	struct cb_address to;
	cb_address_of(addr, &to);
	return cb_endpoint_for(b, &to, cb_now_ms());
}

/* A socket recorded at creation is known without a system call; any other
 * is asked (SO_TYPE changes nothing on the socket). */
static bool is_stream(int fd)
{
	enum cb_socktype known = cb_socktype_get(fd);
	if (known != CB_SOCKTYPE_UNKNOWN)
		return known == CB_SOCKTYPE_STREAM || known == CB_SOCKTYPE_STREAM_DEFERRED;
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
 * returned (err, 0 = connected) means for that connect. A connect judged
 * already (the tick) has its record dropped once the kernel has finished
 * with it, so that a later connect on the socket is judged afresh. */
static void judge_repeat(int fd, uint64_t token, int err)
{
	CB_INSIDE(inside);
	uint64_t now_token;
	struct cb_pending p;
	if (!cb_inflight_peek(fd, &now_token, &p) || now_token != token)
		return;
	if (p.kind != CB_PENDING_CONNECT) {
		if (err != EINPROGRESS && err != EALREADY && err != EINTR)
			cb_inflight_take(fd, token, NULL);
		return;
	}
	int ferr;
	const struct cb_breaker_config *c = p.guard.b->cfg;
	int o = cb_judge_errno(c, err, true, cb_now_ms() - p.start_ms, &ferr);
	if (o != CB_JUDGE_PENDING)
		cb_follow_finish(fd, token, o, ferr);
}

/* Before a protected connect: the record its later outcome is found by.
 * Recorded before the call: wget leaves a blocking connect by siglongjmp
 * from SIGALRM, and its close() must still find it. Without the socket's
 * inode (an fstat on every connect): a record that outlives the call
 * learns it then (keep_following); one left by a siglongjmp has none, and
 * is taken to be the descriptor's socket. */
static bool track(int fd, struct cb_pending *p, uint64_t *token)
{
	CB_INSIDE(inside);
	p->kind = CB_PENDING_CONNECT;
	/* The breaker was asked a moment ago: its clock reading will do. A
	 * permit carried on from a held refusal was taken earlier. */
	p->start_ms = p->link ? cb_now_ms() : p->guard.ticket.start_ms;
	p->ino = 0;
	uint64_t timeout = p->guard.b->cfg->connect_timeout_ms;
	p->due = timeout ? cb_breaker_due_register(p->guard.b->slot, cb_process_pid(),
	                                           p->start_ms + (int64_t)timeout, &p->due_word)
	                 : -1;
	return cb_inflight_put(fd, p, token);
}

/* The call returned with the connect still under way: its record is filed
 * again with the socket's inode, which tells it from another socket on the
 * same number later (a descriptor closed behind our back and reused).
 * The program is still inside its connect(): nobody else looks at the
 * descriptor's record meanwhile. */
static void keep_following(int fd, uint64_t *token)
{
	struct cb_pending p;
	if (!cb_inflight_take(fd, *token, &p))
		return;
	p.ino = cb_follow_socket_ino(fd);
	if (!cb_inflight_put(fd, &p, token)) /* cannot follow it after all */
		cb_follow_record(&p, CB_OUTCOME_NEUTRAL, 0);
}

/* After it: records what the call itself tells (err, 0 = it returned 0).
 * A 0 on a socket still connecting is a connect deferred to the first
 * write (TCP_FASTOPEN_CONNECT with a cookie), or a Fast Open send whose
 * SYN carried the data: followed like EINPROGRESS. Only such calls
 * (may_defer) are asked TCP_INFO: a plain connect() that returned 0 is
 * connected. */
static void judge_call(int fd, struct cb_pending *p, bool tracked, uint64_t token, int err,
                       bool timed_out, bool may_defer)
{
	CB_INSIDE(inside);
	int ferr = ETIMEDOUT;
	if (err == 0 && may_defer) {
		struct cb_tcp_seen seen;
		cb_follow_tcp_state(fd, &seen);
		if (seen.state == TCPS_SYN_SENT)
			err = EINPROGRESS;
	}
	int o = timed_out ? CB_OUTCOME_FAILURE
	                  : cb_judge_errno(p->guard.b->cfg, err, false, 0, &ferr);
	if (tracked && o != CB_JUDGE_PENDING)
		cb_follow_finish(fd, token, o, ferr);
	else if (tracked)
		keep_following(fd, &token);
	else /* cannot follow it: what is not known is neutral */
		cb_follow_record(p, o == CB_JUDGE_PENDING ? CB_OUTCOME_NEUTRAL : o, ferr);
}

/* The call that begins a connection: connect(), or a Fast Open send. */
struct opening {
	const struct sockaddr *addr;
	socklen_t len;
	const void *buf; /* sendto */
	size_t n;
	const struct msghdr *msg; /* sendmsg */
	int flags;                /* the send's flags */
	enum { OPEN_CONNECT, OPEN_SENDTO, OPEN_SENDMSG } how;
};

static ssize_t real_opening(int fd, const struct opening *o)
{
	switch (o->how) {
	case OPEN_SENDTO:
		return cb_libc_sendto(fd, o->buf, o->n, o->flags, o->addr, o->len);
	case OPEN_SENDMSG:
		return cb_libc_sendmsg(fd, o->msg, o->flags);
	case OPEN_CONNECT:
	default:
		return cb_libc_connect(fd, o->addr, o->len);
	}
}

/* A connect that failed outright frees its place at once. */
static void failed_now(int fd, ssize_t r, int err)
{
	if (r < 0 && err != EINPROGRESS && err != EALREADY && err != EINTR)
		cb_held_drop(fd);
}

/* A connect that its breaker allowed (the connect_timeout bound applies
 * to connect() itself). */
static ssize_t guarded(int fd, const struct opening *o, struct cb_pending *p)
{
	int saved = errno;
	const struct cb_breaker_config *c = p->guard.b->cfg;
	uint64_t token = 0;
	bool tracked = track(fd, p, &token);
	int flags = c->connect_timeout_ms > 0 && o->how == OPEN_CONNECT ? fcntl(fd, F_GETFL) : -1;
	bool timed_out = false;
	errno = saved;
	ssize_t r = flags >= 0 && !(flags & O_NONBLOCK)
	                    ? timed_connect(fd, o->addr, o->len, flags,
	                                    (int64_t)c->connect_timeout_ms, &timed_out)
	                    : real_opening(fd, o);
	int err = r >= 0 ? 0 : errno;
	failed_now(fd, r, err);
	/* A socket of unknown type may have TCP_FASTOPEN_CONNECT too. */
	bool may_defer = o->how != OPEN_CONNECT || cb_socktype_get(fd) != CB_SOCKTYPE_STREAM;
	judge_call(fd, p, tracked, token, err, timed_out, may_defer);
	errno = r >= 0 ? saved : err;
	return r;
}

enum admission { PASS, REJECT, GUARD, FALLBACK };

/* A place among b's max_connections for the connection fd begins (README
 * "Connection limits"), kept by fd until it goes; false when over the
 * limit (a rejection that moves no state). A socket that holds one
 * already (connected before) needs no other. */
static bool take_place(int fd, const struct cb_breaker_rt *b)
{
	if (b->cfg->max_connections == 0 || cb_held_has(fd))
		return true;
	switch (cb_guard_conn_take(b)) {
	case CB_PLACE_REFUSED:
		return false;
	case CB_PLACE_TAKEN:
		cb_held_put(fd, b);
		return true;
	case CB_PLACE_NONE:
	default:
		return true;
	}
}

/* What to do with a connect to breaker *bp's destination; with scope =
 * endpoint *bp becomes its address's endpoint (only for a stream socket:
 * a datagram "connect" makes none). A connect that follows a held refusal
 * of the breaker links to it (the attempt rule), and carries its probe
 * permit when it has one. */
static enum admission admit(int fd, const struct sockaddr *addr, const struct cb_breaker_rt **bp,
                            struct cb_pending *p)
{
	CB_INSIDE(inside);
	if (!is_stream(fd))
		return PASS;
	if ((*bp)->endpoints)
		*bp = endpoint_of(*bp, addr);
	const struct cb_breaker_rt *b = *bp;
	memcpy(&p->addr, addr,
	       addr->sa_family == AF_INET ? sizeof(p->addr.in) : sizeof(p->addr.in6));
	if (cb_transfer_breaker == b) { /* inside a curl transfer counted for b: enforce only */
		if (cb_transfer_flags & CB_TRANSFER_TO_FALLBACK)
			return FALLBACK;
		if (!cb_guard_peek(b))
			return b->cfg->fallback.n ? FALLBACK : REJECT;
		if (take_place(fd, b))
			return PASS;
		cb_transfer_flags |= CB_TRANSFER_OVER_LIMIT;
		return REJECT;
	}
	/* Connection limits are the breaker's, whatever endpoint judges. */
	if (!take_place(fd, b->parent ? b->parent : b))
		return REJECT;
	if (cb_attempt_link(b->slot, p) || cb_guard_begin(b, &p->guard))
		return GUARD;
	cb_held_drop(fd);
	cb_attempt_resolve(p, CB_OUTCOME_NEUTRAL); /* rejected: the held refusal counts */
	return b->cfg->fallback.n ? FALLBACK : REJECT;
}

/* A rejection that looks like the kernel's refusal (README "How calls
 * are judged"): a blocking socket gets -1 with reject_errno at once; a
 * non-blocking one gets -1/EINPROGRESS and is left refused without a
 * packet sent. shutdown(SHUT_RDWR) of the unconnected socket wakes and
 * readies it for poll, select and epoll (POLLIN|POLLOUT|POLLHUP, as the
 * kernel's refused socket shows, without POLLERR), and its record answers
 * the program's SO_ERROR read and a repeated connect() as the kernel
 * would. A socket that is not plainly unconnected (TCP_INFO), or whose
 * record cannot be kept, gets the blocking answer. */
static int reject(int fd, int flags, const struct cb_breaker_rt *b)
{
	CB_INSIDE(inside);
	int err = b->cfg->reject_errno;
	inside.errno_out = err;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || !((fl & O_NONBLOCK) || (flags & MSG_DONTWAIT)))
		return -1;
	struct cb_tcp_seen seen;
	cb_follow_tcp_state(fd, &seen);
	if (seen.state != TCPS_CLOSE)
		return -1;
	struct cb_pending p;
	memset(&p, 0, sizeof(p));
	p.kind = CB_PENDING_REJECTED;
	p.fake_err = err;
	p.ino = cb_follow_socket_ino(fd);
	uint64_t token;
	if (!cb_inflight_put(fd, &p, &token))
		return -1;
	cb_libc_shutdown(fd, SHUT_RDWR);
	inside.errno_out = EINPROGRESS;
	return -1;
}

/* A call breaker b turned away, sent to its fallback instead (README
 * "Fallback addresses"), unfollowed: the fallback's answer is the
 * program's, not the service's. Rejected when no fallback suits the
 * socket's family. */
static ssize_t to_fallback(int fd, const struct opening *o, const struct cb_breaker_rt *b)
{
	union cb_sockaddr_any to;
	socklen_t len = 0;
	if (!cb_fallback_pick(fd, b->cfg, o->addr->sa_family, &to, &len)) {
		cb_guard_fallback_missed(b);
		return reject(fd, o->flags, b);
	}
	struct opening f = *o;
	struct msghdr msg;
	f.addr = &to.sa;
	f.len = len;
	if (o->how == OPEN_SENDMSG) {
		msg = *o->msg;
		msg.msg_name = &to;
		msg.msg_namelen = len;
		f.msg = &msg;
	}
	return real_opening(fd, &f);
}

/* A destination with breaker b. Kept out of line so that the unmatched
 * path stays short. */
static __attribute__((noinline)) ssize_t protected_opening(int fd, const struct opening *o,
                                                           const struct cb_breaker_rt *b)
{
	if (!b->cfg && !(b = discovered(b->rt, o->addr)))
		return real_opening(fd, o);
	struct cb_pending p;
	memset(&p, 0, sizeof(p));
	switch (admit(fd, o->addr, &b, &p)) {
	case PASS: {
		ssize_t r = real_opening(fd, o);
		if (r < 0) {
			CB_KEEP_ERRNO;
			failed_now(fd, r, errno);
		}
		return r;
	}
	case REJECT:
		return reject(fd, o->flags, b);
	case FALLBACK:
		return to_fallback(fd, o, b);
	case GUARD:
	default:
		return guarded(fd, o, &p);
	}
}

static int protected_connect(int fd, const struct sockaddr *addr, socklen_t len,
                             const struct cb_breaker_rt *b)
{
	const struct opening o = {.addr = addr, .len = len, .how = OPEN_CONNECT};
	return (int)protected_opening(fd, &o, b);
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

/* A repeated connect() on a socket rejected as refused: what the kernel
 * answers on its own refused socket (ECONNREFUSED, or ECONNABORTED once
 * SO_ERROR was read), after which the socket is as after that answer:
 * unconnected, reset with connect(AF_UNSPEC), and the next connect a new
 * one. */
static int repeat_rejected(int fd, uint64_t token, const struct cb_pending *p)
{
	CB_INSIDE(inside);
	if (!cb_inflight_take(fd, token, NULL)) {
		inside.errno_out = EALREADY;
		return -1;
	}
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	cb_libc_connect(fd, &unspec, sizeof(unspec));
	inside.errno_out = p->err_read ? ECONNABORTED : p->fake_err;
	return -1;
}

/* fd has a connect in flight: this call is a repeat of it, unless the
 * socket behind the record is gone (then judged and dropped). */
static __attribute__((noinline)) int followed(int fd, const struct sockaddr *addr, socklen_t len)
{
	uint64_t token;
	struct cb_pending old;
	if (cb_inflight_peek(fd, &token, &old) && !cb_follow_settle_if_stale(fd, token, &old)) {
		if (old.kind == CB_PENDING_REJECTED)
			return repeat_rejected(fd, token, &old);
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
	if (cb_busy || !cb_address_is_inet(addr, len))
		return cb_libc_connect(fd, addr, len);
	if (cb_inflight_peek(fd, &token, NULL))
		return followed(fd, addr, len);
	const struct cb_breaker_rt *b = lookup(addr);
	return b ? protected_connect(fd, addr, len, b) : cb_libc_connect(fd, addr, len);
}

/* shutdown() while a connect is pending is the program giving up on it:
 * judged now, as close() would judge it, before TCP_INFO reads the
 * socket as closed (which would look like a refusal). */
int cb_connect_shutdown(int fd, int how)
{
	uint64_t token;
	if (!cb_busy && cb_inflight_peek(fd, &token, NULL))
		cb_follow_settle_shutdown(fd);
	return cb_libc_shutdown(fd, how);
}

/* A Fast Open send to a protected destination, on a socket not yet
 * connecting: admitted, rejected and judged like connect(). */
static __attribute__((noinline)) ssize_t fastopen(int fd, const struct opening *o)
{
	uint64_t token;
	if (cb_inflight_peek(fd, &token, NULL))
		return real_opening(fd, o);
	const struct cb_breaker_rt *b = lookup(o->addr);
	return b ? protected_opening(fd, o, b) : real_opening(fd, o);
}

ssize_t cb_connect_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                          socklen_t len)
{
	if (__builtin_expect(!(flags & MSG_FASTOPEN), 1) || cb_busy ||
	    !cb_address_is_inet(addr, len))
		return cb_libc_sendto(fd, buf, n, flags, addr, len);
	const struct opening o = {addr, len, buf, n, NULL, flags, OPEN_SENDTO};
	return fastopen(fd, &o);
}

ssize_t cb_connect_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (__builtin_expect(!(flags & MSG_FASTOPEN), 1) || cb_busy || !msg ||
	    !cb_address_is_inet(msg->msg_name, msg->msg_namelen))
		return cb_libc_sendmsg(fd, msg, flags);
	const struct opening o = {msg->msg_name, msg->msg_namelen, NULL, 0, msg,
	                          flags,         OPEN_SENDMSG};
	return fastopen(fd, &o);
}
