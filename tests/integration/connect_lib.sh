# connect_lib.sh - helpers for the test_connect_*, test_process_* and
# test_resolver_* tests, sourced after lib.sh.
# shellcheck shell=sh

# conn_config FILE HOSTS [KEY=VALUE...] - one breaker `svc` for HOSTS with
# [defaults] suited to short tests (2 failures open it, one good probe
# closes it); KEY=VALUE lines (of the svc section) override. It stays open
# for 30s, longer than any test: checks of "while open" that start new
# processes must not race the open time on a loaded machine. A test of
# probes sets open_timeout=1s on a breaker of its own.
conn_config() {
	_file=$1
	_hosts=$2
	shift 2
	{
		printf '[global]\nstate_file = auto\nsocket = off\n\n'
		printf '[defaults]\nfailure_threshold = 2\nopen_timeout = 30s\nsuccess_threshold = 1\n\n'
		printf '[svc]\nhosts = %s\n' "$_hosts"
		for _kv in "$@"; do printf '%s\n' "$_kv" | sed 's/=/ = /'; done
	} >"$_file"
}

# connector CFG MODE PORT COUNT [ARG] - tests/helpers/connector under the
# shim; one "ERRNO ms" line per attempt on stdout.
connector() {
	_cfg=$1
	shift
	shim "$_cfg" "$HELPERS/connector" "$@"
}

# start_listener NAME PORT - accepts (and closes) connections on PORT,
# writing how many it accepted to $T/NAME.count.
start_listener() {
	python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(128)
n = 0
open(sys.argv[2], "w").write("0\n")
while True:
    c, _ = s.accept()
    c.close()
    n += 1
    open(sys.argv[2] + ".tmp", "w").write("%d\n" % n)
    __import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])
' "$2" "$T/$1.count" >"$T/$1.log" 2>&1 &
	CB_PIDS="$CB_PIDS $!"
	wait_until 10 test -s "$T/$1.count"
}

# accepted NAME - connections the listener NAME accepted so far.
accepted() {
	cat "$T/$1.count"
}

# errnos - the first word of each "ERRNO ms" line on stdin, space-separated.
errnos() {
	awk '{printf "%s%s", sep, $1; sep=" "} END {print ""}'
}

# max_ms FILE - the largest duration among "ERRNO ms" lines.
max_ms() {
	awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$1"
}

# opened FILE - the shim logged that svc opened.
opened() {
	grep -q "svc: closed -> open" "$1"
}

# private_hosts LINE... - re-runs the calling test in a private mount
# namespace whose /etc/hosts holds LINEs (the machine's is untouched);
# call it before sourcing lib.sh. Skips without root or unshare.
private_hosts() {
	if [ -z "${CB_PRIVATE_HOSTS:-}" ]; then
		if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
			echo "SKIP: needs root and unshare for a private /etc/hosts" >&2
			exit 77
		fi
		exec unshare -m env CB_PRIVATE_HOSTS=1 sh "$0"
	fi
	printf '%s\n' "$@" >"$T/hosts"
	mount --bind "$T/hosts" /etc/hosts
	trap 'umount /etc/hosts 2>/dev/null || true; cb_cleanup' EXIT
}

# breaker_field CFG FIELD - svc's FIELD from `cbreaker status --json`.
breaker_field() {
	"$TOOL" -c "$1" status --json | python3 -c 'import json, sys
b = [b for b in json.load(sys.stdin)["breakers"] if b["name"] == "svc"][0]
print(b[sys.argv[1]])' "$2"
}
