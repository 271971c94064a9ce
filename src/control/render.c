/* render.c - status JSON, the status table, Prometheus metrics and event
 * lines (see render.h). Everything here formats what it is given: no
 * clocks, no store, no I/O, so both the server and the tool's offline mode
 * use it and unit tests check it byte for byte. */
#include "control/render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

void cb_buf_free(struct cb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Room for n more bytes and the NUL; false (and `failed`) when out of memory. */
static bool reserve(struct cb_buf *b, size_t n)
{
	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void cb_buf_add(struct cb_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void cb_buf_puts(struct cb_buf *b, const char *s)
{
	cb_buf_add(b, s, strlen(s));
}

void cb_buf_printf(struct cb_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		cb_buf_add(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void cb_render_json_string(struct cb_buf *b, const char *s)
{
	cb_buf_add(b, "\"", 1);
	size_t n = strlen(s);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			/* Paths and names come from outside: never invalid UTF-8. */
			size_t len = cb_utf8_seq(p, n - (size_t)(p - (const unsigned char *)s));
			if (len)
				cb_buf_add(b, (const char *)p, len);
			else
				cb_buf_puts(b, "\\uFFFD");
			p += len ? len - 1 : 0;
			continue;
		}
		switch (*p) {
		case '"':
			cb_buf_puts(b, "\\\"");
			break;
		case '\\':
			cb_buf_puts(b, "\\\\");
			break;
		case '\n':
			cb_buf_puts(b, "\\n");
			break;
		case '\r':
			cb_buf_puts(b, "\\r");
			break;
		case '\t':
			cb_buf_puts(b, "\\t");
			break;
		default:
			/* JSON forbids raw control characters, DEL is legal but
			 * unreadable in a terminal. */
			if (*p < 0x20 || *p == 0x7f)
				cb_buf_printf(b, "\\u%04x", *p);
			else
				cb_buf_add(b, (const char *)p, 1);
		}
	}
	cb_buf_add(b, "\"", 1);
}

void cb_render_iso_time(char *buf, size_t len, int64_t wall_ms)
{
	/* Floor division, so times before 1970 (a clock set wrong) still
	 * print a valid instant. */
	int64_t secs = wall_ms / 1000, ms = wall_ms % 1000;
	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	char day[24];
	if (!gmtime_r(&t, &tm) || strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, len, "%s.%03dZ", day, (int)ms);
}

int64_t cb_render_wall_of(int64_t mono_ms, int64_t mono_now_ms, int64_t wall_now_ms)
{
	return wall_now_ms - (mono_now_ms - mono_ms);
}

void cb_render_collect(struct cb_render_breaker *out, const struct cb_breaker_config *cfg,
                       const struct cb_slot *slot, int64_t mono_now_ms)
{
	memset(out, 0, sizeof(*out));
	out->cfg = cfg;
	out->snap.state = CB_CLOSED;
	out->snap.open_timeout_ms = cfg->open_timeout_ms;
	if (slot)
		out->damaged = cb_slot_check(slot, mono_now_ms);
	if (slot && !out->damaged)
		cb_breaker_snapshot(slot, cfg, mono_now_ms, &out->snap);
}

/* How well a state admits calls: the breaker as a whole takes the best. */
static int admission_rank(enum cb_state s)
{
	return s == CB_CLOSED ? 0 : s == CB_HALF_OPEN ? 1 : 2;
}

/* Adds endpoint e's counts into the whole, w. */
static void add_counts(struct cb_snapshot *w, const struct cb_snapshot *e)
{
	w->calls += e->calls;
	w->successes += e->successes;
	w->failures += e->failures;
	w->slow += e->slow;
	w->rejected += e->rejected;
	w->would_reject += e->would_reject;
	w->fallbacks += e->fallbacks;
	for (int st = 0; st < CB_STATE_COUNT; st++)
		w->transitions[st] += e->transitions[st];
	if (e->last_wall_ms > w->last_wall_ms) {
		w->last_wall_ms = e->last_wall_ms;
		w->last_error = e->last_error;
		memcpy(w->last_address, e->last_address, sizeof(w->last_address));
	}
}

void cb_render_collect_endpoints(struct cb_render_breaker *out, struct cb_store *st,
                                 int64_t mono_now_ms)
{
	if (out->cfg->scope != CB_SCOPE_ENDPOINT || out->damaged || !st)
		return;
	struct cb_endpoint_view *v = malloc(CB_ENDPOINTS_MAX * sizeof(*v));
	size_t n = v ? cb_endpoints_list(st, out->cfg->name, mono_now_ms, v, CB_ENDPOINTS_MAX) : 0;
	out->endpoints = n ? calloc(n, sizeof(*out->endpoints)) : NULL;
	struct cb_snapshot *w = &out->snap;
	/* The breaker's own slot judges only addresses past the endpoints'
	 * room: its state counts when it judged any. */
	bool own = w->calls || w->rejected || w->would_reject || w->state != CB_CLOSED;
	bool operators_word = w->state == CB_FORCED_OPEN || w->state == CB_DISABLED;
	enum cb_state best = w->state;
	for (size_t i = 0; out->endpoints && i < n; i++) {
		struct cb_render_endpoint *e = &out->endpoints[out->n_endpoints++];
		snprintf(e->address, sizeof(e->address), "%s", v[i].address);
		e->damaged = cb_slot_check(v[i].slot, mono_now_ms);
		if (e->damaged)
			continue;
		cb_breaker_snapshot(v[i].slot, out->cfg, mono_now_ms, &e->snap);
		add_counts(w, &e->snap);
		if (!own || admission_rank(e->snap.state) < admission_rank(best) ||
		    (e->snap.state == best && best == CB_OPEN &&
		     e->snap.retry_at_ms < w->retry_at_ms)) {
			best = e->snap.state;
			w->retry_at_ms = e->snap.retry_at_ms;
			w->opened_at_ms = e->snap.opened_at_ms;
			own = true;
		}
	}
	if (!operators_word)
		w->state = best;
	free(v);
}

void cb_render_release(struct cb_render_breaker *rb, size_t n)
{
	for (size_t i = 0; rb && i < n; i++) {
		free(rb[i].endpoints);
		rb[i].endpoints = NULL;
		rb[i].n_endpoints = 0;
	}
}

void cb_render_fleet_collect(struct cb_render_fleet *out, struct cb_store *st, int64_t mono_now_ms)
{
	memset(out, 0, sizeof(*out));
	const struct cb_fleet_shared *f = cb_store_fleet(st);
	if (!f)
		return;
	int64_t beat = atomic_load_explicit(&f->heartbeat_ms, memory_order_acquire);
	uint32_t link = atomic_load_explicit(&f->link, memory_order_relaxed);
	if (mono_now_ms - beat > CB_RENDER_FLEET_STALE_MS || link > CB_FLEET_LINK_DISCONNECTED)
		link = CB_FLEET_LINK_NONE;
	out->link = (enum cb_fleet_link)link;
	out->since_wall_ms = atomic_load_explicit(&f->since_wall_ms, memory_order_relaxed);
	out->pid = atomic_load_explicit(&f->pid, memory_order_relaxed);
	for (int i = 0; i < CB_FLEET_COUNTERS; i++)
		out->counters[i] = atomic_load_explicit(&f->counters[i], memory_order_relaxed);
}

/* The state as shown: "damaged" for a slot that failed its check. */
static const char *state_text(const struct cb_render_breaker *rb)
{
	return rb->damaged ? "damaged" : cb_state_name(rb->snap.state);
}

const struct cb_render_breaker *cb_render_find(const struct cb_render_page *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->breakers[i].cfg->name, name) == 0)
			return &p->breakers[i];
	return NULL;
}

void cb_render_error_json(struct cb_buf *b, const char *message)
{
	cb_buf_puts(b, "{\"error\":");
	cb_render_json_string(b, message);
	cb_buf_puts(b, "}\n");
}

void cb_render_stale_json(struct cb_buf *b, const char *state_path)
{
	char msg[PATH_MAX + 128];
	snprintf(msg, sizeof(msg),
	         "this process's state file is no longer the one at %s; it moves to the new one "
	         "within seconds",
	         state_path[0] ? state_path : "its path");
	cb_buf_puts(b, "{\"error\":");
	cb_render_json_string(b, msg);
	cb_buf_puts(b, ",\"reason\":\"" CB_RENDER_STALE "\"}\n");
}

static void json_key(struct cb_buf *b, const char *key)
{
	cb_buf_printf(b, ",\"%s\":", key);
}

/* A monotonic instant as an ISO string, or null for 0 (never). */
static void json_mono_time(struct cb_buf *b, const struct cb_render_page *p, int64_t mono_ms)
{
	if (mono_ms == 0) {
		cb_buf_puts(b, "null");
		return;
	}
	char iso[40];
	cb_render_iso_time(iso, sizeof(iso),
	                   cb_render_wall_of(mono_ms, p->mono_now_ms, p->wall_now_ms));
	cb_render_json_string(b, iso);
}

/* `hosts` as written, split into its patterns (spaces and commas). */
static void json_hosts(struct cb_buf *b, const char *hosts)
{
	cb_buf_add(b, "[", 1);
	const char *s = hosts ? hosts : "";
	bool first = true;
	while (*s) {
		size_t skip = strspn(s, " \t,");
		s += skip;
		size_t n = strcspn(s, " \t,");
		if (n == 0)
			break;
		char pat[CB_HOST_MAX + 16];
		snprintf(pat, sizeof(pat), "%.*s", (int)n, s);
		if (!first)
			cb_buf_add(b, ",", 1);
		cb_render_json_string(b, pat);
		first = false;
		s += n;
	}
	cb_buf_add(b, "]", 1);
}

static void json_last_failure(struct cb_buf *b, const struct cb_snapshot *s)
{
	if (s->last_wall_ms == 0) {
		cb_buf_puts(b, "null");
		return;
	}
	char iso[40], err[64];
	cb_render_iso_time(iso, sizeof(iso), s->last_wall_ms);
	cb_log_format_error(err, sizeof(err), s->last_error);
	cb_buf_puts(b, "{\"time\":");
	cb_render_json_string(b, iso);
	cb_buf_puts(b, ",\"error\":");
	if (err[0])
		cb_render_json_string(b, err);
	else
		cb_buf_puts(b, "null");
	cb_buf_puts(b, ",\"address\":");
	if (s->last_address[0])
		cb_render_json_string(b, s->last_address);
	else
		cb_buf_puts(b, "null");
	cb_buf_puts(b, "}");
}

/* ,"endpoints":[{address, state, counts, retry_at, last_failure},...] */
static void json_endpoints(struct cb_buf *b, const struct cb_render_page *p,
                           const struct cb_render_breaker *rb)
{
	cb_buf_puts(b, ",\"endpoints\":[");
	for (size_t i = 0; i < rb->n_endpoints; i++) {
		const struct cb_render_endpoint *e = &rb->endpoints[i];
		const struct cb_snapshot *s = &e->snap;
		cb_buf_puts(b, i ? ",{\"address\":" : "{\"address\":");
		cb_render_json_string(b, e->address);
		json_key(b, "state");
		cb_render_json_string(b, e->damaged ? "damaged" : cb_state_name(s->state));
		cb_buf_printf(
		        b,
		        ",\"calls\":%llu,\"successes\":%llu,\"failures\":%llu,\"rejected\":%llu,"
		        "\"consecutive_failures\":%u",
		        (unsigned long long)s->calls, (unsigned long long)s->successes,
		        (unsigned long long)s->failures, (unsigned long long)s->rejected,
		        s->consecutive_failures);
		json_key(b, "retry_at");
		json_mono_time(b, p, s->state == CB_OPEN ? s->retry_at_ms : 0);
		json_key(b, "last_failure");
		json_last_failure(b, s);
		cb_buf_puts(b, "}");
	}
	cb_buf_puts(b, "]");
}

/* The fields of one breaker. */
static void json_breaker(struct cb_buf *b, const struct cb_render_page *p,
                         const struct cb_render_breaker *rb)
{
	const struct cb_snapshot *s = &rb->snap;
	cb_buf_puts(b, "{\"name\":");
	cb_render_json_string(b, rb->cfg->name);
	json_key(b, "state");
	cb_render_json_string(b, state_text(rb));
	if (rb->damaged) {
		json_key(b, "damaged");
		cb_render_json_string(b, rb->damaged);
	}
	json_key(b, "mode");
	cb_render_json_string(b, rb->cfg->mode == CB_MODE_OBSERVE ? "observe" : "enforce");
	if (rb->discovered)
		cb_buf_puts(b, ",\"discovered\":true");
	json_key(b, "hosts");
	json_hosts(b, rb->cfg->hosts);
	cb_buf_printf(b,
	              ",\"calls\":%llu,\"successes\":%llu,\"failures\":%llu,\"slow\":%llu,"
	              "\"rejected\":%llu,\"consecutive_failures\":%u,\"window_calls\":%u,"
	              "\"window_failure_rate\":%u,\"window_slow_rate\":%u",
	              (unsigned long long)s->calls, (unsigned long long)s->successes,
	              (unsigned long long)s->failures, (unsigned long long)s->slow,
	              (unsigned long long)s->rejected, s->consecutive_failures, s->window_calls,
	              s->window_failure_rate, s->window_slow_rate);
	json_key(b, "opened_at");
	json_mono_time(b, p, s->opened_at_ms);
	json_key(b, "retry_at");
	json_mono_time(b, p, s->state == CB_OPEN ? s->retry_at_ms : 0);
	cb_buf_printf(b, ",\"open_timeout_ms\":%llu,\"half_open_inflight\":%u",
	              (unsigned long long)s->open_timeout_ms, s->half_open_inflight);
	cb_buf_printf(b, ",\"connections\":%u,\"max_connections\":%u,\"fallback\":%llu",
	              s->connections, rb->cfg->max_connections, (unsigned long long)s->fallbacks);
	json_key(b, "transitions");
	for (int st = 0; st < CB_STATE_COUNT; st++)
		cb_buf_printf(b, "%s\"%s\":%llu", st ? "," : "{", cb_state_name((enum cb_state)st),
		              (unsigned long long)s->transitions[st]);
	cb_buf_printf(b, "},\"would_reject\":%llu", (unsigned long long)s->would_reject);
	json_key(b, "last_failure");
	json_last_failure(b, s);
	if (rb->cfg->scope == CB_SCOPE_ENDPOINT)
		json_endpoints(b, p, rb);
	if (p->fleet) {
		json_key(b, "opened_by");
		if (s->fleet)
			json_hosts(b, s->opened_by);
		else
			cb_buf_puts(b, "null");
	}
	cb_buf_puts(b, "}");
}

static const char *fleet_link_word(enum cb_fleet_link link)
{
	switch (link) {
	case CB_FLEET_LINK_CONNECTED:
		return "connected";
	case CB_FLEET_LINK_DISCONNECTED:
		return "disconnected";
	default:
		return "not_running";
	}
}

static const char *const fleet_counter_names[CB_FLEET_COUNTERS] = {
        [CB_FLEET_RECONNECTS] = "reconnects",  [CB_FLEET_PUBLISHED] = "published",
        [CB_FLEET_APPLIED] = "applied",        [CB_FLEET_SUPPRESSED_QUORUM] = "quorum",
        [CB_FLEET_SUPPRESSED_CAP] = "cap",     [CB_FLEET_SUPPRESSED_MUTE] = "mute",
        [CB_FLEET_SUPPRESSED_LOCAL] = "local", [CB_FLEET_MESSAGES_REJECTED] = "messages_rejected",
};

static bool fleet_is_suppression(int counter)
{
	return counter >= CB_FLEET_SUPPRESSED_QUORUM && counter <= CB_FLEET_SUPPRESSED_LOCAL;
}

/* ,"fleet":{"link":...,"since":...,"agent_pid":...,counters,"suppressed":{...}} */
static void json_fleet(struct cb_buf *b, const struct cb_render_fleet *f)
{
	char iso[40];
	cb_buf_puts(b, ",\"fleet\":{\"link\":");
	cb_render_json_string(b, fleet_link_word(f->link));
	cb_buf_puts(b, ",\"since\":");
	if (f->link != CB_FLEET_LINK_NONE && f->since_wall_ms) {
		cb_render_iso_time(iso, sizeof(iso), f->since_wall_ms);
		cb_render_json_string(b, iso);
	} else {
		cb_buf_puts(b, "null");
	}
	if (f->link != CB_FLEET_LINK_NONE)
		cb_buf_printf(b, ",\"agent_pid\":%u", f->pid);
	else
		cb_buf_puts(b, ",\"agent_pid\":null");
	for (int i = 0; i < CB_FLEET_COUNTERS; i++)
		if (!fleet_is_suppression(i))
			cb_buf_printf(b, ",\"%s\":%llu", fleet_counter_names[i],
			              (unsigned long long)f->counters[i]);
	cb_buf_puts(b, ",\"suppressed\":{");
	for (int i = CB_FLEET_SUPPRESSED_QUORUM, first = 1; fleet_is_suppression(i); i++, first = 0)
		cb_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",", fleet_counter_names[i],
		              (unsigned long long)f->counters[i]);
	cb_buf_puts(b, "}}");
}

