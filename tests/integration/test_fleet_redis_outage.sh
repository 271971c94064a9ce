#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode with Redis stopped (SIGSTOP) and killed: protected programs'
# connects keep their latency (nothing in a program waits on Redis), the
# agents say disconnected, an opening applied before expires on its own,
# and once Redis is back they reconnect and resynchronise: an opening made
# while it was gone reaches the other host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
OPEN_TIMEOUT=3s
start_redis
host a 1
host b 1
start_agent a
start_agent b
start_server up http
# b's program: connects to a live server every 20 ms, prints each latency.
LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/b.ini" python3 -c '
import socket, sys, time
end = time.monotonic() + 60
while time.monotonic() < end:
    t = time.monotonic(); s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5); s.close()
    print("%.1f" % ((time.monotonic() - t) * 1000), flush=True); time.sleep(0.02)' "$up_PORT" >"$T/latency" &
CB_PIDS="$CB_PIDS $!"
wait_until 5 test -s "$T/latency"

fails a
wait_until 5 fleet_open b
kill -STOP "$REDIS_PID"
mark=$(wc -l <"$T/latency")
wait_until 10 fleet_is b link disconnected
wait_until 10 fleet_is a link disconnected
"$TOOL" -c "$T/b.ini" status | grep -q "fleet: disconnected since" || fail "table: disconnected"
# The opening applied before the outage ends at its deadline all the same.
wait_until 8 sh -c "LD_PRELOAD='$LIB' CBREAKER_CONFIG='$T/b.ini' '$CONNECTOR' block $DEAD 1 >/dev/null; \"\$0\" -c '$T/b.ini' status --json | grep -q '\"failures\":1'" "$TOOL"
kill -CONT "$REDIS_PID"
wait_until 15 fleet_is b link connected
stop_redis
wait_until 10 fleet_is b link disconnected
"$TOOL" -c "$T/a.ini" reset api >/dev/null
"$TOOL" -c "$T/b.ini" reset api >/dev/null
fails a # opened while Redis is down: published once it is back
sleep 0.5
mark2=$(wc -l <"$T/latency")
python3 -c 'import sys
ms = [float(x) for x in open(sys.argv[1]).read().split()[int(sys.argv[2]):int(sys.argv[3])]]
print("connect latency during the outage: %d connects, max %.1f ms" % (len(ms), max(ms)))
sys.exit(0 if len(ms) >= 20 and max(ms) < 250 else 1)' "$T/latency" "$mark" "$mark2" ||
	fail "protected connects slowed down while Redis was stopped or dead"
start_redis
wait_until 20 fleet_is a link connected
wait_until 20 fleet_is b link connected
counter_at_least b "f['reconnects']" 2 || fail "reconnects not counted"
# b heard a's opening made during the outage (held back by the mute of
# b's own reset): a republished it, b resynchronised.
wait_until 5 counter_at_least b "f['suppressed']['mute']" 1
echo ok
