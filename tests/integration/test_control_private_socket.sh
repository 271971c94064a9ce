#!/bin/sh
# With state_file = none each process keeps its own breakers and serves
# its own socket (the pid is in its name); the tool reaches one with -s,
# and without -s finds them all and labels each with its pid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[global]
state_file = none
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 3
EOF
export CBREAKER_CONFIG="$T/cb.ini"
start_protected a "$T/cb.ini" "$PORT"
start_protected b "$T/cb.ini" "$PORT"
STEM=$(auto_stem "$T/cb.ini")
sock_of() { ls "$STEM-$1.sock"; }
wait_until 10 sock_of "$a_PID"
wait_until 10 sock_of "$b_PID"
SA=$(sock_of "$a_PID")
SB=$(sock_of "$b_PID")

cbreaker status -s "$SA" --json >"$T/a.json"
check_status_json "$T/a.json"
grep -q "\"pid\":$a_PID" "$T/a.json" || fail "a's socket answered for another process"
grep -q '"state_file":null' "$T/a.json" || fail "private state shows a file"
assert_eq "$(cbreaker force-open api -s "$SA")" "api: forced_open"
cbreaker status -s "$SB" --json | grep -q '"state":"forced_open"' && fail "b's breaker changed with a's"
cbreaker metrics -s "$SB" | grep -q '^cbreaker_state{breaker="api",state="forced_open"} 0$' ||
	fail "b's metrics"

# Without -s, status finds every live process's socket itself (README
# "The control socket"), each labelled with its pid.
cbreaker status >"$T/all" 2>"$T/err" || fail "status without -s: $(cat "$T/err")"
grep -q "^== pid $a_PID " "$T/all" || fail "a missing: $(cat "$T/all")"
grep -q "^== pid $b_PID " "$T/all" || fail "b missing: $(cat "$T/all")"
cbreaker status --json >"$T/all.json" || fail "status --json without -s"
python3 - "$T/all.json" "$a_PID" "$b_PID" <<'PY' || fail "processes JSON: $(cat "$T/all.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
by_pid = {p["pid"]: p["status"] for p in doc["processes"]}
a, b = int(sys.argv[2]), int(sys.argv[3])
assert set(by_pid) == {a, b}, by_pid.keys()
assert by_pid[a]["breakers"][0]["state"] == "forced_open"
assert by_pid[b]["breakers"][0]["state"] != "forced_open"  # its own breakers
PY
set +e
cbreaker status --check >/dev/null 2>&1
rc=$?
set -e
assert_eq "$rc" 3 "status --check with a's breaker forced open"

# A killed process leaves its socket behind: refused, so the tool says
# that nothing serves it.
kill -9 "$a_PID"
wait "$a_PID" 2>/dev/null || true
set +e
cbreaker status -s "$SA" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "status of a dead process"
grep -q 'nothing serves' "$T/err" || fail "message: $(cat "$T/err")"

# One that exits normally takes its socket with it.
PROTECTED_SECONDS=2 start_protected c "$T/cb.ini" "$PORT"
wait_until 10 sock_of "$c_PID"
SC=$(sock_of "$c_PID")
wait "$c_PID" || fail "c failed: $(cat "$T/c.log")"
test -e "$SC" && fail "socket left behind by a normal exit"
true
