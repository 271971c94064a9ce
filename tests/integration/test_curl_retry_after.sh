#!/bin/sh
# A 503 with Retry-After: 3 keeps the breaker open for at least 3 s even
# though open_timeout is 1 s (retry_after = honor, the default); with
# retry_after = ignore the probe goes through after about 1 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

start_server api http
URL="http://127.0.0.1:$api_PORT/x"

# first_success_ms CFG - opens the breaker with one 503 + Retry-After, then
# polls until a transfer succeeds; prints how long that took.
first_success_ms() {
	ctl "$api_PORT" status/503 >/dev/null
	ctl "$api_PORT" retry-after/3 >/dev/null
	t0=$(now_ms)
	ccurl "$1" "$URL" 2>/dev/null || fail "the first 503 should be served"
	ctl "$api_PORT" status/200 >/dev/null
	ctl "$api_PORT" retry-after/none >/dev/null
	wait_until 10 ccurl "$1" "$URL"
	echo $(($(now_ms) - t0))
}

curl_config "$T/honor.ini" "$api_PORT" failure_threshold=1
ms=$(first_success_ms "$T/honor.ini")
assert_lt 2999 "$ms" "Retry-After: 3 must keep the breaker open at least 3 s"
# one 503 and one probe reached the server; everything between was rejected
assert_eq "$(served "$api_PORT")" 2 "requests served while Retry-After held the breaker open"

ctl "$api_PORT" reset >/dev/null
curl_config "$T/ignore.ini" "$api_PORT" failure_threshold=1 retry_after=ignore
ms=$(first_success_ms "$T/ignore.ini")
assert_lt "$ms" 2900 "with retry_after = ignore the probe comes after open_timeout"
