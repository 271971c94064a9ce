/* keys.c - the keys of keys.def as tables: for a breaker key its field,
 * kind of value, bounds and default; for a [global] key its parser in
 * global.c and its default. Defaults go through the same parsers as the
 * file's values, so a default is checked like anything a user writes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "config/config.h"
#include "config/global.h"
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
	K_STATUSES,  /* struct cb_http_set, codes in min..max */
	K_CURLCODES, /* struct cb_code_set */
	K_ADDRS,     /* struct cb_addr_list */
	K_WORD,      /* enum or bool: the index of the word */
};

struct key_def {
	const char *name;
	enum kind kind;
	size_t off, size;
	const char *dflt; /* NULL: none (keys.def) */
	uint64_t min, max;
	const char *const *words;
};

/* The bounds column of keys.def, as initialisers of struct key_def. */
/* clang-format off */
#define RANGE(lo, hi) .min = (lo), .max = (hi)
#define AT_LEAST(lo)  .min = (lo)
#define WORDS(...)    .words = (const char *const[]){__VA_ARGS__, NULL}
#define ANY           .min = 0
/* clang-format on */

static const struct key_def keys[CB_KEY_COUNT] = {
#define CB_BREAKER_KEY(id, key, kind_, type, field, dflt_, bounds)                                 \
	[CB_KEY_##id] = {.name = #key,                                                             \
	                 .kind = K_##kind_,                                                        \
	                 .off = offsetof(struct cb_breaker_config, field),                         \
	                 .size = sizeof(((struct cb_breaker_config *)0)->field),                   \
	                 .dflt = dflt_,                                                            \
	                 bounds},
#include "config/keys.def"
#undef CB_BREAKER_KEY
};

static const struct {
	const char *name;
	const char *dflt; /* NULL: none */
	int (*parse)(struct cb_global_config *g, const char *value, char *err, size_t errlen);
} gkeys[CB_GKEY_COUNT] = {
#define CB_GLOBAL_KEY(id, key, dflt_) [CB_GKEY_##id] = {#key, dflt_, cb_global_##key},
#include "config/keys.def"
#undef CB_GLOBAL_KEY
};

/* Errors that tell a program its connect() did not fail (or not yet), so
 * returning one for a rejection would make it wait or think it is
 * connected. */
static const int not_a_refusal[] = {EINPROGRESS, EALREADY, EINTR, EAGAIN, EISCONN};

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
	case K_ADDRS:
		return true;
	default:
		return false;
	}
}

void cb_keys_breaker_defaults(struct cb_breaker_config *b)
{
	char err[CB_DIAG_LEN];

	memset(b, 0, sizeof(*b));
	/* Cannot fail: test_config parses every default of keys.def. */
	for (int k = 0; k < CB_KEY_COUNT; k++)
		if (keys[k].dflt)
			cb_keys_breaker_parse(b, k, keys[k].dflt, false, err, sizeof(err));
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
		return cb_value_fail(err, errlen,
		                     "unknown errno name \"%s\" (write e.g. ECONNREFUSED)", s);
	*out = e;
	return 0;
}

/* A list of items, or `none` (on the first line only, alone): calls
 * `add` for each item. */
static int parse_list(const struct key_def *d, void *set, const char *value, bool more,
                      const char *what,
                      int (*add)(const struct key_def *d, void *set, const char *item, char *err,
                                 size_t errlen),
                      char *err, size_t errlen)
{
	char item[64];
	const char *p = value;
	size_t n;
	bool none = false, some = false;

	while ((n = cb_value_next_item(&p, item, sizeof(item))) != 0) {
		if (n >= sizeof(item))
			return cb_value_fail(err, errlen, "unknown %s \"%.40s...\"", what, item);
		if (strcmp(item, "none") == 0) {
			none = true;
			continue;
		}
		some = true;
		if (add(d, set, item, err, errlen) < 0)
			return -1;
	}
	if (none && (some || more))
		return cb_value_fail(err, errlen, "\"none\" must be the whole value");
	return 0;
}

static int add_errno(const struct key_def *d, void *set, const char *item, char *err, size_t errlen)
{
	(void)d;
	int e = 0;
	if (parse_errno(item, &e, err, errlen) < 0)
		return -1;
	CB_SET_ADD(*(struct cb_errno_set *)set, e);
	return 0;
}

static int add_curlcode(const struct key_def *d, void *set, const char *item, char *err,
                        size_t errlen)
{
	(void)d;
	int c = cb_curlcode_from_name(item);
	if (c < 0)
		return cb_value_fail(
		        err, errlen,
		        "unknown CURLcode name \"%s\" (write e.g. CURLE_COULDNT_CONNECT)", item);
	if (c == CURLE_OK)
		return cb_value_fail(err, errlen,
		                     "CURLE_OK is success, it cannot count as a failure");
	CB_SET_ADD(*(struct cb_code_set *)set, c);
	return 0;
}

