/* shim.h - what the hook files in src/shim share: the re-entry guard, the
 * policy functions behind each exported symbol, and following a tracked
 * connect to its outcome. Each exported function is a thin call into the
 * cb_shim_<call>() named here. */
#ifndef CB_SHIM_H
#define CB_SHIM_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fdtrack.h"

/* Set while this thread runs shim code that may call hooked functions
 * itself (loading the configuration, logging, dlsym): those calls then pass
 * straight through. Initial-exec TLS: reading it never allocates. */
extern __thread int cb_shim_busy __attribute__((tls_model("initial-exec")));

int cb_shim_connect(int fd, const struct sockaddr *addr, socklen_t len);
int cb_shim_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
void cb_shim_settle_closing(int fd);
void cb_shim_settle_at_exit(void);
/* True when the record on fd belongs to a socket closed behind our back
 * (it is then judged and dropped). */
bool cb_shim_settle_if_stale(int fd, uint64_t token, const struct cb_pending *p);
/* The inode of the socket on fd, 0 when unknown. */
uint64_t cb_shim_socket_ino(int fd);
void cb_shim_settle_range(unsigned int first, unsigned int last);
void cb_shim_settle_dup(int oldfd, int newfd);
void cb_shim_learn_addrinfo(const char *node, const struct addrinfo *hints,
                            const struct addrinfo *res);
void cb_shim_learn_hostent(const char *name, const struct hostent *h);
int cb_shim_dlopen_flags(int flags);

/* Takes the record named by token and records the outcome (an enum
 * cb_outcome; failure_err for a failure). Nothing if someone else took it. */
void cb_shim_finish(int fd, uint64_t token, int outcome, int failure_err);

/* Records the outcome of a connect that is not (or no longer) in fdtrack. */
void cb_shim_record(struct cb_pending *p, int outcome, int failure_err);

/* TCP_INFO, which changes nothing on the socket: seen->state 0 when
 * unknown. */
void cb_shim_tcp_state(int fd, struct cb_tcp_seen *seen);

#endif
