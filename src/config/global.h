/* global.h - the parsers of the [global] keys (global.c), one per key of
 * keys.def, named cb_global_<key>: each sets the fields of struct
 * cb_global_config that its key decides. keys.c finds them by name. */
#ifndef CB_CONFIG_GLOBAL_H
#define CB_CONFIG_GLOBAL_H

#include <stddef.h>

struct cb_global_config;

#define CB_GLOBAL_KEY(id, name, dflt)                                                              \
	int cb_global_##name(struct cb_global_config *g, const char *value, char *err,             \
	                     size_t errlen);
#include "config/keys.def"
#undef CB_GLOBAL_KEY

#endif