void cb_render_status_json(struct cb_buf *b, const struct cb_render_page *p, const char *only)
{
	cb_buf_puts(b, "{\"config\":");
	cb_render_json_string(b, p->config_path ? p->config_path : "");
	json_key(b, "state_file");
	if (p->state_path && p->state_path[0])
		cb_render_json_string(b, p->state_path);
	else
		cb_buf_puts(b, "null");
	json_key(b, "pid");
	if (p->pid > 0)
		cb_buf_printf(b, "%d", p->pid);
	else
		cb_buf_puts(b, "null");
	if (p->fleet)
		json_fleet(b, p->fleet);
	cb_buf_puts(b, ",\"breakers\":[");
	bool first = true;
	for (size_t i = 0; i < p->n; i++) {
		if (only && strcmp(only, p->breakers[i].cfg->name) != 0)
			continue;
		if (!first)
			cb_buf_add(b, ",", 1);
		json_breaker(b, p, &p->breakers[i]);
		first = false;
	}
	cb_buf_puts(b, "]}\n");
}

/* "12s", "3m05s", "1h02m": a coarse duration for the table. */
static void human_duration(char *buf, size_t len, int64_t ms)
{
	int64_t s = ms <= 0 ? 0 : (ms + 999) / 1000;
	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
}

#define TABLE_COLS 7
#define TABLE_CELL 256 /* > name, error, address and age together */

