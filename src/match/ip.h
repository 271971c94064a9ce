/* ip.h - IP address literals for the host matcher: a strict parser
 * written here so that cb_matcher_lookup stays async-signal-safe (POSIX does
 * not list inet_pton among the async-signal-safe functions). */
#ifndef CB_MATCH_IP_H
#define CB_MATCH_IP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address in network byte order; IPv4 uses the first 4 bytes. */
struct cb_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t b[16];
};

/* Parses exactly `len` bytes of `s` as dotted-quad IPv4 (no leading zeros,
 * which inet_aton would read as octal) or RFC 4291 IPv6 text (with "::" and
 * a trailing dotted quad). A v4-mapped IPv6 address (::ffff:a.b.c.d) comes
 * back as IPv4. Returns 0, or -1 when the text is not an address. */
int cb_ip_parse(const char *s, size_t len, struct cb_ip *out);

/* The address of an AF_INET or AF_INET6 socket address (v4-mapped as
 * IPv4). Returns 0, or -1 for any other family. */
int cb_ip_from_sockaddr(const struct sockaddr *sa, struct cb_ip *out);

/* Folds a v4-mapped IPv6 address into IPv4 in place. */
void cb_ip_unmap(struct cb_ip *ip);

#endif
