/* attempt.c - refusals held until the program's attempt is known (see
 * attempt.h). */
#include "connect/attempt.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "connect/judge.h"
#include "connect/record.h"
#include "core/core.h"

/* Entry word: seq << 8 | index << 2 | state. The index makes the word
 * name its entry, so a connect's link (the word it linked with) finds it;
 * the sequence number grows on every claim, so a stale link never
 * matches again. */
enum { HELD_FREE = 0, HELD_BUSY = 1, HELD_WAITING = 2, HELD_LINKED = 3, HELD_STATE_MASK = 3 };
#define HELD_INDEX_SHIFT 2
#define HELD_SEQ_SHIFT   8
_Static_assert(CB_ATTEMPT_HELD_MAX <= 1 << (HELD_SEQ_SHIFT - HELD_INDEX_SHIFT), "index bits");

/* What cb_attempt_link reads of a waiting entry before it owns it: in
 * atomics, written before the entry waits, read after its word says it
 * does (a compare-and-swap on the word then confirms it did not change). */
struct held {
	_Atomic uint64_t word;
	_Atomic(const struct cb_slot *) slot; /* the refused connect's breaker */
	_Atomic uint64_t ip[2];               /* and its address (base.h, cb_address) */
	_Atomic uint32_t port;
	struct cb_pending p; /* the refused connect: its guard holds the ticket */
	int err;
	int64_t held_ms;
};

static struct held table[CB_ATTEMPT_HELD_MAX];
static _Atomic int in_use; /* entries not free: most connects skip the scan */

static uint64_t word_of(uint64_t seq, unsigned int i, unsigned int state)
{
	return seq << HELD_SEQ_SHIFT | (uint64_t)i << HELD_INDEX_SHIFT | state;
}

bool cb_attempt_holdable(int err)
{
	return err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH;
}

/* Takes entry i, seen as word w, out of the table: true for exactly one
 * caller, which must record *p. */
static bool take(unsigned int i, uint64_t w, struct cb_pending *p, int *err)
{
	struct held *h = &table[i];
	uint64_t busy = (w & ~(uint64_t)HELD_STATE_MASK) | HELD_BUSY;
	if (!atomic_compare_exchange_strong(&h->word, &w, busy))
		return false;
	*p = h->p;
	*err = h->err;
	atomic_store(&h->word, (w & ~(uint64_t)HELD_STATE_MASK) | HELD_FREE);
	atomic_fetch_sub(&in_use, 1);
	return true;
}

static void finish(unsigned int i, uint64_t w)
{
	struct cb_pending p;
	int err;
	if (take(i, w, &p, &err))
		cb_record_now(&p, CB_OUTCOME_FAILURE, err);
}

bool cb_attempt_hold(const struct cb_pending *p, int err)
{
	for (unsigned int i = 0; i < CB_ATTEMPT_HELD_MAX; i++) {
		struct held *h = &table[i];
		uint64_t w = atomic_load(&h->word);
		if ((w & HELD_STATE_MASK) != HELD_FREE)
			continue;
		uint64_t seq = (w >> HELD_SEQ_SHIFT) + 1;
		if (!atomic_compare_exchange_strong(&h->word, &w, word_of(seq, i, HELD_BUSY)))
			continue;
		atomic_fetch_add(&in_use, 1);
		h->p = *p;
		h->p.link = 0;
		h->err = err;
		h->held_ms = cb_now_ms();
		struct cb_address a;
		uint64_t ip[2];
		cb_address_of(&p->addr.sa, &a);
		memcpy(ip, a.ip, sizeof(ip));
		atomic_store_explicit(&h->slot, p->guard.b->slot, memory_order_relaxed);
		atomic_store_explicit(&h->ip[0], ip[0], memory_order_relaxed);
		atomic_store_explicit(&h->ip[1], ip[1], memory_order_relaxed);
		atomic_store_explicit(&h->port, a.port, memory_order_relaxed);
		atomic_store(&h->word, word_of(seq, i, HELD_WAITING));
		return true;
	}
	return false;
}