/* `404` or `500-599`, within the key's bounds. */
static int add_status(const struct key_def *d, void *set, const char *item, char *err,
                      size_t errlen)
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
	if (strlen(item) > 7 || cb_value_count(lo_text, d->min, d->max, &lo, err, errlen) < 0 ||
	    cb_value_count(hi_text, d->min, d->max, &hi, err, errlen) < 0)
		return cb_value_fail(err, errlen,
		                     "bad HTTP status \"%s\" (codes or ranges within %llu..%llu)",
		                     item, (unsigned long long)d->min, (unsigned long long)d->max);
	if (lo > hi)
		return cb_value_fail(err, errlen, "empty range \"%s\"", item);
	for (uint64_t s = lo; s <= hi; s++)
		CB_SET_ADD(*(struct cb_http_set *)set, s);
	return 0;
}

/* `10.0.0.8:8080` or `[::1]:8080`: a literal address, so that the shim
 * never has to resolve a name on the connect path. */
static int add_addr(const struct key_def *d, void *set, const char *item, char *err, size_t errlen)
{
	(void)d;
	struct cb_addr_list *l = set;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = item[0] == '[' ? strstr(item, "]:") : strrchr(item, ':');
	const char *start = item[0] == '[' ? item + 1 : item;
	uint64_t port;
	char perr[CB_DIAG_LEN];
	if (!colon || (size_t)(colon - start) >= sizeof(host))
		return cb_value_fail(err, errlen,
		                     "bad fallback \"%s\" (write ADDR:PORT, [IPV6]:PORT)", item);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - start), start);
	struct cb_addr a = {.v4 = item[0] != '['};
	struct in_addr v4;
	if (a.v4 && inet_pton(AF_INET, host, &v4) == 1) {
		a.ip[10] = a.ip[11] = 0xff;
		memcpy(&a.ip[12], &v4, sizeof(v4));
	} else if (a.v4 || inet_pton(AF_INET6, host, a.ip) != 1) {
		return cb_value_fail(
		        err, errlen,
		        "bad fallback \"%s\": a literal IPv4 or [IPv6] address, not a name", item);
	}
	if (cb_value_count(colon + (a.v4 ? 1 : 2), 1, 65535, &port, perr, sizeof(perr)) < 0)
		return cb_value_fail(err, errlen, "bad fallback \"%s\": port %s", item, perr);
	if (l->n >= CB_FALLBACK_MAX)
		return cb_value_fail(err, errlen, "at most %d fallback addresses", CB_FALLBACK_MAX);
	a.port = (uint16_t)port;
	l->a[l->n++] = a;
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
		return cb_value_fail(err, errlen, "takes a single value, not a continuation line");
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
			return cb_value_fail(err, errlen, "must be more than 0");
		store(field, d->size, u);
		return 0;
	case K_NUMBER:
		if (cb_value_number(value, (double)d->min, (double)d->max, &x, err, errlen) < 0)
			return -1;
		memcpy(field, &x, sizeof(x));
		return 0;
	case K_ERRNOS:
		return parse_list(d, field, value, more, "errno name", add_errno, err, errlen);
	case K_CURLCODES:
		return parse_list(d, field, value, more, "CURLcode name", add_curlcode, err,
		                  errlen);
	case K_STATUSES:
		return parse_list(d, field, value, more, "HTTP status", add_status, err, errlen);
	case K_ADDRS:
		return parse_list(d, field, value, more, "fallback", add_addr, err, errlen);
	case K_ERRNO:
		if (parse_errno(value, &e, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < sizeof(not_a_refusal) / sizeof(not_a_refusal[0]); i++)
			if (e == not_a_refusal[i])
				return cb_value_fail(
				        err, errlen,
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
	return cb_value_fail(err, errlen, "not a value this module parses");
}

void cb_keys_breaker_inherit(struct cb_breaker_config *dst, const struct cb_breaker_config *src,
                             int key)
{
	const struct key_def *d = &keys[key];
	if (d->kind != K_HOSTS)
		memcpy((char *)dst + d->off, (const char *)src + d->off, d->size);
}

/* Reads an unsigned field of 1, 4 or 8 bytes: the inverse of store. */
static uint64_t load(const void *field, size_t size)
{
	if (size == sizeof(bool)) {
		bool b;
		memcpy(&b, field, sizeof(b));
		return b;
	}
	if (size == sizeof(uint32_t)) {
		uint32_t u;
		memcpy(&u, field, sizeof(u));
		return u;
	}
	uint64_t v;
	memcpy(&v, field, sizeof(v));
	return v;
}

/* Bit v of a set of `size` bytes (struct cb_errno_set and its kin). */
static bool has(const void *set, size_t size, unsigned v)
{
	uint64_t word;

	if (v >= size * 8)
		return false;
	memcpy(&word, (const char *)set + v / 64 * sizeof(word), sizeof(word));
	return word >> (v % 64) & 1;
}

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Appends to buf, cut to fit and always terminated. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < len ? *used + (size_t)n : len;
}

