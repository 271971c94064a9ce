/* held.c - descriptors holding a place among a breaker's max_connections
 * (see held.h). */
#include "connect/held.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "base/base.h"

#define CHUNK  1024  /* descriptors (and records) per mmap'ed chunk */
#define CHUNKS 16384 /* descriptors below 16M, as the in-flight table */
#define LIMIT  ((unsigned int)CHUNK * CHUNKS)
/* A connection's record is looked for from its descriptor's number on:
 * it is taken unless a copy of an earlier connection on that number
 * lives on, so a few steps find a free one. */
#define PROBE 64

struct record {
	_Atomic uint32_t refs; /* this process's descriptors naming it; 0 = free */
	_Atomic(const struct cb_breaker_rt *) b;
};

struct chunk {
	_Atomic uint32_t fd_record[CHUNK]; /* record index + 1, 0 = none */
	struct record records[CHUNK];
};

_Atomic bool cb_held_used;
static _Atomic(struct chunk *) chunks[CHUNKS];
static _Atomic unsigned int chunks_used; /* highest chunk index mapped, + 1 */

static struct chunk *chunk_of(unsigned int i)
{
	return i < LIMIT ? atomic_load_explicit(&chunks[i / CHUNK], memory_order_acquire) : NULL;
}

/* mmap, not malloc: this runs inside connect(), perhaps in a signal
 * handler, and zero pages are a chunk with nothing held. */
static struct chunk *chunk_map(unsigned int i)
{
	struct chunk *c = chunk_of(i);
	if (c || i >= LIMIT)
		return c;
	CB_KEEP_ERRNO;
	struct chunk *fresh = mmap(NULL, sizeof(*fresh), PROT_READ | PROT_WRITE,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return NULL;
	struct chunk *expected = NULL;
	if (!atomic_compare_exchange_strong(&chunks[i / CHUNK], &expected, fresh)) {
		munmap(fresh, sizeof(*fresh)); /* another thread mapped it first */
		fresh = expected;
	}
	unsigned int used = atomic_load(&chunks_used);
	while (used < i / CHUNK + 1 &&
	       !atomic_compare_exchange_weak(&chunks_used, &used, i / CHUNK + 1))
		;
	return fresh;
}

static struct record *record_at(uint32_t index)
{
	struct chunk *c = chunk_of(index);
	return c ? &c->records[index % CHUNK] : NULL;
}

/* One descriptor fewer names record `index`: the last gives the place back. */
static void unref(uint32_t index)
{
	struct record *r = record_at(index);
	if (!r)
		return;
	/* Read before the count can reach 0 and the record be claimed anew. */
	const struct cb_breaker_rt *b = atomic_load(&r->b);
	if (atomic_fetch_sub(&r->refs, 1) == 1)
		cb_guard_conn_give(b);
}

bool cb_held_has(int fd)
{
	struct chunk *c = fd >= 0 ? chunk_of((unsigned int)fd) : NULL;
	return c && atomic_load_explicit(&c->fd_record[fd % CHUNK], memory_order_acquire) != 0;
}

void cb_held_put(int fd, const struct cb_breaker_rt *b)
{
	atomic_store_explicit(&cb_held_used, true, memory_order_relaxed);
	struct chunk *c = fd >= 0 ? chunk_map((unsigned int)fd) : NULL;
	for (unsigned int i = (unsigned int)fd; c && i < (unsigned int)fd + PROBE; i++) {
		struct chunk *rc = chunk_map(i);
		uint32_t free_refs = 0;
		if (!rc ||
		    !atomic_compare_exchange_strong(&rc->records[i % CHUNK].refs, &free_refs, 1))
			continue;
		atomic_store(&rc->records[i % CHUNK].b, b);
		uint32_t old = atomic_exchange(&c->fd_record[fd % CHUNK], i + 1);
		if (old)
			unref(old - 1);
		return;
	}
	cb_guard_conn_give(b);
}

void cb_held_drop_taken(int fd)
{
	struct chunk *c = fd >= 0 ? chunk_of((unsigned int)fd) : NULL;
	if (!c || atomic_load_explicit(&c->fd_record[fd % CHUNK], memory_order_relaxed) == 0 ||
	    cb_process_in_vfork_child())
		return;
	uint32_t old = atomic_exchange(&c->fd_record[fd % CHUNK], 0);
	if (old)
		unref(old - 1);
}

void cb_held_drop_range(unsigned int first, unsigned int last)
{
	unsigned int used = atomic_load(&chunks_used);
	if (used == 0 || first >= used * CHUNK)
		return;
	if (last >= used * CHUNK)
		last = used * CHUNK - 1;
	for (unsigned int fd = first; fd <= last; fd++) {
		if (!chunk_of(fd)) {
			fd = (fd / CHUNK + 1) * CHUNK - 1; /* the next chunk's first, after fd++ */
			continue;
		}
		cb_held_drop_taken((int)fd);
	}
}

void cb_held_copy(int oldfd, int newfd)
{
	struct chunk *oc = oldfd >= 0 ? chunk_of((unsigned int)oldfd) : NULL;
	uint32_t index = oc ? atomic_load(&oc->fd_record[oldfd % CHUNK]) : 0;
	if (oldfd == newfd || (index == 0 && !cb_held_has(newfd)) || cb_process_in_vfork_child())
		return;
	struct chunk *nc = newfd >= 0 ? chunk_map((unsigned int)newfd) : NULL;
	struct record *r = index ? record_at(index - 1) : NULL;
	if (!nc)
		return;
	if (r)
		atomic_fetch_add(&r->refs, 1);
	uint32_t old = atomic_exchange(&nc->fd_record[newfd % CHUNK], r ? index : 0);
	if (old)
		unref(old - 1);
}

/* Every record and descriptor entry cleared; `give` first gives each
 * place held back. */
static void clear_all(bool give)
{
	unsigned int used = atomic_load(&chunks_used);
	for (unsigned int ci = 0; ci < used; ci++) {
		struct chunk *c = atomic_load(&chunks[ci]);
		for (unsigned int j = 0; c && j < CHUNK; j++) {
			atomic_store(&c->fd_record[j], 0);
			const struct cb_breaker_rt *b = atomic_load(&c->records[j].b);
			if (atomic_exchange(&c->records[j].refs, 0) != 0 && give)
				cb_guard_conn_give(b);
		}
	}
}

void cb_held_forget_all(void)
{
	clear_all(false);
}

void cb_held_give_all(void)
{
	clear_all(true);
}
