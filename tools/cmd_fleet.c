/* cmd_fleet.c - `cbreaker fleet [-c FILE]`: the fleet agent (README "Fleet
 * mode"), in the foreground for systemd. One thread, one loop of
 * TURN_MS: read the event ring, publish this host's openings and
 * closings, read the subscription, apply openings other hosts agree on.
 * Programs never wait for it: it changes breakers only through the same
 * compare-and-swap as everything else (cb_guard_fleet_open), and what it
 * applies expires on its own if it, Redis or the reporters die. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "core/core.h"
#include "fleet_link.h"
#include "fleet_proto.h"
#include "fleet_reports.h"
#include "options.h"
#include "state/state.h"

#define TURN_MS          100   /* ring and subscription latency */
#define SCAN_EVERY_MS    1000  /* every slot, in case the ring overran */
#define PING_EVERY_MS    1000  /* a stopped Redis is noticed within this + the timeout */
#define RESYNC_EVERY_MS  10000 /* SCAN + PTTL: messages are lost while unsubscribed */
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS   8000
#define MUTE_MS          60000 /* a local reset mutes fleet openings this long */
#define WARN_EVERY_MS    60000 /* the guard rail's warning, at most this often */
#define DEFAULT_SPREAD   10    /* percent, when the breaker sets no jitter */
#define EVENTS_PER_TURN  64
#define RING_HOLE_MS     1000   /* an event still incomplete after this is passed over */
#define SCAN_KEYS_MAX    100000 /* keys one snapshot looks at, whatever Redis holds */
#define PASSWORD_MAX     512

struct fleet_breaker {
	const struct cb_breaker_config *cfg;
	struct cb_slot *slot;
	uint64_t published_gen; /* the local opening whose key is set, 0 none */
	int64_t mute_until;
	struct cb_fleet_reports reports;
};

struct agent {
	struct cb_config *cfg;
	const struct cb_fleet_config *fc;
	struct cb_store *st;
	struct cb_fleet_shared *shared;
	char host[CB_NAME_MAX];
	char password[PASSWORD_MAX];
	bool has_password;
	char channel[CB_FLEET_KEY_MAX], pattern[CB_FLEET_KEY_MAX];
	size_t n;
	struct fleet_breaker *b;
	struct cb_fleet_redis link;
	bool linked, ever_linked;
	uint64_t backoff_ms;
	int64_t next_attempt, next_scan, next_ping, next_resync, next_warn;
	uint64_t ring_seq, resync_pass;
	int64_t ring_hole_since; /* when reading stopped at an incomplete event, 0 none */
	uint64_t random;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	fputs("cbreaker fleet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void count(struct agent *a, enum cb_fleet_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&a->shared->counters[c], n, memory_order_relaxed);
}

static uint64_t next_random(struct agent *a)
{
	uint64_t x = a->random;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	a->random = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static struct fleet_breaker *find(struct agent *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->b[i].cfg->name, name) == 0)
			return &a->b[i];
	return NULL;
}

/* ---- the shared link status ---- */

static void set_link(struct agent *a, enum cb_fleet_link link)
{
	atomic_store_explicit(&a->shared->since_wall_ms, cb_wall_ms(), memory_order_relaxed);
	atomic_store_explicit(&a->shared->link, link, memory_order_relaxed);
}

static void heartbeat(struct agent *a, int64_t now)
{
	atomic_store_explicit(&a->shared->heartbeat_ms, now, memory_order_release);
}

/* ---- publishing this host's openings ---- */

static bool key_of(struct agent *a, const struct fleet_breaker *fb, char key[CB_FLEET_KEY_MAX])
{
	return cb_fleet_key(key, CB_FLEET_KEY_MAX, a->fc->name, fb->cfg->name, a->host) != 0;
}

static void link_down(struct agent *a, int64_t now);

/* Brings Redis in line with the breaker: a key while it is open on local
 * evidence, none once it closed (or was forced, disabled, or opened by the
 * fleet). Half-open keeps the key, which expires with the open time.
 * Openings the fleet made here are never published: no loop. */
