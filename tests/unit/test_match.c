/* test_match.c - host patterns: every kind, ports, the specificity rules of
 * README "Breakers", IP literals given as names, every parse error, and a large
 * table looked up correctly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "match/ip.h"
#include "match/match.h"

static int setup(void **state)
{
	*state = cb_matcher_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	cb_matcher_free(*state);
	return 0;
}

static void add(struct cb_matcher *m, const char *pattern, uint32_t breaker)
{
	char err[256] = "";
	int rc = cb_matcher_add(m, pattern, breaker, err, sizeof(err));
	if (rc != 0)
		fail_msg("adding \"%s\" failed: %s", pattern, err);
}

/* The socket address for `ip` (IPv4 or IPv6 text). */
static struct sockaddr_storage sock(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	}
	return ss;
}

static int by_addr(const struct cb_matcher *m, const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = sock(ip);
	return cb_matcher_lookup(m, NULL, (struct sockaddr *)&ss, port);
}

static int by_name(const struct cb_matcher *m, const char *name, uint16_t port)
{
	return cb_matcher_lookup(m, name, NULL, port);
}

/* Adding `pattern` fails with a message that names it and contains `what`. */
static void expect_error(const char *pattern, const char *what)
{
	struct cb_matcher *m = cb_matcher_new();
	char err[256] = "";
	char quoted[128];

	assert_non_null(m);
	assert_int_equal(cb_matcher_add(m, pattern, 0, err, sizeof(err)), -1);
	snprintf(quoted, sizeof(quoted), "\"%s\"", pattern);
	if (!strstr(err, quoted) || !strstr(err, what))
		fail_msg("error for \"%s\" is \"%s\", expected it to mention \"%s\"", pattern, err,
		         what);
	cb_matcher_free(m);
}

/* ---- names ---- */

static void test_exact_name_matches_only_that_name(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "api.example.com", 3);
	assert_int_equal(by_name(m, "api.example.com", 443), 3);
	assert_int_equal(by_name(m, "www.example.com", 443), -1);
	assert_int_equal(by_name(m, "x.api.example.com", 443), -1);
	assert_int_equal(by_name(m, "example.com", 443), -1);
}

static void test_exact_name_is_case_insensitive(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "API.Example.COM", 1);
	assert_int_equal(by_name(m, "api.example.com", 80), 1);
	assert_int_equal(by_name(m, "Api.EXAMPLE.com", 80), 1);
}

static void test_trailing_dot_ignored_in_pattern_and_name(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "a.example.com.", 1);
	add(m, "b.example.com", 2);
	assert_int_equal(by_name(m, "a.example.com", 80), 1);
	assert_int_equal(by_name(m, "b.example.com.", 80), 2);
}

static void test_single_label_name_matches(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "localhost:8080", 4);
	assert_int_equal(by_name(m, "LOCALHOST", 8080), 4);
}

static void test_wildcard_matches_any_depth(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.api.internal", 2);
	assert_int_equal(by_name(m, "a.api.internal", 80), 2);
	assert_int_equal(by_name(m, "a.b.c.api.internal", 80), 2);
	assert_int_equal(by_name(m, "A.API.Internal.", 80), 2);
}

static void test_wildcard_does_not_match_bare_suffix(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.api.internal", 2);
	assert_int_equal(by_name(m, "api.internal", 80), -1);
	assert_int_equal(by_name(m, "api.internal.", 80), -1);
}

static void test_wildcard_needs_a_label_boundary(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.example.com", 2);
	assert_int_equal(by_name(m, "badexample.com", 80), -1);
	assert_int_equal(by_name(m, "x.badexample.com", 80), -1);
	assert_int_equal(by_name(m, "example.com.evil.org", 80), -1);
}

/* ---- addresses and prefixes ---- */

static void test_ipv4_address_matches_only_that_address(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "127.0.0.1:8000", 1);
	assert_int_equal(by_addr(m, "127.0.0.1", 8000), 1);
	assert_int_equal(by_addr(m, "127.0.0.2", 8000), -1);
}

static void test_ipv4_cidr_includes_first_and_last_address_only(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "10.1.2.0/23", 1);
	assert_int_equal(by_addr(m, "10.1.2.0", 1), 1);
	assert_int_equal(by_addr(m, "10.1.3.255", 1), 1);
	assert_int_equal(by_addr(m, "10.1.1.255", 1), -1);
	assert_int_equal(by_addr(m, "10.1.4.0", 1), -1);
}

