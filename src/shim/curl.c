/* curl.c - the exported libcurl entry points: curl_easy_perform and the
 * calls that set up, copy, reset and free the handles it runs on (policy:
 * src/curl/transfer.c). Each passes its return address on, so that the
 * call reaches the libcurl the calling object links. They are reached only
 * in processes that call libcurl, so libcurl is loaded whenever one runs. */
#include "curl/transfer.h"

CB_EXPORT CURLcode curl_easy_perform(CURL *h)
{
	return cb_curl_perform(h, __builtin_return_address(0));
}

CB_EXPORT CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	va_start(ap, opt);
	CURLcode rc = cb_curl_setopt(h, opt, ap, __builtin_return_address(0));
	va_end(ap);
	return rc;
}

CB_EXPORT void curl_easy_reset(CURL *h)
{
	cb_curl_reset(h, __builtin_return_address(0));
}

CB_EXPORT CURL *curl_easy_duphandle(CURL *h)
{
	return cb_curl_duphandle(h, __builtin_return_address(0));
}

CB_EXPORT void curl_easy_cleanup(CURL *h)
{
	cb_curl_cleanup(h, __builtin_return_address(0));
}
