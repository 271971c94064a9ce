/* client.c - the `cbreaker` commands' way to the breakers (see client.h):
 * the control socket with bounded waits, else the state file.
 *
 * Whoever answers on the socket must be someone whose word on these
 * breakers counts (SO_PEERCRED): the caller's own uid, root, the state
 * file's owner, or a member of its state_group. A socket path in a
 * directory others can write could otherwise be served by anyone: the
 * tool would show their made-up breakers and report a reset that never
 * happened. Such a server is refused outright, not bypassed for the state
 * file: an operator must learn that someone is impersonating the service. */
#include "client.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control.h"
#include "core/core.h"
#include "state/state.h"

/* A live server answers in milliseconds; one that does not (stopped,
 * swamped) is bypassed: the state file holds the same breakers. */
#define REPLY_TIMEOUT_MS 2000
#define REPLY_MAX        (16u << 20)

int cb_client_fail(const struct cb_client *c, const char *fmt, ...)
{
	/* Messages quote configuration values and server replies. */
	char raw[2048], msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	cb_text_escape(msg, sizeof(msg), raw);
	fprintf(stderr, "cbreaker: %s: %s\n", c->cmd, msg);
	return 1;
}

/* An auto path fails when the private directory is unusable: say why. */
static int path_failed(struct cb_client *c, const char *what)
{
	char dir[PATH_MAX], why[PATH_MAX + 128];
	if (cb_store_private_dir(dir, sizeof(dir), why, sizeof(why)) != 0)
		return cb_client_fail(c, "no private directory for the state: %s", why);
	return cb_client_fail(c, "%s path too long", what);
}

/* The tool's own changes (offline reset, force-open, disable) are logged
 * where the protected programs log (README "[global]"): a file or syslog.
 * Their stderr is not the tool's, and on the operator's terminal the reply
 * already says what happened. */
static void log_like_the_shim(const struct cb_global_config *g)
{
	struct cb_global_config where = *g;
	if (where.log_dest == CB_LOG_TO_STDERR)
		where.log_dest = CB_LOG_TO_OFF;
	cb_log_configure(&where);
}

/* state_file = none: every process serves its own socket (README "The
 * control socket"): a fixed path names one, else the pattern finds them
 * all, the pid where the path has it. */
static int private_sockets(struct cb_client *c)
{
	const struct cb_global_config *g = &c->cfg->global;
	if (g->socket_kind == CB_PATH_NONE)
		return 0;
	if (g->socket_kind == CB_PATH_EXPLICIT && !strstr(g->socket, "%p")) {
		snprintf(c->socket, sizeof(c->socket), "%s", g->socket);
		return 0;
	}
	char mine[PATH_MAX];
	if (cb_store_socket_path(c->cfg, mine, sizeof(mine)) != 0)
		return path_failed(c, "socket");
	/* Our own pid stands where each process's is: make it the wildcard. */
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	char *at = strstr(mine, pid);
	if (!at)
		return 0;
	snprintf(c->socket_glob, sizeof(c->socket_glob), "%.*s*%s", (int)(at - mine), mine,
	         at + strlen(pid));
	return 0;
}

int cb_client_socket_pid(const struct cb_client *c, const char *path)
{
	const char *star = strchr(c->socket_glob, '*');
	size_t head = star ? (size_t)(star - c->socket_glob) : 0;
	if (!star || strncmp(path, c->socket_glob, head) != 0)
		return 0;
	return atoi(path + head);
}

#define NONE_ANSWERS                                                                               \
	"breakers are private to each process (state_file = none) and no live process "            \
	"answers on %s"

