/* transfer.c - curl transfers under a breaker (see transfer.h): tracks the
 * options that name a transfer's destination, asks the breaker before
 * curl_easy_perform, and records exactly one outcome after it.
 *
 * The half-open probe permit is held for the whole transfer. The
 * connections curl makes meanwhile see cb_transfer_breaker, so the connect
 * hook enforces them without counting them a second time. */
#include "curl/transfer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "curl/handles.h"

/* Ranges of CURLoption values by argument type (curl.h, CURLOPTTYPE_*). */
#define OPT_RANGE(opt) ((int)(opt) / 10000 * 10000)

static atomic_bool full_logged;

/* Saves the record, saying once per process when the table has no room. */
static void store(CURL *h, const struct cb_curl_target *t)
{
	if (cb_handles_put(h, t) || atomic_exchange(&full_logged, true))
		return;
	cb_log(CB_LOG_WARN,
	       "more than %d curl handles at once: further ones are protected at connect() only",
	       CB_HANDLES_CAPACITY);
}

/* The libcurl a call on `h` goes to: the one the handle was first set up
 * through, else the caller's. A handle is tracked only while a
 * configuration is in force; without one every call goes where the
 * caller's own call would have gone. */
static const struct cb_curl_api *api_for(const struct cb_curl_target *t, const void *caller)
{
	return t->api ? t->api : cb_libcurl_for(caller);
}

/* The destination changed: the breaker is looked up again at perform. */
static void destination_changed(struct cb_curl_target *t)
{
	t->breaker = NULL;
	t->breaker_generation = 0;
}

static void note_long(CURL *h, struct cb_curl_target *t, CURLoption opt, long v)
{
	if (opt != CURLOPT_PORT)
		return;
	t->port_override = v > 0 && v <= 65535 ? (uint16_t)v : 0;
	destination_changed(t);
	store(h, t);
}

static void note_pointer(CURL *h, struct cb_curl_target *t, CURLoption opt, void *p)
{
	if (opt == CURLOPT_ERRORBUFFER) {
		t->errbuf = p;
	} else if (opt == CURLOPT_CURLU) {
		t->curlu = p;
	} else if (opt == CURLOPT_URL) {
		destination_changed(t);
		if (!p ||
		    !cb_libcurl_split(t->api, p, NULL, t->host, sizeof(t->host), &t->url_port)) {
			/* No URL, or one curl will refuse too: nothing to protect. */
			t->host[0] = '\0';
			t->url_port = 0;
		}
	} else {
		return;
	}
	store(h, t);
}

CURLcode cb_curl_setopt(CURL *h, CURLoption opt, va_list ap, const void *caller)
{
	/* Without a configuration the shim does nothing, not even remember. */
	bool track = cb_runtime_get() != NULL;
	struct cb_curl_target t;
	if (!track || !cb_handles_get(h, &t))
		memset(&t, 0, sizeof(t));
	const struct cb_curl_api *api = api_for(&t, caller);
	if (!api->setopt)
		return CURLE_FAILED_INIT;
	/* A record made now remembers which libcurl the handle is in. */
	t.api = api;
	CURLcode rc;
	switch (OPT_RANGE(opt)) {
	case CURLOPTTYPE_LONG: {
		long v = va_arg(ap, long);
		rc = api->setopt(h, opt, v);
		if (rc == CURLE_OK && track)
			note_long(h, &t, opt, v);
		break;
	}
	case CURLOPTTYPE_OFF_T: {
		curl_off_t v = va_arg(ap, curl_off_t);
		rc = api->setopt(h, opt, v);
		break;
	}
	case CURLOPTTYPE_FUNCTIONPOINT: {
		void (*f)(void) = va_arg(ap, void (*)(void));
		rc = api->setopt(h, opt, f);
		break;
	}
	default: /* OBJECTPOINT (strings, slists, callbacks' data) and BLOB */
	{
		void *p = va_arg(ap, void *);
		rc = api->setopt(h, opt, p);
		if (rc == CURLE_OK && track)
			note_pointer(h, &t, opt, p);
		break;
	}
	}
	return rc;
}

/* The handle's libcurl, read before its record is forgotten. */
static const struct cb_curl_api *api_of_handle(CURL *h, const void *caller)
{
	struct cb_curl_target t;
	cb_handles_get(h, &t);
	return api_for(&t, caller);
}

void cb_curl_reset(CURL *h, const void *caller)
{
	const struct cb_curl_api *api = api_of_handle(h, caller);
	cb_handles_forget(h);
	if (api->reset)
		api->reset(h);
}

void cb_curl_cleanup(CURL *h, const void *caller)
{
	const struct cb_curl_api *api = api_of_handle(h, caller);
	/* Forget first: once freed, the address may be reused by another
	 * thread's new handle. */
	cb_handles_forget(h);
	if (api->cleanup)
		api->cleanup(h);
}

