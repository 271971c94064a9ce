/* runtime.c - the configuration in force and its breakers' slots: loaded on
 * first use (or from the constructor), reloaded when the file changes, and
 * published as an immutable struct behind one atomic pointer so that hooks
 * read it without a lock. The once-a-second turn also follows the state
 * file (README "Shared state"): a file removed or replaced under the
 * process, or a slot written over, gives a new runtime as a reload does.
 * Then it runs the tick hooks (the control server registers one).
 *
 * Old runtimes are never freed: a hook in another thread (or a signal
 * handler) may still be using one, and reloads are rare enough that the
 * memory does not matter. */
#include "core/runtime.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/discover.h"
#include "core/endpoint.h"
#include "core/log.h"
#include "match/match.h"

__thread const struct cb_breaker_rt *cb_transfer_breaker __attribute__((tls_model("initial-exec")));
__thread uint8_t cb_transfer_flags __attribute__((tls_model("initial-exec")));

enum init_state { INIT_NOT_TRIED, INIT_RUNNING, INIT_DONE };

static _Atomic(struct cb_runtime *) current;
static _Atomic int init_state = INIT_NOT_TRIED;
static _Atomic int reloading;
/* Whole seconds of CLOCK_MONOTONIC_COARSE: comparing tv_sec alone keeps
 * the per-call test to a load and a compare. */
static _Atomic int64_t next_check_s;
static void (*tick_hooks[CB_RUNTIME_TICK_HOOKS])(const struct cb_runtime *, int64_t);
static _Atomic int n_tick_hooks;

/* What the configuration file looked like when last read. */
static struct {
	char path[PATH_MAX];
	bool watching; /* a file existed at start-up */
	struct stat seen;
	uint64_t generation;
} source;

#define RELOAD_CHECK_S 1 /* README "Shared state": changes picked up within seconds */

static int64_t coarse_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