static void test_ipv4_zero_prefix_matches_every_ipv4_address(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "0.0.0.0/0", 5);
	assert_int_equal(by_addr(m, "0.0.0.0", 1), 5);
	assert_int_equal(by_addr(m, "255.255.255.255", 1), 5);
	assert_int_equal(by_addr(m, "::1", 1), -1);
}

static void test_ipv6_cidr_includes_first_and_last_address_only(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "[2001:db8::/32]:*", 1);
	assert_int_equal(by_addr(m, "2001:db8::", 443), 1);
	assert_int_equal(by_addr(m, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 443), 1);
	assert_int_equal(by_addr(m, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 443), -1);
	assert_int_equal(by_addr(m, "2001:db9::", 443), -1);
}

static void test_ipv6_prefix_not_on_byte_boundary(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "fd00::8000/113", 1);
	assert_int_equal(by_addr(m, "fd00::8000", 1), 1);
	assert_int_equal(by_addr(m, "fd00::ffff", 1), 1);
	assert_int_equal(by_addr(m, "fd00::7fff", 1), -1);
	assert_int_equal(by_addr(m, "fd00::1:0", 1), -1);
}

static void test_ipv6_bare_address_and_prefix_without_brackets(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "2001:db8::1", 1);
	add(m, "2001:db8:1::/48", 2);
	assert_int_equal(by_addr(m, "2001:db8::1", 9), 1);
	assert_int_equal(by_addr(m, "2001:db8:1:2::3", 9), 2);
}

static void test_ipv6_bracketed_address_with_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "[::1]:8080", 1);
	assert_int_equal(by_addr(m, "::1", 8080), 1);
	assert_int_equal(by_addr(m, "::1", 8081), -1);
}

static void test_v4_mapped_destination_matches_ipv4_pattern(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "10.0.0.0/8:5432", 7);
	assert_int_equal(by_addr(m, "::ffff:10.9.8.7", 5432), 7);
	assert_int_equal(by_addr(m, "::ffff:11.0.0.1", 5432), -1);
}

static void test_v4_mapped_pattern_matches_ipv4_destination(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "[::ffff:10.0.0.0/104]:80", 7);
	assert_int_equal(by_addr(m, "10.200.0.1", 80), 7);
	assert_int_equal(by_addr(m, "::ffff:10.200.0.1", 80), 7);
	assert_int_equal(by_addr(m, "11.0.0.1", 80), -1);
}

static void test_ipv4_pattern_does_not_match_ipv6_destination(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "0.0.0.1", 1);
	assert_int_equal(by_addr(m, "::1", 1), -1);
}

static void test_non_inet_address_matches_nothing(void **state)
{
	struct cb_matcher *m = *state;
	struct sockaddr_storage ss = {.ss_family = AF_UNIX};
	add(m, "0.0.0.0/0", 1);
	assert_int_equal(cb_matcher_lookup(m, NULL, (struct sockaddr *)&ss, 1), -1);
}

/* ---- ports ---- */

static void test_no_port_matches_every_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "db.internal", 1);
	assert_int_equal(by_name(m, "db.internal", 1), 1);
	assert_int_equal(by_name(m, "db.internal", 65535), 1);
}

static void test_star_port_matches_every_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "db.internal:*", 1);
	assert_int_equal(by_name(m, "db.internal", 1), 1);
	assert_int_equal(by_name(m, "db.internal", 65535), 1);
}

static void test_single_port_matches_only_that_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "db.internal:5432", 1);
	assert_int_equal(by_name(m, "db.internal", 5432), 1);
	assert_int_equal(by_name(m, "db.internal", 5433), -1);
}

static void test_port_range_includes_both_bounds_only(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "127.0.0.1:8000-8099", 1);
	assert_int_equal(by_addr(m, "127.0.0.1", 7999), -1);
	assert_int_equal(by_addr(m, "127.0.0.1", 8000), 1);
	assert_int_equal(by_addr(m, "127.0.0.1", 8099), 1);
	assert_int_equal(by_addr(m, "127.0.0.1", 8100), -1);
}

