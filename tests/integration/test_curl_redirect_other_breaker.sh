#!/bin/sh
# A redirect to another service is judged there, at connect(): api answers
# 302 to a dead port of breaker `moved`; the refused connect opens `moved`
# (threshold 1) while api, which answered, records a success and stays
# closed even with threshold 1. Later transfers still reach api and are
# stopped at the connect to `moved`. Each breaker counts each call once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
dead=$(free_port)
curl_config "$T/c.ini" "$api_PORT" failure_threshold=1 open_timeout=30s
cat >>"$T/c.ini" <<EOF2

[moved]
hosts = 127.0.0.1:$dead
failure_threshold = 1
open_timeout = 30s
EOF2
ctl "$api_PORT" "redirect/http://127.0.0.1:$dead/new" >/dev/null

for _ in 1 2 3; do
	RC=0
	ccurl "$T/c.ini" -L "http://127.0.0.1:$api_PORT/old" 2>>"$T/err" || RC=$?
	assert_eq "$RC" 7 "curl exit status when the redirect target is down"
done
assert_eq "$(served "$api_PORT")" 3 "api answered every transfer"
grep -q "moved: closed -> open (1 consecutive failures\{0,1\}; last ECONNREFUSED 127.0.0.1:$dead)" "$T/err" ||
	fail "the redirect target's breaker should open: $(cat "$T/err")"
grep -q "api: closed -> open" "$T/err" && fail "api answered; it must not open: $(cat "$T/err")"
# curl's own message for a refused connect, not the breaker's transfer message
grep -q "cbreaker: breaker 'api'" "$T/err" && fail "api must not reject: $(cat "$T/err")"
# counted once each: api three successes; moved one refused connect, then
# two connects rejected
assert_eq "$(breaker_field "$T/c.ini" api calls)" 3 "api's calls"
assert_eq "$(breaker_field "$T/c.ini" api successes)" 3 "api's successes"
assert_eq "$(breaker_field "$T/c.ini" moved calls)" 1 "moved's calls"
assert_eq "$(breaker_field "$T/c.ini" moved failures)" 1 "moved's failures"
assert_eq "$(breaker_field "$T/c.ini" moved rejected)" 2 "moved's rejections"

