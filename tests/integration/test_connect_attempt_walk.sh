#!/bin/sh
# The attempt rule (README "How calls are judged"): a name on both
# families (::1 and 127.0.0.1, as Debian's localhost line) whose service
# listens on IPv4 only. Python create_connection, wget, ssh and node try
# ::1, are refused, then connect to 127.0.0.1: no failure is counted, so a
# failure_rate breaker stays closed. After an outage the half-open probe
# is the ::1 attempt, refused, and the walk carries the probe on to
# 127.0.0.1, whose success closes the breaker (it used to reopen forever).
# The name comes from a private /etc/hosts (a mount namespace).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3 wget ssh node
private_hosts "::1 walk.test" "127.0.0.1 walk.test"
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback"

start_server web http
P=$web_PORT
conn_config "$T/c.ini" "walk.test:$P" failure_rate=50% min_calls=2 failure_threshold=2 open_timeout=1s
cat >"$T/walk.py" <<'PY'
import socket, sys
try:
    socket.create_connection(("walk.test", int(sys.argv[1])), timeout=2).close()
    print("OK")
except OSError as e:
    print("FAIL", e)
PY
cat >"$T/walk.js" <<'JS'
const s = require("net").connect({host: "walk.test", port: +process.argv[2], autoSelectFamily: true});
s.on("connect", () => { console.log("OK"); s.destroy(); });
s.on("error", (e) => { console.log("FAIL", e.code); });
JS
py() { shim "$T/c.ini" python3 "$T/walk.py" "$P"; }

for i in 1 2 3; do
	assert_eq "$(py 2>>"$T/err")" OK "python create_connection $i"
done
shim "$T/c.ini" wget -q --tries=1 --timeout=2 --no-proxy -O /dev/null "http://walk.test:$P/" 2>>"$T/err" ||
	fail "wget through the walk"
# ssh speaks to an HTTP server: the banner exchange fails, the connect
# (what the breaker judges) succeeds.
shim "$T/c.ini" ssh -F /dev/null -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -p "$P" walk.test true >"$T/ssh.out" 2>&1 || true
grep -q "Connection refused" "$T/ssh.out" && fail "ssh did not walk on to 127.0.0.1: $(cat "$T/ssh.out")"
assert_eq "$(shim "$T/c.ini" node "$T/walk.js" "$P" 2>>"$T/err")" OK "node autoSelectFamily"
assert_eq "$(breaker_field "$T/c.ini" failures)" 0 "failures counted for healthy walks"
assert_eq "$(breaker_field "$T/c.ini" state)" closed "state after healthy walks"
[ "$(breaker_field "$T/c.ini" successes)" -ge 6 ] || fail "each walk's success should count"

# Outage: both addresses refused, each walk fails, the breaker opens.
stop_server web
py >/dev/null 2>>"$T/err"
py >/dev/null 2>>"$T/err"
assert_eq "$(breaker_field "$T/c.ini" state)" open "state after two failed walks"
# Recovery: the service is back on IPv4; the probe walks from ::1 to it.
python3 "$SERVER" http "$T/web2.port" "$P" >"$T/web2.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -s "$T/web2.port"
wait_until 10 sh -c "LD_PRELOAD=$LIB CBREAKER_CONFIG=$T/c.ini python3 $T/walk.py $P | grep -q OK"
assert_eq "$(breaker_field "$T/c.ini" state)" closed "state after the service came back"
exit 0
