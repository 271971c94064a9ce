/* resolve.c - the resolver calls (getaddrinfo, gethostbyname*): the
 * program's answers teach the resolved-names table (match/resolved.h)
 * which names an address stands for, so that name patterns match at
 * connect(). Only names some pattern cares about are remembered (any, with
 * discovery on). Results, errno and h_errno are left as the real call
 * left them, but for the order of getaddrinfo()'s answers under a breaker
 * with scope = endpoint (README "Endpoint scope"). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "base/base.h"
#include "connect/connect.h"
#include "connect/inflight.h"
#include "core/core.h"
#include "libc/libc.h"
#include "match/match.h"

/* A literal address teaches nothing: patterns match it directly. */
static bool is_literal(const char *node)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, node, buf) == 1 || inet_pton(AF_INET6, node, buf) == 1;
}

/* Is `name` worth remembering? Any is, to name what discovery finds. */
static bool relevant(const char *name)
{
	if (!name || is_literal(name))
		return false;
	const struct cb_runtime *rt = cb_runtime_get();
	return rt && (rt->discovery || cb_matcher_name_relevant(rt->cfg->matcher, name));
}

static void learn_addrinfo(const char *node, const struct addrinfo *hints,
                           const struct addrinfo *res)
{
	if (cb_busy || !node || (hints && (hints->ai_flags & AI_NUMERICHOST)))
		return;
	CB_INSIDE(inside);
	if (relevant(node))
		for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
			cb_resolved_remember(ai->ai_addr, node);
}

static void learn_hostent(const char *name, const struct hostent *h)
{
	if (cb_busy || !h || !h->h_addr_list ||
	    (h->h_addrtype != AF_INET && h->h_addrtype != AF_INET6))
		return;
	CB_INSIDE(inside);
	int saved_h = h_errno;
	if (relevant(name)) {
		for (char **a = h->h_addr_list; *a; a++) {
			union cb_sockaddr_any sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa.sa_family = (sa_family_t)h->h_addrtype;
			if (h->h_addrtype == AF_INET && h->h_length == sizeof(sa.in.sin_addr))
				memcpy(&sa.in.sin_addr, *a, sizeof(sa.in.sin_addr));
			else if (h->h_addrtype == AF_INET6 &&
			         h->h_length == sizeof(sa.in6.sin6_addr))
				memcpy(&sa.in6.sin6_addr, *a, sizeof(sa.in6.sin6_addr));
			else
				continue;
			cb_resolved_remember(&sa.sa, name);
		}
	}
	h_errno = saved_h;
}

/* Would a connect to this answer be turned away by its address's
 * endpoint (README "Endpoint scope")? */
static bool endpoint_rejects(const struct cb_runtime *rt, const char *node,
                             const struct addrinfo *ai, int64_t now_ms)
{
	if (!cb_address_is_inet(ai->ai_addr, ai->ai_addrlen))
		return false;
	struct cb_address to;
	cb_address_of(ai->ai_addr, &to);
	const struct cb_breaker_rt *b = cb_runtime_lookup(rt, node, ai->ai_addr, to.port);
	return b && b->endpoints && cb_endpoint_rejects(b, &to, now_ms);
}

/* scope = endpoint: the answers whose endpoints would turn the call away
 * go after the others, each group in its own order (a stable partition),
 * so that a program walking them tries a live address first. The nodes
 * are relinked, never copied or freed, so freeaddrinfo() frees what
 * getaddrinfo() allocated; ai_canonname, which belongs to the first
 * answer, moves to the new first. */
static void reorder_addrinfo(const char *node, struct addrinfo **res)
{
	if (cb_busy || !*res)
		return;
	CB_INSIDE(inside);
	const struct cb_runtime *rt = cb_runtime_get();
	if (!rt || !rt->cfg->n_endpoint_scoped)
		return;
	int64_t now = cb_now_ms();
	struct addrinfo *head = *res, *admit = NULL, **admit_end = &admit, *reject = NULL,
	                **reject_end = &reject;
	for (struct addrinfo *ai = head, *next; ai; ai = next) {
		next = ai->ai_next;
		struct addrinfo ***end =
		        endpoint_rejects(rt, node, ai, now) ? &reject_end : &admit_end;
		**end = ai;
		*end = &ai->ai_next;
	}
	*admit_end = reject;
	*reject_end = NULL;
	if (admit != head && !admit->ai_canonname) {
		admit->ai_canonname = head->ai_canonname;
		head->ai_canonname = NULL;
	}
	*res = admit;
}

int cb_connect_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                           struct addrinfo **res)
{
	int r = cb_libc_getaddrinfo(node, service, hints, res);
	if (r == 0) {
		learn_addrinfo(node, hints, *res);
		reorder_addrinfo(node, res);
	}
	return r;
}

struct hostent *cb_connect_gethostbyname(const char *name)
{
	struct hostent *h = cb_libc_gethostbyname(name);
	learn_hostent(name, h);
	return h;
}

struct hostent *cb_connect_gethostbyname2(const char *name, int af)
{
	struct hostent *h = cb_libc_gethostbyname2(name, af);
	learn_hostent(name, h);
	return h;
}

int cb_connect_gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                               struct hostent **result, int *h_errnop)
{
	int r = cb_libc_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	if (r == 0 && result)
		learn_hostent(name, *result);
	return r;
}

int cb_connect_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                                size_t buflen, struct hostent **result, int *h_errnop)
{
	int r = cb_libc_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	if (r == 0 && result)
		learn_hostent(name, *result);
	return r;
}
