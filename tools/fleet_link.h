/* fleet_link.h - the fleet agent's two connections to Redis (README
 * "Fleet mode"): one for commands, one subscribed to the fleet's channel.
 * Every call is bounded: connecting and each reply wait at most
 * CB_FLEET_LINK_TIMEOUT_MS, and any error or timeout closes the link (the
 * agent then reconnects with backoff). Replies are checked for the exact
 * type expected; anything else is an error. */
#ifndef CB_TOOL_FLEET_LINK_H
#define CB_TOOL_FLEET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define CB_FLEET_LINK_TIMEOUT_MS 1000

struct redisContext;

struct cb_fleet_redis {
	struct redisContext *cmd, *sub;
	char why[256]; /* the last error, for the log */
};

/* Connects both, AUTH (password "PASS" or "USER PASS", may be NULL), PING,
 * SUBSCRIBE channel. false with l->why set (and nothing left open). */
bool cb_fleet_link_open(struct cb_fleet_redis *l, const struct cb_fleet_config *fc,
                        const char *password, const char *channel);
void cb_fleet_link_close(struct cb_fleet_redis *l);

/* The subscription's descriptor, to poll for POLLIN. */
int cb_fleet_link_sub_fd(const struct cb_fleet_redis *l);

/* Reads what has arrived on the subscription and hands each published
 * payload to fn (exactly its bytes; oversized ones too, for fn to refuse).
 * false on an error or the server's hang-up. */
bool cb_fleet_link_read(struct cb_fleet_redis *l,
                        void (*fn)(void *ctx, const char *data, size_t len), void *ctx);

/* SET key value PX ms, then PUBLISH channel msg: one round trip. */
bool cb_fleet_link_set_publish(struct cb_fleet_redis *l, const char *key, const char *value,
                               uint64_t ms, const char *channel, const char *msg);
/* DEL key, then PUBLISH channel msg: one round trip. */
bool cb_fleet_link_del_publish(struct cb_fleet_redis *l, const char *key, const char *channel,
                               const char *msg);
bool cb_fleet_link_del(struct cb_fleet_redis *l, const char *key);
bool cb_fleet_link_ping(struct cb_fleet_redis *l);

/* One SCAN step over `pattern` from *cursor (0 to start; 0 again when
 * done): fn gets each key found; keys of other hosts may ask for their
 * value and time left with cb_fleet_link_get_pttl. */
bool cb_fleet_link_scan(struct cb_fleet_redis *l, const char *pattern, uint64_t *cursor,
                        void (*fn)(void *ctx, const char *key, size_t len), void *ctx);

/* GET key and PTTL key in one round trip. *found is false when the key
 * is gone or holds no string; value gets at most vlen - 1 bytes (*vn the
 * whole length, so the caller can refuse an oversized one). */
bool cb_fleet_link_get_pttl(struct cb_fleet_redis *l, const char *key, bool *found, char *value,
                            size_t vlen, size_t *vn, int64_t *pttl_ms);

#endif
