#!/bin/sh
# Every cbreaker command against a live server: a protected python3 process
# serves the control socket; status (table and JSON with every field),
# metrics (promtool), force-open/disable/reset, events as they happen,
# unknown names and bad usage.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 promtool

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 3
open_timeout = 30s
[db]
hosts = 127.0.0.1:1
EOF
export CBREAKER_CONFIG="$T/cb.ini"

start_protected app "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$app_PID"
wait_until 10 is_state "$T/cb.ini" api open

cbreaker status >"$T/table" || fail "status exit $?"
grep -q '^NAME  *STATE  *FAILURES/CALLS  *REJECTED  *RATE  *RETRY  *LAST ERROR$' "$T/table" || fail "table header: $(cat "$T/table")"
grep -Eq '^api +open +3/3 +[0-9]+ +100% +retry in [0-9]+s \(open [0-9]+(ms|s)\) +ECONNREFUSED 127.0.0.1:'"$PORT" "$T/table" ||
	fail "table row: $(cat "$T/table")"
grep -q "$(printf '\033')" "$T/table" && fail "colour codes written to a file"

cbreaker status --json >"$T/status.json" || fail "status --json exit $?"
check_status_json "$T/status.json"
python3 - "$T/status.json" "$app_PID" <<'PY' || fail "status JSON values"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["pid"] == int(sys.argv[2]), doc["pid"]
api = [b for b in doc["breakers"] if b["name"] == "api"][0]
assert api["state"] == "open" and api["failures"] == 3 and api["opened_at"] and api["retry_at"], api
assert api["last_failure"]["error"] == "ECONNREFUSED", api["last_failure"]
assert api["transitions"]["open"] == 1 and api["rejected"] >= 1, api
PY
n=$(cbreaker status db --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["breakers"]))')
assert_eq "$n" 1 "status NAME --json shows one breaker"

cbreaker metrics >"$T/metrics" || fail "metrics exit $?"
check_metrics "$T/metrics"
grep -q '^cbreaker_state{breaker="api",state="open"} 1$' "$T/metrics" || fail "open not in metrics"

# "$TOOL", not the function: $! must be the tool itself.
"$TOOL" events >"$T/events" 2>&1 &
EV=$!
CB_PIDS="$CB_PIDS $EV"
# Repeated until the stream (which starts on its own time) has shown one.
seen_forced() {
	cbreaker reset api >/dev/null
	assert_eq "$(cbreaker force-open api)" "api: forced_open"
	grep -q '"to":"forced_open","cause":"operator"' "$T/events"
}
wait_until 5 seen_forced
assert_eq "$(cbreaker disable api)" "api: disabled"
assert_eq "$(state_of "$T/cb.ini" api)" disabled
assert_eq "$(cbreaker reset api)" "api: closed"
wait_until 5 grep -q '"from":"disabled","to":"closed"' "$T/events"
kill "$EV"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/events" || fail "events are not JSON lines"

cbreaker reset --all >/dev/null || fail "reset --all exit $?"
set +e
cbreaker status nope 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "unknown breaker exit status"
grep -q 'unknown breaker "nope"' "$T/err" || fail "message: $(cat "$T/err")"
set +e
cbreaker force-open 2>/dev/null
rc=$?
set -e
assert_eq "$rc" 2 "missing name is a usage error"
kill -0 "$app_PID" || fail "the protected program died"
