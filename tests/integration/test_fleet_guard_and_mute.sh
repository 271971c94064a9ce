#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode's guard rails: the fleet may not open more than half of this
# host's breakers (the agent stops applying and warns), and a local reset
# mutes fleet openings of that breaker for a minute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
start_redis
# shellcheck disable=SC2034 # read by host() in fleet_lib.sh
MORE_BREAKERS="[b2]
hosts = 127.0.0.1:$(free_port)
[b3]
hosts = 127.0.0.1:$(free_port)
[b4]
hosts = 127.0.0.1:$(free_port)"
host b 1
start_agent b
ch=cbreaker:default:events
for n in api b2 b3 b4; do rcli publish "$ch" "cb1 open host-x $n 1 30000" >/dev/null; done
wait_until 5 counter_at_least b "f['suppressed']['cap']" 2
opened=$("$TOOL" -c "$T/b.ini" status --json | python3 -c 'import json,sys; print(sum(b["state"] == "open" for b in json.load(sys.stdin)["breakers"]))')
assert_eq "$opened" 2 "breakers the fleet opened out of 4"
grep -q "more than half" "$T/b.agent.log" || fail "no warning from the guard rail"

# Mute: api reset here; a new opening reported within the minute is held.
"$TOOL" -c "$T/b.ini" reset --all >/dev/null
rcli publish "$ch" "cb1 open host-x api 2 30000" >/dev/null
wait_until 5 counter_at_least b "f['suppressed']['mute']" 1
state_is b closed || fail "a fleet opening within a minute of the reset"
echo ok
