/* follow.h - inside src/connect: recording a protected connect's outcome
 * and settling one whose socket goes away (settle.c), for the hook
 * policies in connect.c, getsockopt.c and close.c. */
#ifndef CB_FOLLOW_H
#define CB_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "connect/inflight.h"
#include "connect/judge.h"

/* Takes the record named by token and records the outcome (an enum
 * cb_outcome; failure_err for a failure). Nothing if someone else took it. */
void cb_follow_finish(int fd, uint64_t token, int outcome, int failure_err);

/* Records the outcome of a connect that is not (or no longer) in the
 * in-flight table, under the attempt rule (attempt.h): resolves the held
 * refusal it links to, and holds its own refusal. */
void cb_follow_record(struct cb_pending *p, int outcome, int failure_err);

/* TCP_INFO, which changes nothing on the socket: seen->state 0 when
 * unknown. */
void cb_follow_tcp_state(int fd, struct cb_tcp_seen *seen);

/* The inode of the socket on fd, 0 when unknown. */
uint64_t cb_follow_socket_ino(int fd);

/* True when the record on fd belongs to a socket closed behind our back
 * (it is then judged and dropped). */
bool cb_follow_settle_if_stale(int fd, uint64_t token, const struct cb_pending *p);

/* fd is being closed (close, or dup2/dup3 over it): a connect in flight
 * there is judged now. */
void cb_follow_settle_closing(int fd);
void cb_follow_settle_shutdown(int fd);
void cb_follow_settle_range(unsigned int first, unsigned int last);
void cb_follow_settle_dup(int oldfd, int newfd);
void cb_follow_settle_at_exit(void);

#endif