CURL *cb_curl_duphandle(CURL *h, const void *caller)
{
	struct cb_curl_target t;
	bool tracked = cb_handles_get(h, &t);
	const struct cb_curl_api *api = api_for(&t, caller);
	if (!api->duphandle)
		return NULL;
	CURL *d = api->duphandle(h);
	if (!d || !tracked)
		return d;
	/* Newer libcurl gives the copy its own CURLU, which we cannot see: keep
	 * the URL it names now rather than a pointer the program may free. */
	if (t.curlu) {
		if (!cb_libcurl_split(api, NULL, t.curlu, t.host, sizeof(t.host), &t.url_port))
			t.host[0] = '\0';
		t.curlu = NULL;
	}
	store(d, &t);
	return d;
}

/* The host and port the transfer is for; false when it names none. */
static bool destination(const struct cb_curl_api *api, struct cb_curl_target *t)
{
	if (t->curlu &&
	    !cb_libcurl_split(api, NULL, t->curlu, t->host, sizeof(t->host), &t->url_port))
		return false;
	if (!t->host[0])
		return false;
	if (t->port_override)
		t->url_port = t->port_override;
	return true;
}

/* "host:port"; a long name is cut short, never the port (":65535" is 6). */
static void format_address(char *buf, size_t len, const char *host, uint16_t port)
{
	int room = (int)len - 7;
	if (snprintf(buf, len, "%.*s:%u", room, host, (unsigned)port) < 0)
		buf[0] = '\0';
}

static long info_long(const struct cb_curl_api *api, CURL *h, CURLINFO what)
{
	long v = 0;
	if (!api->getinfo || api->getinfo(h, what, &v) != CURLE_OK)
		return 0;
	return v;
}

/* A redirect that left for a destination of another breaker (or of none):
 * the first service answered, with the redirect. The hop's own connects
 * were counted at connect() by their breaker. */
