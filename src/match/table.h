/* table.h - the hash table behind the host matcher: byte-string keys
 * (a lower-cased name, a wildcard suffix, or a prefix length with a masked
 * address), each with a short list of port rules in precedence order.
 * Writers (add) allocate; readers (find) only read, so any number of threads
 * may look up once loading is over. */
#ifndef CB_MATCH_TABLE_H
#define CB_MATCH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Within one key, a single port beats a range beats any port (README "Breakers"). */
enum cb_port_class { CB_PORT_SINGLE, CB_PORT_RANGE, CB_PORT_ANY };

struct cb_port_rule {
	uint16_t lo, hi;
	enum cb_port_class cls;
	uint32_t breaker;
	uint32_t order; /* position among all patterns added: earlier wins ties */
};

struct cb_mt_entry {
	uint64_t hash;
	uint8_t *key; /* NULL: free slot */
	uint32_t keylen;
	uint32_t n;
	struct cb_port_rule *rules; /* sorted by (cls, order) */
};

struct cb_mtable {
	struct cb_mt_entry *slots;
	size_t cap;     /* 0 or a power of two */
	unsigned shift; /* 64 - log2(cap): the hash bits above it pick a slot */
	size_t count;
};

/* Adds a rule under `key`. Returns 0, or -1 when memory runs out (the table
 * is unchanged then). */
int cb_mtable_add(struct cb_mtable *t, uint64_t hash, const void *key, size_t keylen,
                  const struct cb_port_rule *rule);

/* The slot where `key` is or would go (NULL only in a full table, which
 * add never leaves). Fibonacci hashing (Knuth, TAOCP 6.4): one multiply
 * spreads every input bit into the top bits, which pick the slot;
 * FNV-1a's low bits alone are weak. Inline, as cb_mtable_get: at a call
 * with a constant keylen (an IPv4 prefix's 24 bytes) the compiler compares
 * words instead of calling memcmp, on every connect near a pattern. */
static inline const struct cb_mt_entry *cb_mtable_probe(const struct cb_mtable *t, uint64_t hash,
                                                        const void *key, size_t keylen)
{
	size_t i = (size_t)((hash * 0x9e3779b97f4a7c15ULL) >> t->shift);

	for (size_t n = 0; n < t->cap; n++, i = (i + 1) & (t->cap - 1)) {
		const struct cb_mt_entry *e = &t->slots[i];
		if (!e->key ||
		    (e->hash == hash && e->keylen == keylen && !memcmp(e->key, key, keylen)))
			return e;
	}
	return NULL; /* unreachable while the table is at most half full */
}

/* The entry for `key`, or NULL. */
static inline const struct cb_mt_entry *cb_mtable_get(const struct cb_mtable *t, uint64_t hash,
                                                      const void *key, size_t keylen)
{
	if (!t->count)
		return NULL;
	const struct cb_mt_entry *e = cb_mtable_probe(t, hash, key, keylen);
	return e && e->key ? e : NULL;
}

/* The first rule of `e` (which may be NULL) that fits `port`, or NULL. */
const struct cb_port_rule *cb_mt_entry_rule(const struct cb_mt_entry *e, uint16_t port);

void cb_mtable_free(struct cb_mtable *t);

#endif
