/* cmd_events.c - `cbreaker events`: state changes as they happen, one JSON
 * object a line, until interrupted. Streams from the live server; when
 * there is none, or it goes away, follows the state file's event ring
 * itself from the last event shown, so no change is missed across a
 * change of server.
 *
 * With state_file = none (and no -s), every live process's stream at
 * once, each line as it comes: each event's "pid" is the process whose
 * breaker changed, so the lines tell the processes apart. The sockets
 * are looked for again every second, so that a process started later is
 * followed too (from then on); one that ends drops out.
 *
 * SIGPIPE is ignored (the stream socket must not kill us), so a reader
 * that went away (`cbreaker events | head -n 1`) is noticed by hand: a
 * failed write, or the pipe's POLLERR while no event comes. Then the
 * command ends with status 0, as a command killed by SIGPIPE would
 * look to the shell's pipeline. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "state/state.h"

#define FOLLOW_MS 100 /* how often the ring is read when following the file */

static volatile sig_atomic_t stop;
static bool write_failed; /* stdout is gone or broken: stop quietly */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct follower {
	uint64_t last_seq;
	bool seen; /* last_seq is from an event shown */
	char line[8192];
	size_t len;
};

/* Flushes stdout; false (and stop set) once writing failed. Any error,
 * not only EPIPE: nothing more can be shown either way. */
static bool flushed(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return true;
	write_failed = true;
	stop = 1;
	return false;
}

/* True when stdout is a pipe whose reader has gone (POLLERR on its write
 * end); false for files and terminals, which never report it. */
static bool reader_gone(void)
{
	struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
		write_failed = true;
		stop = 1;
		return true;
	}
	return false;
}

/* Prints complete lines from the stream and remembers the last seq. */
static void take(struct follower *f, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f->len + 1 < sizeof(f->line))
			f->line[f->len++] = data[i];
		if (data[i] != '\n')
			continue;
		f->line[f->len] = '\0';
		fputs(f->line, stdout);
		if (!flushed())
			return;
		uint64_t seq;
		if (sscanf(f->line, "{\"seq\":%" SCNu64, &seq) == 1) {
			f->last_seq = seq;
			f->seen = true;
		}
		f->len = 0;
	}
}

/* One server's stream: its socket and what was read of it. */
struct source {
	int fd;       /* -1 once it ended, or when refused */
	int pid;      /* with state_file = none; 0 otherwise */
	bool refused; /* with an error, or not trusted: kept, so as not to ask (and say) again */
	struct follower f;
};

#define MAX_SOURCES 128 /* processes followed at once */
#define REGLOB_MS   1000

struct sources {
	struct source s[MAX_SOURCES];
	size_t n;
	bool full_said;
};

/* Reads what one source has: false when it ended (or refused). */
static bool read_source(struct cb_client *c, struct source *src, int *rc)
{
	char chunk[4096];
	ssize_t n = read(src->fd, chunk, sizeof(chunk));
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	if (!src->f.seen && strncmp(chunk, "{\"error\":", 9) == 0) {
		char msg[512];
		chunk[n < (ssize_t)sizeof(chunk) ? n : n - 1] = '\0';
		if (cb_client_reply_error(chunk, msg, sizeof(msg))) {
			*rc = src->pid ? cb_client_fail(c, "pid %d: %s", src->pid, msg)
			               : cb_client_fail(c, "%s", msg);
			src->refused = true;
			return false;
		}
	}
	take(&src->f, chunk, (size_t)n);
	return true;
}

/* Starts following one process's socket (cb_client_each_process): one
 * already followed counts as answering. */
static int follow_one(struct cb_client *c, int pid, void *ctx)
{
	struct sources *all = ctx;
	for (size_t i = 0; i < all->n; i++)
		if (all->s[i].pid == pid)
			return 0;
	if (all->n == MAX_SOURCES) {
		if (!all->full_said)
			fprintf(stderr, "cbreaker: events: following %d processes at most\n",
			        MAX_SOURCES);
		all->full_said = true;
		return -1;
	}
	bool offline;
	int fd = cb_client_stream(c, "events", &offline);
	if (fd < 0 && offline)
		return -1; /* looked at again at the next round */
	struct source *src = &all->s[all->n++];
	memset(src, 0, sizeof(*src));
	src->fd = fd;
	src->pid = pid;
	src->refused = fd < 0;
	return fd < 0;
}

