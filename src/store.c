/* store.c - the store's slots: layout, private stores, finding a breaker's
 * slot by name, iteration, and choosing between a file and private memory
 * (SPEC section 5). The file itself is store_file.c, the event ring
 * store_ring.c, derived paths store_path.c. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store.h"
#include "store_impl.h"
#include "store_tool.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

void cb_store_layout(uint32_t capacity, uint32_t ring_size, struct cb_store_layout *out)
{
	out->ring_offset = align_up(sizeof(struct cb_store_header), 64);
	out->slots_offset =
	        align_up(out->ring_offset + (uint64_t)ring_size * sizeof(struct cb_ring_entry),
	                 CB_STORE_PAGE);
	out->total_size = align_up(out->slots_offset + (uint64_t)capacity * sizeof(struct cb_slot),
	                           CB_STORE_PAGE);
}

uint32_t cb_store_capacity_for(size_t n_breakers)
{
	uint32_t cap = CB_STORE_MIN_CAPACITY;
	while (cap < CB_STORE_MAX_CAPACITY && (size_t)cap < 2 * n_breakers)
		cap *= 2;
	return cap;
}

void cb_store_init_header(struct cb_store_header *h, uint32_t capacity, uint32_t ring_size)
{
	struct cb_store_layout l;
	cb_store_layout(capacity, ring_size, &l);
	h->version = CB_STORE_VERSION;
	h->header_size = sizeof(*h);
	h->total_size = l.total_size;
	h->slot_size = sizeof(struct cb_slot);
	h->capacity = capacity;
	h->ring_size = ring_size;
	h->entry_size = sizeof(struct cb_ring_entry);
	h->ring_offset = l.ring_offset;
	h->slots_offset = l.slots_offset;
	h->creator_uid = (uint32_t)geteuid();
	h->created_wall_ms = cb_wall_ms();
	atomic_store_explicit(&h->last_seq, 0, memory_order_relaxed);
	atomic_store_explicit(&h->magic, CB_STORE_MAGIC, memory_order_release);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

const char *cb_store_check_header(const struct cb_store_header *h, uint64_t file_size)
{
	if (atomic_load_explicit(&h->magic, memory_order_acquire) != CB_STORE_MAGIC)
		return "not a cbreaker state file (bad magic)";
	if (h->version != CB_STORE_VERSION)
		return "unsupported layout version";
	if (h->header_size != sizeof(*h) || h->slot_size != sizeof(struct cb_slot) ||
	    h->entry_size != sizeof(struct cb_ring_entry))
		return "layout from another cbreaker build (record sizes differ)";
	if (!is_pow2(h->capacity) || h->capacity > CB_STORE_MAX_CAPACITY ||
	    !is_pow2(h->ring_size) || h->ring_size > CB_STORE_MAX_CAPACITY)
		return "corrupt header (capacity)";
	struct cb_store_layout l;
	cb_store_layout(h->capacity, h->ring_size, &l);
	if (h->ring_offset != l.ring_offset || h->slots_offset != l.slots_offset ||
	    h->total_size != l.total_size)
		return "corrupt header (offsets)";
	if (h->total_size != file_size)
		return "size does not match its header (truncated?)";
	return NULL;
}

void cb_store_bind(struct cb_store *st, unsigned char *base, size_t size)
{
	st->base = base;
	st->size = size;
	st->hdr = (struct cb_store_header *)base;
	st->ring = (struct cb_ring_entry *)(base + st->hdr->ring_offset);
	st->slots = (struct cb_slot *)(base + st->hdr->slots_offset);
	st->capacity = st->hdr->capacity;
	st->ring_size = st->hdr->ring_size;
}

/* Private memory, laid out exactly like the file so the rest is one path.
 * An anonymous mapping rather than calloc: page-aligned as the layout
 * assumes, and its zero pages cost nothing until touched, where a 300 KB
 * memset would make every process pay for slots it never uses. */
static struct cb_store *private_open(uint32_t capacity)
{
	struct cb_store_layout l;
	cb_store_layout(capacity, CB_STORE_RING, &l);
	struct cb_store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	void *base = mmap(NULL, l.total_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	                  -1, 0);
	if (base == MAP_FAILED) {
		free(st);
		return NULL;
	}
	cb_store_init_header(base, capacity, CB_STORE_RING);
	cb_store_bind(st, base, l.total_size);
	st->writable = true;
	return st;
}

/* An auto path needs the private directory; the reason it is unusable, in
 * buf, or NULL. */
static const char *auto_dir_problem(char *buf, size_t len)
{
	char dir[PATH_MAX];
	return cb_store_private_dir(dir, sizeof(dir), buf, len) == 0 ? NULL : buf;
}

