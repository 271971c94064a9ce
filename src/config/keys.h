/* config_keys.h - the keys of the configuration (SPEC section 3): their
 * names, built-in defaults, and how each value is parsed into struct
 * cb_breaker_config or struct cb_global_config. config.c reads the file
 * and decides where a value goes; this module knows what a value means. */
#ifndef CB_CONFIG_KEYS_H
#define CB_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* Breaker keys, in the SPEC's order. */
enum cb_key {
	CB_KEY_HOSTS,
	CB_KEY_FAILURE_THRESHOLD,
	CB_KEY_FAILURE_RATE,
	CB_KEY_MIN_CALLS,
	CB_KEY_WINDOW,
	CB_KEY_SLOW_CALL_DURATION,
	CB_KEY_SLOW_CALL_RATE,
	CB_KEY_OPEN_TIMEOUT,
	CB_KEY_OPEN_TIMEOUT_MAX,
	CB_KEY_BACKOFF_MULTIPLIER,
	CB_KEY_JITTER,
	CB_KEY_HALF_OPEN_MAX_CALLS,
	CB_KEY_SUCCESS_THRESHOLD,
	CB_KEY_CONNECT_TIMEOUT,
	CB_KEY_FAILURE_ERRORS,
	CB_KEY_REJECT_ERRNO,
	CB_KEY_HTTP_FAILURE_STATUS,
	CB_KEY_CURL_FAILURE_CODES,
	CB_KEY_SCOPE,
	CB_KEY_RETRY_AFTER,
	CB_KEY_MAX_CONNECTIONS,
	CB_KEY_MODE,
	CB_KEY_COUNT
};

/* [global] keys. */
enum cb_gkey {
	CB_GKEY_STATE_FILE,
	CB_GKEY_SOCKET,
	CB_GKEY_LOG,
	CB_GKEY_LOG_LEVEL,
	CB_GKEY_MODE,
	CB_GKEY_DEEPBIND,
	CB_GKEY_DISCOVER,
	CB_GKEY_STATE_GROUP,
	CB_GKEY_STATE_MODE,
	CB_GKEY_COUNT
};

/* Upper bound of `discover`: each discovered destination takes a slot in
 * the state file, so an unbounded value could grow it without limit. */
#define CB_DISCOVER_MAX 4096

/* Largest backoff_multiplier: beyond it the first failed probe already
 * reaches any sensible open_timeout_max. */
#define CB_BACKOFF_MAX 1000

int cb_keys_breaker_find(const char *name); /* enum cb_key, or -1 */
const char *cb_keys_breaker_name(int key);

/* Keys whose value is a list, which may go on over continuation lines. */
bool cb_keys_breaker_is_list(int key);

/* The built-in defaults (mode = enforce; open_timeout_max = open_timeout:
 * config.c resolves both once the whole file is read). */
void cb_keys_breaker_defaults(struct cb_breaker_config *b);

/* Parses `value` for `key` (any but CB_KEY_HOSTS) into b. `more` is set
 * for a continuation line: a list then grows instead of starting over. */
int cb_keys_breaker_parse(struct cb_breaker_config *b, int key, const char *value, bool more,
                          char *err, size_t errlen);

/* Copies key's value from src to dst ([defaults] into a breaker). */
void cb_keys_breaker_inherit(struct cb_breaker_config *dst, const struct cb_breaker_config *src,
                             int key);

int cb_keys_global_find(const char *name); /* enum cb_gkey, or -1 */
void cb_keys_global_defaults(struct cb_global_config *g);
int cb_keys_global_parse(struct cb_global_config *g, int key, const char *value, char *err,
                         size_t errlen);

#endif