static void test_full_port_range_accepted(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "x.test:1-65535", 1);
	assert_int_equal(by_name(m, "x.test", 65535), 1);
}

/* ---- specificity ---- */

static void test_exact_name_with_port_beats_exact_name(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "api.example.com", 1);
	add(m, "api.example.com:443", 2);
	assert_int_equal(by_name(m, "api.example.com", 443), 2);
	assert_int_equal(by_name(m, "api.example.com", 80), 1);
}

static void test_exact_name_beats_wildcard(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.example.com:443", 1);
	add(m, "api.example.com", 2);
	assert_int_equal(by_name(m, "api.example.com", 443), 2);
	assert_int_equal(by_name(m, "www.example.com", 443), 1);
}

static void test_longest_wildcard_suffix_wins(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.com:443", 1);
	add(m, "*.example.com", 2);
	add(m, "*.eu.example.com", 3);
	assert_int_equal(by_name(m, "a.eu.example.com", 443), 3);
	assert_int_equal(by_name(m, "a.us.example.com", 443), 2);
	assert_int_equal(by_name(m, "a.other.com", 443), 1);
}

static void test_shorter_wildcard_used_when_longer_port_does_not_fit(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.example.com:443", 1);
	add(m, "*.com", 2);
	assert_int_equal(by_name(m, "a.example.com", 80), 2);
}

static void test_single_port_beats_range_beats_any_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "*.svc:*", 1);
	add(m, "*.svc:8000-8999", 2);
	add(m, "*.svc:8080", 3);
	assert_int_equal(by_name(m, "a.svc", 8080), 3);
	assert_int_equal(by_name(m, "a.svc", 8081), 2);
	assert_int_equal(by_name(m, "a.svc", 22), 1);
}

static void test_single_port_beats_range_within_a_prefix(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "10.0.0.0/8:1-65535", 1);
	add(m, "10.0.0.0/8:443", 2);
	assert_int_equal(by_addr(m, "10.1.1.1", 443), 2);
	assert_int_equal(by_addr(m, "10.1.1.1", 444), 1);
}

static void test_longest_prefix_wins(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "10.0.0.0/8", 1);
	add(m, "10.20.0.0/16", 2);
	add(m, "10.20.30.0/24", 3);
	assert_int_equal(by_addr(m, "10.20.30.40", 1), 3);
	assert_int_equal(by_addr(m, "10.20.31.40", 1), 2);
	assert_int_equal(by_addr(m, "10.21.0.1", 1), 1);
}

static void test_longer_prefix_any_port_beats_shorter_prefix_single_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "10.0.0.0/8:443", 1);
	add(m, "10.1.0.0/16", 2);
	assert_int_equal(by_addr(m, "10.1.2.3", 443), 2);
}

static void test_exact_address_beats_prefix_containing_it(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "[2001:db8::/32]", 1);
	add(m, "2001:db8::7", 2);
	assert_int_equal(by_addr(m, "2001:db8::7", 1), 2);
	assert_int_equal(by_addr(m, "2001:db8::8", 1), 1);
}

static void test_name_match_beats_address_match(void **state)
{
	struct cb_matcher *m = *state;
	struct sockaddr_storage ss = sock("10.0.0.7");
	add(m, "10.0.0.7:443", 1);
	add(m, "*.com", 2);
	assert_int_equal(cb_matcher_lookup(m, "api.example.com", (struct sockaddr *)&ss, 443), 2);
}

static void test_address_used_when_name_matches_nothing(void **state)
{
	struct cb_matcher *m = *state;
	struct sockaddr_storage ss = sock("10.0.0.7");
	add(m, "10.0.0.0/24", 1);
	add(m, "*.org", 2);
	assert_int_equal(cb_matcher_lookup(m, "api.example.com", (struct sockaddr *)&ss, 443), 1);
}

static void test_tie_goes_to_pattern_added_first(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "api.example.com:443", 1);
	add(m, "API.example.com.:443", 2);
	add(m, "10.0.0.0/8:1000-2000", 3);
	add(m, "10.0.0.0/8:1500-2500", 4);
	assert_int_equal(by_name(m, "api.example.com", 443), 1);
	assert_int_equal(by_addr(m, "10.0.0.1", 1700), 3);
	assert_int_equal(by_addr(m, "10.0.0.1", 2200), 4);
}