/* Is the waiting entry h's refused connect to `to`? */
static bool held_at(const struct held *h, const struct cb_address *to)
{
	uint64_t ip[2];
	memcpy(ip, to->ip, sizeof(ip));
	return atomic_load_explicit(&h->port, memory_order_relaxed) == to->port &&
	       atomic_load_explicit(&h->ip[0], memory_order_relaxed) == ip[0] &&
	       atomic_load_explicit(&h->ip[1], memory_order_relaxed) == ip[1];
}

bool cb_attempt_link(const struct cb_slot *slot, struct cb_pending *p)
{
	bool carried = false;
	p->link = 0;
	if (atomic_load_explicit(&in_use, memory_order_relaxed) == 0)
		return false;
	struct cb_address to;
	cb_address_of(&p->addr.sa, &to);
	for (unsigned int i = 0; i < CB_ATTEMPT_HELD_MAX; i++) {
		struct held *h = &table[i];
		uint64_t w = atomic_load(&h->word);
		/* The breaker is read while the entry waits; the CAS below
		 * confirms the entry did not change meanwhile. */
		if ((w & HELD_STATE_MASK) != HELD_WAITING ||
		    atomic_load_explicit(&h->slot, memory_order_relaxed) != slot)
			continue;
		/* The same address again is a retry, not a walk: the attempt
		 * before it failed, and counts before this one is decided. */
		if (held_at(h, &to)) {
			finish(i, w);
			continue;
		}
		uint64_t linked = (w & ~(uint64_t)HELD_STATE_MASK) | HELD_LINKED;
		if (p->link || !atomic_compare_exchange_strong(&h->word, &w, linked))
			continue;
		p->link = linked;
		/* The permit carries on only within the half-open period it was
		 * taken in; the held refusal keeps a ticket without it. */
		struct cb_ticket *t = &h->p.guard.ticket;
		if (t->lease < 0 || atomic_load(&slot->state) != t->state_word)
			continue;
		p->guard = h->p.guard;
		t->lease = -1;
		carried = true;
	}
	return carried;
}

void cb_attempt_resolve(struct cb_pending *p, int outcome)
{
	uint64_t w = p->link;
	if (!w)
		return;
	p->link = 0;
	unsigned int i = (unsigned int)(w >> HELD_INDEX_SHIFT) & (CB_ATTEMPT_HELD_MAX - 1);
	struct cb_pending refused;
	int err;
	if (!take(i, w, &refused, &err))
		return;
	bool cancelled =
	        outcome == CB_OUTCOME_SUCCESS && !cb_record_same_address(&refused.addr, &p->addr);
	cb_record_now(&refused, cancelled ? CB_OUTCOME_NEUTRAL : CB_OUTCOME_FAILURE, err);
}

static void commit(bool all, int64_t now_ms)
{
	if (atomic_load(&in_use) == 0)
		return;
	for (unsigned int i = 0; i < CB_ATTEMPT_HELD_MAX; i++) {
		uint64_t w = atomic_load(&table[i].word);
		unsigned int state = w & HELD_STATE_MASK;
		if (state == HELD_WAITING || (all && state == HELD_LINKED))
			if (all || now_ms - table[i].held_ms >= CB_ATTEMPT_HOLD_MS)
				finish(i, w);
	}
}

void cb_attempt_commit_expired(int64_t now_ms)
{
	commit(false, now_ms);
}

void cb_attempt_commit_waiting(void)
{
	commit(false, INT64_MAX);
}

void cb_attempt_commit_all(void)
{
	commit(true, 0);
}

void cb_attempt_forget_all(void)
{
	for (unsigned int i = 0; i < CB_ATTEMPT_HELD_MAX; i++) {
		uint64_t w = atomic_load(&table[i].word);
		atomic_store(&table[i].word, (w & ~(uint64_t)HELD_STATE_MASK) | HELD_FREE);
	}
	atomic_store(&in_use, 0);
}
