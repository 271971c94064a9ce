/* fuzz_match.c - libFuzzer target for the host-pattern parser (src/match):
 * the input's lines are patterns of breakers 0, 1, ...; each is accepted
 * or refused with a message, and look-ups of names and addresses taken
 * from the input then give a breaker that exists or none. Never a crash,
 * a leak or an unterminated message. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATTERNS 8
#define PATTERN_MAX  400

static void check_lookup(const struct cb_matcher *m, const char *name, const struct sockaddr *sa,
                         uint16_t port, uint32_t n)
{
	int id = cb_matcher_lookup(m, name, sa, port);
	if (id < -1 || id >= (int)n)
		abort();
	(void)cb_matcher_name_relevant(m, name ? name : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_matcher *m = cb_matcher_new();
	if (!m)
		return 0;
	char pat[MAX_PATTERNS][PATTERN_MAX + 1];
	uint32_t n = 0;
	size_t i = 0;
	while (i < size && n < MAX_PATTERNS) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		size_t keep = len > PATTERN_MAX ? PATTERN_MAX : len;
		memcpy(pat[n], data + i, keep);
		pat[n][keep] = '\0';
		char err[256];
		memset(err, 'x', sizeof(err));
		if (cb_matcher_add(m, pat[n], n, err, sizeof(err)) != 0 &&
		    (strnlen(err, sizeof(err)) == sizeof(err) || err[0] == '\0'))
			abort(); /* a refusal always says why, within its buffer */
		n++;
		i += len + 1;
	}
	uint16_t port = size >= 2 ? (uint16_t)(data[0] << 8 | data[size - 1]) : 80;
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	memcpy(&v4.sin_addr, data, size < 4 ? size : 4);
	memcpy(&v6.sin6_addr, data, size < 16 ? size : 16);
	for (uint32_t k = 0; k < n; k++) {
		/* Each pattern's text, as a name and with its port cut off. */
		check_lookup(m, pat[k], NULL, port, n);
		char *colon = strrchr(pat[k], ':');
		if (colon)
			*colon = '\0';
		check_lookup(m, pat[k], (const struct sockaddr *)&v4, port, n);
		check_lookup(m, pat[k], (const struct sockaddr *)&v6, port, n);
	}
	check_lookup(m, NULL, (const struct sockaddr *)&v4, port, n);
	check_lookup(m, NULL, (const struct sockaddr *)&v6, port, n);
	cb_matcher_free(m);
	return 0;
}
