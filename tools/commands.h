/* commands.h - one function per `cbreaker` command, each taking the
 * command's own argv (argv[0] = its name) and returning the exit status,
 * and the table (commands.c) that names them and holds their help. A new
 * command is one line here and one row in commands.c. */
#ifndef CB_TOOL_COMMANDS_H
#define CB_TOOL_COMMANDS_H

#include <stdio.h>

/* Exit status of `status --check` when a breaker is not closed: apart from
 * 1 (could not tell) and 2 (usage), so that a script can tell them. */
#define CB_EXIT_NOT_CLOSED 3

struct cb_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;    /* after the name */
	const char *summary; /* one line */
	const char *details; /* the rest of `cbreaker help NAME`, lines ending in \n */
};

/* The command of that name, or NULL. */
const struct cb_command *cb_command_find(const char *name);

/* `cbreaker --help`: usage, every command, the common options. */
void cb_command_overview(FILE *out);

/* `cbreaker help NAME` (and NAME --help). */
void cb_command_help(FILE *out, const char *name);

int cb_cmd_check_config(int argc, char **argv);
int cb_cmd_run(int argc, char **argv);
int cb_cmd_status(int argc, char **argv);
int cb_cmd_watch(int argc, char **argv);
int cb_cmd_events(int argc, char **argv);
int cb_cmd_metrics(int argc, char **argv);
int cb_cmd_reset(int argc, char **argv);
int cb_cmd_force_open(int argc, char **argv);
int cb_cmd_disable(int argc, char **argv);
int cb_cmd_ps(int argc, char **argv);
int cb_cmd_version(int argc, char **argv);
int cb_cmd_help(int argc, char **argv);
int cb_cmd_fleet(int argc, char **argv);

#endif
