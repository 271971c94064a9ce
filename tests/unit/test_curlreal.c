/* test_curlreal.c - finding libcurl at run time and reading a URL's host and
 * port with curl's own parser: userinfo skipped, IPv6 literals bracketed
 * (zone id dropped), schemeless URLs guessed as curl does, default ports
 * per scheme, none for a scheme curl does not know, and a CURLU read
 * directly. The test binary is not linked with libcurl: it loads it the
 * way a program would, before the first look-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <string.h>

#include "common.h"
#include "curlreal.h"

static const struct cb_curl_api *api;

static int load_libcurl(void **state)
{
	(void)state;
	if (!dlopen("libcurl.so.4", RTLD_NOW | RTLD_GLOBAL))
		return -1;
	api = cb_curlreal_get();
	return api->perform && api->url ? 0 : -1;
}

static void expect(const char *url, const char *host, uint16_t port)
{
	char h[CB_HOST_MAX];
	uint16_t p = 1;
	if (!cb_curlreal_split(api, url, NULL, h, sizeof(h), &p))
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
	assert_false(cb_curlreal_split(api, "http://exa mple.com/", NULL, h, sizeof(h), &p));
	assert_false(cb_curlreal_split(api, "http://:80/", NULL, h, sizeof(h), &p));
}

static void test_host_longer_than_the_buffer_does_not_parse(void **state)
{
	(void)state;
	char url[400] = "http://";
	memset(url + 7, 'a', 300);
	strcpy(url + 307, ".example/");
	char h[CB_HOST_MAX];
	uint16_t p;
	assert_false(cb_curlreal_split(api, url, NULL, h, sizeof(h), &p));
}

static void test_curlu_is_read_as_it_is_now(void **state)
{
	(void)state;
	CURLU *u = api->url();
	assert_non_null(u);
	assert_int_equal(api->url_set(u, CURLUPART_URL, "https://a.example/", 0), CURLUE_OK);
	char h[CB_HOST_MAX];
	uint16_t p;
	assert_true(cb_curlreal_split(api, NULL, u, h, sizeof(h), &p));
	assert_string_equal(h, "a.example");
	assert_int_equal(p, 443);
	assert_int_equal(api->url_set(u, CURLUPART_PORT, "8443", 0), CURLUE_OK);
	assert_true(cb_curlreal_split(api, NULL, u, h, sizeof(h), &p));
	assert_int_equal(p, 8443);
	api->url_cleanup(u);
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
	};
	return cmocka_run_group_tests(tests, load_libcurl, NULL);
}
