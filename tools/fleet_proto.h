/* fleet_proto.h - what crosses hosts in fleet mode (README "Fleet mode"),
 * version 1. Pure formatting and strict parsing, no I/O, so the unit tests
 * and a hostile Redis meet the same code.
 *
 *   key      cbreaker:FLEET:open:BREAKER:HOST   value "cb1 GEN", SET ... PX ms
 *   channel  cbreaker:FLEET:events
 *   message  "cb1 open HOST BREAKER GEN MS" | "cb1 close HOST BREAKER GEN"
 *
 * FLEET, HOST and BREAKER are names as cb_fleet_valid_name() allows (no
 * ':' or spaces, so keys and messages split one way only). GEN is the
 * reporter's state-word generation of that opening, so duplicates and
 * reordered messages are recognised; MS is the time it has left. Only
 * durations cross hosts, never clock readings. */
#ifndef CB_TOOL_FLEET_PROTO_H
#define CB_TOOL_FLEET_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define CB_FLEET_MSG_MAX 256 /* longer messages are refused unread */
#define CB_FLEET_KEY_MAX (16 + 3 * CB_NAME_MAX)

enum cb_fleet_msg_kind { CB_FLEET_MSG_OPEN, CB_FLEET_MSG_CLOSE };

struct cb_fleet_msg {
	enum cb_fleet_msg_kind kind;
	char host[CB_NAME_MAX];
	char breaker[CB_NAME_MAX];
	uint64_t gen; /* >= 1 */
	uint64_t ms;  /* open: 1..CB_DURATION_MAX_MS; close: 0 */
};

/* The message as text into buf; its length, or 0 when it does not fit. */
size_t cb_fleet_msg_format(char *buf, size_t len, const struct cb_fleet_msg *m);

/* Parses exactly `len` bytes (which may hold NULs); 0, or -1 for anything
 * that is not a well-formed version-1 message. */
int cb_fleet_msg_parse(const char *data, size_t len, struct cb_fleet_msg *m);

/* The key of BREAKER's opening on HOST; its length, or 0 when it does not
 * fit. The channel; the SCAN pattern of every opening of the fleet. */
size_t cb_fleet_key(char *buf, size_t len, const char *fleet, const char *breaker,
                    const char *host);
size_t cb_fleet_channel(char *buf, size_t len, const char *fleet);
size_t cb_fleet_pattern(char *buf, size_t len, const char *fleet);

/* Splits a key of `fleet` into breaker and host; -1 when it is not one. */
int cb_fleet_key_parse(const char *key, size_t len, const char *fleet, char breaker[CB_NAME_MAX],
                       char host[CB_NAME_MAX]);

/* The key's value: "cb1 GEN". */
size_t cb_fleet_value(char *buf, size_t len, uint64_t gen);
int cb_fleet_value_parse(const char *data, size_t len, uint64_t *gen);

#endif
