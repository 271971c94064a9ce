/* close.c - the calls that make a descriptor stop naming its socket
 * (close, close_range, dup2, dup3): a connect still in flight there is
 * judged from TCP_INFO before the socket goes, and the recorded socket type
 * is forgotten before the number can be reused (dup2/dup3 then copy the old
 * descriptor's). Descriptors never tracked cost a few loads. A vfork child
 * changes none of this: the tables are its parent's. No dlsym and
 * no malloc here: real.c resolved libc early. */
#include <unistd.h>

#include "common.h"
#include "fdtype.h"
#include "real.h"
#include "shim.h"

/* The recorded types live in memory a vfork child shares with its parent,
 * whose descriptors they describe: the child leaves them alone. getpid()
 * is asked only when a write would change something. */
static void forget_type(int fd)
{
	if (cb_fdtype_get(fd) != CB_FDTYPE_UNKNOWN && !cb_runtime_in_vfork_child())
		cb_fdtype_set(fd, CB_FDTYPE_UNKNOWN);
}

static void copy_type(int oldfd, int newfd)
{
	enum cb_fdtype t = cb_fdtype_get(oldfd);
	if (t != CB_FDTYPE_UNKNOWN && !cb_runtime_in_vfork_child())
		cb_fdtype_set(newfd, t);
}

CB_EXPORT int close(int fd)
{
	cb_shim_settle_closing(fd);
	forget_type(fd);
	return cb_libc_close(fd);
}

CB_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC)) {
		cb_shim_settle_range(first, last);
		if (!cb_runtime_in_vfork_child())
			cb_fdtype_forget_range(first, last);
	}
	return cb_libc_close_range(first, last, flags);
}

CB_EXPORT int dup2(int oldfd, int newfd)
{
	cb_shim_settle_dup(oldfd, newfd);
	if (oldfd == newfd)
		return cb_libc_dup2(oldfd, newfd);
	forget_type(newfd);
	int r = cb_libc_dup2(oldfd, newfd);
	if (r >= 0)
		copy_type(oldfd, newfd);
	return r;
}

CB_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	cb_shim_settle_dup(oldfd, newfd);
	if (oldfd == newfd) /* EINVAL: nothing changes */
		return cb_libc_dup3(oldfd, newfd, flags);
	forget_type(newfd);
	int r = cb_libc_dup3(oldfd, newfd, flags);
	if (r >= 0)
		copy_type(oldfd, newfd);
	return r;
}
