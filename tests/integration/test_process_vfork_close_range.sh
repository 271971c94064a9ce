#!/bin/sh
# CPython's subprocess starts children with vfork, and the child runs
# close_range(3, ...) before exec. The child shares the parent's memory, so
# it must leave the parent's connects in flight alone: three connects
# hanging, two subprocess.run() calls, and the breaker (threshold 3) has
# seen no failure while the connects are still under way.
. "$(dirname "$0")/lib.sh"
need python3

start_server hang hang
write_config "$T/v.ini" <<EOF
[global]
state_file = $T/run/state
socket = $T/run/ctl.sock
[svc]
hosts = 127.0.0.1:$hang_PORT
failure_threshold = 3
connect_timeout = 60s
EOF

cat >"$T/client.py" <<'PY'
import errno, os, socket, subprocess, sys, time
port, go = int(sys.argv[1]), sys.argv[2]
socks = []
for _ in range(3):
    s = socket.socket()
    s.setblocking(False)
    e = s.connect_ex(("127.0.0.1", port))
    assert e == errno.EINPROGRESS, errno.errorcode.get(e, e)
    socks.append(s)
for _ in range(2):
    subprocess.run(["true"], check=True)
print("spawned", flush=True)
end = time.monotonic() + 20
while not os.path.exists(go) and time.monotonic() < end:
    time.sleep(0.05)
for s in socks:
    s.close()
print("done", flush=True)
PY

shim "$T/v.ini" python3 "$T/client.py" "$hang_PORT" "$T/go" >"$T/out" 2>"$T/err" &
client=$!
CB_PIDS="$CB_PIDS $client"
wait_until 10 grep -q spawned "$T/out"

cbreaker -c "$T/v.ini" status --json >"$T/status.json" || fail "status --json exit $?"
python3 - "$T/status.json" <<'PY' || fail "the vfork child settled the parent's connects: $(cat "$T/status.json")"
import json, sys
b = [b for b in json.load(open(sys.argv[1]))["breakers"] if b["name"] == "svc"][0]
sys.exit(0 if b["failures"] == 0 and b["state"] == "closed" else 1)
PY
touch "$T/go"
wait "$client" || fail "client failed: $(cat "$T/err")"
grep -q "done" "$T/out" || fail "client did not finish"
