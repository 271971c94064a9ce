/* resolved.h - address -> host name, learned from the program's own resolver
 * calls, so that connect(10.0.0.7:443) can be attributed to the breaker of
 * "api.example.com" that resolved to it.
 *
 * A bounded table that never allocates: 4-way sets indexed by a hash of the
 * address, the newest name for an address wins, and the oldest entry of a
 * full set is replaced. Each entry is written under its own seqlock, so
 * readers (connect(), perhaps in a signal handler) take no lock and never
 * see a torn name; a writer that finds the entry busy simply skips it. */
#ifndef CB_RESOLVED_H
#define CB_RESOLVED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CB_RESOLVED_SETS 64
#define CB_RESOLVED_WAYS 4 /* CB_RESOLVED_SETS * CB_RESOLVED_WAYS names are kept */

/* Remembers that `name` resolved to `addr` (AF_INET or AF_INET6; a
 * v4-mapped IPv6 address is stored as IPv4). Other families are ignored. */
void cb_resolved_remember(const struct sockaddr *addr, const char *name);

/* Entries in use: 0 until a resolver call is remembered, which happens only
 * for names some pattern cares about. Read through cb_resolved_any(). */
extern _Atomic uint32_t cb_resolved_used;

/* False when cb_resolved_find cannot find anything: one load, inline, so that
 * connect() pays no call for a table that stays empty. */
static inline bool cb_resolved_any(void)
{
	return atomic_load_explicit(&cb_resolved_used, memory_order_relaxed) != 0;
}

/* Copies the name last remembered for addr into buf (truncated to len) and
 * returns true, or returns false. */
bool cb_resolved_find(const struct sockaddr *addr, char *buf, size_t len);

#endif
