/* record.c - a connect's outcome handed to its breaker (see record.h). */
#include "connect/record.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/core.h"

/* "10.0.0.7:443" or "[::1]:443", without stdio: this may run in a signal
 * handler. */
static void format_address(const union cb_sockaddr_any *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6 = a->sa.sa_family == AF_INET6;
	const void *raw = v6 ? (const void *)&a->in6.sin6_addr : (const void *)&a->in.sin_addr;
	unsigned int port = ntohs(v6 ? a->in6.sin6_port : a->in.sin_port);
	buf[0] = '\0';
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, raw, ip, sizeof(ip)))
		return;
	char digits[6];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + port % 10);
		port /= 10;
	} while (port && nd < (int)sizeof(digits));
	size_t need = strlen(ip) + (v6 ? 2 : 0) + 1 + (size_t)nd + 1;
	if (need > len)
		return;
	char *o = buf;
	if (v6)
		*o++ = '[';
	o = stpcpy(o, ip);
	if (v6)
		*o++ = ']';
	*o++ = ':';
	while (nd)
		*o++ = digits[--nd];
	*o = '\0';
}

void cb_record_now(struct cb_pending *p, int outcome, int failure_err)
{
	if (outcome == CB_OUTCOME_FAILURE) {
		char where[CB_ADDRSTR_MAX];
		format_address(&p->addr, where, sizeof(where));
		struct cb_failure f = {CB_ERROR(CB_ERR_ERRNO, failure_err), where};
		cb_guard_end(&p->guard, CB_OUTCOME_FAILURE, &f);
	} else {
		cb_guard_end(&p->guard, (enum cb_outcome)outcome, NULL);
	}
}

bool cb_record_same_address(const union cb_sockaddr_any *a, const union cb_sockaddr_any *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return a->in6.sin6_port == b->in6.sin6_port &&
	       memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr)) == 0;
}
