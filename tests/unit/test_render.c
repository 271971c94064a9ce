/* test_render.c - what users and scrapers read: JSON escaping, ISO times,
 * the status JSON fields, the table, Prometheus text and event lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/render.h"

/* 2026-01-31T12:00:00.250Z */
#define WALL_NOW 1769860800250LL
#define MONO_NOW 5000000LL

static struct cb_breaker_config api_cfg;

static void make_config(struct cb_breaker_config *c, const char *name, char *hosts)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->hosts = hosts;
	c->open_timeout_ms = 30000;
	c->mode = CB_MODE_ENFORCE;
}

static void page_of(struct cb_render_page *p, struct cb_render_breaker *rb, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->config_path = "/etc/cbreaker/api.ini";
	p->state_path = "/dev/shm/cbreaker-0-x.state";
	p->pid = 4242;
	p->n = n;
	p->breakers = rb;
	p->mono_now_ms = MONO_NOW;
	p->wall_now_ms = WALL_NOW;
}

/* An open breaker: 5 failures out of 7 calls, retry in 12 s. */
static void open_breaker(struct cb_render_breaker *rb)
{
	static char hosts[] = "api.example.com:443, 10.0.0.0/8";
	make_config(&api_cfg, "api", hosts);
	memset(rb, 0, sizeof(*rb));
	rb->cfg = &api_cfg;
	rb->snap.state = CB_OPEN;
	rb->snap.calls = 7;
	rb->snap.successes = 2;
	rb->snap.failures = 5;
	rb->snap.rejected = 3;
	rb->snap.would_reject = 4;
	rb->snap.consecutive_failures = 5;
	rb->snap.window_calls = 7;
	rb->snap.window_failure_rate = 71;
	rb->snap.opened_at_ms = MONO_NOW - 18000;
	rb->snap.retry_at_ms = MONO_NOW + 12000;
	rb->snap.open_timeout_ms = 30000;
	rb->snap.transitions[CB_OPEN] = 1;
	rb->snap.last_error = CB_ERROR(CB_ERR_ERRNO, 111);
	rb->snap.last_wall_ms = WALL_NOW - 18000;
	snprintf(rb->snap.last_address, sizeof(rb->snap.last_address), "10.0.0.7:443");
}

static void test_json_string_escapes_quotes_backslashes_and_controls(void **state)
{
	(void)state;
	struct cb_buf b = {0};
	cb_render_json_string(&b, "a\"b\\c\nd\te\x01\x7f\xc3\xa9");
	assert_false(b.failed);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\xc3\xa9\"");
	cb_buf_free(&b);
}

static void test_iso_time_is_utc_with_milliseconds(void **state)
{
	(void)state;
	char iso[40];
	cb_render_iso_time(iso, sizeof(iso), WALL_NOW);
	assert_string_equal(iso, "2026-01-31T12:00:00.250Z");
	cb_render_iso_time(iso, sizeof(iso), -1);
	assert_string_equal(iso, "1969-12-31T23:59:59.999Z");
}

static void test_monotonic_instants_convert_to_wall_clock(void **state)
{
	(void)state;
	assert_int_equal(cb_render_wall_of(MONO_NOW - 1500, MONO_NOW, WALL_NOW), WALL_NOW - 1500);
	assert_int_equal(cb_render_wall_of(MONO_NOW + 12000, MONO_NOW, WALL_NOW), WALL_NOW + 12000);
}

static void test_buffer_grows_past_its_first_allocation(void **state)
{
	(void)state;
	struct cb_buf b = {0};
	for (int i = 0; i < 1000; i++)
		cb_buf_printf(&b, "%04d", i);
	assert_false(b.failed);
	assert_int_equal(b.len, 4000);
	assert_memory_equal(b.data + 3996, "0999", 4);
	cb_buf_free(&b);
}

