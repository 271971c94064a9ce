/* endpoint.c - per-address sub-breakers (see endpoint.h). */
#include "core/endpoint.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEN_EVERY_MS 1000 /* how stale `endpoint_seen_ms` may be: one write a second */

struct cb_endpoints {
	atomic_flag busy;       /* extending the table: a try-lock */
	_Atomic uint32_t known; /* entries [0, known) are built */
	uint32_t name_hash;     /* of the breaker's name: its slots' names */
	struct cb_breaker_rt e[CB_ENDPOINTS_MAX];
};

struct cb_endpoints *cb_endpoints_new(const struct cb_breaker_rt *b)
{
	struct cb_endpoints *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	atomic_flag_clear(&t->busy);
	t->name_hash = cb_fnv1a_fold32(cb_fnv1a_str(b->cfg->name));
	for (int i = 0; i < CB_ENDPOINTS_MAX; i++) {
		t->e[i].rt = b->rt;
		t->e[i].cfg = b->cfg;
		t->e[i].parent = b;
	}
	return t;
}

static void slot_name(uint32_t name_hash, int i, char *buf, size_t len)
{
	snprintf(buf, len, "@%08x.%d", name_hash, i + 1);
}

static uint64_t claim_of(uint64_t word)
{
	return word & CB_ENDPOINT_CLAIM_MASK;
}

/* The address slot s judges, read as a seqlock: false when it judges none
 * or changed meanwhile. */
static bool read_address(const struct cb_slot *s, uint64_t *word, struct cb_address *a)
{
	uint64_t w = atomic_load_explicit(&s->endpoint, memory_order_acquire);
	if (claim_of(w) != CB_ENDPOINT_ASSIGNED)
		return false;
	uint64_t ip[2] = {atomic_load_explicit(&s->endpoint_ip[0], memory_order_relaxed),
	                  atomic_load_explicit(&s->endpoint_ip[1], memory_order_relaxed)};
	uint32_t port = atomic_load_explicit(&s->endpoint_port, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&s->endpoint, memory_order_relaxed) != w)
		return false;
	memcpy(a->ip, ip, sizeof(a->ip));
	a->port = (uint16_t)port;
	*word = w;
	return true;
}

static bool same(const struct cb_address *a, const struct cb_address *b)
{
	return a->port == b->port && memcmp(a->ip, b->ip, sizeof(a->ip)) == 0;
}

static bool idle(const struct cb_slot *s, int64_t now_ms)
{
	return now_ms - atomic_load_explicit(&s->endpoint_seen_ms, memory_order_relaxed) >
	       CB_ENDPOINT_IDLE_MS;
}

static void note_seen(struct cb_slot *s, int64_t now_ms)
{
	if (now_ms - atomic_load_explicit(&s->endpoint_seen_ms, memory_order_relaxed) >=
	    SEEN_EVERY_MS)
		atomic_store_explicit(&s->endpoint_seen_ms, now_ms, memory_order_relaxed);
}

/* The entry among those built that judges `to`, or NULL. */
static const struct cb_breaker_rt *find(const struct cb_endpoints *t, const struct cb_address *to)
{
	uint32_t n = atomic_load_explicit(&t->known, memory_order_acquire);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t w;
		struct cb_address a;
		if (read_address(t->e[i].slot, &w, &a) && same(&a, to))
			return &t->e[i];
	}
	return NULL;
}

/* Builds entries for the endpoint slots that exist in the store (made by
 * any process), up to the first that does not; with `make`, makes that one
 * too. Called with the try-lock held. */
static void extend(struct cb_endpoints *t, struct cb_store *st, bool make)
{
	for (uint32_t i = atomic_load(&t->known); i < CB_ENDPOINTS_MAX; i++) {
		char name[CB_NAME_MAX];
		slot_name(t->name_hash, (int)i, name, sizeof(name));
		struct cb_slot *s = cb_store_find(st, name, false);
		if (!s && make && (s = cb_store_find(st, name, true)) != NULL)
			atomic_fetch_or(&s->flags, CB_SLOT_ENDPOINT);
		if (!s)
			return;
		t->e[i].slot = s;
		atomic_store_explicit(&t->known, i + 1, memory_order_release);
		if (make)
			return;
	}
}

