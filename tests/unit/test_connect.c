/* test_connect.c - the connect policy (src/connect/) driven through its
 * entry points, cb_connect_<call>(), as the shim's exports call them: with
 * the fake libc of fake_libc.h (scripted sockets, a driven clock) and a
 * real runtime loaded from a configuration file, so each outcome lands in
 * a real breaker's slot (README "How calls are judged", "What the shim
 * intercepts"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect/attempt.h"
#include "connect/connect.h"
#include "connect/inflight.h"
#include "connect/socktype.h"
#include "core/core.h"
#include "fake_libc.h"
#include "libc/libc.h"

#define API_PORT       8001 /* breaker "api" */
#define TIMED_PORT     8002 /* breaker "timed": connect_timeout = 2s */
#define LIMITED_PORT   8003 /* breaker "limited": max_connections = 1 */
#define SPREAD_PORT    8004 /* breaker "spread": scope = endpoint */
#define UNMATCHED_PORT 9999
#define TIMEOUT_MS     2000
#define UNTOUCHED      4242 /* an errno no call here sets */

/* Breakers that never open on their own, so each test reads the outcomes
 * it caused; the setup resets them. */
static const char config_text[] = "[global]\n"
                                  "state_file = none\n"
                                  "socket = off\n"
                                  "log = off\n"
                                  "[api]\n"
                                  "hosts = 127.0.0.1:8001\n"
                                  "failure_threshold = 0\n"
                                  "reject_errno = ENETUNREACH\n"
                                  "[timed]\n"
                                  "hosts = 127.0.0.1:8002\n"
                                  "failure_threshold = 0\n"
                                  "connect_timeout = 2s\n"
                                  "[limited]\n"
                                  "hosts = 127.0.0.1:8003\n"
                                  "failure_threshold = 0\n"
                                  "max_connections = 1\n"
                                  "[spread]\n"
                                  "hosts = 127.0.0.1:8004\n"
                                  "failure_threshold = 0\n"
                                  "scope = endpoint\n";

static char config_path[] = "/tmp/cbreaker-test-connect-XXXXXX";
static const struct cb_runtime *rt;
static const struct cb_breaker_rt *api, *timed, *limited, *spread;

static int load_runtime(void **state)
{
	(void)state;
	rt = fake_runtime(config_text, config_path);
	api = fake_breaker(rt, "api");
	timed = fake_breaker(rt, "timed");
	limited = fake_breaker(rt, "limited");
	spread = fake_breaker(rt, "spread");
	return api && timed && limited && spread ? 0 : -1;
}

static int remove_config(void **state)
{
	(void)state;
	unlink(config_path);
	return 0;
}

/* Time moves on between tests, so that no success of an earlier test is a
 * sibling of a connect in this one. */
static int setup(void **state)
{
	(void)state;
	fake.now_ms += 60000;
	cb_guard_operate(rt->store, api->slot, api->cfg, CB_ACTION_RESET, 0);
	cb_guard_operate(rt->store, timed->slot, timed->cfg, CB_ACTION_RESET, 0);
	cb_guard_operate(rt->store, limited->slot, limited->cfg, CB_ACTION_RESET, 0);
	return 0;
}

/* A refusal is held until the program's attempt is known (README "How
 * calls are judged"); ending it, as the process's exit would, lets a test
 * read what it counted. */
static void end_attempt(void)
{
	cb_attempt_commit_all();
}

/* Whatever a test left in flight is settled here, before the next reset,
 * and so are the refusals it left held. */
static int teardown(void **state)
{
	(void)state;
	fake.pid = 0;
	cb_connect_close_range(FAKE_FD_BASE, ~0u, 0);
	end_attempt();
	fake_reset();
	return 0;
}

/* -- What the program does ---------------------------------------------- */

static int stream_socket(bool nonblocking)
{
	int fd = cb_connect_socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	assert_true(fd >= FAKE_FD_BASE);
	return fd;
}

static int connect_to(int fd, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return cb_connect_connect(fd, (const struct sockaddr *)&a, sizeof(a));
}

/* A non-blocking connect to port that is still under way. */
static int pending_connect(uint16_t port)
{
	int fd = stream_socket(true);
	fake_sock(fd)->connect_err = EINPROGRESS;
	fake_sock(fd)->tcp_state = FAKE_TCP_SYN_SENT;
	assert_int_equal(connect_to(fd, port), -1);
	assert_int_equal(errno, EINPROGRESS);
	return fd;
}

