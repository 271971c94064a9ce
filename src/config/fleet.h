/* fleet.h - the [fleet] keys (README "Fleet mode"): names, defaults and
 * parsing into struct cb_fleet_config. Private to src/config: config.c
 * reads the section and reports errors with their line. */
#ifndef CB_CONFIG_FLEET_H
#define CB_CONFIG_FLEET_H

#include <stddef.h>

#include "config/config.h"

enum cb_fkey {
	CB_FKEY_REDIS,
	CB_FKEY_NAME,
	CB_FKEY_HOST_ID,
	CB_FKEY_QUORUM,
	CB_FKEY_MAX_OPEN,
	CB_FKEY_PASSWORD_FILE,
	CB_FKEY_COUNT
};

int cb_fleet_key_find(const char *name); /* enum cb_fkey, or -1 */
void cb_fleet_defaults(struct cb_fleet_config *f);
int cb_fleet_parse(struct cb_fleet_config *f, int key, const char *value, char *err, size_t errlen);

#endif
