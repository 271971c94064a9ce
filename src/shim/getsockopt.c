/* getsockopt.c - the getsockopt() export (policy: src/connect/getsockopt.c). */
#include "base/base.h"
#include "connect/connect.h"

CB_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return cb_connect_getsockopt(fd, level, name, val, len);
}
