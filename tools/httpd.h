/* httpd.h - the smallest HTTP server that Prometheus can scrape, for
 * `cbreaker metrics --listen`: GET (or HEAD) of one path, answered with a
 * page made afresh for each request; nothing else is served, nothing is
 * ever changed by a request. */
#ifndef CB_TOOL_HTTPD_H
#define CB_TOOL_HTTPD_H

#include <signal.h>

#include "control/control.h"

/* Makes the page into out: 0, or non-zero when it cannot be had (the
 * client then gets 503 with out as the reason). */
typedef int (*cb_httpd_page)(void *ctx, struct cb_buf *out);

/* Listens on `where` ("PORT": 127.0.0.1 only; "ADDR:PORT", "[ADDR]:PORT":
 * that address; port 0 picks a free one), says on stderr where, and serves
 * `path` with `page` until *stop is set. Returns 0 then, or 1 after
 * printing why it could not listen. */
int cb_httpd_serve(const char *where, const char *path, cb_httpd_page page, void *ctx,
                   volatile sig_atomic_t *stop);

#endif
