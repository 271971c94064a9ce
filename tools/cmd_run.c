/* cmd_run.c - `cbreaker run [-c FILE] [--] CMD [ARGS...]`: runs CMD under the
 * shim. Finds libcbreaker.so (next to this tool, then ../lib beside it, then
 * the installed CB_LIBDIR), puts it first in LD_PRELOAD keeping what was
 * there, exports CBREAKER_CONFIG (made absolute, as CMD may chdir) when -c
 * is given, and execs CMD. Exit statuses as env(1)'s, so that wrappers
 * and init systems read them alike: 125 when run itself fails (library or
 * configuration not found), 126 when CMD cannot be executed, 127 when it
 * does not exist; 2 on bad usage, as every cbreaker command. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"

#define LIB_NAME "libcbreaker.so"

#define EXIT_RUN_FAILED 125
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND  127

/* dir/rel/libcbreaker.so into buf if it exists. */
static bool try_lib(char *buf, size_t len, const char *dir, const char *rel)
{
	int n = snprintf(buf, len, "%s%s/" LIB_NAME, dir, rel);
	if (n < 0 || (size_t)n >= len || access(buf, R_OK) != 0)
		return false;
	char real[PATH_MAX];
	if (!realpath(buf, real) || strlen(real) >= len)
		return false;
	memcpy(buf, real, strlen(real) + 1);
	return true;
}

static bool find_library(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (try_lib(buf, len, exe, "") || try_lib(buf, len, exe, "/../lib"))
				return true;
		}
	}
	return try_lib(buf, len, CB_LIBDIR, "");
}

/* LD_PRELOAD with lib first; an entry already naming lib is not repeated. */
static char *preload_value(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	if (!old || !*old)
		return strdup(lib);
	size_t liblen = strlen(lib);
	for (const char *p = old; *p;) {
		size_t k = strcspn(p, ": ");
		if (k == liblen && strncmp(p, lib, k) == 0)
			return strdup(old);
		p += k;
		p += strspn(p, ": ");
	}
	size_t len = liblen + 1 + strlen(old) + 1;
	char *v = malloc(len);
	if (v)
		snprintf(v, len, "%s:%s", lib, old);
	return v;
}

int cb_cmd_run(int argc, char **argv)
{
	struct cb_opts o;
	if (cb_opts_parse_prefix(argc, argv, &o))
		return CB_EXIT_USAGE;
	if (o.argc == 0)
		return cb_usage_error(argv[0], "no command given");

	char lib[PATH_MAX];
	if (!find_library(lib, sizeof(lib))) {
		fprintf(stderr,
		        "cbreaker run: cannot find " LIB_NAME " next to this program or in %s\n",
		        CB_LIBDIR);
		return EXIT_RUN_FAILED;
	}
	if (o.config) {
		char abs[PATH_MAX];
		if (!realpath(o.config, abs)) {
			fprintf(stderr, "cbreaker run: %s: %s\n", o.config, strerror(errno));
			return EXIT_RUN_FAILED;
		}
		if (setenv("CBREAKER_CONFIG", abs, 1) != 0) {
			fprintf(stderr, "cbreaker run: %s\n", strerror(errno));
			return EXIT_RUN_FAILED;
		}
	}
	char *preload = preload_value(lib);
	if (!preload || setenv("LD_PRELOAD", preload, 1) != 0) {
		fprintf(stderr, "cbreaker run: %s\n", strerror(errno ? errno : ENOMEM));
		free(preload);
		return EXIT_RUN_FAILED;
	}
	free(preload);
	execvp(o.argv[0], o.argv);
	int err = errno;
	fprintf(stderr, "cbreaker run: %s: %s\n", o.argv[0], strerror(err));
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
