#!/bin/sh
# A connection that was established and exchanged data, then reset by the
# peer, is a success even when the program learned the connect's result by
# writability alone (select, no SO_ERROR read): at close() TCP_INFO shows
# CLOSE, as after a refusal, but the counters show the handshake. Three
# such connections against failure_threshold 2 leave the breaker closed.
. "$(dirname "$0")/lib.sh"
need python3

cat >"$T/rst_server.py" <<'PY'
import socket, struct, sys
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
ls.settimeout(20)
for _ in range(int(sys.argv[2])):
    c, _ = ls.accept()
    c.settimeout(10)
    assert c.recv(100) == b"ping"
    c.sendall(b"pong")
    assert c.recv(100) == b"got"  # the client has read the reply
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()  # RST
PY

cat >"$T/client.py" <<'PY'
import errno, select, socket, sys
port = int(sys.argv[1])
for _ in range(3):
    s = socket.socket()
    s.setblocking(False)
    e = s.connect_ex(("127.0.0.1", port))
    assert e in (0, errno.EINPROGRESS), errno.errorcode.get(e, e)
    _, w, _ = select.select([], [s], [], 5)
    assert w, "not writable"
    s.setblocking(True)
    s.settimeout(5)
    s.sendall(b"ping")
    assert s.recv(100) == b"pong"
    s.sendall(b"got")
    try:
        end = s.recv(100)
        assert end == b"", end
    except ConnectionResetError:
        pass
    s.close()
print("done", flush=True)
PY

python3 "$T/rst_server.py" "$T/port" 3 >"$T/server.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -s "$T/port"
P=$(cat "$T/port")
write_config "$T/r.ini" <<EOF
[global]
state_file = $T/run/state
socket = $T/run/ctl.sock
[svc]
hosts = 127.0.0.1:$P
failure_threshold = 2
EOF

shim "$T/r.ini" python3 "$T/client.py" "$P" >"$T/out" 2>"$T/err" || fail "client: $(cat "$T/err")"
grep -q "done" "$T/out" || fail "client did not finish"
cbreaker -c "$T/r.ini" status --json >"$T/status.json" || fail "status --json exit $?"
python3 - "$T/status.json" <<'PY' || fail "reset after data counted as failure: $(cat "$T/status.json")"
import json, sys
b = [b for b in json.load(open(sys.argv[1]))["breakers"] if b["name"] == "svc"][0]
sys.exit(0 if (b["successes"], b["failures"], b["state"]) == (3, 0, "closed") else 1)
PY
