/* socket.c - the calls that make a new descriptor for a socket (socket,
 * dup): its type is recorded in fdtype so that connect() can tell a stream
 * from a datagram socket without a system call. dup2 and dup3 are in
 * close.c, with the other calls that end a descriptor's old life. */
#include <unistd.h>

#include "common.h"
#include "fdtype.h"
#include "real.h"
#include "shim.h"

CB_EXPORT int socket(int domain, int type, int protocol)
{
	int fd = cb_libc_socket(domain, type, protocol);
	if (fd >= 0 && !cb_runtime_in_vfork_child()) /* close.c: the parent's table */
		cb_fdtype_set(fd, cb_fdtype_of_socket(type));
	return fd;
}

CB_EXPORT int dup(int oldfd)
{
	int fd = cb_libc_dup(oldfd);
	enum cb_fdtype t = cb_fdtype_get(oldfd);
	if (fd >= 0 && cb_fdtype_get(fd) != t && !cb_runtime_in_vfork_child())
		cb_fdtype_set(fd, t);
	return fd;
}
