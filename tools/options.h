/* options.h - the options every `cbreaker` command shares (-c FILE,
 * -s SOCKET, -h), a command's own flags (--json, --all, ...), and the one
 * way a command reports bad usage (one line on stderr, exit status 2).
 * Parsed with getopt_long: options may come before or after the command
 * and its operands, "--" ends them. */
#ifndef CB_TOOL_OPTIONS_H
#define CB_TOOL_OPTIONS_H

#include <stdbool.h>

#define CB_EXIT_USAGE 2

#define CB_OPTS_MAX_FLAGS 8 /* a command's own options, at most */

struct cb_opts {
	const char *config;                   /* -c FILE, or NULL */
	const char *socket;                   /* -s SOCKET, or NULL */
	unsigned flags;                       /* bit i set: flags[i] was given */
	const char *value[CB_OPTS_MAX_FLAGS]; /* flags[i]'s value, when it ends in "=" */
	int argc;                             /* operands, in order (they point into argv) */
	char **argv;
};

/* The -c and -s given before the command (`cbreaker -c FILE status`):
 * every later cb_opts_parse starts from them; the command's own -c or -s
 * wins. */
void cb_opts_set_leading(const char *config, const char *socket);

/* Parses argv[1..] (argv[0] is the command's name), permuting argv so that
 * the operands come last. `flags` lists the command's own long options,
 * NULL-terminated, at most 8; may be NULL. "--json" takes no value;
 * "--listen=" takes one (o->value[i]). -h/--help prints the
 * command's help and exits 0. Returns 0, or CB_EXIT_USAGE after printing
 * the reason. */
int cb_opts_parse(int argc, char **argv, const char *const *flags, struct cb_opts *o);

/* The same for `run`: options end at the first operand, which is the
 * command to run (its own options are not ours); no -s. */
int cb_opts_parse_prefix(int argc, char **argv, struct cb_opts *o);

/* True when flags[index] was given. */
bool cb_opts_has(const struct cb_opts *o, unsigned index);

/* -c FILE, else $CBREAKER_CONFIG, else the built-in default. */
const char *cb_opts_config(const struct cb_opts *o);

/* Prints "cbreaker CMD: <message> (see cbreaker help CMD)" on stderr and
 * returns CB_EXIT_USAGE. */
int cb_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
