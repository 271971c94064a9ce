/* test_attempt.c - the program's attempt as the unit of judgement (README
 * "How calls are judged"), driven through the connect policy's entry
 * points with the fake libc of fake_libc.h and a real runtime: an address
 * walk's refusal, a half-open probe walking on, a pending connect given up
 * with shutdown(), and a non-blocking rejection that answers like the
 * kernel's refused socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect/attempt.h"
#include "connect/connect.h"
#include "connect/inflight.h"
#include "core/core.h"
#include "fake_libc.h"

#define WALK_PORT  8001 /* breaker "walk": never opens on its own */
#define PROBE_PORT 8003 /* breaker "probe": one failure opens it for 1s */
#define OPEN_MS    1000

static const char config_text[] = "[global]\n"
                                  "state_file = none\n"
                                  "socket = off\n"
                                  "log = off\n"
                                  "[walk]\n"
                                  "hosts = 127.0.0.1:8001 127.0.0.2:8001\n"
                                  "failure_threshold = 0\n"
                                  "failure_errors = ECONNREFUSED ETIMEDOUT\n"
                                  "[probe]\n"
                                  "hosts = 127.0.0.1:8003 127.0.0.2:8003\n"
                                  "failure_threshold = 1\n"
                                  "open_timeout = 1s\n"
                                  "success_threshold = 1\n";

static char config_path[] = "/tmp/cbreaker-test-attempt-XXXXXX";
static const struct cb_runtime *rt;
static const struct cb_breaker_rt *walk, *probe;

static int load_runtime(void **state)
{
	(void)state;
	cb_connect_init(); /* the shim's constructor: the tick */
	rt = fake_runtime(config_text, config_path);
	walk = fake_breaker(rt, "walk");
	probe = fake_breaker(rt, "probe");
	return walk && probe ? 0 : -1;
}

static int remove_config(void **state)
{
	(void)state;
	unlink(config_path);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	fake.now_ms += 60000;
	cb_guard_operate(rt->store, walk->slot, walk->cfg, CB_ACTION_RESET, 0);
	cb_guard_operate(rt->store, probe->slot, probe->cfg, CB_ACTION_RESET, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cb_connect_close_range(FAKE_FD_BASE, ~0u, 0);
	cb_attempt_commit_all();
	fake_reset();
	return 0;
}

/* A blocking connect to 127.0.0.<host>:port that ends with err (0: it
 * connects). */
static int blocking_connect(int host, uint16_t port, int err)
{
	int fd = cb_connect_socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= FAKE_FD_BASE);
	fake_sock(fd)->connect_err = err;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (uint32_t)host);
	return cb_connect_connect(fd, (const struct sockaddr *)&a, sizeof(a));
}

static uint64_t failures(const struct cb_breaker_rt *b)
{
	return atomic_load(&b->slot->failures);
}

static uint64_t successes(const struct cb_breaker_rt *b)
{
	return atomic_load(&b->slot->successes);
}

/* -- The walk ------------------------------------------------------------ */

