/* fallback.h - inside src/connect: where a connect goes while its breaker
 * would reject it and the breaker names fallback addresses (README
 * "Fallback addresses"). */
#ifndef CB_FALLBACK_H
#define CB_FALLBACK_H

#include <stdbool.h>
#include <sys/socket.h>

#include "connect/inflight.h"

/* The first of c's fallbacks that fd, a socket of `family`, can reach:
 * an IPv4 one as itself from an IPv4 socket, or in its v4-mapped form
 * from an IPv6 socket that is not IPV6_V6ONLY; an IPv6 one from an IPv6
 * socket only. False when none can. */
bool cb_fallback_pick(int fd, const struct cb_breaker_config *c, int family,
                      union cb_sockaddr_any *out, socklen_t *len);

#endif
