#!/bin/sh
# Happy eyeballs, the concurrent race: dual.test has two addresses, ::1
# and 127.0.0.1 (a private mount namespace with its own /etc/hosts), and
# its service answers on IPv4 only, while [::1] on the same port drops
# SYNs. python3's asyncio (happy_eyeballs_delay) starts ::1 first, starts
# IPv4 after 100 ms, and when IPv4 connects closes the ::1 socket still
# pending. That loser is not a failure of the service (README "What the
# shim intercepts", close()): with failure_threshold = 1 the breaker stays
# closed, run after run, and counts no failure. The client reports, from TCP_INFO at its
# close(), that the loser really was pending, so the test cannot pass
# without a race.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3 unshare mount
[ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback"

start_server web http
start_server hang6 hang "$web_PORT" ::1
printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
conn_config "$T/c.ini" "dual.test:$web_PORT" failure_threshold=1

cat >"$T/race.py" <<'PY'
import asyncio, socket, sys

# Which sockets were closed while their connect was pending (TCP_INFO's
# tcpi_state, the first byte: 2 is SYN_SENT).
pending_closed = []
real_close = socket.socket.close
def close(self):
    if self.fileno() >= 0 and self.type == socket.SOCK_STREAM:
        try:
            if self.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] == 2:
                pending_closed.append("v6" if self.family == socket.AF_INET6 else "v4")
        except OSError:
            pass
    real_close(self)
socket.socket.close = close

async def main(host, port):
    reader, writer = await asyncio.open_connection(host, port, happy_eyeballs_delay=0.1)
    peer = writer.get_extra_info("peername")[0]
    writer.write(b"GET / HTTP/1.0\r\nHost: dual.test\r\n\r\n")
    status = (await reader.readline()).split()[1].decode()
    writer.close()
    await writer.wait_closed()
    print(peer, status, "pending-closed:" + (",".join(pending_closed) or "-"), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
PY

# race - one asyncio client under the shim, with dual.test from $T/hosts.
race() {
	with_hosts "$T/hosts" env LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/c.ini" python3 "$T/race.py" dual.test "$web_PORT"
}

for i in 1 2 3; do
	race >"$T/out" 2>"$T/err" || fail "race $i: the client failed: $(cat "$T/err")"
	assert_eq "$(cat "$T/out")" "127.0.0.1 200 pending-closed:v6" "race $i: IPv4 wins, the pending ::1 is closed"
	opened "$T/err" && fail "race $i: the closed loser opened the breaker: $(cat "$T/err")"
done
cbreaker -c "$T/c.ini" status svc --json >"$T/status.json"
python3 - "$T/status.json" <<'PY' || fail "the losers counted: $(cat "$T/status.json")"
import json, sys
b = json.load(open(sys.argv[1]))["breakers"][0]
sys.exit(0 if (b["state"], b["successes"], b["failures"]) == ("closed", 3, 0) else 1)
PY
exit 0
