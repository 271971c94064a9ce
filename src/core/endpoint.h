/* endpoint.h - the sub-breakers of a breaker with scope = endpoint (README
 * "Endpoint scope"): one per destination address and port, host-wide, up
 * to CB_ENDPOINTS_MAX per breaker, each judging with the breaker's keys.
 *
 * In the state file a breaker's endpoints are slots named "@HASH.I" (the
 * breaker's name hashed, I from 1 to CB_ENDPOINTS_MAX; a name no
 * configured breaker can have), flagged CB_SLOT_ENDPOINT, made on first
 * need by the store's lock-free claim. Each holds the address it judges
 * (slot.h, `endpoint`), given by compare-and-swap. When every one is
 * taken, the one that no connect and no resolver answer has named for
 * CB_ENDPOINT_IDLE_MS goes to the new address, so that a breaker whose
 * DNS answers changed judges what the program now talks to; with none
 * idle, the address is judged by the breaker as a whole.
 *
 * Each runtime's breaker keeps the slots this process found, in order, in
 * a table built once (cb_endpoints_new) and extended under a try-lock:
 * a caller that finds it taken (another thread, or a signal handler
 * interrupting this one) is judged by the breaker as a whole for that
 * call rather than wait. */
#ifndef CB_ENDPOINT_H
#define CB_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "core/runtime.h"
#include "state/state.h"

#define CB_ENDPOINT_IDLE_MS (10 * 60 * 1000)

struct cb_endpoints;

/* The table for breaker b (scope = endpoint); NULL when memory runs out
 * (the breaker is then judged as a whole). */
struct cb_endpoints *cb_endpoints_new(const struct cb_breaker_rt *b);

/* The sub-breaker a connect to `to` is judged by: its endpoint's, made on
 * first sight; b itself while b is forced open or disabled (an operator's
 * word covers every address), or when no endpoint can be had. Notes the
 * address as seen at now_ms. */
const struct cb_breaker_rt *cb_endpoint_for(const struct cb_breaker_rt *b,
                                            const struct cb_address *to, int64_t now_ms);

/* Would a connect to `to` be turned away now (its endpoint open with its
 * retry time ahead, or b forced open)? Makes no endpoint; notes a known
 * one as seen. For reordering resolver answers: never true in observe
 * mode. */
bool cb_endpoint_rejects(const struct cb_breaker_rt *b, const struct cb_address *to,
                         int64_t now_ms);

/* Does every endpoint of b known host-wide (at least one, not idle)
 * turn calls away now? For a curl transfer, rejected up front only then. */
bool cb_endpoints_all_reject(const struct cb_breaker_rt *b, int64_t now_ms);

/* The endpoints of the breaker named `breaker` in st that are in use (not
 * idle at now_ms), in slot order, for display and for an operator's
 * reset: up to max of them. Returns how many. */
struct cb_endpoint_view {
	struct cb_slot *slot;
	char address[CB_ADDRSTR_MAX]; /* "10.0.0.7:443" */
};
size_t cb_endpoints_list(struct cb_store *st, const char *breaker, int64_t now_ms,
                         struct cb_endpoint_view *out, size_t max);

/* "api@10.0.0.7:443": how logs and events name an endpoint's sub-breaker
 * (its slot), or the breaker's own name for any other slot. */
void cb_endpoint_label(const char *breaker, const struct cb_slot *slot, char *buf, size_t len);

#endif
