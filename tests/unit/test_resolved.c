/* test_resolved.c - the address -> name table learned from resolver calls:
 * look-up by address, v4-mapped addresses, newest name wins, bounded size,
 * and readers never see a torn name while a writer updates it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"
#include "match/resolved.h"

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
	struct sockaddr_in6 a;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

static void test_remembered_name_is_found_by_address(void **state)
{
	(void)state;
	struct sockaddr_in a = v4("10.1.2.3");
	char name[CB_HOST_MAX];
	cb_resolved_remember((struct sockaddr *)&a, "api.example.com");
	assert_true(cb_resolved_find((struct sockaddr *)&a, name, sizeof(name)));
	assert_string_equal(name, "api.example.com");
}

static void test_unknown_address_has_no_name(void **state)
{
	(void)state;
	struct sockaddr_in a = v4("10.9.9.9");
	char name[CB_HOST_MAX];
	assert_false(cb_resolved_find((struct sockaddr *)&a, name, sizeof(name)));
}

static void test_v4_mapped_v6_address_finds_the_v4_name(void **state)
{
	(void)state;
	struct sockaddr_in a = v4("10.1.2.4");
	struct sockaddr_in6 m = v6("::ffff:10.1.2.4");
	char name[CB_HOST_MAX];
	cb_resolved_remember((struct sockaddr *)&a, "db.internal");
	assert_true(cb_resolved_find((struct sockaddr *)&m, name, sizeof(name)));
	assert_string_equal(name, "db.internal");
}

static void test_v6_address_is_remembered(void **state)
{
	(void)state;
	struct sockaddr_in6 a = v6("2001:db8::7");
	char name[CB_HOST_MAX];
	cb_resolved_remember((struct sockaddr *)&a, "v6.example.com");
	assert_true(cb_resolved_find((struct sockaddr *)&a, name, sizeof(name)));
	assert_string_equal(name, "v6.example.com");
}

static void test_newest_name_for_an_address_wins(void **state)
{
	(void)state;
	struct sockaddr_in a = v4("10.1.2.5");
	char name[CB_HOST_MAX];
	cb_resolved_remember((struct sockaddr *)&a, "old.example.com");
	cb_resolved_remember((struct sockaddr *)&a, "new.example.com");
	assert_true(cb_resolved_find((struct sockaddr *)&a, name, sizeof(name)));
	assert_string_equal(name, "new.example.com");
}

static void test_other_families_are_ignored(void **state)
{
	(void)state;
	struct sockaddr un = {.sa_family = AF_UNIX};
	char name[CB_HOST_MAX];
	cb_resolved_remember(&un, "x");
	assert_false(cb_resolved_find(&un, name, sizeof(name)));
}

static void test_name_is_truncated_to_the_buffer(void **state)
{
	(void)state;
	struct sockaddr_in a = v4("10.1.2.6");
	char name[5];
	cb_resolved_remember((struct sockaddr *)&a, "abcdefgh");
	assert_true(cb_resolved_find((struct sockaddr *)&a, name, sizeof(name)));
	assert_string_equal(name, "abcd");
}

static void test_table_stays_bounded_and_keeps_the_newest(void **state)
{
	(void)state;
	int total = CB_RESOLVED_SETS * CB_RESOLVED_WAYS * 4;
	char ip[32], want[64], name[CB_HOST_MAX];
	for (int i = 0; i < total; i++) {
		snprintf(ip, sizeof(ip), "10.2.%d.%d", i / 250, i % 250);
		snprintf(want, sizeof(want), "host%d.example", i);
		struct sockaddr_in a = v4(ip);
		cb_resolved_remember((struct sockaddr *)&a, want);
	}
	int found = 0;
	for (int i = 0; i < total; i++) {
		snprintf(ip, sizeof(ip), "10.2.%d.%d", i / 250, i % 250);
		struct sockaddr_in a = v4(ip);
		found += cb_resolved_find((struct sockaddr *)&a, name, sizeof(name));
	}
	assert_true(found <= CB_RESOLVED_SETS * CB_RESOLVED_WAYS);
	struct sockaddr_in last = v4("10.2.4.23"); /* i = total - 1 = 1023 */
	assert_true(cb_resolved_find((struct sockaddr *)&last, name, sizeof(name)));
	assert_string_equal(name, "host1023.example");
}

#define WRITES 20000

static _Atomic int writer_done;

static void *writer(void *arg)
{
	(void)arg;
	struct sockaddr_in a = v4("10.3.0.1");
	char aaa[CB_HOST_MAX], bbb[CB_HOST_MAX];
	memset(aaa, 'a', 200);
	aaa[200] = '\0';
	memset(bbb, 'b', 100);
	bbb[100] = '\0';
	for (int i = 0; i < WRITES; i++)
		cb_resolved_remember((struct sockaddr *)&a, i % 2 ? aaa : bbb);
	atomic_store(&writer_done, 1);
	return NULL;
}

static void test_reader_never_sees_a_torn_name(void **state)
{
	(void)state;
	struct sockaddr_in a = v4("10.3.0.1");
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	int torn = 0;
	char name[CB_HOST_MAX];
	for (long reads = 0; reads < 10000000L && !atomic_load(&writer_done); reads++) {
		if (!cb_resolved_find((struct sockaddr *)&a, name, sizeof(name)))
			continue;
		size_t n = strlen(name);
		bool ok = (n == 200 && name[0] == 'a') || (n == 100 && name[0] == 'b');
		for (size_t i = 0; ok && i < n; i++)
			ok = name[i] == name[0];
		torn += !ok;
	}
	pthread_join(th, NULL);
	assert_int_equal(torn, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_remembered_name_is_found_by_address),
	        cmocka_unit_test(test_unknown_address_has_no_name),
	        cmocka_unit_test(test_v4_mapped_v6_address_finds_the_v4_name),
	        cmocka_unit_test(test_v6_address_is_remembered),
	        cmocka_unit_test(test_newest_name_for_an_address_wins),
	        cmocka_unit_test(test_other_families_are_ignored),
	        cmocka_unit_test(test_name_is_truncated_to_the_buffer),
	        cmocka_unit_test(test_table_stays_bounded_and_keeps_the_newest),
	        cmocka_unit_test(test_reader_never_sees_a_torn_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
