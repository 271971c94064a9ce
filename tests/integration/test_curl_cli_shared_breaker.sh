#!/bin/sh
# The curl command line, one process per transfer as in a shell loop: 503s
# from three processes open the shared breaker, the fourth process is
# rejected at once with exit 7 and the breaker's name, and the server sees
# no request from it. After open_timeout a good probe closes it again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
curl_config "$T/c.ini" "$api_PORT"
ctl "$api_PORT" status/503 >/dev/null
URL="http://127.0.0.1:$api_PORT/x"

for i in 1 2 3; do
	ccurl "$T/c.ini" "$URL" 2>>"$T/err" || fail "transfer $i should reach the server"
done
assert_eq "$(served "$api_PORT")" 3 "requests served before the breaker opened"
grep -q "api: closed -> open" "$T/err" || fail "no transition logged: $(cat "$T/err")"

elapsed_ms ms ccurl "$T/c.ini" "$URL" 2>"$T/err4"
assert_eq "$RC" 7 "exit status of a rejected curl"
grep -q "(7) cbreaker: breaker 'api' is open; retry in" "$T/err4" ||
	fail "error message should name the breaker: $(cat "$T/err4")"
assert_eq "$(served "$api_PORT")" 3 "a rejected transfer must not reach the server"
assert_lt "$ms" 1000 "a rejected curl process should end at once"

ctl "$api_PORT" status/200 >/dev/null
# The breaker lets a probe through once open_timeout (1s) has passed.
wait_until 5 ccurl "$T/c.ini" "$URL"
ccurl "$T/c.ini" "$URL" || fail "closed again after a good probe"