static void sync_breaker(struct agent *a, struct fleet_breaker *fb, int64_t now)
{
	uint64_t w = atomic_load_explicit(&fb->slot->state, memory_order_acquire);
	enum cb_state st = cb_slot_word_state(w);
	uint64_t gen = cb_slot_word_generation(w);
	bool local_open = st == CB_OPEN && atomic_load_explicit(&fb->slot->fleet_generation,
	                                                        memory_order_acquire) != gen;
	char key[CB_FLEET_KEY_MAX], msg[CB_FLEET_MSG_MAX + 1], value[32];
	if (!key_of(a, fb, key))
		return;
	if (local_open) {
		int64_t left =
		        atomic_load_explicit(&fb->slot->retry_at_ms, memory_order_relaxed) - now;
		if (left <= 0 || fb->published_gen == gen)
			return;
		struct cb_fleet_msg m = {
		        .kind = CB_FLEET_MSG_OPEN, .gen = gen, .ms = (uint64_t)left};
		snprintf(m.host, sizeof(m.host), "%s", a->host);
		snprintf(m.breaker, sizeof(m.breaker), "%s", fb->cfg->name);
		if (!cb_fleet_msg_format(msg, sizeof(msg), &m) ||
		    !cb_fleet_value(value, sizeof(value), gen))
			return;
		if (!cb_fleet_link_set_publish(&a->link, key, value, (uint64_t)left, a->channel,
		                               msg)) {
			link_down(a, now);
			return;
		}
		fb->published_gen = gen;
		count(a, CB_FLEET_PUBLISHED, 1);
		return;
	}
	if (st == CB_HALF_OPEN || fb->published_gen == 0)
		return;
	struct cb_fleet_msg m = {.kind = CB_FLEET_MSG_CLOSE, .gen = fb->published_gen};
	snprintf(m.host, sizeof(m.host), "%s", a->host);
	snprintf(m.breaker, sizeof(m.breaker), "%s", fb->cfg->name);
	if (!cb_fleet_msg_format(msg, sizeof(msg), &m))
		return;
	if (!cb_fleet_link_del_publish(&a->link, key, a->channel, msg)) {
		link_down(a, now);
		return;
	}
	fb->published_gen = 0;
	count(a, CB_FLEET_PUBLISHED, 1);
}

/* New events of the ring: the breakers they name are synced now, and a
 * local reset mutes the fleet for that breaker. Events are taken in order:
 * one not yet complete (its writer is between taking the number and
 * writing it) stops the reading until the next turn, and is passed over
 * only after RING_HOLE_MS (the writer died, or the ring overran; the
 * slot scan covers what it said). */
static void read_ring(struct agent *a, int64_t now)
{
	struct cb_event ev[EVENTS_PER_TURN];
	size_t got;
	while ((got = cb_store_read_events(a->st, a->ring_seq, ev, EVENTS_PER_TURN)) > 0) {
		for (size_t i = 0; i < got; i++) {
			if (ev[i].seq != a->ring_seq + 1) {
				if (!a->ring_hole_since)
					a->ring_hole_since = now;
				if (now - a->ring_hole_since < RING_HOLE_MS)
					return;
			}
			a->ring_hole_since = 0;
			a->ring_seq = ev[i].seq;
			char name[CB_NAME_MAX];
			snprintf(name, sizeof(name), "%.*s", CB_NAME_MAX - 1, ev[i].breaker);
			struct fleet_breaker *fb = find(a, name);
			if (!fb)
				continue;
			/* The reports in hand are then held by the mute (and
			 * counted so) when next judged. */
			if (ev[i].to == CB_CLOSED && ev[i].cause == CB_CAUSE_OPERATOR)
				fb->mute_until = now + MUTE_MS;
			if (a->linked)
				sync_breaker(a, fb, now);
		}
		if (got < EVENTS_PER_TURN)
			break;
	}
}

/* ---- what other hosts report ---- */

static void on_message(void *ctx, const char *data, size_t len)
{
	struct agent *a = ctx;
	struct cb_fleet_msg m;
	if (cb_fleet_msg_parse(data, len, &m) < 0) {
		count(a, CB_FLEET_MESSAGES_REJECTED, 1);
		return;
	}
	if (strcmp(m.host, a->host) == 0)
		return; /* our own, echoed */
	struct fleet_breaker *fb = find(a, m.breaker);
	if (!fb)
		return; /* a breaker this host does not have */
	if (m.kind == CB_FLEET_MSG_OPEN)
		cb_fleet_reports_open(&fb->reports, m.host, m.gen, m.ms, cb_now_ms(),
		                      a->resync_pass);
	else
		cb_fleet_reports_close(&fb->reports, m.host, m.gen, cb_now_ms());
}

struct scan_ctx {
	struct agent *a;
	size_t seen;
	bool failed;
};

