#!/bin/sh
# A vfork() child that connects before exec shares its parent's memory: it
# must not take over the parent's periodic work (reload, control server).
# Afterwards the parent serves the control socket itself.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
write_config "$T/v.ini" <<EOF
[global]
state_file = $T/state
socket = $T/ctl.sock
[svc]
hosts = 127.0.0.1:$P
failure_threshold = 1000
EOF
# Started directly (not through the shim function) so that $! is vforker.
LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/v.ini" "$HELPERS/vforker" "$P" 6 >"$T/out" 2>"$T/err" &
parent=$!
CB_PIDS="$CB_PIDS $parent"
wait_until 10 grep -q "child-exited 0" "$T/out"

served_by_parent() {
	"$TOOL" -c "$T/v.ini" status --json 2>/dev/null |
		python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['pid'] == $parent else 1)"
}
wait_until 5 served_by_parent
wait_until 10 grep -q "done" "$T/out"
wait "$parent" || fail "vforker failed: $(cat "$T/err")"