static const char *const table_heads[TABLE_COLS] = {
        "NAME", "STATE", "FAILURES/CALLS", "REJECTED", "RATE", "RETRY", "LAST ERROR",
};

/* The cells of one row; the last column is free-form. */
static void table_row(const struct cb_render_page *p, const struct cb_render_breaker *rb,
                      char cells[TABLE_COLS][TABLE_CELL])
{
	const struct cb_snapshot *s = &rb->snap;
	char when[32];
	snprintf(cells[0], TABLE_CELL, "%s", rb->cfg->name);
	snprintf(cells[1], TABLE_CELL, "%s%s", state_text(rb),
	         rb->cfg->mode == CB_MODE_OBSERVE ? " (observe)" : "");
	if (rb->damaged) {
		for (int c = 2; c + 1 < TABLE_COLS; c++)
			snprintf(cells[c], TABLE_CELL, "-");
		snprintf(cells[TABLE_COLS - 1], TABLE_CELL, "slot in the state file damaged: %s",
		         rb->damaged);
		return;
	}
	snprintf(cells[2], TABLE_CELL, "%llu/%llu", (unsigned long long)s->failures,
	         (unsigned long long)s->calls);
	snprintf(cells[3], TABLE_CELL, "%llu", (unsigned long long)s->rejected);
	snprintf(cells[4], TABLE_CELL, "%u%%", s->window_failure_rate);
	char since[32];
	human_duration(since, sizeof(since), p->mono_now_ms - s->opened_at_ms);
	switch (s->state) {
	case CB_OPEN:
		human_duration(when, sizeof(when), s->retry_at_ms - p->mono_now_ms);
		if (s->fleet)
			snprintf(cells[5], TABLE_CELL, "retry in %s (open %s; fleet: %.120s)", when,
			         since, s->opened_by);
		else
			snprintf(cells[5], TABLE_CELL, "retry in %s (open %s)", when, since);
		break;
	case CB_HALF_OPEN:
		snprintf(cells[5], TABLE_CELL, "probing (%u)", s->half_open_inflight);
		break;
	case CB_FORCED_OPEN:
		snprintf(cells[5], TABLE_CELL, "until reset");
		break;
	default:
		snprintf(cells[5], TABLE_CELL, "-");
	}
	if (s->last_wall_ms == 0) {
		snprintf(cells[6], TABLE_CELL, "-");
		return;
	}
	char err[64];
	cb_log_format_error(err, sizeof(err), s->last_error);
	human_duration(when, sizeof(when), p->wall_now_ms - s->last_wall_ms);
	snprintf(cells[6], TABLE_CELL, "%s%s%s, %s ago", err[0] ? err : "failure",
	         s->last_address[0] ? " " : "", s->last_address, when);
}

