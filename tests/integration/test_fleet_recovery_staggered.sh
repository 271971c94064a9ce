#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode: four hosts apply one opening; their open times are spread
# (jitter, else 10%), so they do not all probe in the same instant, and
# none holds longer than the report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
start_redis
for h in a b c d e; do host $h 1; done
for h in a b c d e; do start_agent $h; done
fails a
for h in b c d e; do wait_until 5 fleet_open $h; done
ref=$(js a "b['retry_at']")
times=""
for h in b c d e; do times="$times $(js $h "b['retry_at']")"; done
# shellcheck disable=SC2086
python3 -c 'import sys, datetime as d
p = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
ref, ts = p(sys.argv[1]), sorted(p(s) for s in sys.argv[2:])
print("spread %.3fs over %d hosts" % (ts[-1] - ts[0], len(ts)))
sys.exit(0 if ts[-1] - ts[0] >= 0.05 and len(set(ts)) == len(ts) and ts[-1] <= ref + 0.01 else 1)' "$ref" $times ||
	fail "recovery not staggered, or longer than the report: $ref /$times"
echo ok
