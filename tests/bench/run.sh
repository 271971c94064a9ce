#!/bin/sh
# run.sh - `make bench`: the budget table (budget.py: every budget of
# README "Performance", side by side with the same work without the shim),
# then every benchmark in $BUILD/bench with its own, more detailed table.
# Benchmarks measure the shim and the work without it in the same run; none
# asserts anything about time.
cd "$(dirname "$0")/../.." || exit 1
: "${BUILD:=build}"
LIB=$(cd "$(dirname "$BUILD/libcbreaker.so")" && pwd)/libcbreaker.so
status=0
python3 tests/bench/budget.py "$BUILD" || status=1
echo
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	case "$b" in
	*/bench_loop | */bench_startup) continue ;; # budget.py's
	*/bench_curl | */bench_connect) "$b" "$LIB" || status=1 ;;
	*) "$b" || status=1 ;;
	esac
	echo
done
exit $status
