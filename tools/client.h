/* client.h - how a `cbreaker` command reaches the breakers: one request
 * line to the control socket, or, when no process serves it, the state
 * file itself (read through render.h exactly as the server would, changed
 * with the breaker's own operator actions). */
#ifndef CB_TOOL_CLIENT_H
#define CB_TOOL_CLIENT_H

#include <limits.h>
#include <stdbool.h>

#include "config/config.h"
#include "control/control.h"
#include "options.h"
#include "state/state.h"

struct cb_client {
	const char *cmd;       /* for messages: "status", "reset", ... */
	const char *cfg_path;  /* -c, $CBREAKER_CONFIG or the default */
	struct cb_config *cfg; /* NULL when it did not load (then -s was given) */
	char cfg_error[CB_DIAG_LEN];
	char socket[PATH_MAX]; /* "" when socket = off */
	char state[PATH_MAX];  /* "" when state_file = none */
	/* With state_file = none, each live process's socket: a glob(3)
	 * pattern ("" when the socket path is fixed, or -s named one). */
	char socket_glob[PATH_MAX];
	bool quiet; /* no notice that the state file does not exist yet */
};

/* Loads the configuration and works out both paths. Without -s the
 * configuration must load. Returns 0, or an exit status after printing. */
int cb_client_open(struct cb_client *c, const char *cmd, const struct cb_opts *o);
/* With state_file = none: the pid of the process serving socket `path`,
 * from the pattern's `*` (0 when it cannot be told). */
int cb_client_socket_pid(const struct cb_client *c, const char *path);

/* With state_file = none and no -s (c->socket_glob set), the read
 * commands go to every live process of the configuration: calls
 * each(c, pid, ctx) once per socket the glob finds, in its order, with
 * c->socket set to that socket. each returns 0 when the process answered,
 * a negative number when nothing serves that socket (a killed process
 * leaves its socket behind), or 1 after printing why it failed. Returns 0
 * when one process answered at least and none failed, else 1; when none
 * answered, it says so, naming the glob, on stderr (unless c->quiet) and
 * into why (unless NULL), for a frame of `watch` or an HTTP reply. */
typedef int (*cb_client_each_fn)(struct cb_client *c, int pid, void *ctx);
int cb_client_each_process(struct cb_client *c, cb_client_each_fn each, void *ctx,
                           struct cb_buf *why);

/* For commands that take no operands (events, metrics, watch): parses the
 * common options, refuses any operand, and opens the client. Returns 0, or
 * the exit status to end with. */
int cb_client_open_bare(struct cb_client *c, int argc, char **argv);
void cb_client_close(struct cb_client *c);

/* What a request came to. */
enum cb_client_result {
	CB_CLIENT_OK,      /* reply holds the whole answer */
	CB_CLIENT_OFFLINE, /* nobody serves the socket: use the state file */
	CB_CLIENT_FAILED,  /* printed already */
};

enum cb_client_result cb_client_request(struct cb_client *c, const char *line,
                                        struct cb_buf *reply);

/* Sends line and returns the connected descriptor for the caller to read
 * (`events`), or -1 with *offline set when nobody serves the socket. */
int cb_client_stream(struct cb_client *c, const char *line, bool *offline);

/* Offline view: the state file attached read-only (or nothing yet: every
 * breaker shows closed with zero counts, after a notice on stderr unless
 * c->quiet). */
struct cb_client_view {
	struct cb_store *st; /* NULL when there is no state file yet */
	struct cb_render_breaker *rb;
	struct cb_render_page page;
	struct cb_render_fleet fleet; /* page.fleet points here with a [fleet] section */
};
int cb_client_view_open(struct cb_client *c, struct cb_client_view *v);
void cb_client_view_close(struct cb_client_view *v);

/* Offline change: verb is "reset", "force-open" or "disable"; name "*"
 * resets every breaker. Fills reply like the server; returns 0 or 1 after
 * printing why not (permission, unknown breaker, private breakers). */
int cb_client_change_offline(struct cb_client *c, const char *verb, const char *name,
                             struct cb_buf *reply);

/* The "error" of a {"error":"..."} reply, unescaped; false when the reply
 * is not an error. */
bool cb_client_reply_error(const char *reply, char *msg, size_t len);

/* The string value of "key" in a one-level JSON reply; false when absent. */
bool cb_client_reply_field(const char *reply, const char *key, char *out, size_t len);

/* Prints "cbreaker CMD: message" on stderr; returns 1. */
int cb_client_fail(const struct cb_client *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
