#!/bin/sh
# run.sh SECONDS TARGET... - runs each libFuzzer target for SECONDS on its
# committed corpus (tests/fuzz/corpus/NAME, else conf/*.ini) and a working
# corpus beside the binary, and prints its executions. A crash fails the
# target: its input is kept as TARGET-crash-* (add it to the committed
# corpus as a regression input once fixed). With CB_SUMMARY set, appends
# "fuzz PASSED FAILED 0" (one per target) to that file for `make check`.
set -u
secs=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
for f in "$@"; do
	name=$(basename "$f")
	work=$f.corpus
	mkdir -p "$work"
	seeds=$root/tests/fuzz/corpus/$name
	if [ ! -d "$seeds" ]; then
		seeds=$work
		cp "$root"/conf/*.ini "$work"/
	fi
	if "$f" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$f-" \
		"$work" "$seeds" >"$f.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$f.log")
		echo "fuzz: $name: $runs executions in ${secs}s, no findings"
		passed=$((passed + 1))
	else
		tail -n 40 "$f.log"
		echo "fuzz: $name found a problem (log: $f.log)"
		failed=$((failed + 1))
	fi
done
[ -z "${CB_SUMMARY:-}" ] || echo "fuzz $passed $failed 0" >>"$CB_SUMMARY"
[ "$failed" -eq 0 ]