/* Gives slot s, seen as word w (free, or idle), to `to`: true for the one
 * caller whose compare-and-swap won. */
static bool assign(struct cb_slot *s, uint64_t w, const struct cb_address *to, int64_t now_ms)
{
	uint64_t busy = (w & ~(uint64_t)CB_ENDPOINT_CLAIM_MASK) | CB_ENDPOINT_BUSY;
	if (!atomic_compare_exchange_strong(&s->endpoint, &w, busy))
		return false;
	if (claim_of(w) == CB_ENDPOINT_ASSIGNED)
		cb_slot_clear_breaker(s); /* an idle address's record is not the new one's */
	uint64_t ip[2];
	memcpy(ip, to->ip, sizeof(ip));
	atomic_store_explicit(&s->endpoint_ip[0], ip[0], memory_order_relaxed);
	atomic_store_explicit(&s->endpoint_ip[1], ip[1], memory_order_relaxed);
	atomic_store_explicit(&s->endpoint_port, to->port, memory_order_relaxed);
	atomic_store_explicit(&s->endpoint_seen_ms, now_ms, memory_order_relaxed);
	uint64_t seq = (w >> 2) + 1;
	atomic_store_explicit(&s->endpoint, seq << 2 | CB_ENDPOINT_ASSIGNED, memory_order_release);
	return true;
}

/* First sight of `to` in this process (lock held): another process's
 * endpoint for it, else a free slot, else the one idle longest. */
static const struct cb_breaker_rt *meet(struct cb_endpoints *t, struct cb_store *st,
                                        const struct cb_address *to, int64_t now_ms)
{
	extend(t, st, false);
	const struct cb_breaker_rt *e = find(t, to);
	for (int round = 0; !e && round < CB_ENDPOINTS_MAX; round++) {
		struct cb_breaker_rt *oldest = NULL;
		int64_t oldest_ms = INT64_MAX;
		uint32_t n = atomic_load(&t->known);
		for (uint32_t i = 0; i < n && !e; i++) {
			struct cb_slot *s = t->e[i].slot;
			uint64_t w = atomic_load(&s->endpoint);
			struct cb_address a;
			if (claim_of(w) == CB_ENDPOINT_FREE && assign(s, w, to, now_ms))
				return &t->e[i];
			if (read_address(s, &w, &a) && same(&a, to))
				return &t->e[i];
			int64_t seen = atomic_load(&s->endpoint_seen_ms);
			if (claim_of(w) == CB_ENDPOINT_ASSIGNED && idle(s, now_ms) &&
			    seen < oldest_ms) {
				oldest = &t->e[i];
				oldest_ms = seen;
			}
		}
		if (n < CB_ENDPOINTS_MAX) {
			extend(t, st, true);
			if (atomic_load(&t->known) == n)
				return NULL; /* the store is full */
			continue;
		}
		if (!oldest)
			return NULL;
		uint64_t w = atomic_load(&oldest->slot->endpoint);
		if (claim_of(w) == CB_ENDPOINT_ASSIGNED && idle(oldest->slot, now_ms) &&
		    assign(oldest->slot, w, to, now_ms))
			return oldest;
	}
	return e;
}

/* The operator's word on b itself covers every address. */
static bool operator_state(const struct cb_breaker_rt *b)
{
	enum cb_state st = cb_slot_state(b->slot);
	return st == CB_FORCED_OPEN || st == CB_DISABLED;
}

const struct cb_breaker_rt *cb_endpoint_for(const struct cb_breaker_rt *b,
                                            const struct cb_address *to, int64_t now_ms)
{
	struct cb_endpoints *t = b->endpoints;
	if (!t || operator_state(b))
		return b;
	const struct cb_breaker_rt *e = find(t, to);
	if (!e && !atomic_flag_test_and_set_explicit(&t->busy, memory_order_acquire)) {
		e = meet(t, b->rt->store, to, now_ms);
		atomic_flag_clear_explicit(&t->busy, memory_order_release);
	}
	if (!e)
		return b;
	note_seen(e->slot, now_ms);
	return e;
}

