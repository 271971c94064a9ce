#!/bin/sh
# What no breaker protects goes straight through, even while a breaker is
# open: another port on the same address, UDP (connect + send to the very
# host:port the breaker covers), and Unix sockets. errno is what the kernel
# said.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3

R=$(free_port)
start_server live http
conn_config "$T/c.ini" "127.0.0.1:$R" open_timeout=30s
connector "$T/c.ini" block "$R" 3 >"$T/out" 2>"$T/err"
opened "$T/err" || fail "the breaker should be open"

cat >"$T/others.py" <<'PY'
import errno, os, socket, sys
port, live, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", port))
u.send(b"x")
print("udp OK")
lst = socket.socket(socket.AF_UNIX)
lst.bind(path)
lst.listen(1)
c = socket.socket(socket.AF_UNIX)
c.connect(path)
print("unix OK")
t = socket.socket()
t.connect(("127.0.0.1", live))
print("unmatched OK")
t = socket.socket()
try:
    t.connect(("127.0.0.1", port + 1 if port < 65535 else port - 1))
    print("neighbour OK")
except OSError as e:
    print("neighbour", errno.errorcode[e.errno])
PY
shim "$T/c.ini" python3 "$T/others.py" "$R" "$live_PORT" "$T/unix.sock" >"$T/out" 2>"$T/err2" ||
	fail "pass-through traffic failed: $(cat "$T/out" "$T/err2")"
grep -q "udp OK" "$T/out" || fail "UDP to the protected host:port should pass"
grep -q "unix OK" "$T/out" || fail "Unix socket should pass"
grep -q "unmatched OK" "$T/out" || fail "unmatched TCP should pass"
grep -q "neighbour ECONNREFUSED" "$T/out" || fail "the neighbouring port: $(cat "$T/out")"
[ ! -s "$T/err2" ] || fail "pass-through traffic should log nothing: $(cat "$T/err2")"
exit 0
