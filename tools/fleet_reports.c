/* fleet_reports.c - the reports of one breaker and the quorum verdict
 * (see fleet_reports.h). */
#include "fleet_reports.h"

#include <stdio.h>
#include <string.h>

static void drop(struct cb_fleet_reports *b, uint32_t i)
{
	b->r[i] = b->r[--b->n];
}

void cb_fleet_reports_open(struct cb_fleet_reports *b, const char *host, uint64_t gen, uint64_t ms,
                           int64_t now_ms, uint64_t seen)
{
	int64_t deadline = now_ms + (int64_t)ms;
	for (uint32_t i = 0; i < b->n; i++) {
		struct cb_fleet_report *r = &b->r[i];
		if (strcmp(r->host, host) != 0)
			continue;
		if (gen < r->gen || (gen == r->gen && r->closed))
			return;
		if (gen == r->gen) {
			if (deadline < r->deadline_ms)
				r->deadline_ms = deadline;
			r->seen = seen;
			return;
		}
		*r = (struct cb_fleet_report){.gen = gen, .deadline_ms = deadline, .seen = seen};
		snprintf(r->host, sizeof(r->host), "%s", host);
		return;
	}
	uint32_t slot = b->n;
	if (b->n == CB_FLEET_REPORTERS) {
		/* Full: the report that ends first makes room, unless it is
		 * this one. */
		slot = 0;
		for (uint32_t i = 1; i < b->n; i++)
			if (b->r[i].deadline_ms < b->r[slot].deadline_ms)
				slot = i;
		if (b->r[slot].deadline_ms >= deadline)
			return;
	} else {
		b->n++;
	}
	struct cb_fleet_report *r = &b->r[slot];
	*r = (struct cb_fleet_report){.gen = gen, .deadline_ms = deadline, .seen = seen};
	snprintf(r->host, sizeof(r->host), "%s", host);
}

void cb_fleet_reports_close(struct cb_fleet_reports *b, const char *host, uint64_t gen,
                            int64_t now_ms)
{
	struct cb_fleet_report *r = NULL;
	for (uint32_t i = 0; i < b->n && !r; i++)
		if (strcmp(b->r[i].host, host) == 0)
			r = &b->r[i];
	if (r && r->gen > gen)
		return;
	if (!r) {
		if (b->n == CB_FLEET_REPORTERS)
			return; /* no room: a late duplicate may then count once more */
		r = &b->r[b->n++];
		snprintf(r->host, sizeof(r->host), "%s", host);
	}
	r->gen = gen;
	r->closed = true;
	r->used = r->counted = true;
	r->deadline_ms = now_ms + CB_FLEET_TOMBSTONE_MS;
}

void cb_fleet_reports_expire(struct cb_fleet_reports *b, int64_t now_ms)
{
	for (uint32_t i = b->n; i-- > 0;)
		if (b->r[i].deadline_ms <= now_ms)
			drop(b, i);
}

void cb_fleet_reports_sweep(struct cb_fleet_reports *b, uint64_t seen)
{
	for (uint32_t i = b->n; i-- > 0;)
		if (b->r[i].seen != seen)
			drop(b, i);
}

void cb_fleet_reports_clear(struct cb_fleet_reports *b)
{
	b->n = 0;
}

void cb_fleet_reports_judge(const struct cb_fleet_reports *b, uint32_t quorum, int64_t now_ms,
                            struct cb_fleet_verdict *v)
{
	memset(v, 0, sizeof(*v));
	uint64_t left[CB_FLEET_REPORTERS];
	size_t used = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct cb_fleet_report *r = &b->r[i];
		if (r->deadline_ms <= now_ms || r->closed)
			continue;
		left[v->live++] = (uint64_t)(r->deadline_ms - now_ms);
		v->fresh |= !r->used;
		v->uncounted += !r->used && !r->counted;
		size_t n = strlen(r->host);
		if (used + n + (used ? 1 : 0) < sizeof(v->by)) {
			if (used)
				v->by[used++] = ' ';
			memcpy(v->by + used, r->host, n + 1);
			used += n;
		}
	}
	if (quorum == 0 || v->live < quorum)
		return;
	/* The quorum holds as long as its quorum-th longest report: sort the
	 * few remaining times, longest first. */
	for (uint32_t i = 1; i < v->live; i++)
		for (uint32_t j = i; j > 0 && left[j - 1] < left[j]; j--) {
			uint64_t t = left[j];
			left[j] = left[j - 1];
			left[j - 1] = t;
		}
	v->remaining_ms = left[quorum - 1];
}

void cb_fleet_reports_mark_used(struct cb_fleet_reports *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		b->r[i].used = true;
}

void cb_fleet_reports_mark_counted(struct cb_fleet_reports *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		b->r[i].counted = true;
}
