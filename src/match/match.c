/* match.c - host patterns (README "Configuration"): parsing and validation in
 * cb_matcher_add, and the look-up that picks the most specific pattern for a
 * destination. Exact names and wildcard suffixes live in hash tables keyed by
 * the lower-cased name; addresses and CIDR prefixes in one table per family
 * keyed by (prefix length, masked address), with a bitmap of the lengths in
 * use so a look-up probes only those, longest first. Nothing is linear in
 * the number of patterns, and cb_matcher_lookup neither allocates nor locks. */
#include "match/match.h"

#include <arpa/inet.h>
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "match/ip.h"
#include "match/table.h"

/* RFC 1035 2.3.4: 255 octets on the wire are 253 characters of text. */
#define NAME_MAX_LEN  253
#define LABEL_MAX_LEN 63
/* Suffixes in one name: each starts after a dot with a character that is
 * not a dot, so a name of NAME_MAX_LEN characters has fewer than this. */
#define SUFFIX_MAX (CB_HOST_MAX / 2)
/* Longest pattern accepted: "[" IPv6 "/128]:65535-65535" fits easily. */
#define PATTERN_MAX_LEN (NAME_MAX_LEN + 24)
/* The address filter: one bit per value of an address's top 16 bits. */
#define TOP_BITS  16
#define TOP_WORDS ((1u << TOP_BITS) / 64)
/* The prefix filter: one bit per value of 12 bits of a prefix key's hash.
 * With a few dozen prefixes most probes for a key that is absent (a near
 * miss: an address beside a pattern's) end on this bit, without the table. */
#define KEY_BITS  12
#define KEY_WORDS ((1u << KEY_BITS) / 64)

struct cb_matcher {
	struct cb_mtable exact; /* lower-cased name without the trailing dot */
	struct cb_mtable wild;  /* the suffix after "*." */
	struct cb_mtable v4;    /* key: the masked address words, the length */
	struct cb_mtable v6;
	uint64_t exact_lens[4]; /* bit N: some exact name is N characters long */
	uint64_t wild_lens[4];  /* bit N: some wildcard suffix is N long */
	uint64_t v4_lens;       /* bit L: some pattern has an IPv4 /L */
	uint64_t v6_lens[3];    /* bit L % 64 of word L / 64: some IPv6 /L */
	/* Bit X: some prefix may hold addresses whose top 16 bits are X. Most
	 * unrelated connects end on this one bit test, without hashing. */
	uint64_t v4_top[TOP_WORDS];
	uint64_t v6_top[TOP_WORDS];
	uint64_t v4_keys[KEY_WORDS]; /* bit key_bit(hash) of each prefix key */
	uint64_t v6_keys[KEY_WORDS];
	uint32_t added; /* patterns so far: the next one's order */
};

