#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode against hostile or broken publishers (redis-cli PUBLISH and
# SET): malformed, foreign-version, oversized messages and keys are refused
# and counted; a duplicated message applies once; a reordered (older)
# one is ignored; the agent never crashes or hangs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
start_redis
host b 1
start_agent b
ch=cbreaker:default:events
pub() { rcli publish "$ch" "$1" >/dev/null; }

pub "cb1 open evil api"
pub "cb2 open evil api 5 3000"
pub "cb1 open evil api 5 -3000"
pub "cb1 open ev:il api 5 3000"
pub "cb1 open evil api 5 3000 extra"
pub "$(python3 -c 'print("cb1 open evil api 5 " + "9" * 400)')"
python3 -c 'print("cb1 open evil api 5 3000 " + "x" * (1 << 20))' >"$T/big"
rcli -x publish "$ch" <"$T/big" >/dev/null
wait_until 5 counter_at_least b "f['messages_rejected']" 7
state_is b closed || fail "a malformed message opened the breaker"
kill -0 "$b_AGENT" || fail "the agent died on bad input"

# The same valid message three times: one application.
for _ in 1 2 3; do pub "cb1 open host-x api 7 4000"; done
wait_until 5 fleet_open b
assert_eq "$(js b "b['transitions']['open']")" 1 "openings from a triplicated message"
# After host-x's closing, its late duplicate and an older (reordered)
# opening are stale: not even counted as held back by the local opening,
# as a new report would be.
local0=$(js b "f['suppressed']['local']")
pub "cb1 close host-x api 7"
pub "cb1 open host-x api 7 4000"
pub "cb1 open host-x api 6 4000"
pub "cb1 open host-y api 1 4000"
wait_until 5 counter_at_least b "f['suppressed']['local']" $((local0 + 1))
assert_eq "$(js b "f['suppressed']['local']")" $((local0 + 1)) "stale messages counted as reports"
assert_eq "$(js b "b['transitions']['open']")" 1 "openings after stale messages"

# Keys: garbage values, a foreign key shape, a key without expiry; the
# snapshot taken when the agent (re)connects refuses them all.
rcli set cbreaker:default:open:api:evil "nonsense" px 30000 >/dev/null
rcli set "cbreaker:default:open:api:e:vil" "cb1 3" px 30000 >/dev/null
rcli set cbreaker:default:open:api:forever "cb1 3" >/dev/null
rcli rpush cbreaker:default:open:api:alist x >/dev/null
before=$(js b "f['messages_rejected']")
kill "$b_AGENT"
wait "$b_AGENT" 2>/dev/null || true
start_agent b
wait_until 5 counter_at_least b "f['messages_rejected']" $((before + 2))
assert_eq "$(js b "b['transitions']['open']")" 1 "openings after bad keys"
grep -q "stopping" "$T/b.agent.log" || fail "the agent did not stop cleanly on SIGTERM"
echo ok
