#!/bin/sh
# With state_file = none and a `%p` socket pattern, the read commands
# without -s go to every live process's socket, as `status` does (SPEC
# §8): `metrics` merges them into one exposition that promtool accepts,
# each sample labelled with its process's pid (also with --listen);
# `events` follows every process, a later one too, each event naming its
# pid; `watch` draws each process's table under `== pid N`. A killed
# process's socket is passed over; when no process answers, each says so,
# naming the sockets it looked for, and exits 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 promtool

start_server up http
DEAD=$(free_port)
write_config "$T/cb.ini" <<EOF
[global]
state_file = none
socket = $T/run/cb-%p.sock
[api]
hosts = 127.0.0.1:$DEAD 127.0.0.1:$up_PORT
failure_threshold = 3
open_timeout = 60s
EOF
export CBREAKER_CONFIG="$T/cb.ini"
GLOB="$T/run/cb-*.sock"
# a's calls are refused (its breaker opens), b's reach the server.
start_protected a "$T/cb.ini" "$DEAD"
start_protected b "$T/cb.ini" "$up_PORT"
wait_until 10 test -S "$T/run/cb-$a_PID.sock"
wait_until 10 test -S "$T/run/cb-$b_PID.sock"
# shellcheck disable=SC2317 # called through wait_until
state_at() { # PID STATE - the process's breaker is in STATE
	[ "$(cbreaker status -s "$T/run/cb-$1.sock" --json | json_state)" = "$2" ]
}
wait_until 10 state_at "$a_PID" open
wait_until 10 state_at "$b_PID" closed
# --check counts every process's breakers, not only the last one's (b,
# started after a, has the larger pid and its socket comes last).
set +e
cbreaker status --check >/dev/null 2>&1
rc=$?
set -e
assert_eq "$rc" 3 "status --check with a's breaker open and b's closed"

# metrics: one exposition, each family once, each sample with its pid.
cbreaker metrics >"$T/m" 2>"$T/err" || fail "metrics without -s: $(cat "$T/err")"
check_metrics "$T/m"
grep -qx "cbreaker_state{pid=\"$a_PID\",breaker=\"api\",state=\"open\"} 1" "$T/m" ||
	fail "a's open breaker: $(cat "$T/m")"
grep -qx "cbreaker_state{pid=\"$b_PID\",breaker=\"api\",state=\"closed\"} 1" "$T/m" ||
	fail "b's closed breaker: $(cat "$T/m")"
assert_eq "$(grep -c '^# TYPE cbreaker_state ' "$T/m")" 1 "TYPE lines of cbreaker_state"
assert_eq "$(grep -c '^cbreaker_build_info' "$T/m")" 1 "build_info samples"
grep -v '^#' "$T/m" | grep -v '^cbreaker_build_info' | grep -v '{pid="[0-9]*",' &&
	fail "samples without a pid label"

# metrics --listen serves the same merge.
"$TOOL" metrics --listen 127.0.0.1:0 2>"$T/listen.err" &
MPID=$!
CB_PIDS="$CB_PIDS $MPID"
wait_until 10 grep -q 'serving http://' "$T/listen.err"
URL=$(sed -n 's/.*serving //p' "$T/listen.err")
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
	"$URL" >"$T/scrape" || fail "GET $URL"
promtool check metrics <"$T/scrape" || fail "promtool rejects the scrape: $(cat "$T/scrape")"
grep -q "^cbreaker_state{pid=\"$a_PID\"," "$T/scrape" || fail "a not in the scrape"
grep -q "^cbreaker_state{pid=\"$b_PID\"," "$T/scrape" || fail "b not in the scrape"
kill -TERM "$MPID"
wait "$MPID" || fail "metrics --listen did not end with 0"

