#!/bin/sh
# Bad clients never crash or hang the server, nor hurt the protected
# program: garbage, an unknown command, a 1 MiB line, half a line then a
# hang-up, a client that says nothing, 100 clients at once. Each is
# answered with JSON or refused cleanly, and the server keeps serving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[global]
socket = $T/run/ctl.sock
[api]
hosts = 127.0.0.1:$PORT
EOF
export CBREAKER_CONFIG="$T/cb.ini"
S=$T/run/ctl.sock
start_protected app "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$app_PID"

is_error() {
	python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if "error" in d else 1)' ||
		fail "$1: not a JSON error"
}

printf '\000\001\377garbage\n' | python3 "$CTLSOCK" "$S" raw | is_error garbage
python3 "$CTLSOCK" "$S" line "shutdown now" | is_error "unknown command"
python3 "$CTLSOCK" "$S" line "status nope" | is_error "unknown breaker"
python3 "$CTLSOCK" "$S" line "" | is_error "empty line"
python3 -c 'import sys; sys.stdout.write("x" * (1 << 20) + "\n")' >"$T/big"
python3 "$CTLSOCK" "$S" raw <"$T/big" >"$T/big.reply" || true
# Over-long: an error if the client was still there to read it, else nothing.
[ ! -s "$T/big.reply" ] || is_error "1 MiB line" <"$T/big.reply"
python3 "$CTLSOCK" "$S" half
elapsed_ms ms python3 "$CTLSOCK" "$S" silent
assert_lt "$ms" 5000 "a silent client is cut off"
python3 "$CTLSOCK" "$S" line "status" | python3 -c 'import json,sys; json.load(sys.stdin)' ||
	fail "status after the garbage"

python3 "$CTLSOCK" "$S" many 100 >"$T/many"
read -r ok refused other <"$T/many"
assert_eq "$other" 0 "unclean replies among 100 concurrent clients"
assert_eq "$((ok + refused))" 100 "clients accounted for"
[ "$ok" -ge 1 ] || fail "no concurrent client was answered"
echo "100 clients: $ok answered, $refused refused"

cbreaker status >/dev/null || fail "status after the storm"
assert_eq "$(server_pid "$T/cb.ini")" "$app_PID" "server changed"
kill -0 "$app_PID" || fail "the protected program died"
grep -v '^ready ' "$T/app.log" | grep -v 'cbreaker\[' && fail "protected program printed errors"
true
