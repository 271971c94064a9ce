#!/bin/sh
# `cbreaker status --json` counts curl transfers exactly: one call per
# transfer whether curl opened a new connection (each curl process) or
# reused one (one handle, several transfers); rejected transfers are
# counted as rejected, not as calls; last_failure names the HTTP status
# and the URL's host:port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s
URL="http://127.0.0.1:$api_PORT/x"

for i in 1 2 3 4 5; do ccurl "$T/c.ini" "$URL" || fail "transfer $i"; done
assert_eq "$(breaker_field "$T/c.ini" api calls)" 5 "calls after 5 curl processes"
assert_eq "$(breaker_field "$T/c.ini" api successes)" 5 "successes after 5 curl processes"

client "$T/c.ini" -n 4 --reuse-handle "$URL" >/dev/null
assert_eq "$(breaker_field "$T/c.ini" api calls)" 9 "calls after 4 transfers on one handle"

ctl "$api_PORT" status/503 >/dev/null
client "$T/c.ini" -n 5 --reuse-handle "$URL" >/dev/null 2>&1
assert_eq "$(breaker_field "$T/c.ini" api calls)" 12 "3 more calls, then the breaker opened"
assert_eq "$(breaker_field "$T/c.ini" api failures)" 3 "failures"
assert_eq "$(breaker_field "$T/c.ini" api rejected)" 2 "rejected transfers"
assert_eq "$(breaker_field "$T/c.ini" api state)" open "state"
assert_eq "$(breaker_field "$T/c.ini" api last_failure.error)" "HTTP 503" "last failure"
assert_eq "$(breaker_field "$T/c.ini" api last_failure.address)" "127.0.0.1:$api_PORT" \
	"last failure's address"
assert_eq "$(served "$api_PORT")" 12 "requests served"
