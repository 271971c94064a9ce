#!/bin/sh
# `curl --retry` performs the same handle again: each attempt is one call
# to the breaker for the URL's service, and once it opens the next attempt
# is rejected (exit 7, no request), which curl does not retry.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
curl_config "$T/c.ini" "$api_PORT" failure_threshold=2 open_timeout=30s
ctl "$api_PORT" status/503 >/dev/null

# a real file: before a retry curl truncates its output, which /dev/null refuses
elapsed_ms ms shim "$T/c.ini" curl -sS --noproxy '*' -o "$T/body" --retry 5 --retry-delay 1 \
	"http://127.0.0.1:$api_PORT/x" 2>"$T/err"
assert_eq "$RC" 7 "curl exit status once the breaker rejects a retry"
assert_eq "$(served "$api_PORT")" 2 "attempts that reached the server"
grep -q "cbreaker: breaker 'api' is open" "$T/err" || fail "no rejection message: $(cat "$T/err")"
# two attempts, one retry delay of 1 s; the rejected third attempt ends it
assert_lt "$ms" 2900 "curl should stop retrying at the rejection"
