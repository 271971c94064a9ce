#!/bin/sh
# git's http transport drives libcurl through the multi interface, which the
# shim does not hook: git is protected at connect() only. So 503 answers do
# not open its breaker (the connects succeed), while refused connects do,
# and once open, git's next connect is rejected before it reaches the port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need git
export HOME="$T" GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1

# 1. Five `git ls-remote` against 503s: all reach the server, no transition.
start_server api http
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s
ctl "$api_PORT" status/503 >/dev/null
for i in 1 2 3 4 5; do
	shim "$T/c.ini" git ls-remote "http://127.0.0.1:$api_PORT/repo.git" >/dev/null 2>>"$T/err" &&
		fail "ls-remote $i should fail on a 503"
done
[ "$(served "$api_PORT")" -ge 5 ] || fail "every ls-remote should reach the server"
grep -q "api: closed -> open" "$T/err" && fail "HTTP answers are invisible to connect(): $(cat "$T/err")"

# 2. A port nobody listens on: three refused connects open the breaker.
port=$(free_port)
curl_config "$T/dead.ini" "$port" open_timeout=30s
for i in 1 2 3; do
	shim "$T/dead.ini" git ls-remote "http://127.0.0.1:$port/repo.git" >/dev/null 2>>"$T/err2" &&
		fail "ls-remote $i should fail"
done
grep -q "api: closed -> open (3 consecutive failures; last ECONNREFUSED 127.0.0.1:$port)" "$T/err2" ||
	fail "refused connects should open the breaker: $(cat "$T/err2")"

# Now a server listens there, but git's connect is rejected before reaching it.
python3 -m http.server --bind 127.0.0.1 "$port" >"$T/late.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 curl -s -o /dev/null "http://127.0.0.1:$port/"
: >"$T/late.log"
shim "$T/dead.ini" git ls-remote "http://127.0.0.1:$port/repo.git" >/dev/null 2>"$T/err3" &&
	fail "ls-remote should be rejected"
grep -q "repo.git" "$T/late.log" && fail "a rejected connect reached the server: $(cat "$T/late.log")"
grep -qi "refused\|couldn't connect\|failed to connect" "$T/err3" || fail "git's error: $(cat "$T/err3")"
exit 0
