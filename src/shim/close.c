/* close.c - the calls that make a descriptor stop naming its socket
 * (close, close_range, dup2, dup3): a connect still in flight there is
 * judged from TCP_INFO before the socket goes. Descriptors never tracked
 * cost one load. No dlsym and no malloc here: real.c resolved libc early. */
#include <unistd.h>

#include "common.h"
#include "real.h"
#include "shim.h"

CB_EXPORT int close(int fd)
{
	cb_shim_settle_closing(fd);
	return cb_libc_close(fd);
}

CB_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		cb_shim_settle_range(first, last);
	return cb_libc_close_range(first, last, flags);
}

CB_EXPORT int dup2(int oldfd, int newfd)
{
	cb_shim_settle_dup(oldfd, newfd);
	return cb_libc_dup2(oldfd, newfd);
}

CB_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	cb_shim_settle_dup(oldfd, newfd);
	return cb_libc_dup3(oldfd, newfd, flags);
}
