/* send.c - the exports through which a connection can begin as well as
 * connect(): shutdown (a program giving up on a pending connect), sendto
 * and sendmsg (TCP Fast Open) (policy: src/connect/send.c). */
#include "base/base.h"
#include "connect/connect.h"

CB_EXPORT int shutdown(int fd, int how)
{
	return cb_connect_shutdown(fd, how);
}

CB_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
                         socklen_t len)
{
	return cb_connect_sendto(fd, buf, n, flags, addr.__sockaddr__, len);
}

CB_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return cb_connect_sendmsg(fd, msg, flags);
}
