/* handles.h - what cbreaker remembers about each curl easy handle: the
 * host and port its URL names, its CURLOPT_PORT, error buffer and CURLU,
 * and which libcurl build it belongs to.
 * libcurl cannot tell us these at perform time (CURLINFO_EFFECTIVE_URL is
 * the last redirect target after the first perform, and empty for a CURLU),
 * so the setopt hook records them here, keyed by the handle's address.
 *
 * A fixed table (CB_HANDLES_CAPACITY handles) behind one short mutex:
 * these calls come from ordinary program context, never from a signal
 * handler. A handle that finds the table full is simply not tracked, and its
 * transfers pass through unprotected. */
#ifndef CB_HANDLES_H
#define CB_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

/* Easy handles alive at once that can be tracked (3/4 of a 1024-slot open
 * addressing table, so probes stay short); a program with more is protected
 * at connect() only for the excess. */
#define CB_HANDLES_CAPACITY 768

struct cb_curl_api;

struct cb_breaker_rt;

struct cb_curl_target {
	char host[CB_HOST_MAX]; /* from CURLOPT_URL, as curl's URL parser gives it; "" = none */
	uint16_t url_port;      /* the URL's port or its scheme's default; 0 = unknown */
	uint16_t port_override; /* CURLOPT_PORT; 0 = none */
	char *errbuf;           /* CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE bytes) or NULL */
	void *curlu;            /* CURLOPT_CURLU or NULL; read at perform time */
	/* The libcurl the handle was first set up through (libcurl.h): later
	 * calls on it go there, never to another build loaded alongside. */
	const struct cb_curl_api *api;
	/* The breaker host:port led to (NULL: none) in the runtime of this
	 * generation, 0 = not looked up since the destination last changed.
	 * Runtimes are never freed, so the pointer stays valid; the
	 * generation says whether it is still the one in force. */
	const struct cb_breaker_rt *breaker;
	uint64_t breaker_generation;
};

/* Copies the handle's record into *out; false (and *out zeroed) when the
 * handle has none. */
bool cb_handles_get(const void *handle, struct cb_curl_target *out);

/* Replaces the handle's record; an all-empty target removes it. False when
 * the table is full (the handle stays untracked). */
bool cb_handles_put(const void *handle, const struct cb_curl_target *t);

/* Remembers the breaker a perform looked up for the handle's destination,
 * unless the record changed meanwhile (then the next perform looks up). */
void cb_handles_cache_breaker(const void *handle, const struct cb_curl_target *seen,
                              const struct cb_breaker_rt *b, uint64_t generation);

/* curl_easy_cleanup and curl_easy_reset: the record goes (the address may
 * come back as a new handle). */
void cb_handles_forget(const void *handle);

/* Handles tracked now (for tests). */
unsigned cb_handles_count(void);

#endif
