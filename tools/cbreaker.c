/* cbreaker.c - the `cbreaker` tool's entry point: the options that may
 * come before the command (-c, -s, --help, --version), then the command
 * from the table in commands.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"socket", required_argument, NULL, 's'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *socket = NULL;
	opterr = 0;
	int c;
	/* "+": the first operand is the command; what follows is its own. */
	while ((c = getopt_long(argc, argv, "+:c:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 's':
			socket = optarg;
			break;
		case 'h':
			cb_command_overview(stdout);
			return 0;
		case 'V':
			printf("cbreaker %s\n", CB_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "cbreaker: option %s needs a value (see cbreaker --help)\n",
			        argv[optind - 1]);
			return CB_EXIT_USAGE;
		default:
			fprintf(stderr, "cbreaker: unknown option %s (see cbreaker --help)\n",
			        argv[optind - 1]);
			return CB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cb_command_overview(stderr);
		return CB_EXIT_USAGE;
	}
	const struct cb_command *cmd = cb_command_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "cbreaker: unknown command \"%s\" (see cbreaker --help)\n",
		        argv[optind]);
		return CB_EXIT_USAGE;
	}
	cb_opts_set_leading(config, socket);
	return cmd->run(argc - optind, argv + optind);
}
