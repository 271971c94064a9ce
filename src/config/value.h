/* value.h - parsers for the kinds of value the configuration uses:
 * durations, percentages, counts, decimal numbers, exact words and lists.
 * Each returns 0, or -1 with a short reason in `err` (no key, no line: the
 * caller adds those). Locale-independent: the shim may run in a program
 * that changed LC_NUMERIC. */
#ifndef CB_CONFIG_VALUE_H
#define CB_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest duration accepted: 365 days, so that `now + duration` in
 * milliseconds can never overflow anywhere downstream. */
#define CB_DURATION_MAX_MS (365ULL * 24 * 3600 * 1000)

/* `250ms`, `30s`, `5m`, `1h`, `1.5s`; a bare number is seconds. */
int cb_value_duration(const char *s, uint64_t *ms, char *err, size_t errlen);

/* Writes ms the way a user would: the largest exact unit (`1500ms`, `30s`,
 * `5m`, `1h`). */
void cb_value_format_duration(uint64_t ms, char *buf, size_t len);

/* `50%` or `50`: a whole percentage 0..100. */
int cb_value_percent(const char *s, uint32_t *pct, char *err, size_t errlen);

/* A decimal whole number in min..max. */
int cb_value_count(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t errlen);

/* A decimal number such as `2` or `1.5`, in min..max. */
int cb_value_number(const char *s, double min, double max, double *out, char *err, size_t errlen);

/* Index of `s` in the NULL-terminated `words` (exact, case-sensitive). */
int cb_value_word(const char *s, const char *const *words, unsigned *index, char *err,
                  size_t errlen);

/* The next item of a list separated by spaces, tabs or commas: copies it
 * into item (NUL-terminated, cut to fit) and advances *p. Returns the
 * item's full length, 0 at the end: a length >= itemlen means the item did
 * not fit, and the caller must reject it rather than use the cut copy. */
size_t cb_value_next_item(const char **p, char *item, size_t itemlen);

/* Writes the message into err (errlen bytes) and returns -1: how every
 * value parser of src/config says why a value is refused. */
int cb_value_fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
