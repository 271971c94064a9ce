/* control.h - the control socket (README "The control socket"): one process among those
 * sharing a state file serves it, chosen by flock() on "<socket>.lock";
 * another takes over on its next intercepted call once the holder exits.
 * With state_file = none every process serves its own socket.
 *
 * Protocol: one request line (at most CB_CONTROL_MAX_REQUEST bytes) per
 * connection, one reply, then the server closes; `events` instead streams
 * one JSON object a line until the client hangs up.
 *   status [NAME]              JSON (render.h)
 *   table [--color] [NAME]     the `cbreaker status` table, as text
 *   metrics                    Prometheus text
 *   events                     stream of transitions from now on
 *   reset NAME|*, force-open NAME, disable NAME
 *                              {"ok":true,...}; the peer's uid (SO_PEERCRED)
 *                              must own the state file, or be root
 * Anything else gets {"error":"..."} and the server carries on. */
#ifndef CB_CONTROL_H
#define CB_CONTROL_H

#include <stdint.h>
#include <sys/types.h>

#include "control/render.h"
#include "core/core.h"

#define CB_CONTROL_MAX_REQUEST 4096

/* From the library constructor: serve the control socket from the
 * runtime's once-a-second turn (cb_runtime_on_tick), and never in a fork
 * child that did not take the lock itself. */
void cb_control_init(void);

/* What a request line asks for, once answered into `out`. */
enum cb_control_reply { CB_CONTROL_REPLY, CB_CONTROL_STREAM_EVENTS };

/* Answers one request line (without its newline) from a process serving
 * `rt`, for a peer of uid `peer_uid`. */
enum cb_control_reply cb_control_handle(const struct cb_runtime *rt, const char *line,
                                        uid_t peer_uid, struct cb_buf *out);

/* The uid that may change state besides root: the state file's owner, or
 * this process's effective uid when breakers are private. */
uid_t cb_control_state_owner(const struct cb_store *st);

#endif
