/* inflight.c - records of protected connects in flight, per descriptor
 * (see inflight.h). */
#include "connect/inflight.h"

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

static _Atomic(struct entry *) chunks[CB_INFLIGHT_CHUNKS];
static _Atomic unsigned int chunks_used; /* highest chunk index mapped, + 1 */

static struct entry *find(int fd)
{
	if (fd < 0 || (unsigned int)fd >= (unsigned int)CB_INFLIGHT_CHUNK * CB_INFLIGHT_CHUNKS)
		return NULL;
	struct entry *c =
	        atomic_load_explicit(&chunks[fd / CB_INFLIGHT_CHUNK], memory_order_acquire);
	return c ? &c[fd % CB_INFLIGHT_CHUNK] : NULL;
}

/* mmap, not malloc: this runs inside connect(), possibly in a signal
 * handler, and a zero page is a valid chunk of free entries. */
static struct entry *find_or_map(int fd)
{
	struct entry *e = find(fd);
	if (e || fd < 0 || (unsigned int)fd >= (unsigned int)CB_INFLIGHT_CHUNK * CB_INFLIGHT_CHUNKS)
		return e;
	unsigned int idx = (unsigned int)fd / CB_INFLIGHT_CHUNK;
	size_t size = sizeof(struct entry) * CB_INFLIGHT_CHUNK;
	CB_KEEP_ERRNO;
	struct entry *fresh =
	        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return NULL;
	struct entry *expected = NULL;
	if (!atomic_compare_exchange_strong(&chunks[idx], &expected, fresh)) {
		munmap(fresh, size); /* another thread mapped it first */
		fresh = expected;
	}
	unsigned int used = atomic_load(&chunks_used);
	while (used < idx + 1 && !atomic_compare_exchange_weak(&chunks_used, &used, idx + 1))
		;
	return &fresh[fd % CB_INFLIGHT_CHUNK];
}

bool cb_inflight_put(int fd, const struct cb_pending *p, uint64_t *token)
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

bool cb_inflight_peek(int fd, uint64_t *token, struct cb_pending *out)
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

bool cb_inflight_take(int fd, uint64_t token, struct cb_pending *out)
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

int cb_inflight_next(unsigned int from, unsigned int last)
{
	unsigned int used = atomic_load_explicit(&chunks_used, memory_order_acquire);
	unsigned int limit = used * CB_INFLIGHT_CHUNK;
	if (last >= limit)
		last = limit ? limit - 1 : 0;
	for (unsigned int fd = from; used && fd <= last;) {
		struct entry *c =
		        atomic_load_explicit(&chunks[fd / CB_INFLIGHT_CHUNK], memory_order_acquire);
		if (!c) {
			fd = (fd / CB_INFLIGHT_CHUNK + 1) * CB_INFLIGHT_CHUNK;
			continue;
		}
		uint64_t w =
		        atomic_load_explicit(&c[fd % CB_INFLIGHT_CHUNK].word, memory_order_relaxed);
		if ((w & ENTRY_STATE_MASK) == ENTRY_PENDING)
			return (int)fd;
		if (fd == last)
			break;
		fd++;
	}
	return -1;
}

void cb_inflight_forget_all(void)
{
	unsigned int used = atomic_load(&chunks_used);
	for (unsigned int i = 0; i < used; i++) {
		struct entry *c = atomic_load(&chunks[i]);
		for (unsigned int j = 0; c && j < CB_INFLIGHT_CHUNK; j++) {
			uint64_t w = atomic_load(&c[j].word);
			if ((w & ENTRY_STATE_MASK) != ENTRY_FREE &&
			    c[j].p.kind != CB_PENDING_REJECTED)
				atomic_store(&c[j].word, ((w >> 2) + 1) << 2 | ENTRY_FREE);
		}
	}
}
