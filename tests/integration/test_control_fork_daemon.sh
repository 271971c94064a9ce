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

# The parent serves before it forks, so the child inherits the lock's
# descriptor: if the child kept it, nobody could serve after the parent.
start_protected parent "$T/cb.ini" "$PORT" --fork-after 2
wait_until 10 served_by "$T/cb.ini" "$parent_PID"
two_ready() { [ "$(grep -c '^ready ' "$T/parent.log")" = 2 ]; }
wait_until 10 two_ready
child=$(sed -n 's/^ready //p' "$T/parent.log" | grep -vx "$parent_PID")
CB_PIDS="$CB_PIDS $child"
assert_eq "$(server_pid "$T/cb.ini")" "$parent_PID" "server after the fork"
kill -9 "$parent_PID"
wait_until 5 served_by "$T/cb.ini" "$child"
other=$child
kill "$other" 2>/dev/null || true

start_protected daemon "$T/cb.ini" "$PORT" --close-all-after 2
wait_until 10 served_by "$T/cb.ini" "$daemon_PID"
wait_until 10 grep -q closed "$T/daemon.log"
wait_until 5 served_by "$T/cb.ini" "$daemon_PID"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
kill -0 "$daemon_PID" || fail "the daemon died: $(cat "$T/daemon.log")"
grep -qi 'error\|Traceback' "$T/daemon.log" && fail "daemon: $(cat "$T/daemon.log")"
true
