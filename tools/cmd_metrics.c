/* cmd_metrics.c - `cbreaker metrics`: Prometheus text exposition of every
 * breaker, from the live server or the state file (for a textfile
 * collector, see README). */
#include <stdio.h>

#include "client.h"
#include "commands.h"

static int metrics_offline(struct cb_client *c)
{
	struct cb_client_view v;
	if (cb_client_view_open(c, &v))
		return 1;
	struct cb_buf out = {0};
	cb_render_metrics(&out, &v.page);
	cb_client_view_close(&v);
	int rc = out.failed ? cb_client_fail(c, "out of memory") : 0;
	if (!rc && out.data)
		fputs(out.data, stdout);
	cb_buf_free(&out);
	return rc;
}

int cb_cmd_metrics(int argc, char **argv)
{
	struct cb_client c;
	int rc = cb_client_open_bare(&c, argc, argv);
	if (rc)
		return rc;
	struct cb_buf reply = {0};
	char err[512];
	switch (cb_client_request(&c, "metrics", &reply)) {
	case CB_CLIENT_OK:
		if (cb_client_reply_error(reply.data, err, sizeof(err)))
			rc = cb_client_fail(&c, "%s", err);
		else
			fputs(reply.data, stdout);
		break;
	case CB_CLIENT_OFFLINE:
		rc = metrics_offline(&c);
		break;
	case CB_CLIENT_FAILED:
		rc = 1;
	}
	cb_buf_free(&reply);
	cb_client_close(&c);
	return rc;
}
