/* fake_libc.c - the scriptable libc of fake_libc.h: fake sockets answer
 * from struct fake_sock, the monotonic clocks read fake.now_ms, and
 * anything else goes to the real function (found with dlsym(RTLD_NEXT),
 * which from the executable means libc). */
#include "fake_libc.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "libc/libc.h"

struct fake_libc fake = {.now_ms = 1000000, .next_ino = 5000};

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static struct fake_sock *lookup(int fd)
{
	return fd >= FAKE_FD_BASE && fd < FAKE_FD_BASE + FAKE_FDS ? &fake.sock[fd - FAKE_FD_BASE]
	                                                          : NULL;
}

/* The fake socket on fd, or NULL with errno EBADF. */
static struct fake_sock *open_sock(int fd)
{
	struct fake_sock *s = lookup(fd);
	if (s && s->open)
		return s;
	errno = EBADF;
	return NULL;
}

struct fake_sock *fake_sock(int fd)
{
	return lookup(fd);
}

/* A new socket: a stream one, blocking, nothing scripted yet. */
static void fresh(struct fake_sock *s)
{
	*s = (struct fake_sock){.open = true, .type = SOCK_STREAM, .ino = fake.next_ino++};
}

void fake_reuse_behind_our_back(int fd)
{
	fresh(lookup(fd));
}

void fake_reset(void)
{
	memset(fake.sock, 0, sizeof(fake.sock));
	fake.pid = 0;
}

/* -- The X-macro's functions (libc/libc.h) ------------------------------ */

int cb_libc_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)len;
	fake.connects++;
	fake.last_connect_family = addr->sa_family;
	struct fake_sock *s = open_sock(fd);
	if (!s)
		return -1;
	if (addr->sa_family == AF_UNSPEC) /* aborts the attempt */
		return 0;
	if (s->connect_err == 0)
		return 0;
	errno = s->connect_err;
	return -1;
}

/* The lowest free fake descriptor, as the kernel gives the lowest free one. */
int cb_libc_socket(int domain, int type, int protocol)
{
	(void)domain;
	(void)protocol;
	for (int i = 0; i < FAKE_FDS; i++) {
		if (!fake.sock[i].open) {
			fresh(&fake.sock[i]);
			fake.sock[i].type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
			fake.sock[i].flags = type & SOCK_NONBLOCK ? O_NONBLOCK : 0;
			return FAKE_FD_BASE + i;
		}
	}
	errno = EMFILE;
	return -1;
}

int cb_libc_close(int fd)
{
	struct fake_sock *s = open_sock(fd);
	if (!s)
		return -1;
	s->open = false;
	return 0;
}

int cb_libc_close_range(unsigned int first, unsigned int last, int flags)
{
	if (flags & CLOSE_RANGE_CLOEXEC)
		return 0;
	for (unsigned int fd = first; fd <= last && fd < FAKE_FD_BASE + FAKE_FDS; fd++)
		if (lookup((int)fd))
			lookup((int)fd)->open = false;
	return 0;
}

/* newfd then names oldfd's socket (same inode). */
int cb_libc_dup2(int oldfd, int newfd)
{
	struct fake_sock *from = open_sock(oldfd), *to = lookup(newfd);
	if (!from)
		return -1;
	if (!to) {
		errno = EBADF;
		return -1;
	}
	*to = *from;
	return newfd;
}

int cb_libc_dup3(int oldfd, int newfd, int flags)
{
	(void)flags;
	if (oldfd == newfd) {
		errno = EINVAL;
		return -1;
	}
	return cb_libc_dup2(oldfd, newfd);
}

int cb_libc_dup(int oldfd)
{
	struct fake_sock *from = open_sock(oldfd);
	if (!from)
		return -1;
	int fd = cb_libc_socket(AF_INET, from->type, 0);
	if (fd >= 0)
		*lookup(fd) = *from;
	return fd;
}

static void tcp_info(const struct fake_sock *s, void *val, socklen_t *len)
{
	struct tcp_info ti;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = (uint8_t)s->tcp_state;
	ti.tcpi_total_retrans = s->retransmits ? 2 : 0;
	ti.tcpi_bytes_acked = s->acked ? 1 : 0;
	if (*len > sizeof(ti))
		*len = sizeof(ti);
	memcpy(val, &ti, *len);
}

int cb_libc_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct fake_sock *s = open_sock(fd);
	if (!s)
		return -1;
	if (level == SOL_SOCKET && name == SO_ERROR) {
		*(int *)val = s->so_error;
		s->so_error = 0;
	} else if (level == SOL_SOCKET && name == SO_TYPE) {
		*(int *)val = s->type;
	} else if (level == SOL_SOCKET && name == SO_SNDTIMEO) {
		*(struct timeval *)val =
		        (struct timeval){s->sndtimeo_ms / 1000, s->sndtimeo_ms % 1000 * 1000};
	} else if (level == IPPROTO_TCP && name == TCP_INFO && s->tcp_state) {
		tcp_info(s, val, len);
	} else {
		errno = EOPNOTSUPP;
		return -1;
	}
	return 0;
}