static const char *state_color(enum cb_state s)
{
	switch (s) {
	case CB_CLOSED:
		return "\033[32m"; /* green */
	case CB_HALF_OPEN:
		return "\033[33m"; /* yellow */
	case CB_DISABLED:
		return "\033[2m"; /* dim */
	default:
		return "\033[1;31m"; /* bold red: open, forced_open */
	}
}

/* One line of the table, and the state its STATE cell is painted by
 * (CB_STATE_COUNT: damaged). */
struct table_line {
	char cells[TABLE_COLS][TABLE_CELL];
	enum cb_state paint;
};

/* A breaker's line, then one indented line per endpoint (README
 * "Endpoint scope"); returns the next free line. */
static struct table_line *table_breaker(const struct cb_render_page *p,
                                        const struct cb_render_breaker *rb, struct table_line *l)
{
	table_row(p, rb, l->cells);
	l->paint = rb->damaged ? CB_STATE_COUNT : rb->snap.state;
	l++;
	for (size_t i = 0; i < rb->n_endpoints; i++, l++) {
		const struct cb_render_endpoint *e = &rb->endpoints[i];
		struct cb_render_breaker one = {
		        .cfg = rb->cfg, .snap = e->snap, .damaged = e->damaged};
		table_row(p, &one, l->cells);
		snprintf(l->cells[0], TABLE_CELL, "  %s", e->address);
		l->paint = e->damaged ? CB_STATE_COUNT : e->snap.state;
	}
	return l;
}