/* Where the error of the pattern being added goes. */
struct add_ctx {
	const char *pattern;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(const struct add_ctx *c, const char *fmt, ...)
{
	if (!c->err || !c->errlen)
		return -1;
	int k = snprintf(c->err, c->errlen, "pattern \"%.*s\": ", PATTERN_MAX_LEN, c->pattern);
	if (k >= 0 && (size_t)k < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct cb_matcher *cb_matcher_new(void)
{
	return calloc(1, sizeof(struct cb_matcher));
}

void cb_matcher_free(struct cb_matcher *m)
{
	if (!m)
		return;
	cb_mtable_free(&m->exact);
	cb_mtable_free(&m->wild);
	cb_mtable_free(&m->v4);
	cb_mtable_free(&m->v6);
	free(m);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* An IP literal starts with a hex digit, ':' or '['. */
static bool may_start_literal(char c)
{
	return is_digit(c) || (fold(c) >= 'a' && fold(c) <= 'f') || c == ':' || c == '[';
}

/* Names are hashed from their last character, so the hash state reached at
 * a dot is the hash of the suffix after it: one pass serves every suffix. */
static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = CB_FNV1A_BASIS;
	while (n-- > 0)
		h = cb_fnv1a_byte(h, (uint8_t)s[n]);
	return h;
}

/* An address as two big-endian words, so that masking a prefix and hashing
 * it take a handful of instructions (IPv4 fills the top half of `hi`). */
struct words {
	uint64_t hi, lo;
};

static uint64_t load_be64(const uint8_t *b)
{
	uint64_t v;
	memcpy(&v, b, sizeof(v));
	return be64toh(v);
}

static struct words words_of(const struct cb_ip *ip)
{
	if (ip->family == AF_INET) {
		uint32_t v;
		memcpy(&v, ip->b, sizeof(v));
		return (struct words){(uint64_t)be32toh(v) << 32, 0};
	}
	return (struct words){load_be64(ip->b), load_be64(ip->b + 8)};
}

static uint64_t top_bits(unsigned n)
{
	return n >= 64 ? ~0ULL : n ? ~0ULL << (64 - n) : 0;
}

static struct words words_masked(struct words w, unsigned len)
{
	return (struct words){w.hi & top_bits(len), w.lo & top_bits(len > 64 ? len - 64 : 0)};
}

/* The hash of a prefix key. It needs no quality of its own: the table
 * mixes it before use. */
static uint64_t prefix_hash(struct words masked, unsigned len)
{
	return masked.hi * 0x9e3779b97f4a7c15ULL ^ masked.lo * 0xc2b2ae3d27d4eb4fULL ^ len;
}

/* Key of an address under a /len prefix: the masked words and the length. */
static uint64_t prefix_key(struct words w, unsigned len, uint64_t key[3])
{
	w = words_masked(w, len);
	key[0] = w.hi;
	key[1] = w.lo;
	key[2] = len;
	return prefix_hash(w, len);
}

static unsigned key_bit(uint64_t hash)
{
	return (unsigned)((hash * 0xff51afd7ed558ccdULL) >> (64 - KEY_BITS));
}

static bool has_bit(const uint64_t *bits, unsigned b)
{
	return bits[b / 64] >> (b % 64) & 1;
}

/* ---- adding patterns ---- */

static int parse_port_number(const struct add_ctx *c, const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0)
		return fail(c, "missing port number");
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return fail(c, "port \"%.*s\" is not a number, a range lo-hi, or *", (int)n,
			            s);
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return fail(c, "port %.*s is out of range (1-65535)", (int)n, s);
	*out = (uint16_t)v;
	return 0;
}

/* `s` is the text after the host's ':', or NULL when there is none. */
static int parse_ports(const struct add_ctx *c, const char *s, struct cb_port_rule *r)
{
	if (!s || !strcmp(s, "*")) {
		r->cls = CB_PORT_ANY;
		r->lo = 0;
		r->hi = 65535;
		return 0;
	}
	if (!*s)
		return fail(c, "missing port after ':'");
	const char *dash = strchr(s, '-');
	if (!dash) {
		if (parse_port_number(c, s, strlen(s), &r->lo) < 0)
			return -1;
		r->hi = r->lo;
		r->cls = CB_PORT_SINGLE;
		return 0;
	}
	if (parse_port_number(c, s, (size_t)(dash - s), &r->lo) < 0 ||
	    parse_port_number(c, dash + 1, strlen(dash + 1), &r->hi) < 0)
		return -1;
	if (r->lo > r->hi)
		return fail(c, "port range %u-%u is reversed (write low-high)", r->lo, r->hi);
	r->cls = r->lo == r->hi ? CB_PORT_SINGLE : CB_PORT_RANGE;
	return 0;
}

/* Validates a host name and lower-cases it into `out`; returns its length
 * without the trailing dot, or -1. */
static int check_name(const struct add_ctx *c, const char *s, size_t n, char out[CB_HOST_MAX])
{
	size_t label = 0;
	bool all_digits = true;

	if (n && s[n - 1] == '.')
		n--;
	if (n == 0)
		return fail(c, "empty host name");
	if (n > NAME_MAX_LEN)
		return fail(c, "host name longer than %d characters", NAME_MAX_LEN);
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (!label)
				return fail(c,
				            "empty label (\"..\" or a leading dot) in host name");
			label = 0;
			all_digits = true;
			out[i] = '.';
			continue;
		}
		if (ch == '*')
			return fail(c, "'*' is allowed only as a whole first label, as in "
			               "\"*.example.com\"");
		bool alnum = is_digit(ch) || (fold(ch) >= 'a' && fold(ch) <= 'z');
		if (!alnum && ch != '-' && ch != '_') {
			if (ch > ' ' && ch < 0x7f)
				return fail(c, "invalid character '%c' in host name", ch);
			return fail(c, "invalid character 0x%02x in host name", (unsigned char)ch);
		}
		if (++label > LABEL_MAX_LEN)
			return fail(c, "label longer than %d characters in host name",
			            LABEL_MAX_LEN);
		all_digits &= is_digit(ch);
		out[i] = fold(ch);
	}
	if (!label)
		return fail(c, "empty label (\"..\" or a leading dot) in host name");
	/* RFC 3696 section 2: a top-level label is never all-numeric, so this
	 * is a mistyped IPv4 address, not a name. */
	if (all_digits)
		return fail(c, "last label is all digits: neither a host name nor an IPv4 address");
	return (int)n;
}

