/* socket.c - the exports that make a socket descriptor (socket, dup) or
 * change what it is (setsockopt) (policy: src/connect/socket.c). */
#include <unistd.h>

#include "base/base.h"
#include "connect/connect.h"

CB_EXPORT int socket(int domain, int type, int protocol)
{
	return cb_connect_socket(domain, type, protocol);
}

CB_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return cb_connect_setsockopt(fd, level, name, val, len);
}

CB_EXPORT int dup(int oldfd)
{
	return cb_connect_dup(oldfd);
}