/* A blocking connect to port that succeeds at once. */
static void connected(uint16_t port)
{
	assert_int_equal(connect_to(stream_socket(false), port), 0);
}

/* The program's getsockopt(SO_ERROR): the value it read. */
static int read_so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);
	assert_int_equal(cb_connect_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	return v;
}

/* -- What the breaker saw ----------------------------------------------- */

static bool in_flight(int fd)
{
	uint64_t token;
	return cb_inflight_peek(fd, &token, NULL);
}

/* Outcomes recorded since the setup's reset. */
#define assert_recorded(b, success, failure, neutral)                                              \
	do {                                                                                       \
		uint64_t calls_ = atomic_load(&(b)->slot->calls);                                  \
		uint64_t ok_ = atomic_load(&(b)->slot->successes);                                 \
		uint64_t failed_ = atomic_load(&(b)->slot->failures);                              \
		assert_int_equal(ok_, (success));                                                  \
		assert_int_equal(failed_, (failure));                                              \
		assert_int_equal(calls_ - ok_ - failed_, (neutral));                               \
	} while (0)

/* The errno of the breaker's last failure. */
static int last_failure(const struct cb_breaker_rt *b)
{
	uint32_t e = b->slot->last_error;
	assert_int_equal(CB_ERROR_KIND(e), CB_ERR_ERRNO);
	return CB_ERROR_VALUE(e);
}

/* -- The connect() call itself ------------------------------------------ */

static void test_blocking_connect_that_connects_is_a_success(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_recorded(api, 1, 0, 0);
	assert_false(in_flight(fd));
}

static void test_blocking_connect_refused_is_a_failure(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = ECONNREFUSED;
	assert_int_equal(connect_to(fd, API_PORT), -1);
	assert_int_equal(errno, ECONNREFUSED);
	end_attempt();
	assert_recorded(api, 0, 1, 0);
	assert_int_equal(last_failure(api), ECONNREFUSED);
	assert_string_equal(api->slot->last_address, "127.0.0.1:8001");
}

static void test_blocking_connect_failing_with_an_unlisted_errno_is_neutral(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EACCES;
	assert_int_equal(connect_to(fd, API_PORT), -1);
	assert_int_equal(errno, EACCES);
	assert_recorded(api, 0, 0, 1);
}

static void test_blocking_connect_interrupted_by_a_signal_stays_in_flight(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EINTR;
	assert_int_equal(connect_to(fd, API_PORT), -1);
	assert_int_equal(errno, EINTR);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
}

static void test_nonblocking_connect_in_progress_records_nothing_yet(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
}

/* -- The program's getsockopt(SO_ERROR) --------------------------------- */

static void test_so_error_zero_once_tcp_info_shows_established_is_a_success(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = FAKE_TCP_ESTABLISHED;
	assert_int_equal(read_so_error(fd), 0);
	assert_recorded(api, 1, 0, 0);
	assert_false(in_flight(fd));
}

static void test_so_error_zero_while_tcp_info_shows_connecting_stays_in_flight(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	assert_int_equal(read_so_error(fd), 0);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
}

static void test_so_error_zero_still_connecting_after_connect_timeout_is_a_failure(void **state)
{
	(void)state;
	int fd = pending_connect(TIMED_PORT);
	fake.now_ms += TIMEOUT_MS;
	assert_int_equal(read_so_error(fd), 0);
	assert_recorded(timed, 0, 1, 0);
	assert_int_equal(last_failure(timed), ETIMEDOUT);
}

static void test_so_error_refusal_is_a_failure(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->so_error = ECONNREFUSED;
	assert_int_equal(read_so_error(fd), ECONNREFUSED);
	end_attempt();
	assert_recorded(api, 0, 1, 0);
	assert_int_equal(last_failure(api), ECONNREFUSED);
	assert_false(in_flight(fd));
}

static void test_so_error_of_an_untracked_socket_passes_through(void **state)
{
	(void)state;
	int fd = stream_socket(true);
	fake_sock(fd)->so_error = ECONNREFUSED;
	errno = UNTOUCHED;
	assert_int_equal(read_so_error(fd), ECONNREFUSED);
	assert_int_equal(errno, UNTOUCHED);
	assert_recorded(api, 0, 0, 0);
}

