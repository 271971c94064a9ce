#!/bin/sh
# summary.sh FILE - `make check`'s last line, from the "SUITE PASSED FAILED
# SKIPPED" lines that tests/run-unit.sh, the Makefile's tsan-run (one
# check), tests/fuzz/run.sh and tests/integration/run.sh (integration, and
# asan for make check-asan) appended to FILE: "check: N passed, N failed, N
# skipped". Fails when a suite failed or did not report.
passed=0
failed=0
skipped=0
for suite in unit tsan fuzz integration asan; do
	line=$(grep "^$suite " "$1" 2>/dev/null | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: the $suite tests did not report"
		exit 1
	fi
	read -r _suite p f s <<LINE
$line
LINE
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
