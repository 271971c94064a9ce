/* socket.c - the policy of the calls that make a new descriptor for a
 * socket (socket, dup): its type is recorded so that connect() can tell a
 * stream from a datagram socket without a system call. dup2 and dup3 are in
 * close.c, with the other calls that end a descriptor's old life. A vfork
 * child records nothing: the table is its parent's. */
#include <unistd.h>

#include "base/base.h"
#include "connect/connect.h"
#include "connect/held.h"
#include "connect/socktype.h"
#include "libc/libc.h"

int cb_connect_socket(int domain, int type, int protocol)
{
	int fd = cb_libc_socket(domain, type, protocol);
	if (fd >= 0 && !cb_process_in_vfork_child())
		cb_socktype_set(fd, cb_socktype_of_socket(type));
	return fd;
}

int cb_connect_dup(int oldfd)
{
	int fd = cb_libc_dup(oldfd);
	enum cb_socktype t = cb_socktype_get(oldfd);
	if (fd >= 0 && cb_socktype_get(fd) != t && !cb_process_in_vfork_child())
		cb_socktype_set(fd, t);
	if (fd >= 0)
		cb_held_copy(oldfd, fd);
	return fd;
}
