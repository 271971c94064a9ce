/* discover.c - breakers made for destinations nothing covers (see
 * discover.h). */
#include "core/discover.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "core/log.h"

struct entry {
	struct cb_address key;
	struct cb_breaker_config cfg;
	struct cb_breaker_rt b;
};

struct cb_discovery {
	uint32_t max, mask;
	_Atomic uint32_t used;   /* entries claimed */
	_Atomic bool full;       /* the store holds max already: new ones stay untracked */
	_Atomic uint32_t *index; /* entry + 1 at the key's hash, linear probing; 0 = empty */
	struct entry *entries;
};

struct cb_discovery *cb_discovery_new(uint32_t max)
{
	struct cb_discovery *d = calloc(1, sizeof(*d));
	uint32_t size = 2;
	while (size < 2 * max)
		size *= 2;
	if (!d)
		return NULL;
	d->max = max;
	d->mask = size - 1;
	/* calloc of this size maps zero pages: entries cost only once met. */
	d->index = calloc(size, sizeof(*d->index));
	d->entries = calloc(max, sizeof(*d->entries));
	if (!d->index || !d->entries) {
		free(d->index);
		free(d->entries);
		free(d);
		return NULL;
	}
	return d;
}

/* "api.example:443" for a resolved name that fits, else "10.0.0.7:443" or
 * "[2001:db8::7]:443" (a v4-mapped address as IPv4). */
static void make_name(const char *name, const struct cb_address *key, char *buf, size_t len)
{
	if (name && strlen(name) + 7 < len) {
		snprintf(buf, len, "%s:%u", name, (unsigned)key->port);
		return;
	}
	cb_address_format(key, buf, len);
}

void cb_discovery_config(const struct cb_config *cfg, const char *name,
                         struct cb_breaker_config *out)
{
	*out = cfg->discovered;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->hosts = out->name;
}

static const struct cb_breaker_rt *find(struct cb_discovery *d, const struct cb_address *key,
                                        uint32_t h)
{
	for (uint32_t i = 0; i <= d->mask; i++) {
		uint32_t v =
		        atomic_load_explicit(&d->index[(h + i) & d->mask], memory_order_acquire);
		if (v == 0)
			return NULL;
		if (memcmp(&d->entries[v - 1].key, key, sizeof(*key)) == 0)
			return &d->entries[v - 1].b;
	}
	return NULL;
}

/* Publishes entry e at the key's place; another thread's entry for the
 * same key, published first, wins. */
static const struct cb_breaker_rt *publish(struct cb_discovery *d, uint32_t e, uint32_t h)
{
	for (uint32_t i = 0; i <= d->mask; i++) {
		_Atomic uint32_t *at = &d->index[(h + i) & d->mask];
		uint32_t v = 0;
		if (atomic_compare_exchange_strong_explicit(at, &v, e + 1, memory_order_acq_rel,
		                                            memory_order_acquire))
			return &d->entries[e].b;
		if (memcmp(&d->entries[v - 1].key, &d->entries[e].key, sizeof(d->entries[e].key)) ==
		    0)
			return &d->entries[v - 1].b;
	}
	return NULL;
}

/* First sight in this process: the store's slot by name, made while
 * fewer than max exist host-wide. */
static __attribute__((noinline)) const struct cb_breaker_rt *
meet(const struct cb_runtime *rt, struct cb_discovery *d, const char *name,
     const struct cb_address *key, uint32_t h)
{
	char label[CB_NAME_MAX];
	make_name(name, key, label, sizeof(label));
	struct cb_slot *slot = cb_store_discover(rt->store, label, d->max);
	if (!slot) {
		atomic_store(&d->full, true);
		return NULL;
	}
	uint32_t e = atomic_fetch_add(&d->used, 1);
	if (e >= d->max)
		return NULL;
	struct entry *en = &d->entries[e];
	en->key = *key;
	cb_discovery_config(rt->cfg, label, &en->cfg);
	en->b.rt = rt;
	en->b.cfg = &en->cfg;
	en->b.slot = slot;
	return publish(d, e, h);
}

const struct cb_breaker_rt *cb_discovery_lookup(const struct cb_runtime *rt, const char *name,
                                                const struct sockaddr *addr)
{
	struct cb_discovery *d = rt->discovery;
	struct cb_address key;
	cb_address_of(addr, &key);
	uint32_t h = cb_fnv1a_fold32(cb_fnv1a(CB_FNV1A_BASIS, &key, sizeof(key)));
	const struct cb_breaker_rt *b = find(d, &key, h);
	if (b || atomic_load_explicit(&d->full, memory_order_relaxed) ||
	    atomic_load_explicit(&d->used, memory_order_relaxed) >= d->max)
		return b;
	return meet(rt, d, name, &key, h);
}

size_t cb_discovery_list(const struct cb_config *cfg, struct cb_store *st,
                         struct cb_breaker_config *cfgs, const struct cb_slot **slots, size_t max)
{
	size_t n = 0;
	for (uint32_t i = 0; st && n < max && i < cb_store_capacity(st); i++) {
		const struct cb_slot *s = cb_store_slot_at(st, i);
		if (!s || !(atomic_load(&s->flags) & CB_SLOT_DISCOVERED))
			continue;
		char name[CB_NAME_MAX];
		snprintf(name, sizeof(name), "%.*s", CB_NAME_MAX - 1, s->name);
		cb_discovery_config(cfg, name, &cfgs[n]);
		slots[n++] = s;
	}
	return n;
}
