/* fuzz_curl_url.c - libFuzzer target for a curl transfer's host and port
 * (src/curl: cb_libcurl_split, then the breaker look-up with them): any
 * bytes as CURLOPT_URL give a host that fits its buffer and a port, or no
 * breaker at all. libcurl is linked in, as the process under the shim has
 * loaded it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curl/libcurl.h"
#include "match/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cb_curl_api api;
static struct cb_matcher *m;

static void init(void)
{
	api.url = curl_url;
	api.url_cleanup = curl_url_cleanup;
	api.url_set = curl_url_set;
	api.url_get = curl_url_get;
	api.free = curl_free;
	m = cb_matcher_new();
	char err[256];
	if (!m || cb_matcher_add(m, "*.example.com", 0, err, sizeof(err)) != 0 ||
	    cb_matcher_add(m, "127.0.0.1:8000-8099", 1, err, sizeof(err)) != 0 ||
	    cb_matcher_add(m, "[::1]:*", 2, err, sizeof(err)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!m)
		init();
	char *url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	char host[CB_HOST_MAX];
	memset(host, 'x', sizeof(host));
	uint16_t port = 1;
	if (cb_libcurl_split(&api, url, NULL, host, sizeof(host), &port)) {
		if (strnlen(host, sizeof(host)) == sizeof(host))
			abort();
		int id = cb_matcher_lookup(m, host, NULL, port);
		if (id < -1 || id > 2)
			abort();
	}
	free(url);
	return 0;
}
