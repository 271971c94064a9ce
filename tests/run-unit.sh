#!/bin/sh
# run-unit.sh BIN... - runs each cmocka test binary: one line per binary
# (its whole output only when it fails), then "unit: N passed, N failed"
# counted in tests. With CB_SUMMARY set, appends "unit PASSED FAILED 0" to
# that file for `make check`'s last line. Fails if any test fails.
passed=0
failed=0
for t in "$@"; do
	log=$(mktemp /tmp/cbunit-log.XXXXXX)
	"$t" >"$log" 2>&1
	rc=$?
	ran=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\.$/\1/p' "$log" | tail -n 1)
	bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -n 1)
	ran=${ran:-0}
	bad=${bad:-0}
	# A binary that died before cmocka's summary counts as one failure.
	[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	if [ "$rc" -eq 0 ]; then
		echo "ok    $(basename "$t") ($ran tests)"
	else
		echo "FAIL  $(basename "$t") (exit $rc)"
		sed 's/^/      /' "$log"
	fi
	passed=$((passed + ran - bad))
	failed=$((failed + bad))
	rm -f "$log"
done
echo "unit: $passed passed, $failed failed"
[ -z "${CB_SUMMARY:-}" ] || echo "unit $passed $failed 0" >>"$CB_SUMMARY"
[ "$failed" -eq 0 ]