static void test_status_json_has_every_field_of_an_open_breaker(void **state)
{
	(void)state;
	struct cb_render_breaker rb;
	struct cb_render_page p;
	struct cb_buf b = {0};
	open_breaker(&rb);
	page_of(&p, &rb, 1);
	cb_render_status_json(&b, &p, NULL);
	assert_false(b.failed);
	const char *want =
	        "{\"config\":\"/etc/cbreaker/api.ini\",\"state_file\":\"/dev/shm/"
	        "cbreaker-0-x.state\","
	        "\"pid\":4242,\"breakers\":[{\"name\":\"api\",\"state\":\"open\",\"mode\":"
	        "\"enforce\","
	        "\"hosts\":[\"api.example.com:443\",\"10.0.0.0/8\"],\"calls\":7,\"successes\":2,"
	        "\"failures\":5,\"slow\":0,\"rejected\":3,\"consecutive_failures\":5,"
	        "\"window_calls\":7,\"window_failure_rate\":71,\"window_slow_rate\":0,"
	        "\"opened_at\":\"2026-01-31T11:59:42.250Z\",\"retry_at\":\"2026-01-31T12:00:12."
	        "250Z\","
	        "\"open_timeout_ms\":30000,\"half_open_inflight\":0,\"connections\":0,\"max_"
	        "connections\":0,\"fallback\":0,\"transitions\":{\"closed\":0,"
	        "\"open\":1,\"half_open\":0,\"forced_open\":0,\"disabled\":0},\"would_reject\":4,"
	        "\"last_failure\":{\"time\":\"2026-01-31T11:59:42.250Z\",\"error\":"
	        "\"ECONNREFUSED\","
	        "\"address\":\"10.0.0.7:443\"}}]}\n";
	assert_string_equal(b.data, want);
	cb_buf_free(&b);
}

static void test_status_json_uses_null_for_never_and_offline(void **state)
{
	(void)state;
	struct cb_breaker_config c;
	static char hosts[] = "db:5432";
	make_config(&c, "db", hosts);
	struct cb_render_breaker rb;
	cb_render_collect(&rb, &c, NULL, MONO_NOW);
	struct cb_render_page p;
	page_of(&p, &rb, 1);
	p.pid = 0;
	p.state_path = "";
	struct cb_buf b = {0};
	cb_render_status_json(&b, &p, "db");
	assert_non_null(strstr(b.data, "\"state_file\":null,\"pid\":null,"));
	assert_non_null(strstr(b.data, "\"state\":\"closed\""));
	assert_non_null(strstr(b.data, "\"opened_at\":null,\"retry_at\":null,"));
	assert_non_null(strstr(b.data, "\"last_failure\":null}"));
	cb_buf_free(&b);
}

static void test_status_json_for_one_name_leaves_the_others_out(void **state)
{
	(void)state;
	struct cb_render_breaker rb[2];
	struct cb_breaker_config other;
	static char hosts[] = "db:5432";
	open_breaker(&rb[0]);
	make_config(&other, "db", hosts);
	cb_render_collect(&rb[1], &other, NULL, MONO_NOW);
	struct cb_render_page p;
	page_of(&p, rb, 2);
	struct cb_buf b = {0};
	cb_render_status_json(&b, &p, "db");
	assert_null(strstr(b.data, "\"name\":\"api\""));
	assert_non_null(strstr(b.data, "\"name\":\"db\""));
	assert_ptr_equal(cb_render_find(&p, "db"), &rb[1]);
	assert_null(cb_render_find(&p, "nope"));
	cb_buf_free(&b);
}

static void test_table_shows_retry_countdown_and_last_error(void **state)
{
	(void)state;
	struct cb_render_breaker rb;
	struct cb_render_page p;
	struct cb_buf b = {0};
	open_breaker(&rb);
	page_of(&p, &rb, 1);
	cb_render_status_table(&b, &p, NULL, false);
	assert_string_equal(b.data,
	                    "NAME  STATE  FAILURES/CALLS  REJECTED  RATE  RETRY                    "
	                    "LAST ERROR\n"
	                    "api   open   5/7             3         71%   retry in 12s (open 18s)  "
	                    "ECONNREFUSED 10.0.0.7:443, 18s ago\n");
	cb_buf_free(&b);
}

