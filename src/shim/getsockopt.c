/* getsockopt.c - the getsockopt() hook: the program's own SO_ERROR read is
 * how most programs (curl, nginx, node, CPython) learn a non-blocking
 * connect's result, so the shim watches the value it returns and never
 * reads SO_ERROR itself, which would clear it. */
#include <errno.h>

#include "common.h"
#include "real.h"
#include "shim.h"

int cb_shim_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int r = cb_libc_getsockopt(fd, level, name, val, len);
	uint64_t token;
	struct cb_pending p;
	if (r != 0 || level != SOL_SOCKET || name != SO_ERROR || cb_shim_busy || !val || !len ||
	    *len < (socklen_t)sizeof(int) || !cb_fdtrack_peek(fd, &token, &p) ||
	    cb_shim_settle_if_stale(fd, token, &p))
		return r;
	int saved = errno;
	cb_shim_busy = 1;
	int so_error = *(int *)val;
	int ferr;
	struct cb_tcp_seen seen = {0};
	if (so_error == 0) /* 0 also means "not finished yet" */
		cb_shim_tcp_state(fd, &seen);
	int o = cb_fdtrack_judge_so_error(p.guard.b->cfg, so_error, &seen, cb_now_ms() - p.start_ms,
	                                  &ferr);
	if (o != CB_FDTRACK_PENDING)
		cb_shim_finish(fd, token, o, ferr);
	cb_shim_busy = 0;
	errno = saved;
	return r;
}

CB_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return cb_shim_getsockopt(fd, level, name, val, len);
}
