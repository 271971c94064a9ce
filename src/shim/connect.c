/* connect.c - the connect() export (policy: src/connect/connect.c). */
#include "connect/connect.h"
#include "base/base.h"

CB_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return cb_connect_connect(fd, addr.__sockaddr__, len);
}
