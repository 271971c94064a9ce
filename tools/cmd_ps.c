/* cmd_ps.c - `cbreaker ps [--json]`: the live processes that have
 * libcbreaker.so mapped (from /proc/PID/maps), with their user, the
 * configuration they read and their command line, so that an operator can
 * see what is protected, and by which file.
 *
 * The configuration is CBREAKER_CONFIG from /proc/PID/environ (the
 * environment the process started with, which is what the library read),
 * else the default path. The maps and environment of another user's
 * process are readable only by root (ptrace access): such processes are
 * counted and said to be unseen rather than silently left out. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "control/control.h"
#include "options.h"

#define LIB_NAME "libcbreaker.so"

struct proc {
	long pid;
	unsigned uid;
	char user[64];
	char lib[PATH_MAX];
	char config[PATH_MAX];
	const char *config_from; /* "environ", "default", or "unknown" (environ unreadable) */
	char command[1024];
};

/* The whole of a small /proc file (NUL bytes kept) into buf; its length,
 * or -1 when it cannot be read. */
static ssize_t slurp(long pid, const char *what, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t off = 0;
	ssize_t n = 0;
	while (off + 1 < len && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (n < 0)
		return -1;
	buf[off] = '\0';
	return (ssize_t)off;
}

/* The path of the mapped libcbreaker.so into p->lib: 1 found, 0 not
 * mapped (or gone), -1 not ours to look at. Read line by line: maps can
 * be large. */
static int find_lib(struct proc *p)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof(path), "/proc/%ld/maps", p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == EACCES || errno == EPERM ? -1 : 0;
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');
		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		char *deleted = strstr(file, " (deleted)");
		if (deleted)
			*deleted = '\0';
		const char *base = strrchr(file, '/') + 1;
		if (strcmp(base, LIB_NAME) == 0) {
			snprintf(p->lib, sizeof(p->lib), "%s", file);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* The configuration the process reads (see the top of the file). */
static void find_config(struct proc *p)
{
	static char env[1 << 18]; /* a variable beyond 256 KiB of environment is missed */
	ssize_t n = slurp(p->pid, "environ", env, sizeof(env));
	p->config_from = n < 0 ? "unknown" : "default";
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(env + i) + 1) {
		if (strncmp(env + i, "CBREAKER_CONFIG=", 16) == 0 && env[i + 16]) {
			snprintf(p->config, sizeof(p->config), "%s", env + i + 16);
			p->config_from = "environ";
			return;
		}
	}
	snprintf(p->config, sizeof(p->config), "%s", CB_DEFAULT_CONFIG);
}

/* The effective user (as ps(1) shows it) and the command line, else the
 * name in brackets. */
static void find_identity(struct proc *p)
{
	char status[4096];
	p->uid = (unsigned)-1;
	if (slurp(p->pid, "status", status, sizeof(status)) > 0) {
		const char *u = strstr(status, "\nUid:");
		unsigned real, effective;
		if (u && sscanf(u + 5, "%u %u", &real, &effective) == 2)
			p->uid = effective;
	}
	const struct passwd *pw = p->uid == (unsigned)-1 ? NULL : getpwuid(p->uid);
	if (pw)
		snprintf(p->user, sizeof(p->user), "%s", pw->pw_name);
	else
		snprintf(p->user, sizeof(p->user), "%u", p->uid);
	ssize_t n = slurp(p->pid, "cmdline", p->command, sizeof(p->command));
	for (ssize_t i = 0; i + 1 < n; i++)
		if (p->command[i] == '\0')
			p->command[i] = ' ';
	if (n <= 0) { /* a kernel thread or a zombie: its name, as ps shows it */
		char comm[64] = "";
		if (slurp(p->pid, "comm", comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n")] = '\0';
		snprintf(p->command, sizeof(p->command), "[%s]", comm);
	}
}

static void print_json(struct cb_buf *b, const struct proc *p, bool first)
{
	cb_buf_printf(b, "%s{\"pid\":%ld,\"uid\":%u,\"user\":", first ? "" : ",", p->pid, p->uid);
	cb_render_json_string(b, p->user);
	cb_buf_puts(b, ",\"config\":");
	cb_render_json_string(b, p->config);
	cb_buf_printf(b, ",\"config_from\":\"%s\",\"library\":", p->config_from);
	cb_render_json_string(b, p->lib);
	cb_buf_puts(b, ",\"command\":");
	cb_render_json_string(b, p->command);
	cb_buf_puts(b, "}");
}

/* Every process with the library, in /proc order (ascending pids), into
 * out; the processes we may not look at are counted in *unseen. */
static int scan(struct cb_buf *out, bool json, size_t *found, size_t *unseen)
{
	DIR *d = opendir("/proc");
	if (!d) {
		perror("cbreaker ps: /proc");
		return 1;
	}
	static struct proc p;
	pid_t self = getpid();
	const struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		memset(&p, 0, sizeof(p));
		p.pid = strtol(e->d_name, NULL, 10);
		if (p.pid == self)
			continue;
		int r = find_lib(&p);
		*unseen += r < 0;
		if (r <= 0)
			continue;
		find_config(&p);
		find_identity(&p);
		if (json) {
			print_json(out, &p, *found == 0);
		} else {
			bool unknown = strcmp(p.config_from, "unknown") == 0;
			cb_buf_printf(out, "%-7ld  %-10s  %s%s  %s\n", p.pid, p.user, p.config,
			              unknown ? " (?)" : "", p.command);
		}
		++*found;
	}
	closedir(d);
	return 0;
}

int cb_cmd_ps(int argc, char **argv)
{
	static const char *const flags[] = {"--json", NULL};
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, flags, &o);
	if (rc)
		return rc;
	if (o.argc)
		return cb_usage_error(argv[0], "unexpected argument \"%s\"", o.argv[0]);
	bool json = cb_opts_has(&o, 0);
	struct cb_buf out = {0};
	size_t found = 0, unseen = 0;
	if (json)
		cb_buf_puts(&out, "{\"processes\":[");
	else
		cb_buf_printf(&out, "%-7s  %-10s  %s  %s\n", "PID", "USER", "CONFIG", "COMMAND");
	rc = scan(&out, json, &found, &unseen);
	if (json)
		cb_buf_printf(&out, "],\"unseen\":%zu}\n", unseen);
	if (!rc && out.failed) {
		fprintf(stderr, "cbreaker ps: out of memory\n");
		rc = 1;
	}
	if (!rc)
		fputs(out.data, stdout);
	cb_buf_free(&out);
	if (!rc && unseen && !json)
		fprintf(stderr,
		        "cbreaker ps: %zu processes could not be looked at (permission denied: "
		        "other users' processes need root)\n",
		        unseen);
	return rc;
}
