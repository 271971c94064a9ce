/* resolver.c - the resolver exports: getaddrinfo, gethostbyname* (policy:
 * src/connect/resolve.c). */
#include "base/base.h"
#include "connect/connect.h"

CB_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                          struct addrinfo **res)
{
	return cb_connect_getaddrinfo(node, service, hints, res);
}

CB_EXPORT struct hostent *gethostbyname(const char *name)
{
	return cb_connect_gethostbyname(name);
}

CB_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	return cb_connect_gethostbyname2(name, af);
}

CB_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                              struct hostent **result, int *h_errnop)
{
	return cb_connect_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
}

CB_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
                               size_t buflen, struct hostent **result, int *h_errnop)
{
	return cb_connect_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
}
