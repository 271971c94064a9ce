/* server.c - the control socket server: who serves (flock on
 * "<socket>.lock", or every process for itself with private breakers), the
 * server thread's poll loop over the listener and its clients, and the
 * descriptor hygiene an LD_PRELOAD guest owes its host:
 *
 * - every descriptor is CLOEXEC and non-blocking, and closed through the
 *   real close() (the shim interposes close);
 * - the host may close our descriptors at any time (daemons close all of
 *   them) and reuse the numbers: each descriptor's identity (st_dev,
 *   st_ino) is checked before every use, and on a mismatch the server
 *   walks away without touching it; the next tick serves again;
 * - after fork() the child is never the server: it closes its copies
 *   (which does not release the parent's flock: the lock belongs to the
 *   open file description, still held by the parent) and forgets;
 * - the thread blocks every signal, so the host's handlers run where the
 *   host expects them.
 *
 * The server thread may allocate: it is not the connect() hot path. */
#include "control/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/core.h"
#include "libc/libc.h"

#define MAX_CLIENTS       32    /* one request each; beyond this, refused at once */
#define MAX_STREAMS       8     /* `events` followers among them */
#define POLL_MS           100   /* also how often streams look at the event ring */
#define REQUEST_DEADLINE  1000  /* ms for a whole request line to arrive */
#define REPLY_DEADLINE    3000  /* ms for a reply to be taken by the client */
#define STREAM_BACKLOG    65536 /* unsent event bytes before a follower is dropped */
#define EVENTS_PER_ROUND  64
#define ACCEPTS_PER_ROUND 64

enum phase { READING, WRITING, STREAMING };

struct ident {
	dev_t dev;
	ino_t ino;
};

struct client {
	int fd; /* -1: free */
	struct ident id;
	enum phase phase;
	uid_t uid;
	int64_t deadline_ms;
	size_t req_len;
	char req[CB_CONTROL_MAX_REQUEST + 1];
	struct cb_buf out;
	size_t out_off;
	uint64_t after;                 /* STREAMING: last event seq sent */
	const struct cb_store *follows; /* STREAMING: whose ring `after` counts in */
};

/* One term of leadership. The thread owns the descriptors; the tick only
 * asks it to stop (or finds it gone) and frees the struct afterwards. */
struct server {
	int listen_fd, lock_fd; /* lock_fd -1 with private breakers */
	struct ident listen_id, lock_id, path_id;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pid_t pid;
	_Atomic bool stop;
	_Atomic bool exited; /* last write of the thread: the struct is free to go */
	struct client clients[MAX_CLIENTS];
};

static struct server *current;
static _Atomic(const struct cb_runtime *) served_rt;
static bool warned;

static bool ident_of(int fd, struct ident *id)
{
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0)
		return false;
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	return true;
}

/* Is fd still the descriptor we opened? */
static bool still_ours(int fd, const struct ident *id)
{
	struct ident now;
	return ident_of(fd, &now) && now.dev == id->dev && now.ino == id->ino;
}

static void close_if_ours(int fd, const struct ident *id)
{
	if (fd >= 0 && still_ours(fd, id))
		cb_libc_close(fd);
}

static void drop_client(struct client *c)
{
	close_if_ours(c->fd, &c->id);
	cb_buf_free(&c->out);
	c->fd = -1;
}

/* The unit for every descriptor of a term: closes what is still ours. */
static void release(struct server *s, bool unlink_socket)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			drop_client(&s->clients[i]);
	struct stat sb;
	/* Only our own socket file: another process may serve by now. */
	if (unlink_socket && lstat(s->path, &sb) == 0 && sb.st_ino == s->path_id.ino &&
	    sb.st_dev == s->path_id.dev)
		unlink(s->path);
	close_if_ours(s->listen_fd, &s->listen_id);
	close_if_ours(s->lock_fd, &s->lock_id);
	s->listen_fd = s->lock_fd = -1;
}

/* Sends what is pending without blocking; false when the client is gone. */
static bool flush(struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		c->out_off += (size_t)n;
	}
	if (c->phase == STREAMING) {
		c->out.len = c->out_off = 0;
		if (c->out.data)
			c->out.data[0] = '\0';
	}
	return true;
}

