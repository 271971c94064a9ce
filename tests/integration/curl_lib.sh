# curl_lib.sh - helpers for the test_curl_*.sh tests, sourced after lib.sh.
# shellcheck shell=sh

# curl_config FILE PORT [KEY=VALUE...] - one breaker `api` for
# 127.0.0.1:PORT; [defaults] suited to short tests, which KEY=VALUE (keys
# of the api section) override.
curl_config() {
	_file=$1
	_port=$2
	shift 2
	{
		printf '[global]\nstate_file = auto\nsocket = off\n\n'
		printf '[defaults]\nfailure_threshold = 3\nopen_timeout = 1s\nsuccess_threshold = 1\n\n'
		printf '[api]\nhosts = 127.0.0.1:%s\n' "$_port"
		for _kv in "$@"; do printf '%s\n' "$_kv" | sed 's/=/ = /'; done
	} >"$_file"
}

# ccurl CFG ARGS... - the curl command line under the shim, quiet but for
# errors, never through a proxy.
ccurl() {
	_cfg=$1
	shift
	shim "$_cfg" curl -sS --noproxy '*' -o /dev/null "$@"
}

# client CFG ARGS... - tests/helpers/curlclient under the shim.
client() {
	_cfg=$1
	shift
	shim "$_cfg" "$HELPERS/curlclient" "$@"
}

# breaker_field CFG NAME FIELD - one field of `cbreaker status NAME --json`
# (a dotted FIELD reaches into an object: last_failure.error).
breaker_field() {
	cbreaker status -c "$1" "$2" --json | python3 -c '
import json, sys
name, field = sys.argv[1], sys.argv[2]
def find(o):
    if isinstance(o, dict):
        if o.get("name") == name:
            return o
        o = list(o.values())
    if isinstance(o, list):
        for x in o:
            r = find(x)
            if r is not None:
                return r
    return None
b = find(json.load(sys.stdin))
for key in field.split("."):
    b = None if b is None else b[key]
print("" if b is None else b)' "$2" "$3"
}

# served PORT - requests the server.py at PORT has answered.
served() {
	ctl "$1" count | tr -d '\n'
}

# field LINE KEY - KEY's value in a curlclient line ("code=7 status=0 ...").
field() {
	printf '%s\n' "$1" | sed -n "s/.*$2=\([^ ]*\).*/\1/p"
}

# served_is PORT N - true once the server at PORT has answered N requests
# (for wait_until, which would otherwise see the count of when it started).
served_is() {
	[ "$(served "$1")" -eq "$2" ]
}
