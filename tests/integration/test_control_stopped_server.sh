#!/bin/sh
# A server that stops answering (its process SIGSTOPped) does not hang the
# tool: after 2 s it says so and works on the state file instead, for
# reading and for changes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
EOF
export CBREAKER_CONFIG="$T/cb.ini"
start_protected app "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$app_PID"
kill -STOP "$app_PID"
elapsed_ms ms "$TOOL" force-open api >"$T/out" 2>"$T/err"
kill -CONT "$app_PID"
assert_eq "$RC" 0 "force-open with a stopped server"
assert_lt "$ms" 5000 "time to give up on the server"
assert_eq "$(cat "$T/out")" "api: forced_open"
grep -q 'using the state file' "$T/err" || fail "no notice: $(cat "$T/err")"
wait_until 5 served_by "$T/cb.ini" "$app_PID"
assert_eq "$(state_of "$T/cb.ini" api)" forced_open