int cb_client_each_process(struct cb_client *c, cb_client_each_fn each, void *ctx,
                           struct cb_buf *why)
{
	glob_t g;
	int found = glob(c->socket_glob, 0, NULL, &g) == 0;
	int answered = 0, failed = 0;
	for (size_t i = 0; found && i < g.gl_pathc; i++) {
		/* One whose pid has more digits than ours may not fit a
		 * socket address: connect_and_send copies it there. */
		if (strlen(g.gl_pathv[i]) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			continue;
		snprintf(c->socket, sizeof(c->socket), "%s", g.gl_pathv[i]);
		int rc = each(c, cb_client_socket_pid(c, c->socket), ctx);
		answered += rc == 0;
		failed |= rc > 0;
	}
	if (found)
		globfree(&g);
	if (answered || failed)
		return failed;
	if (why)
		cb_buf_printf(why, NONE_ANSWERS "\n", c->socket_glob);
	if (!c->quiet)
		cb_client_fail(c, NONE_ANSWERS, c->socket_glob);
	return 1;
}

int cb_client_open(struct cb_client *c, const char *cmd, const struct cb_opts *o)
{
	static struct cb_diag diag; /* ~10 KB: off the stack */
	memset(c, 0, sizeof(*c));
	memset(&diag, 0, sizeof(diag));
	c->cmd = cmd;
	c->cfg_path = cb_opts_config(o);
	c->cfg = cb_config_load(c->cfg_path, &diag);
	if (!c->cfg)
		snprintf(c->cfg_error, sizeof(c->cfg_error), "%s",
		         diag.count ? diag.msg[0] : "cannot load the configuration");
	else
		log_like_the_shim(&c->cfg->global);
	if (c->cfg && cb_store_state_path(c->cfg, c->state, sizeof(c->state)) != 0)
		return path_failed(c, "state file");
	if (o->socket) {
		if (strlen(o->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return cb_client_fail(c, "socket path too long: %s", o->socket);
		snprintf(c->socket, sizeof(c->socket), "%s", o->socket);
		return 0;
	}
	if (!c->cfg)
		return cb_client_fail(c, "%s", c->cfg_error);
	if (c->cfg->global.state_file_kind == CB_PATH_NONE)
		return private_sockets(c);
	if (cb_store_socket_path(c->cfg, c->socket, sizeof(c->socket)) != 0)
		return path_failed(c, "socket");
	return 0;
}

void cb_client_close(struct cb_client *c)
{
	cb_config_free(c->cfg);
	c->cfg = NULL;
}

/* The peer's credentials check (see the top of the file). */
static bool trusted_server(const struct cb_client *c, const struct ucred *cr)
{
	if (cr->uid == geteuid() || cr->uid == 0)
		return true;
	struct stat sb;
	if (!c->state[0] || stat(c->state, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & S_IWOTH))
		return false;
	if (cr->uid == sb.st_uid)
		return true;
	const struct cb_global_config *g = c->cfg ? &c->cfg->global : NULL;
	return g && g->has_state_group && sb.st_gid == g->state_group && (sb.st_mode & S_IWGRP) &&
	       cr->gid == g->state_group;
}

/* A connected socket with `line` sent, -1 with *offline when nobody
 * listens, -1 after printing otherwise. */
static int connect_and_send(struct cb_client *c, const char *line, bool *offline)
{
	*offline = false;
	if (!c->socket[0]) {
		*offline = true;
		return -1;
	}
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->socket, strlen(c->socket));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cb_client_fail(c, "socket: %s", strerror(errno));
		return -1;
	}
	/* Bounds a connect that waits for room in a full backlog. */
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_MS / 1000, .tv_usec = 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = errno;
		close(fd);
		/* A dead server's socket (refused), none yet, or one we may not
		 * reach: the state file answers the same questions. */
		if (err == ENOENT || err == ECONNREFUSED || err == EACCES || err == ENOTDIR) {
			*offline = true;
			return -1;
		}
		if (err == EAGAIN || err == EINPROGRESS) {
			fprintf(stderr, "cbreaker: %s: %s does not answer; using the state file\n",
			        c->cmd, c->socket);
			*offline = true;
			return -1;
		}
		cb_client_fail(c, "%s: %s", c->socket, strerror(err));
		return -1;
	}
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 || !trusted_server(c, &cr)) {
		close(fd);
		fprintf(stderr,
		        "cbreaker: the control socket %s is served by uid %d, not by the state's "
		        "owner; refusing to trust it\n",
		        c->socket, crlen == sizeof(cr) ? (int)cr.uid : -1);
		return -1;
	}
	size_t len = strlen(line), off = 0;
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cb_client_fail(c, "%s: %s", c->socket, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return fd;
}

