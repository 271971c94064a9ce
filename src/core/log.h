/* log.h - cbreaker's own messages: one line per state change (README
 * "`[global]`", key log) and warnings such as a broken configuration, to stderr,
 * syslog or a file as configured. Never one line per call below debug. */
#ifndef CB_LOG_H
#define CB_LOG_H

#include <stddef.h>

#include "config/config.h"
#include "core/breaker.h"

/* Where messages go until a configuration says otherwise: stderr, info. */
void cb_log_configure(const struct cb_global_config *g);

void cb_log(enum cb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "api: closed -> open (5 consecutive failures; last ECONNREFUSED
 * 10.0.0.7:443); retry in 30s" into buf (no prefix, no newline). */
void cb_log_format_transition(char *buf, size_t len, const char *breaker,
                              const struct cb_transition *tr);

/* "ECONNREFUSED", "CURLE_OPERATION_TIMEDOUT", "HTTP 503", "" for none. */
void cb_log_format_error(char *buf, size_t len, uint32_t error);

/* Logs a transition at info with the "cbreaker[pid]: " prefix. */
void cb_log_transition(const char *breaker, const struct cb_transition *tr);

#endif
