#!/bin/sh
# `make demo` end to end (tools/demo.sh): exits 0 within 30 s, shows the
# slow failures, the breaker opening, fast rejections, status open, the
# probe and status closed, and leaves no process or file behind.
. "$(dirname "$0")/lib.sh"
need python3 curl

elapsed_ms ms env BUILD="$BDIR" "$ROOT/tools/demo.sh" >"$T/out" 2>&1
[ "$RC" = 0 ] || fail "demo exit $RC: $(cat "$T/out")"
assert_lt "$ms" 30000 "demo duration"
for want in 'exit 28 after 1[0-9][0-9][0-9] ms' 'inventory: closed -> open \(3 consecutive failures' \
	'exit 7  after +[0-9]{1,3} ms  rejected at once' '^    inventory  open ' \
	'inventory: half_open -> closed' '^    inventory  closed ' 'nothing left running'; do
	grep -Eq "$want" "$T/out" || fail "demo output lacks /$want/: $(cat "$T/out")"
done
dir=$(sed -n 's/^  configuration (\(.*\)\/demo.ini):$/\1/p' "$T/out")
[ -n "$dir" ] || fail "no demo directory in the output"
[ ! -e "$dir" ] || fail "demo left $dir behind"
if pgrep -f "$dir" >/dev/null; then fail "demo left processes: $(pgrep -af "$dir")"; fi
true
