/* test_libcurl.c - finding libcurl at run time and reading a URL's host and
 * port with curl's own parser: userinfo skipped, IPv6 literals bracketed
 * (zone id dropped), schemeless URLs guessed as curl does, default ports
 * per scheme, none for a scheme curl does not know, and a CURLU read
 * directly; each calling object gets the libcurl it links. The test binary
 * is not linked with libcurl: it loads it the way a program would, before
 * the first look-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <string.h>

#include "base/base.h"
#include "curl/libcurl.h"

static const struct cb_curl_api *api;

static int load_libcurl(void **state)
{
	(void)state;
	if (!dlopen("libcurl.so.4", RTLD_NOW | RTLD_GLOBAL))
		return -1;
	api = cb_libcurl_get();
	return api->perform && api->url ? 0 : -1;
}

static void expect(const char *url, const char *host, uint16_t port)
{
	char h[CB_HOST_MAX];
	uint16_t p = 1;
	if (!cb_libcurl_split(api, url, NULL, h, sizeof(h), &p))
		fail_msg("\"%s\" did not parse", url);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
}

static void test_every_function_comes_from_the_loaded_libcurl(void **state)
{
	(void)state;
	assert_non_null(api->setopt);
	assert_non_null(api->reset);
	assert_non_null(api->duphandle);
	assert_non_null(api->cleanup);
	assert_non_null(api->getinfo);
	assert_non_null(api->url_set);
	assert_non_null(api->url_get);
	assert_non_null(api->url_cleanup);
	assert_non_null(api->free);
}

static void test_scheme_default_ports(void **state)
{
	(void)state;
	expect("http://api.example.com/v1", "api.example.com", 80);
	expect("https://api.example.com/v1", "api.example.com", 443);
	expect("http://api.example.com:8080", "api.example.com", 8080);
}

static void test_userinfo_is_not_the_host(void **state)
{
	(void)state;
	expect("https://user:p%40ss@db.internal:5984/x", "db.internal", 5984);
}

static void test_ipv6_literal_keeps_brackets_and_drops_zone(void **state)
{
	(void)state;
	expect("http://[::1]:8000/", "[::1]", 8000);
	expect("http://[fe80::1%25eth0]/", "[fe80::1]", 80);
}

static void test_schemeless_url_is_guessed_as_curl_does(void **state)
{
	(void)state;
	expect("example.com:8080/path", "example.com", 8080);
	expect("example.com/path", "example.com", 80);
	expect("ftp.example.com/file", "ftp.example.com", 21);
}

static void test_unknown_scheme_has_no_port(void **state)
{
	(void)state;
	expect("foo://h.example/x", "h.example", 0);
}

static void test_malformed_url_does_not_parse(void **state)
{
	(void)state;
	char h[CB_HOST_MAX];
	uint16_t p;
	assert_false(cb_libcurl_split(api, "http://exa mple.com/", NULL, h, sizeof(h), &p));
	assert_false(cb_libcurl_split(api, "http://:80/", NULL, h, sizeof(h), &p));
}

static void test_host_longer_than_the_buffer_does_not_parse(void **state)
{
	(void)state;
	char url[400] = "http://";
	memset(url + 7, 'a', 300);
	strcpy(url + 307, ".example/");
	char h[CB_HOST_MAX];
	uint16_t p;
	assert_false(cb_libcurl_split(api, url, NULL, h, sizeof(h), &p));
}

static void test_curlu_is_read_as_it_is_now(void **state)
{
	(void)state;
	CURLU *u = api->url();
	assert_non_null(u);
	assert_int_equal(api->url_set(u, CURLUPART_URL, "https://a.example/", 0), CURLUE_OK);
	char h[CB_HOST_MAX];
	uint16_t p;
	assert_true(cb_libcurl_split(api, NULL, u, h, sizeof(h), &p));
	assert_string_equal(h, "a.example");
	assert_int_equal(p, 443);
	assert_int_equal(api->url_set(u, CURLUPART_PORT, "8443", 0), CURLUE_OK);
	assert_true(cb_libcurl_split(api, NULL, u, h, sizeof(h), &p));
	assert_int_equal(p, 8443);
	api->url_cleanup(u);
}

/* The address of `name` in the library `soname`, loaded RTLD_LOCAL so that
 * only a look-up through its caller can find it. */
static void *local_symbol(const char *soname, const char *name)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	return lib ? dlsym(lib, name) : NULL;
}

static void test_caller_in_a_local_library_gets_the_libcurl_it_links(void **state)
{
	(void)state;
	/* Any code address inside the GnuTLS build stands for a caller whose
	 * dependencies hold that build. */
	void *gnutls_perform = local_symbol("libcurl-gnutls.so.4", "curl_easy_perform");
	if (!gnutls_perform)
		skip();
	const struct cb_curl_api *g = cb_libcurl_for(gnutls_perform);
	assert_ptr_equal((void *)g->perform, gnutls_perform);
	assert_ptr_not_equal((void *)g->perform, (void *)api->perform);
	assert_non_null(g->setopt);
	assert_non_null(g->cleanup);
	assert_non_null(g->url_get);
	/* Cached: the same set, whichever address in that object calls. */
	assert_ptr_equal(cb_libcurl_for(gnutls_perform), g);
	assert_ptr_equal(cb_libcurl_for((const char *)gnutls_perform + 1), g);
}

static void test_caller_without_its_own_libcurl_gets_the_global_one(void **state)
{
	(void)state;
	/* This test program does not link libcurl: it loaded it globally. */
	assert_ptr_equal(cb_libcurl_for((const void *)test_scheme_default_ports), api);
	assert_ptr_equal(cb_libcurl_for(NULL), api);
	int on_the_stack;
	assert_ptr_equal(cb_libcurl_for(&on_the_stack), api);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_function_comes_from_the_loaded_libcurl),
	        cmocka_unit_test(test_scheme_default_ports),
	        cmocka_unit_test(test_userinfo_is_not_the_host),
	        cmocka_unit_test(test_ipv6_literal_keeps_brackets_and_drops_zone),
	        cmocka_unit_test(test_schemeless_url_is_guessed_as_curl_does),
	        cmocka_unit_test(test_unknown_scheme_has_no_port),
	        cmocka_unit_test(test_malformed_url_does_not_parse),
	        cmocka_unit_test(test_host_longer_than_the_buffer_does_not_parse),
	        cmocka_unit_test(test_curlu_is_read_as_it_is_now),
	        cmocka_unit_test(test_caller_in_a_local_library_gets_the_libcurl_it_links),
	        cmocka_unit_test(test_caller_without_its_own_libcurl_gets_the_global_one),
	};
	return cmocka_run_group_tests(tests, load_libcurl, NULL);
}
