#!/bin/sh
# git ls-remote over dumb HTTP (git-remote-http: libcurl's multi interface,
# seen only at connect()): two refused attempts open the breaker; while
# open git fails at once and a server started on the port sees no request;
# after open_timeout a probe goes through and ls-remote works again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need git python3

git init -q --bare "$T/www/repo.git"
git -C "$T/www/repo.git" update-server-info
R=$(free_port)
# open_timeout long enough for python to start its server on a busy machine
conn_config "$T/c.ini" "127.0.0.1:$R" open_timeout=4s
URL="http://127.0.0.1:$R/repo.git"
g() { shim "$T/c.ini" env GIT_TERMINAL_PROMPT=0 git -c http.proxy= ls-remote "$URL"; }

for i in 1 2; do
	set +e
	g >/dev/null 2>>"$T/err"
	assert_eq "$?" 128 "refused attempt $i"
	set -e
done
opened "$T/err" || fail "two refusals should open the breaker: $(cat "$T/err")"

(cd "$T/www" && exec python3 -m http.server "$R" --bind 127.0.0.1) >"$T/http.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $R), 1)"
: >"$T/http.log"
elapsed_ms ms g
assert_eq "$RC" 128 "git while the breaker is open"
assert_lt "$ms" 900 "a rejected git should fail at once"
grep -q "GET" "$T/http.log" && fail "the server was reached while the breaker was open"

wait_until 10 g
grep -q "GET /repo.git/info/refs" "$T/http.log" || fail "the probe should reach the server"
exit 0
