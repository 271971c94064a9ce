#!/bin/sh
# demo.sh - `make demo`: a circuit breaker in front of plain `curl` runs,
# against a service on loopback that first hangs and then heals. Shows the
# slow failures, the breaker opening (the shim's log line), the fast
# rejections, `cbreaker status`, the probe after open_timeout and the
# breaker closing again. Everything runs in a temporary directory and is
# stopped on exit; nothing leaves 127.0.0.1.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=build}"
case "$BUILD" in /*) BDIR=$BUILD ;; *) BDIR=$ROOT/$BUILD ;; esac
LIB=$BDIR/libcbreaker.so
TOOL=$BDIR/cbreaker
SERVER=$ROOT/tests/helpers/server.py
for f in "$LIB" "$TOOL"; do
	[ -e "$f" ] || {
		echo "demo: $f is missing: run make first" >&2
		exit 1
	}
done

D=$(mktemp -d /tmp/cbreaker-demo.XXXXXX)
SERVER_PID=""
cleanup() {
	[ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
	[ -z "$SERVER_PID" ] || wait "$SERVER_PID" 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
unset LD_PRELOAD http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export no_proxy='*' NO_COLOR=1

now_ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
if [ -t 1 ]; then B=$(printf '\033[1m') N=$(printf '\033[0m'); else B='' N=''; fi
say() { printf '\n%s%s%s\n' "$B" "$*" "$N"; }

# serve MODE - the service on $PORT in MODE (hang or http), once listening.
serve() {
	rm -f "$D/port"
	python3 "$SERVER" "$1" "$D/port" "$PORT" >"$D/server.log" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ ! -s "$D/port" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || {
			echo "demo: the $1 server did not start: $(cat "$D/server.log")" >&2
			exit 1
		}
		sleep 0.05
	done
}

stop_service() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

RUN=0
LAST_RC=0
# run - one ordinary curl under the shim; prints its exit status and time,
# and the shim's log lines, if any.
run() {
	RUN=$((RUN + 1))
	t=$(now_ms)
	set +e
	LD_PRELOAD="$LIB" CBREAKER_CONFIG="$D/demo.ini" \
		curl -sS -o /dev/null --connect-timeout 1 --max-time 3 "http://127.0.0.1:$PORT/" 2>"$D/err"
	LAST_RC=$?
	set -e
	ms=$(($(now_ms) - t))
	case $LAST_RC in
	0) what="ok" ;;
	7) what="rejected at once (breaker open)" ;;
	28) what="timed out" ;;
	*) what="failed" ;;
	esac
	printf '  run %2d: exit %-2d after %4d ms  %s\n' "$RUN" "$LAST_RC" "$ms" "$what"
	sed 's/^/          | /' "$D/err"
}

status() {
	echo "  \$ cbreaker status"
	CBREAKER_CONFIG="$D/demo.ini" "$TOOL" status | sed 's/^/    /'
}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The state file and control socket go to the demo's own directory, so
# that nothing is left behind.
cat >"$D/demo.ini" <<EOF
[global]
state_file = $D/demo.state
socket = $D/demo.sock
[inventory]
hosts = 127.0.0.1:$PORT
failure_threshold = 3
open_timeout = 3s
success_threshold = 1
EOF

say "cbreaker demo: a circuit breaker in front of unmodified curl runs"
echo "  configuration ($D/demo.ini):"
sed 's/^/    /' "$D/demo.ini"
echo "  each run: LD_PRELOAD=$LIB curl --connect-timeout 1 http://127.0.0.1:$PORT/"

say "1. The inventory service hangs (its listener accepts nothing)"
serve hang
while [ $RUN -lt 6 ]; do run; done

say "2. The breaker is open: every process sharing the configuration sees it"
status

say "3. The service heals; after open_timeout (3 s) a probe goes through"
stop_service
serve http
deadline=$(($(now_ms) + 8000))
LAST_RC=1
while [ "$LAST_RC" -ne 0 ]; do
	[ "$(now_ms)" -lt "$deadline" ] || {
		echo "demo: the breaker did not let a probe through" >&2
		exit 1
	}
	run
	[ "$LAST_RC" -eq 0 ] || sleep 1
done
run

say "4. Closed again"
status
state=$(CBREAKER_CONFIG="$D/demo.ini" "$TOOL" status inventory --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["breakers"][0]["state"])')
[ "$state" = closed ] || {
	echo "demo: the breaker is $state, not closed" >&2
	exit 1
}
stop_service
say "Done in $((($(now_ms) - T0) / 100 / 10)).$((($(now_ms) - T0) / 100 % 10)) s; nothing left running."
