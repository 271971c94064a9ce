#!/bin/sh
# A program started with stderr closed: its first socket gets descriptor 2.
# A state-change line must not be written into that connection.
. "$(dirname "$0")/lib.sh"

start_server web http
R=$(free_port)
write_config "$T/s.ini" <<EOF
[global]
state_file = $T/state
[dead]
hosts = 127.0.0.1:$R
failure_threshold = 1
EOF
cat >"$T/client.py" <<'PY'
import os, socket, sys
web, dead = int(sys.argv[1]), int(sys.argv[2])
os.close(2)  # as if started with 2>&- (Python itself reopens a closed fd 2)
conn = socket.socket()
assert conn.fileno() == 2, conn.fileno()
conn.connect(("127.0.0.1", web))
for _ in range(2):  # the first failure opens the breaker: a log line
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", dead))
    except OSError:
        pass
    s.close()
conn.sendall(b"GET /hello HTTP/1.0\r\n\r\n")
reply = b""
while True:
    chunk = conn.recv(4096)
    if not chunk:
        break
    reply += chunk
os.write(1, reply.split(b"\r\n", 1)[0] + b"\n")
PY
shim "$T/s.ini" python3 "$T/client.py" "$web_PORT" "$R" >"$T/out" 2>/dev/null || fail "client failed: $(cat "$T/out")"
assert_eq "$(cat "$T/out")" "HTTP/1.1 200 OK" "the request on descriptor 2 reached the server intact"
"$TOOL" -c "$T/s.ini" status dead --json | grep -q '"state":"open"' || fail "the breaker did not open"