void cb_render_status_table(struct cb_buf *b, const struct cb_render_page *p, const char *only,
                            bool color)
{
	size_t width[TABLE_COLS];
	for (int c = 0; c < TABLE_COLS; c++)
		width[c] = strlen(table_heads[c]);
	size_t most = 1;
	for (size_t i = 0; i < p->n; i++)
		most += 1 + p->breakers[i].n_endpoints;
	struct table_line *rows = calloc(most, sizeof(*rows)), *end = rows;
	if (!rows) {
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		if (!only || strcmp(only, p->breakers[i].cfg->name) == 0)
			end = table_breaker(p, &p->breakers[i], end);
	for (const struct table_line *l = rows; l < end; l++)
		for (int c = 0; c < TABLE_COLS; c++)
			if (strlen(l->cells[c]) > width[c])
				width[c] = strlen(l->cells[c]);
	for (int c = 0; c + 1 < TABLE_COLS; c++)
		cb_buf_printf(b, "%-*s  ", (int)width[c], table_heads[c]);
	cb_buf_printf(b, "%s\n", table_heads[TABLE_COLS - 1]);
	for (const struct table_line *l = rows; l < end; l++) {
		for (int c = 0; c + 1 < TABLE_COLS; c++) {
			/* The colour codes go around the padded cell, so they
			 * take no width. */
			bool paint = color && c == 1;
			if (paint)
				cb_buf_puts(b, state_color(l->paint));
			cb_buf_printf(b, "%-*s", (int)width[c], l->cells[c]);
			if (paint)
				cb_buf_puts(b, "\033[0m");
			cb_buf_puts(b, "  ");
		}
		cb_buf_printf(b, "%s\n", l->cells[TABLE_COLS - 1]);
	}
	free(rows);
	if (!p->fleet)
		return;
	char iso[40];
	switch (p->fleet->link) {
	case CB_FLEET_LINK_CONNECTED:
		cb_buf_puts(b, "fleet: connected\n");
		break;
	case CB_FLEET_LINK_DISCONNECTED:
		cb_render_iso_time(iso, sizeof(iso), p->fleet->since_wall_ms);
		cb_buf_printf(b, "fleet: disconnected since %s\n", iso);
		break;
	default:
		cb_buf_puts(b, "fleet: agent not running\n");
	}
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void prom_label(struct cb_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			cb_buf_puts(b, "\\\\");
		else if (*s == '"')
			cb_buf_puts(b, "\\\"");
		else if (*s == '\n')
			cb_buf_puts(b, "\\n");
		else
			cb_buf_add(b, s, 1);
	}
}

static void prom_family(struct cb_buf *b, const char *name, const char *type, const char *help)
{
	cb_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{breaker="...",extra="value"} number */
static void prom_sample(struct cb_buf *b, const char *name, const char *breaker, const char *extra,
                        const char *value, const char *number)
{
	cb_buf_printf(b, "%s{breaker=\"", name);
	prom_label(b, breaker);
	cb_buf_puts(b, "\"");
	if (extra && value) {
		cb_buf_printf(b, ",%s=\"", extra);
		prom_label(b, value);
		cb_buf_puts(b, "\"");
	}
	cb_buf_printf(b, "} %s\n", number);
}

/* cbreaker_endpoint_state{breaker,endpoint,state} (README "Endpoint
 * scope"), when any breaker has endpoints. */
static void prom_endpoint_states(struct cb_buf *b, const struct cb_render_page *p)
{
	bool any = false;
	for (size_t i = 0; i < p->n; i++)
		any = any || p->breakers[i].n_endpoints;
	if (!any)
		return;
	prom_family(
	        b, "cbreaker_endpoint_state", "gauge",
	        "Endpoint state (scope = endpoint): 1 for the current state, 0 for the others.");
	for (size_t i = 0; i < p->n; i++) {
		const struct cb_render_breaker *rb = &p->breakers[i];
		for (size_t k = 0; k < rb->n_endpoints; k++) {
			const struct cb_render_endpoint *e = &rb->endpoints[k];
			for (int st = 0; st < CB_STATE_COUNT; st++) {
				cb_buf_puts(b, "cbreaker_endpoint_state{breaker=\"");
				prom_label(b, rb->cfg->name);
				cb_buf_puts(b, "\",endpoint=\"");
				prom_label(b, e->address);
				cb_buf_printf(b, "\",state=\"%s\"} %d\n",
				              cb_state_name((enum cb_state)st),
				              !e->damaged && e->snap.state == (enum cb_state)st);
			}
		}
	}
}

/* The agent's families (README "Fleet mode"): not per breaker. */
static void prom_fleet(struct cb_buf *b, const struct cb_render_fleet *f)
{
	prom_family(b, "cbreaker_fleet_connected", "gauge",
	            "1 while the fleet agent is connected to Redis, else 0.");
	cb_buf_printf(b, "cbreaker_fleet_connected %d\n", f->link == CB_FLEET_LINK_CONNECTED);
	for (int i = 0; i < CB_FLEET_COUNTERS; i++) {
		if (fleet_is_suppression(i))
			continue;
		char name[64];
		snprintf(name, sizeof(name), "cbreaker_fleet_%s_total", fleet_counter_names[i]);
		prom_family(b, name, "counter",
		            i == CB_FLEET_RECONNECTS  ? "Links to Redis made after the first."
		            : i == CB_FLEET_PUBLISHED ? "Openings and closings this host published."
		            : i == CB_FLEET_APPLIED   ? "Fleet openings applied on this host."
		                                      : "Fleet messages refused as malformed.");
		cb_buf_printf(b, "%s %llu\n", name, (unsigned long long)f->counters[i]);
	}
	prom_family(b, "cbreaker_fleet_suppressed_total", "counter",
	            "Fleet openings not applied here, by reason.");
	for (int i = CB_FLEET_SUPPRESSED_QUORUM; fleet_is_suppression(i); i++)
		cb_buf_printf(b, "cbreaker_fleet_suppressed_total{reason=\"%s\"} %llu\n",
		              fleet_counter_names[i], (unsigned long long)f->counters[i]);
}

void cb_render_metrics(struct cb_buf *b, const struct cb_render_page *p)
{
	char num[32];
	prom_family(b, "cbreaker_state", "gauge",
	            "Breaker state: 1 for the current state, 0 for the others.");
	for (size_t i = 0; i < p->n; i++)
		for (int st = 0; st < CB_STATE_COUNT; st++)
			prom_sample(b, "cbreaker_state", p->breakers[i].cfg->name, "state",
			            cb_state_name((enum cb_state)st),
			            !p->breakers[i].damaged &&
			                            p->breakers[i].snap.state == (enum cb_state)st
			                    ? "1"
			                    : "0");

	prom_endpoint_states(b, p);

	prom_family(b, "cbreaker_calls_total", "counter", "Calls through the breaker by outcome.");
	static const char *const outcomes[] = {"success", "failure", "slow", "rejected",
	                                       "fallback"};
	for (size_t i = 0; i < p->n; i++) {
		const struct cb_snapshot *s = &p->breakers[i].snap;
		const uint64_t counts[] = {s->successes, s->failures, s->slow, s->rejected,
		                           s->fallbacks};
		for (int o = 0; o < 5; o++) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)counts[o]);
			prom_sample(b, "cbreaker_calls_total", p->breakers[i].cfg->name, "outcome",
			            outcomes[o], num);
		}
	}

	prom_family(b, "cbreaker_would_reject_total", "counter",
	            "Calls observe mode let through that enforce mode would have rejected.");
	for (size_t i = 0; i < p->n; i++) {
		snprintf(num, sizeof(num), "%llu",
		         (unsigned long long)p->breakers[i].snap.would_reject);
		prom_sample(b, "cbreaker_would_reject_total", p->breakers[i].cfg->name, NULL, NULL,
		            num);
	}

	prom_family(b, "cbreaker_transitions_total", "counter",
	            "State changes of the breaker by target state.");
	for (size_t i = 0; i < p->n; i++)
		for (int st = 0; st < CB_STATE_COUNT; st++) {
			snprintf(num, sizeof(num), "%llu",
			         (unsigned long long)p->breakers[i].snap.transitions[st]);
			prom_sample(b, "cbreaker_transitions_total", p->breakers[i].cfg->name, "to",
			            cb_state_name((enum cb_state)st), num);
		}

	prom_family(b, "cbreaker_connections", "gauge",
	            "Connections held through the breaker now, host-wide (with max_connections).");
	for (size_t i = 0; i < p->n; i++) {
		snprintf(num, sizeof(num), "%u", p->breakers[i].snap.connections);
		prom_sample(b, "cbreaker_connections", p->breakers[i].cfg->name, NULL, NULL, num);
	}

	prom_family(b, "cbreaker_retry_after_seconds", "gauge",
	            "Seconds until an open breaker lets probes through; 0 when not open.");
	for (size_t i = 0; i < p->n; i++) {
		const struct cb_snapshot *s = &p->breakers[i].snap;
		int64_t left = s->state == CB_OPEN ? s->retry_at_ms - p->mono_now_ms : 0;
		snprintf(num, sizeof(num), "%.3f", left > 0 ? (double)left / 1000.0 : 0.0);
		prom_sample(b, "cbreaker_retry_after_seconds", p->breakers[i].cfg->name, NULL, NULL,
		            num);
	}
	if (p->fleet)
		prom_fleet(b, p->fleet);
}

