#!/bin/sh
# git ls-remote over dumb HTTP (git-remote-http: libcurl's multi interface,
# seen only at connect()): two refused attempts open the breaker; while
# open git fails at once and a server started on the port sees no request;
# after open_timeout (1s, a breaker of its own) a probe goes through and
# ls-remote works again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need git python3

git init -q --bare "$T/www/repo.git"
git -C "$T/www/repo.git" update-server-info
R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R"
# g CONFIG PORT - git ls-remote of the repository served at PORT.
g() { shim "$1" env GIT_TERMINAL_PROMPT=0 git -c http.proxy= ls-remote "http://127.0.0.1:$2/repo.git"; }
# serve NAME PORT - http.server for $T/www on PORT, until the test ends.
serve() {
	(cd "$T/www" && exec python3 -m http.server "$2" --bind 127.0.0.1) >"$T/$1.log" 2>&1 &
	CB_PIDS="$CB_PIDS $!"
	wait_until 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 1)"
	: >"$T/$1.log"
}

for i in 1 2; do
	set +e
	g "$T/c.ini" "$R" >/dev/null 2>>"$T/err"
	assert_eq "$?" 128 "refused attempt $i"
	set -e
done
opened "$T/err" || fail "two refusals should open the breaker: $(cat "$T/err")"

serve http "$R"
elapsed_ms ms g "$T/c.ini" "$R"
assert_eq "$RC" 128 "git while the breaker is open"
assert_lt "$ms" 900 "a rejected git should fail at once"
grep -q "GET" "$T/http.log" && fail "the server was reached while the breaker was open"

P=$(free_port)
conn_config "$T/p.ini" "127.0.0.1:$P" open_timeout=1s
for i in 1 2; do
	g "$T/p.ini" "$P" >/dev/null 2>>"$T/perr" && fail "refused probe-test attempt $i"
done
opened "$T/perr" || fail "two refusals should open the probe breaker: $(cat "$T/perr")"
serve probed "$P"
wait_until 5 g "$T/p.ini" "$P"
grep -q "GET /repo.git/info/refs" "$T/probed.log" || fail "the probe should reach the server"
exit 0
