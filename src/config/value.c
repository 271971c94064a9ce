/* value.c - value parsers of the configuration (see value.h).
 * Written by hand rather than with strtoul/strtod: those accept signs,
 * leading spaces, hex and locale-dependent decimal points, all of which
 * would let a typo through as a surprising value. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/value.h"

/* Digits after the decimal point kept exactly (a nanosecond's worth). */
#define FRACTION_DIGITS_MAX 9

int cb_value_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal number "W" or "W.F" at *p, advancing it. frac holds the digits
 * after the point, scale is 10^(their count). Returns -1 on bad syntax and
 * -2 when the whole part exceeds `cap` (values beyond it are all out of
 * range for the caller, and stopping there avoids overflow). */
static int decimal(const char **p, uint64_t cap, uint64_t *whole, uint64_t *frac, uint64_t *scale)
{
	const char *s = *p;
	*whole = 0;
	*frac = 0;
	*scale = 1;
	if (!is_digit(*s))
		return -1;
	for (; is_digit(*s); s++) {
		*whole = *whole * 10 + (uint64_t)(*s - '0');
		if (*whole > cap)
			return -2;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return -1;
		for (int n = 0; is_digit(*s); s++, n++) {
			if (n == FRACTION_DIGITS_MAX)
				return -1;
			*frac = *frac * 10 + (uint64_t)(*s - '0');
			*scale *= 10;
		}
	}
	*p = s;
	return 0;
}

int cb_value_duration(const char *s, uint64_t *ms, char *err, size_t errlen)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};
	const char *p = s;
	uint64_t whole, frac, scale;

	int rc = decimal(&p, CB_DURATION_MAX_MS, &whole, &frac, &scale);
	if (rc == -2)
		return cb_value_fail(err, errlen, "out of range (at most 365 days)");
	if (rc < 0)
		return cb_value_fail(err, errlen,
		                     "not a duration (write e.g. 250ms, 30s, 5m or 1h)");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		uint64_t unit = units[i].ms;
		/* frac < 10^9 and unit <= 3.6e6: the product fits in 64 bits. */
		if (frac * unit % scale)
			return cb_value_fail(err, errlen, "finer than a millisecond");
		if (whole > CB_DURATION_MAX_MS / unit ||
		    whole * unit + frac * unit / scale > CB_DURATION_MAX_MS)
			return cb_value_fail(err, errlen, "out of range (at most 365 days)");
		*ms = whole * unit + frac * unit / scale;
		return 0;
	}
	return cb_value_fail(err, errlen, "unknown unit \"%s\" (use ms, s, m or h)", p);
}

void cb_value_format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

int cb_value_percent(const char *s, uint32_t *pct, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t whole, frac, scale;

	int rc = decimal(&p, 100, &whole, &frac, &scale);
	if (rc == -2)
		return cb_value_fail(err, errlen, "out of range (0..100%%)");
	if (rc == -1 || (*p && strcmp(p, "%") != 0))
		return cb_value_fail(err, errlen, "not a percentage (write e.g. 50%% or 50)");
	if (frac)
		return cb_value_fail(err, errlen, "not a whole percentage");
	*pct = (uint32_t)whole;
	return 0;
}

int cb_value_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t errlen)
{
	uint64_t v = 0;
	const char *p = s;

	if (!is_digit(*p))
		return cb_value_fail(err, errlen, "not a whole number");
	for (; is_digit(*p); p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			break;
	}
	while (is_digit(*p))
		p++;
	if (*p)
		return cb_value_fail(err, errlen, "not a whole number");
	if (v < min || v > max)
		return cb_value_fail(err, errlen, "out of range (%llu..%llu)",
		                     (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int cb_value_number(const char *s, double min, double max, double *out, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t whole, frac, scale;

	int rc = decimal(&p, (uint64_t)max, &whole, &frac, &scale);
	if (rc == -2)
		return cb_value_fail(err, errlen, "out of range (%g..%g)", min, max);
	if (rc == -1 || *p)
		return cb_value_fail(err, errlen, "not a number (write e.g. 2 or 1.5)");
	double v = (double)whole + (double)frac / (double)scale;
	if (v < min || v > max)
		return cb_value_fail(err, errlen, "out of range (%g..%g)", min, max);
	*out = v;
	return 0;
}

int cb_value_word(const char *s, const char *const *words, unsigned *index, char *err,
                  size_t errlen)
{
	char list[160] = "";
	size_t used = 0;

	for (unsigned i = 0; words[i]; i++) {
		if (strcmp(s, words[i]) == 0) {
			*index = i;
			return 0;
		}
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", words[i]);
		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	return cb_value_fail(err, errlen, "expected one of: %s", list);
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

size_t cb_value_next_item(const char **p, char *item, size_t itemlen)
{
	const char *s = *p;

	while (is_separator(*s))
		s++;
	if (!*s) {
		*p = s;
		return 0;
	}
	size_t n = 0;
	while (s[n] && !is_separator(s[n]))
		n++;
	size_t keep = n < itemlen ? n : itemlen - 1;
	memcpy(item, s, keep);
	item[keep] = '\0';
	*p = s + n;
	return n;
}
