/* nameset.h - a set of strings with two ints each, for finding duplicates
 * while loading a configuration (breaker names, host patterns) in
 * constant time: a 10,000-breaker file must not take quadratic work. */
#ifndef CB_NAMESET_H
#define CB_NAMESET_H

#include <stddef.h>

struct cb_nameset_entry {
	char *name; /* owned copy; NULL = free slot */
	int a, b;
};

struct cb_nameset {
	struct cb_nameset_entry *slots;
	size_t cap, count;
};

void cb_nameset_init(struct cb_nameset *s);
void cb_nameset_free(struct cb_nameset *s);

/* Adds `name` with (a, b) unless present. Returns 0 when added, 1 when it
 * was there already (*found then points at its entry), -1 out of memory. */
int cb_nameset_put(struct cb_nameset *s, const char *name, int a, int b,
                   const struct cb_nameset_entry **found);

#endif
