#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode: the reporting host's agent is killed. Its key still expires
# with the open time, the remote opening ends at its own deadline (then
# the breaker probes for itself), and the dead agent's status says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
OPEN_TIMEOUT=4s
start_redis
host a 1
host b 1
start_agent a
start_agent b
fails a
wait_until 5 fleet_open b
kill -9 "$a_AGENT"
assert_eq "$(rcli exists cbreaker:default:open:api:host-a)" 1 "a's key right after its agent died"
deadline=$(js b "b['retry_at']")
# The key goes by itself (PX), with nobody left to delete it.
wait_until 8 sh -c "[ \"\$(redis-cli -p $REDIS_PORT exists cbreaker:default:open:api:host-a)\" = 0 ]"
# b rejects until its deadline, then lets a probe through: the dead
# backend refuses it, and b is open again on its own evidence.
wait_until 8 sh -c "LD_PRELOAD='$LIB' CBREAKER_CONFIG='$T/b.ini' '$CONNECTOR' block $DEAD 1 >/dev/null; [ \"\$(python3 -c 'import json,sys; print(json.load(sys.stdin)[\"breakers\"][0][\"failures\"])' <<J
\$('$TOOL' -c '$T/b.ini' status --json)
J
)\" = 1 ]"
probed=$(js b "b['last_failure']['time']")
python3 -c 'import sys, datetime as d
p = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
late = (p(sys.argv[2]) - p(sys.argv[1])).total_seconds()
print("first probe %.3fs after the deadline" % late)
sys.exit(0 if -0.05 <= late < 1.5 else 1)' "$deadline" "$probed" || fail "b's opening did not end at its deadline"
[ "$(js b "b['opened_by']")" = None ] || fail "b's reopening is still called the fleet's"
wait_until 8 fleet_is a link not_running
"$TOOL" -c "$T/a.ini" status | grep -q "fleet: agent not running" || fail "table: agent not running"
echo ok
