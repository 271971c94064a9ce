#!/bin/sh
# The socket type the shim records at socket()/dup2()/dup3() (so that a
# rejection makes no system call) follows descriptor numbers as they are
# closed and reused: with the breaker open, a UDP socket that takes a
# closed TCP socket's number, or is dup2'ed over a TCP socket, still
# passes; a TCP socket on a reused or duplicated number is still rejected
# (EHOSTUNREACH: the kernel would say ECONNREFUSED).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3

R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R" open_timeout=30s reject_errno=EHOSTUNREACH
connector "$T/c.ini" block "$R" 3 >"$T/out" 2>"$T/err"
opened "$T/err" || fail "the breaker should be open"

cat >"$T/reuse.py" <<'PY'
import errno, os, socket, sys
port = int(sys.argv[1])
dest = ("127.0.0.1", port)

def tcp_result(s):
    try:
        s.connect(dest)
        return "connected"
    except OSError as e:
        return errno.errorcode[e.errno]

t = socket.socket()
n = t.fileno()
t.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("reused", u.fileno() == n)
u.connect(dest)
u.send(b"x")
print("udp on a closed tcp number OK")

t = socket.socket()
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
os.dup2(v.fileno(), t.fileno())
t.connect(dest)
print("udp dup2'ed over tcp OK")

u.close()
t2 = socket.socket()
print("tcp on a closed udp number", tcp_result(t2))
d = socket.socket(fileno=os.dup(t2.fileno()))
print("tcp duplicated", tcp_result(d))
PY
shim "$T/c.ini" python3 "$T/reuse.py" "$R" >"$T/out" 2>"$T/err2" ||
	fail "the script failed: $(cat "$T/out" "$T/err2")"
grep -q "reused True" "$T/out" || fail "the UDP socket should reuse the number: $(cat "$T/out")"
grep -q "udp on a closed tcp number OK" "$T/out" || fail "UDP on a reused number should pass"
grep -q "udp dup2'ed over tcp OK" "$T/out" || fail "UDP dup2'ed over TCP should pass"
grep -q "tcp on a closed udp number EHOSTUNREACH" "$T/out" ||
	fail "TCP on a reused number should be rejected: $(cat "$T/out")"
grep -q "tcp duplicated EHOSTUNREACH" "$T/out" ||
	fail "a duplicated TCP socket should be rejected: $(cat "$T/out")"
exit 0