static int add_name(struct cb_matcher *m, const struct add_ctx *c, const char *s, size_t n,
                    const struct cb_port_rule *r)
{
	char key[CB_HOST_MAX];
	struct cb_mtable *t = &m->exact;

	if (s[0] == '*') {
		if (n < 2 || s[1] != '.')
			return fail(c, "a wildcard is \"*.\" followed by a suffix, as in "
			               "\"*.example.com\"");
		if (n == 2 || (n == 3 && s[2] == '.'))
			return fail(c, "empty suffix after \"*.\"");
		s += 2;
		n -= 2;
		t = &m->wild;
	}
	int len = check_name(c, s, n, key);
	if (len < 0)
		return -1;
	if (cb_mtable_add(t, name_hash(key, (size_t)len), key, (size_t)len, r) < 0)
		return fail(c, "out of memory");
	uint64_t *lens = t == &m->wild ? m->wild_lens : m->exact_lens;
	lens[len / 64] |= 1ULL << (len % 64);
	return 0;
}

static int parse_prefix_length(const struct add_ctx *c, const char *s, size_t n, bool v6,
                               unsigned *len)
{
	unsigned max = v6 ? 128 : 32;
	unsigned v = 0;

	for (size_t i = 0; i < n && v <= max; i++) {
		if (!is_digit(s[i]))
			goto bad;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (n == 0 || v > max)
		goto bad;
	*len = v;
	return 0;
bad:
	return fail(c, "bad prefix length \"/%.*s\" (%s allows 0-%u)", (int)n, s,
	            v6 ? "IPv6" : "IPv4", max);
}

/* `masked` (the words of `ip` under its prefix) as text, in the family the
 * user wrote: v4-mapped text stays IPv6. */
static void format_prefix(const struct cb_ip *ip, struct words masked, bool v6_text, char *buf,
                          size_t size)
{
	uint8_t b[16] = {0};
	uint64_t hi = htobe64(masked.hi), lo = htobe64(masked.lo);

	memcpy(b, &hi, 8);
	memcpy(b + 8, &lo, 8);
	if (v6_text && ip->family == AF_INET) {
		memmove(b + 12, b, 4);
		memset(b, 0, 12);
		b[10] = b[11] = 0xff;
	}
	if (!inet_ntop(v6_text ? AF_INET6 : AF_INET, b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static int add_prefix(struct cb_matcher *m, const struct add_ctx *c, const char *s, size_t n,
                      bool bracketed, const struct cb_port_rule *r)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	bool v6_text = memchr(s, ':', alen) != NULL;
	struct cb_ip ip;
	unsigned len = v6_text ? 128 : 32;

	if (bracketed && !v6_text)
		return fail(c, "brackets are only for IPv6 addresses");
	if (alen == 0)
		return fail(c, "missing address before '/'");
	if (cb_ip_parse(s, alen, &ip) < 0)
		return fail(c, "\"%.*s\" is not a valid %s address", (int)alen, s,
		            v6_text ? "IPv6" : "IPv4");
	if (slash && parse_prefix_length(c, slash + 1, n - alen - 1, v6_text, &len) < 0)
		return -1;
	unsigned written = len;
	if (v6_text && ip.family == AF_INET) {
		/* ::ffff:a.b.c.d/L covers IPv4 destinations, which are matched
		 * as IPv4; a shorter prefix reaches outside ::ffff:0:0/96 and
		 * stays an IPv6 prefix. */
		if (len >= 96) {
			len -= 96;
		} else {
			memmove(ip.b + 12, ip.b, 4);
			memset(ip.b, 0, 12);
			ip.b[10] = ip.b[11] = 0xff;
			ip.family = AF_INET6;
		}
	}
	struct words w = words_of(&ip), masked = words_masked(w, len);
	/* An error, not a silent mask: 10.0.0.1/8 is more often a typo for
	 * 10.0.0.1/32 or 10.0.0.0/8 than a deliberate way to write the latter. */
	if (masked.hi != w.hi || masked.lo != w.lo) {
		char text[INET6_ADDRSTRLEN];
		format_prefix(&ip, masked, v6_text, text, sizeof(text));
		return fail(c, "address has bits set beyond the /%u prefix (did you mean %s/%u?)",
		            written, text, written);
	}
	uint64_t key[3];
	uint64_t hash = prefix_key(w, len, key);
	if (cb_mtable_add(ip.family == AF_INET ? &m->v4 : &m->v6, hash, key, sizeof(key), r) < 0)
		return fail(c, "out of memory");
	uint64_t *keys = ip.family == AF_INET ? m->v4_keys : m->v6_keys;
	keys[key_bit(hash) / 64] |= 1ULL << (key_bit(hash) % 64);
	uint64_t *top = ip.family == AF_INET ? m->v4_top : m->v6_top;
	uint32_t first = (uint32_t)(masked.hi >> (64 - TOP_BITS));
	uint32_t count = len >= TOP_BITS ? 1 : 1u << (TOP_BITS - len);
	for (uint32_t x = first; x < first + count; x++)
		top[x / 64] |= 1ULL << (x % 64);
	if (ip.family == AF_INET)
		m->v4_lens |= 1ULL << len;
	else
		m->v6_lens[len / 64] |= 1ULL << (len % 64);
	return 0;
}

/* A ':' makes an IPv6 address or prefix; digits and dots (before any '/')
 * an IPv4 one, so "10.0.0.256" is reported as a bad address, not a name. */
static bool looks_like_address(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':' || s[i] == '/')
			return true;
		if (!is_digit(s[i]) && s[i] != '.')
			return memchr(s + i, ':', n - i) != NULL;
	}
	return true;
}

int cb_matcher_add(struct cb_matcher *m, const char *pattern, uint32_t breaker, char *err,
                   size_t errlen)
{
	struct add_ctx c = {.pattern = pattern ? pattern : "", .err = err, .errlen = errlen};
	struct cb_port_rule rule = {.breaker = breaker, .order = m->added};
	const char *host = c.pattern, *ports = NULL;
	size_t len = strlen(c.pattern), hlen = len;
	bool bracketed = false;

	if (len == 0)
		return fail(&c, "empty pattern");
	if (len > PATTERN_MAX_LEN)
		return fail(&c, "longer than %d characters", PATTERN_MAX_LEN);
	if (strstr(host, "://"))
		return fail(&c, "a URL is not a pattern: write host, host:port or *.suffix");
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (!close)
			return fail(&c, "missing ']' after the IPv6 address");
		host++;
		hlen = (size_t)(close - host);
		bracketed = true;
		if (close[1] == ':')
			ports = close + 2;
		else if (close[1])
			return fail(&c, "expected \":port\" after ']'");
	} else {
		const char *colon = strchr(host, ':');
		/* Two colons or more: a bare IPv6 address, which takes no port
		 * (write [addr]:port for one). */
		if (colon && !strchr(colon + 1, ':')) {
			hlen = (size_t)(colon - host);
			ports = colon + 1;
		}
	}
	if (hlen == 0)
		return fail(&c, "empty host");
	if (parse_ports(&c, ports, &rule) < 0)
		return -1;
	int rc = bracketed || looks_like_address(host, hlen)
	                 ? add_prefix(m, &c, host, hlen, bracketed, &rule)
	                 : add_name(m, &c, host, hlen, &rule);
	if (rc == 0)
		m->added++;
	return rc;
}

