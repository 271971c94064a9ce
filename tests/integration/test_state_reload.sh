#!/bin/sh
# A running process picks up configuration changes: a new breaker starts
# protecting, a changed one keeps its state (by name), a removed one stops
# matching, and a broken edit keeps the previous configuration with one
# message naming file:line.
. "$(dirname "$0")/lib.sh"

start_server h1 hang
start_server h2 hang
cfg=$T/reload.ini

write_config "$cfg" <<EOF
[global]
state_file = $T/state
[a]
hosts = 127.0.0.1:$h1_PORT
failure_threshold = 1
open_timeout = 60s
EOF

# Connects to both hanging ports in turn, 300 ms timeout each, and logs
# "port errno-name milliseconds" until the stop file appears (at most 60 s).
cat >"$T/client.py" <<'EOF'
import errno, socket, sys, time, os
ports = [int(p) for p in sys.argv[1:3]]
stop = sys.argv[3]
deadline = time.time() + 60
while time.time() < deadline and not os.path.exists(stop):
    for port in ports:
        s = socket.socket()
        s.settimeout(0.3)
        t0 = time.monotonic()
        try:
            s.connect(("127.0.0.1", port))
            result = "OK"
        except socket.timeout:
            result = "TIMEOUT"
        except OSError as e:
            result = errno.errorcode.get(e.errno, str(e.errno))
        ms = int((time.monotonic() - t0) * 1000)
        s.close()
        print(port, result, ms, flush=True)
    time.sleep(0.05)
EOF

shim "$cfg" python3 "$T/client.py" "$h1_PORT" "$h2_PORT" "$T/stop" >"$T/out" 2>"$T/err" &
client=$!
CB_PIDS="$CB_PIDS $client"

# lines_since N PORT RESULT: a line for PORT with RESULT after line N.
seen_after() {
	tail -n +"$(($1 + 1))" "$T/out" | grep -q "^$2 $3 "
}

# Breaker a opens after one timeout; then h1 is refused at once.
wait_until 15 seen_after 0 "$h1_PORT" ECONNREFUSED
# h2 has no breaker yet: it keeps timing out.
mark=$(wc -l <"$T/out")
wait_until 10 seen_after "$mark" "$h2_PORT" TIMEOUT

# Reload 1: add breaker b for h2, change a's threshold (its state must stay open).
write_config "$cfg" <<EOF
[global]
state_file = $T/state
[a]
hosts = 127.0.0.1:$h1_PORT
failure_threshold = 3
open_timeout = 60s
[b]
hosts = 127.0.0.1:$h2_PORT
failure_threshold = 1
open_timeout = 60s
EOF
mark=$(wc -l <"$T/out")
wait_until 15 seen_after "$mark" "$h2_PORT" ECONNREFUSED
# a kept its state across the reload: h1 never timed out again.
if tail -n +"$((mark + 1))" "$T/out" | grep -q "^$h1_PORT TIMEOUT"; then
	fail "breaker a lost its open state on reload"
fi

# Reload 2: a broken edit keeps the previous configuration and says so once.
write_config "$cfg" <<EOF
[global]
state_file = $T/state
[b]
hosts = 127.0.0.1:$h2_PORT
failure_threshold = lots
EOF
wait_until 10 grep -q "reload.ini:5" "$T/err"
mark=$(wc -l <"$T/out")
wait_until 10 seen_after "$mark" "$h1_PORT" ECONNREFUSED
wait_until 10 seen_after "$mark" "$h2_PORT" ECONNREFUSED

# Reload 3: a removed breaker stops matching: h1 times out again.
write_config "$cfg" <<EOF
[global]
state_file = $T/state
[b]
hosts = 127.0.0.1:$h2_PORT
failure_threshold = 1
open_timeout = 60s
EOF
mark=$(wc -l <"$T/out")
wait_until 15 seen_after "$mark" "$h1_PORT" TIMEOUT
wait_until 10 seen_after "$mark" "$h2_PORT" ECONNREFUSED

touch "$T/stop"
wait "$client" || fail "client exited with an error: $(cat "$T/err")"
errors=$(grep -c "reload.ini:5" "$T/err" || true)
assert_eq "$errors" 1 "the broken edit is reported exactly once"
grep -q "configuration reloaded" "$T/err" || fail "reloads are not logged: $(cat "$T/err")"
