/* fdtrack.c - records of protected connects in flight, per descriptor, and
 * the rules that judge what was observed about them (see fdtrack.h). */
#include "fdtrack.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

/* Entry word: seq << 2 | state. The sequence number grows on every claim,
 * so a token held across a take-and-reclaim by another thread never
 * matches again (no ABA). */
enum { ENTRY_FREE = 0, ENTRY_BUSY = 1, ENTRY_PENDING = 2, ENTRY_STATE_MASK = 3 };

struct entry {
	_Atomic uint64_t word;
	struct cb_pending p;
};

static _Atomic(struct entry *) chunks[CB_FDTRACK_CHUNKS];
static _Atomic unsigned int chunks_used; /* highest chunk index mapped, + 1 */

static struct entry *find(int fd)
{
	if (fd < 0 || (unsigned int)fd >= (unsigned int)CB_FDTRACK_CHUNK * CB_FDTRACK_CHUNKS)
		return NULL;
	struct entry *c =
	        atomic_load_explicit(&chunks[fd / CB_FDTRACK_CHUNK], memory_order_acquire);
	return c ? &c[fd % CB_FDTRACK_CHUNK] : NULL;
}

/* mmap, not malloc: this runs inside connect(), possibly in a signal
 * handler, and a zero page is a valid chunk of free entries. */
static struct entry *find_or_map(int fd)
{
	struct entry *e = find(fd);
	if (e || fd < 0 || (unsigned int)fd >= (unsigned int)CB_FDTRACK_CHUNK * CB_FDTRACK_CHUNKS)
		return e;
	unsigned int idx = (unsigned int)fd / CB_FDTRACK_CHUNK;
	size_t size = sizeof(struct entry) * CB_FDTRACK_CHUNK;
	int saved = errno;
	struct entry *fresh =
	        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	if (fresh == MAP_FAILED)
		return NULL;
	struct entry *expected = NULL;
	if (!atomic_compare_exchange_strong(&chunks[idx], &expected, fresh)) {
		munmap(fresh, size); /* another thread mapped it first */
		errno = saved;
		fresh = expected;
	}
	unsigned int used = atomic_load(&chunks_used);
	while (used < idx + 1 && !atomic_compare_exchange_weak(&chunks_used, &used, idx + 1))
		;
	return &fresh[fd % CB_FDTRACK_CHUNK];
}

bool cb_fdtrack_put(int fd, const struct cb_pending *p, uint64_t *token)
{
	struct entry *e = find_or_map(fd);
	if (!e)
		return false;
	uint64_t w = atomic_load_explicit(&e->word, memory_order_relaxed);
	if ((w & ENTRY_STATE_MASK) != ENTRY_FREE)
		return false;
	uint64_t seq = (w >> 2) + 1;
	if (!atomic_compare_exchange_strong_explicit(&e->word, &w, seq << 2 | ENTRY_BUSY,
	                                             memory_order_acquire, memory_order_relaxed))
		return false;
	e->p = *p;
	*token = seq << 2 | ENTRY_PENDING;
	atomic_store_explicit(&e->word, *token, memory_order_release);
	return true;
}

bool cb_fdtrack_peek(int fd, uint64_t *token, struct cb_pending *out)
{
	struct entry *e = find(fd);
	if (!e)
		return false;
	uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
	if ((w & ENTRY_STATE_MASK) != ENTRY_PENDING)
		return false;
	if (out) {
		/* Seqlock-style read: the copy counts only if the record was not
		 * taken (and perhaps replaced) while it was being copied. */
		memcpy(out, &e->p, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&e->word, memory_order_relaxed) != w)
			return false;
	}
	*token = w;
	return true;
}

bool cb_fdtrack_take(int fd, uint64_t token, struct cb_pending *out)
{
	struct entry *e = find(fd);
	if (!e)
		return false;
	uint64_t w = token;
	uint64_t busy = (token & ~(uint64_t)ENTRY_STATE_MASK) | ENTRY_BUSY;
	if (!atomic_compare_exchange_strong_explicit(&e->word, &w, busy, memory_order_acquire,
	                                             memory_order_relaxed))
		return false;
	if (out)
		*out = e->p;
	atomic_store_explicit(&e->word, (token & ~(uint64_t)ENTRY_STATE_MASK) | ENTRY_FREE,
	                      memory_order_release);
	return true;
}

