#!/bin/sh
# Changing state needs the state file's owner or root: user nobody can read
# status (socket and file are world-readable with state_mode 0644) but its
# reset is refused with a clear message and exit 1, through the live
# server (SO_PEERCRED) and on the file directly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 runuser
[ "$(id -u)" = 0 ] || skip "needs root to run as nobody"
id nobody >/dev/null 2>&1 || skip "no user nobody"

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[global]
state_file = $T/run/api.state
socket = $T/run/api.sock
state_mode = 0644
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 3
EOF
chmod 644 "$T/cb.ini"
export CBREAKER_CONFIG="$T/cb.ini"
as_nobody() {
	runuser -u nobody -- env CBREAKER_CONFIG="$T/cb.ini" "$TOOL" "$@"
}
nobody_refused() {
	set +e
	as_nobody reset api >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "nobody's reset ($1): exit status"
	grep -qx 'cbreaker: reset: permission denied: you are uid [0-9]*, the state belongs to uid 0' "$T/err" ||
		fail "nobody's reset ($1): $(cat "$T/err")"
}

# Offline: the file's permissions decide.
assert_eq "$(cbreaker force-open api)" "api: forced_open"
as_nobody status >"$T/table" || fail "nobody cannot read status offline"
grep -q forced_open "$T/table" || fail "offline table: $(cat "$T/table")"
nobody_refused offline
assert_eq "$(state_of "$T/cb.ini" api)" forced_open

# Live: the server checks the peer's uid.
start_protected app "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$app_PID"
as_nobody status --json | grep -q "\"pid\":$app_PID" || fail "nobody cannot read status from the server"
nobody_refused live
assert_eq "$(state_of "$T/cb.ini" api)" forced_open
assert_eq "$(cbreaker reset api)" "api: closed"
kill -0 "$app_PID" || fail "the protected program died"
