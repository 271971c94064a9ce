/* test_fdtype.c - the per-descriptor socket type table that spares
 * connect() a getsockopt(SO_TYPE): what socket()'s type argument records,
 * unknown by default, forgetting (one and a range), high descriptors, and
 * errno left alone. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "fdtype.h"

static void test_socket_type_flags_do_not_hide_a_stream(void **state)
{
	(void)state;
	assert_int_equal(cb_fdtype_of_socket(SOCK_STREAM), CB_FDTYPE_STREAM);
	assert_int_equal(cb_fdtype_of_socket(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC),
	                 CB_FDTYPE_STREAM);
	assert_int_equal(cb_fdtype_of_socket(SOCK_DGRAM | SOCK_NONBLOCK), CB_FDTYPE_OTHER);
	assert_int_equal(cb_fdtype_of_socket(SOCK_SEQPACKET), CB_FDTYPE_OTHER);
	assert_int_equal(cb_fdtype_of_socket(SOCK_RAW), CB_FDTYPE_OTHER);
}

static void test_never_recorded_descriptor_is_unknown(void **state)
{
	(void)state;
	assert_int_equal(cb_fdtype_get(77), CB_FDTYPE_UNKNOWN);
	assert_int_equal(cb_fdtype_get(-1), CB_FDTYPE_UNKNOWN);
	assert_int_equal(cb_fdtype_get(1 << 30), CB_FDTYPE_UNKNOWN);
}

static void test_recorded_type_is_read_back_until_forgotten(void **state)
{
	(void)state;
	cb_fdtype_set(5, CB_FDTYPE_STREAM);
	cb_fdtype_set(6, CB_FDTYPE_OTHER);
	assert_int_equal(cb_fdtype_get(5), CB_FDTYPE_STREAM);
	assert_int_equal(cb_fdtype_get(6), CB_FDTYPE_OTHER);
	cb_fdtype_set(5, CB_FDTYPE_UNKNOWN);
	assert_int_equal(cb_fdtype_get(5), CB_FDTYPE_UNKNOWN);
	assert_int_equal(cb_fdtype_get(6), CB_FDTYPE_OTHER);
	cb_fdtype_set(6, CB_FDTYPE_UNKNOWN);
}

static void test_descriptors_beyond_the_first_chunk_are_recorded(void **state)
{
	(void)state;
	int high = 3 * CB_FDTYPE_CHUNK + 17;
	cb_fdtype_set(high, CB_FDTYPE_OTHER);
	assert_int_equal(cb_fdtype_get(high), CB_FDTYPE_OTHER);
	assert_int_equal(cb_fdtype_get(high - 1), CB_FDTYPE_UNKNOWN);
	cb_fdtype_set(CB_FDTYPE_CHUNK * CB_FDTYPE_CHUNKS, CB_FDTYPE_STREAM); /* out of range */
	assert_int_equal(cb_fdtype_get(CB_FDTYPE_CHUNK * CB_FDTYPE_CHUNKS), CB_FDTYPE_UNKNOWN);
	cb_fdtype_set(high, CB_FDTYPE_UNKNOWN);
}

static void test_forget_range_spans_chunks_and_stops_at_its_ends(void **state)
{
	(void)state;
	int lo = CB_FDTYPE_CHUNK - 2, hi = 2 * CB_FDTYPE_CHUNK + 1;
	for (int fd = lo - 1; fd <= hi + 1; fd++)
		cb_fdtype_set(fd, CB_FDTYPE_STREAM);
	cb_fdtype_forget_range((unsigned int)lo, (unsigned int)hi);
	assert_int_equal(cb_fdtype_get(lo - 1), CB_FDTYPE_STREAM);
	for (int fd = lo; fd <= hi; fd++)
		assert_int_equal(cb_fdtype_get(fd), CB_FDTYPE_UNKNOWN);
	assert_int_equal(cb_fdtype_get(hi + 1), CB_FDTYPE_STREAM);
	/* close_range(3, ~0U), as daemons call it: everything from 3 on. */
	cb_fdtype_forget_range(3, ~0u);
	assert_int_equal(cb_fdtype_get(lo - 1), CB_FDTYPE_UNKNOWN);
	assert_int_equal(cb_fdtype_get(hi + 1), CB_FDTYPE_UNKNOWN);
}

static void test_recording_leaves_errno_alone(void **state)
{
	(void)state;
	errno = EAGAIN;
	cb_fdtype_set(9 * CB_FDTYPE_CHUNK, CB_FDTYPE_STREAM); /* maps a fresh chunk */
	cb_fdtype_forget_range(0, ~0u);
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
