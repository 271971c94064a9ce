/* request.c - the control protocol's requests (see control.h):
 * parses one line, answers from the runtime's breakers, checks who may
 * change them. No I/O here, so the server, the tests and a fuzzer share it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/control.h"

#define MAX_WORDS 4

uid_t cb_control_state_owner(const struct cb_store *st)
{
	struct stat sb;
	if (cb_store_is_shared(st) && stat(cb_store_path(st), &sb) == 0)
		return sb.st_uid;
	return geteuid();
}

/* Splits line at blanks into at most MAX_WORDS words (copied into buf);
 * returns the count, or MAX_WORDS + 1 when there are more. */
static int split(const char *line, char *buf, size_t buflen, char *words[MAX_WORDS])
{
	snprintf(buf, buflen, "%s", line);
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return MAX_WORDS + 1;
		words[n++] = w;
	}
	return n;
}

/* Snapshots of every breaker of rt, then of those discovery made (README
 * "Discovery"), whose configurations live in the same block; NULL when
 * memory runs out. */
static struct cb_render_breaker *collect(const struct cb_runtime *rt, struct cb_render_page *p)
{
	size_t most = rt->cfg->global.discover;
	struct cb_render_breaker *rb = calloc(
	        1, (rt->n + most + 1) * sizeof(*rb) +
	                   most * (sizeof(struct cb_breaker_config) + sizeof(struct cb_slot *)));
	if (!rb)
		return NULL;
	struct cb_breaker_config *dcfg = (struct cb_breaker_config *)(rb + rt->n + most + 1);
	const struct cb_slot **dslot = (const struct cb_slot **)(dcfg + most);
	memset(p, 0, sizeof(*p));
	p->mono_now_ms = cb_now_ms();
	p->wall_now_ms = cb_wall_ms();
	for (uint32_t i = 0; i < rt->n; i++) {
		const struct cb_breaker_rt *b = &rt->breakers[i];
		cb_render_collect(&rb[i], b->cfg, b->slot, p->mono_now_ms);
		/* The file's slot, not this process's private stand-in. */
		if (b->damaged)
			rb[i].damaged = b->damaged;
		cb_render_collect_endpoints(&rb[i], rt->store, p->mono_now_ms);
	}
	size_t found = cb_discovery_list(rt->cfg, rt->store, dcfg, dslot, most);
	for (size_t i = 0; i < found; i++) {
		cb_render_collect(&rb[rt->n + i], &dcfg[i], dslot[i], p->mono_now_ms);
		rb[rt->n + i].discovered = true;
	}
	p->config_path = rt->cfg->path;
	p->state_path = cb_store_path(rt->store);
	p->pid = (int)getpid();
	p->n = rt->n + found;
	p->breakers = rb;
	return rb;
}

static const struct cb_breaker_rt *find(const struct cb_runtime *rt, const char *name)
{
	for (uint32_t i = 0; i < rt->n; i++)
		if (strcmp(rt->breakers[i].cfg->name, name) == 0)
			return &rt->breakers[i];
	return NULL;
}

static void unknown_breaker(struct cb_buf *out, const char *name)
{
	char msg[CB_NAME_MAX + 64];
	snprintf(msg, sizeof(msg), "unknown breaker \"%.*s\"", CB_NAME_MAX, name);
	cb_render_error_json(out, msg);
}

/* status [NAME], table [--color] [NAME], metrics */
static void show(const struct cb_runtime *rt, char **w, int n, struct cb_buf *out)
{
	bool table = strcmp(w[0], "table") == 0;
	bool color = table && n > 1 && strcmp(w[1], "--color") == 0;
	const char *only = n > 1 + color ? w[1 + color] : NULL;
	if (n > 2 + color || (!table && strcmp(w[0], "metrics") == 0 && n > 1)) {
		cb_render_error_json(out, "too many arguments");
		return;
	}
	struct cb_render_page p;
	struct cb_render_breaker *rb = collect(rt, &p);
	if (!rb) {
		cb_render_error_json(out, "out of memory");
		return;
	}
	if (only && !cb_render_find(&p, only)) {
		unknown_breaker(out, only);
		cb_render_release(rb, p.n);
		free(rb);
		return;
	}
	struct cb_render_fleet fleet;
	if (rt->cfg->fleet.enabled) {
		cb_render_fleet_collect(&fleet, rt->store, p.mono_now_ms);
		p.fleet = &fleet;
	}
	if (table)
		cb_render_status_table(out, &p, only, color);
	else if (strcmp(w[0], "metrics") == 0)
		cb_render_metrics(out, &p);
	else
		cb_render_status_json(out, &p, only);
	cb_render_release(rb, p.n);
	free(rb);
}

