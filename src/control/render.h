/* render.h - what the control socket and the `cbreaker` tool print (README
 * "The `cbreaker` tool"): status as JSON or as a table, metrics as Prometheus text,
 * events as one JSON object a line. Pure functions from configurations and
 * snapshots into a growable buffer, so the server and the tool's offline
 * mode print exactly the same thing, and tests need no store at all. */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/core.h"
#include "state/state.h"

/* A growing string. After an allocation failure it stays as it was and
 * `failed` is set, so callers check once at the end. */
struct cb_buf {
	char *data; /* NUL-terminated once anything was added; NULL before */
	size_t len, cap;
	bool failed;
};

void cb_buf_free(struct cb_buf *b);
void cb_buf_add(struct cb_buf *b, const char *s, size_t n);
void cb_buf_puts(struct cb_buf *b, const char *s);
void cb_buf_printf(struct cb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One endpoint of a breaker with scope = endpoint (README "Endpoint
 * scope"): its address and a snapshot of its slot. */
struct cb_render_endpoint {
	char address[CB_ADDRSTR_MAX];
	struct cb_snapshot snap;
	const char *damaged; /* as in cb_render_breaker */
};

/* One breaker as shown: its configuration and a snapshot of its slot. */
struct cb_render_breaker {
	const struct cb_breaker_config *cfg;
	struct cb_snapshot snap;
	/* The slot failed cb_slot_check (why), shown as state "damaged" with
	 * every count 0; NULL when it can be trusted. */
	const char *damaged;
	bool discovered; /* made by discovery (README "Discovery"), not configured */
	/* scope = endpoint: its endpoints in use (cb_render_collect_endpoints;
	 * freed by cb_render_release). */
	size_t n_endpoints;
	struct cb_render_endpoint *endpoints;
};

/* The fleet agent's link and counters as the state file's header holds
 * them (README "Fleet mode"). */
struct cb_render_fleet {
	enum cb_fleet_link link; /* NONE also when the agent's heartbeat is stale */
	int64_t since_wall_ms;
	uint32_t pid;
	uint64_t counters[CB_FLEET_COUNTERS];
};

/* An agent that has not taken a turn for this long is gone (killed). */
#define CB_RENDER_FLEET_STALE_MS 5000

/* Reads st's fleet part (st may be NULL: no agent). */
void cb_render_fleet_collect(struct cb_render_fleet *out, struct cb_store *st, int64_t mono_now_ms);

/* Everything a status or metrics page shows. The two clocks are read once,
 * so every time on a page is converted alike. */
struct cb_render_page {
	const char *config_path;
	const char *state_path; /* NULL or "": private, shown as null */
	int pid;                /* the serving process, 0 = none (offline): null */
	size_t n;
	const struct cb_render_breaker *breakers;
	int64_t mono_now_ms, wall_now_ms;
	const struct cb_render_fleet *fleet; /* NULL: no [fleet] section, nothing shown */
};

/* Snapshots `slot` (NULL: a breaker nothing has used yet, shown closed with
 * every count 0) into out, after cb_slot_check: a slot that fails it is
 * shown as damaged, none of its fields. */
void cb_render_collect(struct cb_render_breaker *out, const struct cb_breaker_config *cfg,
                       const struct cb_slot *slot, int64_t mono_now_ms);

/* For a breaker with scope = endpoint, after cb_render_collect: its
 * endpoints in st, and the breaker as a whole made of them (README
 * "Endpoint scope"): counts summed with its own, and its state the best
 * of theirs (closed if any admits) unless an operator's word holds. */
void cb_render_collect_endpoints(struct cb_render_breaker *out, struct cb_store *st,
                                 int64_t mono_now_ms);

/* Frees what collecting n breakers allocated (not rb itself). */
void cb_render_release(struct cb_render_breaker *rb, size_t n);

/* The page's breaker of that name, or NULL. */
const struct cb_render_breaker *cb_render_find(const struct cb_render_page *p, const char *name);

/* {"config":...,"breakers":[...]}\n; `only` (NULL: all) picks one breaker,
 * which the caller has checked exists. */
void cb_render_status_json(struct cb_buf *b, const struct cb_render_page *p, const char *only);

/* The aligned table of `cbreaker status`; ANSI colours on the state when
 * `color`. */
void cb_render_status_table(struct cb_buf *b, const struct cb_render_page *p, const char *only,
                            bool color);

/* Prometheus text exposition format 0.0.4. */
void cb_render_metrics(struct cb_buf *b, const struct cb_render_page *p);

/* One event as a JSON object and a newline. */
void cb_render_event_json(struct cb_buf *b, const struct cb_event *ev);

/* {"error":"<message>"}\n */
void cb_render_error_json(struct cb_buf *b, const char *message);

/* The error of a server whose state file is no longer the one at its path:
 * {"error":"...","reason":"stale_state_file"}\n (the tool then uses the
 * file at the path itself). */
#define CB_RENDER_STALE "stale_state_file"
void cb_render_stale_json(struct cb_buf *b, const char *state_path);

/* The replies to an operator action, the same from the control server and
 * from the tool's offline path: {"ok":true,"breaker":NAME,"state":STATE}
 * for one breaker; {"ok":true,"reset":[NAME,...]} for reset of all, built
 * with open, add (index i from 0) and close. */
void cb_render_changed(struct cb_buf *b, const char *name, enum cb_state state);
void cb_render_reset_all_open(struct cb_buf *b);
void cb_render_reset_all_add(struct cb_buf *b, size_t i, const char *name);
void cb_render_reset_all_close(struct cb_buf *b);

/* A JSON string literal, quotes included, with every control character,
 * quote and backslash escaped, and each byte that is not valid UTF-8
 * replaced by U+FFFD: the output is always valid JSON. */
void cb_render_json_string(struct cb_buf *b, const char *s);

/* "2026-01-31T12:00:00.250Z" (UTC) into buf (at least 32 bytes). */
void cb_render_iso_time(char *buf, size_t len, int64_t wall_ms);

/* A CLOCK_MONOTONIC instant as wall-clock milliseconds, given both clocks
 * read at one moment. */
int64_t cb_render_wall_of(int64_t mono_ms, int64_t mono_now_ms, int64_t wall_now_ms);

#endif