/* ---- looking up (hot path: no allocation, no lock, no libc beyond the
 * string functions POSIX lists as async-signal-safe) ---- */

bool cb_matcher_has_names(const struct cb_matcher *m)
{
	return m && (m->exact.count || m->wild.count);
}

/* A name ready for the tables: lower-cased, without its trailing dot, with
 * its hash and the hashes of the suffixes after each dot. */
struct folded {
	char s[CB_HOST_MAX];
	size_t n;
	uint64_t hash;
	size_t suffixes;
	uint64_t suffix_hash[SUFFIX_MAX]; /* shortest suffix first */
	uint8_t suffix_at[SUFFIX_MAX];
};

static bool has_len(const uint64_t lens[4], size_t n)
{
	return lens[n / 64] >> (n % 64) & 1;
}

/* One pass from the end of `name`: names are hashed backwards so that the
 * state at a dot is the hash of the suffix after it. False when `name`
 * cannot match any pattern (empty, or longer than a name can be). */
static bool fold_name(const struct cb_matcher *m, const char *name, struct folded *f)
{
	size_t n = strnlen(name, NAME_MAX_LEN + 2);
	uint64_t h = CB_FNV1A_BASIS;
	bool wild = m->wild.count > 0;

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	f->n = n;
	f->suffixes = 0;
	for (size_t i = n; i-- > 0;) {
		char c = fold(name[i]);
		f->s[i] = c;
		/* A suffix starts after a dot; the bare name itself is not one,
		 * so "*.example.com" never matches "example.com". Only suffix
		 * lengths some wildcard has are worth a probe. */
		if (c == '.' && wild && has_len(m->wild_lens, n - i - 1) && f->s[i + 1] != '.') {
			f->suffix_hash[f->suffixes] = h;
			f->suffix_at[f->suffixes++] = (uint8_t)(i + 1);
		}
		h = cb_fnv1a_byte(h, (uint8_t)c);
	}
	f->hash = h;
	return true;
}

