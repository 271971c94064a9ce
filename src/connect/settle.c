/* settle.c - following a protected connect to its outcome once the
 * connect() call has returned: recording it, and judging a socket that is
 * going away (close, dup2 over it, close_range, exit). See follow.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "connect/connect.h"
#include "connect/follow.h"
#include "core/core.h"
#include "libc/libc.h"

/* "10.0.0.7:443" or "[::1]:443", without stdio: this may run in a signal
 * handler. */
static void format_address(const union cb_sockaddr_any *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6 = a->sa.sa_family == AF_INET6;
	const void *raw = v6 ? (const void *)&a->in6.sin6_addr : (const void *)&a->in.sin_addr;
	unsigned int port = ntohs(v6 ? a->in6.sin6_port : a->in.sin_port);
	buf[0] = '\0';
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, raw, ip, sizeof(ip)))
		return;
	char digits[6];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + port % 10);
		port /= 10;
	} while (port && nd < (int)sizeof(digits));
	size_t need = strlen(ip) + (v6 ? 2 : 0) + 1 + (size_t)nd + 1;
	if (need > len)
		return;
	char *o = buf;
	if (v6)
		*o++ = '[';
	o = stpcpy(o, ip);
	if (v6)
		*o++ = ']';
	*o++ = ':';
	while (nd)
		*o++ = digits[--nd];
	*o = '\0';
}

void cb_follow_record(struct cb_pending *p, int outcome, int failure_err)
{
	if (outcome == CB_OUTCOME_FAILURE) {
		char where[CB_ADDRSTR_MAX];
		format_address(&p->addr, where, sizeof(where));
		struct cb_failure f = {CB_ERROR(CB_ERR_ERRNO, failure_err), where};
		cb_guard_end(&p->guard, CB_OUTCOME_FAILURE, &f);
	} else {
		cb_guard_end(&p->guard, (enum cb_outcome)outcome, NULL);
	}
}

void cb_follow_finish(int fd, uint64_t token, int outcome, int failure_err)
{
	struct cb_pending p;
	if (cb_inflight_take(fd, token, &p))
		cb_follow_record(&p, outcome, failure_err);
}

/* The kernel's struct tcp_info goes on past glibc 2.36's copy, which ends
 * at tcpi_total_retrans (linux/tcp.h; the counters below appeared in Linux
 * 4.1 and 4.2: an older kernel returns a shorter length). */
struct tcp_info_more {
	struct tcp_info base;
	uint64_t pacing_rate;
	uint64_t max_pacing_rate;
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t segs_out;
	uint32_t segs_in;
};
_Static_assert(offsetof(struct tcp_info_more, bytes_acked) == 120, "linux/tcp.h layout");

void cb_follow_tcp_state(int fd, struct cb_tcp_seen *seen)
{
	struct tcp_info_more ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	memset(seen, 0, sizeof(*seen));
	if (cb_libc_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return;
	seen->state = ti.base.tcpi_state;
	seen->retransmitted = ti.base.tcpi_total_retrans > 0 || ti.base.tcpi_retransmits > 0;
	/* The SYN-ACK acknowledges our SYN (bytes_acked 1); a refusal is one
	 * RST in (segs_in 1) and acknowledges nothing. Fields past len stay 0. */
	seen->established = ti.bytes_acked > 0 || ti.bytes_received > 0 || ti.segs_in > 1;
}

uint64_t cb_follow_socket_ino(int fd)
{
	CB_KEEP_ERRNO;
	struct stat st;
	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static bool sibling_won(const struct cb_pending *p)
{
	/* Happy eyeballs closes the loser once a sibling has connected. */
	return atomic_load_explicit(&p->guard.b->slot->last_success_ms, memory_order_relaxed) >
	       p->start_ms;
}

/* Judges a record whose socket is going away (or is gone). */
static void settle(int fd, uint64_t token, const struct cb_pending *p)
{
	CB_INSIDE(inside);
	int err, o;
	int64_t age = cb_now_ms() - p->start_ms;
	if (cb_follow_socket_ino(fd) == p->ino) {
		struct cb_tcp_seen seen;
		cb_follow_tcp_state(fd, &seen);
		o = cb_judge_tcp(p->guard.b->cfg, &seen, age, sibling_won(p), true, &err);
	} else {
		o = cb_judge_abandoned(p->guard.b->cfg, age, sibling_won(p), &err);
	}
	cb_follow_finish(fd, token, o, err);
}

/* A vfork child (CPython's subprocess runs close_range(3, ...) in one)
 * closes only its own references to the parent's sockets: the parent's
 * connects go on, and are the parent's to judge. */
static void settle_closing(int fd, bool checked_vfork)
{
	uint64_t token;
	struct cb_pending p;
	if (!cb_busy && cb_inflight_peek(fd, &token, &p) &&
	    (checked_vfork || !cb_process_in_vfork_child()))
		settle(fd, token, &p);
}

void cb_follow_settle_closing(int fd)
{
	settle_closing(fd, false);
}

bool cb_follow_settle_if_stale(int fd, uint64_t token, const struct cb_pending *p)
{
	if (cb_follow_socket_ino(fd) == p->ino)
		return false;
	settle(fd, token, p);
	return true;
}

void cb_follow_settle_at_exit(void)
{
	uint64_t token;
	struct cb_pending p;
	for (int fd = cb_inflight_next(0, ~0u); fd >= 0;
	     fd = cb_inflight_next((unsigned int)fd + 1, ~0u))
		if (cb_inflight_peek(fd, &token, &p))
			settle(fd, token, &p);
}

void cb_follow_settle_range(unsigned int first, unsigned int last)
{
	int fd = cb_inflight_next(first, last);
	if (fd < 0 || cb_process_in_vfork_child())
		return;
	/* The in-flight table holds descriptors below 16M: fd + 1 cannot wrap. */
	for (; fd >= 0;
	     fd = (unsigned int)fd < last ? cb_inflight_next((unsigned int)fd + 1, last) : -1)
		settle_closing(fd, true);
}

void cb_follow_settle_dup(int oldfd, int newfd)
{
	uint64_t token;
	if (oldfd == newfd || cb_busy || !cb_inflight_peek(newfd, &token, NULL))
		return;
	/* dup2 closes newfd only when oldfd is valid. */
	CB_KEEP_ERRNO;
	if (fcntl(oldfd, F_GETFD) >= 0)
		cb_follow_settle_closing(newfd);
}

/* A child after fork() shares the parent's sockets but not its connects:
 * the parent records their outcomes, once. */
void cb_connect_init(void)
{
	cb_process_on_fork(NULL, NULL, cb_inflight_forget_all);
}

/* Connects still in flight when the process exits are judged now, or
 * never: their sockets close with the process. */
void cb_connect_fini(void)
{
	if (!cb_process_in_vfork_child())
		cb_follow_settle_at_exit();
}
