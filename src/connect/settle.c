/* settle.c - following a protected connect to its outcome once the
 * connect() call has returned: recording it, and judging a socket that is
 * going away (close, dup2 over it, close_range, exit). See follow.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "connect/attempt.h"
#include "connect/connect.h"
#include "connect/follow.h"
#include "connect/held.h"
#include "connect/record.h"
#include "core/core.h"
#include "libc/libc.h"

void cb_follow_record(struct cb_pending *p, int outcome, int failure_err)
{
	if (p->kind == CB_PENDING_CONNECT &&
	    !cb_breaker_due_release(p->guard.b->slot, p->due, p->due_word)) {
		/* Past its deadline, another process (or a connect of this one)
		 * counted it as a timeout already. */
		cb_attempt_resolve(p, CB_OUTCOME_FAILURE);
		cb_guard_end_uncounted(&p->guard);
		return;
	}
	cb_attempt_resolve(p, outcome);
	/* An endpoint's refusal is its own, however the walk ends (README
	 * "Endpoint scope"). */
	if (outcome == CB_OUTCOME_FAILURE && !p->guard.b->parent &&
	    cb_attempt_holdable(failure_err) && cb_attempt_hold(p, failure_err))
		return;
	cb_record_now(p, outcome, failure_err);
}

void cb_follow_finish(int fd, uint64_t token, int outcome, int failure_err)
{
	struct cb_pending p;
	if (!cb_inflight_take(fd, token, &p))
		return;
	if (outcome != CB_OUTCOME_SUCCESS) /* not connected: no place to keep */
		cb_held_drop(fd);
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

/* Is the socket on fd the one p was recorded for? A record without an
 * inode (its connect left by siglongjmp: connect.c, track) is taken to be. */
static bool same_socket(int fd, const struct cb_pending *p)
{
	return p->ino == 0 || cb_follow_socket_ino(fd) == p->ino;
}

static bool sibling_won(const struct cb_pending *p)
{
	/* Happy eyeballs closes the loser once a sibling has connected. */
	return atomic_load_explicit(&p->guard.b->slot->last_success_ms, memory_order_relaxed) >
	       p->start_ms;
}

/* Judges a record whose socket is going away (or is gone). A rejected or
 * already judged connect's record is only dropped. */
static void settle(int fd, uint64_t token, const struct cb_pending *p)
{
	CB_INSIDE(inside);
	if (p->kind != CB_PENDING_CONNECT) {
		cb_inflight_take(fd, token, NULL);
		return;
	}
	int err, o;
	int64_t age = cb_now_ms() - p->start_ms;
	if (same_socket(fd, p)) {
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

/* shutdown() leaves the descriptor, so a rejected socket keeps its record
 * (the kernel's refused socket, shut down, still answers SO_ERROR once). */
void cb_follow_settle_shutdown(int fd)
{
	uint64_t token;
	struct cb_pending p;
	if (!cb_busy && cb_inflight_peek(fd, &token, &p) && p.kind == CB_PENDING_CONNECT &&
	    !cb_process_in_vfork_child())
		settle(fd, token, &p);
}

bool cb_follow_settle_if_stale(int fd, uint64_t token, const struct cb_pending *p)
{
	if (same_socket(fd, p))
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

/* A connect still pending past connect_timeout is a timeout failure by
 * then, whether or not the program ever looks (redis-cli and telnet wait
 * on a hanging port until killed): judged from TCP_INFO now, and its
 * record stays, marked judged, for the program's later close. */
static void judge_overdue(int fd, uint64_t token, const struct cb_pending *p, int64_t now)
{
	const struct cb_breaker_config *c = p->guard.b->cfg;
	if (p->kind != CB_PENDING_CONNECT || c->connect_timeout_ms == 0 ||
	    now - p->start_ms < (int64_t)c->connect_timeout_ms ||
	    cb_follow_settle_if_stale(fd, token, p))
		return;
	struct cb_tcp_seen seen;
	cb_follow_tcp_state(fd, &seen);
	int err;
	int o = cb_judge_tcp(c, &seen, now - p->start_ms, false, false, &err);
	struct cb_pending taken;
	if (o == CB_JUDGE_PENDING || !cb_inflight_take(fd, token, &taken))
		return;
	struct cb_pending judged = taken;
	judged.kind = CB_PENDING_JUDGED;
	judged.link = 0;
	uint64_t ignored;
	cb_inflight_put(fd, &judged, &ignored);
	cb_follow_record(&taken, o, err);
}

/* The once-a-second turn: this process's connects past their deadline,
 * refusals held for an attempt that never went on, the deadlines other
 * processes left in the slots (blocked for good, or killed), and the
 * connections of processes that died (README "Connection limits"). */
static void tick(const struct cb_runtime *rt, int64_t coarse_ms)
{
	(void)coarse_ms;
	CB_INSIDE(inside);
	int64_t now = cb_now_ms();
	uint64_t token;
	struct cb_pending p;
	for (int fd = cb_inflight_next(0, ~0u); fd >= 0;
	     fd = cb_inflight_next((unsigned int)fd + 1, ~0u))
		if (cb_inflight_peek(fd, &token, &p))
			judge_overdue(fd, token, &p, now);
	cb_attempt_commit_expired(now);
	for (uint32_t i = 0; rt && i < rt->n; i++) {
		cb_guard_reap(&rt->breakers[i]);
		cb_guard_conn_reclaim(&rt->breakers[i]);
	}
}

static void forget_in_child(void)
{
	cb_inflight_forget_all();
	cb_attempt_forget_all();
	cb_held_forget_all();
}

/* A child after fork() shares the parent's sockets but not its connects:
 * the parent records their outcomes, once; refusals it held for a walk
 * that has not gone on are committed before the fork. */
void cb_connect_init(void)
{
	cb_process_on_fork(cb_attempt_commit_waiting, NULL, forget_in_child);
	cb_runtime_on_tick(tick);
}

/* Connects still in flight when the process exits are judged now, or
 * never: their sockets close with the process. Then the refusals still
 * held: the attempt ended with the process; and its connections close. */
void cb_connect_fini(void)
{
	if (cb_process_in_vfork_child())
		return;
	CB_INSIDE(inside);
	cb_follow_settle_at_exit();
	cb_attempt_commit_all();
	cb_held_give_all();
}
