#!/bin/sh
# The once-a-second work that runs inside an intercepted call (config check,
# control-socket leadership) allocates nothing while another process serves:
# that call may be a connect() from a signal handler interrupting malloc.
. "$(dirname "$0")/lib.sh"
san_unfit "alloccount replaces malloc, as the runtime does"

P=$(free_port)
write_config "$T/p.ini" <<EOF
[global]
state_file = $T/state
socket = $T/ctl.sock
[svc]
hosts = 127.0.0.1:$P
EOF
# A leader: a protected process that keeps connecting, so it serves.
cat >"$T/leader.py" <<'PY'
import socket, sys, time, os
port, stop = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 30
while time.time() < deadline and not os.path.exists(stop):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.close()
    time.sleep(0.1)
PY
LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/p.ini" python3 "$T/leader.py" "$P" "$T/stop" 2>"$T/leader.err" &
leader=$!
CB_PIDS="$CB_PIDS $leader"
served() {
	"$TOOL" -c "$T/p.ini" status --json 2>/dev/null |
		python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['pid'] == $leader else 1)"
}
wait_until 10 served

Q=$(free_port) # refused, and no breaker's: the connect is otherwise pure pass-through
shim "$T/p.ini" "$HELPERS/alloccount" "$Q" 3 >"$T/out" 2>"$T/err" || fail "alloccount: $(cat "$T/err")"
touch "$T/stop"
assert_eq "$(cat "$T/out")" "allocations 0" "allocations on the periodic turn of a non-leader"
