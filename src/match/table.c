/* table.c - open-addressing hash table with linear probing for the host
 * matcher; kept at most half full so a miss ends after a probe or two. */
#include "match/table.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 16

static struct cb_mt_entry *probe(const struct cb_mtable *t, uint64_t hash, const void *key,
                                 size_t keylen)
{
	return (struct cb_mt_entry *)cb_mtable_probe(t, hash, key, keylen);
}

static int grow(struct cb_mtable *t)
{
	size_t cap = t->cap ? t->cap * 2 : MIN_CAP;
	struct cb_mtable bigger = {.slots = calloc(cap, sizeof(struct cb_mt_entry)),
	                           .cap = cap,
	                           .shift = (unsigned)__builtin_clzll(cap) + 1};

	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			*probe(&bigger, t->slots[i].hash, t->slots[i].key, t->slots[i].keylen) =
			        t->slots[i];
	free(t->slots);
	t->slots = bigger.slots;
	t->cap = cap;
	t->shift = bigger.shift;
	return 0;
}

static bool rule_before(const struct cb_port_rule *a, const struct cb_port_rule *b)
{
	return a->cls != b->cls ? a->cls < b->cls : a->order < b->order;
}

int cb_mtable_add(struct cb_mtable *t, uint64_t hash, const void *key, size_t keylen,
                  const struct cb_port_rule *rule)
{
	if ((t->count + 1) * 2 > t->cap && grow(t) < 0)
		return -1;
	struct cb_mt_entry *e = probe(t, hash, key, keylen);
	uint8_t *new_key = NULL;

	if (!e->key) {
		new_key = malloc(keylen ? keylen : 1);
		if (!new_key)
			return -1;
		memcpy(new_key, key, keylen);
	}
	struct cb_port_rule *rules = realloc(e->rules, (e->n + 1) * sizeof(*rules));
	if (!rules) {
		free(new_key);
		return -1;
	}
	e->rules = rules;
	if (new_key) {
		e->key = new_key;
		e->keylen = (uint32_t)keylen;
		e->hash = hash;
		t->count++;
	}
	uint32_t at = e->n;
	while (at > 0 && rule_before(rule, &rules[at - 1]))
		at--;
	memmove(&rules[at + 1], &rules[at], (e->n - at) * sizeof(*rules));
	rules[at] = *rule;
	e->n++;
	return 0;
}

const struct cb_port_rule *cb_mt_entry_rule(const struct cb_mt_entry *e, uint16_t port)
{
	if (!e)
		return NULL;
	for (uint32_t i = 0; i < e->n; i++)
		if (e->rules[i].cls == CB_PORT_ANY ||
		    (port >= e->rules[i].lo && port <= e->rules[i].hi))
			return &e->rules[i];
	return NULL;
}

void cb_mtable_free(struct cb_mtable *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slots[i].key);
		free(t->slots[i].rules);
	}
	free(t->slots);
	*t = (struct cb_mtable){0};
}
