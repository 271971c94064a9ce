/* fallback.c - picking a fallback address for a socket (see fallback.h). */
#include "connect/fallback.h"

#include <netinet/in.h>
#include <string.h>

#include "libc/libc.h"

static bool v6only(int fd)
{
	CB_KEEP_ERRNO;
	int on = 0;
	socklen_t len = sizeof(on);
	return cb_libc_getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len) == 0 && on;
}

bool cb_fallback_pick(int fd, const struct cb_breaker_config *c, int family,
                      union cb_sockaddr_any *out, socklen_t *len)
{
	int mapped = -1; /* v4 reachable from this IPv6 socket: not asked yet */
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < c->fallback.n && i < CB_FALLBACK_MAX; i++) {
		const struct cb_addr *a = &c->fallback.a[i];
		if (family == AF_INET && a->v4) {
			out->in.sin_family = AF_INET;
			out->in.sin_port = htons(a->port);
			memcpy(&out->in.sin_addr, &a->ip[12], sizeof(out->in.sin_addr));
			*len = sizeof(out->in);
			return true;
		}
		if (family != AF_INET6)
			continue;
		if (a->v4 && mapped < 0)
			mapped = !v6only(fd);
		if (a->v4 && !mapped)
			continue;
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons(a->port);
		memcpy(&out->in6.sin6_addr, a->ip, sizeof(out->in6.sin6_addr));
		*len = sizeof(out->in6);
		return true;
	}
	return false;
}