enum cb_client_result cb_client_request(struct cb_client *c, const char *line, struct cb_buf *reply)
{
	bool offline;
	char req[CB_CONTROL_MAX_REQUEST + 2];
	snprintf(req, sizeof(req), "%s\n", line);
	int fd = connect_and_send(c, req, &offline);
	if (fd < 0)
		return offline ? CB_CLIENT_OFFLINE : CB_CLIENT_FAILED;
	int64_t deadline = cb_now_ms() + REPLY_TIMEOUT_MS;
	for (;;) {
		int64_t left = deadline - cb_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			close(fd);
			fprintf(stderr,
			        "cbreaker: %s: no reply from %s within %d s; using the state "
			        "file\n",
			        c->cmd, c->socket, REPLY_TIMEOUT_MS / 1000);
			return CB_CLIENT_OFFLINE;
		}
		char chunk[16384];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cb_client_fail(c, "%s: %s", c->socket, strerror(errno));
			close(fd);
			return CB_CLIENT_FAILED;
		}
		if (n == 0)
			break;
		cb_buf_add(reply, chunk, (size_t)n);
		if (reply->failed || reply->len > REPLY_MAX) {
			close(fd);
			cb_client_fail(c, "reply too large");
			return CB_CLIENT_FAILED;
		}
	}
	close(fd);
	if (reply->len == 0) {
		cb_client_fail(c, "%s: the server closed without answering", c->socket);
		return CB_CLIENT_FAILED;
	}
	char reason[32];
	if (strncmp(reply->data, "{\"error\":", 9) == 0 &&
	    cb_client_reply_field(reply->data, "reason", reason, sizeof(reason)) &&
	    strcmp(reason, CB_RENDER_STALE) == 0) {
		/* Its file was removed or replaced (README "Shared state"): what
		 * is at the path now is what every process is moving to. */
		fprintf(stderr,
		        "cbreaker: %s: the process serving %s still has a state file that is no "
		        "longer at %s; using the file at the path\n",
		        c->cmd, c->socket, c->state[0] ? c->state : "its path");
		cb_buf_free(reply);
		return CB_CLIENT_OFFLINE;
	}
	return CB_CLIENT_OK;
}

int cb_client_stream(struct cb_client *c, const char *line, bool *offline)
{
	char req[CB_CONTROL_MAX_REQUEST + 2];
	snprintf(req, sizeof(req), "%s\n", line);
	return connect_and_send(c, req, offline);
}

/* An offline command needs the configuration: it names the breakers. */
static int need_config(struct cb_client *c)
{
	if (!c->cfg)
		return cb_client_fail(c,
		                      "nothing serves %s, and without the configuration the state "
		                      "file cannot be read: %s",
		                      c->socket, c->cfg_error);
	if (!c->state[0])
		return cb_client_fail(c,
		                      "breakers are private to each process (state_file = none) "
		                      "and nothing serves %s: give the process's socket with -s",
		                      c->socket[0] ? c->socket : "a socket");
	return 0;
}

/* With state_file = auto each user has a state of their own: an operator
 * who forgot sudo reads (or changes) an empty one of theirs while the
 * programs run as another user. Names the other users' private
 * directories, which may hold the one the programs use. */
static void other_users_hint(const struct cb_client *c)
{
	if (c->cfg->global.state_file_kind != CB_PATH_AUTO)
		return;
	DIR *d = opendir(CB_STORE_AUTO_BASE);
	if (!d)
		return;
	char others[256] = "";
	size_t used = 0;
	struct dirent *e;
	unsigned uid;
	while ((e = readdir(d)) != NULL)
		if (sscanf(e->d_name, "cbreaker-%u", &uid) == 1 && uid != (unsigned)geteuid() &&
		    used + 16 < sizeof(others))
			used += (size_t)snprintf(others + used, sizeof(others) - used, "%s%u",
			                         used ? ", " : "", uid);
	closedir(d);
	if (others[0])
		fprintf(stderr,
		        "cbreaker: this is uid %u's own state; programs running as uid %s keep "
		        "theirs in their own directory under %s: run the tool as that user "
		        "(e.g. with sudo) to see or change theirs\n",
		        (unsigned)geteuid(), others, CB_STORE_AUTO_BASE);
}

/* The message for a state file we could not open, with the owner when
 * permission was the reason. */