static const struct cb_port_rule *pick(const struct cb_mt_entry *e, uint16_t port, bool any_port)
{
	if (any_port)
		return e ? &e->rules[0] : NULL;
	return cb_mt_entry_rule(e, port);
}

/* The exact name's rule, else the rule of the longest wildcard suffix that
 * fits; `any_port` ignores ports. */
static const struct cb_port_rule *lookup_name(const struct cb_matcher *m, const struct folded *f,
                                              uint16_t port, bool any_port)
{
	const struct cb_port_rule *r = NULL;
	size_t k = f->suffixes;

	if (has_len(m->exact_lens, f->n))
		r = pick(cb_mtable_get(&m->exact, f->hash, f->s, f->n), port, any_port);
	while (!r && k-- > 0)
		r = pick(cb_mtable_get(&m->wild, f->suffix_hash[k], f->s + f->suffix_at[k],
		                       f->n - f->suffix_at[k]),
		         port, any_port);
	return r;
}

struct prefix_hit {
	const struct cb_port_rule *rule;
	unsigned len;
};

/* The longest prefix holding the address `w` with a rule that fits `port`. */
static struct prefix_hit lookup_words(const struct cb_matcher *m, bool v4, struct words w,
                                      uint16_t port)
{
	const struct cb_mtable *t = v4 ? &m->v4 : &m->v6;
	const uint64_t *lens = v4 ? &m->v4_lens : m->v6_lens;
	const uint64_t *keys = v4 ? m->v4_keys : m->v6_keys;

	if (!has_bit(v4 ? m->v4_top : m->v6_top, (unsigned)(w.hi >> (64 - TOP_BITS))))
		return (struct prefix_hit){NULL, 0};
	for (int i = v4 ? 0 : 2; i >= 0; i--) {
		for (uint64_t bits = lens[i]; bits;) {
			unsigned bit = 63u - (unsigned)__builtin_clzll(bits);
			unsigned len = (unsigned)i * 64 + bit;
			uint64_t key[3];
			uint64_t hash = prefix_key(w, len, key);

			bits &= ~(1ULL << bit);
			if (!has_bit(keys, key_bit(hash)))
				continue;
			const struct cb_port_rule *r =
			        cb_mt_entry_rule(cb_mtable_get(t, hash, key, sizeof(key)), port);
			if (r)
				return (struct prefix_hit){r, len};
		}
	}
	return (struct prefix_hit){NULL, 0};
}