/* The members of a set of errno values or CURLcodes, by name; statuses as
 * codes and lo-hi ranges. `none` for an empty set, as the file writes it. */
static void format_set(const struct key_def *d, const void *set, char *buf, size_t len,
                       size_t *used)
{
	size_t start = *used;
	unsigned bits = (unsigned)d->size * 8;

	for (unsigned v = 0; v < bits; v++) {
		if (!has(set, d->size, v))
			continue;
		const char *sep = *used > start ? " " : "";
		if (d->kind == K_ERRNOS) {
			append(buf, len, used, "%s%s", sep, cb_errno_name((int)v));
		} else if (d->kind == K_CURLCODES) {
			append(buf, len, used, "%s%s", sep, cb_curlcode_name((int)v));
		} else {
			unsigned hi = v;
			while (has(set, d->size, hi + 1))
				hi++;
			if (hi == v)
				append(buf, len, used, "%s%u", sep, v);
			else
				append(buf, len, used, "%s%u-%u", sep, v, hi);
			v = hi;
		}
	}
	if (*used == start)
		append(buf, len, used, "none");
}

/* `10.0.0.8:8080 [::1]:8080`, or `none`. */
static void format_addrs(const struct cb_addr_list *l, char *buf, size_t len, size_t *used)
{
	char ip[INET6_ADDRSTRLEN];
	for (uint32_t i = 0; i < l->n && i < CB_FALLBACK_MAX; i++) {
		const struct cb_addr *a = &l->a[i];
		const char *sep = i ? " " : "";
		if (a->v4 && inet_ntop(AF_INET, &a->ip[12], ip, sizeof(ip)))
			append(buf, len, used, "%s%s:%u", sep, ip, (unsigned)a->port);
		else if (!a->v4 && inet_ntop(AF_INET6, a->ip, ip, sizeof(ip)))
			append(buf, len, used, "%s[%s]:%u", sep, ip, (unsigned)a->port);
	}
	if (l->n == 0)
		append(buf, len, used, "none");
}

void cb_keys_breaker_format(const struct cb_breaker_config *b, int key, char *buf, size_t len)
{
	const struct key_def *d = &keys[key];
	const void *field = (const char *)b + d->off;
	size_t used = 0;
	const char *text;
	double x;
	int e;

	buf[0] = '\0';
	switch (d->kind) {
	case K_HOSTS:
		memcpy(&text, field, sizeof(text));
		append(buf, len, &used, "%s", text ? text : "");
		return;
	case K_COUNT:
		append(buf, len, &used, "%llu", (unsigned long long)load(field, d->size));
		return;
	case K_PERCENT:
		append(buf, len, &used, "%llu%%", (unsigned long long)load(field, d->size));
		return;
	case K_DURATION:
		cb_value_format_duration(load(field, d->size), buf, len);
		return;
	case K_NUMBER:
		memcpy(&x, field, sizeof(x));
		append(buf, len, &used, "%g", x);
		return;
	case K_ERRNO:
		memcpy(&e, field, sizeof(e));
		append(buf, len, &used, "%s", cb_errno_name(e) ? cb_errno_name(e) : "none");
		return;
	case K_WORD:
		append(buf, len, &used, "%s", d->words[load(field, d->size)]);
		return;
	case K_ERRNOS:
	case K_STATUSES:
	case K_CURLCODES:
		format_set(d, field, buf, len, &used);
		return;
	case K_ADDRS:
		format_addrs(field, buf, len, &used);
		return;
	}
}

int cb_keys_global_find(const char *name)
{
	for (int k = 0; k < CB_GKEY_COUNT; k++)
		if (strcmp(gkeys[k].name, name) == 0)
			return k;
	return -1;
}

void cb_keys_global_defaults(struct cb_global_config *g)
{
	char err[CB_DIAG_LEN];

	memset(g, 0, sizeof(*g));
	/* Cannot fail: test_config parses every default of keys.def. */
	for (int k = 0; k < CB_GKEY_COUNT; k++)
		if (gkeys[k].dflt)
			gkeys[k].parse(g, gkeys[k].dflt, err, sizeof(err));
}

int cb_keys_global_parse(struct cb_global_config *g, int key, const char *value, char *err,
                         size_t errlen)
{
	return gkeys[key].parse(g, value, err, errlen);
}
