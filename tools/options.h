/* options.h - the options every `cbreaker` command shares (-c FILE,
 * -s SOCKET) plus a command's own flags (--json, --all, ...), and the one
 * way a command reports bad usage (one line on stderr, exit status 2). */
#ifndef CB_TOOL_OPTIONS_H
#define CB_TOOL_OPTIONS_H

#include <stdbool.h>

#define CB_EXIT_USAGE 2

struct cb_opts {
	const char *config; /* -c FILE, or NULL */
	const char *socket; /* -s SOCKET, or NULL */
	unsigned flags;     /* bit i set: flags[i] was given */
	int argc;           /* operands, in order; everything after "--" is one */
	char **argv;
};

/* Parses argv[1..] (argv[0] is the command's name). `flags` lists the
 * command's own value-less options ("--json"), NULL-terminated; may be
 * NULL. o->argv is allocated (free it with cb_opts_free). Returns 0, or
 * CB_EXIT_USAGE after printing the reason. */
int cb_opts_parse(int argc, char **argv, const char *const *flags, struct cb_opts *o);
void cb_opts_free(struct cb_opts *o);

/* True when flags[index] was given. */
bool cb_opts_has(const struct cb_opts *o, unsigned index);

/* -c FILE, else $CBREAKER_CONFIG, else the built-in default. */
const char *cb_opts_config(const struct cb_opts *o);

/* Prints "cbreaker CMD: <message> (see cbreaker --help)" on stderr and
 * returns CB_EXIT_USAGE. */
int cb_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
