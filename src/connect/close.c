/* close.c - the policy of the calls that make a descriptor stop naming its
 * socket (close, close_range, dup2, dup3): a connect still in flight there
 * is judged from TCP_INFO before the socket goes, and the recorded socket
 * type is forgotten before the number can be reused (dup2/dup3 then copy
 * the old descriptor's). Descriptors never tracked cost a few loads. A
 * vfork child judges nothing and records no type: the tables are its
 * parent's (it may forget types: that is always safe). No dlsym
 * and no malloc here: libc.c resolved libc early. */
#include <unistd.h>

#include "base/base.h"
#include "connect/connect.h"
#include "connect/follow.h"
#include "connect/held.h"
#include "connect/socktype.h"
#include "libc/libc.h"

/* Forgetting is safe even in a vfork child, whose writes land in its
 * parent's table: the parent's connect() then asks the kernel (one
 * getsockopt) instead of trusting the table. So no getpid() here, on every
 * close of a socket. */
static void forget_type(int fd)
{
	if (cb_socktype_get(fd) != CB_SOCKTYPE_UNKNOWN)
		cb_socktype_set(fd, CB_SOCKTYPE_UNKNOWN);
}

/* Recording is not (a wrong type in the parent's table): getpid() is asked
 * only when a write would change something. */
static void copy_type(int oldfd, int newfd)
{
	enum cb_socktype t = cb_socktype_get(oldfd);
	if (t != CB_SOCKTYPE_UNKNOWN && !cb_process_in_vfork_child())
		cb_socktype_set(newfd, t);
}

/* The place among max_connections goes before the number can be reused
 * by another thread's new connection. */
int cb_connect_close(int fd)
{
	cb_follow_settle_closing(fd);
	forget_type(fd);
	cb_held_drop(fd);
	return cb_libc_close(fd);
}

int cb_connect_close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC)) {
		cb_follow_settle_range(first, last);
		cb_socktype_forget_range(first, last);
		cb_held_drop_range(first, last);
	}
	return cb_libc_close_range(first, last, flags);
}

int cb_connect_dup2(int oldfd, int newfd)
{
	cb_follow_settle_dup(oldfd, newfd);
	if (oldfd == newfd)
		return cb_libc_dup2(oldfd, newfd);
	forget_type(newfd);
	int r = cb_libc_dup2(oldfd, newfd);
	if (r >= 0) {
		copy_type(oldfd, newfd);
		cb_held_copy(oldfd, newfd);
	}
	return r;
}

int cb_connect_dup3(int oldfd, int newfd, int flags)
{
	cb_follow_settle_dup(oldfd, newfd);
	if (oldfd == newfd) /* EINVAL: nothing changes */
		return cb_libc_dup3(oldfd, newfd, flags);
	forget_type(newfd);
	int r = cb_libc_dup3(oldfd, newfd, flags);
	if (r >= 0) {
		copy_type(oldfd, newfd);
		cb_held_copy(oldfd, newfd);
	}
	return r;
}
