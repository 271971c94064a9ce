#!/bin/sh
# The state file removed or replaced under a running process: the process
# notices within seconds and moves to the file now at the path, the one it
# serves the control socket for, so `cbreaker force-open` and `reset` reach
# it and a process started afterwards alike. Removed (rm), then replaced
# (mv of another state file over it, with the breaker forced open there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
start_listener up "$PORT"
STATE=$T/run/cb.state
write_config "$T/cb.ini" <<EOF
[global]
state_file = $STATE
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 100
EOF
export CBREAKER_CONFIG="$T/cb.ini"

# A client that connects every 100 ms and logs OK or the errno name;
# SIGUSR1 pauses it (it logs PAUSED and makes no call, so its shim does
# not tick) and resumes it.
cat >"$T/client.py" <<'PY'
import errno, signal, socket, sys, time
paused = [False]
signal.signal(signal.SIGUSR1, lambda *_: paused.__setitem__(0, not paused[0]))
end = time.time() + 90
while time.time() < end:
    if paused[0]:
        print("PAUSED", flush=True)
        while paused[0]:
            time.sleep(0.05)
    s = socket.socket()
    r = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
    s.close()
    print("OK" if r == 0 else errno.errorcode.get(r, str(r)), flush=True)
    time.sleep(0.1)
PY
start_client() {
	LD_PRELOAD="$LIB" python3 "$T/client.py" "$PORT" >"$T/$1.out" 2>"$T/$1.err" &
	CB_PIDS="$CB_PIDS $!"
}
# last_is NAME RESULT - NAME's latest attempt gave RESULT.
# shellcheck disable=SC2317 # called through wait_until
last_is() {
	[ "$(tail -n 1 "$T/$1.out")" = "$2" ]
}
# shellcheck disable=SC2317 # called through wait_until
both_are() {
	last_is old "$1" && last_is new "$1"
}

start_client old
old_PID=$!
wait_until 10 served_by "$T/cb.ini" "$old_PID"
wait_until 5 last_is old OK

# 1. rm: a process started afterwards makes a new file; the old one moves
# to it, and the tool's changes reach both.
rm "$STATE"
start_client new
new_PID=$!
wait_until 10 test -e "$STATE"
wait_until 10 grep -q "state file $STATE was removed or replaced; moving" "$T/old.err"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
wait_until 5 both_are ECONNREFUSED
assert_eq "$(cbreaker reset api)" "api: closed"
wait_until 5 both_are OK
assert_eq "$(server_pid "$T/cb.ini")" "$old_PID"

# 2. mv: another state file (the breaker forced open in it) moved over it.
write_config "$T/other.ini" <<EOF
[global]
state_file = $T/run/other.state
[api]
hosts = 127.0.0.1:$PORT
EOF
assert_eq "$(cbreaker -c "$T/other.ini" force-open api)" "api: forced_open"
mv "$T/run/other.state" "$STATE"
wait_until 10 both_are ECONNREFUSED
assert_eq "$(state_of "$T/cb.ini" api)" forced_open
assert_eq "$(cbreaker reset api)" "api: closed"
wait_until 5 both_are OK

# 3. Between the removal and the move, the tool never reports a change made
# to the removed file: the server refuses, and the tool changes the file
# at the path. Paused, the processes cannot move: the window held open
# (the server thread still answers).
kill -USR1 "$old_PID" "$new_PID"
wait_until 5 both_are PAUSED
rm "$STATE"
set +e
"$TOOL" force-open api >"$T/out" 2>"$T/err"
rc=$?
set -e
kill -USR1 "$old_PID" "$new_PID"
assert_eq "$rc" 0 "force-open while the server's file is gone"
grep -q "no longer at $STATE; using the file at the path" "$T/err" || fail "tool: $(cat "$T/err")"
assert_eq "$(cat "$T/out")" "api: forced_open"
wait_until 10 both_are ECONNREFUSED
assert_eq "$(cbreaker reset api)" "api: closed"
wait_until 5 both_are OK
if grep -q "Traceback" "$T/old.err" "$T/new.err"; then
	fail "a client failed: $(cat "$T/old.err" "$T/new.err")"
fi
exit 0
