/* record.c - a connect's outcome handed to its breaker (see record.h). */
#include "connect/record.h"

#include <string.h>

#include "core/core.h"

void cb_record_now(struct cb_pending *p, int outcome, int failure_err)
{
	if (outcome == CB_OUTCOME_FAILURE) {
		char where[CB_ADDRSTR_MAX];
		struct cb_address a;
		cb_address_of(&p->addr.sa, &a);
		cb_address_format(&a, where, sizeof(where));
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