static bool left_for_elsewhere(const struct cb_curl_api *api, CURL *h,
                               const struct cb_breaker_rt *b, uint16_t port_override)
{
	if (info_long(api, h, CURLINFO_REDIRECT_COUNT) <= 0 || !api->getinfo)
		return false;
	char *url = NULL;
	char host[CB_HOST_MAX];
	uint16_t port;
	if (api->getinfo(h, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url ||
	    !cb_libcurl_split(api, url, NULL, host, sizeof(host), &port))
		return false;
	if (port_override)
		port = port_override;
	return cb_runtime_lookup(b->rt, host, NULL, port) != b;
}

static void note_retry_after(const struct cb_curl_api *api, CURL *h, const struct cb_breaker_rt *b,
                             long status)
{
	curl_off_t secs = 0;
	if (!b->cfg->retry_after_honor || (status != 429 && status != 503) || !api->getinfo ||
	    api->getinfo(h, CURLINFO_RETRY_AFTER, &secs) != CURLE_OK || secs <= 0)
		return;
	if (secs > CB_CURL_RETRY_AFTER_MAX_S)
		secs = CB_CURL_RETRY_AFTER_MAX_S;
	cb_breaker_note_retry_after(b->slot, cb_now_ms() + (int64_t)secs * 1000);
}

static void record(const struct cb_curl_api *api, CURL *h, struct cb_guard *g, CURLcode code,
                   const struct cb_curl_target *t)
{
	const struct cb_breaker_rt *b = g->b;
	long status = info_long(api, h, CURLINFO_RESPONSE_CODE);
	uint32_t error = 0;
	enum cb_outcome o = left_for_elsewhere(api, h, b, t->port_override)
	                            ? CB_OUTCOME_SUCCESS
	                            : cb_curl_classify(b->cfg, code, status, &error);
	cb_log(CB_LOG_DEBUG, "%s: curl transfer to %s port %u: code %d, HTTP %ld: %s", b->cfg->name,
	       t->host, (unsigned)t->url_port, (int)code, status,
	       o == CB_OUTCOME_FAILURE   ? "failure"
	       : o == CB_OUTCOME_SUCCESS ? "success"
	                                 : "neutral");
	if (o != CB_OUTCOME_FAILURE) {
		cb_guard_end(g, o, NULL);
		return;
	}
	/* Formatted only for a failure: snprintf costs a successful transfer
	 * more than the rest of the shim's work on it (README "Performance"). */
	char address[CB_ADDRSTR_MAX];
	format_address(address, sizeof(address), t->host, t->url_port);
	struct cb_failure f = {.error = error, .address = address};
	note_retry_after(api, h, b, status);
	cb_guard_end(g, o, &f);
}

/* A transfer under a breaker with scope = endpoint (README "Endpoint
 * scope"): rejected up front only when every endpoint known turns calls
 * away (and there is no fallback to go to); else each connection it makes
 * is judged at connect() by its address's endpoint, where curl's own walk
 * moves on from a rejected address to the next. */
static CURLcode endpoint_transfer(const struct cb_curl_api *api, CURL *h,
                                  const struct cb_breaker_rt *b, const struct cb_curl_target *t)
{
	if (b->cfg->fallback.n == 0 && cb_endpoints_all_reject(b, cb_now_ms())) {
		cb_guard_rejected(b);
		if (t->errbuf)
			snprintf(t->errbuf, CURL_ERROR_SIZE,
			         "cbreaker: every endpoint of breaker '%s' is open", b->cfg->name);
		return CURLE_COULDNT_CONNECT;
	}
	return api->perform(h);
}

CURLcode cb_curl_perform(CURL *h, const void *caller)
{
	const struct cb_runtime *rt = cb_runtime_get();
	struct cb_curl_target t;
	bool tracked = rt && cb_handles_get(h, &t);
	if (!tracked)
		memset(&t, 0, sizeof(t));
	const struct cb_curl_api *api = api_for(&t, caller);
	if (!api->perform)
		return CURLE_FAILED_INIT;
	if (!tracked)
		return api->perform(h);
	const struct cb_breaker_rt *b = t.breaker;
	if (t.breaker_generation != rt->generation || t.curlu) {
		/* Looked up once per destination and configuration; a CURLU's URL
		 * is read afresh each time, as libcurl reads it. */
		struct cb_curl_target seen = t;
		if (!destination(api, &t))
			return api->perform(h);
		b = cb_runtime_lookup(rt, t.host, NULL, t.url_port);
		if (!t.curlu)
			cb_handles_cache_breaker(h, &seen, b, rt->generation);
	} else if (t.port_override) {
		t.url_port = t.port_override; /* for the failure's address */
	}
	if (!b || !b->cfg) /* none, or one for discovery: judged at connect() */
		return api->perform(h);
	if (b->endpoints)
		return endpoint_transfer(api, h, b, &t);

	struct cb_guard g;
	/* Turned away with a fallback: let through, for its connections to
	 * go there (README "Fallback addresses"); counted as fallback. */
	bool fallback = !cb_guard_begin(b, &g);
	if (fallback && b->cfg->fallback.n == 0) {
		if (t.errbuf)
			cb_curl_reject_message(t.errbuf, CURL_ERROR_SIZE, b->cfg->name, b->slot,
			                       cb_now_ms());
		return CURLE_COULDNT_CONNECT;
	}
	const struct cb_breaker_rt *outer = cb_transfer_breaker;
	uint8_t outer_flags = cb_transfer_flags;
	cb_transfer_breaker = b;
	cb_transfer_flags = fallback ? CB_TRANSFER_TO_FALLBACK : 0;
	CURLcode code = api->perform(h);
	bool limited = cb_transfer_flags & CB_TRANSFER_OVER_LIMIT;
	cb_transfer_breaker = outer;
	cb_transfer_flags = outer_flags;
	if (fallback) /* the fallback's answer says nothing of the service */
		return code;
	CB_KEEP_ERRNO;
	if (limited && code != CURLE_OK) /* counted as rejected at connect() */
		cb_guard_end_uncounted(&g);
	else
		record(api, h, &g, code, &t);
	return code;
}

enum cb_outcome cb_curl_classify(const struct cb_breaker_config *c, int code, long status,
                                 uint32_t *error)
{
	if (status > 0 && CB_SET_HAS(c->http_failure_status, status)) {
		*error = CB_ERROR(CB_ERR_HTTP, status);
		return CB_OUTCOME_FAILURE;
	}
	if (code >= 0 && CB_SET_HAS(c->curl_failure_codes, code)) {
		*error = CB_ERROR(CB_ERR_CURL, code);
		return CB_OUTCOME_FAILURE;
	}
	*error = 0;
	return code == CURLE_OK || code == CURLE_HTTP_RETURNED_ERROR ? CB_OUTCOME_SUCCESS
	                                                             : CB_OUTCOME_NEUTRAL;
}

void cb_curl_reject_message(char *buf, size_t len, const char *breaker, const struct cb_slot *s,
                            int64_t now_ms)
{
	switch (cb_slot_state(s)) {
	case CB_OPEN: {
		int64_t at = atomic_load_explicit(&s->retry_at_ms, memory_order_relaxed);
		int64_t ra = atomic_load_explicit(&s->retry_after_until_ms, memory_order_relaxed);
		int64_t left = (ra > at ? ra : at) - now_ms;
		/* Rounded up, and never "0s": the probe may already be due. */
		long long secs = left > 1000 ? (left + 999) / 1000 : 1;
		snprintf(buf, len, "cbreaker: breaker '%s' is open; retry in %llds", breaker, secs);
		break;
	}
	case CB_HALF_OPEN:
		snprintf(buf, len,
		         "cbreaker: breaker '%s' is half-open and its probes are in flight; retry "
		         "shortly",
		         breaker);
		break;
	case CB_FORCED_OPEN:
		snprintf(buf, len, "cbreaker: breaker '%s' is forced open by an operator", breaker);
		break;
	default:
		snprintf(buf, len, "cbreaker: breaker '%s' rejected the transfer", breaker);
		break;
	}
}
