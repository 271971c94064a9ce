#!/bin/sh
# redis-cli 7.0 has no connect timeout: against a hanging port (SYNs
# dropped) it waits until its caller kills it. With connect_timeout = 1s
# the shim must count each pending connect older than that as a timeout
# failure whether or not redis-cli ever asks, and a process killed with its
# connect in flight must not take the outcome with it: two runs killed
# after 2 s open the breaker, and the third fails at once with redis-cli's
# own "Connection refused" (issue 10, item 5: with no redis-cli alive in
# between; test_connect_redis_cli_hang.sh shows the one still waiting).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need redis-cli timeout python3

start_server hang hang
H=$(cat "$T/hang.port")
CFG=$T/c.ini
prog_config "$CFG" "$H"
printf 'connect_timeout = 1s\n' >>"$CFG"
ms=0

elapsed_ms ms timeout 2 redis-cli -p "$H" ping
assert_eq "$RC" 124 "redis-cli without the shim should hang until killed"
for i in 1 2; do
	elapsed_ms ms timeout 2 env LD_PRELOAD="$LIB" CBREAKER_CONFIG="$CFG" redis-cli -p "$H" ping
	assert_eq "$RC" 124 "run $i under the shim should hang until killed, as without it"
	echo "run $i: killed after ${ms}ms"
done
# Bounded too: not rejected, it would hang again (for about 2 x 130 s, the
# kernel's SYN retries, before redis-cli gives up with ETIMEDOUT).
elapsed_ms ms timeout 3 env LD_PRELOAD="$LIB" CBREAKER_CONFIG="$CFG" redis-cli -p "$H" ping >"$T/out" 2>&1
assert_eq "$RC" 1 "the third run should be rejected ($(svc_fields "$CFG" state calls failures))"
grep -q "Connection refused" "$T/out" || fail "redis-cli's refusal message expected: $(cat "$T/out")"
assert_lt "$ms" "$FAST_MS" "the rejected run should fail at once (ms)"
assert_eq "$(svc_fields "$CFG" state failures last_failure.error)" \
	"state=open failures=2 last_failure.error=ETIMEDOUT" "breaker after two killed runs"
exit 0
