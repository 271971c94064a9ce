/* store.c - the store's slots: private stores, finding a breaker's slot by
 * name, iteration, and choosing between a file and private memory (README
 * "Shared state"). The layout is layout.c, the file file.c, the event ring
 * ring.c, derived paths path.c. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/layout.h"
#include "state/store.h"

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

/* Records what is at path now (lstat: a symlink is never followed). */
static void watch_path(struct cb_store *st, const char *path)
{
	struct stat sb;
	snprintf(st->watch, sizeof(st->watch), "%s", path);
	st->watch_exists = lstat(path, &sb) == 0;
	st->watch_dev = st->watch_exists ? sb.st_dev : 0;
	st->watch_ino = st->watch_exists ? sb.st_ino : 0;
}

struct cb_store *cb_store_open(const struct cb_config *cfg, char *warn, size_t warnlen)
{
	if (warnlen)
		warn[0] = '\0';
	uint32_t capacity = cb_store_capacity_for(cfg);
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
	/* Refused: tried again only once another file is at the path. */
	st = private_open(capacity);
	if (st)
		watch_path(st, path);
	return st;
}

bool cb_store_is_current(const struct cb_store *st)
{
	if (!st->watch[0])
		return true;
	struct stat sb;
	if (lstat(st->watch, &sb) != 0) {
		/* Unknown (a directory we may no longer search): stay. */
		return errno == ENOENT ? !st->watch_exists : true;
	}
	if (!st->watch_exists || sb.st_dev != st->watch_dev || sb.st_ino != st->watch_ino)
		return false;
	/* Written over in place: what the next opener will refuse. */
	return !cb_store_is_shared(st) || !cb_store_check_header(st->hdr, st->size);
}

void cb_store_retire(struct cb_store *st)
{
	/* Zero pages over the file's, at the same address, in one step: a
	 * call still holding a slot of this store carries on harmlessly, and
	 * the removed file's memory is given back. */
	if (cb_store_is_shared(st))
		(void)!mmap(st->base, st->size, PROT_READ | PROT_WRITE,
		            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

bool cb_store_holds(const struct cb_store *st, const struct cb_slot *slot)
{
	return slot >= st->slots && slot < st->slots + st->capacity;
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
	uint32_t hash = cb_fnv1a_fold32(cb_fnv1a_str(name));
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
				cb_slot_init(s);
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

const char *cb_store_path_damage(struct cb_store *st, const char *name, int64_t now_ms)
{
	uint32_t hash = cb_fnv1a_fold32(cb_fnv1a_str(name));
	uint32_t mask = st->capacity - 1;
	for (uint32_t i = 0; i < st->capacity; i++) {
		const struct cb_slot *s = &st->slots[(hash + i) & mask];
		uint32_t c = atomic_load_explicit(&s->claim, memory_order_acquire);
		if (c == 0)
			return NULL;
		if (c > 2)
			return "slot claim out of range";
		const char *why = c == 2 ? cb_slot_check(s, now_ms) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

/* A place among the `max` discovered slots is taken before the slot is
 * made and given back when the name was there already (found, or made by
 * another process meanwhile), so the count never passes max. */
struct cb_slot *cb_store_discover(struct cb_store *st, const char *name, uint32_t max)
{
	struct cb_slot *s = cb_store_find(st, name, false);
	if (s || !st->writable)
		return s;
	if (atomic_fetch_add(&st->hdr->discovered, 1) >= max) {
		atomic_fetch_sub(&st->hdr->discovered, 1);
		return NULL;
	}
	s = cb_store_find(st, name, true);
	if (s && atomic_fetch_or(&s->flags, CB_SLOT_DISCOVERED) & CB_SLOT_DISCOVERED)
		atomic_fetch_sub(&st->hdr->discovered, 1); /* made by another process */
	else if (!s)
		atomic_fetch_sub(&st->hdr->discovered, 1);
	return s;
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

struct cb_fleet_shared *cb_store_fleet(struct cb_store *st)
{
	return st ? &st->hdr->fleet : NULL;
}