static bool any_live(const struct sources *all)
{
	for (size_t i = 0; i < all->n; i++)
		if (all->s[i].fd >= 0)
			return true;
	return false;
}

/* Streams from every source until the user ends it, or, without `each`,
 * until the last source ends: 0, or 1 when one refused with an error. The
 * sources that ended are closed and dropped; s[0]'s follower tells
 * follow_file where the single stream stopped. */
static int stream(struct cb_client *c, struct sources *all, bool each)
{
	int rc = 0;
	int64_t next_glob = cb_now_ms() + REGLOB_MS;
	while (!stop && !reader_gone() && (all->n || each)) {
		struct pollfd p[MAX_SOURCES];
		for (size_t i = 0; i < all->n; i++)
			p[i] = (struct pollfd){.fd = all->s[i].fd, .events = POLLIN};
		int ready = poll(p, all->n, 250);
		/* From the end, so that a dropped source's place takes one
		 * already looked at. */
		for (size_t i = all->n; ready > 0 && i-- > 0;) {
			if (!p[i].revents || read_source(c, &all->s[i], &rc))
				continue;
			close(all->s[i].fd);
			all->s[i].fd = -1; /* poll passes it over */
			if (!each)
				return rc; /* s[0] keeps its follower */
			if (!all->s[i].refused)
				all->s[i] = all->s[--all->n];
		}
		if (each && cb_now_ms() >= next_glob) {
			c->quiet = true; /* said once, at the start */
			cb_client_each_process(c, follow_one, all, NULL);
			next_glob = cb_now_ms() + REGLOB_MS;
		}
	}
	for (size_t i = 0; i < all->n; i++)
		if (all->s[i].fd >= 0)
			close(all->s[i].fd);
	return rc;
}

static void nap(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Follows the state file's ring (waiting for the file to appear). */
static int follow_file(struct cb_client *c, struct follower *f)
{
	if (!c->cfg || !c->state[0])
		return 0; /* private breakers: nothing outlives the server */
	struct cb_store *st = NULL;
	char err[512];
	bool waited = false;
	while (!stop && !st && !reader_gone()) {
		if (access(c->state, F_OK) == 0) {
			st = cb_store_attach_for(c->state, c->cfg, false, err, sizeof(err));
			if (!st)
				return cb_client_fail(c, "%s", err);
		} else {
			waited = true;
			nap(FOLLOW_MS);
		}
	}
	if (!st)
		return 0;
	fprintf(stderr, "cbreaker: events: no process serves the socket; following %s\n", c->state);
	/* Everything in a file created while we waited happened after we
	 * started. */
	uint64_t after = f->seen ? f->last_seq : waited ? 0 : cb_store_last_event_seq(st);
	struct cb_buf out = {0};
	while (!stop && !reader_gone()) {
		struct cb_event ev[32];
		size_t n = cb_store_read_events(st, after, ev, 32);
		for (size_t i = 0; i < n; i++) {
			cb_render_event_json(&out, &ev[i]);
			after = ev[i].seq;
		}
		if (out.len) {
			fputs(out.data, stdout);
			out.len = 0;
			if (!flushed())
				break;
		}
		if (n < 32)
			nap(FOLLOW_MS);
	}
	cb_buf_free(&out);
	cb_store_close(st);
	return 0;
}

int cb_cmd_events(int argc, char **argv)
{
	struct cb_client c;
	int rc = cb_client_open_bare(&c, argc, argv);
	if (rc)
		return rc;
	/* No SA_RESTART: Ctrl-C must cut a wait short. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	static struct sources all; /* ~1 MB of line buffers: off the stack */
	if (c.socket_glob[0]) {
		/* As status: one that fails is said, the others followed. */
		int first = cb_client_each_process(&c, follow_one, &all, NULL);
		rc = any_live(&all) ? stream(&c, &all, true) : 0;
		cb_client_close(&c);
		return write_failed ? 0 : first | rc;
	}
	bool offline = false;
	int fd = cb_client_stream(&c, "events", &offline);
	if (fd >= 0) {
		all.s[0].fd = fd;
		all.n = 1;
		rc = stream(&c, &all, false);
	} else if (!offline) {
		rc = 1;
	}
	if (!rc && !stop)
		rc = follow_file(&c, &all.s[0].f);
	cb_client_close(&c);
	return write_failed ? 0 : rc;
}