/* Options of a fake socket are taken and forgotten. */
int cb_libc_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (!lookup(fd))
		return REAL(setsockopt)(fd, level, name, val, len);
	return open_sock(fd) ? 0 : -1;
}

/* shutdown of an unconnected fake socket says ENOTCONN, as the kernel's. */
int cb_libc_shutdown(int fd, int how)
{
	if (!lookup(fd))
		return REAL(shutdown)(fd, how);
	struct fake_sock *s = open_sock(fd);
	if (!s)
		return -1;
	if (s->tcp_state == FAKE_TCP_CLOSE || s->tcp_state == 0) {
		errno = ENOTCONN;
		return -1;
	}
	return 0;
}

/* A Fast Open send opens like connect() (its scripted answer); the data
 * counts as sent. */
ssize_t cb_libc_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                       socklen_t len)
{
	if (!lookup(fd))
		return REAL(sendto)(fd, buf, n, flags, addr, len);
	return cb_libc_connect(fd, addr, len) == 0 ? (ssize_t)n : -1;
}

ssize_t cb_libc_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!lookup(fd))
		return REAL(sendmsg)(fd, msg, flags);
	return cb_libc_connect(fd, msg->msg_name, msg->msg_namelen) == 0 ? 1 : -1;
}

/* The resolver and dlopen are not the connect policy's: they fail softly. */
int cb_libc_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                        struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	return EAI_FAIL;
}

struct hostent *cb_libc_gethostbyname(const char *name)
{
	(void)name;
	return NULL;
}

struct hostent *cb_libc_gethostbyname2(const char *name, int af)
{
	(void)name;
	(void)af;
	return NULL;
}

int cb_libc_gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                            struct hostent **result, int *h_errnop)
{
	(void)name;
	(void)ret;
	(void)buf;
	(void)buflen;
	*result = NULL;
	*h_errnop = HOST_NOT_FOUND;
	return ENOENT;
}

int cb_libc_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                             size_t buflen, struct hostent **result, int *h_errnop)
{
	(void)af;
	return cb_libc_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
}

void *cb_libc_dlopen(const char *file, int flags)
{
	(void)file;
	(void)flags;
	return NULL;
}

void cb_libc_init(void)
{
}

#define FAKE_REAL_POINTER(ret, name, params, args)                                                 \
	ret(*cb_real_##name(void)) params                                                          \
	{                                                                                          \
		return cb_libc_##name;                                                             \
	}
CB_REAL_FUNCS(FAKE_REAL_POINTER)
#undef FAKE_REAL_POINTER

/* -- libc functions the policy calls directly --------------------------- */

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (clock != CLOCK_MONOTONIC && clock != CLOCK_MONOTONIC_COARSE)
		return REAL(clock_gettime)(clock, ts);
	ts->tv_sec = fake.now_ms / 1000;
	ts->tv_nsec = fake.now_ms % 1000 * 1000000;
	return 0;
}

pid_t getpid(void)
{
	return fake.pid ? fake.pid : REAL(getpid)();
}

/* The policy passes an int argument, or none. */
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	int arg = cmd == F_SETFL ? va_arg(ap, int) : 0;
	va_end(ap);
	if (!lookup(fd))
		return REAL(fcntl)(fd, cmd, arg);
	struct fake_sock *s = open_sock(fd);
	if (!s)
		return -1;
	if (cmd == F_GETFL)
		return s->flags;
	if (cmd == F_SETFL)
		s->flags = arg;
	return 0;
}

/* One fake descriptor at a time, as the policy polls. A wait that nothing
 * ends takes its whole timeout on the driven clock. glibc declares fds
 * write-only (access attribute), so reading fds[0].fd would warn. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct fake_sock *s = n == 1 ? lookup(fds[0].fd) : NULL;
	if (!s)
		return REAL(poll)(fds, n, timeout);
	if (s->poll_errno) {
		errno = s->poll_errno;
		return -1;
	}
	fds[0].revents = (short)s->poll_revents;
	if (s->poll_revents)
		return 1;
	if (timeout > 0)
		fake.now_ms += timeout;
	return 0;
}
#pragma GCC diagnostic pop

int fstat(int fd, struct stat *st)
{
	if (!lookup(fd))
		return REAL(fstat)(fd, st);
	struct fake_sock *s = open_sock(fd);
	if (!s)
		return -1;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFSOCK | 0777;
	st->st_ino = (ino_t)s->ino;
	return 0;
}

const struct cb_runtime *fake_runtime(const char *config_text, char *path)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	size_t len = strlen(config_text);
	ssize_t n = write(fd, config_text, len);
	close(fd);
	if (n != (ssize_t)len)
		return NULL;
	setenv("CBREAKER_CONFIG", path, 1);
	return cb_runtime_get();
}

const struct cb_breaker_rt *fake_breaker(const struct cb_runtime *rt, const char *name)
{
	for (uint32_t i = 0; rt && i < rt->n; i++)
		if (strcmp(rt->breakers[i].cfg->name, name) == 0)
			return &rt->breakers[i];
	return NULL;
}
