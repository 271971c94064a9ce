/* nameset.c - open-addressing string set (see nameset.h). Linear probing
 * on an FNV-1a hash, kept at most half full. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "config/nameset.h"

#define FIRST_CAP 64

void cb_nameset_init(struct cb_nameset *s)
{
	memset(s, 0, sizeof(*s));
}

void cb_nameset_free(struct cb_nameset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i].name);
	free(s->slots);
	cb_nameset_init(s);
}

static struct cb_nameset_entry *slot_for(struct cb_nameset_entry *slots, size_t cap,
                                         const char *name)
{
	size_t i = (size_t)cb_fnv1a_str(name) & (cap - 1);
	while (slots[i].name && strcmp(slots[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct cb_nameset *s)
{
	size_t cap = s->cap ? s->cap * 2 : FIRST_CAP;
	struct cb_nameset_entry *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].name)
			*slot_for(slots, cap, s->slots[i].name) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int cb_nameset_put(struct cb_nameset *s, const char *name, int a, int b,
                   const struct cb_nameset_entry **found)
{
	if ((s->count + 1) * 2 > s->cap && grow(s) < 0)
		return -1;
	struct cb_nameset_entry *e = slot_for(s->slots, s->cap, name);
	if (e->name) {
		*found = e;
		return 1;
	}
	e->name = strdup(name);
	if (!e->name)
		return -1;
	e->a = a;
	e->b = b;
	s->count++;
	return 0;
}
