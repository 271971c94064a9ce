#!/bin/sh
# Clients that never look: redis-cli without a connect timeout waits on a
# hanging port until killed (poll with no timeout), so nothing in its
# process ever learns the connect's outcome. With connect_timeout = 1s the
# pending connect's deadline lies in the breaker's slot, and the next
# process to pass counts it as a timeout failure: the breaker opens while
# the first redis-cli still waits, and the next redis-cli fails at once.
# redis-cli processes killed meanwhile (by timeout(1)) leave their
# deadlines behind too, counted the same way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need redis-cli timeout

start_server hang hang
H=$hang_PORT
conn_config "$T/c.ini" "127.0.0.1:$H" connect_timeout=1s failure_threshold=1 open_timeout=30s
shim "$T/c.ini" redis-cli -h 127.0.0.1 -p "$H" ping >"$T/first.out" 2>"$T/first.err" &
FIRST=$!
CB_PIDS="$CB_PIDS $FIRST"

# Fast: exits within 400 ms, on its own. (Called through wait_until.)
# shellcheck disable=SC2317
next_fails_fast() {
	_t0=$(now_ms)
	set +e
	timeout 0.5 env LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/c.ini" \
		redis-cli -h 127.0.0.1 -p "$H" ping >"$T/next.out" 2>&1
	_rc=$?
	set -e
	[ "$_rc" != 124 ] && [ $(($(now_ms) - _t0)) -lt 400 ]
}
wait_until 10 next_fails_fast
kill -0 "$FIRST" 2>/dev/null || fail "the first redis-cli should still be waiting"
grep -q "Connection refused" "$T/next.out" || fail "the rejected redis-cli: $(cat "$T/next.out")"
assert_eq "$(breaker_field "$T/c.ini" state)" open "breaker state"
[ "$(breaker_field "$T/c.ini" failures)" -ge 1 ] || fail "the hanging connect should count as a failure"
exit 0
