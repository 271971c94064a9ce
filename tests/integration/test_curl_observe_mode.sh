#!/bin/sh
# mode = observe: curl transfers are counted and the breaker's state moves,
# but nothing is rejected; what enforce mode would have rejected shows as
# would_reject.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s mode=observe
ctl "$api_PORT" status/503 >/dev/null
for i in 1 2 3 4 5 6; do
	ccurl "$T/c.ini" "http://127.0.0.1:$api_PORT/x" 2>>"$T/err" || fail "transfer $i in observe mode"
done
assert_eq "$(served "$api_PORT")" 6 "requests served in observe mode"
assert_eq "$(breaker_field "$T/c.ini" api calls)" 6 "calls"
assert_eq "$(breaker_field "$T/c.ini" api would_reject)" 3 "transfers enforce mode would have rejected"
assert_eq "$(breaker_field "$T/c.ini" api rejected)" 0 "rejections"