static int streams(const struct server *s)
{
	int n = 0;
	for (int i = 0; i < MAX_CLIENTS; i++)
		n += s->clients[i].fd >= 0 && s->clients[i].phase == STREAMING;
	return n;
}

static void answer(struct server *s, struct client *c)
{
	c->req[c->req_len] = '\0';
	char *nl = strchr(c->req, '\n');
	if (nl)
		*nl = '\0';
	const struct cb_runtime *rt = atomic_load(&served_rt);
	enum cb_control_reply r = cb_control_handle(rt, c->req, c->uid, &c->out);
	if (r == CB_CONTROL_STREAM_EVENTS) {
		if (streams(s) >= MAX_STREAMS) {
			cb_render_error_json(&c->out, "too many event followers; try again later");
		} else {
			c->phase = STREAMING;
			c->follows = rt->store;
			c->after = cb_store_last_event_seq(rt->store);
			return;
		}
	}
	if (c->out.failed) {
		cb_buf_free(&c->out);
		cb_render_error_json(&c->out, "out of memory");
	}
	c->phase = WRITING;
	c->deadline_ms = cb_now_ms() + REPLY_DEADLINE;
}

/* READING: takes what arrived; answers on a newline, at end of input, or
 * when the line is too long. False when the client is done with. */
static bool on_readable(struct server *s, struct client *c)
{
	size_t room = CB_CONTROL_MAX_REQUEST - c->req_len;
	ssize_t n = room ? recv(c->fd, c->req + c->req_len, room, MSG_DONTWAIT) : 0;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	if (n == 0 && room && c->req_len == 0)
		return false; /* connected and left without a word */
	c->req_len += (size_t)n;
	if (memchr(c->req, '\n', c->req_len) || n == 0) {
		if (room == 0) {
			cb_render_error_json(&c->out, "request longer than 4096 bytes");
			c->phase = WRITING;
			c->deadline_ms = cb_now_ms() + REPLY_DEADLINE;
		} else {
			answer(s, c);
		}
	}
	return true;
}

