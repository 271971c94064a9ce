#!/bin/sh
# wget --timeout=1 --tries=1 against a hanging port: wget leaves its
# blocking connect() by siglongjmp from SIGALRM, so the shim learns the
# outcome only at close(). Two timeouts (exit 4, as without the shim) open
# the breaker; the third wget fails at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need wget

start_server hang hang
conn_config "$T/c.ini" "127.0.0.1:$hang_PORT"
URL="http://127.0.0.1:$hang_PORT/"
# shellcheck disable=SC2317 # called through elapsed_ms
w() { shim "$T/c.ini" wget -q --timeout=1 --tries=1 --no-proxy -O /dev/null "$URL"; }

elapsed_ms ms wget -q --timeout=1 --tries=1 --no-proxy -O /dev/null "$URL"
assert_eq "$RC" 4 "wget without the shim"
for i in 1 2; do
	elapsed_ms ms w 2>>"$T/err"
	assert_eq "$RC" 4 "attempt $i"
	[ "$ms" -ge 900 ] || fail "attempt $i should wait for wget's own timeout (${ms}ms)"
done
opened "$T/err" || fail "two wget timeouts should open the breaker: $(cat "$T/err")"
elapsed_ms ms w
assert_eq "$RC" 4 "rejected wget"
assert_lt "$ms" 500 "a rejected wget should fail at once"
exit 0
