/* cmd_check_config.c - `cbreaker check-config [-c FILE]`: loads the
 * configuration exactly as the shim does and prints either every error
 * ("file:line: message", exit 1) or one line per breaker (exit 0). A file
 * that parses is also checked for what would fail only at run time (README
 * "The cbreaker tool"): a state directory that is missing or that the
 * state_group cannot reach, a socket path too long for a Unix socket, a
 * file that protects nothing. */
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "state/state.h"

#include "options.h"

/* The keys a summary line shows after the hosts, names and values as the
 * configuration writes them; open_timeout_max follows open_timeout as
 * "(up to ...)" when it differs. */
static const int summary[] = {CB_KEY_FAILURE_THRESHOLD, CB_KEY_FAILURE_RATE, CB_KEY_OPEN_TIMEOUT,
                              CB_KEY_SCOPE, CB_KEY_MODE};

static void print_breaker(const struct cb_breaker_config *b)
{
	char value[CB_DIAG_LEN];

	printf("%s: hosts %s;", b->name, b->hosts);
	for (size_t i = 0; i < sizeof(summary) / sizeof(summary[0]); i++) {
		cb_keys_breaker_format(b, summary[i], value, sizeof(value));
		printf("%s %s %s", i ? "," : "", cb_keys_breaker_name(summary[i]), value);
		if (summary[i] == CB_KEY_OPEN_TIMEOUT &&
		    b->open_timeout_max_ms != b->open_timeout_ms) {
			cb_keys_breaker_format(b, CB_KEY_OPEN_TIMEOUT_MAX, value, sizeof(value));
			printf(" (up to %s)", value);
		}
	}
	printf("\n");
}

/* What the configured state file needs from its directory; 0, or 1 after
 * saying why. auto needs nothing: its private directory is made as needed. */
static int check_state_dir(const char *path, const struct cb_config *cfg)
{
	const struct cb_global_config *g = &cfg->global;
	if (g->state_file_kind != CB_PATH_EXPLICIT)
		return 0;
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", g->state_file);
	const char *dir = dirname(copy);
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr,
		        "%s: state_file %s: the directory %s does not exist; every process "
		        "would warn and keep its breakers private (create it, e.g. with "
		        "tmpfiles.d)\n",
		        path, g->state_file, dir);
		return 1;
	}
	if (g->has_state_group && sb.st_gid != g->state_group && !(sb.st_mode & S_IXOTH)) {
		struct group *gr = getgrgid(g->state_group);
		fprintf(stderr,
		        "%s: state_file %s: group %s cannot enter %s (mode %04o, group %u): "
		        "its processes would keep their breakers private\n",
		        path, g->state_file, gr ? gr->gr_name : "?", dir,
		        (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_gid);
		return 1;
	}
	return 0;
}

static int check_socket(const char *path, const struct cb_config *cfg)
{
	char sock[PATH_MAX];
	if (cb_store_socket_path(cfg, sock, sizeof(sock)) == 0)
		return 0;
	fprintf(stderr,
	        "%s: socket: the path is longer than a Unix socket allows (%zu bytes); the "
	        "tool could not reach the processes (choose a shorter socket path)\n",
	        path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return 1;
}

int cb_cmd_check_config(int argc, char **argv)
{
	struct cb_opts o;
	static struct cb_diag diag; /* ~10 KB: off the stack */

	int rc = cb_opts_parse(argc, argv, NULL, &o);
	if (rc)
		return rc;
	if (o.argc)
		return cb_usage_error(argv[0], "unexpected argument \"%s\"", o.argv[0]);
	const char *path = cb_opts_config(&o);
	struct cb_config *cfg = cb_config_load(path, &diag);
	if (!cfg) {
		size_t shown = diag.count < CB_DIAG_MAX ? diag.count : CB_DIAG_MAX;
		for (size_t i = 0; i < shown; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
		if (diag.count > CB_DIAG_MAX)
			fprintf(stderr, "%zu errors\n", diag.count);
		return 1;
	}
	for (size_t i = 0; i < cfg->n_breakers; i++)
		print_breaker(&cfg->breakers[i]);
	int bad = check_state_dir(path, cfg) + check_socket(path, cfg);
	if (cfg->n_breakers == 0 && cfg->global.discover == 0) {
		fprintf(stderr, "%s: no breaker, and discover is off: this file protects nothing\n",
		        path);
		bad++;
	}
	if (!bad)
		fprintf(stderr, "%s: ok, %zu breaker%s\n", path, cfg->n_breakers,
		        cfg->n_breakers == 1 ? "" : "s");
	cb_config_free(cfg);
	return bad ? 1 : 0;
}
