/* curlreal.c - finds the real libcurl functions (curlreal.h) and splits URLs
 * with curl's URL API.
 *
 * Every function is taken from one library, the one that defines the real
 * curl_easy_perform: mixing the OpenSSL and GnuTLS builds of libcurl in one
 * process would hand one library's handle to the other. */
#include "curlreal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cb_curl_api real;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Debian's two builds; a program may have loaded either without
 * RTLD_GLOBAL, where RTLD_NEXT cannot see it. */
static const char *const SONAMES[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

/* A handle on the library that defines `sym`, or NULL. RTLD_NOLOAD only
 * takes a reference on a library already there, never loads one. */
static void *library_of(void *sym)
{
	Dl_info info;
	if (!sym || !dladdr(sym, &info) || !info.dli_fname)
		return NULL;
	return dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
}

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define RESOLVE(lib, field, name)                                                                  \
	memcpy(&real.field, &(void *){dlsym(lib, name)}, sizeof(real.field))

static void resolve(void)
{
	void *lib = library_of(dlsym(RTLD_NEXT, "curl_easy_perform"));
	for (size_t i = 0; !lib && i < sizeof(SONAMES) / sizeof(SONAMES[0]); i++)
		lib = dlopen(SONAMES[i], RTLD_LAZY | RTLD_NOLOAD);
	if (!lib)
		return;
	RESOLVE(lib, perform, "curl_easy_perform");
	RESOLVE(lib, setopt, "curl_easy_setopt");
	RESOLVE(lib, reset, "curl_easy_reset");
	RESOLVE(lib, duphandle, "curl_easy_duphandle");
	RESOLVE(lib, cleanup, "curl_easy_cleanup");
	RESOLVE(lib, getinfo, "curl_easy_getinfo");
	RESOLVE(lib, url, "curl_url");
	RESOLVE(lib, url_cleanup, "curl_url_cleanup");
	RESOLVE(lib, url_set, "curl_url_set");
	RESOLVE(lib, url_get, "curl_url_get");
	RESOLVE(lib, free, "curl_free");
}

const struct cb_curl_api *cb_curlreal_get(void)
{
	pthread_once(&once, resolve);
	return &real;
}

/* Port text to number; 0 when absent or out of range. */
static uint16_t port_number(const char *s)
{
	if (!s)
		return 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	return *end || v > 65535 ? 0 : (uint16_t)v;
}

bool cb_curlreal_split(const struct cb_curl_api *api, const char *url, CURLU *curlu, char *host,
                       size_t hostlen, uint16_t *port)
{
	if (!api->url_get || !api->free ||
	    (url && (!api->url || !api->url_set || !api->url_cleanup)))
		return false;
	CURLU *u = curlu;
	if (url) {
		u = api->url();
		if (!u)
			return false;
		/* The flags curl_easy_perform itself parses CURLOPT_URL with, so
		 * "example.com:8080/x" and "foo://h" mean here what they mean there. */
		if (api->url_set(u, CURLUPART_URL, url,
		                 CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
			api->url_cleanup(u);
			return false;
		}
	}
	char *h = NULL, *p = NULL;
	bool ok = api->url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && h &&
	          (size_t)snprintf(host, hostlen, "%s", h) < hostlen;
	/* No port and no default for the scheme (CURLUE_NO_PORT) leaves 0. */
	if (ok && api->url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK)
		*port = port_number(p);
	else
		*port = 0;
	api->free(h);
	api->free(p);
	if (url)
		api->url_cleanup(u);
	return ok;
}
