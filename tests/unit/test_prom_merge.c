/* test_prom_merge.c - several processes' metrics as one exposition
 * (tools/prom_merge.h): each family's comments once, every process's
 * samples under it with its pid as the first label, families that only
 * one process has kept too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prom_merge.h"

static void test_two_processes_share_one_family_each_sample_with_its_pid(void **state)
{
	(void)state;
	struct cb_prom_merge m = {0};
	cb_prom_merge_add(&m,
	                  "# HELP a_state State.\n# TYPE a_state gauge\na_state{breaker=\"x\"} 1\n"
	                  "# TYPE a_total counter\na_total{breaker=\"x\",outcome=\"f\"} 3\n",
	                  11);
	cb_prom_merge_add(&m,
	                  "# HELP a_state State.\n# TYPE a_state gauge\na_state{breaker=\"x\"} 0\n"
	                  "# TYPE only_here gauge\nonly_here{} 7\nbare 2\n",
	                  22);
	struct cb_buf out = {0};
	cb_prom_merge_finish(&m, &out);
	assert_false(out.failed);
	assert_string_equal(out.data, "# HELP a_state State.\n# TYPE a_state gauge\n"
	                              "a_state{pid=\"11\",breaker=\"x\"} 1\n"
	                              "a_state{pid=\"22\",breaker=\"x\"} 0\n"
	                              "# TYPE a_total counter\n"
	                              "a_total{pid=\"11\",breaker=\"x\",outcome=\"f\"} 3\n"
	                              "# TYPE only_here gauge\n"
	                              "only_here{pid=\"22\"} 7\n"
	                              "bare{pid=\"22\"} 2\n");
	cb_buf_free(&out);
}

static void test_nothing_added_gives_nothing(void **state)
{
	(void)state;
	struct cb_prom_merge m = {0};
	struct cb_buf out = {0};
	cb_prom_merge_finish(&m, &out);
	assert_false(out.failed);
	assert_null(out.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_two_processes_share_one_family_each_sample_with_its_pid),
	        cmocka_unit_test(test_nothing_added_gives_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
