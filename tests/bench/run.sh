#!/bin/sh
# run.sh - `make bench`: runs every benchmark in $BUILD/bench and prints
# their tables, one after another. Benchmarks measure the shim and the work
# without it in the same run; none asserts anything about time.
cd "$(dirname "$0")/../.." || exit 1
: "${BUILD:=build}"
LIB=$(cd "$(dirname "$BUILD/libcbreaker.so")" && pwd)/libcbreaker.so
status=0
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	case "$b" in
	*/bench_curl | */bench_connect | */bench_startup) "$b" "$LIB" || status=1 ;;
	*) "$b" || status=1 ;;
	esac
	echo
done
exit $status
