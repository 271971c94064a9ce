/* resolver.c - the resolver hooks (getaddrinfo, gethostbyname*): the
 * program's answers teach names.c which names an address stands for, so
 * that name patterns match at connect(). Only names some pattern cares
 * about are remembered. Results, errno and h_errno are left as the real
 * call left them. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common.h"
#include "match.h"
#include "names.h"
#include "real.h"
#include "shim.h"

/* A literal address teaches nothing: patterns match it directly. */
static bool is_literal(const char *node)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, node, buf) == 1 || inet_pton(AF_INET6, node, buf) == 1;
}

/* The runtime when `name` is worth remembering, else NULL. */
static const struct cb_runtime *relevant(const char *name)
{
	if (!name || is_literal(name))
		return NULL;
	const struct cb_runtime *rt = cb_runtime_get();
	return rt && cb_matcher_name_relevant(rt->cfg->matcher, name) ? rt : NULL;
}

void cb_shim_learn_addrinfo(const char *node, const struct addrinfo *hints,
                            const struct addrinfo *res)
{
	if (cb_shim_busy || !node || (hints && (hints->ai_flags & AI_NUMERICHOST)))
		return;
	int saved = errno;
	cb_shim_busy = 1;
	if (relevant(node))
		for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
			cb_names_remember(ai->ai_addr, node);
	cb_shim_busy = 0;
	errno = saved;
}

void cb_shim_learn_hostent(const char *name, const struct hostent *h)
{
	if (cb_shim_busy || !h || !h->h_addr_list ||
	    (h->h_addrtype != AF_INET && h->h_addrtype != AF_INET6))
		return;
	int saved = errno, saved_h = h_errno;
	cb_shim_busy = 1;
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
			cb_names_remember(&sa.sa, name);
		}
	}
	cb_shim_busy = 0;
	errno = saved;
	h_errno = saved_h;
}

CB_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                          struct addrinfo **res)
{
	int r = cb_libc_getaddrinfo(node, service, hints, res);
	if (r == 0)
		cb_shim_learn_addrinfo(node, hints, *res);
	return r;
}

CB_EXPORT struct hostent *gethostbyname(const char *name)
{
	struct hostent *h = cb_libc_gethostbyname(name);
	cb_shim_learn_hostent(name, h);
	return h;
}

CB_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	struct hostent *h = cb_libc_gethostbyname2(name, af);
	cb_shim_learn_hostent(name, h);
	return h;
}

CB_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                              struct hostent **result, int *h_errnop)
{
	int r = cb_libc_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	if (r == 0 && result)
		cb_shim_learn_hostent(name, *result);
	return r;
}

CB_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                               size_t buflen, struct hostent **result, int *h_errnop)
{
	int r = cb_libc_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	if (r == 0 && result)
		cb_shim_learn_hostent(name, *result);
	return r;
}
