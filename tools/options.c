/* options.c - shared option parsing for the `cbreaker` commands (see
 * options.h), with getopt_long so that `--config=FILE`, `-cFILE`, bundled
 * and abbreviated long options behave as in every other GNU tool. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config/config.h"
#include "options.h"

#define MAX_FLAGS  CB_OPTS_MAX_FLAGS
#define FLAG_FIRST 256 /* getopt values of a command's flags: above every char */

static const char *leading_config, *leading_socket;

void cb_opts_set_leading(const char *config, const char *socket)
{
	leading_config = config;
	leading_socket = socket;
}

int cb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cbreaker %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see cbreaker help %s)\n", cmd);
	return CB_EXIT_USAGE;
}

/* The option getopt_long stopped at, as the user typed it. */
static const char *offending(char **argv, int c)
{
	static char shortopt[3] = "-?";
	if (c == '?' && optopt && optopt < FLAG_FIRST && argv[optind - 1][1] != '-') {
		shortopt[1] = (char)optopt;
		return shortopt;
	}
	return argv[optind - 1];
}

static int parse(int argc, char **argv, const char *const *flags, bool prefix, struct cb_opts *o)
{
	const char *cmd = argv[0];
	struct option longopts[3 + MAX_FLAGS + 1] = {
	        {"config", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {"socket", required_argument, NULL, 's'},
	};
	char names[MAX_FLAGS][32]; /* without the leading "--" and trailing "=" */
	size_t n = prefix ? 2 : 3;
	for (unsigned k = 0; flags && flags[k] && k < MAX_FLAGS; k++, n++) {
		size_t len = strlen(flags[k] + 2);
		bool valued = len && flags[k][2 + len - 1] == '=';
		snprintf(names[k], sizeof(names[k]), "%.*s", (int)(len - valued), flags[k] + 2);
		longopts[n] = (struct option){names[k], valued ? required_argument : no_argument,
		                              NULL, FLAG_FIRST + (int)k};
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));

	memset(o, 0, sizeof(*o));
	o->config = leading_config;
	o->socket = prefix ? NULL : leading_socket;
	optind = 0; /* full re-initialisation: main() parsed its own options */
	opterr = 0; /* our messages: one line, with the command's name */
	int c;
	while ((c = getopt_long(argc, argv, prefix ? "+:c:h" : ":c:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'h':
			cb_command_help(stdout, cmd);
			exit(0);
		case ':':
			return cb_usage_error(cmd, "option %s needs a value", offending(argv, c));
		case '?':
			return cb_usage_error(cmd, "unknown option %s", offending(argv, c));
		default:
			o->flags |= 1u << (c - FLAG_FIRST);
			o->value[c - FLAG_FIRST] = optarg;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	return 0;
}

int cb_opts_parse(int argc, char **argv, const char *const *flags, struct cb_opts *o)
{
	return parse(argc, argv, flags, false, o);
}

int cb_opts_parse_prefix(int argc, char **argv, struct cb_opts *o)
{
	return parse(argc, argv, NULL, true, o);
}

bool cb_opts_has(const struct cb_opts *o, unsigned index)
{
	return index < MAX_FLAGS && (o->flags >> index & 1);
}

const char *cb_opts_config(const struct cb_opts *o)
{
	return o->config ? o->config : cb_config_default_path();
}
