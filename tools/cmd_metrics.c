/* cmd_metrics.c - `cbreaker metrics [--listen [ADDR:]PORT]`: Prometheus
 * text exposition of every breaker, from the live server or the state
 * file, followed by cbreaker_build_info (the tool's version, so a
 * dashboard can tell which hosts run which release); with state_file =
 * none, every live process's, merged and labelled with its pid. Printed
 * once, or, with --listen, served over HTTP at /metrics afresh for every
 * scrape (httpd.c) until interrupted. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "httpd.h"
#include "prom_merge.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int metrics_offline(struct cb_client *c, struct cb_buf *out)
{
	struct cb_client_view v;
	if (cb_client_view_open(c, &v))
		return 1;
	cb_render_metrics(out, &v.page);
	cb_client_view_close(&v);
	return 0;
}

/* The serving process's exposition into out: 0; 1 after printing why not
 * (the reason then in out, for an HTTP client); -1 when nobody serves. */
static int ask(struct cb_client *c, struct cb_buf *out)
{
	char err[512];
	switch (cb_client_request(c, "metrics", out)) {
	case CB_CLIENT_OK:
		if (!cb_client_reply_error(out->data, err, sizeof(err)))
			return 0;
		out->len = 0;
		cb_buf_printf(out, "%s\n", err);
		return cb_client_fail(c, "%s", err);
	case CB_CLIENT_OFFLINE:
		return -1;
	case CB_CLIENT_FAILED:
		break;
	}
	/* What came before the failure is no exposition. */
	out->len = 0;
	cb_buf_printf(out, "cannot read the breakers from %s\n", c->socket);
	return 1;
}

struct each_metrics {
	struct cb_prom_merge merge;
	struct cb_buf *why; /* the reasons of those that failed */
};

static int metrics_of_one(struct cb_client *c, int pid, void *ctx)
{
	struct each_metrics *e = ctx;
	struct cb_buf reply = {0};
	int rc = ask(c, &reply);
	if (rc == 0)
		cb_prom_merge_add(&e->merge, reply.data, pid);
	else if (rc > 0)
		cb_buf_puts(e->why, reply.data);
	cb_buf_free(&reply);
	return rc;
}

/* state_file = none: every live process's exposition, merged into one
 * (prom_merge.h). A process that fails fails the whole, as a scrape
 * that silently lost a process's series would mislead. */
static int collect_each(struct cb_client *c, struct cb_buf *out)
{
	struct each_metrics e = {.why = out};
	struct cb_buf merged = {0};
	int rc = cb_client_each_process(c, metrics_of_one, &e, out);
	cb_prom_merge_finish(&e.merge, &merged);
	if (!rc && merged.data)
		cb_buf_puts(out, merged.data);
	out->failed |= merged.failed;
	cb_buf_free(&merged);
	return rc;
}

/* The whole exposition into out: 0, or 1 after printing why not (and with
 * the reason in out, for an HTTP client). */
static int collect(void *ctx, struct cb_buf *out)
{
	struct cb_client *c = ctx;
	int rc;
	if (c->socket_glob[0])
		rc = collect_each(c, out);
	else if ((rc = ask(c, out)) < 0)
		rc = metrics_offline(c, out);
	if (!rc)
		cb_buf_puts(out, "# HELP cbreaker_build_info The cbreaker release: always 1.\n"
		                 "# TYPE cbreaker_build_info gauge\n"
		                 "cbreaker_build_info{version=\"" CB_VERSION "\"} 1\n");
	if (!rc && out->failed)
		rc = cb_client_fail(c, "out of memory");
	return rc;
}

int cb_cmd_metrics(int argc, char **argv)
{
	static const char *const flags[] = {"--listen=", NULL};
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, flags, &o);
	if (rc)
		return rc;
	if (o.argc)
		return cb_usage_error(argv[0], "unexpected argument \"%s\"", o.argv[0]);
	struct cb_client c;
	rc = cb_client_open(&c, argv[0], &o);
	if (rc)
		return rc;
	if (cb_opts_has(&o, 0)) {
		c.quiet = true; /* "no state yet" would be said at every scrape */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		rc = cb_httpd_serve(o.value[0], "/metrics", collect, &c, &stop);
	} else {
		struct cb_buf out = {0};
		rc = collect(&c, &out);
		if (!rc)
			fputs(out.data, stdout);
		cb_buf_free(&out);
	}
	cb_client_close(&c);
	return rc;
}
