#!/bin/sh
# The control server survives what programs do to descriptors:
# - a forked child is never the server, and its copy of the lock does not
#   keep the lock alive: once the parent is killed, the child takes over;
# - a daemon that closes every descriptor gets its server back at a later
#   tick (the old descriptors are detected gone, not reused).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
EOF
export CBREAKER_CONFIG="$T/cb.ini"

start_protected parent "$T/cb.ini" "$PORT" --fork
two_ready() { [ "$(grep -c '^ready ' "$T/parent.log")" = 2 ]; }
wait_until 10 two_ready
child=$(sed -n 's/^ready //p' "$T/parent.log" | grep -vx "$parent_PID")
CB_PIDS="$CB_PIDS $child"
wait_until 10 sh -c "[ \"\$(CBREAKER_CONFIG=$T/cb.ini $TOOL status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"pid\"])')\" != None ]"
first=$(server_pid "$T/cb.ini")
case "$first" in "$parent_PID") other=$child ;; "$child") other=$parent_PID ;; *) fail "served by $first" ;; esac
kill -9 "$first"
wait_until 5 served_by "$T/cb.ini" "$other"
kill "$other" 2>/dev/null || true

start_protected daemon "$T/cb.ini" "$PORT" --close-all-after 2
wait_until 10 served_by "$T/cb.ini" "$daemon_PID"
wait_until 10 grep -q closed "$T/daemon.log"
wait_until 5 served_by "$T/cb.ini" "$daemon_PID"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
kill -0 "$daemon_PID" || fail "the daemon died: $(cat "$T/daemon.log")"
grep -qi 'error\|Traceback' "$T/daemon.log" && fail "daemon: $(cat "$T/daemon.log")"
true
