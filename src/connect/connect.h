/* connect.h - the connect policy behind the shim's socket exports: each
 * cb_connect_<call>() does what the exported <call> does (asks the breaker,
 * follows a connect in flight to its outcome, settles it when the socket
 * goes away, keeps the socket-type table) and calls the real function
 * itself. Linked into the core library, so unit tests drive it with a fake
 * libc (libc/libc.h) and a driven clock. */
#ifndef CB_CONNECT_H
#define CB_CONNECT_H

#include <netdb.h>
#include <sys/socket.h>

int cb_connect_connect(int fd, const struct sockaddr *addr, socklen_t len);
int cb_connect_getsockopt(int fd, int level, int name, void *val, socklen_t *len);

/* shutdown() of a socket whose connect is pending is the program giving up
 * on it (Java, socat): judged as a close would be. sendto()/sendmsg() with
 * MSG_FASTOPEN connect like connect() and are judged so; all other sends
 * pass straight through after one flags test. */
int cb_connect_shutdown(int fd, int how);
ssize_t cb_connect_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                          socklen_t len);
ssize_t cb_connect_sendmsg(int fd, const struct msghdr *msg, int flags);

int cb_connect_socket(int domain, int type, int protocol);
int cb_connect_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int cb_connect_dup(int oldfd);
int cb_connect_close(int fd);
int cb_connect_close_range(unsigned int first, unsigned int last, int flags);
int cb_connect_dup2(int oldfd, int newfd);
int cb_connect_dup3(int oldfd, int newfd, int flags);

/* The resolver calls: the real call, then what its answer teaches about
 * names (README "Name attribution"). */
int cb_connect_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                           struct addrinfo **res);
struct hostent *cb_connect_gethostbyname(const char *name);
struct hostent *cb_connect_gethostbyname2(const char *name, int af);
int cb_connect_gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                               struct hostent **result, int *h_errnop);
int cb_connect_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                                size_t buflen, struct hostent **result, int *h_errnop);

/* Start-up: registers the fork handler that drops the parent's connects
 * in a child. Exit: judges the connects still in flight (their sockets
 * close with the process). */
void cb_connect_init(void);
void cb_connect_fini(void);

#endif