/* -- A repeated connect() ----------------------------------------------- */

static void test_repeated_connect_returning_eisconn_is_a_success(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->connect_err = EISCONN;
	assert_int_equal(connect_to(fd, API_PORT), -1);
	assert_int_equal(errno, EISCONN);
	assert_recorded(api, 1, 0, 0);
	assert_false(in_flight(fd));
}

static void test_repeated_connect_returning_ealready_stays_in_flight(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->connect_err = EALREADY;
	assert_int_equal(connect_to(fd, API_PORT), -1);
	assert_int_equal(errno, EALREADY);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
}

static void test_repeated_connect_still_under_way_after_connect_timeout_is_a_failure(void **state)
{
	(void)state;
	int fd = pending_connect(TIMED_PORT);
	fake.now_ms += TIMEOUT_MS;
	fake_sock(fd)->connect_err = EALREADY;
	assert_int_equal(connect_to(fd, TIMED_PORT), -1);
	assert_int_equal(errno, EALREADY);
	assert_recorded(timed, 0, 1, 0);
	assert_int_equal(last_failure(timed), ETIMEDOUT);
}

/* -- close() of a connect in flight: TCP_INFO decides ------------------- */

static void test_pending_connect_closed_while_connecting_is_a_timeout_failure(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake.now_ms += 5;
	assert_int_equal(cb_connect_close(fd), 0);
	assert_recorded(api, 0, 1, 0);
	assert_int_equal(last_failure(api), ETIMEDOUT);
	assert_false(fake_sock(fd)->open);
}

static void test_pending_connect_closed_after_sibling_success_is_neutral(void **state)
{
	(void)state;
	int loser = pending_connect(API_PORT);
	fake.now_ms += 10;
	connected(API_PORT);
	fake.now_ms += 10;
	cb_connect_close(loser);
	assert_recorded(api, 1, 0, 1);
}

static void test_pending_connect_closed_after_a_sibling_success_before_it_is_a_failure(void **state)
{
	(void)state;
	connected(API_PORT);
	fake.now_ms += 10;
	int late = pending_connect(API_PORT);
	fake.now_ms += 10;
	cb_connect_close(late);
	assert_recorded(api, 1, 1, 0);
}

static void test_connected_socket_closed_without_asking_is_a_success(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = FAKE_TCP_ESTABLISHED;
	cb_connect_close(fd);
	assert_recorded(api, 1, 0, 0);
}

static void test_socket_found_closed_without_retransmits_is_a_refusal(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = FAKE_TCP_CLOSE;
	cb_connect_close(fd);
	end_attempt();
	assert_recorded(api, 0, 1, 0);
	assert_int_equal(last_failure(api), ECONNREFUSED);
}

static void test_socket_found_closed_after_retransmits_is_a_timeout_failure(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = FAKE_TCP_CLOSE;
	fake_sock(fd)->retransmits = true;
	cb_connect_close(fd);
	assert_recorded(api, 0, 1, 0);
	assert_int_equal(last_failure(api), ETIMEDOUT);
}

static void test_socket_found_closed_after_its_handshake_is_a_success(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = FAKE_TCP_CLOSE;
	fake_sock(fd)->retransmits = true;
	fake_sock(fd)->acked = true;
	cb_connect_close(fd);
	assert_recorded(api, 1, 0, 0);
}

static void test_socket_whose_tcp_state_cannot_be_read_is_neutral_at_close(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = 0;
	cb_connect_close(fd);
	assert_recorded(api, 0, 0, 1);
}

static void test_close_that_settles_a_connect_leaves_errno_alone(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_sock(fd)->tcp_state = 0; /* TCP_INFO fails inside the close */
	errno = UNTOUCHED;
	assert_int_equal(cb_connect_close(fd), 0);
	assert_int_equal(errno, UNTOUCHED);
}

/* -- dup2, dup3 and close_range over a connect in flight ---------------- */

static void test_dup2_over_a_pending_descriptor_settles_it(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	int other = stream_socket(false);
	assert_int_equal(cb_connect_dup2(other, fd), fd);
	assert_recorded(api, 0, 1, 0);
	assert_false(in_flight(fd));
}

