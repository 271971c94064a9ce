/* ip.c - IP address literal parsing for the host matcher: pure code
 * (no locale, no allocation) so it may run inside connect() from a signal
 * handler. */
#include "match/ip.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

static const uint8_t V4_MAPPED_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_v4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		/* "010" is octal to inet_aton and decimal to people: refuse it. */
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -1;
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

static int parse_v6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t words[8];
	int n = 0, gap = -1;
	size_t i = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len >= 1 && s[0] == ':') {
		return -1;
	}
	while (i < len) {
		size_t j = i;
		bool dotted = false;

		while (j < len && s[j] != ':')
			dotted |= s[j++] == '.';
		if (dotted) {
			uint8_t q[4];

			if (j != len || n > 6 || parse_v4(s + i, j - i, q) < 0)
				return -1;
			words[n++] = (uint16_t)(q[0] << 8 | q[1]);
			words[n++] = (uint16_t)(q[2] << 8 | q[3]);
			break;
		}
		if (j == i || j - i > 4 || n == 8)
			return -1;
		unsigned v = 0;
		for (size_t k = i; k < j; k++) {
			int h = hex_value(s[k]);
			if (h < 0)
				return -1;
			v = v << 4 | (unsigned)h;
		}
		words[n++] = (uint16_t)v;
		if (j == len)
			break;
		if (j + 1 < len && s[j + 1] == ':') {
			if (gap >= 0)
				return -1;
			gap = n;
			i = j + 2;
		} else {
			i = j + 1;
			if (i == len)
				return -1; /* a single trailing ':' */
		}
	}
	/* "::" stands for at least one zero group (RFC 4291 section 2.2). */
	if ((gap < 0 && n != 8) || (gap >= 0 && n > 7))
		return -1;
	int fill = gap < 0 ? 0 : 8 - n;
	int w = 0;
	for (int k = 0; k < n; k++) {
		if (k == gap)
			for (int z = 0; z < fill; z++, w++)
				out[2 * w] = out[2 * w + 1] = 0;
		out[2 * w] = (uint8_t)(words[k] >> 8);
		out[2 * w + 1] = (uint8_t)words[k];
		w++;
	}
	for (; w < 8; w++) /* a trailing "::" */
		out[2 * w] = out[2 * w + 1] = 0;
	return 0;
}

void cb_ip_unmap(struct cb_ip *ip)
{
	if (ip->family != AF_INET6 || memcmp(ip->b, V4_MAPPED_PREFIX, sizeof(V4_MAPPED_PREFIX)))
		return;
	memmove(ip->b, ip->b + 12, 4);
	memset(ip->b + 4, 0, 12);
	ip->family = AF_INET;
}

int cb_ip_parse(const char *s, size_t len, struct cb_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (memchr(s, ':', len)) {
		if (parse_v6(s, len, out->b) < 0)
			return -1;
		out->family = AF_INET6;
		cb_ip_unmap(out);
		return 0;
	}
	if (parse_v4(s, len, out->b) < 0)
		return -1;
	out->family = AF_INET;
	return 0;
}

int cb_ip_from_sockaddr(const struct sockaddr *sa, struct cb_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		memcpy(out->b, &in->sin_addr, 4);
		out->family = AF_INET;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		memcpy(out->b, &in6->sin6_addr, 16);
		out->family = AF_INET6;
		cb_ip_unmap(out);
		return 0;
	}
	return -1;
}
