# shellcheck shell=sh
# fleet_lib.sh - sourced after lib.sh by the test_fleet_*.sh tests: one
# redis-server on 127.0.0.1 at a free port, started and stopped by its pid,
# and several "hosts" on this machine, each a configuration, a state file
# and an agent of its own with a distinct host_id (README "Fleet mode").
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
	skip "redis-server and redis-cli are not installed (make deps installs redis-server redis-tools)"
fi
CONNECTOR=$HELPERS/connector
REDIS_PORT=$(free_port)
DEAD=$(free_port) # the backend every host finds refusing

rcli() {
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

# start_redis - redis-server in the foreground of a background job (its
# pid in REDIS_PID), nothing saved to disk.
start_redis() {
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$T" >>"$T/redis.log" 2>&1 &
	REDIS_PID=$!
	CB_PIDS="$CB_PIDS $REDIS_PID"
	wait_until 10 rcli ping
}

stop_redis() {
	kill -9 "$REDIS_PID" 2>/dev/null || true
	wait "$REDIS_PID" 2>/dev/null || true
}

# host NAME QUORUM [FLEET_LINES] - writes $T/NAME.ini: one breaker `api`
# on the dead backend (opens after 2 failures, for $OPEN_TIMEOUT), any
# further breakers in $MORE_BREAKERS, and FLEET_LINES in [fleet].
host() {
	cat >"$T/$1.ini" <<INI
[global]
state_file = $T/run/$1.state
socket = off
[fleet]
redis = 127.0.0.1:$REDIS_PORT
host_id = host-$1
quorum = $2
${3:-}
[api]
hosts = 127.0.0.1:$DEAD
failure_threshold = 2
open_timeout = ${OPEN_TIMEOUT:-20s}
${MORE_BREAKERS:-}
INI
}

# start_agent NAME [WRAPPER...] - `cbreaker fleet` for host NAME (its pid
# in NAME_AGENT), then waits until its status says connected.
start_agent() {
	_h=$1
	shift
	"$@" "$TOOL" fleet -c "$T/$_h.ini" >>"$T/$_h.agent.log" 2>&1 &
	CB_PIDS="$CB_PIDS $!"
	eval "${_h}_AGENT=$!"
	wait_until 10 fleet_is "$_h" link connected
}

# fails NAME [COUNT] - COUNT (2) refused connects to the dead backend under
# host NAME's shim: enough to open `api` there.
fails() {
	LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/$1.ini" "$CONNECTOR" block "$DEAD" "${2:-2}" >/dev/null
}

# js NAME EXPR - a Python expression over host NAME's `status --json`
# (s: the page, b: breaker `api`, f: its fleet part).
js() {
	"$TOOL" -c "$T/$1.ini" status --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
b = {x["name"]: x for x in s["breakers"]}.get("api")
f = s.get("fleet")
print(eval(sys.argv[1]))' "$2"
}

fleet_is() { [ "$(js "$1" "f['$2']")" = "$3" ]; }
state_is() { [ "$(js "$1" "b['state']")" = "$2" ]; }
# fleet_open NAME - `api` is open there by the fleet's opening.
fleet_open() { [ "$(js "$1" "b['state'] == 'open' and b['opened_by'] is not None")" = True ]; }
counter_at_least() { [ "$(js "$1" "$2")" -ge "$3" ]; }
