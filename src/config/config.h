/* config.h - the INI configuration (README "Configuration"): load,
 * validate, free. Loading is all-or-nothing: any error yields no
 * configuration at all. The keys themselves are listed in keys.def. */
#ifndef CB_CONFIG_H
#define CB_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/base.h"
#include "config/keys.h"
#include "config/value.h"

struct cb_matcher;

/* In the order of their words in keys.def: a WORD key stores the index. */
enum cb_mode { CB_MODE_ENFORCE, CB_MODE_OBSERVE };
enum cb_scope { CB_SCOPE_SERVICE, CB_SCOPE_ENDPOINT };
enum cb_log_dest { CB_LOG_TO_STDERR, CB_LOG_TO_SYSLOG, CB_LOG_TO_OFF, CB_LOG_TO_FILE };
enum cb_log_level { CB_LOG_ERROR, CB_LOG_WARN, CB_LOG_INFO, CB_LOG_DEBUG };
/* state_file: auto | none | path; socket: auto | off | path (off is NONE). */
enum cb_path_kind { CB_PATH_AUTO, CB_PATH_NONE, CB_PATH_EXPLICIT };

/* errno values below 256 (Linux uses < 134). */
struct cb_errno_set {
	uint64_t bits[4];
};
/* HTTP statuses 0..639. */
struct cb_http_set {
	uint64_t bits[10];
};
/* CURLcode values 0..127. */
struct cb_code_set {
	uint64_t bits[2];
};

#define CB_SET_HAS(set, v)                                                                         \
	((unsigned)(v) < 64 * sizeof((set).bits) / sizeof((set).bits[0]) &&                        \
	 ((set).bits[(unsigned)(v) / 64] >> ((unsigned)(v) % 64) & 1))
#define CB_SET_ADD(set, v) ((set).bits[(unsigned)(v) / 64] |= (uint64_t)1 << ((unsigned)(v) % 64))

#define CB_PROBE_LEASES 32 /* upper bound of half_open_max_calls */

/* Literal addresses with ports (`fallback`): IPv4 kept in its IPv6
 * v4-mapped form, so one array holds both. */
#define CB_FALLBACK_MAX 8
struct cb_addr_list {
	uint32_t n;
	struct cb_addr {
		uint8_t ip[16]; /* network order; ::ffff:a.b.c.d for IPv4 */
		uint16_t port;  /* host order */
		bool v4;
	} a[CB_FALLBACK_MAX];
};

/* One breaker's keys: a field per line of keys.def, named and typed there. */
struct cb_breaker_config {
	char name[CB_NAME_MAX];
	int line; /* line of the section header */
#define CB_BREAKER_KEY(id, name, kind, type, field, dflt, bounds) type field;
#include "config/keys.def"
#undef CB_BREAKER_KEY
};

struct cb_global_config {
	enum cb_path_kind state_file_kind;
	char state_file[PATH_MAX]; /* when EXPLICIT */
	enum cb_path_kind socket_kind;
	char socket[PATH_MAX]; /* when EXPLICIT; may contain %p (pid) */
	enum cb_log_dest log_dest;
	char log_path[PATH_MAX]; /* when CB_LOG_TO_FILE */
	enum cb_log_level log_level;
	enum cb_mode mode;
	bool deepbind_strip;
	uint32_t discover; /* 0 = off */
	bool has_state_group;
	gid_t state_group;
	mode_t state_mode; /* default 0600 */
};

/* [fleet] (README "Fleet mode"): read by the `cbreaker fleet` agent
 * alone; the shim only validates it. Names are 1-63 characters of
 * A-Z a-z 0-9 _ . - like breaker names, so that Redis keys built from
 * them parse back unambiguously. */
#define CB_FLEET_QUORUM_MAX     64
#define CB_FLEET_DEFAULT_PORT   6379
#define CB_FLEET_DEFAULT_QUORUM 2
#define CB_FLEET_DEFAULT_MAX_MS (10ULL * 60 * 1000)
struct cb_fleet_config {
	bool enabled;                 /* the file has a [fleet] section */
	char redis[PATH_MAX];         /* as written, for messages */
	char redis_host[CB_HOST_MAX]; /* "" when redis_unix is set; IPv6 without brackets */
	uint16_t redis_port;
	char redis_unix[PATH_MAX];    /* "unix:PATH": the socket's path */
	char name[CB_NAME_MAX];       /* fleet group */
	char host_id[CB_NAME_MAX];    /* "" = from /etc/machine-id, read by the agent */
	uint32_t quorum;              /* 1..CB_FLEET_QUORUM_MAX */
	uint64_t max_open_ms;         /* cap on a remote opening */
	char password_file[PATH_MAX]; /* "" = no AUTH */
};

/* 1..CB_NAME_MAX-1 characters of A-Z a-z 0-9 _ . -: breaker names, fleet
 * names and host ids, the words a fleet key or message is made of. */
bool cb_fleet_valid_name(const char *s, size_t len);

struct cb_config {
	char path[PATH_MAX];      /* as given */
	char real_path[PATH_MAX]; /* realpath(3) of it: names the auto state file */
	struct cb_global_config global;
	struct cb_fleet_config fleet;
	size_t n_breakers;
	/* How many of them have scope = endpoint (cb_config_load_global:
	 * how many sections say so, or all when [defaults] does), for the
	 * state file's size. */
	size_t n_endpoint_scoped;
	struct cb_breaker_config *breakers; /* in file order; index = breaker id */
	struct cb_matcher *matcher;         /* every breaker's `hosts`, ids as above */
	/* What a breaker discovery makes runs with (README "Discovery"):
	 * the [defaults], observe mode; no name, no hosts. */
	struct cb_breaker_config discovered;
};

/* Errors found while loading, each "file:line: message". */
struct cb_diag {
	size_t count; /* all errors found, may exceed CB_DIAG_MAX */
	char msg[CB_DIAG_MAX][CB_DIAG_LEN];
};

/* The largest configuration file read (README "Configuration"). */
#define CB_CONFIG_MAX_BYTES (16 << 20)

/* Loads and validates `path`. Returns NULL (and fills diag) on any error,
 * including a missing file ("file: cannot open: reason"). */
struct cb_config *cb_config_load(const char *path, struct cb_diag *diag);
void cb_config_free(struct cb_config *cfg);

/* cb_config_load from the file's text, already read (read_text's way):
 * takes ownership of text. */
struct cb_config *cb_config_load_text(const char *path, char *text, size_t len,
                                      struct cb_diag *diag);

/* For the library constructor (README "Shared state", "Performance"):
 * reads the file as cb_config_load would, handing its text back in *text
 * and *len (the caller's: for cb_config_load_text, or to free), and scans
 * it for the [global] keys the state file depends on (state_file,
 * state_group, state_mode) and, in n_breakers, how many breaker sections
 * it has: enough to map the state and keep the text before main(), while
 * parsing waits for the first intercepted call. A line scan and silent:
 * the full load decides what the file means and reports its errors. NULL,
 * *text NULL, when the file cannot be read; NULL with *text set when one
 * of those values does not parse. The result has no breakers and no
 * matcher: for cb_store_open alone, released with free(). */
struct cb_config *cb_config_load_global(const char *path, char **text, size_t *len);

/* $CBREAKER_CONFIG if set and non-empty, else the built-in default
 * (CB_DEFAULT_CONFIG, set by the Makefile from PREFIX). */
const char *cb_config_default_path(void);

/* True when $CBREAKER_CONFIG names the file (rather than the default). */
bool cb_config_path_is_explicit(void);

#endif
