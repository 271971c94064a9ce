/* commands.h - one function per `cbreaker` command, each taking the
 * command's own argv (argv[0] = its name) and returning the exit status.
 * A new command is one line here and one row in tools/cbreaker.c. */
#ifndef CB_TOOL_COMMANDS_H
#define CB_TOOL_COMMANDS_H

int cb_cmd_check_config(int argc, char **argv);
int cb_cmd_run(int argc, char **argv);
int cb_cmd_status(int argc, char **argv);
int cb_cmd_watch(int argc, char **argv);
int cb_cmd_events(int argc, char **argv);
int cb_cmd_metrics(int argc, char **argv);
int cb_cmd_reset(int argc, char **argv);
int cb_cmd_force_open(int argc, char **argv);
int cb_cmd_disable(int argc, char **argv);
int cb_cmd_fleet(int argc, char **argv);

#endif