static void test_table_colours_only_the_state_when_asked(void **state)
{
	(void)state;
	struct cb_render_breaker rb;
	struct cb_render_page p;
	struct cb_buf b = {0};
	open_breaker(&rb);
	page_of(&p, &rb, 1);
	cb_render_status_table(&b, &p, NULL, true);
	assert_non_null(strstr(b.data, "\033[1;31mopen \033[0m"));
	cb_buf_free(&b);
}

static void test_metrics_lines_for_an_open_breaker(void **state)
{
	(void)state;
	struct cb_render_breaker rb;
	struct cb_render_page p;
	struct cb_buf b = {0};
	open_breaker(&rb);
	page_of(&p, &rb, 1);
	cb_render_metrics(&b, &p);
	assert_false(b.failed);
	const char *want[] = {
	        "# TYPE cbreaker_state gauge\n",
	        "cbreaker_state{breaker=\"api\",state=\"closed\"} 0\n",
	        "cbreaker_state{breaker=\"api\",state=\"open\"} 1\n",
	        "# TYPE cbreaker_calls_total counter\n",
	        "cbreaker_calls_total{breaker=\"api\",outcome=\"success\"} 2\n",
	        "cbreaker_calls_total{breaker=\"api\",outcome=\"failure\"} 5\n",
	        "cbreaker_calls_total{breaker=\"api\",outcome=\"rejected\"} 3\n",
	        "# TYPE cbreaker_would_reject_total counter\n",
	        "cbreaker_would_reject_total{breaker=\"api\"} 4\n",
	        "# TYPE cbreaker_transitions_total counter\n",
	        "cbreaker_transitions_total{breaker=\"api\",to=\"open\"} 1\n",
	        "cbreaker_transitions_total{breaker=\"api\",to=\"forced_open\"} 0\n",
	        "# TYPE cbreaker_retry_after_seconds gauge\n",
	        "cbreaker_retry_after_seconds{breaker=\"api\"} 12.000\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(b.data, want[i]))
			fail_msg("missing: %s", want[i]);
	cb_buf_free(&b);
}

static void test_metrics_escape_label_values(void **state)
{
	(void)state;
	struct cb_breaker_config c;
	static char hosts[] = "x";
	make_config(&c, "a\"b\\c\nd", hosts);
	struct cb_render_breaker rb;
	cb_render_collect(&rb, &c, NULL, MONO_NOW);
	struct cb_render_page p;
	page_of(&p, &rb, 1);
	struct cb_buf b = {0};
	cb_render_metrics(&b, &p);
	assert_non_null(strstr(b.data, "cbreaker_retry_after_seconds{breaker=\"a\\\"b\\\\c\\nd\"} "
	                               "0.000\n"));
	cb_buf_free(&b);
}

static void test_event_line_names_states_cause_and_error(void **state)
{
	(void)state;
	struct cb_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.seq = 9;
	ev.wall_ms = WALL_NOW;
	ev.pid = 77;
	ev.uid = 1000;
	ev.from = CB_CLOSED;
	ev.to = CB_OPEN;
	ev.cause = CB_CAUSE_CONSECUTIVE_FAILURES;
	ev.count = 3;
	ev.retry_in_ms = 3000;
	ev.last_error = CB_ERROR(CB_ERR_HTTP, 503);
	snprintf(ev.breaker, sizeof(ev.breaker), "api");
	struct cb_buf b = {0};
	cb_render_event_json(&b, &ev);
	assert_string_equal(b.data,
	                    "{\"seq\":9,\"time\":\"2026-01-31T12:00:00.250Z\",\"pid\":77,"
	                    "\"uid\":1000,\"breaker\":\"api\",\"from\":\"closed\",\"to\":\"open\","
	                    "\"cause\":\"consecutive_failures\",\"count\":3,\"rate\":0,"
	                    "\"retry_in_ms\":3000,\"last_error\":\"HTTP 503\","
	                    "\"last_address\":null}\n");
	cb_buf_free(&b);
}

static void test_event_with_unterminated_name_stays_in_bounds(void **state)
{
	(void)state;
	struct cb_event ev;
	memset(&ev, 'x', sizeof(ev));
	ev.from = 200;
	ev.cause = 250;
	struct cb_buf b = {0};
	cb_render_event_json(&b, &ev);
	assert_non_null(strstr(b.data, "\"from\":\"unknown\""));
	assert_non_null(strstr(b.data, "\"cause\":\"unknown\""));
	cb_buf_free(&b);
}

static void test_error_reply_is_one_json_line(void **state)
{
	(void)state;
	struct cb_buf b = {0};
	cb_render_error_json(&b, "unknown breaker \"x\"");
	assert_string_equal(b.data, "{\"error\":\"unknown breaker \\\"x\\\"\"}\n");
	cb_buf_free(&b);
}

static void test_json_string_replaces_invalid_utf8_and_keeps_valid(void **state)
{
	(void)state;
	struct cb_buf b = {0};
	/* A lone continuation byte, a truncated sequence, an overlong '/', a
	 * surrogate; then valid two, three and four byte characters. */
	cb_render_json_string(&b, "a\x80"
	                          "b\xc3"
	                          "c\xc0\xaf"
	                          "d\xed\xa0\x80"
	                          "e\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_string_equal(b.data, "\"a\\uFFFDb\\uFFFDc\\uFFFD\\uFFFDd\\uFFFD\\uFFFD\\uFFFDe"
	                            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	cb_buf_free(&b);
}

static void test_a_damaged_slot_is_shown_as_damaged_and_nothing_of_it(void **state)
{
	(void)state;
	struct cb_breaker_config c;
	static char hosts[] = "db:5432";
	make_config(&c, "db", hosts);
	/* aligned as its cache-line shards are (slot.h) */
	struct cb_slot *slot = aligned_alloc(_Alignof(struct cb_slot), sizeof(*slot));
	assert_non_null(slot);
	memset(slot, 0xfb, sizeof(*slot));
	atomic_store(&slot->claim, 2);
	struct cb_render_breaker rb;
	cb_render_collect(&rb, &c, slot, MONO_NOW);
	assert_non_null(rb.damaged);
	struct cb_render_page p;
	page_of(&p, &rb, 1);
	struct cb_buf b = {0};
	cb_render_status_json(&b, &p, NULL);
	assert_non_null(strstr(b.data, "\"state\":\"damaged\",\"damaged\":\"name not printable"));
	assert_non_null(strstr(b.data, "\"calls\":0,"));
	for (const unsigned char *q = (const unsigned char *)b.data; *q; q++)
		assert_true(*q < 0x80 && (*q >= 0x20 || *q == '\n'));
	cb_buf_free(&b);
	cb_render_status_table(&b, &p, NULL, false);
	assert_non_null(strstr(b.data, "damaged"));
	assert_non_null(strstr(b.data, "slot in the state file damaged: name not printable"));
	cb_buf_free(&b);
	cb_render_metrics(&b, &p);
	assert_null(strstr(b.data, "cbreaker_state{breaker=\"db\",state=\"closed\"} 1"));
	cb_buf_free(&b);
	free(slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_json_string_escapes_quotes_backslashes_and_controls),
	        cmocka_unit_test(test_iso_time_is_utc_with_milliseconds),
	        cmocka_unit_test(test_monotonic_instants_convert_to_wall_clock),
	        cmocka_unit_test(test_buffer_grows_past_its_first_allocation),
	        cmocka_unit_test(test_status_json_has_every_field_of_an_open_breaker),
	        cmocka_unit_test(test_status_json_uses_null_for_never_and_offline),
	        cmocka_unit_test(test_status_json_for_one_name_leaves_the_others_out),
	        cmocka_unit_test(test_table_shows_retry_countdown_and_last_error),
	        cmocka_unit_test(test_table_colours_only_the_state_when_asked),
	        cmocka_unit_test(test_metrics_lines_for_an_open_breaker),
	        cmocka_unit_test(test_metrics_escape_label_values),
	        cmocka_unit_test(test_event_line_names_states_cause_and_error),
	        cmocka_unit_test(test_event_with_unterminated_name_stays_in_bounds),
	        cmocka_unit_test(test_error_reply_is_one_json_line),
	        cmocka_unit_test(test_json_string_replaces_invalid_utf8_and_keeps_valid),
	        cmocka_unit_test(test_a_damaged_slot_is_shown_as_damaged_and_nothing_of_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
