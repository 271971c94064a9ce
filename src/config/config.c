/* config.c - reads the INI file (README "Configuration") with inih and builds a
 * struct cb_config: sections, duplicates, [defaults] inheritance, hosts
 * into the matcher, and every error as "file:line: message".
 *
 * Debian's libinih (r55) is built without line numbers in the handler and
 * with 200-byte lines, so the file reaches inih through our own reader,
 * which counts lines and classifies each one as inih will (blank, comment,
 * section, key, continuation, malformed). That gives every message its
 * line, lets us report all malformed lines (inih reports only the first),
 * keeps section names that inih would cut at 49 characters, and recovers
 * the value of a line longer than inih's buffer from the line itself. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config/config.h"
#include "config/fleet.h"
#include "config/keys.h"
#include "config/nameset.h"
#include "config/value.h"
#include "match/match.h"

#ifndef CB_DEFAULT_CONFIG
#define CB_DEFAULT_CONFIG "/etc/cbreaker/cbreaker.ini"
#endif

/* How much of a value or name a message quotes. */
#define QUOTE_MAX 80
/* A host pattern longer than this cannot be valid (a DNS name is at most
 * 253 characters, plus brackets, prefix and ports). */
#define PATTERN_BUF 320

enum line_kind { L_BLANK, L_COMMENT, L_SECTION, L_KEY, L_CONTINUATION, L_BAD };
enum section_kind { S_NONE, S_GLOBAL, S_DEFAULTS, S_FLEET, S_BREAKER, S_IGNORED };

/* What loading a breaker section found, beside its values. */
struct breaker_seen {
	int line[CB_KEY_COUNT]; /* where each key was set, 0 = not set */
	uint32_t host_items;    /* patterns written, valid or not */
};

struct loader {
	const char *path;
	char *text; /* the whole file, read at once (at most CB_CONFIG_MAX_BYTES) */
	size_t text_len, text_pos;
	struct cb_diag *diag;
	struct cb_config *cfg;
	size_t cap;                       /* room in cfg->breakers and seen */
	struct breaker_seen *seen;        /* per breaker */
	struct breaker_seen dseen;        /* [defaults] */
	struct cb_breaker_config builtin; /* keys.def's defaults, parsed once per load */
	struct cb_breaker_config defaults;
	int gline[CB_GKEY_COUNT]; /* [global] keys: where set */
	int fline[CB_FKEY_COUNT]; /* [fleet] keys: where set */
	int global_line, defaults_line, fleet_line;
	struct cb_nameset names, patterns;
	bool out_of_memory;

	/* The line being read. */
	char *raw;
	size_t raw_cap;
	char *value; /* a value taken from raw (long or continuation lines) */
	size_t value_cap;
	int lineno;
	bool long_line; /* inih got it cut short */
	enum line_kind kind;
	bool handled;   /* inih called the handler for it */
	bool after_key; /* inih's prev_name is set: an indented line continues it */

	/* The section in force. */
	enum section_kind section;
	size_t breaker;
	char section_name[QUOTE_MAX + 1];
	int cont_key;  /* breaker key a continuation extends; -1 none, -2 a [global] or [fleet] key
	                */
	int empty_key; /* list key given an empty value, waiting for continuations */
	int empty_line;
};

