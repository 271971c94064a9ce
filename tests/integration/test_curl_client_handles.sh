#!/bin/sh
# A libcurl program (tests/helpers/curlclient): the breaker follows the URL
# however the program gives it - CURLOPT_URL on a reused handle,
# CURLOPT_CURLU, CURLOPT_PORT over the URL's port, a curl_easy_duphandle
# copy - and a rejected transfer returns CURLE_COULDNT_CONNECT at once with
# the breaker named in the program's error buffer. curl_easy_reset forgets
# the old URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
san_unfit "curlclient (libcurl) hangs at exit"

start_server api http
start_server other http
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s
ctl "$api_PORT" status/503 >/dev/null
ctl "$other_PORT" status/503 >/dev/null
URL="http://127.0.0.1:$api_PORT/x"

# expect_rejected LINE - a curlclient line for a transfer the breaker refused.
expect_rejected() {
	assert_eq "$(field "$1" code)" 7 "CURLcode of a rejected transfer"
	assert_lt "$(field "$1" ms)" 50 "a rejected transfer must return at once"
	case "$1" in *"err=cbreaker: breaker 'api' is open; retry in "*) ;;
	*) fail "error buffer should name the breaker: $1" ;; esac
}

# CURLOPT_URL, one handle reused for five transfers: 3 reach the server.
client "$T/c.ini" -n 5 --reuse-handle --error-buffer "$URL" >"$T/out" 2>"$T/err"
assert_eq "$(served "$api_PORT")" 3 "requests served on a reused handle"
expect_rejected "$(sed -n 4p "$T/out")"
expect_rejected "$(sed -n 5p "$T/out")"

# CURLOPT_CURLU: also rejected, nothing reaches the server.
line=$(client "$T/c.ini" --curlu --error-buffer "$URL")
expect_rejected "$line"
# a copy of a handle made with curl_easy_duphandle is the same service
line=$(client "$T/c.ini" --curlu --dup --error-buffer "$URL")
expect_rejected "$line"
line=$(client "$T/c.ini" --dup --error-buffer "$URL")
expect_rejected "$line"
assert_eq "$(served "$api_PORT")" 3 "CURLU and duplicated handles must be rejected too"

# CURLOPT_PORT wins over the URL's port: the URL names `other`, the port api.
line=$(client "$T/c.ini" --port "$api_PORT" --error-buffer "http://127.0.0.1:$other_PORT/x")
expect_rejected "$line"
# and without it, `other` (no breaker) is reached as usual
line=$(client "$T/c.ini" "http://127.0.0.1:$other_PORT/x")
assert_eq "$(field "$line" status)" 503 "a destination without a breaker passes through"

# curl_easy_reset forgets the old URL: the handle now names `other`.
client "$T/c.ini" -n 2 --reuse-handle --error-buffer --reset-url "http://127.0.0.1:$other_PORT/y" \
	"$URL" >"$T/out"
expect_rejected "$(sed -n 1p "$T/out")"
assert_eq "$(field "$(sed -n 2p "$T/out")" status)" 503 "after curl_easy_reset and a new URL"
assert_eq "$(served "$other_PORT")" 2 "requests served by the server without a breaker"