/* A STREAMING client only ever hangs up; anything it sends is ignored. */
static bool on_stream_readable(struct client *c)
{
	char junk[256];
	ssize_t n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
	return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

static void feed_stream(struct client *c, struct cb_store *st)
{
	/* The process moved to a new state file: its ring counts afresh. */
	if (st != c->follows) {
		c->follows = st;
		c->after = cb_store_last_event_seq(st);
	}
	struct cb_event ev[EVENTS_PER_ROUND];
	size_t n = cb_store_read_events(st, c->after, ev, EVENTS_PER_ROUND);
	for (size_t i = 0; i < n; i++) {
		cb_render_event_json(&c->out, &ev[i]);
		c->after = ev[i].seq;
	}
}

static void accept_clients(struct server *s)
{
	for (int k = 0; k < ACCEPTS_PER_ROUND; k++) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct client *c = NULL;
		for (int i = 0; i < MAX_CLIENTS && !c; i++)
			if (s->clients[i].fd < 0)
				c = &s->clients[i];
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (!c || cb_libc_getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
			static const char busy[] = "{\"error\":\"server busy; try again\"}\n";
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			cb_libc_close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		ident_of(fd, &c->id);
		c->uid = cred.uid;
		c->phase = READING;
		c->deadline_ms = cb_now_ms() + REQUEST_DEADLINE;
	}
}

/* One client's turn after poll; drops it when it is done or gone. */
static void serve_client(struct server *s, struct client *c, short revents, int64_t now)
{
	if (!still_ours(c->fd, &c->id)) {
		c->fd = -1; /* the host closed it: not ours to close any more */
		cb_buf_free(&c->out);
		return;
	}
	bool keep = true;
	if (c->phase == READING && (revents & (POLLIN | POLLHUP | POLLERR)))
		keep = on_readable(s, c);
	else if (c->phase == STREAMING && (revents & (POLLIN | POLLHUP | POLLERR)))
		keep = on_stream_readable(c);
	if (keep && c->phase == STREAMING) {
		feed_stream(c, atomic_load(&served_rt)->store);
		keep = flush(c) && c->out.len - c->out_off < STREAM_BACKLOG;
	} else if (keep && c->phase == WRITING) {
		keep = flush(c) && c->out_off < c->out.len;
	}
	if (keep && c->phase != STREAMING && now > c->deadline_ms)
		keep = false;
	if (!keep)
		drop_client(c);
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd[1 + MAX_CLIENTS];
	int owner[1 + MAX_CLIENTS];
	bool vanished = false;
	while (!atomic_load(&s->stop)) {
		if (!still_ours(s->listen_fd, &s->listen_id) ||
		    (s->lock_fd >= 0 && !still_ours(s->lock_fd, &s->lock_id))) {
			vanished = true;
			break;
		}
		int n = 0;
		pfd[n].fd = s->listen_fd;
		pfd[n++].events = POLLIN;
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &s->clients[i];
			if (c->fd < 0)
				continue;
			owner[n] = i;
			pfd[n].fd = c->fd;
			pfd[n].events = c->phase == WRITING ? POLLOUT : POLLIN;
			if (c->phase == STREAMING && c->out_off < c->out.len)
				pfd[n].events |= POLLOUT;
			pfd[n++].revents = 0;
		}
		int ready = poll(pfd, (nfds_t)n, POLL_MS);
		if (ready < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLNVAL) {
			vanished = true;
			break;
		}
		int64_t now = cb_now_ms();
		for (int k = 1; k < n; k++)
			serve_client(s, &s->clients[owner[k]], ready > 0 ? pfd[k].revents : 0, now);
		if (ready > 0 && (pfd[0].revents & POLLIN))
			accept_clients(s);
	}
	if (vanished)
		cb_log(CB_LOG_DEBUG,
		       "control socket %s: descriptors closed by the program; serving "
		       "again shortly",
		       s->path);
	release(s, !vanished);
	atomic_store(&s->exited, true);
	return NULL;
}

/* The child of a fork is never the server: it closes its copies of the
 * server's descriptors, which leaves the parent's flock in place. */
static void forget_in_child(void)
{
	struct server *s = current;
	current = NULL;
	if (!s)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		close_if_ours(s->clients[i].fd, &s->clients[i].id);
	close_if_ours(s->listen_fd, &s->listen_id);
	close_if_ours(s->lock_fd, &s->lock_id);
	/* The parent's copy of the struct is the one in use: leave this one. */
}

static void warn_once(const char *what, const char *path, int err)
{
	if (warned)
		return;
	warned = true;
	cb_log(CB_LOG_WARN,
	       "control socket %s: %s: %s (status is still readable with cbreaker "
	       "from the state file)",
	       path, what, strerror(err));
}

/* The socket's mode: whoever may read the state file may connect (connect
 * needs write permission on a Unix socket); changes are checked per peer. */
static mode_t socket_mode(const struct cb_global_config *g)
{
	mode_t m = g->state_mode & 0666;
	return m | (m & 0444) >> 1;
}

static void apply_owner_and_mode(int fd, const char *path, const struct cb_global_config *g)
{
	if (g->has_state_group) {
		/* Failure only narrows who can reach it; nothing to undo. */
		if (fd >= 0)
			(void)!fchown(fd, (uid_t)-1, g->state_group);
		else
			(void)!lchown(path, (uid_t)-1, g->state_group);
	}
	/* The lock file: nobody outside owner and group may hold it. */
	if (fd >= 0)
		(void)!fchmod(fd, g->state_mode & 0660);
	else
		(void)!chmod(path, socket_mode(g));
}

/* flock on "<socket>.lock": -1 when another process serves (or on error). */
static int take_lock(const char *sock, const struct cb_global_config *g)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s.lock", sock) >= (int)sizeof(path))
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK,
	              g->state_mode & 0660);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		cb_libc_close(fd);
		return -1;
	}
	apply_owner_and_mode(fd, path, g);
	return fd;
}

