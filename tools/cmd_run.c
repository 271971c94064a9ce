/* cmd_run.c - `cbreaker run [-c FILE] [--] CMD [ARGS...]`: runs CMD under the
 * shim. Finds libcbreaker.so (next to this tool, then ../lib beside it, then
 * the installed CB_LIBDIR), puts it first in LD_PRELOAD keeping what was
 * there, exports CBREAKER_CONFIG (made absolute, as CMD may chdir) when -c
 * is given, and execs CMD. Exit 2: bad usage; 1: library or configuration
 * not found, or CMD could not be run. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"

#define LIB_NAME "libcbreaker.so"

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

/* -c FILE, -cFILE, --config FILE, --config=FILE before CMD; "--" or the
 * first operand ends the options (CMD's own options are not ours). Returns
 * the index of CMD in argv, or -1 after a usage error. */
static int parse(int argc, char **argv, const char **config)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				cb_usage_error(argv[0], "option %s needs a value", a);
				return -1;
			}
			*config = argv[++i];
		} else if (strncmp(a, "-c", 2) == 0) {
			*config = a + 2;
		} else if (strncmp(a, "--config=", 9) == 0) {
			*config = a + 9;
		} else {
			cb_usage_error(argv[0], "unknown option %s", a);
			return -1;
		}
	}
	return i;
}

int cb_cmd_run(int argc, char **argv)
{
	const char *config = NULL;
	int cmd = parse(argc, argv, &config);
	if (cmd < 0)
		return CB_EXIT_USAGE;
	if (cmd >= argc)
		return cb_usage_error(argv[0], "no command given");

	char lib[PATH_MAX];
	if (!find_library(lib, sizeof(lib))) {
		fprintf(stderr,
		        "cbreaker run: cannot find " LIB_NAME " next to this program or in %s\n",
		        CB_LIBDIR);
		return 1;
	}
	if (config) {
		char abs[PATH_MAX];
		if (!realpath(config, abs)) {
			fprintf(stderr, "cbreaker run: %s: %s\n", config, strerror(errno));
			return 1;
		}
		if (setenv("CBREAKER_CONFIG", abs, 1) != 0) {
			fprintf(stderr, "cbreaker run: %s\n", strerror(errno));
			return 1;
		}
	}
	char *preload = preload_value(lib);
	if (!preload || setenv("LD_PRELOAD", preload, 1) != 0) {
		fprintf(stderr, "cbreaker run: %s\n", strerror(errno ? errno : ENOMEM));
		free(preload);
		return 1;
	}
	free(preload);
	execvp(argv[cmd], argv + cmd);
	fprintf(stderr, "cbreaker run: %s: %s\n", argv[cmd], strerror(errno));
	return 1;
}