static int attach_failed(struct cb_client *c, const char *err)
{
	struct stat sb;
	if (stat(c->state, &sb) == 0 && geteuid() != 0 && sb.st_uid != geteuid() &&
	    access(c->state, W_OK) != 0)
		return cb_client_fail(
		        c, "permission denied: you are uid %u, the state belongs to uid %u",
		        (unsigned)geteuid(), (unsigned)sb.st_uid);
	return cb_client_fail(c, "%s", err);
}

int cb_client_view_open(struct cb_client *c, struct cb_client_view *v)
{
	memset(v, 0, sizeof(*v));
	if (need_config(c))
		return 1;
	char err[512];
	if (access(c->state, F_OK) == 0) {
		v->st = cb_store_attach_for(c->state, c->cfg, false, err, sizeof(err));
		if (!v->st)
			return attach_failed(c, err);
	} else if (!c->quiet) {
		/* Every breaker is then closed with zero counts, which is the
		 * truth, but the user should know nothing was read. */
		fprintf(stderr,
		        "cbreaker: no state yet: no process has used this configuration (state "
		        "file %s does not exist)\n",
		        c->state);
		other_users_hint(c);
	}
	size_t n = c->cfg->n_breakers, most = c->cfg->global.discover;
	/* The breakers discovery made (README "Discovery") follow, their
	 * configurations in the same block. */
	v->rb = calloc(
	        1, (n + most + 1) * sizeof(*v->rb) +
	                   most * (sizeof(struct cb_breaker_config) + sizeof(struct cb_slot *)));
	if (!v->rb) {
		cb_client_view_close(v);
		return cb_client_fail(c, "out of memory");
	}
	struct cb_breaker_config *dcfg = (struct cb_breaker_config *)(v->rb + n + most + 1);
	const struct cb_slot **dslot = (const struct cb_slot **)(dcfg + most);
	v->page.mono_now_ms = cb_now_ms();
	v->page.wall_now_ms = cb_wall_ms();
	for (size_t i = 0; i < n; i++) {
		const struct cb_breaker_config *bc = &c->cfg->breakers[i];
		const struct cb_slot *slot = v->st ? cb_store_find(v->st, bc->name, false) : NULL;
		cb_render_collect(&v->rb[i], bc, slot, v->page.mono_now_ms);
		/* Not found: its slot may be among the damaged ones. */
		if (v->st && !slot)
			v->rb[i].damaged =
			        cb_store_path_damage(v->st, bc->name, v->page.mono_now_ms);
		cb_render_collect_endpoints(&v->rb[i], v->st, v->page.mono_now_ms);
	}
	size_t found = cb_discovery_list(c->cfg, v->st, dcfg, dslot, most);
	for (size_t i = 0; i < found; i++) {
		cb_render_collect(&v->rb[n + i], &dcfg[i], dslot[i], v->page.mono_now_ms);
		v->rb[n + i].discovered = true;
	}
	n += found;
	v->page.config_path = c->cfg->path;
	v->page.state_path = c->state;
	v->page.pid = 0;
	v->page.n = n;
	v->page.breakers = v->rb;
	if (c->cfg->fleet.enabled) {
		cb_render_fleet_collect(&v->fleet, v->st, v->page.mono_now_ms);
		v->page.fleet = &v->fleet;
	}
	return 0;
}

void cb_client_view_close(struct cb_client_view *v)
{
	cb_store_close(v->st);
	cb_render_release(v->rb, v->page.n);
	free(v->rb);
	memset(v, 0, sizeof(*v));
}

/* Applies the action to one breaker's slot through the guard, as the
 * control server would; why not, or NULL. A damaged slot is left alone:
 * acting on it would report a state nobody can trust. */
static const char *change_one(struct cb_store *st, const struct cb_breaker_config *bc,
                              enum cb_operator_action action)
{
	struct cb_slot *slot = cb_store_find(st, bc->name, true);
	const char *why = slot ? cb_slot_check(slot, cb_now_ms())
	                       : cb_store_path_damage(st, bc->name, cb_now_ms());
	if (why)
		return why;
	if (!slot)
		return "no room left";
	cb_guard_operate(st, slot, bc, action, geteuid());
	return NULL;
}

