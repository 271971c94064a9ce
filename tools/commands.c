/* commands.c - the `cbreaker` commands: name, entry point and help, in one
 * table, so that --help, `help NAME` and the dispatcher (cbreaker.c) list
 * exactly the commands that exist. The man page cbreaker(1) says the same
 * at length; a test checks that it names every command here. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"

static const struct cb_command commands[] = {
        {"status", cb_cmd_status, "[NAME] [--json] [--check]", "breakers as a table (or JSON)",
         "  --json     the JSON of every field (cbreaker(1) lists them)\n"
         "  --check    exit 3 when a breaker shown is not closed (open, half_open,\n"
         "             forced_open, disabled), 0 when all are; 1 when the state\n"
         "             cannot be read\n"},
        {"watch", cb_cmd_watch, "", "live view of the table, refreshed every second",
         "  Fits the terminal (TIOCGWINSZ, else $COLUMNS); on a pipe or with TERM=dumb\n"
         "  each frame is printed after the last, without escape codes. Colours only\n"
         "  on a terminal, never with NO_COLOR set. Ctrl-C ends it (exit 0).\n"},
        {"events", cb_cmd_events, "", "state changes as they happen, one JSON object a line",
         "  Until interrupted, or until its reader goes away (exit 0). With\n"
         "  state_file = none, every live process's, a process started later too.\n"},
        {"metrics", cb_cmd_metrics, "[--listen [ADDR:]PORT]", "Prometheus text exposition",
         "  From the serving process, else from the state file, and\n"
         "  cbreaker_build_info{version} last. With state_file = none, every live\n"
         "  process's in one exposition, each sample with a pid label.\n"
         "  --listen [ADDR:]PORT  serve it over HTTP at /metrics until interrupted, one\n"
         "             client at a time, GET and HEAD only; a bare PORT listens on\n"
         "             127.0.0.1 alone\n"},
        {"reset", cb_cmd_reset, "NAME|--all", "close a breaker and clear its counters",
         "  --all      every breaker of the configuration\n"},
        {"force-open", cb_cmd_force_open, "NAME", "reject every call until reset", ""},
        {"disable", cb_cmd_disable, "NAME", "never reject (until reset)", ""},
        {"check-config", cb_cmd_check_config, "[-c FILE]",
         "validate the configuration: exit 0, or print file:line errors and exit 1", ""},
        {"run", cb_cmd_run, "[-c FILE] [--] CMD [ARGS...]", "run CMD under the shim",
         "  Puts libcbreaker.so first in LD_PRELOAD and exports CBREAKER_CONFIG (made\n"
         "  absolute). Options end at CMD. Exit status: CMD's own; 125 when run\n"
         "  itself fails (no library, no such configuration); 126 when CMD cannot be\n"
         "  executed; 127 when CMD is not found; 2 on bad usage.\n"},
        {"fleet", cb_cmd_fleet, "[-c FILE]", "the fleet agent: share openings through Redis",
         "  In the foreground (for systemd, Restart=always), with the [fleet] section\n"
         "  of the configuration (README \"Fleet mode\"). Restart it after a change.\n"},
        {"ps", cb_cmd_ps, "[--json]", "processes that have the library loaded",
         "  From /proc: pid, user, configuration (CBREAKER_CONFIG from the process's\n"
         "  environment, else the default) and command line. Processes of other users\n"
         "  are seen only by root.\n"
         "  --json     {\"processes\":[{\"pid\":...,\"user\":...,\"config\":...},...]}\n"},
        {"version", cb_cmd_version, "", "print the version (also --version)", ""},
        {"help", cb_cmd_help, "[COMMAND]", "this list, or one command's help", ""},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cb_command *cb_command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static const char common_options[] =
        "  -c, --config FILE    configuration (default: $CBREAKER_CONFIG, else the\n"
        "                       installed " CB_DEFAULT_CONFIG ")\n"
        "  -s, --socket SOCKET  control socket (default: from the configuration; with\n"
        "                       state_file = none, status, watch, events and metrics\n"
        "                       go to every live process's, each labelled with its pid)\n"
        "  -h, --help           help; --version: the version\n";

void cb_command_overview(FILE *out)
{
	fprintf(out,
	        "usage: cbreaker [-c FILE] [-s SOCKET] COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char head[64];
		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-32s %s\n", head, commands[i].summary);
	}
	fprintf(out,
	        "\ncommon options (before or after the command):\n%s"
	        "\nexit status: 0 ok, 1 failure (one line on stderr), 2 bad usage;\n"
	        "status --check: 3 when a breaker is not closed; run: see cbreaker help run.\n"
	        "`cbreaker help COMMAND` shows one command; man cbreaker tells all.\n",
	        common_options);
}

void cb_command_help(FILE *out, const char *name)
{
	const struct cb_command *c = cb_command_find(name);
	if (!c) {
		cb_command_overview(out);
		return;
	}
	fprintf(out, "usage: cbreaker %s %s\n  %s\n\n%s%soptions:\n%s", c->name, c->args,
	        c->summary, c->details, c->details[0] ? "\n" : "", common_options);
}

int cb_cmd_version(int argc, char **argv)
{
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, NULL, &o);
	if (rc)
		return rc;
	if (o.argc)
		return cb_usage_error(argv[0], "unexpected argument \"%s\"", o.argv[0]);
	printf("cbreaker %s\n", CB_VERSION);
	return 0;
}

int cb_cmd_help(int argc, char **argv)
{
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, NULL, &o);
	if (rc)
		return rc;
	if (o.argc > 1)
		return cb_usage_error(argv[0], "one command at most");
	if (o.argc && !cb_command_find(o.argv[0]))
		return cb_usage_error(argv[0], "no command \"%s\"", o.argv[0]);
	if (o.argc)
		cb_command_help(stdout, o.argv[0]);
	else
		cb_command_overview(stdout);
	return 0;
}
