/* store.h - where the slots live (README "Shared state"): a file mapped by every
 * process that uses the same configuration, or private memory
 * (state_file = none, or when the file cannot be used safely).
 *
 * The file: a header (magic, layout version, size, capacity), an event ring
 * of recent transitions, then `capacity` slots found by breaker name
 * (open addressing on a hash of the name). Created once, atomically:
 * written under a temporary name and link(2)ed into place. */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "state/slot.h"

struct cb_store;

/* One state change, as `cbreaker events` shows it. */
struct cb_event {
	uint64_t seq; /* 1, 2, ...: position in the ring */
	int64_t wall_ms;
	uint32_t pid;            /* the process that made the change */
	uint8_t from, to, cause; /* enum cb_state, enum cb_cause */
	uint32_t count, rate;
	uint64_t retry_in_ms;
	uint32_t last_error;
	uint32_t uid; /* the operator's for reset, force-open, disable; else the process's euid */
	char breaker[CB_NAME_MAX];
	char last_address[CB_ADDRSTR_MAX];
};

/* The fleet agent's link and counters, kept in the state file's header
 * (README "Fleet mode") so that `cbreaker status` and `metrics` show them
 * from whichever process answers. Written by `cbreaker fleet` alone. */
enum cb_fleet_link { CB_FLEET_LINK_NONE, CB_FLEET_LINK_CONNECTED, CB_FLEET_LINK_DISCONNECTED };
enum cb_fleet_counter {
	CB_FLEET_RECONNECTS,        /* links made after the first */
	CB_FLEET_PUBLISHED,         /* openings and closings this host published */
	CB_FLEET_APPLIED,           /* fleet openings applied here */
	CB_FLEET_SUPPRESSED_QUORUM, /* a report while fewer than quorum hosts agreed */
	CB_FLEET_SUPPRESSED_CAP,    /* the more-than-half guard rail held it back */
	CB_FLEET_SUPPRESSED_MUTE,   /* within a minute of a local reset */
	CB_FLEET_SUPPRESSED_LOCAL,  /* forced open, disabled, open or half-open here */
	CB_FLEET_MESSAGES_REJECTED, /* malformed, oversized or foreign-version messages */
	CB_FLEET_COUNTERS
};
struct cb_fleet_shared {
	_Atomic uint32_t link;         /* enum cb_fleet_link */
	_Atomic uint32_t pid;          /* the agent */
	_Atomic int64_t since_wall_ms; /* when the link last changed */
	_Atomic int64_t heartbeat_ms;  /* monotonic: the agent's last turn */
	_Atomic uint64_t counters[CB_FLEET_COUNTERS];
};

/* The fleet part of st's header (NULL for NULL). */
struct cb_fleet_shared *cb_store_fleet(struct cb_store *st);

/* Opens the store the configuration asks for. Problems with the file
 * (foreign owner, symlink, bad magic or version, truncated, no permission)
 * give a private store and one line in `warn` (empty when all went well).
 * NULL only when memory runs out. */
struct cb_store *cb_store_open(const struct cb_config *cfg, char *warn, size_t warnlen);

/* An existing state file, without creating one (the tool's offline mode).
 * NULL with a message in err when missing or unusable. */
struct cb_store *cb_store_attach(const char *path, bool writable, char *err, size_t errlen);

void cb_store_close(struct cb_store *st);

/* The slot for a breaker name, created (and initialised) if `create` and
 * there is room. NULL when absent or the store is full. Not for the hot
 * path: called when a configuration is (re)loaded. */
struct cb_slot *cb_store_find(struct cb_store *st, const char *name, bool create);

/* When cb_store_find found no slot for name: why, if the reason may be
 * damage (README "Shared state"): a slot on the name's probe path that
 * fails cb_slot_check, or whose claim word is out of range; the name's own
 * slot, written over, may be that one. NULL when the path is sound. */
const char *cb_store_path_damage(struct cb_store *st, const char *name, int64_t now_ms);

/* The slot of a breaker discovery made (README "Discovery"), by name:
 * found, or created (flagged CB_SLOT_DISCOVERED) while fewer than `max`
 * exist in the store. NULL when absent and no more may be made (or the
 * store is full or read-only). Lock-free, allocates nothing. */
struct cb_slot *cb_store_discover(struct cb_store *st, const char *name, uint32_t max);

/* Iteration over the slots in use (for the tool): index < capacity. */
uint32_t cb_store_capacity(const struct cb_store *st);
struct cb_slot *cb_store_slot_at(struct cb_store *st, uint32_t index); /* NULL when unused */

bool cb_store_is_shared(const struct cb_store *st);

/* Is the file this store stands for still the one at its path (README
 * "Shared state")? False once it was removed or replaced (another inode),
 * its header was written over, or, for a store kept private because the
 * file was refused, once another file is there. One lstat; for the
 * once-a-second tick and the control server, never the hot path. */
bool cb_store_is_current(const struct cb_store *st);

/* For a store no longer in use by a process that may still have calls on
 * its slots: its file's pages are replaced by private zero pages at the
 * same address. Never unmapped: slots stay valid memory. */
void cb_store_retire(struct cb_store *st);

/* True when slot lies in st (rather than in a process's private memory). */
bool cb_store_holds(const struct cb_store *st, const struct cb_slot *slot);
const char *cb_store_path(const struct cb_store *st); /* "" when private */

/* Event ring. push never blocks; read copies events with seq > after,
 * oldest first, up to max, and returns how many. */
void cb_store_push_event(struct cb_store *st, const struct cb_event *ev);
size_t cb_store_read_events(struct cb_store *st, uint64_t after, struct cb_event *out, size_t max);
uint64_t cb_store_last_event_seq(struct cb_store *st);

/* Paths derived from a configuration, the same in the shim and the tool.
 * state: "" when state_file = none. socket: "" when socket = off. */
int cb_store_state_path(const struct cb_config *cfg, char *buf, size_t len);
int cb_store_socket_path(const struct cb_config *cfg, char *buf, size_t len);

/* Where the private per-user directories of auto paths are made:
 * CB_STORE_AUTO_BASE/cbreaker-<euid>/. */
#define CB_STORE_AUTO_BASE "/dev/shm"

/* For the `cbreaker` tool: */

/* cb_store_attach with the owner rule of file.c: the file must be
 * owned by the caller's euid or root, or (cfg naming a state_group) be
 * group-writable by that group. cfg may be NULL (no state_group). */
struct cb_store *cb_store_attach_for(const char *path, const struct cb_config *cfg, bool writable,
                                     char *err, size_t errlen);

/* The euid's private directory for auto paths (path.c), created mode
 * 0700 when missing; -1 with the reason in why when it cannot be made or is
 * not a directory of the euid's, mode 0700, reached without a symlink. */
int cb_store_private_dir(char *buf, size_t len, char *why, size_t whylen);

#endif