static const struct cb_breaker_config *config_breaker(const struct cb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_breakers; i++)
		if (strcmp(cfg->breakers[i].name, name) == 0)
			return &cfg->breakers[i];
	return NULL;
}

/* The state file for writing: attached, or created as the shim would. */
static struct cb_store *open_for_change(struct cb_client *c)
{
	char err[512];
	if (access(c->state, F_OK) == 0) {
		struct cb_store *st = cb_store_attach_for(c->state, c->cfg, true, err, sizeof(err));
		if (!st)
			attach_failed(c, err);
		return st;
	}
	struct cb_store *st = cb_store_open(c->cfg, err, sizeof(err));
	if (st && !cb_store_is_shared(st)) {
		cb_store_close(st);
		st = NULL;
	}
	if (!st) {
		cb_client_fail(c, "%s", err[0] ? err : "out of memory");
		return NULL;
	}
	/* Not misleading: the change is real, but for programs yet to start. */
	fprintf(stderr,
	        "cbreaker: %s: no process had used this configuration: created the state file "
	        "%s; programs started from now on see the change\n",
	        c->cmd, c->state);
	other_users_hint(c);
	return st;
}

int cb_client_change_offline(struct cb_client *c, const char *verb, const char *name,
                             struct cb_buf *reply)
{
	if (need_config(c))
		return 1;
	bool all = strcmp(name, "*") == 0;
	const struct cb_breaker_config *bc = all ? NULL : config_breaker(c->cfg, name);
	if (!all && !bc)
		return cb_client_fail(c, "unknown breaker \"%s\"", name);
	struct cb_store *st = open_for_change(c);
	if (!st)
		return 1;
	const char *why = NULL, *failed = NULL;
	enum cb_operator_action action =
	        (enum cb_operator_action)cb_operator_action_from_name(verb);
	if (all) {
		cb_render_reset_all_open(reply);
		for (size_t i = 0; i < c->cfg->n_breakers; i++) {
			const char *w = change_one(st, &c->cfg->breakers[i], action);
			if (w && !why) {
				why = w;
				failed = c->cfg->breakers[i].name;
			}
			cb_render_reset_all_add(reply, i, c->cfg->breakers[i].name);
		}
		cb_render_reset_all_close(reply);
	} else {
		why = change_one(st, bc, action);
		failed = bc->name;
		struct cb_slot *slot = cb_store_find(st, bc->name, false);
		cb_render_changed(reply, bc->name, slot ? cb_slot_state(slot) : CB_CLOSED);
	}
	cb_store_close(st);
	if (why && strcmp(why, "no room left") == 0)
		return cb_client_fail(c, "the state file %s has no room left", c->state);
	if (why)
		return cb_client_fail(c,
		                      "%s: its slot in the state file %s is damaged (%s); remove "
		                      "the file (every process moves to a new one)",
		                      failed, c->state, why);
	return 0;
}

/* Copies the JSON string starting after its opening quote, unescaping
 * \" \\ \n and \uXXXX (ASCII only); false when unterminated. */
static bool json_unquote(const char *p, char *out, size_t len)
{
	size_t o = 0;
	for (; *p && *p != '"'; p++) {
		char ch = *p;
		if (ch == '\\' && p[1]) {
			p++;
			ch = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			if (*p == 'u' && strlen(p) >= 5) {
				char hex[5] = {p[1], p[2], p[3], p[4], '\0'};
				ch = (char)strtol(hex, NULL, 16);
				p += 4;
			}
		}
		if (o + 1 < len)
			out[o++] = ch;
	}
	if (len)
		out[o] = '\0';
	return *p == '"';
}

bool cb_client_reply_field(const char *reply, const char *key, char *out, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(reply, pat);
	return p && json_unquote(p + strlen(pat), out, len);
}

bool cb_client_reply_error(const char *reply, char *msg, size_t len)
{
	return strncmp(reply, "{\"error\":", 9) == 0 &&
	       cb_client_reply_field(reply, "error", msg, len);
}

int cb_client_open_bare(struct cb_client *c, int argc, char **argv)
{
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, NULL, &o);
	if (rc)
		return rc;
	if (o.argc)
		return cb_usage_error(argv[0], "unexpected argument \"%s\"", o.argv[0]);
	return cb_client_open(c, argv[0], &o);
}
