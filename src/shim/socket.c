/* socket.c - the exports that make a socket descriptor: socket, dup
 * (policy: src/connect/socket.c). */
#include <unistd.h>

#include "base/base.h"
#include "connect/connect.h"

CB_EXPORT int socket(int domain, int type, int protocol)
{
	return cb_connect_socket(domain, type, protocol);
}

CB_EXPORT int dup(int oldfd)
{
	return cb_connect_dup(oldfd);
}
