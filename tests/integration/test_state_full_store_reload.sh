#!/bin/sh
# A breaker that had to stay private (the state store was full) keeps its
# state across a reload, like every other breaker.
. "$(dirname "$0")/lib.sh"

start_server h1 hang
start_server h2 hang
cfg=$T/full.ini

# Created with one breaker: the store gets its minimum capacity (256 slots).
write_config "$cfg" <<EOF
[global]
state_file = none
[a]
hosts = 127.0.0.1:$h1_PORT
EOF

cat >"$T/client.py" <<'PY'
import errno, socket, sys, time, os
port, stop = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 60
while time.time() < deadline and not os.path.exists(stop):
    s = socket.socket()
    s.settimeout(0.3)
    try:
        s.connect(("127.0.0.1", port))
        result = "OK"
    except socket.timeout:
        result = "TIMEOUT"
    except OSError as e:
        result = errno.errorcode.get(e.errno, str(e.errno))
    s.close()
    print(result, flush=True)
    time.sleep(0.05)
PY
shim "$cfg" python3 "$T/client.py" "$h2_PORT" "$T/stop" >"$T/out" 2>"$T/err" &
client=$!
CB_PIDS="$CB_PIDS $client"
wait_until 10 grep -q TIMEOUT "$T/out"

# 300 more breakers: the last ones, b among them, find no room and stay private.
big() {
	printf '[global]\nstate_file = none\n[a]\nhosts = 127.0.0.1:%s\n' "$h1_PORT"
	i=0
	while [ $i -lt 300 ]; do
		printf '[f%d]\nhosts = 10.99.%d.%d\n' $i $((i / 200)) $((i % 200 + 1))
		i=$((i + 1))
	done
	printf '[b]\nhosts = 127.0.0.1:%s\nfailure_threshold = 1\nopen_timeout = 60s\n' "$h2_PORT"
	printf '; %s\n' "$1"
}
big v2 >"$cfg"
wait_until 15 grep -q "b: no room left in the state file" "$T/err"
wait_until 15 grep -q "b: closed -> open" "$T/err"
mark=$(wc -l <"$T/out")
wait_until 10 sh -c "tail -n +$((mark + 1)) '$T/out' | grep -q ECONNREFUSED"

# Reload again: b must still be open (no timeout after the reload).
big v3 >"$cfg"
wait_until 15 sh -c "[ \$(grep -c 'configuration reloaded' '$T/err') -ge 2 ]"
mark=$(wc -l <"$T/out")
wait_until 10 sh -c "[ \$(tail -n +$((mark + 1)) '$T/out' | grep -c ECONNREFUSED) -ge 5 ]"
touch "$T/stop"
wait "$client" || true
if tail -n +"$((mark + 1))" "$T/out" | grep -q TIMEOUT; then
	fail "the private breaker lost its open state on reload"
fi
assert_eq "$(grep -c 'b: no room left' "$T/err")" 1 "the no-room warning is given once, not at every reload"
