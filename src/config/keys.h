/* keys.h - the configuration's keys (keys.def): their ids, the look-up by
 * name, the built-in defaults, and what each value means once parsed into
 * struct cb_breaker_config or struct cb_global_config. config.c reads the
 * file and decides where a value goes; this module knows what it means. */
#ifndef CB_CONFIG_KEYS_H
#define CB_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct cb_breaker_config;
struct cb_global_config;

/* Breaker keys: CB_KEY_HOSTS, CB_KEY_FAILURE_THRESHOLD, ... */
enum cb_key {
#define CB_BREAKER_KEY(id, name, kind, type, field, dflt, bounds) CB_KEY_##id,
#include "config/keys.def"
#undef CB_BREAKER_KEY
	CB_KEY_COUNT
};

/* [global] keys: CB_GKEY_STATE_FILE, ... */
enum cb_gkey {
#define CB_GLOBAL_KEY(id, name, dflt) CB_GKEY_##id,
#include "config/keys.def"
#undef CB_GLOBAL_KEY
	CB_GKEY_COUNT
};

/* Upper bound of `discover`: each discovered destination takes a slot in
 * the state file, so an unbounded value could grow it without limit. */
#define CB_DISCOVER_MAX 4096

/* Largest backoff_multiplier (see keys.def). */
#define CB_BACKOFF_MAX 1000

int cb_keys_breaker_find(const char *name); /* enum cb_key, or -1 */
const char *cb_keys_breaker_name(int key);

/* Keys whose value is a list, which may go on over continuation lines. */
bool cb_keys_breaker_is_list(int key);

/* The built-in defaults of keys.def. Keys without one are left zero:
 * config.c gives open_timeout_max and mode theirs once the whole file is
 * read. */
void cb_keys_breaker_defaults(struct cb_breaker_config *b);

/* Parses `value` for `key` (any but CB_KEY_HOSTS) into b. `more` is set
 * for a continuation line: a list then grows instead of starting over. */
int cb_keys_breaker_parse(struct cb_breaker_config *b, int key, const char *value, bool more,
                          char *err, size_t errlen);

/* Copies key's value from src to dst ([defaults] into a breaker). */
void cb_keys_breaker_inherit(struct cb_breaker_config *dst, const struct cb_breaker_config *src,
                             int key);

/* Writes key's value as a user would (`30s`, `50%`, `service`, names of
 * errno values and CURLcodes, `500-599`), so that it parses back to the
 * same value. */
void cb_keys_breaker_format(const struct cb_breaker_config *b, int key, char *buf, size_t len);

int cb_keys_global_find(const char *name); /* enum cb_gkey, or -1 */
void cb_keys_global_defaults(struct cb_global_config *g);
int cb_keys_global_parse(struct cb_global_config *g, int key, const char *value, char *err,
                         size_t errlen);

#endif
