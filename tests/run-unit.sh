#!/bin/sh
# run-unit.sh BIN... - runs each cmocka test binary; fails if any fails.
failed=0
for t in "$@"; do
	"$t" || { echo "FAILED: $t"; failed=1; }
done
exit $failed