static void report(struct loader *l, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void report(struct loader *l, int line, const char *fmt, ...)
{
	struct cb_diag *d = l->diag;
	va_list ap;

	if (d->count++ >= CB_DIAG_MAX)
		return;
	char raw[CB_DIAG_LEN];
	int n = line > 0 ? snprintf(raw, sizeof(raw), "%s:%d: ", l->path, line)
	                 : snprintf(raw, sizeof(raw), "%s: ", l->path);
	if (n < 0 || n >= CB_DIAG_LEN)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(raw + n, sizeof(raw) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Names and values are quoted from the file: a control character
	 * there must not reach the terminal that shows the message. */
	cb_text_escape(d->msg[d->count - 1], CB_DIAG_LEN, raw);
}

static void out_of_memory(struct loader *l)
{
	if (!l->out_of_memory)
		report(l, l->lineno, "out of memory");
	l->out_of_memory = true;
}

/* ---- classifying lines exactly as inih r55 does ---- */

static const char *skip_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* inih's find_chars_or_comment: the first of `chars`, or a ';' that
 * follows whitespace (an inline comment), or the end. */
static const char *find_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* The text from s to the end or an inline comment, without trailing
 * whitespace, into l->value. */
static const char *take_value(struct loader *l, const char *s)
{
	const char *end = find_or_comment(s, NULL);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	size_t n = (size_t)(end - s);
	if (n + 1 > l->value_cap) {
		char *v = realloc(l->value, n + 1);
		if (!v) {
			out_of_memory(l);
			return "";
		}
		l->value = v;
		l->value_cap = n + 1;
	}
	memcpy(l->value, s, n);
	l->value[n] = '\0';
	return l->value;
}

/* The line's text after its UTF-8 byte order mark, which inih skips on the
 * first line. */
static const char *line_text(const struct loader *l)
{
	const char *s = l->raw;
	if (l->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	return s;
}

static void begin_section(struct loader *l, const char *name, size_t len);
static void settle_empty_key(struct loader *l);

static void classify(struct loader *l)
{
	const char *line = line_text(l);
	const char *start = skip_space(line);

	l->handled = false;
	if (!*start) {
		l->kind = L_BLANK;
	} else if (*start == ';' || *start == '#') {
		l->kind = L_COMMENT;
	} else if (l->after_key && start > l->raw) {
		l->kind = L_CONTINUATION;
	} else if (*start == '[') {
		const char *close = find_or_comment(start + 1, "]");
		if (*close != ']') {
			/* inih keeps the previous section; its keys would land
			 * there, so skip them until the next good header. */
			l->kind = L_BAD;
			report(l, l->lineno, "section header without ']'");
			settle_empty_key(l);
			l->section = S_IGNORED;
			l->cont_key = -1;
			return;
		}
		l->kind = L_SECTION;
		l->after_key = false;
		begin_section(l, start + 1, (size_t)(close - start - 1));
	} else {
		const char *sep = find_or_comment(start, "=:");
		if (*sep == '=' || *sep == ':') {
			l->kind = L_KEY;
			l->after_key = true;
		} else {
			l->kind = L_BAD;
			report(l, l->lineno, "expected [section], key = value, or a comment");
		}
	}
}

/* ---- sections ---- */

/* A list key left with an empty value and no continuation line (an empty
 * `hosts` is reported with the breaker's other hosts checks, in finish). */
static void settle_empty_key(struct loader *l)
{
	if (l->empty_key >= 0 && l->empty_key != CB_KEY_HOSTS)
		report(l, l->empty_line, "[%s] %s: empty value", l->section_name,
		       cb_keys_breaker_name(l->empty_key));
	l->empty_key = -1;
}

static bool valid_breaker_name(const char *name, size_t len)
{
	if (len == 0 || len >= CB_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

static bool add_breaker(struct loader *l, const char *name, size_t len)
{
	struct cb_config *cfg = l->cfg;

	if (cfg->n_breakers == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct cb_breaker_config *b = realloc(cfg->breakers, cap * sizeof(*b));
		if (b)
			cfg->breakers = b;
		struct breaker_seen *s = realloc(l->seen, cap * sizeof(*s));
		if (s)
			l->seen = s;
		if (!b || !s)
			return false;
		l->cap = cap;
	}
	struct cb_breaker_config *b = &cfg->breakers[cfg->n_breakers];
	memcpy(b, &l->builtin, sizeof(*b));
	memcpy(b->name, name, len);
	b->name[len] = '\0';
	b->line = l->lineno;
	memset(&l->seen[cfg->n_breakers], 0, sizeof(l->seen[0]));
	l->breaker = cfg->n_breakers++;
	return true;
}

static void begin_section(struct loader *l, const char *name, size_t len)
{
	settle_empty_key(l);
	l->cont_key = -1;
	snprintf(l->section_name, sizeof(l->section_name), "%.*s", (int)len, name);
	l->section = S_IGNORED;

	int *first = NULL;
	if (len == 6 && memcmp(name, "global", 6) == 0)
		first = &l->global_line;
	else if (len == 8 && memcmp(name, "defaults", 8) == 0)
		first = &l->defaults_line;
	else if (len == 5 && memcmp(name, "fleet", 5) == 0)
		first = &l->fleet_line;
	if (first) {
		if (*first) {
			report(l, l->lineno, "duplicate section [%s] (first on line %d)",
			       l->section_name, *first);
			return;
		}
		*first = l->lineno;
		l->section = first == &l->global_line     ? S_GLOBAL
		             : first == &l->defaults_line ? S_DEFAULTS
		                                          : S_FLEET;
		l->cfg->fleet.enabled |= l->section == S_FLEET;
		return;
	}
	if (!valid_breaker_name(name, len)) {
		report(l, l->lineno,
		       "bad breaker name [%s]: use 1 to %d of the characters A-Z a-z 0-9 _ . -",
		       l->section_name, CB_NAME_MAX - 1);
		return;
	}
	const struct cb_nameset_entry *dup;
	int rc = cb_nameset_put(&l->names, l->section_name, l->lineno, 0, &dup);
	if (rc < 0 || (rc == 0 && !add_breaker(l, name, len))) {
		out_of_memory(l);
		return;
	}
	if (rc == 1) {
		report(l, l->lineno, "duplicate breaker [%s] (first on line %d)", l->section_name,
		       dup->a);
		return;
	}
	l->section = S_BREAKER;
}

/* ---- keys ---- */

static void global_key(struct loader *l, const char *name, const char *value)
{
	char err[CB_DIAG_LEN];
	int k = cb_keys_global_find(name);

	if (k < 0) {
		report(l, l->lineno, "[global] unknown key \"%.*s\"", QUOTE_MAX, name);
		return;
	}
	if (l->gline[k]) {
		report(l, l->lineno, "[global] duplicate key %s (first on line %d)", name,
		       l->gline[k]);
		return;
	}
	l->gline[k] = l->lineno;
	l->cont_key = -2;
	if (!*value)
		report(l, l->lineno, "[global] %s: empty value", name);
	else if (cb_keys_global_parse(&l->cfg->global, k, value, err, sizeof(err)) < 0)
		report(l, l->lineno, "[global] %s = %.*s: %s", name, QUOTE_MAX, value, err);
}

static void fleet_key(struct loader *l, const char *name, const char *value)
{
	char err[CB_DIAG_LEN];
	int k = cb_fleet_key_find(name);

	if (k < 0) {
		report(l, l->lineno, "[fleet] unknown key \"%.*s\"", QUOTE_MAX, name);
		return;
	}
	if (l->fline[k]) {
		report(l, l->lineno, "[fleet] duplicate key %s (first on line %d)", name,
		       l->fline[k]);
		return;
	}
	l->fline[k] = l->lineno;
	l->cont_key = -2;
	if (!*value)
		report(l, l->lineno, "[fleet] %s: empty value", name);
	else if (cb_fleet_parse(&l->cfg->fleet, k, value, err, sizeof(err)) < 0)
		report(l, l->lineno, "[fleet] %s = %.*s: %s", name, QUOTE_MAX, value, err);
}

/* Each pattern goes to the matcher now, so patterns keep file order (the
 * matcher's tie-break). A pattern written identically in two breakers is an
 * error rather than a silent first-wins: one of the two breakers would
 * never see that destination. */
static void add_hosts(struct loader *l, const char *value)
{
	struct cb_breaker_config *b = &l->cfg->breakers[l->breaker];
	char item[PATTERN_BUF], folded[PATTERN_BUF], err[CB_DIAG_LEN];
	const char *p = value;
	size_t n;

	while ((n = cb_value_next_item(&p, item, sizeof(item))) != 0) {
		l->seen[l->breaker].host_items++;
		if (n >= sizeof(item)) {
			report(l, l->lineno, "[%s] hosts: pattern \"%.*s...\" is too long",
			       l->section_name, QUOTE_MAX, item);
			continue;
		}
		for (size_t i = 0; i <= n; i++)
			folded[i] = (char)tolower((unsigned char)item[i]);
		const struct cb_nameset_entry *dup;
		int rc = cb_nameset_put(&l->patterns, folded, (int)l->breaker, l->lineno, &dup);
		if (rc < 0) {
			out_of_memory(l);
			return;
		}
		if (rc == 1 && (size_t)dup->a != l->breaker) {
			report(l, l->lineno,
			       "[%s] hosts: pattern \"%s\" is already in [%s] (line %d)",
			       l->section_name, item, l->cfg->breakers[dup->a].name, dup->b);
			continue;
		}
		if (rc == 1)
			continue; /* the same breaker twice: harmless */
		if (cb_matcher_add(l->cfg->matcher, item, (uint32_t)l->breaker, err, sizeof(err)) <
		    0) {
			report(l, l->lineno, "[%s] hosts: %s", l->section_name, err);
			continue;
		}
		size_t old = b->hosts ? strlen(b->hosts) : 0;
		char *h = realloc(b->hosts, old + n + 2);
		if (!h) {
			out_of_memory(l);
			return;
		}
		if (old)
			h[old++] = ' ';
		memcpy(h + old, item, n + 1);
		b->hosts = h;
	}
}

static void breaker_key(struct loader *l, const char *name, const char *value)
{
	bool defaults = l->section == S_DEFAULTS;
	struct breaker_seen *seen = defaults ? &l->dseen : &l->seen[l->breaker];
	struct cb_breaker_config *b = defaults ? &l->defaults : &l->cfg->breakers[l->breaker];
	char err[CB_DIAG_LEN];
	int k = cb_keys_breaker_find(name);

	if (k < 0) {
		report(l, l->lineno, "[%s] unknown key \"%.*s\"", l->section_name, QUOTE_MAX, name);
		return;
	}
	if (seen->line[k]) {
		report(l, l->lineno, "[%s] duplicate key %s (first on line %d)", l->section_name,
		       name, seen->line[k]);
		return;
	}
	seen->line[k] = l->lineno;
	if (k == CB_KEY_HOSTS && defaults) {
		report(l, l->lineno,
		       "[defaults] hosts: not allowed here, each breaker lists its own");
		return;
	}
	l->cont_key = k;
	if (!*value) {
		if (cb_keys_breaker_is_list(k)) {
			/* `hosts =` followed by indented lines is a list. */
			l->empty_key = k;
			l->empty_line = l->lineno;
			if (k != CB_KEY_HOSTS)
				cb_keys_breaker_parse(b, k, "", false, err, sizeof(err));
		} else {
			report(l, l->lineno, "[%s] %s: empty value", l->section_name, name);
		}
		return;
	}
	if (k == CB_KEY_HOSTS)
		add_hosts(l, value);
	else if (cb_keys_breaker_parse(b, k, value, false, err, sizeof(err)) < 0)
		report(l, l->lineno, "[%s] %s = %.*s: %s", l->section_name, name, QUOTE_MAX, value,
		       err);
}

static void continue_key(struct loader *l, const char *value)
{
	int k = l->cont_key;
	char err[CB_DIAG_LEN];

	if (l->section != S_BREAKER && l->section != S_DEFAULTS && l->section != S_GLOBAL &&
	    l->section != S_FLEET)
		return; /* the key it continues was already reported */
	if (k == -1)
		return;
	if (k == -2) {
		report(l, l->lineno, "[%s] indented line: a %s key takes a single value",
		       l->section_name, l->section_name);
		l->cont_key = -1;
		return;
	}
	if (strchr(value, '=')) {
		report(l, l->lineno,
		       "[%s] indented line continues %s: remove the indentation to start a new key",
		       l->section_name, cb_keys_breaker_name(k));
		return;
	}
	l->empty_key = -1;
	if (k == CB_KEY_HOSTS) {
		add_hosts(l, value);
		return;
	}
	struct cb_breaker_config *b =
	        l->section == S_DEFAULTS ? &l->defaults : &l->cfg->breakers[l->breaker];
	if (cb_keys_breaker_parse(b, k, value, true, err, sizeof(err)) < 0) {
		report(l, l->lineno, "[%s] %s (continued) %.*s: %s", l->section_name,
		       cb_keys_breaker_name(k), QUOTE_MAX, value, err);
		if (!cb_keys_breaker_is_list(k))
			l->cont_key = -1;
	}
}

/* ---- inih callbacks ---- */

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *l = user;
	(void)section; /* ours: inih cuts names at 49 characters */

	l->handled = true;
	if (l->kind == L_CONTINUATION) {
		/* From the line itself: inih r55 keeps inline comments on
		 * continuation lines, and may have cut a long one. */
		continue_key(l, take_value(l, skip_space(line_text(l))));
		return 1;
	}
	if (l->long_line)
		value = take_value(l, skip_space(find_or_comment(line_text(l), "=:") + 1));
	settle_empty_key(l);
	l->cont_key = -1;
	switch (l->section) {
	case S_NONE:
		report(l, l->lineno, "key \"%.*s\" outside any [section]", QUOTE_MAX, name);
		break;
	case S_GLOBAL:
		global_key(l, name, value);
		break;
	case S_FLEET:
		fleet_key(l, name, value);
		break;
	case S_DEFAULTS:
	case S_BREAKER:
		breaker_key(l, name, value);
		break;
	case S_IGNORED:
		break; /* the section header was reported */
	}
	return 1;
}

/* A key line inih did not hand over: its '=' lies beyond inih's buffer. */
static void check_handled(struct loader *l)
{
	if ((l->kind == L_KEY || l->kind == L_CONTINUATION) && !l->handled)
		report(l, l->lineno, "line too long for the INI parser before its '='");
	l->kind = L_BLANK;
}

/* Feeds inih one physical line at a time, counting and classifying. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *l = stream;

	check_handled(l);
	if (num < 3)
		return NULL;
	if (l->text_pos >= l->text_len)
		return NULL;
	const char *start = l->text + l->text_pos;
	const char *nl = memchr(start, '\n', l->text_len - l->text_pos);
	size_t len = nl ? (size_t)(nl - start) + 1 : l->text_len - l->text_pos;
	l->text_pos += len;
	l->lineno++;
	if (len + 1 > l->raw_cap) {
		char *r = realloc(l->raw, len + 1);
		if (!r) {
			out_of_memory(l);
			return NULL;
		}
		l->raw = r;
		l->raw_cap = len + 1;
	}
	if (memchr(start, '\0', len)) {
		/* inih would end the line there and take a shortened value. */
		report(l, l->lineno, "NUL byte in the line");
		len = 1;
		start = "\n";
	}
	memcpy(l->raw, start, len);
	l->raw[len] = '\0';
	l->long_line = len + 1 > (size_t)num;
	if (l->long_line) {
		memcpy(str, l->raw, (size_t)num - 2);
		str[num - 2] = '\n';
		str[num - 1] = '\0';
	} else {
		memcpy(str, l->raw, len + 1);
	}
	classify(l);
	return str;
}

/* ---- after the last line ---- */

static void inherit_defaults(struct loader *l, size_t i)
{
	struct cb_breaker_config *b = &l->cfg->breakers[i];
	struct breaker_seen *seen = &l->seen[i];

	for (int k = 0; k < CB_KEY_COUNT; k++) {
		if (seen->line[k] || !l->dseen.line[k])
			continue;
		cb_keys_breaker_inherit(b, &l->defaults, k);
	}
	if (!seen->line[CB_KEY_OPEN_TIMEOUT_MAX] && !l->dseen.line[CB_KEY_OPEN_TIMEOUT_MAX])
		b->open_timeout_max_ms = b->open_timeout_ms;
	if (!seen->line[CB_KEY_MODE] && !l->dseen.line[CB_KEY_MODE])
		b->mode = l->cfg->global.mode;
}

/* open_timeout_max below open_timeout, reported once where it was written:
 * in [defaults] if both values come from there, else in the breaker. */
static void check_open_timeouts(struct loader *l, const struct cb_breaker_config *b,
                                const struct breaker_seen *seen)
{
	char max[32], min[32];

	if (b->open_timeout_max_ms >= b->open_timeout_ms)
		return;
	int line = seen->line[CB_KEY_OPEN_TIMEOUT_MAX] ? seen->line[CB_KEY_OPEN_TIMEOUT_MAX]
	                                               : seen->line[CB_KEY_OPEN_TIMEOUT];
	if (!line)
		return;
	cb_value_format_duration(b->open_timeout_max_ms, max, sizeof(max));
	cb_value_format_duration(b->open_timeout_ms, min, sizeof(min));
	report(l, line, "[%s] open_timeout_max (%s) is below open_timeout (%s)", b->name, max, min);
}

/* What breakers made by discovery (README "Discovery") run with: the
 * built-in defaults and [defaults], in observe mode whatever is written. */
static void settle_discovered(struct loader *l)
{
	struct cb_breaker_config *d = &l->cfg->discovered;
	*d = l->builtin;
	for (int k = 0; k < CB_KEY_COUNT; k++)
		if (l->dseen.line[k])
			cb_keys_breaker_inherit(d, &l->defaults, k);
	if (!l->dseen.line[CB_KEY_OPEN_TIMEOUT_MAX])
		d->open_timeout_max_ms = d->open_timeout_ms;
	d->mode = CB_MODE_OBSERVE;
	d->scope = CB_SCOPE_SERVICE; /* a discovered breaker is one destination already */
	d->hosts = NULL;
}

static void finish(struct loader *l)
{
	struct cb_config *cfg = l->cfg;

	settle_empty_key(l);
	if (l->dseen.line[CB_KEY_OPEN_TIMEOUT_MAX]) {
		snprintf(l->defaults.name, sizeof(l->defaults.name), "defaults");
		check_open_timeouts(l, &l->defaults, &l->dseen);
	}
	for (size_t i = 0; i < cfg->n_breakers; i++) {
		struct cb_breaker_config *b = &cfg->breakers[i];
		struct breaker_seen *seen = &l->seen[i];
		if (!seen->line[CB_KEY_HOSTS])
			report(l, b->line, "[%s] has no hosts", b->name);
		else if (!seen->host_items)
			report(l, seen->line[CB_KEY_HOSTS], "[%s] hosts: empty value", b->name);
		inherit_defaults(l, i);
		check_open_timeouts(l, b, seen);
		cfg->n_endpoint_scoped += b->scope == CB_SCOPE_ENDPOINT;
	}
	settle_discovered(l);
}

/* The line a kept message is about (0 for the whole file). */
static long message_line(const struct loader *l, const char *msg)
{
	size_t n = strlen(l->path);
	return strncmp(msg, l->path, n) == 0 && msg[n] == ':' ? strtol(msg + n + 1, NULL, 10) : 0;
}

/* Messages in line order: the checks made after the last line (missing
 * hosts, open_timeout_max) come last otherwise. Stable, at most
 * CB_DIAG_MAX messages. */
static void sort_messages(const struct loader *l)
{
	struct cb_diag *d = l->diag;
	size_t n = d->count < CB_DIAG_MAX ? d->count : CB_DIAG_MAX;
	char tmp[CB_DIAG_LEN];

	for (size_t i = 1; i < n; i++) {
		long line = message_line(l, d->msg[i]);
		size_t j = i;
		while (j > 0 && message_line(l, d->msg[j - 1]) > line)
			j--;
		if (j == i)
			continue;
		memcpy(tmp, d->msg[i], CB_DIAG_LEN);
		memmove(d->msg[j + 1], d->msg[j], (i - j) * CB_DIAG_LEN);
		memcpy(d->msg[j], tmp, CB_DIAG_LEN);
	}
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
	                     : "not a regular file";
}

/* The whole file into l->text. Only a regular file of at most
 * CB_CONFIG_MAX_BYTES (README "Configuration"): /dev/zero would grow the
 * program without end and a FIFO or /dev/urandom block it before main().
 * O_NONBLOCK: opening a FIFO must not wait for a writer either. */
/* The whole file into *text (*len bytes, NUL-terminated room left), or
 * false with the reason in why: a path that is not a regular file (a
 * device or a FIFO would bloat or hang the program), or one over
 * CB_CONFIG_MAX_BYTES, is refused (README "Configuration"). */
static bool read_text(const char *path, char **text, size_t *len, char *why, size_t whylen)
{
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return false;
	}
	struct stat sb;
	bool ok = false;
	if (fstat(fd, &sb) != 0)
		snprintf(why, whylen, "cannot stat: %s", strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		snprintf(why, whylen, "is %s, not a regular file", file_kind(sb.st_mode));
	else if (sb.st_size > CB_CONFIG_MAX_BYTES)
		snprintf(why, whylen, "larger than %d MiB", CB_CONFIG_MAX_BYTES >> 20);
	else if (!(*text = malloc((size_t)sb.st_size + 1)))
		snprintf(why, whylen, "out of memory");
	else
		ok = true;
	/* The size is read again as it comes: the file may grow meanwhile. */
	size_t cap = ok ? (size_t)sb.st_size + 1 : 0;
	while (ok) {
		if (*len == cap) {
			size_t more = cap * 2 > CB_CONFIG_MAX_BYTES + 1 ? CB_CONFIG_MAX_BYTES + 1
			                                                : cap * 2;
			char *t = more > cap ? realloc(*text, more) : NULL;
			if (!t) {
				snprintf(why, whylen, "larger than %d MiB",
				         CB_CONFIG_MAX_BYTES >> 20);
				ok = false;
				break;
			}
			*text = t;
			cap = more;
		}
		ssize_t n = read(fd, *text + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whylen, "cannot read: %s", strerror(errno));
			ok = false;
		}
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return ok;
}

static bool read_file(struct loader *l)
{
	char why[CB_DIAG_LEN];
	if (read_text(l->path, &l->text, &l->text_len, why, sizeof(why)))
		return true;
	if (strcmp(why, "out of memory") == 0)
		out_of_memory(l);
	else
		report(l, 0, "%s", why);
	return false;
}

struct cb_config *cb_config_load(const char *path, struct cb_diag *diag)
{
	struct loader l = {.path = path ? path : "", .diag = diag};
	diag->count = 0;
	if (!read_file(&l)) {
		free(l.text);
		return NULL;
	}
	return cb_config_load_text(path, l.text, l.text_len, diag);
}

struct cb_config *cb_config_load_text(const char *path, char *text, size_t len,
                                      struct cb_diag *diag)
{
	struct loader l = {.path = path ? path : "",
	                   .diag = diag,
	                   .cont_key = -1,
	                   .empty_key = -1,
	                   .text = text,
	                   .text_len = len};
	diag->count = 0;
	l.cfg = calloc(1, sizeof(*l.cfg));
	if (l.cfg)
		l.cfg->matcher = cb_matcher_new();
	if (!l.cfg || !l.cfg->matcher) {
		out_of_memory(&l);
		free(l.text);
		cb_config_free(l.cfg);
		return NULL;
	}
	snprintf(l.cfg->path, sizeof(l.cfg->path), "%s", l.path);
	if (!realpath(l.path, l.cfg->real_path))
		snprintf(l.cfg->real_path, sizeof(l.cfg->real_path), "%s", l.path);
	cb_keys_global_defaults(&l.cfg->global);
	cb_fleet_defaults(&l.cfg->fleet);
	cb_keys_breaker_defaults(&l.builtin);
	memcpy(&l.defaults, &l.builtin, sizeof(l.defaults));
	cb_nameset_init(&l.names);
	cb_nameset_init(&l.patterns);

	ini_parse_stream(reader, &l, handler, &l);
	check_handled(&l);
	finish(&l);

	free(l.text);
	free(l.raw);
	free(l.value);
	free(l.seen);
	cb_nameset_free(&l.names);
	cb_nameset_free(&l.patterns);
	if (diag->count) {
		sort_messages(&l);
		cb_config_free(l.cfg);
		return NULL;
	}
	return l.cfg;
}

/* One line of text[0..len) from *pos (its end excluded), or NULL at the end. */
static const char *next_line(const char *text, size_t text_len, size_t *pos, size_t *len)
{
	if (*pos >= text_len)
		return NULL;
	const char *start = text + *pos;
	const char *nl = memchr(start, '\n', text_len - *pos);
	*len = nl ? (size_t)(nl - start) : text_len - *pos;
	*pos += *len + (nl ? 1 : 0);
	return start;
}

/* The [global] keys the state file needs, from one line of that section. */
static bool peek_global_line(struct cb_config *cfg, const char *line, size_t len)
{
	char buf[CB_DIAG_LEN], err[CB_DIAG_LEN];
	if (len >= sizeof(buf))
		return true; /* not one of the short keys the state needs */
	memcpy(buf, line, len);
	buf[len] = '\0';
	char *eq = strchr(buf, '=');
	if (!eq)
		return true;
	char *key = (char *)skip_space(buf), *end = eq;
	while (end > key && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (strcmp(key, "state_file") != 0 && strcmp(key, "state_group") != 0 &&
	    strcmp(key, "state_mode") != 0)
		return true;
	char *value = (char *)skip_space(eq + 1);
	char *stop = (char *)find_or_comment(value, NULL);
	while (stop > value && isspace((unsigned char)stop[-1]))
		stop--;
	*stop = '\0';
	int k = cb_keys_global_find(key);
	return k >= 0 && cb_keys_global_parse(&cfg->global, k, value, err, sizeof(err)) == 0;
}

/* Does this line (not [global]'s) say scope = endpoint? */
static bool says_endpoint_scope(const char *line, size_t len)
{
	if (len < 5 || memcmp(line, "scope", 5) != 0)
		return false;
	const char *p = line + 5, *end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p++ != '=')
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return (size_t)(end - p) >= 8 && memcmp(p, "endpoint", 8) == 0;
}

struct cb_config *cb_config_load_global(const char *path, char **text_out, size_t *len_out)
{
	char why[CB_DIAG_LEN], *text;
	size_t text_len;
	*text_out = NULL;
	if (!read_text(path, &text, &text_len, why, sizeof(why))) {
		free(text);
		return NULL;
	}
	*text_out = text;
	*len_out = text_len;
	struct cb_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if (!realpath(path, cfg->real_path))
		snprintf(cfg->real_path, sizeof(cfg->real_path), "%s", path);
	cb_keys_global_defaults(&cfg->global);
	bool in_global = false, in_defaults = false, all_endpoint = false, ok = true;
	size_t pos = 0, len;
	for (const char *line; ok && (line = next_line(text, text_len, &pos, &len)) != NULL;) {
		const char *t = skip_space(line);
		size_t n = len - (size_t)(t - line);
		if (n == 0 || *t == ';' || *t == '#')
			continue;
		if (*t != '[') {
			if (in_global)
				ok = peek_global_line(cfg, t, n);
			else if (says_endpoint_scope(t, n) && in_defaults)
				all_endpoint = true;
			else if (says_endpoint_scope(t, n))
				cfg->n_endpoint_scoped++;
			continue;
		}
		const char *close = memchr(t, ']', n);
		size_t name_len = close ? (size_t)(close - t - 1) : 0;
		in_global = name_len == 6 && memcmp(t + 1, "global", 6) == 0;
		in_defaults = name_len == 8 && memcmp(t + 1, "defaults", 8) == 0;
		bool other = in_defaults || (name_len == 5 && memcmp(t + 1, "fleet", 5) == 0);
		if (!in_global && !other)
			cfg->n_breakers++;
	}
	if (all_endpoint)
		cfg->n_endpoint_scoped = cfg->n_breakers;
	if (!ok) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

void cb_config_free(struct cb_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; cfg->breakers && i < cfg->n_breakers; i++)
		free(cfg->breakers[i].hosts);
	free(cfg->breakers);
	cb_matcher_free(cfg->matcher);
	free(cfg);
}

/* secure_getenv: a set-user-ID program must not be pointed at a file of
 * its caller's choosing. */
static const char *env_path(void)
{
	const char *env = secure_getenv("CBREAKER_CONFIG");
	return env && *env ? env : NULL;
}

const char *cb_config_default_path(void)
{
	const char *env = env_path();
	return env ? env : CB_DEFAULT_CONFIG;
}

bool cb_config_path_is_explicit(void)
{
	return env_path() != NULL;
}
