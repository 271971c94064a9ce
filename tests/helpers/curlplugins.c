/* curlplugins.c - a program with several libcurl builds in one process, for
 * the integration tests: it links libcurl.so.4 itself and dlopen()s each
 * PLUGIN with RTLD_LOCAL, as an interpreter loads an extension. A plugin
 * exports `long plugin_fetch(const char *url, char *errbuf, long *status)`
 * and does its transfer with the libcurl it links (libcurl-gnutls.so.4,
 * libcurl-nss.so.4).
 * One line per transfer, the program's own first:
 *
 *     who=main code=0 status=200 err=
 *     who=plugin1 code=7 status=0 err=cbreaker: breaker 'api' is open; ...
 *
 * usage: curlplugins URL PLUGIN...
 * Exit status: 0, 1 when a plugin does not load, 2 on bad usage. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void report(const char *who, long code, long status, const char *err)
{
	printf("who=%s code=%ld status=%ld err=%s\n", who, code, status, err);
	fflush(stdout);
}

static void fetch_here(const char *url)
{
	char err[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURL *h = curl_easy_init();
	if (!h) {
		report("main", -1, 0, "curl_easy_init failed");
		return;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	report("main", rc, status, err);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: curlplugins URL PLUGIN...\n");
		return 2;
	}
	fetch_here(argv[1]);
	for (int i = 2; i < argc; i++) {
		void *lib = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		long (*fetch)(const char *url, char *errbuf, long *status);
		void *sym = lib ? dlsym(lib, "plugin_fetch") : NULL;
		if (!sym) {
			fprintf(stderr, "curlplugins: %s: %s\n", argv[i], dlerror());
			return 1;
		}
		memcpy(&fetch, &sym, sizeof(fetch));
		char err[CURL_ERROR_SIZE] = "", who[32];
		long status = 0;
		long rc = fetch(argv[1], err, &status);
		snprintf(who, sizeof(who), "plugin%d", i - 1);
		report(who, rc, status, err);
	}
	return 0;
}