/* reset NAME|*, force-open NAME, disable NAME */
static void change(const struct cb_runtime *rt, char **w, int n, uid_t peer, struct cb_buf *out)
{
	if (n != 2) {
		cb_render_error_json(out, n < 2 ? "which breaker? (a name, or * for reset)"
		                                : "too many arguments");
		return;
	}
	uid_t owner = cb_control_state_owner(rt->store);
	if (peer != 0 && peer != owner) {
		char msg[128];
		snprintf(msg, sizeof(msg),
		         "permission denied: you are uid %u, the state belongs to uid %u",
		         (unsigned)peer, (unsigned)owner);
		cb_render_error_json(out, msg);
		return;
	}
	enum cb_operator_action action =
	        (enum cb_operator_action)cb_operator_action_from_name(w[0]);
	for (uint32_t i = 0; i < rt->n; i++) {
		const struct cb_breaker_rt *b = &rt->breakers[i];
		if (b->damaged && (strcmp(w[1], "*") == 0 || strcmp(w[1], b->cfg->name) == 0)) {
			/* Its slot here is private: a change would reach no other
			 * process, and the file's slot is garbage. */
			char msg[CB_NAME_MAX + PATH_MAX + 128];
			snprintf(msg, sizeof(msg),
			         "%s: its slot in the state file %s is damaged (%s); remove the "
			         "file (every process moves to a new one)",
			         b->cfg->name, cb_store_path(rt->store), b->damaged);
			cb_render_error_json(out, msg);
			return;
		}
	}
	if (action == CB_ACTION_RESET && strcmp(w[1], "*") == 0) {
		cb_render_reset_all_open(out);
		for (uint32_t i = 0; i < rt->n; i++) {
			const struct cb_breaker_rt *b = &rt->breakers[i];
			cb_guard_operate(rt->store, b->slot, b->cfg, action, peer);
			cb_render_reset_all_add(out, i, b->cfg->name);
		}
		cb_render_reset_all_close(out);
		return;
	}
	const struct cb_breaker_rt *b = find(rt, w[1]);
	if (!b) {
		unknown_breaker(out, w[1]);
		return;
	}
	cb_guard_operate(rt->store, b->slot, b->cfg, action, peer);
	cb_render_changed(out, b->cfg->name, cb_slot_state(b->slot));
}

enum cb_control_reply cb_control_handle(const struct cb_runtime *rt, const char *line,
                                        uid_t peer_uid, struct cb_buf *out)
{
	char buf[CB_CONTROL_MAX_REQUEST + 1];
	char *w[MAX_WORDS];
	int n = split(line, buf, sizeof(buf), w);
	if (n == 0) {
		cb_render_error_json(out, "empty request (try: status)");
		return CB_CONTROL_REPLY;
	}
	if (n > MAX_WORDS) {
		cb_render_error_json(out, "too many arguments");
		return CB_CONTROL_REPLY;
	}
	/* Never answer for, or change, a file that is no longer the one at
	 * the path: this process moves to the new one at its next tick, and
	 * meanwhile the tool reads and changes the file at the path itself
	 * (README "Shared state"). */
	if (!cb_store_is_current(rt->store)) {
		cb_render_stale_json(out, cb_store_path(rt->store));
		return CB_CONTROL_REPLY;
	}
	if (strcmp(w[0], "status") == 0 || strcmp(w[0], "table") == 0 ||
	    strcmp(w[0], "metrics") == 0) {
		show(rt, w, n, out);
	} else if (cb_operator_action_from_name(w[0]) >= 0) {
		change(rt, w, n, peer_uid, out);
	} else if (strcmp(w[0], "events") == 0) {
		if (n == 1)
			return CB_CONTROL_STREAM_EVENTS;
		cb_render_error_json(out, "too many arguments");
	} else {
		char msg[160];
		snprintf(msg, sizeof(msg),
		         "unknown request \"%.32s\" (status, table, metrics, events, "
		         "reset, force-open, disable)",
		         w[0]);
		cb_render_error_json(out, msg);
	}
	return CB_CONTROL_REPLY;
}
