/* options.c - shared option parsing for the `cbreaker` commands (see
 * options.h). Options may come before or after operands, as users type
 * `cbreaker status api --json`; "--" ends them (`cbreaker run -- CMD`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "options.h"

int cb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cbreaker %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see cbreaker --help)\n");
	return CB_EXIT_USAGE;
}

/* -c FILE, -cFILE, --config FILE, --config=FILE (and the same for -s).
 * Returns 1 when argv[*i] was this option (consuming its value), 0 when it
 * was not, -1 when its value is missing. */
static int take_value(int argc, char **argv, int *i, char shortopt, const char *longopt,
                      const char **out)
{
	const char *a = argv[*i];
	size_t n = strlen(longopt);

	if (a[0] == '-' && a[1] == shortopt) {
		if (a[2]) {
			*out = a + 2;
			return 1;
		}
	} else if (strncmp(a, longopt, n) == 0 && a[n] == '=') {
		*out = a + n + 1;
		return 1;
	} else if (strcmp(a, longopt) != 0) {
		return 0;
	}
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

int cb_opts_parse(int argc, char **argv, const char *const *flags, struct cb_opts *o)
{
	const char *cmd = argv[0];
	bool operands_only = false;

	memset(o, 0, sizeof(*o));
	o->argv = calloc((size_t)argc + 1, sizeof(*o->argv));
	if (!o->argv) {
		fprintf(stderr, "cbreaker %s: out of memory\n", cmd);
		return CB_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (operands_only || a[0] != '-' || a[1] == '\0') {
			o->argv[o->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			operands_only = true;
			continue;
		}
		int rc = take_value(argc, argv, &i, 'c', "--config", &o->config);
		if (rc == 0)
			rc = take_value(argc, argv, &i, 's', "--socket", &o->socket);
		if (rc < 0) {
			cb_opts_free(o);
			return cb_usage_error(cmd, "option %s needs a value", a);
		}
		if (rc > 0)
			continue;
		unsigned k = 0;
		while (flags && flags[k] && strcmp(flags[k], a) != 0)
			k++;
		if (!flags || !flags[k]) {
			cb_opts_free(o);
			return cb_usage_error(cmd, "unknown option %s", a);
		}
		o->flags |= 1u << k;
	}
	return 0;
}

void cb_opts_free(struct cb_opts *o)
{
	free(o->argv);
	o->argv = NULL;
	o->argc = 0;
}

bool cb_opts_has(const struct cb_opts *o, unsigned index)
{
	return index < 32 && (o->flags >> index & 1);
}

const char *cb_opts_config(const struct cb_opts *o)
{
	return o->config ? o->config : cb_config_default_path();
}