static void on_key(void *ctx, const char *key, size_t len)
{
	struct scan_ctx *sc = ctx;
	struct agent *a = sc->a;
	char breaker[CB_NAME_MAX], host[CB_NAME_MAX], kbuf[CB_FLEET_KEY_MAX],
	        value[CB_FLEET_MSG_MAX + 1];
	if (sc->failed || ++sc->seen > SCAN_KEYS_MAX)
		return;
	if (cb_fleet_key_parse(key, len, a->fc->name, breaker, host) < 0) {
		count(a, CB_FLEET_MESSAGES_REJECTED, 1);
		return;
	}
	struct fleet_breaker *fb = find(a, breaker);
	if (!fb)
		return;
	snprintf(kbuf, sizeof(kbuf), "%.*s", (int)len, key);
	if (strcmp(host, a->host) == 0) {
		/* Ours, from before a restart or a lost link: the slot scan sets
		 * it again if the breaker is still open here. */
		if (fb->published_gen == 0 && !cb_fleet_link_del(&a->link, kbuf))
			sc->failed = true;
		return;
	}
	bool found;
	size_t vn = 0;
	int64_t pttl;
	uint64_t gen;
	if (!cb_fleet_link_get_pttl(&a->link, kbuf, &found, value, sizeof(value), &vn, &pttl)) {
		sc->failed = true;
		return;
	}
	if (!found || pttl <= 0)
		return; /* gone meanwhile, or a key without expiry: not ours to trust */
	if (vn >= sizeof(value) || cb_fleet_value_parse(value, vn, &gen) < 0 ||
	    (uint64_t)pttl > CB_DURATION_MAX_MS) {
		count(a, CB_FLEET_MESSAGES_REJECTED, 1);
		return;
	}
	cb_fleet_reports_open(&fb->reports, host, gen, (uint64_t)pttl, cb_now_ms(), a->resync_pass);
}

/* SCAN + GET + PTTL of every opening of the fleet: the truth the messages
 * only announce. Reports whose key is gone are dropped. */
static bool snapshot(struct agent *a)
{
	struct scan_ctx sc = {.a = a};
	uint64_t cursor = 0;
	a->resync_pass++;
	do {
		if (!cb_fleet_link_scan(&a->link, a->pattern, &cursor, on_key, &sc) || sc.failed)
			return false;
	} while (cursor != 0 && sc.seen < SCAN_KEYS_MAX);
	for (size_t i = 0; i < a->n; i++)
		cb_fleet_reports_sweep(&a->b[i].reports, a->resync_pass);
	return true;
}

/* ---- applying ---- */

static size_t fleet_open_now(const struct agent *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++) {
		uint64_t w = atomic_load_explicit(&a->b[i].slot->state, memory_order_acquire);
		if (cb_slot_word_state(w) == CB_OPEN &&
		    atomic_load_explicit(&a->b[i].slot->fleet_generation, memory_order_acquire) ==
		            cb_slot_word_generation(w))
			n++;
	}
	return n;
}

/* The open time spread downwards by the breaker's jitter (or
 * DEFAULT_SPREAD): never longer than the reports or max_open, and hosts
 * that heard the same reports do not probe in the same instant. */
static uint64_t spread(struct agent *a, const struct cb_breaker_config *c, uint64_t ms)
{
	uint32_t pct = c->jitter ? c->jitter : DEFAULT_SPREAD;
	double u = (double)(next_random(a) >> 11) / 9007199254740992.0;
	uint64_t cut = (uint64_t)((double)ms * (double)pct / 100.0 * u);
	return ms > cut ? ms - cut : 1;
}

static void apply_breaker(struct agent *a, struct fleet_breaker *fb, int64_t now)
{
	struct cb_fleet_reports *r = &fb->reports;
	cb_fleet_reports_expire(r, now);
	struct cb_fleet_verdict v;
	cb_fleet_reports_judge(r, a->fc->quorum, now, &v);
	if (!v.fresh)
		return;
	if (v.live < a->fc->quorum) {
		if (v.uncounted)
			count(a, CB_FLEET_SUPPRESSED_QUORUM, v.uncounted);
		cb_fleet_reports_mark_counted(r);
		return;
	}
	cb_fleet_reports_mark_used(r);
	if (now < fb->mute_until) {
		count(a, CB_FLEET_SUPPRESSED_MUTE, 1);
		return;
	}
	if (cb_slot_state(fb->slot) != CB_CLOSED) {
		count(a, CB_FLEET_SUPPRESSED_LOCAL, 1);
		return;
	}
	/* The guard rail: one more fleet opening must not leave more than
	 * half of this host's breakers (and at least two) opened by others. */
	size_t after = fleet_open_now(a) + 1;
	if (after > 1 && 2 * after > a->n) {
		count(a, CB_FLEET_SUPPRESSED_CAP, 1);
		if (now >= a->next_warn) {
			say("warning: not applying %s: the fleet would open %zu of this host's %zu "
			    "breakers (more than half); the reporters (%s) are the likelier fault",
			    fb->cfg->name, after, a->n, v.by);
			a->next_warn = now + WARN_EVERY_MS;
		}
		return;
	}
	uint64_t ms = v.remaining_ms < a->fc->max_open_ms ? v.remaining_ms : a->fc->max_open_ms;
	ms = spread(a, fb->cfg, ms);
	if (cb_guard_fleet_open(a->st, fb->slot, fb->cfg, ms, v.by)) {
		count(a, CB_FLEET_APPLIED, 1);
		say("%s: opened for %llums, reported open by %s", fb->cfg->name,
		    (unsigned long long)ms, v.by);
	}
}

