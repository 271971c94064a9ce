#!/bin/sh
# run.sh [NAME...] - runs the integration tests (all, or those whose name
# contains one of NAME), each with a time limit ($CB_TEST_TIMEOUT, 120 s,
# or the test's own "# timeout: SECONDS" line), and prints a summary line.
# With CB_SUMMARY set, appends "SUITE PASSED FAILED SKIPPED" to that file
# for `make check`'s last line; SUITE is $CB_SUITE, else "integration".
cd "$(dirname "$0")" || exit 1
: "${BUILD:=build}"
export BUILD
limit=${CB_TEST_TIMEOUT:-120}
passed=0
failed=0
skipped=0
failures=""
for t in test_*.sh; do
	if [ $# -gt 0 ]; then
		hit=0
		for want in "$@"; do case "$t" in *"$want"*) hit=1 ;; esac; done
		[ $hit -eq 1 ] || continue
	fi
	log=$(mktemp /tmp/cbtest-log.XXXXXX)
	start=$(date +%s)
	own=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$t")
	timeout -k 5 "${own:-$limit}" sh "./$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok    $t (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip  $t: $(tail -n 1 "$log")"
	else
		failed=$((failed + 1))
		failures="$failures $t"
		echo "FAIL  $t (${secs}s, exit $rc)"
		tail -n 30 "$log" | sed 's/^/      /'
	fi
	rm -f "$log"
done
suite=${CB_SUITE:-integration}
echo "$suite: $passed passed, $failed failed, $skipped skipped"
[ -z "${CB_SUMMARY:-}" ] || echo "$suite $passed $failed $skipped" >>"$CB_SUMMARY"
[ $failed -eq 0 ]
