/* libc.c - resolves the real libc functions listed in libc.h once, and the
 * cb_libc_<name>() entry points that call them (or a safe fallback while
 * they are not known yet). */
#include "libc/libc.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CB_REAL_POINTER(ret, name, params, args) static ret(*real_##name) params;
CB_REAL_FUNCS(CB_REAL_POINTER)
#undef CB_REAL_POINTER

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Set while this thread is inside dlsym: a hook re-entered from there must
 * not wait on `once`, which this very thread holds. */
static __thread int resolving __attribute__((tls_model("initial-exec")));

static void resolve_all(void)
{
	resolving = 1;
#define CB_REAL_RESOLVE(ret, name, params, args)                                                   \
	__atomic_store_n(&real_##name, (ret(*) params)dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE);
	CB_REAL_FUNCS(CB_REAL_RESOLVE)
#undef CB_REAL_RESOLVE
	resolving = 0;
}

void cb_libc_init(void)
{
	if (!resolving)
		pthread_once(&once, resolve_all);
}

/* Fallbacks: the kernel for the socket calls (same semantics, errno set by
 * syscall()), a temporary failure for the resolver, which callers retry. */
static int fallback_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return (int)syscall(SYS_connect, fd, addr, len);
}

static int fallback_socket(int domain, int type, int protocol)
{
	return (int)syscall(SYS_socket, domain, type, protocol);
}

static int fallback_dup(int oldfd)
{
	return (int)syscall(SYS_dup, oldfd);
}

static int fallback_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static int fallback_close_range(unsigned int first, unsigned int last, int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static int fallback_dup2(int oldfd, int newfd)
{
#ifdef SYS_dup2
	return (int)syscall(SYS_dup2, oldfd, newfd);
#else
	/* dup3 refuses equal descriptors; dup2 checks oldfd and returns it. */
	if (oldfd == newfd)
		return syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
	return (int)syscall(SYS_dup3, oldfd, newfd, 0);
#endif
}

static int fallback_dup3(int oldfd, int newfd, int flags)
{
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

static int fallback_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return (int)syscall(SYS_getsockopt, fd, level, name, val, len);
}

static int fallback_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return (int)syscall(SYS_setsockopt, fd, level, name, val, len);
}

static int fallback_shutdown(int fd, int how)
{
	return (int)syscall(SYS_shutdown, fd, how);
}

static ssize_t fallback_sendto(int fd, const void *buf, size_t n, int flags,
                               const struct sockaddr *addr, socklen_t len)
{
	return syscall(SYS_sendto, fd, buf, n, flags, addr, len);
}

static ssize_t fallback_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return syscall(SYS_sendmsg, fd, msg, flags);
}

static int fallback_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                                struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	if (res)
		*res = NULL;
	return EAI_AGAIN;
}

static struct hostent *fallback_gethostbyname(const char *name)
{
	(void)name;
	h_errno = TRY_AGAIN;
	return NULL;
}

static struct hostent *fallback_gethostbyname2(const char *name, int af)
{
	(void)af;
	return fallback_gethostbyname(name);
}

static int fallback_gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                                    struct hostent **result, int *h_errnop)
{
	(void)name;
	(void)ret;
	(void)buf;
	(void)buflen;
	if (result)
		*result = NULL;
	if (h_errnop)
		*h_errnop = TRY_AGAIN;
	return EAGAIN;
}

static int fallback_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                                     size_t buflen, struct hostent **result, int *h_errnop)
{
	(void)af;
	return fallback_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
}

static void *fallback_dlopen(const char *file, int flags)
{
	(void)file;
	(void)flags;
	return NULL;
}

/* The slow half (before resolution) is out of line, so that the wrapper
 * itself needs no stack frame: a load, a test and a tail jump. */
#define CB_REAL_WRAPPER(ret, name, params, args)                                                   \
	static __attribute__((noinline, cold)) ret unresolved_##name params                        \
	{                                                                                          \
		cb_libc_init();                                                                    \
		ret(*fn) params = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);                 \
		return fn ? fn args : fallback_##name args;                                        \
	}                                                                                          \
	ret cb_libc_##name params                                                                  \
	{                                                                                          \
		ret(*fn) params = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);                 \
		if (__builtin_expect(fn == NULL, 0))                                               \
			return unresolved_##name args;                                             \
		return fn args;                                                                    \
	}
CB_REAL_FUNCS(CB_REAL_WRAPPER)
#undef CB_REAL_WRAPPER

#define CB_REAL_POINTER_GETTER(ret, name, params, args)                                            \
	ret(*cb_real_##name(void)) params                                                          \
	{                                                                                          \
		ret(*fn) params = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);                 \
		if (__builtin_expect(fn == NULL, 0)) {                                             \
			cb_libc_init();                                                            \
			fn = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);                      \
		}                                                                                  \
		return fn;                                                                         \
	}
CB_REAL_FUNCS(CB_REAL_POINTER_GETTER)
#undef CB_REAL_POINTER_GETTER
