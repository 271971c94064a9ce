/* held.h - inside src/connect: which descriptors of this process hold a
 * place among a breaker's max_connections (README "Connection limits"),
 * so that the place is given back when the last descriptor naming the
 * connection goes: close, close_range, dup2/dup3 over it, a connect that
 * failed, or the process's exit. dup, dup2 and dup3 copies share their
 * original's place. A fork child forgets the table: its copies are its
 * parent's connections, counted once, in the parent's share.
 *
 * Per descriptor, a record index; per connection, a record with the
 * number of this process's descriptors naming it. Both live in chunks
 * mmap'ed on first use (descriptors below 16M), claimed with
 * compare-and-swap: no lock, no allocation, safe in signal handlers.
 * Nothing is looked at until a place was first taken. */
#ifndef CB_HELD_H
#define CB_HELD_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/core.h"

/* fd holds a place already (a connect on a socket that connected). */
bool cb_held_has(int fd);

/* fd takes the place just taken for breaker b; when it cannot be kept
 * (no record left), the place is given back at once. */
void cb_held_put(int fd, const struct cb_breaker_rt *b);

/* Set once this process first took a place: until then every close
 * costs one load here. */
extern _Atomic bool cb_held_used;

/* fd no longer names its connection: the last descriptor gives the
 * place back. */
void cb_held_drop_taken(int fd);
static inline void cb_held_drop(int fd)
{
	if (atomic_load_explicit(&cb_held_used, memory_order_relaxed))
		cb_held_drop_taken(fd);
}
void cb_held_drop_range(unsigned int first, unsigned int last);

/* newfd names oldfd's connection too (dup, dup2, dup3). */
void cb_held_copy(int oldfd, int newfd);

/* In a fork child: the places are the parent's. */
void cb_held_forget_all(void);

/* At exit: every place this process holds is given back. */
void cb_held_give_all(void);

#endif