static bool start_thread(struct server *s)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0)
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The thread inherits this mask: no signal of the host's lands there. */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t t;
	int rc = pthread_create(&t, &attr, serve, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc == 0;
}

/* Binds and listens on path; the server's descriptors, or false. */
static bool open_listener(struct server *s, const struct cb_global_config *g)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->path, sizeof(s->path));
	struct stat sb;
	/* A socket left by a server that died; anything else is not ours. */
	if (lstat(s->path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			errno = EEXIST;
			warn_once("a file of that name is in the way", s->path, EEXIST);
			return false;
		}
		unlink(s->path);
	}
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0)
		return false;
	if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		warn_once("cannot bind", s->path, errno);
		return false;
	}
	apply_owner_and_mode(-1, s->path, g);
	if (listen(s->listen_fd, 64) != 0 || lstat(s->path, &sb) != 0) {
		warn_once("cannot listen", s->path, errno);
		return false;
	}
	s->path_id.dev = sb.st_dev;
	s->path_id.ino = sb.st_ino;
	return ident_of(s->listen_fd, &s->listen_id);
}

/* Runs once a second inside some intercepted call, possibly a connect() in
 * a signal handler: losing the leadership race must cost system calls only
 * (open, flock, close), never an allocation. */
static void try_to_serve(const struct cb_runtime *rt, const char *path)
{
	const struct cb_global_config *g = &rt->cfg->global;
	size_t len = strlen(path);
	if (len >= sizeof(((struct server *)NULL)->path))
		return;
	int lock_fd = -1;
	if (cb_store_is_shared(rt->store)) {
		lock_fd = take_lock(path, g);
		if (lock_fd < 0)
			return;
	}
	struct server *s = calloc(1, sizeof(*s));
	if (!s) {
		if (lock_fd >= 0)
			cb_libc_close(lock_fd);
		return;
	}
	s->listen_fd = -1;
	s->lock_fd = lock_fd;
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	memcpy(s->path, path, len + 1);
	s->pid = getpid();
	if (s->lock_fd >= 0 && !ident_of(s->lock_fd, &s->lock_id)) {
		release(s, false);
		free(s);
		return;
	}
	if (!open_listener(s, g) || !start_thread(s)) {
		release(s, s->path_id.ino != 0);
		free(s);
		return;
	}
	current = s;
}

/* The runtime's once-a-second turn: serve the socket if nobody does, and
 * notice when a daemon closed our descriptors. Never blocks. */
static void tick(const struct cb_runtime *rt, int64_t now_ms)
{
	(void)now_ms; /* the runtime already paces the ticks */
	if (!rt)
		return;
	CB_KEEP_ERRNO;
	atomic_store(&served_rt, rt);
	char path[PATH_MAX];
	bool want = cb_store_socket_path(rt->cfg, path, sizeof(path)) == 0 && path[0];
	struct server *s = current;
	if (s && atomic_load(&s->exited)) {
		free(s);
		current = s = NULL;
	}
	if (s && (!want || strcmp(s->path, path) != 0 || !still_ours(s->listen_fd, &s->listen_id) ||
	          (s->lock_fd >= 0 && !still_ours(s->lock_fd, &s->lock_id)))) {
		/* The thread notices within POLL_MS, cleans up and says so;
		 * the struct is freed at a later tick. */
		atomic_store(&s->stop, true);
		s = NULL;
	}
	if (!s && want && !current)
		try_to_serve(rt, path);
}

void cb_control_init(void)
{
	cb_process_on_fork(NULL, NULL, forget_in_child);
	cb_runtime_on_tick(tick);
}

/* A server still running at exit takes its socket file with it, so that
 * the tool falls back to the state file at once. */
__attribute__((destructor)) static void stop_serving_at_exit(void)
{
	struct server *s = current;
	if (!s || s->pid != getpid() || atomic_load(&s->exited))
		return;
	struct stat sb;
	if (lstat(s->path, &sb) == 0 && sb.st_ino == s->path_id.ino && sb.st_dev == s->path_id.dev)
		unlink(s->path);
}