static void test_dup3_over_a_pending_descriptor_settles_it(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	int other = stream_socket(false);
	assert_int_equal(cb_connect_dup3(other, fd, O_CLOEXEC), fd);
	assert_recorded(api, 0, 1, 0);
	assert_false(in_flight(fd));
}

static void test_dup2_from_a_closed_descriptor_leaves_the_pending_connect_alone(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	int closed = stream_socket(false);
	cb_connect_close(closed);
	assert_int_equal(cb_connect_dup2(closed, fd), -1);
	assert_int_equal(errno, EBADF);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
}

static void test_close_range_settles_the_pending_connects_in_range(void **state)
{
	(void)state;
	int first = pending_connect(API_PORT);
	int second = pending_connect(API_PORT);
	int beyond = pending_connect(API_PORT);
	assert_int_equal(cb_connect_close_range((unsigned int)first, (unsigned int)second, 0), 0);
	assert_recorded(api, 0, 2, 0);
	assert_true(in_flight(beyond));
}

static void test_close_range_cloexec_settles_nothing(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	assert_int_equal(
	        cb_connect_close_range((unsigned int)fd, (unsigned int)fd, CLOSE_RANGE_CLOEXEC), 0);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
	assert_int_equal(cb_socktype_get(fd), CB_SOCKTYPE_STREAM);
}

static void test_connects_still_in_flight_at_exit_are_judged(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	cb_connect_fini();
	assert_recorded(api, 0, 1, 0);
	assert_false(in_flight(fd));
}

/* -- Sockets closed behind our back ------------------------------------- */

static void test_replaced_socket_is_judged_abandoned_at_close(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_reuse_behind_our_back(fd);
	fake_sock(fd)->tcp_state = FAKE_TCP_ESTABLISHED; /* the new socket's, not ours */
	cb_connect_close(fd);
	assert_recorded(api, 0, 1, 0);
	assert_int_equal(last_failure(api), ETIMEDOUT);
}

static void test_descriptor_reused_behind_our_back_judges_the_old_connect_first(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake_reuse_behind_our_back(fd); /* a blocking socket that connects */
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_recorded(api, 1, 1, 0);
	assert_false(in_flight(fd));
}

/* -- Connects deferred to the first write (TCP_FASTOPEN_CONNECT) --------- */

/* connect() returns 0 at once, the handshake still to come: followed,
 * not a success yet. */
static void test_deferred_connect_returning_zero_is_followed(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	int on = 1;
	assert_int_equal(
	        cb_connect_setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &on, sizeof(on)), 0);
	assert_int_equal(cb_socktype_get(fd), CB_SOCKTYPE_STREAM_DEFERRED);
	fake_sock(fd)->tcp_state = FAKE_TCP_SYN_SENT;
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
}

/* Without the option, a 0 is a connection: no TCP_INFO read (here it
 * would say connecting) and a success at once. */
static void test_plain_connect_returning_zero_is_a_success_without_tcp_info(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->tcp_state = FAKE_TCP_SYN_SENT;
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_recorded(api, 1, 0, 0);
	assert_false(in_flight(fd));
}

/* -- A vfork child (its pid is not the cached one) ---------------------- */

/* Its close forgets the descriptor's type (always safe: the parent's next
 * connect asks the kernel) but leaves the connect to the parent. */
static void test_vfork_child_close_leaves_the_parents_connect(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake.pid = getpid() + 1;
	assert_int_equal(cb_connect_close(fd), 0);
	fake.pid = 0;
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
	assert_int_equal(cb_socktype_get(fd), CB_SOCKTYPE_UNKNOWN);
}

static void test_vfork_child_close_range_leaves_the_parents_connects(void **state)
{
	(void)state;
	int fd = pending_connect(API_PORT);
	fake.pid = getpid() + 1;
	assert_int_equal(cb_connect_close_range(FAKE_FD_BASE, ~0u, 0), 0);
	fake.pid = 0;
	assert_recorded(api, 0, 0, 0);
	assert_true(in_flight(fd));
	assert_int_equal(cb_socktype_get(fd), CB_SOCKTYPE_UNKNOWN);
}

/* -- max_connections (README "Connection limits") ----------------------- */

