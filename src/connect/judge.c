/* judge.c - the outcome rules (see judge.h). */
#include "judge.h"

#include <errno.h>

#include "core/core.h"

static int judge_failure(const struct cb_breaker_config *c, int err, int *failure_err)
{
	*failure_err = err;
	return CB_SET_HAS(c->failure_errors, err) ? CB_OUTCOME_FAILURE : CB_OUTCOME_NEUTRAL;
}

static bool timed_out(const struct cb_breaker_config *c, int64_t age_ms)
{
	return c->connect_timeout_ms > 0 && age_ms >= (int64_t)c->connect_timeout_ms;
}

int cb_judge_errno(const struct cb_breaker_config *c, int err, bool repeat, int64_t age_ms,
                   int *failure_err)
{
	*failure_err = 0;
	if (err == 0)
		return CB_OUTCOME_SUCCESS;
	/* EINTR: a blocking connect interrupted by a signal goes on in the
	 * kernel, and the program learns its end later, like EINPROGRESS. */
	if (err == EINPROGRESS || err == EALREADY || err == EINTR) {
		if (!repeat || !timed_out(c, age_ms))
			return CB_JUDGE_PENDING;
		*failure_err = ETIMEDOUT;
		return CB_OUTCOME_FAILURE;
	}
	if (repeat && err == EISCONN)
		return CB_OUTCOME_SUCCESS;
	return judge_failure(c, err, failure_err);
}

int cb_judge_tcp(const struct cb_breaker_config *c, const struct cb_tcp_seen *seen, int64_t age_ms,
                 bool sibling_won, bool closing, int *failure_err)
{
	*failure_err = 0;
	switch (seen->state) {
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT1:
	case TCPS_FIN_WAIT2:
	case TCPS_TIME_WAIT:
	case TCPS_CLOSE_WAIT:
	case TCPS_LAST_ACK:
	case TCPS_CLOSING:
		return CB_OUTCOME_SUCCESS;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECV:
		/* A timeout is a failure whatever failure_errors says (README "How calls are
		 * judged"). */
		if (timed_out(c, age_ms) || (closing && !sibling_won)) {
			*failure_err = ETIMEDOUT;
			return CB_OUTCOME_FAILURE;
		}
		return closing ? CB_OUTCOME_NEUTRAL : CB_JUDGE_PENDING;
	case TCPS_CLOSE:
		if (seen->established)
			return CB_OUTCOME_SUCCESS;
		return judge_failure(c, seen->retransmitted ? ETIMEDOUT : ECONNREFUSED,
		                     failure_err);
	default:
		return CB_OUTCOME_NEUTRAL;
	}
}

int cb_judge_abandoned(const struct cb_breaker_config *c, int64_t age_ms, bool sibling_won,
                       int *failure_err)
{
	const struct cb_tcp_seen seen = {.state = TCPS_SYN_SENT};
	return cb_judge_tcp(c, &seen, age_ms, sibling_won, true, failure_err);
}

int cb_judge_so_error(const struct cb_breaker_config *c, int so_error,
                      const struct cb_tcp_seen *seen, int64_t age_ms, int *failure_err)
{
	if (so_error != 0) {
		*failure_err = 0;
		return judge_failure(c, so_error, failure_err);
	}
	return cb_judge_tcp(c, seen, age_ms, false, false, failure_err);
}