/* Open with its retry time ahead: a call now would be turned away. */
static bool turns_away(const struct cb_slot *s, int64_t now_ms)
{
	switch (cb_slot_state(s)) {
	case CB_FORCED_OPEN:
		return true;
	case CB_OPEN: {
		int64_t at = atomic_load_explicit(&s->retry_at_ms, memory_order_relaxed);
		int64_t ra = atomic_load_explicit(&s->retry_after_until_ms, memory_order_relaxed);
		return now_ms < (ra > at ? ra : at);
	}
	default:
		return false;
	}
}

/* Entries for the slots other processes made since this one looked. */
static void catch_up(const struct cb_breaker_rt *b)
{
	struct cb_endpoints *t = b->endpoints;
	if (!atomic_flag_test_and_set_explicit(&t->busy, memory_order_acquire)) {
		extend(t, b->rt->store, false);
		atomic_flag_clear_explicit(&t->busy, memory_order_release);
	}
}

bool cb_endpoint_rejects(const struct cb_breaker_rt *b, const struct cb_address *to, int64_t now_ms)
{
	if (!b->endpoints || b->cfg->mode == CB_MODE_OBSERVE)
		return false;
	if (operator_state(b))
		return cb_slot_state(b->slot) == CB_FORCED_OPEN;
	const struct cb_breaker_rt *e = find(b->endpoints, to);
	if (!e) {
		catch_up(b);
		e = find(b->endpoints, to);
	}
	if (!e)
		return false;
	note_seen(e->slot, now_ms);
	return turns_away(e->slot, now_ms);
}

bool cb_endpoints_all_reject(const struct cb_breaker_rt *b, int64_t now_ms)
{
	const struct cb_endpoints *t = b->endpoints;
	if (!t || b->cfg->mode == CB_MODE_OBSERVE)
		return false;
	catch_up(b);
	uint32_t n = atomic_load_explicit(&t->known, memory_order_acquire), known = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct cb_slot *s = t->e[i].slot;
		if (claim_of(atomic_load(&s->endpoint)) != CB_ENDPOINT_ASSIGNED || idle(s, now_ms))
			continue;
		if (!turns_away(s, now_ms))
			return false;
		known++;
	}
	return known > 0;
}

size_t cb_endpoints_list(struct cb_store *st, const char *breaker, int64_t now_ms,
                         struct cb_endpoint_view *out, size_t max)
{
	uint32_t h = cb_fnv1a_fold32(cb_fnv1a_str(breaker));
	size_t n = 0;
	for (int i = 0; st && i < CB_ENDPOINTS_MAX && n < max; i++) {
		char name[CB_NAME_MAX];
		slot_name(h, i, name, sizeof(name));
		struct cb_slot *s = cb_store_find(st, name, false);
		uint64_t w;
		struct cb_address a;
		if (!s || !read_address(s, &w, &a) || idle(s, now_ms))
			continue;
		out[n].slot = s;
		cb_address_format(&a, out[n].address, sizeof(out[n].address));
		n++;
	}
	return n;
}

void cb_endpoint_label(const char *breaker, const struct cb_slot *slot, char *buf, size_t len)
{
	uint64_t w;
	struct cb_address a;
	char where[CB_ADDRSTR_MAX];
	if (!(atomic_load_explicit(&slot->flags, memory_order_relaxed) & CB_SLOT_ENDPOINT) ||
	    !read_address(slot, &w, &a)) {
		snprintf(buf, len, "%s", breaker);
		return;
	}
	cb_address_format(&a, where, sizeof(where));
	/* The address whole, the name cut short when both do not fit. */
	int room = (int)len - (int)strlen(where) - 2;
	snprintf(buf, len, "%.*s@%s", room > 0 ? room : 0, breaker, where);
}
