#!/bin/sh
# A half-open probe keeps its permit for the whole transfer: while a slow
# probe is in flight (half_open_max_calls = 1), another process's transfer
# is rejected at once and told why; when the probe succeeds the breaker
# closes and transfers flow again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
san_unfit "curlclient (libcurl) hangs at exit"

start_server api http
curl_config "$T/c.ini" "$api_PORT" failure_threshold=1 half_open_max_calls=1
URL="http://127.0.0.1:$api_PORT/x"

ctl "$api_PORT" status/503 >/dev/null
line=$(client "$T/c.ini" "$URL" 2>/dev/null)
assert_eq "$(field "$line" status)" 503 "the first transfer is served"
ctl "$api_PORT" status/200 >/dev/null
ctl "$api_PORT" delay/1500 >/dev/null

# The open time is 1 s, without jitter: past it, the next transfer is the probe.
sleep 1.1
client "$T/c.ini" "$URL" >"$T/probe" 2>"$T/probe.err" &
probe=$!
CB_PIDS="$CB_PIDS $probe"
wait_until 5 served_is "$api_PORT" 2

line=$(client "$T/c.ini" --error-buffer "$URL")
assert_eq "$(field "$line" code)" 7 "a transfer while the probe is in flight"
assert_lt "$(field "$line" ms)" 50 "rejected at once"
case "$line" in *"breaker 'api' is half-open"*) ;; *) fail "error buffer: $line" ;; esac

wait "$probe" || fail "the probe client failed"
assert_eq "$(field "$(cat "$T/probe")" status)" 200 "the probe's answer"
grep -q "api: half_open -> closed" "$T/probe.err" || fail "probe should close it: $(cat "$T/probe.err")"
ctl "$api_PORT" delay/0 >/dev/null
line=$(client "$T/c.ini" "$URL")
assert_eq "$(field "$line" status)" 200 "after the breaker closed"