static void test_tie_between_literal_name_and_address_goes_to_first_added(void **state)
{
	struct cb_matcher *m = *state;
	struct sockaddr_storage ss = sock("10.0.1.1");
	add(m, "10.0.1.0/24", 1);
	add(m, "10.0.0.0/24", 2);
	assert_int_equal(cb_matcher_lookup(m, "10.0.0.1", (struct sockaddr *)&ss, 80), 1);
}

static void test_longer_prefix_of_literal_name_or_address_wins(void **state)
{
	struct cb_matcher *m = *state;
	struct sockaddr_storage ss = sock("10.0.0.1");
	add(m, "10.0.0.0/8", 1);
	add(m, "192.168.1.0/24", 2);
	assert_int_equal(cb_matcher_lookup(m, "192.168.1.9", (struct sockaddr *)&ss, 80), 2);
}

/* ---- IP literals given as names ---- */

static void test_ipv4_literal_name_matched_as_address(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "127.0.0.0/8:8000-8099", 1);
	assert_int_equal(by_name(m, "127.0.0.1", 8000), 1);
	assert_int_equal(by_name(m, "128.0.0.1", 8000), -1);
}

static void test_ipv6_literal_name_with_or_without_brackets(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "[::1]:8080", 1);
	assert_int_equal(by_name(m, "[::1]", 8080), 1);
	assert_int_equal(by_name(m, "::1", 8080), 1);
	assert_int_equal(by_name(m, "[0:0::1]", 8080), 1);
}

static void test_ipv6_literal_name_with_zone_matched_as_address(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "fe80::/10", 1);
	assert_int_equal(by_name(m, "[fe80::1%eth0]", 80), 1);
	assert_int_equal(by_name(m, "fe80::1%25eth0", 80), 1);
}

static void test_v4_mapped_literal_name_matched_as_ipv4(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "192.0.2.0/24", 1);
	assert_int_equal(by_name(m, "[::ffff:192.0.2.1]", 80), 1);
}

static void test_numeric_looking_name_is_still_a_name(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "1.2.3.example", 1);
	add(m, "1.2.3.0/24", 2);
	assert_int_equal(by_name(m, "1.2.3.example", 80), 1);
	assert_int_equal(by_name(m, "1.2.3.4", 80), 2);
}

/* ---- name relevance ---- */

static void test_name_relevant_for_exact_and_wildcard_whatever_the_port(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "api.example.com:443", 1);
	add(m, "*.internal:5432", 2);
	assert_true(cb_matcher_name_relevant(m, "API.example.com."));
	assert_true(cb_matcher_name_relevant(m, "db.internal"));
	assert_false(cb_matcher_name_relevant(m, "internal"));
	assert_false(cb_matcher_name_relevant(m, "www.example.com"));
}

static void test_name_relevant_false_without_name_patterns(void **state)
{
	struct cb_matcher *m = *state;
	add(m, "10.0.0.0/8", 1);
	assert_false(cb_matcher_name_relevant(m, "10.0.0.1"));
	assert_false(cb_matcher_name_relevant(m, "anything.example"));
}

static void test_has_names_only_with_name_or_wildcard_patterns(void **state)
{
	struct cb_matcher *m = *state;
	assert_false(cb_matcher_has_names(m));
	add(m, "[::1]", 1);
	assert_false(cb_matcher_has_names(m));
	add(m, "*.x.test", 1);
	assert_true(cb_matcher_has_names(m));
}

static void test_empty_matcher_matches_nothing(void **state)
{
	struct cb_matcher *m = *state;
	struct sockaddr_storage ss = sock("127.0.0.1");
	assert_int_equal(cb_matcher_lookup(m, "localhost", (struct sockaddr *)&ss, 80), -1);
	assert_int_equal(cb_matcher_lookup(m, NULL, NULL, 80), -1);
	assert_int_equal(cb_matcher_lookup(m, "", NULL, 80), -1);
}

static void test_overlong_name_matches_nothing(void **state)
{
	struct cb_matcher *m = *state;
	char name[400];
	add(m, "*.example.com", 1);
	memset(name, 'a', sizeof(name));
	memcpy(name + sizeof(name) - 13, ".example.com", 13);
	assert_int_equal(by_name(m, name, 80), -1);
}

