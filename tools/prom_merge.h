/* prom_merge.h - one Prometheus text exposition made of several
 * processes' (`cbreaker metrics` with state_file = none): each metric
 * family's HELP and TYPE once, then its samples from every process, each
 * with a pid label, so that every series stays unique (a family or a
 * series given twice is not a valid exposition). */
#ifndef CB_TOOL_PROM_MERGE_H
#define CB_TOOL_PROM_MERGE_H

#include <stddef.h>

#include "control/control.h"

struct cb_prom_family;

/* Zeroed to start; families in the order they first appear. */
struct cb_prom_merge {
	struct cb_prom_family *fam;
	size_t n, cap;
	int inputs; /* expositions added so far */
	int failed; /* out of memory: finish reports it */
};

/* Adds one process's exposition (text, as its server sent it). */
void cb_prom_merge_add(struct cb_prom_merge *m, const char *text, int pid);

/* Appends the merged exposition to out (out->failed when memory ran out)
 * and frees what m holds. */
void cb_prom_merge_finish(struct cb_prom_merge *m, struct cb_buf *out);

#endif
