#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode, quorum 1: one host's opening opens the breaker on another
# (cause fleet, opened_by), once per transition: one message for the
# opening and one for the closing, none from the host that applied it (no
# publish loop); the key expires with the open time and closing deletes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
start_redis
host a 1
host b 1
rcli subscribe cbreaker:default:events >"$T/channel" &
CB_PIDS="$CB_PIDS $!"
wait_until 10 grep -q subscribe "$T/channel"
start_agent a
start_agent b
"$TOOL" -c "$T/b.ini" events >"$T/b.events" 2>/dev/null &
CB_PIDS="$CB_PIDS $!"

fails a
state_is a open || fail "host a did not open"
wait_until 5 fleet_open b
assert_eq "$(js b "b['opened_by']")" "['host-a']" "opened_by on b"
wait_until 5 grep -q '"cause":"fleet"' "$T/b.events"

# Propagation: a's opening to b's (after which b rejects every call).
t_a=$("$TOOL" -c "$T/a.ini" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["breakers"][0]["opened_at"])')
t_b=$(js b "b['opened_at']")
python3 -c 'import sys, datetime as d
p = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
print("propagation: %d ms" % ((p(sys.argv[2]) - p(sys.argv[1])).total_seconds() * 1000))' "$t_a" "$t_b"
before=$(js b "b['rejected']")
fails b 1
assert_eq "$(js b "b['rejected']")" "$((before + 1))" "b rejects without trying"

# The key: one per breaker and host, expiring with the open time.
ttl=$(rcli pttl cbreaker:default:open:api:host-a)
if [ "$ttl" -le 0 ] || [ "$ttl" -gt 20000 ]; then fail "key TTL $ttl not within the open time"; fi
assert_eq "$(rcli exists cbreaker:default:open:api:host-b)" 0 "b published the fleet's opening"

# Closing on a deletes its key and says so, once; b stays as it is (a
# remote closing never closes a breaker here).
"$TOOL" -c "$T/a.ini" reset api >/dev/null
wait_until 5 sh -c "[ \"\$(redis-cli -p $REDIS_PORT exists cbreaker:default:open:api:host-a)\" = 0 ]"
wait_until 5 grep -q "cb1 close host-a api" "$T/channel"
state_is b open || fail "a remote closing closed b"
assert_eq "$(grep -c '^cb1 open host-a api' "$T/channel")" 1 "open messages from a"
assert_eq "$(grep -c '^cb1 close host-a api' "$T/channel")" 1 "close messages from a"
assert_eq "$(grep -c 'host-b' "$T/channel")" 0 "messages from b (a publish loop)"
metrics=$("$TOOL" -c "$T/b.ini" metrics)
echo "$metrics" | grep -q '^cbreaker_fleet_connected 1$' || fail "metrics: link"
echo "$metrics" | grep -q '^cbreaker_fleet_applied_total 1$' || fail "metrics: applied"
if command -v promtool >/dev/null 2>&1; then
	echo "$metrics" | promtool check metrics || fail "promtool refuses the fleet metrics"
fi
echo "ok"
