#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode across hosts whose CLOCK_MONOTONIC differ by a day (a time
# namespace, `unshare --time`, for b's agent and programs): only durations
# cross hosts, so b's opening ends when a's does, by the wall clock.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
unshare --time --fork --kill-child --monotonic 86400 true 2>/dev/null ||
	skip "this kernel or container does not allow time namespaces (unshare --time)"
start_redis
host a 1
host b 1
start_agent a
start_agent b unshare --time --fork --kill-child --monotonic 86400
mono='import time; print(int(time.monotonic()))'
b_mono=$(unshare --time --fork --kill-child --monotonic 86400 python3 -c "$mono")
a_mono=$(python3 -c "$mono")
[ $((b_mono - a_mono)) -ge 86000 ] || fail "the namespace did not shift the clock"
fails a
wait_until 5 sh -c "unshare --time --fork --kill-child --monotonic 86400 '$TOOL' -c '$T/b.ini' status --json | grep -q '\"opened_by\":\\[\"host-a\"\\]'"
ra=$(js a "b['retry_at']")
rb=$(unshare --time --fork --kill-child --monotonic 86400 "$TOOL" -c "$T/b.ini" status --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["breakers"][0]["retry_at"])')
python3 -c 'import sys, datetime as d
p = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
diff = (p(sys.argv[1]) - p(sys.argv[2])).total_seconds()
print("b ends %.3fs before a" % diff)
sys.exit(0 if 0 <= diff < 2.5 else 1)' "$ra" "$rb" || fail "b's opening does not end with a's: $ra vs $rb"
# unshare forwards no signal: the agent it runs is stopped by its own pid.
kill "$(cat "/proc/$b_AGENT/task/$b_AGENT/children")"
echo ok
