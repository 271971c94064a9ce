/* config_keys.c - the breaker keys (SPEC section 3 table): one table row
 * per key gives its name, the field it fills, its kind of value and range;
 * the built-in defaults live in cb_keys_breaker_defaults. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "config/keys.h"
#include "config/value.h"

enum kind {
	K_HOSTS,     /* handled by config.c: the matcher */
	K_COUNT,     /* uint32_t in min..max */
	K_PERCENT,   /* uint32_t 0..100 */
	K_DURATION,  /* uint64_t milliseconds, >= min */
	K_NUMBER,    /* double in min..max */
	K_ERRNOS,    /* struct cb_errno_set */
	K_ERRNO,     /* int */
	K_STATUSES,  /* struct cb_http_set */
	K_CURLCODES, /* struct cb_code_set */
	K_WORD,      /* enum or bool: the index of the word */
};

struct key_def {
	const char *name;
	enum kind kind;
	size_t off, size;
	uint64_t min, max;
	const char *const *words;
};

static const char *const scope_words[] = {"service", "endpoint", NULL};
static const char *const retry_after_words[] = {"ignore", "honor", NULL};
static const char *const mode_words[] = {"enforce", "observe", NULL};

#define FIELD(f) offsetof(struct cb_breaker_config, f), sizeof(((struct cb_breaker_config *)0)->f)

static const struct key_def keys[CB_KEY_COUNT] = {
        [CB_KEY_HOSTS] = {"hosts", K_HOSTS, FIELD(hosts), 0, 0, NULL},
        [CB_KEY_FAILURE_THRESHOLD] = {"failure_threshold", K_COUNT, FIELD(failure_threshold), 0,
                                      UINT32_MAX, NULL},
        [CB_KEY_FAILURE_RATE] = {"failure_rate", K_PERCENT, FIELD(failure_rate), 0, 100, NULL},
        [CB_KEY_MIN_CALLS] = {"min_calls", K_COUNT, FIELD(min_calls), 1, UINT32_MAX, NULL},
        [CB_KEY_WINDOW] = {"window", K_DURATION, FIELD(window_ms), 1, 0, NULL},
        [CB_KEY_SLOW_CALL_DURATION] = {"slow_call_duration", K_DURATION, FIELD(slow_call_ms), 0, 0,
                                       NULL},
        [CB_KEY_SLOW_CALL_RATE] = {"slow_call_rate", K_PERCENT, FIELD(slow_call_rate), 0, 100,
                                   NULL},
        [CB_KEY_OPEN_TIMEOUT] = {"open_timeout", K_DURATION, FIELD(open_timeout_ms), 1, 0, NULL},
        [CB_KEY_OPEN_TIMEOUT_MAX] = {"open_timeout_max", K_DURATION, FIELD(open_timeout_max_ms), 1,
                                     0, NULL},
        [CB_KEY_BACKOFF_MULTIPLIER] = {"backoff_multiplier", K_NUMBER, FIELD(backoff_multiplier), 1,
                                       CB_BACKOFF_MAX, NULL},
        [CB_KEY_JITTER] = {"jitter", K_PERCENT, FIELD(jitter), 0, 100, NULL},
        [CB_KEY_HALF_OPEN_MAX_CALLS] = {"half_open_max_calls", K_COUNT, FIELD(half_open_max_calls),
                                        1, CB_PROBE_LEASES, NULL},
        [CB_KEY_SUCCESS_THRESHOLD] = {"success_threshold", K_COUNT, FIELD(success_threshold), 1,
                                      UINT32_MAX, NULL},
        [CB_KEY_CONNECT_TIMEOUT] = {"connect_timeout", K_DURATION, FIELD(connect_timeout_ms), 0, 0,
                                    NULL},
        [CB_KEY_FAILURE_ERRORS] = {"failure_errors", K_ERRNOS, FIELD(failure_errors), 0, 0, NULL},
        [CB_KEY_REJECT_ERRNO] = {"reject_errno", K_ERRNO, FIELD(reject_errno), 0, 0, NULL},
        [CB_KEY_HTTP_FAILURE_STATUS] = {"http_failure_status", K_STATUSES,
                                        FIELD(http_failure_status), 100, 599, NULL},
        [CB_KEY_CURL_FAILURE_CODES] = {"curl_failure_codes", K_CURLCODES, FIELD(curl_failure_codes),
                                       0, 0, NULL},
        [CB_KEY_SCOPE] = {"scope", K_WORD, FIELD(scope), 0, 0, scope_words},
        [CB_KEY_RETRY_AFTER] = {"retry_after", K_WORD, FIELD(retry_after_honor), 0, 0,
                                retry_after_words},
        [CB_KEY_MAX_CONNECTIONS] = {"max_connections", K_COUNT, FIELD(max_connections), 0,
                                    UINT32_MAX, NULL},
        [CB_KEY_MODE] = {"mode", K_WORD, FIELD(mode), 0, 0, mode_words},
};

