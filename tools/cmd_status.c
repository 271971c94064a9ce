/* cmd_status.c - `cbreaker status [NAME] [--json]`: the breakers as an
 * aligned table (state coloured on a terminal unless NO_COLOR is set) or
 * as the JSON of README "The control socket", from the live server or the state file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"

static bool want_color(void)
{
	const char *no = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(no && no[0]);
}

static int show_offline(struct cb_client *c, const char *only, bool json)
{
	struct cb_client_view v;
	if (cb_client_view_open(c, &v))
		return 1;
	if (only && !cb_render_find(&v.page, only)) {
		cb_client_view_close(&v);
		return cb_client_fail(c, "unknown breaker \"%s\"", only);
	}
	struct cb_buf out = {0};
	if (json)
		cb_render_status_json(&out, &v.page, only);
	else
		cb_render_status_table(&out, &v.page, only, want_color());
	cb_client_view_close(&v);
	int rc = out.failed ? cb_client_fail(c, "out of memory") : 0;
	if (!rc)
		fputs(out.data, stdout);
	cb_buf_free(&out);
	return rc;
}

int cb_cmd_status(int argc, char **argv)
{
	static const char *const flags[] = {"--json", NULL};
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, flags, &o);
	if (rc)
		return rc;
	if (o.argc > 1) {
		rc = cb_usage_error(argv[0], "one breaker name at most");
		cb_opts_free(&o);
		return rc;
	}
	bool json = cb_opts_has(&o, 0);
	const char *only = o.argc ? o.argv[0] : NULL;
	struct cb_client c;
	rc = cb_client_open(&c, "status", &o);
	if (rc) {
		cb_opts_free(&o);
		return rc;
	}
	char req[CB_NAME_MAX + 32];
	snprintf(req, sizeof(req), "%s%s%s%s", json ? "status" : "table",
	         !json && want_color() ? " --color" : "", only ? " " : "", only ? only : "");
	struct cb_buf reply = {0};
	char err[512];
	switch (cb_client_request(&c, req, &reply)) {
	case CB_CLIENT_OK:
		if (cb_client_reply_error(reply.data, err, sizeof(err)))
			rc = cb_client_fail(&c, "%s", err);
		else
			fputs(reply.data, stdout);
		break;
	case CB_CLIENT_OFFLINE:
		rc = show_offline(&c, only, json);
		break;
	case CB_CLIENT_FAILED:
		rc = 1;
	}
	cb_buf_free(&reply);
	cb_client_close(&c);
	cb_opts_free(&o);
	return rc;
}
