/* discover.h - breakers for destinations no configured breaker covers
 * (README "Discovery", `discover = N`): observe-only, named `name:port`
 * when the program resolved that name, else `ip:port`, each with a slot
 * of its own in the state file flagged CB_SLOT_DISCOVERED, at most N of
 * them host-wide. Each runtime keeps the ones this process met in a
 * fixed table (lock-free, allocated when the runtime is built), keyed by
 * address and port, so that a destination is looked for in the store
 * once per process and configuration; beyond N, a destination costs one
 * probe of that table. */
#ifndef CB_DISCOVER_H
#define CB_DISCOVER_H

#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "core/runtime.h"

struct cb_discovery;

/* The table for a runtime with `discover = max` (max > 0); NULL when
 * memory runs out (nothing is then discovered). */
struct cb_discovery *cb_discovery_new(uint32_t max);

/* The discovered breaker for addr, with its port (name: what the program resolved
 * to addr, or NULL), made on first sight while there is room, else NULL.
 * For connect(), after the configured breakers missed. */
const struct cb_breaker_rt *cb_discovery_lookup(const struct cb_runtime *rt, const char *name,
                                                const struct sockaddr *addr);

/* The configuration a discovered breaker named `name` runs with, for
 * display: cfg's template (the [defaults], observe mode), that name, and
 * hosts the name itself. */
void cb_discovery_config(const struct cb_config *cfg, const char *name,
                         struct cb_breaker_config *out);

/* The breakers discovery made in st, for display: up to max of them,
 * each with its configuration (as cb_discovery_config) and slot, in the
 * store's order. Returns how many. */
size_t cb_discovery_list(const struct cb_config *cfg, struct cb_store *st,
                         struct cb_breaker_config *cfgs, const struct cb_slot **slots, size_t max);

#endif
