/* close.c - the calls that make a descriptor stop naming its socket
 * (close, close_range, dup2, dup3): a connect still in flight there is
 * judged from TCP_INFO before the socket goes, and the recorded socket type
 * is forgotten before the number can be reused (dup2/dup3 then copy the old
 * descriptor's). Descriptors never tracked cost a few loads. No dlsym and
 * no malloc here: real.c resolved libc early. */
#include <unistd.h>

#include "common.h"
#include "fdtype.h"
#include "real.h"
#include "shim.h"

CB_EXPORT int close(int fd)
{
	cb_shim_settle_closing(fd);
	cb_fdtype_set(fd, CB_FDTYPE_UNKNOWN);
	return cb_libc_close(fd);
}

CB_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC)) {
		cb_shim_settle_range(first, last);
		cb_fdtype_forget_range(first, last);
	}
	return cb_libc_close_range(first, last, flags);
}

CB_EXPORT int dup2(int oldfd, int newfd)
{
	cb_shim_settle_dup(oldfd, newfd);
	if (oldfd == newfd)
		return cb_libc_dup2(oldfd, newfd);
	cb_fdtype_set(newfd, CB_FDTYPE_UNKNOWN);
	int r = cb_libc_dup2(oldfd, newfd);
	if (r >= 0)
		cb_fdtype_set(newfd, cb_fdtype_get(oldfd));
	return r;
}

CB_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	cb_shim_settle_dup(oldfd, newfd);
	if (oldfd == newfd) /* EINVAL: nothing changes */
		return cb_libc_dup3(oldfd, newfd, flags);
	cb_fdtype_set(newfd, CB_FDTYPE_UNKNOWN);
	int r = cb_libc_dup3(oldfd, newfd, flags);
	if (r >= 0)
		cb_fdtype_set(newfd, cb_fdtype_get(oldfd));
	return r;
}
