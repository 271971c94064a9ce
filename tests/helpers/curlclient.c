/* curlclient.c - a small libcurl program for the integration tests: runs
 * one URL COUNT times through curl_easy_perform and prints one line per
 * transfer:
 *
 *     code=7 status=0 ms=0 err=cbreaker: breaker 'api' is open; retry in 1s
 *
 * usage: curlclient [options] URL
 *   -n COUNT              transfers (default 1)
 *   --error-buffer        set CURLOPT_ERRORBUFFER (err= shows it)
 *   --connect-timeout MS  CURLOPT_CONNECTTIMEOUT_MS
 *   --max-time MS         CURLOPT_TIMEOUT_MS
 *   --reuse-handle        one handle for all transfers (default: a new one each)
 *   --curlu               pass the URL as a CURLU (CURLOPT_CURLU)
 *   --follow              CURLOPT_FOLLOWLOCATION
 *   --port N              CURLOPT_PORT
 *   --dup                 perform on a curl_easy_duphandle copy of the handle
 *   --reset-url URL2      before each transfer after the first: curl_easy_reset,
 *                         then set URL2 (tests that reset forgets the old URL)
 * Exit status: 0, or 2 on bad usage. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct opts {
	const char *url;
	const char *reset_url;
	long count;
	int errbuf, reuse, curlu, follow, dup;
	long connect_ms, max_ms, port;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static int usage(void)
{
	fprintf(stderr, "usage: curlclient [-n COUNT] [--error-buffer] [--connect-timeout MS] "
	                "[--max-time MS] [--reuse-handle] [--curlu] [--follow] [--port N] "
	                "[--dup] [--reset-url URL2] URL\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->count = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-n") && next)
			o->count = atol(argv[++i]);
		else if (!strcmp(a, "--error-buffer"))
			o->errbuf = 1;
		else if (!strcmp(a, "--connect-timeout") && next)
			o->connect_ms = atol(argv[++i]);
		else if (!strcmp(a, "--max-time") && next)
			o->max_ms = atol(argv[++i]);
		else if (!strcmp(a, "--reuse-handle"))
			o->reuse = 1;
		else if (!strcmp(a, "--curlu"))
			o->curlu = 1;
		else if (!strcmp(a, "--follow"))
			o->follow = 1;
		else if (!strcmp(a, "--port") && next)
			o->port = atol(argv[++i]);
		else if (!strcmp(a, "--dup"))
			o->dup = 1;
		else if (!strcmp(a, "--reset-url") && next)
			o->reset_url = argv[++i];
		else if (a[0] != '-' && !o->url)
			o->url = a;
		else
			return -1;
	}
	return o->url && o->count > 0 ? 0 : -1;
}

static void setup(CURL *h, const struct opts *o, const char *url, CURLU *u, char *errbuf)
{
	if (u)
		curl_easy_setopt(h, CURLOPT_CURLU, u);
	else
		curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	if (o->errbuf)
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (o->connect_ms)
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
	if (o->max_ms)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->max_ms);
	if (o->follow)
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	if (o->port)
		curl_easy_setopt(h, CURLOPT_PORT, o->port);
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse(argc, argv, &o) != 0)
		return usage();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	static char errbuf[CURL_ERROR_SIZE];
	CURLU *u = NULL;
	if (o.curlu) {
		u = curl_url();
		if (!u || curl_url_set(u, CURLUPART_URL, o.url, 0) != CURLUE_OK) {
			fprintf(stderr, "curlclient: bad URL %s\n", o.url);
			return 2;
		}
	}
	CURL *h = NULL;
	for (long i = 0; i < o.count; i++) {
		if (!h || !o.reuse) {
			if (h)
				curl_easy_cleanup(h);
			h = curl_easy_init();
			if (!h)
				return 1;
			setup(h, &o, o.url, u, errbuf);
		} else if (o.reset_url) {
			curl_easy_reset(h);
			setup(h, &o, o.reset_url, NULL, errbuf);
		}
		CURL *run = o.dup ? curl_easy_duphandle(h) : h;
		errbuf[0] = '\0';
		long t0 = now_ms();
		CURLcode rc = curl_easy_perform(run);
		long ms = now_ms() - t0;
		long status = 0;
		curl_easy_getinfo(run, CURLINFO_RESPONSE_CODE, &status);
		printf("code=%d status=%ld ms=%ld err=%s\n", (int)rc, status, ms, errbuf);
		fflush(stdout);
		if (run != h)
			curl_easy_cleanup(run);
	}
	curl_easy_cleanup(h);
	curl_url_cleanup(u);
	curl_global_cleanup();
	return 0;
}
