/* libcurl.h - the real libcurl functions, found at run time in a process
 * that has loaded libcurl (libcurl.so.4, libcurl-gnutls.so.4, or any build a
 * calling object links). The shim
 * carries no DT_NEEDED on libcurl: <curl/curl.h> gives types and constants
 * only. Also the URL splitting that needs them. */
#ifndef CB_LIBCURL_H
#define CB_LIBCURL_H

/* curl.h otherwise turns curl_easy_setopt/getinfo into type-checking
 * macros, which would clash with the shim's own definitions. */
#define CURL_DISABLE_TYPECHECK 1

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Any member may be NULL (an old libcurl lacks the URL API, or no libcurl is
 * loaded at all); every caller checks. All come from the same library. */
struct cb_curl_api {
	CURLcode (*perform)(CURL *h);
	CURLcode (*setopt)(CURL *h, CURLoption opt, ...);
	void (*reset)(CURL *h);
	CURL *(*duphandle)(CURL *h);
	void (*cleanup)(CURL *h);
	CURLcode (*getinfo)(CURL *h, CURLINFO info, ...);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
	CURLUcode (*url_get)(CURLU *u, CURLUPart what, char **part, unsigned int flags);
	void (*free)(void *p);
};

/* Resolved once, on first use: the libcurl that dlsym(RTLD_NEXT) sees first
 * (the one the program's calls would have reached without the shim), else
 * one already loaded privately. Never NULL; its members may be. */
const struct cb_curl_api *cb_libcurl_get(void);

/* The libcurl that the object containing code address `caller` (an exported
 * hook's return address) links: what its call would have reached without
 * the shim, also when that object was loaded RTLD_LOCAL with a libcurl build
 * RTLD_NEXT cannot see. Cached per object; cb_libcurl_get() when the
 * object's own dependencies hold none (the program itself: the shim comes
 * first in its scope). Never NULL; its members may be. */
const struct cb_curl_api *cb_libcurl_for(const void *caller);

/* The host and port a URL string (or, when url is NULL, a CURLU) points at,
 * through curl's own parser so that both read it alike: schemeless URLs are
 * guessed as curl does, userinfo is skipped, IPv6 literals keep their
 * brackets, a missing port is the scheme's default (0 when curl knows no
 * default). False when it does not parse or the URL API is missing. */
bool cb_libcurl_split(const struct cb_curl_api *api, const char *url, CURLU *curlu, char *host,
                      size_t hostlen, uint16_t *port);

#endif
