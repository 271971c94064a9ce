/* match.h - host patterns (README "Configuration") and the look-up that maps a
 * destination to the breaker whose pattern fits it most specifically. */
#ifndef CB_MATCH_H
#define CB_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "match/resolved.h"

struct cb_matcher;

struct cb_matcher *cb_matcher_new(void);
void cb_matcher_free(struct cb_matcher *m);

/* Parses one pattern ("api.example.com:443", "*.internal", "10.0.0.0/8:5432",
 * "[2001:db8::/32]:*", "127.0.0.1:8000-8099") for breaker `breaker`.
 * Patterns added earlier win ties. Returns 0, or -1 with a message in err. */
int cb_matcher_add(struct cb_matcher *m, const char *pattern, uint32_t breaker, char *err,
                   size_t errlen);

/* Breaker id for a destination, or -1. `name` (may be NULL) is a host name
 * or an IP literal (brackets allowed); `addr` (may be NULL) is the socket
 * address connected to, AF_INET or AF_INET6 (v4-mapped v6 counts as v4).
 * When both are given, the most specific pattern of either kind wins:
 * exact name+port, exact name, longest wildcard suffix, longest CIDR prefix
 * (within each, a single port before a range before any port), then the
 * pattern added first. No allocation, no lock: safe on the hot path. */
int cb_matcher_lookup(const struct cb_matcher *m, const char *name, const struct sockaddr *addr,
                      uint16_t port);

/* True when some name or wildcard pattern (any port) fits `name`: the resolver
 * hooks remember only such names. */
bool cb_matcher_name_relevant(const struct cb_matcher *m, const char *name);

/* True when the matcher has any name or wildcard pattern at all. */
bool cb_matcher_has_names(const struct cb_matcher *m);

#endif
