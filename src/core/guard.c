/* guard.c - asking and reporting to breakers, and announcing the
 * transitions this process wins (see guard.h). */
#include "core/guard.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/endpoint.h"
#include "core/log.h"
#include "core/runtime.h"

static __thread uint64_t random_state __attribute__((tls_model("initial-exec")));
static __thread uint32_t random_pid __attribute__((tls_model("initial-exec")));

static bool pid_alive(uint32_t pid)
{
	CB_KEEP_ERRNO;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* xorshift64*: jitter needs spread, not secrecy, and must not lock. A fork
 * child reseeds (a new pid), so that parent and child do not spread alike. */
static uint64_t next_random(uint32_t pid)
{
	uint64_t x = random_state;
	if (x == 0 || random_pid != pid) {
		x = (uint64_t)cb_now_ms() ^ ((uint64_t)pid << 32) ^ (uint64_t)(uintptr_t)&x;
		random_pid = pid;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	random_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* The random number is only ever jitter on an opening: drawn only when
 * `random` (the breaker has jitter), 0 otherwise. */
static void fill_env(struct cb_env *env, bool wall, bool random)
{
	env->now_ms = cb_now_ms();
	env->wall_ms = wall ? cb_wall_ms() : 0;
	env->pid = cb_process_pid();
	env->random = random ? next_random(env->pid) : 0;
	env->pid_alive = pid_alive;
}

void cb_guard_env(struct cb_env *env, bool wall)
{
	fill_env(env, wall, true);
}

/* Logs a transition this process won and adds it to the shared event ring. */
static void announce(struct cb_store *st, const char *name, struct cb_transition *tr,
                     const struct cb_env *env)
{
	if (tr->cause != CB_CAUSE_OPERATOR)
		tr->uid = (uint32_t)geteuid(); /* a system call, on transitions only */
	cb_log_transition(name, tr);
	struct cb_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.wall_ms = env->wall_ms ? env->wall_ms : cb_wall_ms();
	ev.pid = env->pid;
	ev.from = (uint8_t)tr->from;
	ev.to = (uint8_t)tr->to;
	ev.cause = (uint8_t)tr->cause;
	ev.count = tr->count;
	ev.rate = tr->rate;
	ev.retry_in_ms = tr->retry_in_ms;
	ev.last_error = tr->last_error;
	ev.uid = tr->uid;
	snprintf(ev.breaker, sizeof(ev.breaker), "%s", name);
	memcpy(ev.last_address, tr->last_address, sizeof(ev.last_address));
	cb_store_push_event(st, &ev);
}

/* A transition of b: an endpoint's is named "breaker@address". */
static void announce_of(const struct cb_breaker_rt *b, struct cb_transition *tr,
                        const struct cb_env *env)
{
	char label[CB_NAME_MAX];
	const char *name = b->cfg->name;
	if (b->parent) {
		cb_endpoint_label(b->cfg->name, b->slot, label, sizeof(label));
		name = label;
	}
	announce(b->rt->store, name, tr, env);
}

/* Connects of any process still pending past their deadline: each a
 * timeout failure, counted in the state the breaker is in now. */
static void reap(const struct cb_breaker_rt *b, const struct cb_env *now)
{
	uint32_t n = cb_breaker_due_take_expired(b->slot, now->now_ms);
	struct cb_env with_wall = *now;
	const struct cb_env *env = &with_wall;
	if (n && !with_wall.wall_ms)
		with_wall.wall_ms = cb_wall_ms(); /* for last_failure */
	for (uint32_t i = 0; i < n; i++) {
		struct cb_ticket t = {
		        .state_word = atomic_load_explicit(&b->slot->state, memory_order_acquire),
		        .start_ms = env->now_ms,
		        .lease = -1};
		struct cb_failure f = {CB_ERROR(CB_ERR_ERRNO, ETIMEDOUT), NULL};
		struct cb_transition tr;
		cb_breaker_record(b->slot, b->cfg, env, &t, CB_OUTCOME_FAILURE, &f, &tr);
		if (tr.happened)
			announce_of(b, &tr, env);
	}
}

void cb_guard_reap(const struct cb_breaker_rt *b)
{
	CB_KEEP_ERRNO;
	struct cb_env env;
	cb_guard_env(&env, false);
	reap(b, &env);
}

bool cb_guard_begin(const struct cb_breaker_rt *b, struct cb_guard *g)
{
	CB_KEEP_ERRNO;
	struct cb_env env;
	struct cb_transition tr;
	fill_env(&env, false, b->cfg->jitter != 0);
	/* Deadlines are registered only with connect_timeout; any left from
	 * an earlier configuration are the once-a-second turn's. */
	if (b->cfg->connect_timeout_ms)
		reap(b, &env);
	g->b = b; /* decide() and record() clear tr themselves */
	bool allowed = cb_breaker_decide(b->slot, b->cfg, &env, &g->ticket, &tr);
	if (tr.happened)
		announce_of(b, &tr, &env);
	if (g->ticket.would_reject)
		cb_log(CB_LOG_DEBUG, "%s: observe mode: would have rejected this call",
		       b->cfg->name);
	return allowed;
}

void cb_guard_end(struct cb_guard *g, enum cb_outcome o, const struct cb_failure *f)
{
	CB_KEEP_ERRNO;
	struct cb_env env;
	struct cb_transition tr;
	fill_env(&env, o == CB_OUTCOME_FAILURE, g->b->cfg->jitter != 0);
	cb_breaker_record(g->b->slot, g->b->cfg, &env, &g->ticket, o, f, &tr);
	if (tr.happened)
		announce_of(g->b, &tr, &env);
}

void cb_guard_end_uncounted(struct cb_guard *g)
{
	cb_breaker_release(g->b->slot, &g->ticket);
}

bool cb_guard_peek(const struct cb_breaker_rt *b)
{
	if (b->cfg->mode == CB_MODE_OBSERVE)
		return true;
	enum cb_state state = cb_slot_state(b->slot);
	return state != CB_OPEN && state != CB_FORCED_OPEN;
}

enum cb_place cb_guard_conn_take(const struct cb_breaker_rt *b)
{
	CB_KEEP_ERRNO;
	uint32_t max = b->cfg->max_connections;
	if (max == 0)
		return CB_PLACE_NONE;
	struct cb_env env;
	cb_guard_env(&env, false);
	enum cb_conn_take r = cb_breaker_conn_take(b->slot, max, &env);
	if (r == CB_CONN_FULL && b->cfg->mode == CB_MODE_OBSERVE) {
		atomic_fetch_add_explicit(&b->slot->would_reject, 1, memory_order_relaxed);
		cb_log(CB_LOG_DEBUG,
		       "%s: observe mode: would have rejected this connection (%u held)",
		       b->cfg->name, max);
		r = cb_breaker_conn_take(b->slot, UINT32_MAX, &env);
	}
	switch (r) {
	case CB_CONN_TAKEN:
		return CB_PLACE_TAKEN;
	case CB_CONN_FULL:
		cb_slot_count_rejected(b->slot);
		return CB_PLACE_REFUSED;
	case CB_CONN_UNCOUNTED:
	default:
		return CB_PLACE_NONE;
	}
}

void cb_guard_conn_give(const struct cb_breaker_rt *b)
{
	cb_breaker_conn_give(b->slot, cb_process_pid());
}

void cb_guard_conn_reclaim(const struct cb_breaker_rt *b)
{
	if (b->cfg->max_connections == 0)
		return;
	CB_KEEP_ERRNO;
	struct cb_env env;
	cb_guard_env(&env, false);
	cb_breaker_conn_reclaim(b->slot, &env);
}

void cb_guard_rejected(const struct cb_breaker_rt *b)
{
	cb_slot_count_rejected(b->slot);
}

void cb_guard_fallback_missed(const struct cb_breaker_rt *b)
{
	/* Never below 0: a reset may have cleared the count meanwhile. */
	uint64_t n = atomic_load_explicit(&b->slot->fallbacks, memory_order_relaxed);
	while (n &&
	       !atomic_compare_exchange_weak_explicit(&b->slot->fallbacks, &n, n - 1,
	                                              memory_order_relaxed, memory_order_relaxed))
		;
	cb_guard_rejected(b);
}

int cb_operator_action_from_name(const char *verb)
{
	if (strcmp(verb, "reset") == 0)
		return CB_ACTION_RESET;
	if (strcmp(verb, "force-open") == 0)
		return CB_ACTION_FORCE_OPEN;
	if (strcmp(verb, "disable") == 0)
		return CB_ACTION_DISABLE;
	return -1;
}

/* A reset of a breaker with scope = endpoint resets each of its
 * endpoints too (README "Endpoint scope"). */
static void reset_endpoints(struct cb_store *st, const struct cb_breaker_config *cfg,
                            const struct cb_env *env, uid_t by)
{
	struct cb_endpoint_view *v = malloc(CB_ENDPOINTS_MAX * sizeof(*v));
	size_t n = v ? cb_endpoints_list(st, cfg->name, env->now_ms, v, CB_ENDPOINTS_MAX) : 0;
	for (size_t i = 0; i < n; i++) {
		struct cb_transition tr;
		memset(&tr, 0, sizeof(tr));
		cb_breaker_reset(v[i].slot, cfg, env, &tr);
		tr.uid = (uint32_t)by;
		char label[CB_NAME_MAX];
		cb_endpoint_label(cfg->name, v[i].slot, label, sizeof(label));
		if (tr.happened)
			announce(st, label, &tr, env);
	}
	free(v);
}

void cb_guard_operate(struct cb_store *st, struct cb_slot *slot,
                      const struct cb_breaker_config *cfg, enum cb_operator_action action, uid_t by)
{
	CB_KEEP_ERRNO;
	struct cb_env env;
	struct cb_transition tr;
	cb_guard_env(&env, true);
	memset(&tr, 0, sizeof(tr));
	if (action == CB_ACTION_RESET)
		cb_breaker_reset(slot, cfg, &env, &tr);
	else
		cb_breaker_force(slot, action == CB_ACTION_DISABLE ? CB_DISABLED : CB_FORCED_OPEN,
		                 &env, &tr);
	tr.uid = (uint32_t)by;
	if (tr.happened)
		announce(st, cfg->name, &tr, &env);
	if (action == CB_ACTION_RESET && cfg->scope == CB_SCOPE_ENDPOINT)
		reset_endpoints(st, cfg, &env, by);
}

bool cb_guard_fleet_open(struct cb_store *st, struct cb_slot *slot,
                         const struct cb_breaker_config *cfg, uint64_t open_ms, const char *by)
{
	CB_KEEP_ERRNO;
	struct cb_env env;
	struct cb_transition tr;
	cb_guard_env(&env, true);
	bool opened = cb_breaker_open_remote(slot, &env, open_ms, by, &tr);
	if (tr.happened)
		announce(st, cfg->name, &tr, &env);
	return opened;
}
