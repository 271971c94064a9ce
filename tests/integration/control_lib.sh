# control_lib.sh - sourced after lib.sh by the test_control_*.sh tests:
# protected processes that keep the shim ticking, and checks of what the
# control socket and the tool answer.
# shellcheck shell=sh
PROTECTED=$ROOT/tests/helpers/protected.py
# shellcheck disable=SC2034 # for the tests that source this
CTLSOCK=$ROOT/tests/helpers/ctlsock.py

# as_uid UID CMD... - CMD with UID as its real and effective user and
# group and no supplementary groups (root only; UID needs no account).
as_uid() {
	_uid=$1
	shift
	setpriv --reuid="$_uid" --regid="$_uid" --clear-groups -- "$@"
}

# start_protected NAME CONFIG PORT [ARGS...] - python3 under the shim,
# connecting to 127.0.0.1:PORT every 100 ms for up to $PROTECTED_SECONDS
# (default 90) seconds, as uid $PROTECTED_UID if set; sets NAME_PID.
start_protected() {
	_n=$1
	_c=$2
	_p=$3
	shift 3
	set -- env LD_PRELOAD="$LIB" CBREAKER_CONFIG="$_c" python3 "$PROTECTED" "$_p" "${PROTECTED_SECONDS:-90}" "$@"
	# Not through `shim` or `as_uid`: a backgrounded function would make $!
	# its subshell; setpriv and env exec, so $! is python's pid.
	[ -z "${PROTECTED_UID:-}" ] ||
		set -- setpriv --reuid="$PROTECTED_UID" --regid="$PROTECTED_UID" --clear-groups -- "$@"
	"$@" >"$T/$_n.log" 2>&1 &
	CB_PIDS="$CB_PIDS $!"
	eval "${_n}_PID=$!"
}

# server_pid CONFIG - the pid the live server reports ("null" offline).
server_pid() {
	CBREAKER_CONFIG=$1 "$TOOL" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'
}

# served_by CONFIG PID - true once PID serves the socket.
served_by() {
	[ "$(server_pid "$1")" = "$2" ]
}

# json_state - the first breaker's state in the `status --json` on stdin.
json_state() {
	python3 -c 'import json,sys; print(json.load(sys.stdin)["breakers"][0]["state"])'
}

# state_of CONFIG NAME - the breaker's state, from `status --json`.
state_of() {
	CBREAKER_CONFIG=$1 "$TOOL" status "$2" --json | json_state
}

is_state() {
	[ "$(state_of "$1" "$2")" = "$3" ]
}

# check_status_json FILE - every documented field of every breaker, with its type.
check_status_json() {
	python3 - "$1" <<'PY' || fail "status JSON: see above"
import json, sys
doc = json.load(open(sys.argv[1]))
def need(cond, what):
    if not cond:
        sys.exit("bad status JSON: " + what + ": " + json.dumps(doc)[:400])
need(isinstance(doc["config"], str), "config")
need(doc["state_file"] is None or isinstance(doc["state_file"], str), "state_file")
need(doc["pid"] is None or isinstance(doc["pid"], int), "pid")
need(isinstance(doc["breakers"], list) and doc["breakers"], "breakers")
iso = lambda v: v is None or (isinstance(v, str) and v.endswith("Z") and "T" in v)
for b in doc["breakers"]:
    for k in ("name", "state", "mode"):
        need(isinstance(b[k], str), k)
    need(b["state"] in ("closed", "open", "half_open", "forced_open", "disabled"), "state value")
    need(b["mode"] in ("enforce", "observe"), "mode value")
    need(isinstance(b["hosts"], list) and all(isinstance(h, str) for h in b["hosts"]), "hosts")
    for k in ("calls", "successes", "failures", "slow", "rejected", "consecutive_failures",
              "window_calls", "window_failure_rate", "window_slow_rate", "open_timeout_ms",
              "half_open_inflight", "would_reject", "connections", "max_connections", "fallback"):
        need(isinstance(b[k], int) and not isinstance(b[k], bool) and b[k] >= 0, k)
    need(iso(b["opened_at"]), "opened_at")
    need(iso(b["retry_at"]), "retry_at")
    need(sorted(b["transitions"]) == sorted(["closed", "open", "half_open", "forced_open", "disabled"]), "transitions keys")
    need(all(isinstance(v, int) for v in b["transitions"].values()), "transitions values")
    lf = b["last_failure"]
    need(lf is None or (iso(lf["time"]) and lf["time"] is not None and
                        (lf["error"] is None or isinstance(lf["error"], str)) and
                        (lf["address"] is None or isinstance(lf["address"], str))), "last_failure")
PY
}

# check_metrics FILE - promtool accepts it and every family is there.
check_metrics() {
	promtool check metrics <"$1" || fail "promtool rejects the metrics: $(cat "$1")"
	for _f in cbreaker_state cbreaker_calls_total cbreaker_transitions_total cbreaker_retry_after_seconds cbreaker_connections; do
		grep -q "^# TYPE $_f " "$1" || fail "metrics lack $_f"
	done
}
