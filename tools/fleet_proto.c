/* fleet_proto.c - formatting and strict parsing of fleet keys and messages
 * (see fleet_proto.h). A word is accepted only in its one canonical form:
 * single spaces, decimal numbers without sign or leading zeros, names of
 * the allowed characters, nothing before or after. */
#include "fleet_proto.h"

#include <stdio.h>
#include <string.h>

#define VERSION        "cb1"
#define NUM_DIGITS_MAX 19 /* below 2^63 */

static size_t fitted(int n, size_t len)
{
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

size_t cb_fleet_msg_format(char *buf, size_t len, const struct cb_fleet_msg *m)
{
	if (m->kind == CB_FLEET_MSG_OPEN)
		return fitted(snprintf(buf, len, VERSION " open %s %s %llu %llu", m->host,
		                       m->breaker, (unsigned long long)m->gen,
		                       (unsigned long long)m->ms),
		              len);
	return fitted(snprintf(buf, len, VERSION " close %s %s %llu", m->host, m->breaker,
	                       (unsigned long long)m->gen),
	              len);
}

/* The next word of [*p, end): up to a single space or the end. */
static bool next_word(const char **p, const char *end, const char **w, size_t *n)
{
	if (*p >= end)
		return false;
	const char *s = *p;
	const char *e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	*w = s;
	*n = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	/* "a  b" (an empty word) or a trailing space are not canonical. */
	return *n > 0 && !(e < end && e + 1 == end);
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

static bool word_number(const char *w, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
	if (n == 0 || n > NUM_DIGITS_MAX || (n > 1 && w[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool word_name(const char *w, size_t n, char out[CB_NAME_MAX])
{
	if (!cb_fleet_valid_name(w, n))
		return false;
	memcpy(out, w, n);
	out[n] = '\0';
	return true;
}

int cb_fleet_msg_parse(const char *data, size_t len, struct cb_fleet_msg *m)
{
	const char *p = data, *end = data + len, *w;
	size_t n;
	memset(m, 0, sizeof(*m));
	if (len == 0 || len > CB_FLEET_MSG_MAX)
		return -1;
	if (!next_word(&p, end, &w, &n) || !word_is(w, n, VERSION))
		return -1;
	if (!next_word(&p, end, &w, &n))
		return -1;
	if (word_is(w, n, "open"))
		m->kind = CB_FLEET_MSG_OPEN;
	else if (word_is(w, n, "close"))
		m->kind = CB_FLEET_MSG_CLOSE;
	else
		return -1;
	if (!next_word(&p, end, &w, &n) || !word_name(w, n, m->host))
		return -1;
	if (!next_word(&p, end, &w, &n) || !word_name(w, n, m->breaker))
		return -1;
	if (!next_word(&p, end, &w, &n) || !word_number(w, n, 1, INT64_MAX, &m->gen))
		return -1;
	if (m->kind == CB_FLEET_MSG_OPEN &&
	    (!next_word(&p, end, &w, &n) || !word_number(w, n, 1, CB_DURATION_MAX_MS, &m->ms)))
		return -1;
	return p == end ? 0 : -1;
}

size_t cb_fleet_key(char *buf, size_t len, const char *fleet, const char *breaker, const char *host)
{
	return fitted(snprintf(buf, len, "cbreaker:%s:open:%s:%s", fleet, breaker, host), len);
}

size_t cb_fleet_channel(char *buf, size_t len, const char *fleet)
{
	return fitted(snprintf(buf, len, "cbreaker:%s:events", fleet), len);
}

size_t cb_fleet_pattern(char *buf, size_t len, const char *fleet)
{
	return fitted(snprintf(buf, len, "cbreaker:%s:open:*", fleet), len);
}

int cb_fleet_key_parse(const char *key, size_t len, const char *fleet, char breaker[CB_NAME_MAX],
                       char host[CB_NAME_MAX])
{
	char prefix[CB_FLEET_KEY_MAX];
	size_t plen = fitted(snprintf(prefix, sizeof(prefix), "cbreaker:%s:open:", fleet),
	                     sizeof(prefix));
	if (plen == 0 || len <= plen || memcmp(key, prefix, plen) != 0)
		return -1;
	const char *b = key + plen, *end = key + len;
	const char *colon = memchr(b, ':', (size_t)(end - b));
	if (!colon || !word_name(b, (size_t)(colon - b), breaker) ||
	    !word_name(colon + 1, (size_t)(end - colon - 1), host))
		return -1;
	return 0;
}

size_t cb_fleet_value(char *buf, size_t len, uint64_t gen)
{
	return fitted(snprintf(buf, len, VERSION " %llu", (unsigned long long)gen), len);
}

int cb_fleet_value_parse(const char *data, size_t len, uint64_t *gen)
{
	const char *p = data, *end = data + len, *w;
	size_t n;
	if (len == 0 || len > CB_FLEET_MSG_MAX)
		return -1;
	if (!next_word(&p, end, &w, &n) || !word_is(w, n, VERSION))
		return -1;
	if (!next_word(&p, end, &w, &n) || !word_number(w, n, 1, INT64_MAX, gen))
		return -1;
	return p == end ? 0 : -1;
}