int cb_fdtrack_next(unsigned int from, unsigned int last)
{
	unsigned int used = atomic_load_explicit(&chunks_used, memory_order_acquire);
	unsigned int limit = used * CB_FDTRACK_CHUNK;
	if (last >= limit)
		last = limit ? limit - 1 : 0;
	for (unsigned int fd = from; used && fd <= last;) {
		struct entry *c =
		        atomic_load_explicit(&chunks[fd / CB_FDTRACK_CHUNK], memory_order_acquire);
		if (!c) {
			fd = (fd / CB_FDTRACK_CHUNK + 1) * CB_FDTRACK_CHUNK;
			continue;
		}
		uint64_t w =
		        atomic_load_explicit(&c[fd % CB_FDTRACK_CHUNK].word, memory_order_relaxed);
		if ((w & ENTRY_STATE_MASK) == ENTRY_PENDING)
			return (int)fd;
		if (fd == last)
			break;
		fd++;
	}
	return -1;
}

void cb_fdtrack_forget_all(void)
{
	unsigned int used = atomic_load(&chunks_used);
	for (unsigned int i = 0; i < used; i++) {
		struct entry *c = atomic_load(&chunks[i]);
		for (unsigned int j = 0; c && j < CB_FDTRACK_CHUNK; j++) {
			uint64_t w = atomic_load(&c[j].word);
			if ((w & ENTRY_STATE_MASK) != ENTRY_FREE)
				atomic_store(&c[j].word, ((w >> 2) + 1) << 2 | ENTRY_FREE);
		}
	}
}

/* -- Rules ------------------------------------------------------------ */

/* Linux tcp_states.h */
enum {
	TCPS_ESTABLISHED = 1,
	TCPS_SYN_SENT = 2,
	TCPS_SYN_RECV = 3,
	TCPS_FIN_WAIT1 = 4,
	TCPS_FIN_WAIT2 = 5,
	TCPS_TIME_WAIT = 6,
	TCPS_CLOSE = 7,
	TCPS_CLOSE_WAIT = 8,
	TCPS_LAST_ACK = 9,
	TCPS_CLOSING = 11,
};

static int judge_failure(const struct cb_breaker_config *c, int err, int *failure_err)
{
	*failure_err = err;
	return CB_SET_HAS(c->failure_errors, err) ? CB_OUTCOME_FAILURE : CB_OUTCOME_NEUTRAL;
}

static bool timed_out(const struct cb_breaker_config *c, int64_t age_ms)
{
	return c->connect_timeout_ms > 0 && age_ms >= (int64_t)c->connect_timeout_ms;
}

int cb_fdtrack_judge_errno(const struct cb_breaker_config *c, int err, bool repeat, int64_t age_ms,
                           int *failure_err)
{
	*failure_err = 0;
	if (err == 0)
		return CB_OUTCOME_SUCCESS;
	/* EINTR: a blocking connect interrupted by a signal goes on in the
	 * kernel, and the program learns its end later, like EINPROGRESS. */
	if (err == EINPROGRESS || err == EALREADY || err == EINTR) {
		if (!repeat || !timed_out(c, age_ms))
			return CB_FDTRACK_PENDING;
		*failure_err = ETIMEDOUT;
		return CB_OUTCOME_FAILURE;
	}
	if (repeat && err == EISCONN)
		return CB_OUTCOME_SUCCESS;
	return judge_failure(c, err, failure_err);
}

int cb_fdtrack_judge_tcp(const struct cb_breaker_config *c, const struct cb_tcp_seen *seen,
                         int64_t age_ms, bool sibling_won, bool closing, int *failure_err)
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
		/* A timeout is a failure whatever failure_errors says (SPEC 4). */
		if (timed_out(c, age_ms) || (closing && !sibling_won)) {
			*failure_err = ETIMEDOUT;
			return CB_OUTCOME_FAILURE;
		}
		return closing ? CB_OUTCOME_NEUTRAL : CB_FDTRACK_PENDING;
	case TCPS_CLOSE:
		if (seen->established)
			return CB_OUTCOME_SUCCESS;
		return judge_failure(c, seen->retransmitted ? ETIMEDOUT : ECONNREFUSED,
		                     failure_err);
	default:
		return CB_OUTCOME_NEUTRAL;
	}
}

int cb_fdtrack_judge_abandoned(const struct cb_breaker_config *c, int64_t age_ms, bool sibling_won,
                               int *failure_err)
{
	const struct cb_tcp_seen seen = {.state = TCPS_SYN_SENT};
	return cb_fdtrack_judge_tcp(c, &seen, age_ms, sibling_won, true, failure_err);
}

int cb_fdtrack_judge_so_error(const struct cb_breaker_config *c, int so_error,
                              const struct cb_tcp_seen *seen, int64_t age_ms, int *failure_err)
{
	if (so_error != 0) {
		*failure_err = 0;
		return judge_failure(c, so_error, failure_err);
	}
	return cb_fdtrack_judge_tcp(c, seen, age_ms, false, false, failure_err);
}