static void test_name_of_dots_against_every_suffix_length_is_safe(void **state)
{
	struct cb_matcher *m = *state;
	char p[300], name[254];

	/* A wildcard for every suffix length 1..250 ("*.a", "*.aa", ...,
	 * labels kept under 63), so every dot of the name below is a
	 * candidate boundary; the look-up must stay within its arrays. */
	for (int len = 1; len <= 250; len++) {
		memcpy(p, "*.", 2);
		for (int i = 0; i < len; i++)
			p[2 + i] = i % 50 == 49 ? '.' : 'a';
		p[2 + len] = '\0';
		if (p[1 + len] == '.')
			continue;
		add(m, p, 1);
	}
	memset(name, '.', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(by_name(m, name, 80), -1);
	name[0] = 'a';
	assert_int_equal(by_name(m, name, 80), -1);
}

/* ---- parse errors ---- */

static void test_error_empty_pattern(void **state)
{
	(void)state;
	expect_error("", "empty pattern");
}

static void test_error_empty_host(void **state)
{
	(void)state;
	expect_error(":80", "empty host");
	expect_error("[]:80", "empty host");
	expect_error("/8", "missing address before '/'");
}

static void test_error_port_zero(void **state)
{
	(void)state;
	expect_error("api.example.com:0", "out of range");
}

static void test_error_port_above_65535(void **state)
{
	(void)state;
	expect_error("api.example.com:65536", "out of range");
	expect_error("api.example.com:99999999999999999999", "out of range");
	expect_error("10.0.0.1:1-70000", "out of range");
}

static void test_error_port_not_a_number(void **state)
{
	(void)state;
	expect_error("api.example.com:https", "not a number");
	expect_error("api.example.com:+80", "not a number");
	expect_error("api.example.com:80-", "missing port number");
}

static void test_error_port_missing_after_colon(void **state)
{
	(void)state;
	expect_error("api.example.com:", "missing port");
	expect_error("[::1]:", "missing port");
}

static void test_error_reversed_port_range(void **state)
{
	(void)state;
	expect_error("10.0.0.1:9000-8000", "reversed");
}

static void test_error_ipv4_prefix_above_32(void **state)
{
	(void)state;
	expect_error("10.0.0.0/33", "prefix length");
}

static void test_error_ipv6_prefix_above_128(void **state)
{
	(void)state;
	expect_error("2001:db8::/129", "prefix length");
	expect_error("[2001:db8::/1000]:*", "prefix length");
}

static void test_error_prefix_length_not_a_number(void **state)
{
	(void)state;
	expect_error("10.0.0.0/", "prefix length");
	expect_error("10.0.0.0/x8", "prefix length");
	expect_error("10.0.0.0/-8", "prefix length");
}

static void test_error_host_bits_beyond_prefix_suggests_network(void **state)
{
	(void)state;
	expect_error("10.0.0.1/8", "did you mean 10.0.0.0/8?");
	expect_error("2001:db8::1/32", "did you mean 2001:db8::/32?");
	expect_error("[::ffff:10.0.0.1/104]", "did you mean ::ffff:10.0.0.0/104?");
}

static void test_error_bad_ipv4_address(void **state)
{
	(void)state;
	expect_error("10.0.0.256", "not a valid IPv4 address");
	expect_error("10.0.0", "not a valid IPv4 address");
	expect_error("010.0.0.1", "not a valid IPv4 address");
	expect_error("10.0.0.1.5", "not a valid IPv4 address");
}

static void test_error_bad_ipv6_address(void **state)
{
	(void)state;
	expect_error("2001:db8:::1", "not a valid IPv6 address");
	expect_error("1:2:3:4:5:6:7:8:9", "not a valid IPv6 address");
	expect_error("[1::2::3]:80", "not a valid IPv6 address");
	expect_error("[12345::1]", "not a valid IPv6 address");
	expect_error("[fe80::1%eth0]", "not a valid IPv6 address");
	expect_error("api:example:com", "not a valid IPv6 address");
}

static void test_error_unclosed_bracket(void **state)
{
	(void)state;
	expect_error("[::1:8080", "missing ']'");
}

static void test_error_text_after_bracket(void **state)
{
	(void)state;
	expect_error("[::1]8080", "after ']'");
}

static void test_error_brackets_around_ipv4(void **state)
{
	(void)state;
	expect_error("[10.0.0.1]:80", "only for IPv6");
}

static void test_error_empty_label(void **state)
{
	(void)state;
	expect_error("api..example.com", "empty label");
	expect_error(".example.com", "empty label");
	expect_error("example.com..", "empty label");
}

static void test_error_invalid_character_in_name(void **state)
{
	(void)state;
	expect_error("api!.example.com", "invalid character '!'");
	expect_error("api example.com", "invalid character 0x20");
	expect_error("api/v1.example.com", "invalid character '/'");
	expect_error("example.com/24", "invalid character '/'");
}

static void test_error_url_given_as_pattern(void **state)
{
	(void)state;
	expect_error("http://api.example.com", "a URL is not a pattern");
}

static void test_error_star_not_a_whole_first_label(void **state)
{
	(void)state;
	expect_error("api.*.com", "'*' is allowed only as a whole first label");
	expect_error("*api.com", "a wildcard is \"*.\" followed by a suffix");
	expect_error("*", "a wildcard is \"*.\" followed by a suffix");
	expect_error("*.*.com", "'*' is allowed only");
}

static void test_error_empty_wildcard_suffix(void **state)
{
	(void)state;
	expect_error("*.", "empty suffix");
	expect_error("*..", "empty suffix");
}

static void test_error_label_longer_than_63(void **state)
{
	char pattern[80];
	(void)state;
	memset(pattern, 'a', 64);
	strcpy(pattern + 64, ".com");
	expect_error(pattern, "label longer than 63");
}

static void test_error_name_longer_than_253(void **state)
{
	char pattern[260];
	(void)state;
	/* 127 labels "a." and a final "bc": 256 characters. */
	for (int i = 0; i < 127; i++)
		memcpy(pattern + 2 * i, "a.", 2);
	strcpy(pattern + 254, "bc");
	struct cb_matcher *m = cb_matcher_new();
	char err[512];
	assert_int_equal(cb_matcher_add(m, pattern, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 253"));
	cb_matcher_free(m);
}

static void test_error_all_digit_last_label(void **state)
{
	(void)state;
	expect_error("host.123", "last label is all digits");
}

static void test_error_message_fits_small_buffer(void **state)
{
	struct cb_matcher *m = *state;
	char err[8];
	memset(err, 'x', sizeof(err));
	assert_int_equal(cb_matcher_add(m, "bad..name", 0, err, sizeof(err)), -1);
	assert_int_equal(err[sizeof(err) - 1], '\0');
	assert_int_equal(cb_matcher_add(m, "bad..name", 0, NULL, 0), -1);
}

static void test_failed_add_leaves_matcher_unchanged(void **state)
{
	struct cb_matcher *m = *state;
	char err[128];
	assert_int_equal(cb_matcher_add(m, "ok.example:0", 1, err, sizeof(err)), -1);
	assert_false(cb_matcher_has_names(m));
	assert_int_equal(by_name(m, "ok.example", 80), -1);
}

/* ---- the address parser directly ---- */

static void test_ip_parser_expands_ipv6_forms(void **state)
{
	struct cb_ip ip;
	uint8_t want[16];
	(void)state;
	static const char *const forms[] = {"::",
	                                    "::1",
	                                    "1::",
	                                    "1:2:3:4:5:6:7:8",
	                                    "1::8",
	                                    "1:2:3:4:5:6::8",
	                                    "::2:3:4:5:6:7:8",
	                                    "64:ff9b::1.2.3.4",
	                                    "ABCD:ef01::",
	                                    "0:0:0:0:0:0:0:1"};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(cb_ip_parse(forms[i], strlen(forms[i]), &ip), 0);
		assert_int_equal(ip.family, AF_INET6);
		assert_int_equal(inet_pton(AF_INET6, forms[i], want), 1);
		assert_memory_equal(ip.b, want, 16);
	}
}

static void test_ip_parser_rejects_what_inet_pton_rejects(void **state)
{
	struct cb_ip ip;
	(void)state;
	static const char *const bad[] = {":",
	                                  ":::",
	                                  "1:",
	                                  ":1",
	                                  "1::2::3",
	                                  "1:2:3:4:5:6:7:8:9",
	                                  "1:2:3:4:5:6:7::8",
	                                  "g::1",
	                                  "::1.2.3",
	                                  "1.2.3.4::",
	                                  "1.2.3.4",
	                                  "",
	                                  "::1.2.3.04"};
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[16];
		int rc = cb_ip_parse(bad[i], strlen(bad[i]), &ip);
		if (strchr(bad[i], ':'))
			assert_int_equal(inet_pton(AF_INET6, bad[i], b), 0);
		if (!strcmp(bad[i], "1.2.3.4"))
			assert_int_equal(rc, 0);
		else if (rc == 0)
			fail_msg("\"%s\" parsed as an address", bad[i]);
	}
	assert_int_equal(cb_ip_parse(bad[0], 1, &ip), -1);
}

/* ---- scale ---- */

#define MANY 10000

static void test_ten_thousand_patterns_each_found(void **state)
{
	struct cb_matcher *m = *state;
	char p[128];

	/* Breaker ids: names 0.., wildcards 4000.., prefixes 7000.. */
	for (uint32_t i = 0; i < 4000; i++) {
		snprintf(p, sizeof(p), "host%u.zone%u.example.com:%u", i, i % 17, 1000 + i % 50);
		add(m, p, i);
	}
	for (uint32_t i = 0; i < 3000; i++) {
		snprintf(p, sizeof(p), "*.svc%u.cluster.local", i);
		add(m, p, 4000 + i);
	}
	for (uint32_t i = 0; i < 3000; i++) {
		if (i % 3 == 0)
			snprintf(p, sizeof(p), "10.%u.%u.0/24", i / 256, i % 256);
		else if (i % 3 == 1)
			snprintf(p, sizeof(p), "172.16.%u.%u", i / 256, i % 256);
		else
			snprintf(p, sizeof(p), "[fd00:%x::/32]", i);
		add(m, p, 7000 + i);
	}
	for (uint32_t i = 0; i < 4000; i++) {
		snprintf(p, sizeof(p), "HOST%u.zone%u.example.com", i, i % 17);
		assert_int_equal(by_name(m, p, (uint16_t)(1000 + i % 50)), (int)i);
		assert_int_equal(by_name(m, p, 999), -1);
	}
	for (uint32_t i = 0; i < 3000; i++) {
		snprintf(p, sizeof(p), "pod-%u.ns.svc%u.cluster.local", i, i);
		assert_int_equal(by_name(m, p, 80), (int)(4000 + i));
	}
	for (uint32_t i = 0; i < 3000; i++) {
		if (i % 3 == 0)
			snprintf(p, sizeof(p), "10.%u.%u.77", i / 256, i % 256);
		else if (i % 3 == 1)
			snprintf(p, sizeof(p), "172.16.%u.%u", i / 256, i % 256);
		else
			snprintf(p, sizeof(p), "fd00:%x:1::2", i);
		assert_int_equal(by_addr(m, p, 80), (int)(7000 + i));
	}
	assert_int_equal(by_name(m, "svc1.cluster.local", 80), -1);
	assert_int_equal(by_addr(m, "172.16.200.1", 80), -1);
	assert_int_equal(by_addr(m, "fd01::1", 80), -1);
}

/* Look-ups share the matcher read-only: threads agree without any lock. */
#define THREADS 4

static void *lookup_many(void *arg)
{
	const struct cb_matcher *m = arg;
	struct sockaddr_storage hit = sock("10.1.2.3"), miss = sock("192.0.2.1");
	for (int i = 0; i < 20000; i++)
		if (by_name(m, "a.b.example.com", 443) != 1 ||
		    cb_matcher_lookup(m, NULL, (struct sockaddr *)&hit, 80) != 2 ||
		    cb_matcher_lookup(m, "x.org", (struct sockaddr *)&miss, 80) != -1)
			return (void *)1;
	return NULL;
}

static void test_concurrent_lookups_agree(void **state)
{
	struct cb_matcher *m = *state;
	pthread_t th[THREADS];
	add(m, "*.example.com:443", 1);
	add(m, "10.0.0.0/8", 2);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, lookup_many, m), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad;
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_null(bad);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_exact_name_matches_only_that_name),
	        T(test_exact_name_is_case_insensitive),
	        T(test_trailing_dot_ignored_in_pattern_and_name),
	        T(test_single_label_name_matches),
	        T(test_wildcard_matches_any_depth),
	        T(test_wildcard_does_not_match_bare_suffix),
	        T(test_wildcard_needs_a_label_boundary),
	        T(test_ipv4_address_matches_only_that_address),
	        T(test_ipv4_cidr_includes_first_and_last_address_only),
	        T(test_ipv4_zero_prefix_matches_every_ipv4_address),
	        T(test_ipv6_cidr_includes_first_and_last_address_only),
	        T(test_ipv6_prefix_not_on_byte_boundary),
	        T(test_ipv6_bare_address_and_prefix_without_brackets),
	        T(test_ipv6_bracketed_address_with_port),
	        T(test_v4_mapped_destination_matches_ipv4_pattern),
	        T(test_v4_mapped_pattern_matches_ipv4_destination),
	        T(test_ipv4_pattern_does_not_match_ipv6_destination),
	        T(test_non_inet_address_matches_nothing),
	        T(test_no_port_matches_every_port),
	        T(test_star_port_matches_every_port),
	        T(test_single_port_matches_only_that_port),
	        T(test_port_range_includes_both_bounds_only),
	        T(test_full_port_range_accepted),
	        T(test_exact_name_with_port_beats_exact_name),
	        T(test_exact_name_beats_wildcard),
	        T(test_longest_wildcard_suffix_wins),
	        T(test_shorter_wildcard_used_when_longer_port_does_not_fit),
	        T(test_single_port_beats_range_beats_any_port),
	        T(test_single_port_beats_range_within_a_prefix),
	        T(test_longest_prefix_wins),
	        T(test_longer_prefix_any_port_beats_shorter_prefix_single_port),
	        T(test_exact_address_beats_prefix_containing_it),
	        T(test_name_match_beats_address_match),
	        T(test_address_used_when_name_matches_nothing),
	        T(test_tie_goes_to_pattern_added_first),
	        T(test_tie_between_literal_name_and_address_goes_to_first_added),
	        T(test_longer_prefix_of_literal_name_or_address_wins),
	        T(test_ipv4_literal_name_matched_as_address),
	        T(test_ipv6_literal_name_with_or_without_brackets),
	        T(test_ipv6_literal_name_with_zone_matched_as_address),
	        T(test_v4_mapped_literal_name_matched_as_ipv4),
	        T(test_numeric_looking_name_is_still_a_name),
	        T(test_name_relevant_for_exact_and_wildcard_whatever_the_port),
	        T(test_name_relevant_false_without_name_patterns),
	        T(test_has_names_only_with_name_or_wildcard_patterns),
	        T(test_empty_matcher_matches_nothing),
	        T(test_overlong_name_matches_nothing),
	        T(test_name_of_dots_against_every_suffix_length_is_safe),
	        T(test_error_empty_pattern),
	        T(test_error_empty_host),
	        T(test_error_port_zero),
	        T(test_error_port_above_65535),
	        T(test_error_port_not_a_number),
	        T(test_error_port_missing_after_colon),
	        T(test_error_reversed_port_range),
	        T(test_error_ipv4_prefix_above_32),
	        T(test_error_ipv6_prefix_above_128),
	        T(test_error_prefix_length_not_a_number),
	        T(test_error_host_bits_beyond_prefix_suggests_network),
	        T(test_error_bad_ipv4_address),
	        T(test_error_bad_ipv6_address),
	        T(test_error_unclosed_bracket),
	        T(test_error_text_after_bracket),
	        T(test_error_brackets_around_ipv4),
	        T(test_error_empty_label),
	        T(test_error_invalid_character_in_name),
	        T(test_error_url_given_as_pattern),
	        T(test_error_star_not_a_whole_first_label),
	        T(test_error_empty_wildcard_suffix),
	        T(test_error_label_longer_than_63),
	        T(test_error_name_longer_than_253),
	        T(test_error_all_digit_last_label),
	        T(test_error_message_fits_small_buffer),
	        T(test_failed_add_leaves_matcher_unchanged),
	        T(test_ip_parser_expands_ipv6_forms),
	        T(test_ip_parser_rejects_what_inet_pton_rejects),
	        T(test_ten_thousand_patterns_each_found),
	        T(test_concurrent_lookups_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