static void test_refusal_then_success_at_another_address_counts_no_failure(void **state)
{
	(void)state;
	assert_int_equal(blocking_connect(1, WALK_PORT, ECONNREFUSED), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(blocking_connect(2, WALK_PORT, 0), 0);
	cb_attempt_commit_all();
	assert_int_equal(failures(walk), 0);
	assert_int_equal(successes(walk), 1);
	assert_int_equal(atomic_load(&walk->slot->calls), 2); /* the refusal: neutral */
}

static void test_refusals_at_every_address_all_count(void **state)
{
	(void)state;
	blocking_connect(1, WALK_PORT, ECONNREFUSED);
	blocking_connect(2, WALK_PORT, ECONNREFUSED);
	assert_int_equal(failures(walk), 1); /* the first, committed by the second */
	cb_attempt_commit_all();             /* the attempt ends: exit */
	assert_int_equal(failures(walk), 2);
}

static void test_retry_at_the_same_address_counts_the_refusal_before_asking(void **state)
{
	(void)state;
	blocking_connect(1, WALK_PORT, ECONNREFUSED);
	assert_int_equal(failures(walk), 0);
	blocking_connect(1, WALK_PORT, 0);
	assert_int_equal(failures(walk), 1);
	assert_int_equal(successes(walk), 1);
}

static void test_a_timeout_is_not_held(void **state)
{
	(void)state;
	blocking_connect(1, WALK_PORT, ETIMEDOUT);
	assert_int_equal(failures(walk), 1);
}

static void test_held_refusal_counts_a_second_later_without_a_next_connect(void **state)
{
	(void)state;
	blocking_connect(1, WALK_PORT, ECONNREFUSED);
	fake.now_ms += CB_ATTEMPT_HOLD_MS + 1000; /* past the hold and the next tick */
	cb_runtime_get();                         /* any intercepted call runs the tick */
	assert_int_equal(failures(walk), 1);
}

/* -- Half-open ----------------------------------------------------------- */

static void test_half_open_probe_walks_on_to_the_next_address_as_one_probe(void **state)
{
	(void)state;
	blocking_connect(1, PROBE_PORT, ETIMEDOUT); /* opens */
	assert_int_equal(cb_slot_state(probe->slot), CB_OPEN);
	fake.now_ms += OPEN_MS;
	assert_int_equal(blocking_connect(1, PROBE_PORT, ECONNREFUSED), -1); /* the probe */
	assert_int_equal(cb_slot_state(probe->slot), CB_HALF_OPEN);
	/* The permit is taken: only the walk's next connect may go on. */
	assert_int_equal(blocking_connect(2, PROBE_PORT, 0), 0);
	assert_int_equal(cb_slot_state(probe->slot), CB_CLOSED);
	assert_int_equal(cb_slot_rejected(probe->slot), 0);
}

static void test_half_open_probe_refused_everywhere_reopens(void **state)
{
	(void)state;
	blocking_connect(1, PROBE_PORT, ETIMEDOUT);
	fake.now_ms += OPEN_MS;
	blocking_connect(1, PROBE_PORT, ECONNREFUSED);
	blocking_connect(2, PROBE_PORT, ECONNREFUSED);
	/* The last refusal is held too (a third address may follow), with
	 * the permit; the attempt ends, and the probe has failed. */
	assert_int_equal(cb_slot_state(probe->slot), CB_HALF_OPEN);
	cb_attempt_commit_all();
	assert_int_equal(cb_slot_state(probe->slot), CB_OPEN);
}

/* -- Giving up with shutdown() ------------------------------------------- */

static void test_shutdown_of_a_pending_connect_is_a_timeout_failure(void **state)
{
	(void)state;
	int fd = cb_connect_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	fake_sock(fd)->connect_err = EINPROGRESS;
	fake_sock(fd)->tcp_state = FAKE_TCP_SYN_SENT;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(WALK_PORT)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(cb_connect_connect(fd, (const struct sockaddr *)&a, sizeof(a)), -1);
	cb_connect_shutdown(fd, SHUT_RDWR);
	fake_sock(fd)->tcp_state = FAKE_TCP_CLOSE; /* what TCP_INFO reads afterwards */
	cb_connect_close(fd);
	assert_int_equal(failures(walk), 1);
	uint32_t e = walk->slot->last_error;
	assert_int_equal(CB_ERROR_VALUE(e), ETIMEDOUT);
}

/* -- A non-blocking rejection -------------------------------------------- */

static int read_so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);
	assert_int_equal(cb_connect_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	return v;
}

static void test_nonblocking_rejection_answers_like_a_refused_socket(void **state)
{
	(void)state;
	cb_guard_operate(rt->store, walk->slot, walk->cfg, CB_ACTION_FORCE_OPEN, 0);
	int fd = cb_connect_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	fake_sock(fd)->tcp_state = FAKE_TCP_CLOSE; /* unconnected, as TCP_INFO says */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(WALK_PORT)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int before = fake.connects;
	assert_int_equal(cb_connect_connect(fd, (const struct sockaddr *)&a, sizeof(a)), -1);
	assert_int_equal(errno, EINPROGRESS);
	assert_int_equal(fake.connects, before); /* nothing reached the network */
	assert_int_equal(read_so_error(fd), ECONNREFUSED);
	assert_int_equal(read_so_error(fd), 0);
	assert_int_equal(cb_connect_connect(fd, (const struct sockaddr *)&a, sizeof(a)), -1);
	assert_int_equal(errno, ECONNABORTED);
	assert_int_equal(fake.last_connect_family, AF_UNSPEC); /* reset, as the kernel does */
	assert_int_equal(cb_connect_connect(fd, (const struct sockaddr *)&a, sizeof(a)), -1);
	assert_int_equal(errno, EINPROGRESS); /* a new attempt, rejected again */
	assert_int_equal(cb_slot_rejected(walk->slot), 2);
}

static void test_blocking_rejection_fails_at_once(void **state)
{
	(void)state;
	cb_guard_operate(rt->store, walk->slot, walk->cfg, CB_ACTION_FORCE_OPEN, 0);
	int before = fake.connects;
	assert_int_equal(blocking_connect(1, WALK_PORT, 0), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(fake.connects, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	        T(test_refusal_then_success_at_another_address_counts_no_failure),
	        T(test_refusals_at_every_address_all_count),
	        T(test_retry_at_the_same_address_counts_the_refusal_before_asking),
	        T(test_a_timeout_is_not_held),
	        T(test_held_refusal_counts_a_second_later_without_a_next_connect),
	        T(test_half_open_probe_walks_on_to_the_next_address_as_one_probe),
	        T(test_half_open_probe_refused_everywhere_reopens),
	        T(test_shutdown_of_a_pending_connect_is_a_timeout_failure),
	        T(test_nonblocking_rejection_answers_like_a_refused_socket),
	        T(test_blocking_rejection_fails_at_once),
#undef T
	};
	return cmocka_run_group_tests(tests, load_runtime, remove_config);
}
