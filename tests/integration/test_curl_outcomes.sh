#!/bin/sh
# What a curl transfer counts as: with http_failure_status = none, 503s
# never open the breaker; a 404 is a success (it ends a run of failures); a
# transfer curl gives up locally (CURLE_WRITE_ERROR) is neutral; a transfer
# cut short by --max-time (CURLE_OPERATION_TIMEDOUT) is a failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
URL="http://127.0.0.1:$api_PORT/x"

# http_failure_status = none: ten 503s, all served, breaker stays closed.
curl_config "$T/none.ini" "$api_PORT" http_failure_status=none open_timeout=30s
ctl "$api_PORT" status/503 >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do
	ccurl "$T/none.ini" "$URL" || fail "transfer $i under status none"
done
assert_eq "$(served "$api_PORT")" 10 "requests served with http_failure_status = none"

# failure_threshold 3: 503 503 404 503 503 never makes three in a row.
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s
ctl "$api_PORT" reset >/dev/null
for s in 503 503 404 503 503; do
	ctl "$api_PORT" "status/$s" >/dev/null
	ccurl "$T/c.ini" "$URL" 2>>"$T/err" || fail "a $s answer should be served"
done
assert_eq "$(served "$api_PORT")" 5 "a 404 between 503s must count as a success"

# Two failures in a row now. A write error is neutral: still two.
ctl "$api_PORT" status/200 >/dev/null
set +e
shim "$T/c.ini" curl -sS --noproxy '*' -o "$T/no/such/dir/f" "$URL" 2>/dev/null
RC=$?
set -e
assert_eq "$RC" 23 "curl exit status for a write error"
assert_eq "$(served "$api_PORT")" 6 "the write-error transfer reached the server"
grep -q "closed -> open" "$T/err" && fail "opened too early: $(cat "$T/err")"

# A timeout is the third failure in a row: the breaker opens.
ctl "$api_PORT" delay/2000 >/dev/null
elapsed_ms ms ccurl "$T/c.ini" --max-time 0.3 "$URL" 2>"$T/err"
assert_eq "$RC" 28 "curl exit status for a timeout"
grep -q "api: closed -> open (3 consecutive failures; last CURLE_OPERATION_TIMEDOUT 127.0.0.1:$api_PORT)" "$T/err" ||
	fail "the timeout should open the breaker: $(cat "$T/err")"
elapsed_ms ms ccurl "$T/c.ini" --max-time 0.3 "$URL" 2>/dev/null
assert_eq "$RC" 7 "once open"
assert_eq "$(served "$api_PORT")" 7 "a rejected transfer must not reach the server"
