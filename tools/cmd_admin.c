/* cmd_admin.c - the operator's actions: `cbreaker reset NAME|--all`,
 * `cbreaker force-open NAME`, `cbreaker disable NAME`. Through the live
 * server (which checks the caller's uid), else on the state file directly
 * (whose permissions decide). Prints "api: forced_open". */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"

/* Prints the outcome of an {"ok":true,...} or {"error":...} reply. */
static int report(struct cb_client *c, const char *reply)
{
	char msg[512], name[CB_NAME_MAX], state[32];
	if (cb_client_reply_error(reply, msg, sizeof(msg)))
		return cb_client_fail(c, "%s", msg);
	if (cb_client_reply_field(reply, "breaker", name, sizeof(name)) &&
	    cb_client_reply_field(reply, "state", state, sizeof(state))) {
		printf("%s: %s\n", name, state);
		return 0;
	}
	if (strncmp(reply, "{\"ok\":true,\"reset\":", 19) == 0) {
		printf("reset: all breakers closed, counters cleared\n");
		return 0;
	}
	return cb_client_fail(c, "unexpected reply: %.200s", reply);
}

/* verb NAME (or, for reset, --all) */
static int admin(int argc, char **argv, const char *verb)
{
	static const char *const reset_flags[] = {"--all", NULL};
	bool is_reset = strcmp(verb, "reset") == 0;
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, is_reset ? reset_flags : NULL, &o);
	if (rc)
		return rc;
	bool all = is_reset && cb_opts_has(&o, 0);
	if (all ? o.argc != 0 : o.argc != 1)
		return cb_usage_error(argv[0], is_reset ? "give one breaker name, or --all"
		                                        : "give one breaker name");
	const char *name = all ? "*" : o.argv[0];
	if (!all && (strcmp(name, "*") == 0 || strlen(name) >= CB_NAME_MAX || strchr(name, ' ')))
		return cb_usage_error(argv[0], "\"%s\" is not a breaker name", name);
	struct cb_client c;
	rc = cb_client_open(&c, verb, &o);
	if (rc)
		return rc;
	char req[CB_NAME_MAX + 32];
	snprintf(req, sizeof(req), "%s %s", verb, name);
	struct cb_buf reply = {0};
	switch (cb_client_request(&c, req, &reply)) {
	case CB_CLIENT_OK:
		rc = report(&c, reply.data);
		break;
	case CB_CLIENT_OFFLINE:
		rc = cb_client_change_offline(&c, verb, name, &reply);
		if (!rc)
			rc = report(&c, reply.data);
		break;
	case CB_CLIENT_FAILED:
		rc = 1;
	}
	cb_buf_free(&reply);
	cb_client_close(&c);
	return rc;
}

int cb_cmd_reset(int argc, char **argv)
{
	return admin(argc, argv, "reset");
}

int cb_cmd_force_open(int argc, char **argv)
{
	return admin(argc, argv, "force-open");
}

int cb_cmd_disable(int argc, char **argv)
{
	return admin(argc, argv, "disable");
}
