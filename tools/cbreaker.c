/* cbreaker.c - the `cbreaker` tool's entry point: finds the command in
 * the table below and runs it. --help is generated from the same table,
 * so it lists exactly the commands that exist. */
#include <stdbool.h>
#include <stdio.h>
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
        {"fleet", cb_cmd_fleet, "[-c FILE]", "the fleet agent: share openings through Redis"},
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
 * status`): the command name is moved in front of them, where every
 * command's option parser expects it. Returns false on an option without
 * its argument; with options but no command, *argc becomes 1 (usage). */
static bool hoist_common_options(int *argc, char **argv)
{
	int lead = 1;
	while (lead + 1 < *argc && (strcmp(argv[lead], "-c") == 0 || strcmp(argv[lead], "-s") == 0))
		lead += 2;
	if (lead < *argc && (strcmp(argv[lead], "-c") == 0 || strcmp(argv[lead], "-s") == 0))
		return false;
	if (lead == 1)
		return true;
	if (lead >= *argc) {
		*argc = 1;
		return true;
	}
	char *command = argv[lead];
	memmove(&argv[2], &argv[1], (size_t)(lead - 1) * sizeof(*argv));
	argv[1] = command;
	return true;
}

int main(int argc, char **argv)
{
	if (!hoist_common_options(&argc, argv)) {
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
