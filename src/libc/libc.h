/* libc.h - the one place that knows the real libc functions the shim
 * interposes. Each is declared once in CB_REAL_FUNCS and reached through
 * cb_libc_<name>(), which resolves every entry with dlsym(RTLD_NEXT, ...)
 * once (pthread_once) and then costs one load and an indirect call.
 *
 * Until resolution has finished, or when dlsym re-enters a hook on the
 * resolving thread (dlsym may call calloc, and a malloc replacement may call
 * connect or close), the socket calls fall back to the raw system call and
 * the resolver calls fail softly, so nothing recurses and nothing deadlocks.
 * Code that must not be seen by the hooks (the control server, the tool)
 * calls these too. */
#ifndef CB_REAL_H
#define CB_REAL_H

#include <netdb.h>
#include <stddef.h>
#include <sys/socket.h>

/* X(return type, name, parameters, arguments) */
#define CB_REAL_FUNCS(X)                                                                           \
	X(int, connect, (int fd, const struct sockaddr *addr, socklen_t len), (fd, addr, len))     \
	X(int, socket, (int domain, int type, int protocol), (domain, type, protocol))             \
	X(int, close, (int fd), (fd))                                                              \
	X(int, dup, (int oldfd), (oldfd))                                                          \
	X(int, close_range, (unsigned int first, unsigned int last, int flags),                    \
	  (first, last, flags))                                                                    \
	X(int, dup2, (int oldfd, int newfd), (oldfd, newfd))                                       \
	X(int, dup3, (int oldfd, int newfd, int flags), (oldfd, newfd, flags))                     \
	X(int, getsockopt, (int fd, int level, int name, void *val, socklen_t *len),               \
	  (fd, level, name, val, len))                                                             \
	X(int, setsockopt, (int fd, int level, int name, const void *val, socklen_t len),          \
	  (fd, level, name, val, len))                                                             \
	X(int, shutdown, (int fd, int how), (fd, how))                                             \
	X(ssize_t, sendto,                                                                         \
	  (int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,              \
	   socklen_t len),                                                                         \
	  (fd, buf, n, flags, addr, len))                                                          \
	X(ssize_t, sendmsg, (int fd, const struct msghdr *msg, int flags), (fd, msg, flags))       \
	X(int, getaddrinfo,                                                                        \
	  (const char *node, const char *service, const struct addrinfo *hints,                    \
	   struct addrinfo **res),                                                                 \
	  (node, service, hints, res))                                                             \
	X(struct hostent *, gethostbyname, (const char *name), (name))                             \
	X(struct hostent *, gethostbyname2, (const char *name, int af), (name, af))                \
	X(int, gethostbyname_r,                                                                    \
	  (const char *name, struct hostent *ret, char *buf, size_t buflen,                        \
	   struct hostent **result, int *h_errnop),                                                \
	  (name, ret, buf, buflen, result, h_errnop))                                              \
	X(int, gethostbyname2_r,                                                                   \
	  (const char *name, int af, struct hostent *ret, char *buf, size_t buflen,                \
	   struct hostent **result, int *h_errnop),                                                \
	  (name, af, ret, buf, buflen, result, h_errnop))                                          \
	X(void *, dlopen, (const char *file, int flags), (file, flags))

#define CB_REAL_DECLARE(ret, name, params, args) ret cb_libc_##name params;
CB_REAL_FUNCS(CB_REAL_DECLARE)
#undef CB_REAL_DECLARE

/* cb_real_<name>(): the real function itself, or NULL when it cannot be
 * found. For callers that must tail-call it, so that the callee sees the
 * program's return address (dlopen searches the caller's RUNPATH). */
#define CB_REAL_DECLARE_POINTER(ret, name, params, args) ret(*cb_real_##name(void)) params;
CB_REAL_FUNCS(CB_REAL_DECLARE_POINTER)
#undef CB_REAL_DECLARE_POINTER

/* Resolves every function now (the constructor calls it, so that close()
 * never has to). Safe from any thread; a no-op once done. */
void cb_libc_init(void);

#endif