static struct prefix_hit lookup_prefix(const struct cb_matcher *m, const struct cb_ip *ip,
                                       uint16_t port)
{
	return lookup_words(m, ip->family == AF_INET, words_of(ip), port);
}

static bool hit_better(struct prefix_hit a, struct prefix_hit b)
{
	if (!a.rule || !b.rule)
		return a.rule != NULL;
	if (a.len != b.len)
		return a.len > b.len;
	if (a.rule->cls != b.rule->cls)
		return a.rule->cls < b.rule->cls;
	return a.rule->order < b.rule->order;
}

/* An IP literal given as a name: "10.0.0.1", "::1", "[::1]", and with a
 * zone ("fe80::1%eth0"), which only the kernel needs. */
static bool name_as_ip(const char *name, struct cb_ip *ip)
{
	const char *s = name;
	size_t n;

	/* Most names cannot start a literal: they skip the parser. */
	if (!may_start_literal(s[0]))
		return false;
	n = strnlen(name, CB_HOST_MAX);
	if (n == CB_HOST_MAX)
		return false;
	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']')
			return false;
		s++;
		n -= 2;
	}
	const char *zone = memchr(s, '%', n);
	if (zone)
		n = (size_t)(zone - s);
	return n && cb_ip_parse(s, n, ip) == 0;
}

/* Everything but a bare IPv4 address: out of line, so that its stack frame
 * (a folded name is 2 KiB) costs the common case nothing. */
static __attribute__((noinline)) int lookup_general(const struct cb_matcher *m, const char *name,
                                                    const struct sockaddr *addr, uint16_t port)
{
	struct cb_ip ips[2];
	int nips = 0;

	if (name && name[0]) {
		if (name_as_ip(name, &ips[nips])) {
			nips++;
		} else if (cb_matcher_has_names(m)) {
			struct folded f;
			const struct cb_port_rule *r =
			        fold_name(m, name, &f) ? lookup_name(m, &f, port, false) : NULL;
			/* Any name pattern is more specific than any address one. */
			if (r)
				return (int)r->breaker;
		}
	}
	if (addr && cb_ip_from_sockaddr(addr, &ips[nips]) == 0)
		nips++;
	struct prefix_hit best = {NULL, 0};
	for (int i = 0; i < nips; i++) {
		struct prefix_hit h = lookup_prefix(m, &ips[i], port);
		if (hit_better(h, best))
			best = h;
	}
	return best.rule ? (int)best.rule->breaker : -1;
}

/* lookup_words for a bare IPv4 address (the common case), with the masking
 * done in one step: an IPv4 /len keeps the top len bits of hi. */
static __attribute__((noinline)) int lookup_v4(const struct cb_matcher *m, uint32_t a,
                                               uint16_t port)
{
	for (uint64_t bits = m->v4_lens; bits;) {
		unsigned len = 63u - (unsigned)__builtin_clzll(bits);
		struct words w = {(uint64_t)a << 32 & ~(~0ULL >> len), 0};
		uint64_t hash = prefix_hash(w, len);

		bits &= ~(1ULL << len);
		if (!has_bit(m->v4_keys, key_bit(hash)))
			continue;
		const uint64_t key[3] = {w.hi, 0, len};
		const struct cb_port_rule *r =
		        cb_mt_entry_rule(cb_mtable_get(&m->v4, hash, key, sizeof(key)), port);
		if (r)
			return (int)r->breaker;
	}
	return -1;
}

int cb_matcher_lookup(const struct cb_matcher *m, const char *name, const struct sockaddr *addr,
                      uint16_t port)
{
	if (!m)
		return -1;
	if ((name && name[0]) || !addr || addr->sa_family != AF_INET)
		return lookup_general(m, name, addr, port);
	uint32_t a = be32toh(((const struct sockaddr_in *)addr)->sin_addr.s_addr);
	/* Far from every pattern: no hashing at all. */
	if (!has_bit(m->v4_top, a >> (32 - TOP_BITS)))
		return -1;
	return lookup_v4(m, a, port);
}

bool cb_matcher_name_relevant(const struct cb_matcher *m, const char *name)
{
	struct folded f;

	if (!name || !cb_matcher_has_names(m))
		return false;
	return fold_name(m, name, &f) && lookup_name(m, &f, 0, true) != NULL;
}
