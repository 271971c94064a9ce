#!/bin/sh
# TCP Fast Open connects without connect(): sendto()/sendmsg() with
# MSG_FASTOPEN on an unconnected socket. With the breaker forced open
# these are rejected like a connect (ECONNREFUSED, nothing reaches the
# port), and so is connect() on a socket with TCP_FASTOPEN_CONNECT; once
# reset, a Fast Open send that connects counts as a success. Ordinary
# sends (UDP sendto) pass through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3
[ "$(($(cat /proc/sys/net/ipv4/tcp_fastopen) & 1))" = 1 ] || skip "TCP Fast Open client side disabled"

cat >"$T/tfo.py" <<'PY'
import errno, socket, sys
port, how = int(sys.argv[1]), sys.argv[2]
addr = ("127.0.0.1", port)
s = socket.socket()
try:
    if how == "sendto":
        s.sendto(b"x", socket.MSG_FASTOPEN, addr)
    elif how == "sendmsg":
        s.sendmsg([b"x"], [], socket.MSG_FASTOPEN, addr)
    elif how == "connect_opt":
        s.setsockopt(socket.IPPROTO_TCP, 30, 1)  # TCP_FASTOPEN_CONNECT
        s.connect(addr)
        s.send(b"x")
    else:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"x", addr)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
R=$(free_port)
start_listener svc "$R"
conn_config "$T/c.ini" "127.0.0.1:$R"
cbreaker -c "$T/c.ini" force-open svc >/dev/null
for how in sendto sendmsg connect_opt; do
	assert_eq "$(shim "$T/c.ini" python3 "$T/tfo.py" "$R" "$how" 2>/dev/null)" ECONNREFUSED "$how while forced open"
done
assert_eq "$(shim "$T/c.ini" python3 "$T/tfo.py" "$R" udp 2>/dev/null)" OK "UDP sendto passes through"
assert_eq "$(accepted svc)" 0 "connections that reached the port while forced open"
assert_eq "$(breaker_field "$T/c.ini" rejected)" 3 "rejections counted"

cbreaker -c "$T/c.ini" reset svc >/dev/null
for how in sendto sendmsg; do
	assert_eq "$(shim "$T/c.ini" python3 "$T/tfo.py" "$R" "$how" 2>/dev/null)" OK "$how once reset"
done
wait_until 5 test "$(accepted svc)" -ge 2
assert_eq "$(breaker_field "$T/c.ini" successes)" 2 "Fast Open connects counted"
exit 0
