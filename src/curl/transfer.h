/* transfer.h - the public face of src/curl: curl transfers under a breaker
 * (README "What the shim intercepts"), the policy behind the exported
 * curl_easy_* functions of src/shim/curl.c.
 *
 * What picks the breaker: the host and port of the URL the program asked
 * for (CURLOPT_URL, or CURLOPT_CURLU, which wins in libcurl too), with
 * CURLOPT_PORT applied. CURLOPT_CONNECT_TO and CURLOPT_RESOLVE do not change
 * it: they reroute the connection, not the service; the connect() they lead
 * to is judged by the breaker of the address connected to, if that is a
 * different one. A proxy (CURLOPT_PROXY) is likewise judged at connect(). */
#ifndef CB_TRANSFER_H
#define CB_TRANSFER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/core.h"
#include "curl/libcurl.h"

/* Retry-After values are honoured up to this long (a bogus or hostile
 * header must not keep a breaker open for days; an operator can reset). */
#define CB_CURL_RETRY_AFTER_MAX_S 3600

/* The exported functions' bodies. `caller` is the exported function's
 * return address: the call goes to the libcurl the calling object links
 * (cb_libcurl_for), or, for a tracked handle, to the one it was set up
 * through. setopt reads its one variadic argument by the option's type
 * range and forwards it unchanged. */
CURLcode cb_curl_perform(CURL *h, const void *caller);
CURLcode cb_curl_setopt(CURL *h, CURLoption opt, va_list ap, const void *caller);
void cb_curl_reset(CURL *h, const void *caller);
CURL *cb_curl_duphandle(CURL *h, const void *caller);
void cb_curl_cleanup(CURL *h, const void *caller);

/* A finished transfer's outcome for breaker `c`: failure when the HTTP
 * status is in http_failure_status (error = CB_ERROR(CB_ERR_HTTP, status))
 * or the CURLcode in curl_failure_codes (CB_ERROR(CB_ERR_CURL, code));
 * success for CURLE_OK and for CURLE_HTTP_RETURNED_ERROR (curl --fail on a
 * status that is not a failure here, a 404: the service answered); any
 * other code is neutral (the program aborted it, the name did not resolve,
 * a local write failed: nothing said about the service). */
enum cb_outcome cb_curl_classify(const struct cb_breaker_config *c, int code, long status,
                                 uint32_t *error);

/* The error-buffer text for a rejected transfer, e.g. "cbreaker: breaker
 * 'api' is open; retry in 12s", from the slot as it is at now_ms. */
void cb_curl_reject_message(char *buf, size_t len, const char *breaker, const struct cb_slot *s,
                            int64_t now_ms);

#endif
