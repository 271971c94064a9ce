#!/bin/sh
# With no protected process running, the tool works on the state file:
# status before any state exists, force-open creating the file (so an
# operator can open a breaker before any program starts: the first program
# is then rejected at once although its server is up), JSON and metrics
# from the file, events followed from the file's ring, reset.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 promtool curl

start_server web http
write_config "$T/cb.ini" <<EOF
[web]
hosts = 127.0.0.1:$web_PORT
failure_threshold = 3
EOF
export CBREAKER_CONFIG="$T/cb.ini"

cbreaker status >"$T/table" || fail "status without a state file: exit $?"
grep -Eq '^web +closed +0/0 ' "$T/table" || fail "table: $(cat "$T/table")"
[ ! -e "$(auto_stem "$T/cb.ini").state" ] || fail "status created the state file"

# "$TOOL", not the function: $! must be the tool itself.
"$TOOL" events >"$T/events" 2>&1 &
EV=$!
CB_PIDS="$CB_PIDS $EV"
# Changes are repeated until the follower (which starts on its own time)
# has shown one.
seen_forced() {
	cbreaker reset web >/dev/null
	assert_eq "$(cbreaker force-open web)" "web: forced_open"
	grep -q '"breaker":"web","from":"closed","to":"forced_open"' "$T/events"
}
wait_until 5 seen_forced
kill "$EV"

cbreaker status --json >"$T/status.json" || fail "status --json exit $?"
check_status_json "$T/status.json"
grep -q '"pid":null' "$T/status.json" || fail "offline status names a server pid"
grep -q '"state":"forced_open"' "$T/status.json" || fail "not forced open: $(cat "$T/status.json")"
cbreaker metrics >"$T/metrics" || fail "metrics exit $?"
check_metrics "$T/metrics"
grep -q '^cbreaker_state{breaker="web",state="forced_open"} 1$' "$T/metrics" || fail "metrics state"

# The first protected program finds the breaker open: rejected, no request.
elapsed_ms ms shim "$T/cb.ini" curl -s -o /dev/null "http://127.0.0.1:$web_PORT/"
assert_eq "$RC" 7 "curl exit status while forced open"
assert_eq "$(ctl "$web_PORT" count)" 0 "requests that reached the server"

assert_eq "$(cbreaker reset web)" "web: closed"
shim "$T/cb.ini" curl -sf -o /dev/null "http://127.0.0.1:$web_PORT/" || fail "curl after reset"
assert_eq "$(state_of "$T/cb.ini" web)" closed
