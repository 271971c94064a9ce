/* getsockopt.c - the getsockopt() policy: the program's own SO_ERROR read
 * is how most programs (curl, nginx, node, CPython) learn a non-blocking
 * connect's result, so the shim watches the value it returns and never
 * reads SO_ERROR itself, which would clear it. */
#include "base/base.h"
#include "connect/connect.h"
#include "connect/follow.h"
#include "libc/libc.h"

/* A socket rejected as refused: the first read says the rejection's
 * errno, later ones 0, as the kernel's refused socket does. The record
 * stays for a repeated connect(), which the kernel then answers
 * ECONNABORTED. */
static void answer_rejected(int fd, uint64_t token, const struct cb_pending *p, int *val)
{
	struct cb_pending read = *p;
	if (p->err_read || *val != 0 || !cb_inflight_take(fd, token, NULL))
		return;
	read.err_read = true;
	uint64_t ignored;
	cb_inflight_put(fd, &read, &ignored);
	*val = p->fake_err;
}

/* *val is what the program's read of fd returned. */
static void judge_so_error(int fd, int *val)
{
	CB_INSIDE(inside);
	uint64_t token;
	struct cb_pending p;
	int so_error = *val;
	if (!cb_inflight_peek(fd, &token, &p) || cb_follow_settle_if_stale(fd, token, &p))
		return;
	if (p.kind == CB_PENDING_REJECTED)
		answer_rejected(fd, token, &p, val);
	if (p.kind != CB_PENDING_CONNECT)
		return;
	int ferr;
	struct cb_tcp_seen seen = {0};
	if (so_error == 0) /* 0 also means "not finished yet" */
		cb_follow_tcp_state(fd, &seen);
	int o = cb_judge_so_error(p.guard.b->cfg, so_error, &seen, cb_now_ms() - p.start_ms, &ferr);
	if (o != CB_JUDGE_PENDING)
		cb_follow_finish(fd, token, o, ferr);
}

int cb_connect_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int r = cb_libc_getsockopt(fd, level, name, val, len);
	uint64_t token;
	if (r == 0 && level == SOL_SOCKET && name == SO_ERROR && !cb_busy && val && len &&
	    *len >= (socklen_t)sizeof(int) && cb_inflight_peek(fd, &token, NULL))
		judge_so_error(fd, (int *)val);
	return r;
}
