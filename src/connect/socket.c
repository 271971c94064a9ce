/* socket.c - the policy of the calls that make a new descriptor for a
 * socket (socket, dup), and of setsockopt: its type is recorded so that connect() can tell a
 * stream from a datagram socket without a system call. dup2 and dup3 are in
 * close.c, with the other calls that end a descriptor's old life. A vfork
 * child records nothing: the table is its parent's. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
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

/* TCP_FASTOPEN_CONNECT lets a connect() return 0 before the handshake:
 * such a socket's connect is asked TCP_INFO (connect.c), others not. */
int cb_connect_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int r = cb_libc_setsockopt(fd, level, name, val, len);
	if (r == 0 && level == IPPROTO_TCP && name == TCP_FASTOPEN_CONNECT && val &&
	    len >= (socklen_t)sizeof(int) && !cb_process_in_vfork_child()) {
		CB_KEEP_ERRNO;
		int on;
		memcpy(&on, val, sizeof(on));
		cb_socktype_set(fd, on ? CB_SOCKTYPE_STREAM_DEFERRED : CB_SOCKTYPE_STREAM);
	}
	return r;
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
