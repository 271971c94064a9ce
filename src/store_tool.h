/* store_tool.h - what the `cbreaker` tool needs from the store beyond
 * store.h: the owner rule with the configuration's state_group, and the
 * private directory of auto paths, to say why it is unusable. */
#ifndef CB_STORE_TOOL_H
#define CB_STORE_TOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

/* cb_store_attach with the owner rule of store_file.c: the file must be
 * owned by the caller's euid or root, or (cfg naming a state_group) be
 * group-writable by that group. cfg may be NULL (no state_group). */
struct cb_store *cb_store_attach_for(const char *path, const struct cb_config *cfg, bool writable,
                                     char *err, size_t errlen);

/* The euid's private directory for auto paths (store_path.c), created mode
 * 0700 when missing; -1 with the reason in why when it cannot be made or is
 * not a directory of the euid's, mode 0700, reached without a symlink. */
int cb_store_private_dir(char *buf, size_t len, char *why, size_t whylen);

#endif