/* The cause of a transition, as a word for machines. */
static const char *cause_name(unsigned cause)
{
	static const char *const names[] = {
	        [CB_CAUSE_NONE] = "none",
	        [CB_CAUSE_CONSECUTIVE_FAILURES] = "consecutive_failures",
	        [CB_CAUSE_FAILURE_RATE] = "failure_rate",
	        [CB_CAUSE_SLOW_RATE] = "slow_rate",
	        [CB_CAUSE_OPEN_TIMEOUT_ELAPSED] = "open_timeout_elapsed",
	        [CB_CAUSE_PROBE_FAILED] = "probe_failed",
	        [CB_CAUSE_PROBES_SUCCEEDED] = "probes_succeeded",
	        [CB_CAUSE_OPERATOR] = "operator",
	        [CB_CAUSE_FLEET] = "fleet",
	};
	return cause < sizeof(names) / sizeof(names[0]) ? names[cause] : "unknown";
}

static const char *state_word(unsigned s)
{
	return s < CB_STATE_COUNT ? cb_state_name((enum cb_state)s) : "unknown";
}

void cb_render_event_json(struct cb_buf *b, const struct cb_event *ev)
{
	char iso[40], err[64], name[CB_NAME_MAX], addr[CB_ADDRSTR_MAX];
	cb_render_iso_time(iso, sizeof(iso), ev->wall_ms);
	cb_log_format_error(err, sizeof(err), ev->last_error);
	/* The ring is shared memory: never trust its strings to be ended. */
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(ev->breaker) - 1, ev->breaker);
	snprintf(addr, sizeof(addr), "%.*s", (int)sizeof(ev->last_address) - 1, ev->last_address);
	cb_buf_printf(b, "{\"seq\":%llu,\"time\":", (unsigned long long)ev->seq);
	cb_render_json_string(b, iso);
	cb_buf_printf(b, ",\"pid\":%u,\"uid\":%u,\"breaker\":", ev->pid, ev->uid);
	cb_render_json_string(b, name);
	cb_buf_printf(b, ",\"from\":\"%s\",\"to\":\"%s\",\"cause\":\"%s\"", state_word(ev->from),
	              state_word(ev->to), cause_name(ev->cause));
	cb_buf_printf(b,
	              ",\"count\":%u,\"rate\":%u,\"retry_in_ms\":%llu,\"last_error\":", ev->count,
	              ev->rate, (unsigned long long)ev->retry_in_ms);
	if (err[0])
		cb_render_json_string(b, err);
	else
		cb_buf_puts(b, "null");
	cb_buf_puts(b, ",\"last_address\":");
	if (addr[0])
		cb_render_json_string(b, addr);
	else
		cb_buf_puts(b, "null");
	cb_buf_puts(b, "}\n");
}

void cb_render_changed(struct cb_buf *b, const char *name, enum cb_state state)
{
	cb_buf_puts(b, "{\"ok\":true,\"breaker\":");
	cb_render_json_string(b, name);
	cb_buf_printf(b, ",\"state\":\"%s\"}\n", cb_state_name(state));
}

void cb_render_reset_all_open(struct cb_buf *b)
{
	cb_buf_puts(b, "{\"ok\":true,\"reset\":[");
}

void cb_render_reset_all_add(struct cb_buf *b, size_t i, const char *name)
{
	if (i)
		cb_buf_puts(b, ",");
	cb_render_json_string(b, name);
}

void cb_render_reset_all_close(struct cb_buf *b)
{
	cb_buf_puts(b, "]}\n");
}
