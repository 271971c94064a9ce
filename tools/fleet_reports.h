/* fleet_reports.h - what other hosts report about one breaker, and the
 * quorum verdict (README "Fleet mode"). Pure: time is an argument.
 *
 * A report is (host, generation, deadline): the reporter's opening number
 * and when, by this host's clock, it ends (receipt + the time it had
 * left). A newer generation from the same host replaces the older; the
 * same generation again (a duplicate, or a snapshot of the key) can only
 * bring the deadline earlier, since every estimate includes its delivery
 * delay; an older one is a reordered message and is ignored. Each report
 * takes part in at most one application here (`used`), so one opening
 * elsewhere never opens this breaker twice. */
#ifndef CB_TOOL_FLEET_REPORTS_H
#define CB_TOOL_FLEET_REPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "state/state.h"

/* Reporters remembered per breaker: at least any quorum. */
#define CB_FLEET_REPORTERS CB_FLEET_QUORUM_MAX

struct cb_fleet_report {
	char host[CB_NAME_MAX];
	uint64_t gen;
	int64_t deadline_ms; /* monotonic, this host's */
	uint64_t seen;       /* the resync pass that last saw its key */
	bool used;           /* took part in an application (or its refusal) */
	bool counted;        /* counted once as held back by the quorum */
	bool closed;         /* a tombstone: host closed `gen`, older news is stale */
};

struct cb_fleet_reports {
	uint32_t n;
	struct cb_fleet_report r[CB_FLEET_REPORTERS];
};

/* An opening reported by `host`; `seen` tags it for cb_fleet_reports_sweep. */
void cb_fleet_reports_open(struct cb_fleet_reports *b, const char *host, uint64_t gen, uint64_t ms,
                           int64_t now_ms, uint64_t seen);
/* A closing: host's report of generation <= gen becomes a tombstone that
 * keeps late duplicates and older openings out for CB_FLEET_TOMBSTONE_MS. */
#define CB_FLEET_TOMBSTONE_MS (10 * 60 * 1000)
void cb_fleet_reports_close(struct cb_fleet_reports *b, const char *host, uint64_t gen,
                            int64_t now_ms);
/* Drops reports that ended by now, and those a resync pass did not see. */
void cb_fleet_reports_expire(struct cb_fleet_reports *b, int64_t now_ms);
void cb_fleet_reports_sweep(struct cb_fleet_reports *b, uint64_t seen);
void cb_fleet_reports_clear(struct cb_fleet_reports *b);

struct cb_fleet_verdict {
	uint32_t live;            /* reports not yet ended */
	bool fresh;               /* one of them has not been used */
	uint32_t uncounted;       /* fresh ones not yet counted as held by the quorum */
	uint64_t remaining_ms;    /* how long `quorum` of them still hold (0 below quorum) */
	char by[CB_FLEET_BY_MAX]; /* the live reporters, space-separated (cut at a word) */
};
void cb_fleet_reports_judge(const struct cb_fleet_reports *b, uint32_t quorum, int64_t now_ms,
                            struct cb_fleet_verdict *v);

/* Marks every live report used (or, for the quorum count, counted). */
void cb_fleet_reports_mark_used(struct cb_fleet_reports *b);
void cb_fleet_reports_mark_counted(struct cb_fleet_reports *b);

#endif