static int64_t coarse_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_file_version(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void log_diag(const struct cb_diag *diag, const char *consequence)
{
	if (diag->count == 0)
		return;
	if (diag->count == 1)
		cb_log(CB_LOG_ERROR, "%s; %s", diag->msg[0], consequence);
	else
		cb_log(CB_LOG_ERROR, "%s (and %zu more errors: cbreaker check-config); %s",
		       diag->msg[0], diag->count - 1, consequence);
}

/* A slot of this process's own, for a breaker the shared store has no room
 * for (or when nothing is shared). */
static struct cb_slot *private_slot(void)
{
	/* Aligned as its cache-line shards are (slot.h). */
	struct cb_slot *s = aligned_alloc(_Alignof(struct cb_slot), sizeof(*s));
	if (s) {
		memset(s, 0, sizeof(*s));
		cb_slot_init(s);
	}
	return s;
}

/* The slot a breaker of this name had in the previous runtime on the same
 * store. Only asked when the store has no slot for it, so that slot was a
 * private one, and reusing it keeps the breaker's state across the reload. */
static struct cb_slot *previous_slot(const struct cb_runtime *old, const struct cb_store *store,
                                     const char *name)
{
	if (!old || old->store != store)
		return NULL;
	for (uint32_t i = 0; i < old->n; i++)
		if (strcmp(old->breakers[i].cfg->name, name) == 0)
			return cb_store_holds(store, old->breakers[i].slot) ? NULL
			                                                    : old->breakers[i].slot;
	return NULL;
}

/* The store's slot for b when it can be trusted; else a private one, said
 * once (a previous private slot means it was said before). */
static struct cb_slot *choose_slot(struct cb_breaker_rt *b, const struct cb_runtime *old,
                                   struct cb_store *store)
{
	struct cb_slot *s = cb_store_find(store, b->cfg->name, true);
	int64_t now = cb_now_ms();
	b->damaged = s ? cb_slot_check(s, now) : cb_store_path_damage(store, b->cfg->name, now);
	if (s && !b->damaged)
		return s;
	struct cb_slot *prev = previous_slot(old, store, b->cfg->name);
	if (prev)
		return prev;
	if (b->damaged)
		cb_log(CB_LOG_ERROR,
		       "%s: its slot in the state file %s is damaged (%s); the breaker stays "
		       "private to this process (remove the file: every process moves to a new "
		       "one)",
		       b->cfg->name, cb_store_path(store), b->damaged);
	else
		cb_log(CB_LOG_WARN,
		       "%s: no room left in the state file; this breaker stays private to the "
		       "process",
		       b->cfg->name);
	return private_slot();
}

static bool same_state_file(const struct cb_config *a, const struct cb_config *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	if (cb_store_state_path(a, pa, sizeof(pa)) != 0 ||
	    cb_store_state_path(b, pb, sizeof(pb)) != 0)
		return false;
	return strcmp(pa, pb) == 0;
}

/* The state mapped by the constructor before the configuration is read
 * whole (cb_runtime_init_early): the first runtime takes it when it is
 * for the same file. Written before any thread can exist, read once. */
static struct {
	struct cb_config *cfg; /* [global] only (cb_config_load_global) */
	struct cb_store *store;
	char *text; /* the file as read then, parsed at the first call */
	size_t len;
	struct stat seen; /* the file when it was read */
} early;

/* Set in the thread loading the configuration: a hook it re-enters (a
 * signal handler's connect) must pass through, not wait for itself. */
static __thread bool loading_here __attribute__((tls_model("initial-exec")));

#define INIT_WAIT_MS 100 /* how long another thread's first call waits for the load */

/* The same state settings in the same configuration file. Not the derived
 * paths: an auto path names the euid, and a daemon's worker builds its
 * first runtime after dropping privileges, with the master's store. */
static bool same_state_settings(const struct cb_config *a, const struct cb_config *b)
{
	const struct cb_global_config *ga = &a->global, *gb = &b->global;
	return ga->state_file_kind == gb->state_file_kind &&
	       (ga->state_file_kind != CB_PATH_EXPLICIT ||
	        strcmp(ga->state_file, gb->state_file) == 0) &&
	       strcmp(a->real_path, b->real_path) == 0;
}

/* The store the constructor mapped, when it is the one cfg asks for. */
static struct cb_store *take_early_store(const struct cb_config *cfg)
{
	struct cb_store *st = NULL;
	if (early.store && same_state_settings(early.cfg, cfg))
		st = early.store;
	else if (early.store)
		cb_store_close(early.store);
	free(early.cfg); /* no breakers, no matcher: not cb_config_free's */
	early.cfg = NULL;
	early.store = NULL;
	return st;
}

/* Builds a runtime for cfg, reusing the old one's store when it is for the
 * same file (and not `reopen`). */
static struct cb_runtime *build_runtime(struct cb_config *cfg, const struct cb_runtime *old,
                                        bool reopen)
{
	struct cb_runtime *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	rt->cfg = cfg;
	rt->n = (uint32_t)cfg->n_breakers;
	rt->generation = ++source.generation;
	if (old && !reopen && same_state_file(old->cfg, cfg)) {
		rt->store = old->store;
	} else if (!old && (rt->store = take_early_store(cfg)) != NULL) {
		/* mapped before main(), as the privileges then allowed */
	} else {
		char warn[512] = "";
		rt->store = cb_store_open(cfg, warn, sizeof(warn));
		if (warn[0])
			cb_log(CB_LOG_WARN, "%s", warn);
	}
	rt->breakers = calloc(rt->n ? rt->n : 1, sizeof(*rt->breakers));
	if (cfg->global.discover) {
		rt->discovery = cb_discovery_new(cfg->global.discover);
		rt->discover_rt.rt = rt;
		rt->miss = &rt->discover_rt;
	}
	if (!rt->store || !rt->breakers || (cfg->global.discover && !rt->discovery))
		goto fail;
	for (uint32_t i = 0; i < rt->n; i++) {
		struct cb_breaker_rt *b = &rt->breakers[i];
		b->rt = rt;
		b->cfg = &cfg->breakers[i];
		b->slot = choose_slot(b, old, rt->store);
		if (!b->slot)
			goto fail;
		if (b->cfg->scope == CB_SCOPE_ENDPOINT && !(b->endpoints = cb_endpoints_new(b)))
			goto fail;
	}
	return rt;
fail:
	cb_log(CB_LOG_ERROR, "out of memory; passing everything through");
	for (uint32_t i = 0; rt->breakers && i < rt->n; i++)
		free(rt->breakers[i].endpoints);
	free(rt->breakers);
	free(rt);
	return NULL;
}

static void publish(struct cb_runtime *rt)
{
	cb_log_configure(&rt->cfg->global);
	atomic_store_explicit(&current, rt, memory_order_release);
}

static void load_first(void)
{
	/* The constructor's choice when it made one: nginx, for one, gives its
	 * workers an empty environment, so CBREAKER_CONFIG is gone by the
	 * time they connect. */
	if (!source.path[0])
		snprintf(source.path, sizeof(source.path), "%s", cb_config_default_path());
	if (stat(source.path, &source.seen) != 0) {
		/* No configuration: the shim does nothing at all, silently for
		 * the default path; a path someone set is a mistake to show
		 * (README "Configuration"). */
		if (cb_config_path_is_explicit())
			cb_log(CB_LOG_WARN, "CBREAKER_CONFIG=%s: %s; protection is off",
			       source.path, errno == ENOENT ? "no such file" : strerror(errno));
		return;
	}
	source.watching = true;

	struct cb_diag diag;
	memset(&diag, 0, sizeof(diag));
	struct cb_config *cfg;
	if (early.text) {
		/* Read before main(), perhaps with privileges since dropped;
		 * a change since is the next reload's. */
		source.seen = early.seen;
		cfg = cb_config_load_text(source.path, early.text, early.len, &diag);
		early.text = NULL;
	} else {
		cfg = cb_config_load(source.path, &diag);
	}
	if (!cfg) {
		log_diag(&diag, "passing everything through");
		return;
	}
	struct cb_runtime *rt = build_runtime(cfg, NULL, false);
	if (!rt) {
		cb_config_free(cfg);
		return;
	}
	publish(rt);
}

/* Another thread loads the configuration: its first calls wait for it, a
 * little, rather than go unprotected; false when the wait ran out. */
static bool wait_for_load(void)
{
	if (loading_here)
		return false; /* re-entered from the load itself */
	for (int i = 0; i < INIT_WAIT_MS * 10; i++) {
		if (atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE)
			return true;
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
	return false;
}

/* False while another thread initialises (after a bounded wait). */
static bool ensure_initialised(void)
{
	int state = atomic_load_explicit(&init_state, memory_order_acquire);
	if (state == INIT_DONE)
		return true;
	int expected = INIT_NOT_TRIED;
	if (!atomic_compare_exchange_strong(&init_state, &expected, INIT_RUNNING))
		return wait_for_load();
	loading_here = true;
	cb_process_init();
	load_first();
	loading_here = false;
	atomic_store_explicit(&next_check_s, coarse_now_s() + RELOAD_CHECK_S, memory_order_relaxed);
	atomic_store_explicit(&init_state, INIT_DONE, memory_order_release);
	return true;
}

static void reload_if_changed(void)
{
	struct stat now_seen;
	if (stat(source.path, &now_seen) != 0 || same_file_version(&now_seen, &source.seen))
		return;
	source.seen = now_seen;

	struct cb_diag diag;
	memset(&diag, 0, sizeof(diag));
	struct cb_config *cfg = cb_config_load(source.path, &diag);
	struct cb_runtime *old = atomic_load(&current);
	if (!cfg) {
		log_diag(&diag,
		         old ? "keeping the previous configuration" : "passing everything through");
		return;
	}
	struct cb_runtime *rt = build_runtime(cfg, old, false);
	if (!rt) {
		cb_config_free(cfg);
		return;
	}
	publish(rt);
	cb_log(CB_LOG_INFO, "%s: configuration reloaded (%u breakers)", source.path, rt->n);
}

/* A slot of the file that no longer passes cb_slot_check. */
static bool any_slot_damaged(const struct cb_runtime *rt)
{
	int64_t now = cb_now_ms();
	for (uint32_t i = 0; i < rt->n; i++) {
		const struct cb_breaker_rt *b = &rt->breakers[i];
		if (cb_store_holds(rt->store, b->slot) && cb_slot_check(b->slot, now))
			return true;
	}
	return false;
}

/* The state file removed or replaced (an operator's rm, a temp cleaner, a
 * new file moved over it) or written over: the process moves to what the
 * path holds now, so the host never stays split between two files; a
 * damaged slot is left for a private one. Same configuration, so the new
 * runtime shares it with the old (never freed either). */
static void follow_state_file(void)
{
	struct cb_runtime *old = atomic_load(&current);
	if (!old)
		return;
	bool moved = !cb_store_is_current(old->store);
	if (!moved && !any_slot_damaged(old))
		return;
	char path[PATH_MAX];
	if (moved && cb_store_state_path(old->cfg, path, sizeof(path)) == 0)
		cb_log(CB_LOG_WARN,
		       "state file %s was removed or replaced; moving to the file now there", path);
	struct cb_runtime *rt = build_runtime(old->cfg, old, moved);
	if (!rt)
		return;
	publish(rt);
	if (rt->store != old->store)
		cb_store_retire(old->store);
}

/* At most once a second: has the configuration file changed? */
static void periodic(void)
{
	int64_t now = coarse_now_ms();
	int64_t due = atomic_load_explicit(&next_check_s, memory_order_relaxed);
	if (now / 1000 < due)
		return;
	if (!atomic_compare_exchange_strong(&next_check_s, &due, now / 1000 + RELOAD_CHECK_S))
		return; /* another thread took this turn */
	int expected = 0;
	if (!source.watching || cb_process_in_vfork_child() ||
	    !atomic_compare_exchange_strong(&reloading, &expected, 1))
		return;
	reload_if_changed();
	follow_state_file();
	const struct cb_runtime *rt = atomic_load(&current);
	for (int i = 0; i < atomic_load(&n_tick_hooks); i++)
		tick_hooks[i](rt, now);
	atomic_store(&reloading, 0);
}

/* Initialisation and the once-a-second check; errno is kept, so that
 * cb_runtime_get never changes it and hooks need not save it. */
static __attribute__((noinline)) const struct cb_runtime *get_slow(void)
{
	CB_KEEP_ERRNO;
	if (!ensure_initialised())
		return NULL;
	periodic();
	return atomic_load_explicit(&current, memory_order_acquire);
}

/* Hot path: one load, the coarse clock (vDSO) and a compare. */
const struct cb_runtime *cb_runtime_get(void)
{
	if (__builtin_expect(atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE &&
	                             coarse_now_s() < atomic_load_explicit(&next_check_s,
	                                                                   memory_order_relaxed),
	                     1))
		return atomic_load_explicit(&current, memory_order_acquire);
	return get_slow();
}

void cb_runtime_on_tick(void (*tick)(const struct cb_runtime *rt, int64_t now_ms))
{
	int i = atomic_load(&n_tick_hooks);
	if (i < CB_RUNTIME_TICK_HOOKS) {
		tick_hooks[i] = tick;
		atomic_store(&n_tick_hooks, i + 1);
	}
}

int cb_runtime_dlopen_flags(int flags)
{
	if (!(flags & RTLD_DEEPBIND) || cb_busy)
		return flags;
	CB_INSIDE(inside);
	const struct cb_runtime *rt = cb_runtime_get();
	if (rt && rt->cfg->global.deepbind_strip)
		flags &= ~RTLD_DEEPBIND;
	return flags;
}

void cb_runtime_init_early(void)
{
	cb_process_init();
	/* A missing file, even an explicit one, waits for the first call:
	 * a shell script's every `sed` must not say so. */
	const char *path = cb_config_default_path();
	if (access(path, F_OK) != 0)
		return;
	snprintf(source.path, sizeof(source.path), "%s", path);
	/* Only the state is mapped now, for daemons that drop privileges
	 * later; every process on the box may load this library, and most
	 * never connect: the breakers are read at the first intercepted call
	 * (README "Performance"). */
	if (stat(path, &early.seen) != 0)
		return;
	early.cfg = cb_config_load_global(path, &early.text, &early.len);
	if (!early.text) {
		ensure_initialised(); /* unreadable: the full load says why, now */
		return;
	}
	if (!early.cfg || early.cfg->global.state_file_kind == CB_PATH_NONE) {
		free(early.cfg); /* private breakers: nothing to keep across a drop */
		early.cfg = NULL;
		return;
	}
	char warn[512] = "";
	early.store = cb_store_open(early.cfg, warn, sizeof(warn));
	if (warn[0])
		cb_log(CB_LOG_WARN, "%s", warn);
}

const struct cb_breaker_rt *cb_runtime_lookup(const struct cb_runtime *rt, const char *name,
                                              const struct sockaddr *addr, uint16_t port)
{
	int id = cb_matcher_lookup(rt->cfg->matcher, name, addr, port);
	return id < 0 || (uint32_t)id >= rt->n ? rt->miss : &rt->breakers[id];
}
