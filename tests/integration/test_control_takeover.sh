#!/bin/sh
# One live process serves the socket; kill -9 it and another protected
# process takes over within a few seconds (the kernel drops the dead
# server's flock). The survivor keeps answering every command.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 3
EOF
export CBREAKER_CONFIG="$T/cb.ini"

start_protected one "$T/cb.ini" "$PORT"
start_protected two "$T/cb.ini" "$PORT"
wait_until 10 sh -c "[ \"\$(CBREAKER_CONFIG=$T/cb.ini $TOOL status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"pid\"])')\" != None ]"
first=$(server_pid "$T/cb.ini")
case "$first" in "$one_PID") other=$two_PID ;; "$two_PID") other=$one_PID ;; *) fail "served by $first, neither $one_PID nor $two_PID" ;; esac

kill -9 "$first"
wait "$first" 2>/dev/null || true
wait_until 5 served_by "$T/cb.ini" "$other"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
assert_eq "$(state_of "$T/cb.ini" api)" forced_open
kill -0 "$other" || fail "the surviving program died"
