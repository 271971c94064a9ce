#!/bin/sh
# fallback (README "Fallback addresses"): while the primary is down and
# its breaker open, the curl command line and python's http.client get
# the standby's answer (it answers 203) instead of an error, counted as
# fallback; after `cbreaker reset`, and after the primary recovers (the
# probe still goes to the primary), the primary's answer again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl python3

start_server primary http
start_server standby http
ctl "$standby_PORT" status/203 >/dev/null
P=$primary_PORT
curl_config "$T/c.ini" "$P" open_timeout=3s "fallback=[::1]:1 127.0.0.1:$standby_PORT"

get() { # the answer's body, or the curl error
	shim "$T/c.ini" curl -sS --noproxy '*' --max-time 5 "http://127.0.0.1:$P/" 2>&1 || true
}
pyget() {
	shim "$T/c.ini" python3 -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/")
print(c.getresponse().read().decode().strip())' "$P" 2>&1 || true
}
field() { breaker_field "$T/c.ini" api "$1"; }

assert_eq "$(get)" "status 200" "the primary, closed"
stop_server primary
for _ in 1 2 3; do get >/dev/null; done
assert_eq "$(field state)" open "after three failed transfers"
assert_eq "$(get)" "status 203" "curl while open: the standby"
assert_eq "$(pyget)" "status 203" "python connect() while open: the standby"
assert_eq "$(field fallback)" 2 "calls sent to the fallback"
assert_eq "$(field rejected)" 0 "a fallback call is no rejection"
assert_eq "$(field failures)" 3 "the standby's answers are not the service's"
cbreaker -c "$T/c.ini" metrics | grep -q '^cbreaker_calls_total{breaker="api",outcome="fallback"} 2$' ||
	fail "no fallback outcome in metrics"

# The primary is back, the breaker still open: the standby still answers
# until an operator resets it.
python3 "$SERVER" http "$T/primary2.port" "$P" >"$T/primary2.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -s "$T/primary2.port"
assert_eq "$(get)" "status 203" "primary back, breaker open"
cbreaker -c "$T/c.ini" reset api >/dev/null
assert_eq "$(get)" "status 200" "after cbreaker reset"

# Down again, then recovered: the half-open probe goes to the primary and
# closes the breaker.
kill "$!"
wait "$!" 2>/dev/null || true
for _ in 1 2 3; do get >/dev/null; done
assert_eq "$(field state)" open "after the second outage"
assert_eq "$(get)" "status 203" "the standby in the second outage"
python3 "$SERVER" http "$T/primary3.port" "$P" >"$T/primary3.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -s "$T/primary3.port"
# shellcheck disable=SC2317 # called through wait_until
primary_back() { [ "$(get)" = "status 200" ]; }
wait_until 15 primary_back
assert_eq "$(field state)" closed "after the probe reached the primary"
exit 0
