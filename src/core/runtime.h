/* runtime.h - the shim's live state: the configuration in force and the
 * store its breakers live in, loaded on first use and reloaded when the
 * file changes; and the periodic work that rides on intercepted calls.
 *
 * A runtime is immutable once published and never freed (a reload publishes
 * a new one), so a hook may keep pointers into it across a reload. */
#ifndef CB_RUNTIME_H
#define CB_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "core/breaker.h"
#include "state/state.h"

struct cb_runtime;
struct cb_discovery;
struct cb_endpoints;

struct cb_breaker_rt {
	const struct cb_runtime *rt;
	const struct cb_breaker_config *cfg;
	struct cb_slot *slot;
	/* Why the state file's slot of this breaker failed cb_slot_check, or
	 * NULL. Then `slot` is private to the process: the breaker starts
	 * closed here and never acts on the file's garbage. */
	const char *damaged;
	/* scope = endpoint (core/endpoint.h): the breaker's table of
	 * endpoints; and in each endpoint's own entry, the breaker it is
	 * of (same cfg, its own slot). NULL otherwise. */
	struct cb_endpoints *endpoints;
	const struct cb_breaker_rt *parent;
};

struct cb_runtime {
	struct cb_config *cfg;
	struct cb_store *store;
	uint32_t n;                     /* = cfg->n_breakers */
	struct cb_breaker_rt *breakers; /* index = breaker id in cfg */
	uint64_t generation;            /* 1 for the first load, +1 per reload */
	struct cb_discovery *discovery; /* `discover = N` (core/discover.h), NULL when off */
	/* What a look-up that finds no breaker returns: NULL, or with
	 * discovery on &discover_rt, which has no configuration and stands
	 * for "ask cb_discovery_lookup" (so that a configuration without
	 * discovery pays nothing for it on the unmatched path). */
	const struct cb_breaker_rt *miss;
	struct cb_breaker_rt discover_rt;
};

/* The runtime in force, or NULL: pass everything through (no configuration,
 * a broken one, or initialisation under way in another thread). Loads the
 * configuration on first use and looks for a changed file at most once a
 * second. Never blocks, never allocates after the first successful load
 * except while reloading. */
const struct cb_runtime *cb_runtime_get(void);

/* Called from the library constructor: when a configuration file exists,
 * maps the state file it names now (only its [global] section is read), so
 * that daemons that drop privileges keep it; the breakers are loaded at the
 * first intercepted call (cb_runtime_get). */
void cb_runtime_init_early(void);

/* The breaker for a destination (see cb_matcher_lookup), or rt->miss:
 * NULL, or (discovery on) a breaker without cfg for discovery to name. */
const struct cb_breaker_rt *cb_runtime_lookup(const struct cb_runtime *rt, const char *name,
                                              const struct sockaddr *addr, uint16_t port);

/* The breaker a curl transfer on this thread holds a guard for, so that the
 * connections it makes are enforced but not counted twice. */
extern __thread const struct cb_breaker_rt *cb_transfer_breaker
        __attribute__((tls_model("initial-exec")));
/* That transfer's circumstances, one byte so that a transfer saves and
 * restores them at once: TO_FALLBACK, its breaker turned it away to the
 * fallback and every connection it makes goes there (README "Fallback
 * addresses"); OVER_LIMIT, a connection of it was refused for
 * max_connections, so its failure is that rejection, not the service's
 * (README "Connection limits"). */
#define CB_TRANSFER_TO_FALLBACK 1u
#define CB_TRANSFER_OVER_LIMIT  2u
extern __thread uint8_t cb_transfer_flags __attribute__((tls_model("initial-exec")));

/* Periodic work other modules need (the control server): each hook runs
 * at most once a second, from an intercepted call, never in a vfork child,
 * after any reload, with the runtime then in force (NULL: none). Register
 * at start-up, before the first intercepted call; at most
 * CB_RUNTIME_TICK_HOOKS. */
#define CB_RUNTIME_TICK_HOOKS 4
void cb_runtime_on_tick(void (*tick)(const struct cb_runtime *rt, int64_t now_ms));

/* dlopen's flags as the program gave them, without RTLD_DEEPBIND when a
 * configuration in force says `deepbind = strip` (README "What the shim
 * intercepts"): PHP's extensions would otherwise bind past the shim. */
int cb_runtime_dlopen_flags(int flags);

#endif