/* Errors that tell a program its connect() did not fail (or not yet), so
 * returning one for a rejection would make it wait or think it is
 * connected. */
static const int not_a_refusal[] = {EINPROGRESS, EALREADY, EINTR, EAGAIN, EISCONN};

static int fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int cb_keys_breaker_find(const char *name)
{
	for (int k = 0; k < CB_KEY_COUNT; k++)
		if (strcmp(keys[k].name, name) == 0)
			return k;
	return -1;
}

const char *cb_keys_breaker_name(int key)
{
	return key >= 0 && key < CB_KEY_COUNT ? keys[key].name : "?";
}

bool cb_keys_breaker_is_list(int key)
{
	switch (keys[key].kind) {
	case K_HOSTS:
	case K_ERRNOS:
	case K_STATUSES:
	case K_CURLCODES:
		return true;
	default:
		return false;
	}
}

void cb_keys_breaker_defaults(struct cb_breaker_config *b)
{
	static const int failure_errors[] = {ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
	                                     ECONNRESET};
	/* Transport trouble only. CURLE_COULDNT_RESOLVE_HOST is left out: a
	 * name that does not resolve says more about the local resolver or a
	 * typo than about the service's health. */
	static const int curl_codes[] = {CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
	                                 CURLE_SEND_ERROR,      CURLE_RECV_ERROR,
	                                 CURLE_GOT_NOTHING,     CURLE_SSL_CONNECT_ERROR};

	memset(b, 0, sizeof(*b));
	b->failure_threshold = 5;
	b->min_calls = 10;
	b->window_ms = 60 * 1000;
	b->open_timeout_ms = 30 * 1000;
	b->open_timeout_max_ms = b->open_timeout_ms;
	b->backoff_multiplier = 2;
	b->half_open_max_calls = 1;
	b->success_threshold = 2;
	for (size_t i = 0; i < sizeof(failure_errors) / sizeof(failure_errors[0]); i++)
		CB_SET_ADD(b->failure_errors, failure_errors[i]);
	b->reject_errno = ECONNREFUSED;
	for (unsigned s = 500; s <= 599; s++)
		CB_SET_ADD(b->http_failure_status, s);
	for (size_t i = 0; i < sizeof(curl_codes) / sizeof(curl_codes[0]); i++)
		CB_SET_ADD(b->curl_failure_codes, curl_codes[i]);
	b->scope = CB_SCOPE_SERVICE;
	b->retry_after_honor = true;
	b->mode = CB_MODE_ENFORCE;
}

/* Stores an unsigned value into a field of 1 (bool), 4 (uint32_t, enum)
 * or 8 bytes. */
static void store(void *field, size_t size, uint64_t v)
{
	if (size == sizeof(bool)) {
		bool b = v != 0;
		memcpy(field, &b, sizeof(b));
	} else if (size == sizeof(uint32_t)) {
		uint32_t u = (uint32_t)v;
		memcpy(field, &u, sizeof(u));
	} else {
		memcpy(field, &v, sizeof(v));
	}
}

static int parse_errno(const char *s, int *out, char *err, size_t errlen)
{
	int e = cb_errno_from_name(s);
	if (e < 0)
		return fail(err, errlen, "unknown errno name \"%s\" (write e.g. ECONNREFUSED)", s);
	*out = e;
	return 0;
}

/* A list of items, or `none` (on the first line only, alone): calls
 * `add` for each item. */
static int parse_list(const char *value, bool more, const char *what, void *set,
                      int (*add)(void *set, const char *item, char *err, size_t errlen), char *err,
                      size_t errlen)
{
	char item[64];
	const char *p = value;
	size_t n;
	bool none = false, some = false;

	while ((n = cb_value_next_item(&p, item, sizeof(item))) != 0) {
		if (n >= sizeof(item))
			return fail(err, errlen, "unknown %s \"%.40s...\"", what, item);
		if (strcmp(item, "none") == 0) {
			none = true;
			continue;
		}
		some = true;
		if (add(set, item, err, errlen) < 0)
			return -1;
	}
	if (none && (some || more))
		return fail(err, errlen, "\"none\" must be the whole value");
	return 0;
}