# events: every process's changes; c, started afterwards, is followed too.
"$TOOL" events >"$T/ev" 2>"$T/ev.err" &
EPID=$!
CB_PIDS="$CB_PIDS $EPID"
# The stream starts at the command's connect, which nothing shows: the
# change is made again until it is seen.
# shellcheck disable=SC2317 # called through wait_until
seen() { # PID VERB TO - VERB (force-open, disable) on PID's socket until an event shows it
	cbreaker reset api -s "$T/run/cb-$1.sock" >/dev/null
	cbreaker "$2" api -s "$T/run/cb-$1.sock" >/dev/null
	grep -q "\"pid\":$1,.*\"to\":\"$3\"" "$T/ev"
}
wait_until 10 seen "$a_PID" force-open forced_open
wait_until 10 seen "$b_PID" disable disabled
start_protected c "$T/cb.ini" "$up_PORT"
wait_until 10 test -S "$T/run/cb-$c_PID.sock"
wait_until 10 seen "$c_PID" force-open forced_open
kill -INT "$EPID"
wait "$EPID" || fail "events did not end with 0 on SIGINT: $(cat "$T/ev.err")"
python3 - "$T/ev" "$a_PID" "$b_PID" "$c_PID" <<'PY' || fail "events: $(cat "$T/ev")"
import json, sys
a, b, c = (int(p) for p in sys.argv[2:])
events = [json.loads(line) for line in open(sys.argv[1])]
assert {e["pid"] for e in events} == {a, b, c}, events
# Each change is its own process's: a and c forced theirs open, b disabled its.
for e in events:
    if e["to"] == "forced_open":
        assert e["pid"] in (a, c), e
    if e["to"] == "disabled":
        assert e["pid"] == b, e
PY

# watch: each process under its heading, redrawn.
"$TOOL" watch >"$T/w" 2>&1 &
WPID=$!
CB_PIDS="$CB_PIDS $WPID"
# shellcheck disable=SC2317 # called through wait_until
frames() { [ "$(grep -c '^cbreaker watch ' "$T/w")" -ge 2 ]; }
wait_until 10 frames
kill -INT "$WPID"
wait "$WPID" || fail "watch did not end with 0 on SIGINT"
for p in "$a_PID" "$b_PID" "$c_PID"; do
	grep -q "^== pid $p " "$T/w" || fail "watch lacks pid $p: $(cat "$T/w")"
done
grep -A3 "^== pid $b_PID " "$T/w" | grep -q disabled || fail "b's table under b: $(cat "$T/w")"

# A killed process leaves its socket behind: passed over.
kill -9 "$a_PID"
wait "$a_PID" 2>/dev/null || true
cbreaker metrics >"$T/m2" 2>"$T/err" || fail "metrics with a dead process's socket: $(cat "$T/err")"
promtool check metrics <"$T/m2" || fail "promtool: $(cat "$T/m2")"
grep -q "{pid=\"$a_PID\"" "$T/m2" && fail "the dead process in the metrics"
grep -q "{pid=\"$b_PID\"" "$T/m2" || fail "b missing: $(cat "$T/m2")"
cbreaker status --json >"$T/s.json" || fail "status --json with a dead process's socket"
python3 -c 'import json, sys; print(sorted(p["pid"] for p in json.load(open(sys.argv[1]))["processes"]))' \
	"$T/s.json" >"$T/pids" || fail "status JSON: $(cat "$T/s.json")"
assert_eq "$(cat "$T/pids")" "[$b_PID, $c_PID]" "status --json"

# None answers: every command says so, with the glob, and exits 1.
kill -9 "$b_PID" "$c_PID"
wait "$b_PID" 2>/dev/null || true
wait "$c_PID" 2>/dev/null || true
for cmd in metrics events status; do
	set +e
	cbreaker "$cmd" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "$cmd with no live process"
	grep -qF "no live process answers on $GLOB" "$T/err" || fail "$cmd's message: $(cat "$T/err")"
	[ ! -s "$T/out" ] || [ "$cmd" = status ] || fail "$cmd printed: $(cat "$T/out")"
done
"$TOOL" watch >"$T/w2" 2>&1 &
WPID=$!
CB_PIDS="$CB_PIDS $WPID"
wait_until 10 grep -qF "no live process answers on $GLOB" "$T/w2"
kill -INT "$WPID"
wait "$WPID" || fail "watch did not end with 0"
exit 0
