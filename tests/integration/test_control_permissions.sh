#!/bin/sh
# Changing state needs the state file's owner or root. The owner here is
# not root (uid OWNER creates the state, and the protected program runs as
# OWNER), so each rule can fail on its own: OWNER may change state; another
# non-root uid OTHER may read status (state_mode 0644) but its changes are
# refused with a clear message and exit 1, and the state stays as it was;
# root may. Through the live server (SO_PEERCRED) and, for OWNER and OTHER,
# on the file directly (its permissions decide). Offline, root's tool does
# not open another user's file at all (README "Shared state"). The uids
# need no account: setpriv sets them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 setpriv getent
[ "$(id -u)" = 0 ] || skip "needs root to run as other uids"

# unused_uid FROM - the first uid from FROM up that no account has.
unused_uid() {
	_u=$1
	while getent passwd "$_u" >/dev/null; do _u=$((_u + 1)); done
	echo "$_u"
}
OWNER=$(unused_uid 61000)
OTHER=$(unused_uid $((OWNER + 1)))

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[global]
state_file = $T/run/api.state
socket = $T/run/api.sock
state_mode = 0644
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 0
EOF
chmod 644 "$T/cb.ini"
chown "$OWNER" "$T/run"
export CBREAKER_CONFIG="$T/cb.ini"

# tool_as UID ARGS... - the tool as UID (root: 0).
tool_as() {
	_uid=$1
	shift
	if [ "$_uid" = 0 ]; then
		cbreaker "$@"
	else
		as_uid "$_uid" "$TOOL" "$@"
	fi
}

# state - the breaker's state as OWNER reads it, offline or live.
state() {
	as_uid "$OWNER" "$TOOL" status api --json | json_state
}

# may UID ACTION STATE WHERE - UID's ACTION succeeds and leaves STATE.
may() {
	assert_eq "$(tool_as "$1" "$2" api)" "api: $3" "uid $1's $2 ($4)"
	assert_eq "$(state)" "$3" "state after uid $1's $2 ($4)"
}

# other_refused ACTION WHERE - OTHER's ACTION fails and changes nothing.
other_refused() {
	_before=$(state)
	set +e
	tool_as "$OTHER" "$1" api >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "uid $OTHER's $1 ($2): exit status"
	grep -qx "cbreaker: $1: permission denied: you are uid $OTHER, the state belongs to uid $OWNER" "$T/err" ||
		fail "uid $OTHER's $1 ($2): $(cat "$T/err")"
	assert_eq "$(state)" "$_before" "state after uid $OTHER's $1 ($2)"
}

# Offline: the file's permissions decide, and the tool opens only files
# of its own user or root (README "Shared state"), so OTHER cannot even
# read, and root's tool refuses OWNER's file. OWNER creates the state.
may "$OWNER" force-open forced_open offline
[ "$(stat -c %u "$T/run/api.state")" = "$OWNER" ] || fail "the state file should belong to uid $OWNER"
other_refused status offline
other_refused reset offline
set +e
cbreaker reset api >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "root's offline reset of uid $OWNER's file: exit status"
grep -q "owned by uid $OWNER, not 0" "$T/err" || fail "root's offline reset: $(cat "$T/err")"
assert_eq "$(state)" forced_open "state after root's offline reset"
may "$OWNER" reset closed offline
other_refused force-open offline

# Live: the server, run by OWNER, checks the peer's uid.
PROTECTED_UID=$OWNER start_protected app "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$app_PID"
[ "$(stat -c %u "$T/run/api.sock")" = "$OWNER" ] || fail "the socket should belong to uid $OWNER"
tool_as "$OTHER" status --json | grep -q "\"pid\":$app_PID" || fail "uid $OTHER cannot read status from the server"
may "$OWNER" force-open forced_open live
other_refused reset live
may "$OWNER" reset closed live
other_refused disable live
may 0 force-open forced_open live
other_refused reset live
may 0 disable disabled live
may 0 reset closed live
served_by "$T/cb.ini" "$app_PID" || fail "the live answers should come from the protected program"
kill -0 "$app_PID" || fail "the protected program died"
