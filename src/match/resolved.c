/* resolved.c - the address -> name table (see resolved.h). */
#include "match/resolved.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "base/base.h"

#define NAME_WORDS (CB_HOST_MAX / 8)

/* Every field is an atomic accessed relaxed under the seqlock, so readers
 * racing a writer are well-defined (and clean under ThreadSanitizer); the
 * sequence number tells them whether what they copied is consistent. */
struct name_entry {
	_Atomic uint32_t seq;    /* odd while being written */
	_Atomic uint32_t family; /* 0 = empty, 4 or 6 */
	_Atomic uint64_t stamp;  /* insertion order: the smallest is replaced first */
	_Atomic uint64_t key[2];
	_Atomic uint64_t name[NAME_WORDS]; /* NUL-terminated, NUL-padded */
};

static struct name_entry table[CB_RESOLVED_SETS][CB_RESOLVED_WAYS];
static _Atomic uint64_t next_stamp = 1;
_Atomic uint32_t cb_resolved_used;

struct key {
	uint32_t family;
	union {
		uint8_t bytes[16];
		uint64_t words[2];
	};
};

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool make_key(const struct sockaddr *addr, struct key *k)
{
	memset(k, 0, sizeof(*k));
	if (!addr)
		return false;
	if (addr->sa_family == AF_INET) {
		k->family = 4;
		memcpy(k->bytes, &((const struct sockaddr_in *)addr)->sin_addr, 4);
		return true;
	}
	if (addr->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
		if (memcmp(a, V4_MAPPED, sizeof(V4_MAPPED)) == 0) {
			k->family = 4;
			memcpy(k->bytes, a + 12, 4);
		} else {
			k->family = 6;
			memcpy(k->bytes, a, 16);
		}
		return true;
	}
	return false;
}

static uint64_t load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static bool key_is(struct name_entry *e, const struct key *k)
{
	return atomic_load_explicit(&e->family, memory_order_relaxed) == k->family &&
	       load(&e->key[0]) == k->words[0] && load(&e->key[1]) == k->words[1];
}

/* Spreads consecutive addresses over the sets. */
static unsigned int set_of(const struct key *k)
{
	uint64_t h = cb_fnv1a_byte(CB_FNV1A_BASIS, k->family);
	h = cb_fnv1a(h, k->bytes, k->family == 4 ? 4u : 16u);
	return cb_fnv1a_fold32(h) % CB_RESOLVED_SETS;
}

void cb_resolved_remember(const struct sockaddr *addr, const char *name)
{
	struct key k;
	if (!name || !make_key(addr, &k))
		return;
	struct name_entry *set = table[set_of(&k)];
	struct name_entry *victim = &set[0];
	for (unsigned int i = 0; i < CB_RESOLVED_WAYS; i++) {
		struct name_entry *e = &set[i];
		if (key_is(e, &k)) {
			victim = e;
			break;
		}
		if (load(&e->stamp) < load(&victim->stamp))
			victim = e;
	}
	uint32_t s = atomic_load_explicit(&victim->seq, memory_order_relaxed);
	if ((s & 1) || !atomic_compare_exchange_strong_explicit(
	                       &victim->seq, &s, s + 1, memory_order_acquire, memory_order_relaxed))
		return; /* another thread is writing it: its name is as new as ours */
	atomic_thread_fence(memory_order_release);
	if (atomic_load_explicit(&victim->family, memory_order_relaxed) == 0)
		atomic_fetch_add_explicit(&cb_resolved_used, 1, memory_order_relaxed);
	atomic_store_explicit(&victim->family, k.family, memory_order_relaxed);
	atomic_store_explicit(&victim->key[0], k.words[0], memory_order_relaxed);
	atomic_store_explicit(&victim->key[1], k.words[1], memory_order_relaxed);
	atomic_store_explicit(&victim->stamp,
	                      atomic_fetch_add_explicit(&next_stamp, 1, memory_order_relaxed),
	                      memory_order_relaxed);
	uint64_t words[NAME_WORDS];
	memset(words, 0, sizeof(words));
	memcpy(words, name, strnlen(name, CB_HOST_MAX - 1));
	for (unsigned int i = 0; i < NAME_WORDS; i++)
		atomic_store_explicit(&victim->name[i], words[i], memory_order_relaxed);
	atomic_store_explicit(&victim->seq, s + 2, memory_order_release);
}

bool cb_resolved_find(const struct sockaddr *addr, char *buf, size_t len)
{
	struct key k;
	if (len == 0 || atomic_load_explicit(&cb_resolved_used, memory_order_relaxed) == 0 ||
	    !make_key(addr, &k))
		return false;
	struct name_entry *set = table[set_of(&k)];
	for (unsigned int i = 0; i < CB_RESOLVED_WAYS; i++) {
		struct name_entry *e = &set[i];
		/* A few retries against a concurrent writer, then give up: no
		 * name only means no attribution by name for this call. */
		for (int attempt = 0; attempt < 4; attempt++) {
			uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
			if (s1 & 1)
				continue;
			bool hit = key_is(e, &k);
			if (hit) {
				uint64_t words[NAME_WORDS];
				for (unsigned int w = 0; w < NAME_WORDS; w++)
					words[w] = load(&e->name[w]);
				size_t n = strnlen((const char *)words, CB_HOST_MAX - 1);
				if (n >= len)
					n = len - 1;
				memcpy(buf, words, n);
				buf[n] = '\0';
			}
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&e->seq, memory_order_relaxed) != s1)
				continue;
			if (hit)
				return true;
			break;
		}
	}
	return false;
}
