/* cmd_status.c - `cbreaker status [NAME] [--json] [--check]`: the breakers
 * as an aligned table (state coloured on a terminal, see term.h) or as the
 * JSON of README "The control socket", from the live server or the state file. With
 * --check the exit status says whether every breaker shown is closed, for
 * scripts and monitoring checks (CB_EXIT_NOT_CLOSED otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "term.h"

/* Breakers not closed in a status JSON reply. The breakers' objects are
 * the ones that start with "name" (endpoints start with "address"), and
 * names never hold a quote. */
static size_t json_not_closed(const char *json)
{
	size_t n = 0;
	for (const char *p = json; (p = strstr(p, "{\"name\":\"")) != NULL;) {
		p = strchr(p + 9, '"');
		if (!p)
			break;
		if (strncmp(p, "\",\"state\":\"", 11) == 0 && strncmp(p + 11, "closed\"", 7) != 0)
			n++;
		p++;
	}
	return n;
}

static int show_offline(struct cb_client *c, const char *only, bool json, size_t *not_closed)
{
	struct cb_client_view v;
	if (cb_client_view_open(c, &v))
		return 1;
	if (only && !cb_render_find(&v.page, only)) {
		cb_client_view_close(&v);
		return cb_client_fail(c, "unknown breaker \"%s\"", only);
	}
	for (size_t i = 0; i < v.page.n; i++)
		if ((!only || strcmp(only, v.page.breakers[i].cfg->name) == 0) &&
		    v.page.breakers[i].snap.state != CB_CLOSED)
			++*not_closed;
	struct cb_buf out = {0};
	if (json)
		cb_render_status_json(&out, &v.page, only);
	else
		cb_render_status_table(&out, &v.page, only, cb_term_color(STDOUT_FILENO));
	cb_client_view_close(&v);
	int rc = out.failed ? cb_client_fail(c, "out of memory") : 0;
	if (!rc)
		fputs(out.data, stdout);
	cb_buf_free(&out);
	return rc;
}

/* One request to the server: 0 with the reply, 1 after printing, -1 when
 * nobody serves (use the state file). */
static int ask(struct cb_client *c, const char *req, struct cb_buf *reply)
{
	char err[512];
	switch (cb_client_request(c, req, reply)) {
	case CB_CLIENT_OK:
		if (cb_client_reply_error(reply->data, err, sizeof(err)))
			return cb_client_fail(c, "%s", err);
		return 0;
	case CB_CLIENT_OFFLINE:
		return -1;
	case CB_CLIENT_FAILED:
		break;
	}
	return 1;
}

/* The live server's answer into out: 0, 1 after printing, -1 when nobody
 * serves (use the state file). */
static int ask_live(struct cb_client *c, const char *only, bool json, bool check,
                    size_t *not_closed, struct cb_buf *out)
{
	char req[CB_NAME_MAX + 32];
	int rc = 0;
	/* The JSON tells the states; the table is a second request. */
	if (json || check) {
		snprintf(req, sizeof(req), "status%s%s", only ? " " : "", only ? only : "");
		rc = ask(c, req, out);
		if (rc == 0)
			*not_closed += json_not_closed(out->data);
	}
	if (rc == 0 && !json) {
		out->len = 0;
		snprintf(req, sizeof(req), "table%s%s%s",
		         cb_term_color(STDOUT_FILENO) ? " --color" : "", only ? " " : "",
		         only ? only : "");
		rc = ask(c, req, out);
	}
	return rc;
}

static int show_live(struct cb_client *c, const char *only, bool json, bool check,
                     size_t *not_closed)
{
	struct cb_buf reply = {0};
	int rc = ask_live(c, only, json, check, not_closed, &reply);
	if (rc == 0)
		fputs(reply.data, stdout);
	cb_buf_free(&reply);
	return rc;
}

struct each_status {
	const char *only;
	bool json, check;
	size_t *not_closed;
	int shown;
};

/* One process's part of show_each_process: nothing of it is printed
 * unless it answered, so that a dead process's socket leaves no empty
 * heading and the JSON stays whole. */
static int status_of_one(struct cb_client *c, int pid, void *ctx)
{
	struct each_status *e = ctx;
	struct cb_buf reply = {0};
	int rc = ask_live(c, e->only, e->json, e->check, e->not_closed, &reply);
	if (rc == 0 && e->json)
		printf("%s{\"pid\":%d,\"status\":%s}", e->shown ? "," : "", pid, reply.data);
	else if (rc == 0)
		printf("%s== pid %d (%s)\n%s", e->shown ? "\n" : "", pid, c->socket, reply.data);
	e->shown += rc == 0;
	cb_buf_free(&reply);
	return rc;
}

/* state_file = none: each live process of the configuration, labelled
 * with its pid (a "processes" list in JSON). 1 when none answers. */
static int show_each_process(struct cb_client *c, const char *only, bool json, bool check,
                             size_t *not_closed)
{
	struct each_status e = {only, json, check, not_closed, 0};
	if (json)
		fputs("{\"processes\":[", stdout);
	int rc = cb_client_each_process(c, status_of_one, &e, NULL);
	if (json)
		fputs("]}\n", stdout);
	return rc;
}

int cb_cmd_status(int argc, char **argv)
{
	static const char *const flags[] = {"--json", "--check", NULL};
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, flags, &o);
	if (rc)
		return rc;
	if (o.argc > 1)
		return cb_usage_error(argv[0], "one breaker name at most");
	bool json = cb_opts_has(&o, 0), check = cb_opts_has(&o, 1);
	const char *only = o.argc ? o.argv[0] : NULL;
	struct cb_client c;
	rc = cb_client_open(&c, "status", &o);
	if (rc)
		return rc;
	size_t not_closed = 0;
	if (c.socket_glob[0]) {
		rc = show_each_process(&c, only, json, check, &not_closed);
		cb_client_close(&c);
		return rc == 0 && check && not_closed ? CB_EXIT_NOT_CLOSED : rc;
	}
	rc = show_live(&c, only, json, check, &not_closed);
	if (rc < 0) {
		not_closed = 0;
		rc = show_offline(&c, only, json, &not_closed);
	}
	cb_client_close(&c);
	if (rc == 0 && check && not_closed)
		return CB_EXIT_NOT_CLOSED;
	return rc;
}
