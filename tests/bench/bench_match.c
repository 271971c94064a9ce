/* bench_match.c - nanoseconds per cb_matcher_lookup with 10, 1,000 and
 * 10,000 patterns: a hit on an exact name, on a wildcard, on a CIDR prefix,
 * and misses (a name with an address, and an address alone: the cost every
 * unrelated connect() pays). Prints a table; asserts nothing about time. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match/match.h"

#define CALLS   2000000
#define TARGETS 64 /* distinct destinations cycled through, so not one cached slot */

struct query {
	char name[96];
	struct sockaddr_in sin;
	int has_name, has_addr;
};

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void add(struct cb_matcher *m, const char *pattern, uint32_t breaker)
{
	char err[256];
	if (cb_matcher_add(m, pattern, breaker, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_match: %s\n", err);
		exit(1);
	}
}

/* n patterns: a quarter exact names, a quarter wildcards, half prefixes of
 * several lengths (so the look-up probes more than one length). */
static struct cb_matcher *build(unsigned n)
{
	struct cb_matcher *m = cb_matcher_new();
	char p[128];
	unsigned names = n / 4, wilds = names, prefixes = n - names - wilds;

	if (!m)
		exit(1);
	for (unsigned i = 0; i < names; i++) {
		snprintf(p, sizeof(p), "host%u.example.com:443", i);
		add(m, p, i);
	}
	for (unsigned i = 0; i < wilds; i++) {
		snprintf(p, sizeof(p), "*.svc%u.cluster.local", i);
		add(m, p, i);
	}
	for (unsigned i = 0; i < prefixes; i++) {
		static const char *const forms[] = {"10.%u.%u.0/24", "172.16.%u.%u",
		                                    "10.%u.%u.128/25"};
		snprintf(p, sizeof(p), forms[i % 3], (i / 3) / 256, (i / 3) % 256);
		add(m, p, i);
	}
	return m;
}

static void set_addr(struct sockaddr_in *sin, const char *ip)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		exit(1);
}

enum kind { EXACT, WILDCARD, CIDR, MISS_BOTH, MISS_ADDR, KINDS };
static const char *const KIND_NAMES[KINDS] = {"exact", "wildcard", "cidr", "miss name+addr",
                                              "miss addr"};

static void make_queries(enum kind k, unsigned n, struct query *q)
{
	for (unsigned t = 0; t < TARGETS; t++) {
		unsigned i = t % (n / 4 ? n / 4 : 1);
		char ip[32];
		memset(&q[t], 0, sizeof(q[t]));
		switch (k) {
		case EXACT:
			snprintf(q[t].name, sizeof(q[t].name), "Host%u.Example.com", i);
			q[t].has_name = 1;
			break;
		case WILDCARD:
			snprintf(q[t].name, sizeof(q[t].name), "pod-7.default.svc%u.cluster.local",
			         i);
			q[t].has_name = 1;
			break;
		case CIDR:
			/* Index 0 mod 3 is a /24: the look-up tries /32 and /25 first. */
			snprintf(ip, sizeof(ip), "10.0.%u.9", (i / 3) % 256);
			set_addr(&q[t].sin, ip);
			q[t].has_addr = 1;
			break;
		case MISS_BOTH:
			snprintf(q[t].name, sizeof(q[t].name), "www%u.unrelated.org", t);
			q[t].has_name = 1;
			/* The address misses too. */
			__attribute__((fallthrough));
		case MISS_ADDR:
			snprintf(ip, sizeof(ip), "192.0.2.%u", t);
			set_addr(&q[t].sin, ip);
			q[t].has_addr = 1;
			break;
		case KINDS:
			break;
		}
	}
}

static int lookup(const struct cb_matcher *m, const struct query *q)
{
	return cb_matcher_lookup(m, q->has_name ? q->name : NULL,
	                         q->has_addr ? (const struct sockaddr *)&q->sin : NULL, 443);
}

int main(void)
{
	static const unsigned sizes[] = {10, 1000, 10000};
	struct query q[TARGETS];
	volatile int sink = 0;

	printf("cb_matcher_lookup, ns per call (%d calls each, %d destinations cycled)\n\n", CALLS,
	       TARGETS);
	printf("%9s", "patterns");
	for (int k = 0; k < KINDS; k++)
		printf(" %15s", KIND_NAMES[k]);
	printf("\n");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct cb_matcher *m = build(sizes[s]);
		printf("%9u", sizes[s]);
		for (int k = 0; k < KINDS; k++) {
			make_queries((enum kind)k, sizes[s], q);
			/* A benchmark of wrong answers is worthless: check first. */
			for (int t = 0; t < TARGETS; t++)
				if ((lookup(m, &q[t]) >= 0) != (k < MISS_BOTH)) {
					fprintf(stderr, "bench_match: wrong answer for %s\n",
					        KIND_NAMES[k]);
					return 1;
				}
			double t0 = now_ns();
			for (int i = 0; i < CALLS; i++)
				sink += lookup(m, &q[i % TARGETS]);
			printf(" %15.1f", (now_ns() - t0) / CALLS);
		}
		printf("\n");
		cb_matcher_free(m);
	}
	(void)sink;
	return 0;
}
