/* test_socktype.c - the per-descriptor socket type table that spares
 * connect() a getsockopt(SO_TYPE): what socket()'s type argument records,
 * unknown by default, forgetting (one and a range), high descriptors, and
 * errno left alone. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "connect/socktype.h"

static void test_socket_type_flags_do_not_hide_a_stream(void **state)
{
	(void)state;
	assert_int_equal(cb_socktype_of_socket(SOCK_STREAM), CB_SOCKTYPE_STREAM);
	assert_int_equal(cb_socktype_of_socket(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC),
	                 CB_SOCKTYPE_STREAM);
	assert_int_equal(cb_socktype_of_socket(SOCK_DGRAM | SOCK_NONBLOCK), CB_SOCKTYPE_OTHER);
	assert_int_equal(cb_socktype_of_socket(SOCK_SEQPACKET), CB_SOCKTYPE_OTHER);
	assert_int_equal(cb_socktype_of_socket(SOCK_RAW), CB_SOCKTYPE_OTHER);
}

static void test_never_recorded_descriptor_is_unknown(void **state)
{
	(void)state;
	assert_int_equal(cb_socktype_get(77), CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(cb_socktype_get(-1), CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(cb_socktype_get(1 << 30), CB_SOCKTYPE_UNKNOWN);
}

static void test_recorded_type_is_read_back_until_forgotten(void **state)
{
	(void)state;
	cb_socktype_set(5, CB_SOCKTYPE_STREAM);
	cb_socktype_set(6, CB_SOCKTYPE_OTHER);
	assert_int_equal(cb_socktype_get(5), CB_SOCKTYPE_STREAM);
	assert_int_equal(cb_socktype_get(6), CB_SOCKTYPE_OTHER);
	cb_socktype_set(5, CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(cb_socktype_get(5), CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(cb_socktype_get(6), CB_SOCKTYPE_OTHER);
	cb_socktype_set(6, CB_SOCKTYPE_UNKNOWN);
}

static void test_descriptors_beyond_the_first_chunk_are_recorded(void **state)
{
	(void)state;
	int high = 3 * CB_SOCKTYPE_CHUNK + 17;
	cb_socktype_set(high, CB_SOCKTYPE_OTHER);
	assert_int_equal(cb_socktype_get(high), CB_SOCKTYPE_OTHER);
	assert_int_equal(cb_socktype_get(high - 1), CB_SOCKTYPE_UNKNOWN);
	cb_socktype_set(CB_SOCKTYPE_CHUNK * CB_SOCKTYPE_CHUNKS,
	                CB_SOCKTYPE_STREAM); /* out of range */
	assert_int_equal(cb_socktype_get(CB_SOCKTYPE_CHUNK * CB_SOCKTYPE_CHUNKS),
	                 CB_SOCKTYPE_UNKNOWN);
	cb_socktype_set(high, CB_SOCKTYPE_UNKNOWN);
}

static void test_forget_range_spans_chunks_and_stops_at_its_ends(void **state)
{
	(void)state;
	int lo = CB_SOCKTYPE_CHUNK - 2, hi = 2 * CB_SOCKTYPE_CHUNK + 1;
	for (int fd = lo - 1; fd <= hi + 1; fd++)
		cb_socktype_set(fd, CB_SOCKTYPE_STREAM);
	cb_socktype_forget_range((unsigned int)lo, (unsigned int)hi);
	assert_int_equal(cb_socktype_get(lo - 1), CB_SOCKTYPE_STREAM);
	for (int fd = lo; fd <= hi; fd++)
		assert_int_equal(cb_socktype_get(fd), CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(cb_socktype_get(hi + 1), CB_SOCKTYPE_STREAM);
	/* close_range(3, ~0U), as daemons call it: everything from 3 on. */
	cb_socktype_forget_range(3, ~0u);
	assert_int_equal(cb_socktype_get(lo - 1), CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(cb_socktype_get(hi + 1), CB_SOCKTYPE_UNKNOWN);
}

static void test_recording_leaves_errno_alone(void **state)
{
	(void)state;
	errno = EAGAIN;
	cb_socktype_set(9 * CB_SOCKTYPE_CHUNK, CB_SOCKTYPE_STREAM); /* maps a fresh chunk */
	cb_socktype_forget_range(0, ~0u);
	assert_int_equal(errno, EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_socket_type_flags_do_not_hide_a_stream),
	        cmocka_unit_test(test_never_recorded_descriptor_is_unknown),
	        cmocka_unit_test(test_recorded_type_is_read_back_until_forgotten),
	        cmocka_unit_test(test_descriptors_beyond_the_first_chunk_are_recorded),
	        cmocka_unit_test(test_forget_range_spans_chunks_and_stops_at_its_ends),
	        cmocka_unit_test(test_recording_leaves_errno_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