struct cb_store *cb_store_open(const struct cb_config *cfg, char *warn, size_t warnlen)
{
	if (warnlen)
		warn[0] = '\0';
	uint32_t capacity = cb_store_capacity_for(cfg->n_breakers);
	const struct cb_global_config *g = &cfg->global;
	char why[PATH_MAX + 128];
	if (g->state_file_kind == CB_PATH_AUTO && auto_dir_problem(why, sizeof(why))) {
		snprintf(warn, warnlen, "state file: %s; breakers stay private to this process",
		         why);
		return private_open(capacity);
	}
	char path[PATH_MAX];
	if (cb_store_state_path(cfg, path, sizeof(path)) != 0) {
		snprintf(warn, warnlen,
		         "state file: path too long; breakers stay private to this process");
		return private_open(capacity);
	}
	if (!path[0]) {
		/* Each process serves its own socket in the private directory. */
		if (g->socket_kind == CB_PATH_AUTO && auto_dir_problem(why, sizeof(why)))
			snprintf(warn, warnlen, "control socket: %s; this process serves none",
			         why);
		return private_open(capacity);
	}
	struct cb_store *st = cb_store_file_open(path, cfg, false, true, true, why, sizeof(why));
	if (st)
		return st;
	if (!why[0]) /* out of memory */
		return NULL;
	snprintf(warn, warnlen, "state file %s: %s; breakers stay private to this process", path,
	         why);
	return private_open(capacity);
}

struct cb_store *cb_store_attach_for(const char *path, const struct cb_config *cfg, bool writable,
                                     char *err, size_t errlen)
{
	char why[256];
	if (errlen)
		err[0] = '\0';
	struct cb_store *st =
	        cb_store_file_open(path, cfg, true, false, writable, why, sizeof(why));
	if (!st)
		snprintf(err, errlen, "state file %s: %s", path, why);
	return st;
}

struct cb_store *cb_store_attach(const char *path, bool writable, char *err, size_t errlen)
{
	return cb_store_attach_for(path, NULL, writable, err, errlen);
}

void cb_store_close(struct cb_store *st)
{
	if (!st)
		return;
	munmap(st->base, st->size);
	free(st);
}

static uint32_t fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* A slot another process is filling in (claim 1) becomes ready within a few
 * stores; wait for that, boundedly, because that process may have died
 * between its two stores and then the slot stays busy forever. */
static uint32_t wait_ready(struct cb_slot *s)
{
	uint32_t c = atomic_load_explicit(&s->claim, memory_order_acquire);
	for (int i = 0; c == 1 && i < CB_STORE_WAIT_ROUNDS; i++) {
		sched_yield();
		c = atomic_load_explicit(&s->claim, memory_order_acquire);
	}
	return c;
}

static bool slot_is(const struct cb_slot *s, uint32_t hash, const char *name)
{
	return s->name_hash == hash && strncmp(s->name, name, CB_NAME_MAX) == 0;
}

/* Linear probing from the name's hash. Slots are never freed, so a free
 * slot ends the search; a slot stuck busy (its creator died) is skipped. */
struct cb_slot *cb_store_find(struct cb_store *st, const char *name, bool create)
{
	size_t len = strlen(name);
	if (len == 0 || len >= CB_NAME_MAX)
		return NULL;
	create = create && st->writable;
	uint32_t hash = fnv1a32(name);
	uint32_t mask = st->capacity - 1;
	for (uint32_t i = 0; i < st->capacity; i++) {
		struct cb_slot *s = &st->slots[(hash + i) & mask];
		uint32_t c = atomic_load_explicit(&s->claim, memory_order_acquire);
		if (c == 0) {
			if (!create)
				return NULL;
			if (atomic_compare_exchange_strong_explicit(
			            &s->claim, &c, 1, memory_order_acq_rel, memory_order_acquire)) {
				s->name_hash = hash;
				memcpy(s->name, name, len + 1);
				cb_breaker_init(s);
				atomic_store_explicit(&s->claim, 2, memory_order_release);
				return s;
			}
			/* Lost the race for this slot: judge it as it now is. */
		}
		if (c == 1)
			c = wait_ready(s);
		if (c == 2 && slot_is(s, hash, name))
			return s;
	}
	return NULL;
}

uint32_t cb_store_capacity(const struct cb_store *st)
{
	return st->capacity;
}

struct cb_slot *cb_store_slot_at(struct cb_store *st, uint32_t index)
{
	if (index >= st->capacity)
		return NULL;
	struct cb_slot *s = &st->slots[index];
	if (atomic_load_explicit(&s->claim, memory_order_acquire) != 2)
		return NULL;
	return s;
}

bool cb_store_is_shared(const struct cb_store *st)
{
	return st->path[0] != '\0';
}

const char *cb_store_path(const struct cb_store *st)
{
	return st->path;
}
