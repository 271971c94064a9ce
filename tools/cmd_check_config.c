/* cmd_check_config.c - `cbreaker check-config [-c FILE]`: loads the
 * configuration exactly as the shim does and prints either every error
 * ("file:line: message", exit 1) or one line per breaker (exit 0). */
#include <stdio.h>

#include "commands.h"
#include "config/config.h"

#include "options.h"

/* The keys a summary line shows after the hosts, names and values as the
 * configuration writes them; open_timeout_max follows open_timeout as
 * "(up to ...)" when it differs. */
static const int summary[] = {CB_KEY_FAILURE_THRESHOLD, CB_KEY_FAILURE_RATE, CB_KEY_OPEN_TIMEOUT,
                              CB_KEY_SCOPE, CB_KEY_MODE};

static void print_breaker(const struct cb_breaker_config *b)
{
	char value[CB_DIAG_LEN];

	printf("%s: hosts %s;", b->name, b->hosts);
	for (size_t i = 0; i < sizeof(summary) / sizeof(summary[0]); i++) {
		cb_keys_breaker_format(b, summary[i], value, sizeof(value));
		printf("%s %s %s", i ? "," : "", cb_keys_breaker_name(summary[i]), value);
		if (summary[i] == CB_KEY_OPEN_TIMEOUT &&
		    b->open_timeout_max_ms != b->open_timeout_ms) {
			cb_keys_breaker_format(b, CB_KEY_OPEN_TIMEOUT_MAX, value, sizeof(value));
			printf(" (up to %s)", value);
		}
	}
	printf("\n");
}

int cb_cmd_check_config(int argc, char **argv)
{
	struct cb_opts o;
	static struct cb_diag diag; /* ~10 KB: off the stack */

	int rc = cb_opts_parse(argc, argv, NULL, &o);
	if (rc)
		return rc;
	if (o.argc)
		return cb_usage_error(argv[0], "unexpected argument \"%s\"", o.argv[0]);
	const char *path = cb_opts_config(&o);
	struct cb_config *cfg = cb_config_load(path, &diag);
	if (!cfg) {
		size_t shown = diag.count < CB_DIAG_MAX ? diag.count : CB_DIAG_MAX;
		for (size_t i = 0; i < shown; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
		if (diag.count > CB_DIAG_MAX)
			fprintf(stderr, "%zu errors\n", diag.count);
		return 1;
	}
	for (size_t i = 0; i < cfg->n_breakers; i++)
		print_breaker(&cfg->breakers[i]);
	fprintf(stderr, "%s: ok, %zu breaker%s\n", path, cfg->n_breakers,
	        cfg->n_breakers == 1 ? "" : "s");
	cb_config_free(cfg);
	return 0;
}
