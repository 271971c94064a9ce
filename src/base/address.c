/* address.c - an IPv4 or IPv6 address with its port in one form (IPv4
 * v4-mapped), and that form as users read it (base.h). Without stdio:
 * it runs in connect(), which a signal handler may call. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "base/base.h"

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void cb_address_of(const struct sockaddr *sa, struct cb_address *out)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		memcpy(out->ip, V4_MAPPED, sizeof(V4_MAPPED));
		memcpy(&out->ip[12], &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		memcpy(out->ip, &in6->sin6_addr, 16);
		out->port = ntohs(in6->sin6_port);
	}
}

void cb_address_format(const struct cb_address *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	bool v4 = memcmp(a->ip, V4_MAPPED, sizeof(V4_MAPPED)) == 0;
	buf[0] = '\0';
	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? &a->ip[12] : a->ip, ip, sizeof(ip)))
		return;
	unsigned int port = a->port;
	char digits[6];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + port % 10);
		port /= 10;
	} while (port && nd < (int)sizeof(digits));
	size_t need = strlen(ip) + (v4 ? 0 : 2) + 1 + (size_t)nd + 1;
	if (need > len)
		return;
	char *o = buf;
	if (!v4)
		*o++ = '[';
	o = stpcpy(o, ip);
	if (!v4)
		*o++ = ']';
	*o++ = ':';
	while (nd)
		*o++ = digits[--nd];
	*o = '\0';
}
