/* libcurl.c - finds the real libcurl functions (libcurl.h) and splits URLs
 * with curl's URL API.
 *
 * Every function set is taken from one library, the one that defines the
 * real curl_easy_perform: mixing the OpenSSL and GnuTLS builds of libcurl in
 * one process would hand one library's handle to the other. Each calling
 * object gets the libcurl it links (cb_libcurl_for): a plugin loaded
 * RTLD_LOCAL with its own libcurl build is invisible to RTLD_NEXT. */
#include "curl/libcurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cb_curl_api real;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Debian's two builds; a program may have loaded either without
 * RTLD_GLOBAL, where RTLD_NEXT cannot see it. */
static const char *const SONAMES[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

/* Objects that call libcurl in one process: the program, an interpreter's
 * curl extension, a plugin or two. One that comes after the table is full
 * gets the RTLD_NEXT libcurl, as before callers were told apart. */
#define CALLERS_MAX 64

struct caller {
	_Atomic(const void *) base; /* the calling object's load address; NULL until filled */
	const struct cb_curl_api *api;
	struct cb_curl_api own;
};

/* Lock-free: a writer claims a slot, fills it, then publishes `base`; a
 * reader skips slots not yet published. No lock means none to be left held
 * across fork(), and nothing to deadlock with the loader lock that dladdr
 * and dlopen take (a library constructor may call libcurl under it). Two
 * threads missing at once may both fill a slot for one object: harmless. */
static struct caller callers[CALLERS_MAX];
static atomic_uint claimed;

/* A handle on the library that defines `sym`, or NULL. RTLD_NOLOAD only
 * takes a reference on a library already there, never loads one; the
 * reference is kept, so the functions taken from it stay mapped. */
static void *library_of(void *sym)
{
	Dl_info info;
	if (!sym || !dladdr(sym, &info) || !info.dli_fname)
		return NULL;
	return dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
}

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define RESOLVE(api, lib, field, name)                                                             \
	memcpy(&(api)->field, &(void *){dlsym(lib, name)}, sizeof((api)->field))

/* Every member from the library that defines `perform`; false when none. */
static bool fill_from(struct cb_curl_api *api, void *perform)
{
	void *lib = library_of(perform);
	if (!lib)
		return false;
	RESOLVE(api, lib, perform, "curl_easy_perform");
	RESOLVE(api, lib, setopt, "curl_easy_setopt");
	RESOLVE(api, lib, reset, "curl_easy_reset");
	RESOLVE(api, lib, duphandle, "curl_easy_duphandle");
	RESOLVE(api, lib, cleanup, "curl_easy_cleanup");
	RESOLVE(api, lib, getinfo, "curl_easy_getinfo");
	RESOLVE(api, lib, url, "curl_url");
	RESOLVE(api, lib, url_cleanup, "curl_url_cleanup");
	RESOLVE(api, lib, url_set, "curl_url_set");
	RESOLVE(api, lib, url_get, "curl_url_get");
	RESOLVE(api, lib, free, "curl_free");
	return api->perform != NULL;
}

static void resolve(void)
{
	if (fill_from(&real, dlsym(RTLD_NEXT, "curl_easy_perform")))
		return;
	for (size_t i = 0; i < sizeof(SONAMES) / sizeof(SONAMES[0]); i++) {
		void *lib = dlopen(SONAMES[i], RTLD_LAZY | RTLD_NOLOAD);
		if (lib && fill_from(&real, dlsym(lib, "curl_easy_perform")))
			return;
	}
}

const struct cb_curl_api *cb_libcurl_get(void)
{
	pthread_once(&once, resolve);
	return &real;
}

/* The load address of the object holding this code (the shim, or a test). */
static const void *self_base(void)
{
	Dl_info info;
	return dladdr((void *)self_base, &info) ? info.dli_fbase : NULL;
}

/* The libcurl that `fname` links: dlsym on an object's handle searches it and
 * its dependencies. The program's own handle searches the global scope,
 * where the shim comes first: a definition in the shim means "none here". */
static bool resolve_for(struct cb_curl_api *api, const char *fname)
{
	void *obj = dlopen(fname, RTLD_LAZY | RTLD_NOLOAD);
	if (!obj)
		return false;
	void *perform = dlsym(obj, "curl_easy_perform");
	Dl_info info;
	bool ok = perform && dladdr(perform, &info) && info.dli_fbase != self_base() &&
	          fill_from(api, perform);
	/* Only the caller's reference goes: the libcurl's is kept (library_of). */
	dlclose(obj);
	return ok;
}

const struct cb_curl_api *cb_libcurl_for(const void *caller)
{
	Dl_info info;
	if (!caller || !dladdr(caller, &info) || !info.dli_fbase || !info.dli_fname)
		return cb_libcurl_get();
	unsigned n = atomic_load_explicit(&claimed, memory_order_acquire);
	for (unsigned i = 0; i < n && i < CALLERS_MAX; i++)
		if (atomic_load_explicit(&callers[i].base, memory_order_acquire) == info.dli_fbase)
			return callers[i].api;
	if (n >= CALLERS_MAX)
		return cb_libcurl_get();
	unsigned i = atomic_fetch_add_explicit(&claimed, 1, memory_order_acq_rel);
	if (i >= CALLERS_MAX)
		return cb_libcurl_get();
	struct caller *c = &callers[i];
	c->api = resolve_for(&c->own, info.dli_fname) ? &c->own : cb_libcurl_get();
	atomic_store_explicit(&c->base, info.dli_fbase, memory_order_release);
	return c->api;
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

bool cb_libcurl_split(const struct cb_curl_api *api, const char *url, CURLU *curlu, char *host,
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
