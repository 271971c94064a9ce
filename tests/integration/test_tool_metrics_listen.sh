#!/bin/sh
# `cbreaker metrics` ends with cbreaker_build_info{version}; with
# --listen it serves the same at /metrics over HTTP (promtool accepts it,
# a change of state shows at the next scrape), answers 404 elsewhere and
# 405 to anything but GET and HEAD, is not held up for long by a client
# that sends nothing, listens on 127.0.0.1 alone for a bare PORT, and
# ends with status 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
need curl promtool python3

VERSION=$(cat "$ROOT/VERSION")
write_config "$T/cb.ini" <<'INI'
[global]
socket = off
[api]
hosts = 127.0.0.1:1
INI
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" metrics >"$T/once" 2>/dev/null
tail -n 1 "$T/once" | grep -qx "cbreaker_build_info{version=\"$VERSION\"} 1" || fail "no build_info: $(tail -n 3 "$T/once")"
promtool check metrics <"$T/once" || fail "promtool rejects the metrics"

CBREAKER_CONFIG="$T/cb.ini" "$TOOL" metrics --listen 127.0.0.1:0 2>"$T/err" &
MPID=$!
CB_PIDS="$CB_PIDS $MPID"
wait_until 10 grep -q 'serving http://' "$T/err"
URL=$(sed -n 's/.*serving //p' "$T/err")
case $URL in http://127.0.0.1:[0-9]*/metrics) ;; *) fail "where it serves: $URL" ;; esac

curl -sf --max-time 5 "$URL" >"$T/scrape" || fail "GET /metrics"
promtool check metrics <"$T/scrape" || fail "promtool rejects the scrape"
grep -q "cbreaker_build_info{version=\"$VERSION\"} 1" "$T/scrape" || fail "no build_info in the scrape"
grep -q 'cbreaker_state{breaker="api",state="closed"} 1' "$T/scrape" || fail "api closed: $(cat "$T/scrape")"
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" force-open api >/dev/null
curl -sf --max-time 5 "$URL" | grep -q 'cbreaker_state{breaker="api",state="forced_open"} 1' ||
	fail "the next scrape does not show the change"
ctype=$(curl -s --max-time 5 -o /dev/null -w '%{content_type}' "$URL")
assert_eq "$ctype" "text/plain; version=0.0.4; charset=utf-8" "Content-Type"

code() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "$(code "${URL%/metrics}/")" 404 "another path"
assert_eq "$(code -X POST "$URL")" 405 "POST"
assert_eq "$(code -I "$URL")" 200 "HEAD"

# A client that connects and says nothing holds the next one back a little.
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").write("connected\n")
time.sleep(8)
' "$(echo "$URL" | sed 's|.*:\([0-9]*\)/metrics|\1|')" "$T/silent" &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -s "$T/silent"
elapsed_ms ms curl -sf --max-time 6 -o /dev/null "$URL"
assert_eq "$RC" 0 "a scrape behind a silent client"
assert_lt "$ms" 5000 "a scrape behind a silent client (ms)"

kill -TERM "$MPID"
wait "$MPID" || fail "metrics --listen did not end with 0 on SIGTERM"

# A bare port: loopback only.
PORT=$(free_port)
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" metrics --listen "$PORT" 2>"$T/err2" &
MPID=$!
CB_PIDS="$CB_PIDS $MPID"
wait_until 10 grep -q 'serving http://' "$T/err2"
grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/err2" || fail "a bare port: $(cat "$T/err2")"
# /proc/net/tcp: the listening socket's local address (0100007F = 127.0.0.1).
hexport=$(printf '%04X' "$PORT")
grep -q " 0100007F:$hexport 00000000:0000 0A " /proc/net/tcp || fail "not listening on 127.0.0.1:$PORT only"

set +e
"$TOOL" metrics --listen 127.0.0.1:99999 -c "$T/cb.ini" 2>/dev/null
assert_eq "$?" 1 "a bad port"
"$TOOL" metrics --listen 2>/dev/null
assert_eq "$?" 2 "--listen without a value"
set -e
exit 0
