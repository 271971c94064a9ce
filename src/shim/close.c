/* close.c - the exports that end a descriptor's life as it was: close,
 * close_range, dup2, dup3 (policy: src/connect/close.c). */
#include <unistd.h>

#include "base/base.h"
#include "connect/connect.h"

CB_EXPORT int close(int fd)
{
	return cb_connect_close(fd);
}

CB_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	return cb_connect_close_range(first, last, flags);
}

CB_EXPORT int dup2(int oldfd, int newfd)
{
	return cb_connect_dup2(oldfd, newfd);
}

CB_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return cb_connect_dup3(oldfd, newfd, flags);
}
