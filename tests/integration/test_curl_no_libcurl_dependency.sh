#!/bin/sh
# The shim carries no DT_NEEDED on libcurl (programs that never use curl do
# not load it), still works in programs linked with libcurl-gnutls (git
# calls the shim's curl_easy_setopt for every option), and without a
# configuration file curl transfers pass straight through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need readelf curl

n=$(readelf -d "$SHIMLIB" | grep -c 'NEEDED.*curl' || true)
assert_eq "$n" 0 "DT_NEEDED entries on libcurl"
LD_PRELOAD="$LIB" python3 -c 'import sys; sys.exit(0)' || fail "a program without libcurl"
LD_PRELOAD="$LIB" sh -c 'grep -c libcurl /proc/$$/maps' >"$T/maps" || true
assert_eq "$(cat "$T/maps")" 0 "libcurl mapped into a program that does not use it"

# git-remote-http is linked with libcurl-gnutls.so.4; its setopts go
# through the shim to that library.
need git
start_server api http
ctl "$api_PORT" status/404 >/dev/null
HOME=$T GIT_TERMINAL_PROMPT=0 shim "$T/none.ini" git ls-remote "http://127.0.0.1:$api_PORT/r.git" \
	2>"$T/err" && fail "the repository does not exist"
grep -q "not found" "$T/err" || fail "git under the shim: $(cat "$T/err")"

# No configuration file: ten 503s, all served, no rejection.
ctl "$api_PORT" status/503 >/dev/null
ctl "$api_PORT" reset >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do
	ccurl "$T/none.ini" "http://127.0.0.1:$api_PORT/x" || fail "transfer $i without configuration"
done
assert_eq "$(served "$api_PORT")" 10 "requests served without a configuration"
