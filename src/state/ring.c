/* ring.c - the event ring in the store: the last CB_STORE_RING state
 * changes, written by any process, read by `cbreaker events`.
 *
 * A writer takes a sequence number with one fetch_add, then writes entry
 * (seq - 1) mod ring_size under that entry's seqlock. Nothing blocks: a
 * writer that finds a newer event already in its entry drops its own (the
 * ring has wrapped past it), and a writer that finds the entry held for
 * longer than CB_STORE_WAIT_ROUNDS yields takes it over, because the holder
 * may have been killed in the middle of its write. Readers copy and keep
 * only entries whose lock shows their seq, complete, before and after. */
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "state/layout.h"
#include "state/store.h"

static struct cb_ring_entry *entry_for(struct cb_store *st, uint64_t seq)
{
	return &st->ring[(seq - 1) & (st->ring_size - 1)];
}

/* Takes entry e for event seq; false when the event must be dropped. */
static bool lock_entry(struct cb_ring_entry *e, uint64_t seq)
{
	uint64_t v = atomic_load_explicit(&e->lock, memory_order_relaxed);
	for (int i = 0; i < 2 * CB_STORE_WAIT_ROUNDS; i++) {
		if (v / 2 >= seq)
			return false;
		if ((v & 1) && i < CB_STORE_WAIT_ROUNDS) {
			sched_yield();
			v = atomic_load_explicit(&e->lock, memory_order_relaxed);
			continue;
		}
		/* Relaxed is enough: the data's release stores keep this odd
		 * value ahead of them for any reader that sees one of them. */
		if (atomic_compare_exchange_weak_explicit(
		            &e->lock, &v, 2 * seq + 1, memory_order_relaxed, memory_order_relaxed))
			return true;
	}
	return false;
}

void cb_store_push_event(struct cb_store *st, const struct cb_event *ev)
{
	if (!st->writable)
		return;
	uint64_t seq = atomic_fetch_add_explicit(&st->hdr->last_seq, 1, memory_order_relaxed) + 1;
	struct cb_ring_entry *e = entry_for(st, seq);
	if (!lock_entry(e, seq))
		return;
	uint64_t w[CB_EVENT_WORDS];
	memcpy(w, ev, sizeof(w));
	memcpy(w, &seq, sizeof(seq)); /* seq is the event's first field */
	for (size_t i = 0; i < CB_EVENT_WORDS; i++)
		atomic_store_explicit(&e->words[i], w[i], memory_order_release);
	uint64_t held = 2 * seq + 1;
	/* A CAS, not a store: if a later writer took the entry over meanwhile,
	 * its lock value must stand. */
	atomic_compare_exchange_strong_explicit(&e->lock, &held, 2 * seq, memory_order_release,
	                                        memory_order_relaxed);
}

/* Copies event seq into out; false when it is gone (overwritten) or does
 * not become readable within a bounded wait (its writer died). */
static bool read_entry(struct cb_store *st, uint64_t seq, struct cb_event *out)
{
	struct cb_ring_entry *e = entry_for(st, seq);
	for (int i = 0; i < CB_STORE_WAIT_ROUNDS; i++) {
		uint64_t v1 = atomic_load_explicit(&e->lock, memory_order_acquire);
		if (v1 > 2 * seq + 1)
			return false;
		if (v1 != 2 * seq) {
			sched_yield(); /* not written yet, or being written */
			continue;
		}
		/* Acquire loads: a word stored by a later writer brings that
		 * writer's odd lock with it, so the second look sees it. */
		uint64_t w[CB_EVENT_WORDS];
		for (size_t k = 0; k < CB_EVENT_WORDS; k++)
			w[k] = atomic_load_explicit(&e->words[k], memory_order_acquire);
		if (atomic_load_explicit(&e->lock, memory_order_relaxed) != v1)
			continue;
		memcpy(out, w, sizeof(*out));
		if (out->seq == seq)
			return true;
	}
	return false;
}

size_t cb_store_read_events(struct cb_store *st, uint64_t after, struct cb_event *out, size_t max)
{
	uint64_t last = atomic_load_explicit(&st->hdr->last_seq, memory_order_acquire);
	uint64_t first = after + 1;
	if (last > st->ring_size && first < last - st->ring_size + 1)
		first = last - st->ring_size + 1;
	size_t n = 0;
	for (uint64_t seq = first; seq <= last && n < max; seq++)
		if (read_entry(st, seq, &out[n]))
			n++;
	return n;
}

uint64_t cb_store_last_event_seq(struct cb_store *st)
{
	return atomic_load_explicit(&st->hdr->last_seq, memory_order_acquire);
}
