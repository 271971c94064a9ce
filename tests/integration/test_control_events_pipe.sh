#!/bin/sh
# `cbreaker events | head -n 1` ends once head has its line, with status 0
# (SIGPIPE is ignored, so a write to the closed pipe or the pipe's error
# condition must end it), following the state file and streaming from a
# live server alike. `status` before any state exists says so on stderr,
# still shows the configured breakers closed and exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 timeout head

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[global]
state_file = $T/run/api.state
socket = $T/run/api.sock
[api]
hosts = 127.0.0.1:$PORT
EOF
export CBREAKER_CONFIG="$T/cb.ini"

cbreaker status >"$T/table" 2>"$T/err" || fail "status without state: exit $?"
grep -Eq '^api +closed' "$T/table" || fail "table: $(cat "$T/table")"
grep -q "no state yet: no process has used this configuration (state file $T/run/api.state does not exist)" "$T/err" ||
	fail "status without state: $(cat "$T/err")"

# first_event - one `events | head -n 1` pipeline in the background; the
# tool's exit status lands in $T/rc.
first_event() {
	rm -f "$T/rc" "$T/first"
	( (timeout 10 "$TOOL" events 2>"$T/ev.err"; echo $? >"$T/rc") | head -n 1 >"$T/first") &
	CB_PIDS="$CB_PIDS $!"
}
# toggled - one more event, then true once the tool has ended.
# shellcheck disable=SC2317 # called through wait_until
toggled() {
	cbreaker force-open api >/dev/null
	cbreaker reset api >/dev/null
	test -s "$T/rc"
}
ended_with_one_line() {
	wait_until 8 toggled
	assert_eq "$(cat "$T/rc")" 0 "events exit status once head left ($(cat "$T/ev.err"))"
	assert_eq "$(wc -l <"$T/first")" 1 "lines head kept"
	grep -q '"breaker":"api"' "$T/first" || fail "first line: $(cat "$T/first")"
}

first_event
ended_with_one_line

start_protected p "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$p_PID"
first_event
ended_with_one_line
exit 0
