/* cmd_check_config.c - `cbreaker check-config [-c FILE]`: loads the
 * configuration exactly as the shim does and prints either every error
 * ("file:line: message", exit 1) or one line per breaker (exit 0). */
#include <inttypes.h>
#include <stdio.h>

#include "commands.h"
#include "config.h"
#include "config_value.h"
#include "options.h"

static void print_breaker(const struct cb_breaker_config *b)
{
	char open[32], open_max[32];

	cb_value_format_duration(b->open_timeout_ms, open, sizeof(open));
	cb_value_format_duration(b->open_timeout_max_ms, open_max, sizeof(open_max));
	printf("%s: hosts %s; failure_threshold %" PRIu32 ", failure_rate %" PRIu32
	       "%%, open_timeout %s",
	       b->name, b->hosts, b->failure_threshold, b->failure_rate, open);
	if (b->open_timeout_max_ms != b->open_timeout_ms)
		printf(" (up to %s)", open_max);
	printf(", scope %s, mode %s\n", b->scope == CB_SCOPE_ENDPOINT ? "endpoint" : "service",
	       b->mode == CB_MODE_OBSERVE ? "observe" : "enforce");
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
