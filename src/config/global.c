/* global.c - the values of the [global] keys (README "[global]"): where
 * the state, socket and log go, the global mode, and the permissions of the
 * shared files. One cb_global_<key> per key of keys.def. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/global.h"
#include "config/value.h"

/* getgrnam_r buffer bounds: glibc suggests its own size; big group files
 * (thousands of members) need more, which the loop grows to at most this. */
#define GROUP_BUF_FIRST 16384
#define GROUP_BUF_MAX   (1024 * 1024)

/* `auto`, the word meaning "nowhere", or an absolute path. Relative paths
 * are refused: each program would resolve them against its own working
 * directory, and processes would stop sharing. */
static int parse_place(const char *value, const char *nowhere, enum cb_path_kind *kind,
                       char path[PATH_MAX], char *err, size_t errlen)
{
	if (strcmp(value, "auto") == 0) {
		*kind = CB_PATH_AUTO;
		return 0;
	}
	if (strcmp(value, nowhere) == 0) {
		*kind = CB_PATH_NONE;
		return 0;
	}
	if (value[0] != '/')
		return cb_value_fail(err, errlen, "expected auto, %s or an absolute path", nowhere);
	if (strlen(value) >= PATH_MAX)
		return cb_value_fail(err, errlen, "path too long");
	*kind = CB_PATH_EXPLICIT;
	snprintf(path, PATH_MAX, "%s", value);
	return 0;
}

int cb_global_log(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	static const char *const words[] = {"stderr", "syslog", "off", NULL};
	static const enum cb_log_dest dests[] = {CB_LOG_TO_STDERR, CB_LOG_TO_SYSLOG, CB_LOG_TO_OFF};

	for (unsigned i = 0; words[i]; i++) {
		if (strcmp(value, words[i]) == 0) {
			g->log_dest = dests[i];
			return 0;
		}
	}
	if (value[0] != '/')
		return cb_value_fail(err, errlen,
		                     "expected stderr, syslog, off or an absolute path");
	if (strlen(value) >= PATH_MAX)
		return cb_value_fail(err, errlen, "path too long");
	g->log_dest = CB_LOG_TO_FILE;
	snprintf(g->log_path, sizeof(g->log_path), "%s", value);
	return 0;
}

/* A group name (resolved now, so a typo is caught by check-config) or a
 * numeric gid (taken as is: the group may exist only where it runs). */
int cb_global_state_group(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	uint64_t gid;
	char ignored[8];

	if (value[0] >= '0' && value[0] <= '9') {
		if (cb_value_count(value, 0, (gid_t)-2, &gid, ignored, sizeof(ignored)) < 0)
			return cb_value_fail(err, errlen, "not a group name or a valid group id");
		g->has_state_group = true;
		g->state_group = (gid_t)gid;
		return 0;
	}
	long hint = sysconf(_SC_GETGR_R_SIZE_MAX);
	size_t size = hint > 0 && hint < GROUP_BUF_MAX ? (size_t)hint : GROUP_BUF_FIRST;
	for (;;) {
		char *buf = malloc(size);
		if (!buf)
			return cb_value_fail(err, errlen, "out of memory");
		struct group gr, *found = NULL;
		int rc = getgrnam_r(value, &gr, buf, size, &found);
		if (found) {
			g->has_state_group = true;
			g->state_group = found->gr_gid;
		}
		free(buf);
		if (rc == ERANGE && size < GROUP_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (found)
			return 0;
		if (rc)
			return cb_value_fail(err, errlen, "cannot look up group: %s", strerror(rc));
		return cb_value_fail(err, errlen, "no such group");
	}
}

/* Octal permission bits, as chmod takes them. The owner must keep read and
 * write (every process maps the file read-write), and nobody else may
 * write: anyone who can write the state can open every breaker. */
int cb_global_state_mode(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	unsigned m = 0;
	size_t n = strlen(value);

	if (n == 0 || n > 4)
		return cb_value_fail(err, errlen, "expected octal permission bits such as 0660");
	for (size_t i = 0; i < n; i++) {
		if (value[i] < '0' || value[i] > '7')
			return cb_value_fail(err, errlen,
			                     "expected octal permission bits such as 0660");
		m = m * 8 + (unsigned)(value[i] - '0');
	}
	if (m & ~0777u)
		return cb_value_fail(err, errlen,
		                     "only permission bits (at most 0777) are allowed");
	if (m & S_IWOTH)
		return cb_value_fail(err, errlen,
		                     "world-writable: anyone could force every breaker open");
	if ((m & (S_IRUSR | S_IWUSR)) != (S_IRUSR | S_IWUSR))
		return cb_value_fail(err, errlen, "the owner needs read and write (0600)");
	g->state_mode = (mode_t)m;
	return 0;
}

int cb_global_state_file(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	return parse_place(value, "none", &g->state_file_kind, g->state_file, err, errlen);
}

int cb_global_socket(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	return parse_place(value, "off", &g->socket_kind, g->socket, err, errlen);
}

int cb_global_log_level(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
	unsigned index;

	if (cb_value_word(value, levels, &index, err, errlen) < 0)
		return -1;
	g->log_level = (enum cb_log_level)index;
	return 0;
}

int cb_global_mode(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	static const char *const modes[] = {"enforce", "observe", NULL};
	unsigned index;

	if (cb_value_word(value, modes, &index, err, errlen) < 0)
		return -1;
	g->mode = (enum cb_mode)index;
	return 0;
}

int cb_global_deepbind(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	static const char *const deepbind[] = {"strip", "keep", NULL};
	unsigned index;

	if (cb_value_word(value, deepbind, &index, err, errlen) < 0)
		return -1;
	g->deepbind_strip = index == 0;
	return 0;
}

int cb_global_discover(struct cb_global_config *g, const char *value, char *err, size_t errlen)
{
	uint64_t n;

	if (strcmp(value, "off") == 0) {
		g->discover = 0;
		return 0;
	}
	if (cb_value_count(value, 1, CB_DISCOVER_MAX, &n, err, errlen) < 0)
		return cb_value_fail(err, errlen, "expected off or a number of destinations 1..%d",
		                     CB_DISCOVER_MAX);
	g->discover = (uint32_t)n;
	return 0;
}
