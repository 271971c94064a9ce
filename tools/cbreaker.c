/* cbreaker.c - the `cbreaker` tool's entry point: finds the command in
 * the table below and runs it. --help is generated from the same table,
 * so it lists exactly the commands that exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;    /* after the name, for --help */
	const char *summary; /* one line */
};

static const struct command commands[] = {
        {"check-config", cb_cmd_check_config, "[-c FILE]",
         "validate the configuration: exit 0, or print file:line errors and exit 1"},
        {"run", cb_cmd_run, "[-c FILE] -- CMD [ARGS...]", "run CMD under the shim"},
        {"status", cb_cmd_status, "[NAME] [--json]", "breakers as a table (or JSON)"},
        {"watch", cb_cmd_watch, "", "live view of the table, refreshed every second"},
        {"events", cb_cmd_events, "", "state changes as they happen, one JSON object a line"},
        {"metrics", cb_cmd_metrics, "", "Prometheus text exposition"},
        {"reset", cb_cmd_reset, "NAME|--all", "close a breaker and clear its counters"},
        {"force-open", cb_cmd_force_open, "NAME", "reject every call until reset"},
        {"disable", cb_cmd_disable, "NAME", "never reject (until reset)"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help(FILE *out)
{
	fprintf(out,
	        "usage: cbreaker [-c FILE] [-s SOCKET] COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char head[64];
		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-32s %s\n", head, commands[i].summary);
	}
	fprintf(out,
	        "\ncommon options:\n"
	        "  -c FILE    configuration (default: $CBREAKER_CONFIG, else the installed one)\n"
	        "  -s SOCKET  control socket (default: from the configuration)\n"
	        "\n`cbreaker COMMAND --help` shows one command's usage.\n");
}

/* The common options may also come before the command (`cbreaker -c FILE
 * status`): they are moved behind the command name, where every command's
 * option parser looks for them. Returns the new argv (argv + its own
 * storage), with *argc updated; NULL on a missing option argument. */
static char **hoist_common_options(int *argc, char **argv)
{
	int lead = 1;
	while (lead + 1 < *argc && (strcmp(argv[lead], "-c") == 0 || strcmp(argv[lead], "-s") == 0))
		lead += 2;
	if (lead < *argc && (strcmp(argv[lead], "-c") == 0 || strcmp(argv[lead], "-s") == 0))
		return NULL;
	if (lead == 1)
		return argv;
	if (lead >= *argc) {
		*argc = 1; /* options but no command: usage */
		return argv;
	}
	char **out = calloc((size_t)*argc + 1, sizeof(*out));
	if (!out)
		return argv;
	int n = 0;
	out[n++] = argv[0];
	out[n++] = argv[lead]; /* the command */
	for (int i = 1; i < lead; i++)
		out[n++] = argv[i];
	for (int i = lead + 1; i < *argc; i++)
		out[n++] = argv[i];
	*argc = n;
	return out;
}

int main(int argc, char **argv)
{
	argv = hoist_common_options(&argc, argv);
	if (!argv) {
		fprintf(stderr, "cbreaker: -c and -s need an argument (see cbreaker --help)\n");
		return CB_EXIT_USAGE;
	}
	if (argc < 2) {
		help(stderr);
		return CB_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		help(stdout);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			printf("usage: cbreaker %s %s\n  %s\n", commands[i].name, commands[i].args,
			       commands[i].summary);
			return 0;
		}
		return commands[i].run(argc - 1, argv + 1);
	}
	if (name[0] == '-')
		fprintf(stderr, "cbreaker: unknown option %s (see cbreaker --help)\n", name);
	else
		fprintf(stderr, "cbreaker: unknown command \"%s\" (see cbreaker --help)\n", name);
	return CB_EXIT_USAGE;
}
