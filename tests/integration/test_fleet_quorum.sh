#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode, quorum 2: one host's report is held back (counted as
# suppressed by the quorum), a second host's report meets it; the opening
# then lasts the reports' remaining time capped by max_open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
start_redis
host a 1
host b 1
host c 2 "max_open = 3s"
start_agent a
start_agent b
start_agent c

fails a
wait_until 5 counter_at_least c "f['suppressed']['quorum']" 1
state_is c closed || fail "one report opened c despite quorum 2"
# b hears a's report with quorum 1: a host with quorum 1 is not c.
wait_until 5 fleet_open b
state_is c closed || fail "b's fleet opening counted as a report on c"
"$TOOL" -c "$T/b.ini" reset api >/dev/null
fails b
wait_until 5 fleet_open c
by=$(js c "' '.join(sorted(b['opened_by']))")
assert_eq "$by" "host-a host-b" "opened_by on c"
# The cap: 20 s reported, at most 3 s here.
left=$(js c "__import__('datetime').datetime.strptime(b['retry_at'], '%Y-%m-%dT%H:%M:%S.%fZ').timestamp() - __import__('time').time()")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 3.05 else 1)" "$left" ||
	fail "max_open: c holds the opening ${left}s"
assert_eq "$(js c "f['applied']")" 1 "applications on c"
echo ok
