/* runtime.h - the shim's live state: the configuration in force, the store
 * its breakers live in, and the glue every hook uses to ask a breaker and
 * report back (logging and events included).
 *
 * A runtime is immutable once published and never freed (a reload publishes
 * a new one), so a hook may keep pointers into it across a reload. */
#ifndef CB_RUNTIME_H
#define CB_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "breaker.h"
#include "config.h"
#include "store.h"

struct cb_runtime;

struct cb_breaker_rt {
	const struct cb_runtime *rt;
	const struct cb_breaker_config *cfg;
	struct cb_slot *slot;
};

struct cb_runtime {
	struct cb_config *cfg;
	struct cb_store *store;
	uint32_t n;                     /* = cfg->n_breakers */
	struct cb_breaker_rt *breakers; /* index = breaker id in cfg */
	uint64_t generation;            /* 1 for the first load, +1 per reload */
};

/* The runtime in force, or NULL: pass everything through (no configuration,
 * a broken one, or initialisation under way in another thread). Loads the
 * configuration on first use and looks for a changed file at most once a
 * second. Never blocks, never allocates after the first successful load
 * except while reloading. */
const struct cb_runtime *cb_runtime_get(void);

/* Called from the library constructor: loads now if a configuration file
 * exists, so that state is mapped before a daemon drops privileges. */
void cb_runtime_init_early(void);

/* The breaker for a destination (see cb_matcher_lookup), or NULL. */
const struct cb_breaker_rt *cb_runtime_lookup(const struct cb_runtime *rt, const char *name,
                                              const struct sockaddr *addr, uint16_t port);

/* One protected call: begin() decides (counting a rejection, logging and
 * publishing any transition); end() records the outcome exactly once. */
struct cb_guard {
	const struct cb_breaker_rt *b;
	struct cb_ticket ticket;
};
bool cb_guard_begin(const struct cb_breaker_rt *b, struct cb_guard *g);
void cb_guard_end(struct cb_guard *g, enum cb_outcome o, const struct cb_failure *f);

/* For a connection made inside a transfer that already holds a guard for
 * the same breaker: true unless the breaker is open or forced open now.
 * Takes no permit and counts nothing. */
bool cb_guard_peek(const struct cb_breaker_rt *b);

/* Operator actions through the runtime (control socket), logged and
 * published like any transition. */
void cb_guard_force(const struct cb_breaker_rt *b, enum cb_state to);
void cb_guard_reset(const struct cb_breaker_rt *b);

/* The breaker a curl transfer on this thread holds a guard for, so that the
 * connections it makes are enforced but not counted twice. */
extern __thread const struct cb_breaker_rt *cb_transfer_breaker
        __attribute__((tls_model("initial-exec")));

/* A vfork() child shares its parent's memory until it execs and runs no
 * atfork handlers: it must leave the parent's tables alone (connects in
 * flight, socket types), and never reload or start a control server (a
 * thread in the parent's memory that dies at exec). True in such a child:
 * its pid is not the one cached at start-up or refreshed after fork().
 * Costs one getpid() system call: ask only when there is something to
 * change. */
bool cb_runtime_in_vfork_child(void);

/* Per-process facts for struct cb_env; pid is refreshed after fork. */
void cb_runtime_env(struct cb_env *env);

#endif