/* ---- the link ---- */

static void link_down(struct agent *a, int64_t now)
{
	if (!a->linked)
		return;
	say("lost Redis at %s: %s; retrying with backoff", a->fc->redis, a->link.why);
	cb_fleet_link_close(&a->link);
	a->linked = false;
	set_link(a, CB_FLEET_LINK_DISCONNECTED);
	/* Stand-alone until the link is back: no report is trusted, and the
	 * next link publishes every local opening again. */
	for (size_t i = 0; i < a->n; i++) {
		cb_fleet_reports_clear(&a->b[i].reports);
		a->b[i].published_gen = 0;
	}
	a->backoff_ms = BACKOFF_FIRST_MS;
	a->next_attempt = now + (int64_t)a->backoff_ms;
}

/* Full jitter on the upper half: hosts that lost Redis together do not
 * come back in step. */
static void backoff(struct agent *a, int64_t now)
{
	uint64_t d = a->backoff_ms;
	a->next_attempt = now + (int64_t)(d / 2 + next_random(a) % (d / 2 + 1));
	a->backoff_ms = d * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d * 2;
}

static void link_up(struct agent *a, int64_t now)
{
	if (!cb_fleet_link_open(&a->link, a->fc, a->has_password ? a->password : NULL,
	                        a->channel)) {
		if (a->backoff_ms <= BACKOFF_FIRST_MS)
			say("cannot reach Redis at %s: %s; retrying with backoff", a->fc->redis,
			    a->link.why);
		backoff(a, now);
		return;
	}
	a->linked = true;
	if (!snapshot(a)) {
		say("snapshot failed: %s", a->link.why);
		link_down(a, now);
		backoff(a, now);
		return;
	}
	if (a->ever_linked)
		count(a, CB_FLEET_RECONNECTS, 1);
	a->ever_linked = true;
	a->backoff_ms = BACKOFF_FIRST_MS;
	set_link(a, CB_FLEET_LINK_CONNECTED);
	say("connected to Redis at %s (fleet %s, host %s, quorum %u)", a->fc->redis, a->fc->name,
	    a->host, a->fc->quorum);
	a->next_scan = now; /* publish every local opening at once */
	a->next_resync = now + RESYNC_EVERY_MS;
	a->next_ping = now + PING_EVERY_MS;
}

/* ---- one turn ---- */