static uint32_t connections(void)
{
	return atomic_load(&limited->slot->connections);
}

static void test_connection_over_max_connections_is_rejected_and_moves_nothing(void **state)
{
	(void)state;
	assert_int_equal(connect_to(stream_socket(false), LIMITED_PORT), 0);
	assert_int_equal(connections(), 1);
	int before = fake.connects;
	assert_int_equal(connect_to(stream_socket(false), LIMITED_PORT), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(fake.connects, before);
	assert_int_equal(cb_slot_rejected(limited->slot), 1);
	assert_recorded(limited, 1, 0, 0);
	assert_int_equal(connections(), 1);
}

static void test_nonblocking_connection_over_max_connections_looks_refused(void **state)
{
	(void)state;
	assert_int_equal(connect_to(stream_socket(false), LIMITED_PORT), 0);
	int fd = stream_socket(true);
	fake_sock(fd)->tcp_state = FAKE_TCP_CLOSE;
	assert_int_equal(connect_to(fd, LIMITED_PORT), -1);
	assert_int_equal(errno, EINPROGRESS);
	assert_int_equal(read_so_error(fd), ECONNREFUSED);
	assert_int_equal(connections(), 1);
}

static void test_dup_copies_hold_one_place_until_the_last_close(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	assert_int_equal(connect_to(fd, LIMITED_PORT), 0);
	int copy = cb_connect_dup(fd);
	int other = stream_socket(false);
	assert_int_equal(cb_connect_dup2(fd, other), other);
	assert_int_equal(connections(), 1);
	assert_int_equal(cb_connect_close(fd), 0);
	assert_int_equal(cb_connect_close(copy), 0);
	assert_int_equal(connections(), 1);
	assert_int_equal(cb_connect_close(other), 0);
	assert_int_equal(connections(), 0);
}

static void test_failed_connect_gives_its_place_back(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = ECONNREFUSED;
	assert_int_equal(connect_to(fd, LIMITED_PORT), -1);
	assert_int_equal(connections(), 0);
	int pending = pending_connect(LIMITED_PORT);
	assert_int_equal(connections(), 1);
	fake_sock(pending)->so_error = ECONNREFUSED;
	fake_sock(pending)->tcp_state = FAKE_TCP_CLOSE;
	assert_int_equal(read_so_error(pending), ECONNREFUSED);
	assert_int_equal(connections(), 0);
}

static void test_close_range_and_exit_give_places_back(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	assert_int_equal(connect_to(fd, LIMITED_PORT), 0);
	assert_int_equal(cb_connect_close_range((unsigned)fd, (unsigned)fd, 0), 0);
	assert_int_equal(connections(), 0);
	assert_int_equal(connect_to(stream_socket(false), LIMITED_PORT), 0);
	cb_connect_fini();
	assert_int_equal(connections(), 0);
}

/* -- Rejections and pass-through ---------------------------------------- */

static void test_rejected_connect_makes_no_real_call_and_returns_reject_errno(void **state)
{
	(void)state;
	cb_guard_operate(rt->store, api->slot, api->cfg, CB_ACTION_FORCE_OPEN, 0);
	int fd = stream_socket(false);
	int before = fake.connects;
	assert_int_equal(connect_to(fd, API_PORT), -1);
	assert_int_equal(errno, ENETUNREACH);
	assert_int_equal(fake.connects, before);
	assert_int_equal(cb_slot_rejected(api->slot), 1);
	assert_false(in_flight(fd));
}

static void test_unmatched_connect_passes_through_with_errno_untouched(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	errno = UNTOUCHED;
	assert_int_equal(connect_to(fd, UNMATCHED_PORT), 0);
	assert_int_equal(errno, UNTOUCHED);
	assert_int_equal(fake.last_connect_family, AF_INET);
	assert_recorded(api, 0, 0, 0);
	assert_false(in_flight(fd));
}

static void test_protected_connect_that_succeeds_leaves_errno_untouched(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	errno = UNTOUCHED;
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_int_equal(errno, UNTOUCHED);
}

static void test_datagram_socket_passes_through_an_open_breaker(void **state)
{
	(void)state;
	cb_guard_operate(rt->store, api->slot, api->cfg, CB_ACTION_FORCE_OPEN, 0);
	int fd = cb_connect_socket(AF_INET, SOCK_DGRAM, 0);
	int before = fake.connects;
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_int_equal(fake.connects, before + 1);
	assert_int_equal(cb_slot_rejected(api->slot), 0);
	assert_false(in_flight(fd));
}

/* scope = endpoint (README "Endpoint scope"): a stream connect is judged
 * by its address's endpoint; a datagram "connect" makes none. */
static void test_endpoint_scope_judges_stream_connects_by_their_address(void **state)
{
	(void)state;
	struct cb_endpoint_view v[CB_ENDPOINTS_MAX];
	int udp = cb_connect_socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(connect_to(udp, SPREAD_PORT), 0);
	assert_int_equal(cb_endpoints_list(rt->store, "spread", fake.now_ms, v, CB_ENDPOINTS_MAX),
	                 0);
	connected(SPREAD_PORT);
	assert_int_equal(cb_endpoints_list(rt->store, "spread", fake.now_ms, v, CB_ENDPOINTS_MAX),
	                 1);
	assert_string_equal(v[0].address, "127.0.0.1:8004");
	assert_int_equal(atomic_load(&v[0].slot->successes), 1);
	assert_int_equal(atomic_load(&spread->slot->calls), 0); /* the breaker's own slot */
}

static void test_datagram_socket_of_unrecorded_type_is_asked_and_passes_through(void **state)
{
	(void)state;
	cb_guard_operate(rt->store, api->slot, api->cfg, CB_ACTION_FORCE_OPEN, 0);
	int fd = cb_libc_socket(AF_INET, SOCK_DGRAM, 0); /* made behind the hooks' back */
	assert_int_equal(cb_socktype_get(fd), CB_SOCKTYPE_UNKNOWN);
	assert_int_equal(connect_to(fd, API_PORT), 0);
	assert_int_equal(cb_slot_rejected(api->slot), 0);
}

/* -- connect_timeout on a blocking connect ------------------------------ */

static void test_blocking_connect_is_bounded_by_connect_timeout(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EINPROGRESS; /* the handshake never completes */
	int64_t start = fake.now_ms;
	assert_int_equal(connect_to(fd, TIMED_PORT), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(fake.now_ms - start, TIMEOUT_MS);
	assert_int_equal(fake.last_connect_family, AF_UNSPEC); /* the attempt was aborted */
	assert_int_equal(fake_sock(fd)->flags, 0);
	assert_recorded(timed, 0, 1, 0);
	assert_int_equal(last_failure(timed), ETIMEDOUT);
	assert_false(in_flight(fd));
}

static void test_blocking_connect_that_connects_within_connect_timeout_is_a_success(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EINPROGRESS;
	fake_sock(fd)->poll_revents = POLLOUT;
	assert_int_equal(connect_to(fd, TIMED_PORT), 0);
	assert_int_equal(fake_sock(fd)->flags, 0);
	assert_recorded(timed, 1, 0, 0);
}

static void test_blocking_connect_refused_within_connect_timeout_is_a_failure(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EINPROGRESS;
	fake_sock(fd)->poll_revents = POLLOUT | POLLERR;
	fake_sock(fd)->so_error = ECONNREFUSED;
	assert_int_equal(connect_to(fd, TIMED_PORT), -1);
	assert_int_equal(errno, ECONNREFUSED);
	end_attempt();
	assert_recorded(timed, 0, 1, 0);
	assert_int_equal(last_failure(timed), ECONNREFUSED);
}

static void test_signal_during_a_bounded_connect_returns_eintr_and_keeps_following(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EINPROGRESS;
	fake_sock(fd)->poll_errno = EINTR;
	assert_int_equal(connect_to(fd, TIMED_PORT), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(fake_sock(fd)->flags, 0);
	assert_recorded(timed, 0, 0, 0);
	assert_true(in_flight(fd));
}

static void test_shorter_send_timeout_ends_a_bounded_connect_with_einprogress(void **state)
{
	(void)state;
	int fd = stream_socket(false);
	fake_sock(fd)->connect_err = EINPROGRESS;
	fake_sock(fd)->sndtimeo_ms = 500;
	int64_t start = fake.now_ms;
	assert_int_equal(connect_to(fd, TIMED_PORT), -1);
	assert_int_equal(errno, EINPROGRESS);
	assert_int_equal(fake.now_ms - start, 500);
	assert_recorded(timed, 0, 0, 0);
	assert_true(in_flight(fd));
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        TEST(test_blocking_connect_that_connects_is_a_success),
	        TEST(test_blocking_connect_refused_is_a_failure),
	        TEST(test_blocking_connect_failing_with_an_unlisted_errno_is_neutral),
	        TEST(test_blocking_connect_interrupted_by_a_signal_stays_in_flight),
	        TEST(test_nonblocking_connect_in_progress_records_nothing_yet),
	        TEST(test_so_error_zero_once_tcp_info_shows_established_is_a_success),
	        TEST(test_so_error_zero_while_tcp_info_shows_connecting_stays_in_flight),
	        TEST(test_so_error_zero_still_connecting_after_connect_timeout_is_a_failure),
	        TEST(test_so_error_refusal_is_a_failure),
	        TEST(test_so_error_of_an_untracked_socket_passes_through),
	        TEST(test_repeated_connect_returning_eisconn_is_a_success),
	        TEST(test_repeated_connect_returning_ealready_stays_in_flight),
	        TEST(test_repeated_connect_still_under_way_after_connect_timeout_is_a_failure),
	        TEST(test_pending_connect_closed_while_connecting_is_a_timeout_failure),
	        TEST(test_pending_connect_closed_after_sibling_success_is_neutral),
	        TEST(test_pending_connect_closed_after_a_sibling_success_before_it_is_a_failure),
	        TEST(test_connected_socket_closed_without_asking_is_a_success),
	        TEST(test_socket_found_closed_without_retransmits_is_a_refusal),
	        TEST(test_socket_found_closed_after_retransmits_is_a_timeout_failure),
	        TEST(test_socket_found_closed_after_its_handshake_is_a_success),
	        TEST(test_socket_whose_tcp_state_cannot_be_read_is_neutral_at_close),
	        TEST(test_close_that_settles_a_connect_leaves_errno_alone),
	        TEST(test_dup2_over_a_pending_descriptor_settles_it),
	        TEST(test_dup3_over_a_pending_descriptor_settles_it),
	        TEST(test_dup2_from_a_closed_descriptor_leaves_the_pending_connect_alone),
	        TEST(test_close_range_settles_the_pending_connects_in_range),
	        TEST(test_close_range_cloexec_settles_nothing),
	        TEST(test_connects_still_in_flight_at_exit_are_judged),
	        TEST(test_replaced_socket_is_judged_abandoned_at_close),
	        TEST(test_descriptor_reused_behind_our_back_judges_the_old_connect_first),
	        TEST(test_deferred_connect_returning_zero_is_followed),
	        TEST(test_plain_connect_returning_zero_is_a_success_without_tcp_info),
	        TEST(test_vfork_child_close_leaves_the_parents_connect),
	        TEST(test_vfork_child_close_range_leaves_the_parents_connects),
	        TEST(test_connection_over_max_connections_is_rejected_and_moves_nothing),
	        TEST(test_nonblocking_connection_over_max_connections_looks_refused),
	        TEST(test_dup_copies_hold_one_place_until_the_last_close),
	        TEST(test_failed_connect_gives_its_place_back),
	        TEST(test_close_range_and_exit_give_places_back),
	        TEST(test_rejected_connect_makes_no_real_call_and_returns_reject_errno),
	        TEST(test_unmatched_connect_passes_through_with_errno_untouched),
	        TEST(test_protected_connect_that_succeeds_leaves_errno_untouched),
	        TEST(test_datagram_socket_passes_through_an_open_breaker),
	        TEST(test_endpoint_scope_judges_stream_connects_by_their_address),
	        TEST(test_datagram_socket_of_unrecorded_type_is_asked_and_passes_through),
	        TEST(test_blocking_connect_is_bounded_by_connect_timeout),
	        TEST(test_blocking_connect_that_connects_within_connect_timeout_is_a_success),
	        TEST(test_blocking_connect_refused_within_connect_timeout_is_a_failure),
	        TEST(test_signal_during_a_bounded_connect_returns_eintr_and_keeps_following),
	        TEST(test_shorter_send_timeout_ends_a_bounded_connect_with_einprogress),
	};
	return cmocka_run_group_tests(tests, load_runtime, remove_config);
}