static int add_errno(void *set, const char *item, char *err, size_t errlen)
{
	int e = 0;
	if (parse_errno(item, &e, err, errlen) < 0)
		return -1;
	CB_SET_ADD(*(struct cb_errno_set *)set, e);
	return 0;
}

static int add_curlcode(void *set, const char *item, char *err, size_t errlen)
{
	int c = cb_curlcode_from_name(item);
	if (c < 0)
		return fail(err, errlen,
		            "unknown CURLcode name \"%s\" (write e.g. CURLE_COULDNT_CONNECT)",
		            item);
	if (c == CURLE_OK)
		return fail(err, errlen, "CURLE_OK is success, it cannot count as a failure");
	CB_SET_ADD(*(struct cb_code_set *)set, c);
	return 0;
}

/* `404` or `500-599`, within 100..599. */
static int add_status(void *set, const char *item, char *err, size_t errlen)
{
	char lo_text[8], hi_text[8];
	const char *dash = strchr(item, '-');
	uint64_t lo, hi;

	if (!dash) {
		snprintf(lo_text, sizeof(lo_text), "%s", item);
		snprintf(hi_text, sizeof(hi_text), "%s", item);
	} else {
		snprintf(lo_text, sizeof(lo_text), "%.*s", (int)(dash - item), item);
		snprintf(hi_text, sizeof(hi_text), "%s", dash + 1);
	}
	if (strlen(item) > 7 || cb_value_count(lo_text, 100, 599, &lo, err, errlen) < 0 ||
	    cb_value_count(hi_text, 100, 599, &hi, err, errlen) < 0)
		return fail(err, errlen, "bad HTTP status \"%s\" (codes or ranges within 100..599)",
		            item);
	if (lo > hi)
		return fail(err, errlen, "empty range \"%s\"", item);
	for (uint64_t s = lo; s <= hi; s++)
		CB_SET_ADD(*(struct cb_http_set *)set, s);
	return 0;
}

int cb_keys_breaker_parse(struct cb_breaker_config *b, int key, const char *value, bool more,
                          char *err, size_t errlen)
{
	const struct key_def *d = &keys[key];
	void *field = (char *)b + d->off;
	uint64_t u;
	uint32_t pct;
	double x;
	unsigned index;
	int e = 0;

	if (more && !cb_keys_breaker_is_list(key))
		return fail(err, errlen, "takes a single value, not a continuation line");
	if (!more && d->kind != K_HOSTS && d->kind != K_WORD)
		memset(field, 0, d->size);
	switch (d->kind) {
	case K_COUNT:
		if (cb_value_count(value, d->min, d->max, &u, err, errlen) < 0)
			return -1;
		store(field, d->size, u);
		return 0;
	case K_PERCENT:
		if (cb_value_percent(value, &pct, err, errlen) < 0)
			return -1;
		store(field, d->size, pct);
		return 0;
	case K_DURATION:
		if (cb_value_duration(value, &u, err, errlen) < 0)
			return -1;
		if (u < d->min)
			return fail(err, errlen, "must be more than 0");
		store(field, d->size, u);
		return 0;
	case K_NUMBER:
		if (cb_value_number(value, (double)d->min, (double)d->max, &x, err, errlen) < 0)
			return -1;
		memcpy(field, &x, sizeof(x));
		return 0;
	case K_ERRNOS:
		return parse_list(value, more, "errno name", field, add_errno, err, errlen);
	case K_CURLCODES:
		return parse_list(value, more, "CURLcode name", field, add_curlcode, err, errlen);
	case K_STATUSES:
		return parse_list(value, more, "HTTP status", field, add_status, err, errlen);
	case K_ERRNO:
		if (parse_errno(value, &e, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < sizeof(not_a_refusal) / sizeof(not_a_refusal[0]); i++)
			if (e == not_a_refusal[i])
				return fail(err, errlen,
				            "%s would not tell the program that its connect failed "
				            "(use e.g. ECONNREFUSED)",
				            value);
		store(field, d->size, (uint64_t)e);
		return 0;
	case K_WORD:
		if (cb_value_word(value, d->words, &index, err, errlen) < 0)
			return -1;
		store(field, d->size, index);
		return 0;
	case K_HOSTS:
		break;
	}
	return fail(err, errlen, "not a value this module parses");
}

void cb_keys_breaker_inherit(struct cb_breaker_config *dst, const struct cb_breaker_config *src,
                             int key)
{
	const struct key_def *d = &keys[key];
	if (d->kind != K_HOSTS)
		memcpy((char *)dst + d->off, (const char *)src + d->off, d->size);
}