static void turn(struct agent *a)
{
	int64_t now = cb_now_ms();
	heartbeat(a, now);
	if (!a->linked && now >= a->next_attempt)
		link_up(a, now);
	read_ring(a, now);
	if (a->linked && now >= a->next_scan) {
		for (size_t i = 0; i < a->n && a->linked; i++)
			sync_breaker(a, &a->b[i], now);
		a->next_scan = now + SCAN_EVERY_MS;
	}
	if (a->linked && now >= a->next_resync) {
		if (!snapshot(a))
			link_down(a, now);
		a->next_resync = now + RESYNC_EVERY_MS;
	}
	if (a->linked && now >= a->next_ping) {
		if (!cb_fleet_link_ping(&a->link))
			link_down(a, now);
		a->next_ping = now + PING_EVERY_MS;
	}
	struct pollfd p = {.fd = a->linked ? cb_fleet_link_sub_fd(&a->link) : -1, .events = POLLIN};
	if (poll(&p, 1, TURN_MS) > 0 && a->linked && (p.revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !cb_fleet_link_read(&a->link, on_message, a))
		link_down(a, cb_now_ms());
	now = cb_now_ms();
	/* Again: a reset made while we waited must mute what arrived with it. */
	read_ring(a, now);
	if (a->linked)
		for (size_t i = 0; i < a->n; i++)
			apply_breaker(a, &a->b[i], now);
}

/* ---- start-up ---- */

/* host_id, else /etc/machine-id (32 hex digits). */
static int find_host_id(struct agent *a)
{
	if (a->fc->host_id[0]) {
		snprintf(a->host, sizeof(a->host), "%s", a->fc->host_id);
		return 0;
	}
	char buf[CB_NAME_MAX] = "";
	FILE *f = fopen("/etc/machine-id", "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	if (!cb_fleet_valid_name(buf, strlen(buf))) {
		say("no host_id in [fleet] and no usable /etc/machine-id: set host_id");
		return -1;
	}
	snprintf(a->host, sizeof(a->host), "%s", buf);
	return 0;
}

/* The first line of password_file: "PASSWORD" or "USER PASSWORD". The
 * file must not be readable by others: that is why it is not the ini. */
static int read_password(struct agent *a)
{
	const char *path = a->fc->password_file;
	if (!path[0])
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		say("password_file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & S_IROTH)) {
		say("password_file %s: must be a regular file that others cannot read", path);
		close(fd);
		return -1;
	}
	ssize_t got = read(fd, a->password, sizeof(a->password) - 1);
	close(fd);
	if (got < 0)
		got = 0;
	a->password[got] = '\0';
	a->password[strcspn(a->password, "\r\n")] = '\0';
	if (!a->password[0] || (size_t)got == sizeof(a->password) - 1) {
		say("password_file %s: empty, or longer than %d bytes", path, PASSWORD_MAX - 2);
		return -1;
	}
	a->has_password = true;
	return 0;
}

static int agent_open(struct agent *a, const char *path)
{
	static struct cb_diag diag;
	a->cfg = cb_config_load(path, &diag);
	if (!a->cfg) {
		size_t n = diag.count < CB_DIAG_MAX ? diag.count : CB_DIAG_MAX;
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s\n", diag.msg[i]);
		return 1;
	}
	a->fc = &a->cfg->fleet;
	if (!a->fc->enabled) {
		say("%s has no [fleet] section", path);
		return 1;
	}
	if (find_host_id(a) < 0 || read_password(a) < 0)
		return 1;
	char warn[PATH_MAX + 256];
	cb_log_configure(&a->cfg->global);
	a->st = cb_store_open(a->cfg, warn, sizeof(warn));
	if (!a->st || !cb_store_is_shared(a->st)) {
		say("needs the shared state file of %s%s%s", path, warn[0] ? ": " : "", warn);
		return 1;
	}
	a->shared = cb_store_fleet(a->st);
	a->n = a->cfg->n_breakers;
	a->b = calloc(a->n ? a->n : 1, sizeof(*a->b));
	if (!a->b) {
		say("out of memory");
		return 1;
	}
	for (size_t i = 0; i < a->n; i++) {
		a->b[i].cfg = &a->cfg->breakers[i];
		a->b[i].slot = cb_store_find(a->st, a->b[i].cfg->name, true);
		if (!a->b[i].slot) {
			say("state file full: no slot for %s", a->b[i].cfg->name);
			return 1;
		}
	}
	cb_fleet_channel(a->channel, sizeof(a->channel), a->fc->name);
	cb_fleet_pattern(a->pattern, sizeof(a->pattern), a->fc->name);
	a->ring_seq = cb_store_last_event_seq(a->st);
	a->backoff_ms = BACKOFF_FIRST_MS;
	a->random = (uint64_t)cb_now_ms() ^ (uint64_t)getpid() << 32 ^ 0x9E3779B97F4A7C15ULL;
	atomic_store_explicit(&a->shared->pid, (uint32_t)getpid(), memory_order_relaxed);
	set_link(a, CB_FLEET_LINK_DISCONNECTED);
	return 0;
}

static void agent_close(struct agent *a)
{
	if (a->shared) {
		atomic_store_explicit(&a->shared->link, CB_FLEET_LINK_NONE, memory_order_relaxed);
		atomic_store_explicit(&a->shared->pid, 0, memory_order_relaxed);
	}
	cb_fleet_link_close(&a->link);
	free(a->b);
	cb_store_close(a->st);
	cb_config_free(a->cfg);
	memset(a->password, 0, sizeof(a->password));
}

int cb_cmd_fleet(int argc, char **argv)
{
	struct cb_opts o;
	int rc = cb_opts_parse(argc, argv, NULL, &o);
	if (rc)
		return rc;
	if (o.argc != 0 || o.socket) {
		rc = cb_usage_error(argv[0], "takes only -c FILE");
		return rc;
	}
	static struct agent a;
	rc = agent_open(&a, cb_opts_config(&o));
	if (rc) {
		agent_close(&a);
		return rc;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A write to a connection Redis closed must be an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	while (!stopping)
		turn(&a);
	say("stopping");
	agent_close(&a);
	return 0;
}
