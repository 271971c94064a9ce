#!/bin/sh
# A state file written over with random bytes under a running process:
# first over the slots (header kept), then over all of it. The process
# never rejects because of the garbage (its forced-open breaker lets calls
# through again within seconds, said once), and `cbreaker status` shows
# the damaged slots as such: the table without a control byte, the JSON
# always valid (python3 -m json.tool), live and from the file alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
start_listener up "$PORT"
STATE=$T/run/cb.state
write_config "$T/cb.ini" <<EOF
[global]
state_file = $STATE
[api]
hosts = 127.0.0.1:$PORT
[db]
hosts = 127.0.0.1:1
EOF
export CBREAKER_CONFIG="$T/cb.ini"

cat >"$T/client.py" <<'PY'
import errno, socket, sys, time
end = time.time() + 60
while time.time() < end:
    s = socket.socket()
    r = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
    s.close()
    print("OK" if r == 0 else errno.errorcode.get(r, str(r)), flush=True)
    time.sleep(0.1)
PY
LD_PRELOAD="$LIB" python3 "$T/client.py" "$PORT" >"$T/client.out" 2>"$T/client.err" &
client=$!
CB_PIDS="$CB_PIDS $client"
# shellcheck disable=SC2317 # called through wait_until
last_is() {
	[ "$(tail -n 1 "$T/client.out")" = "$1" ]
}
wait_until 10 served_by "$T/cb.ini" "$client"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
wait_until 5 last_is ECONNREFUSED

# scribble FROM - random bytes over the state file from offset FROM
# ("slots": where the slots start) to its end, in place.
scribble() {
	python3 - "$STATE" "$1" <<'PY'
import os, struct, sys
path, where = sys.argv[1], sys.argv[2]
with open(path, "r+b") as f:
    size = os.fstat(f.fileno()).st_size
    start = struct.unpack_from("<Q", f.read(56), 48)[0] if where == "slots" else int(where)
    f.seek(start)
    f.write(os.urandom(size - start))
PY
}

# check_output - status as a table and as JSON: valid, no control byte.
check_output() {
	cbreaker status >"$T/table" 2>"$T/err" || fail "status: $(cat "$T/err")"
	python3 - "$T/table" <<'PY' || fail "table: $(cat -v "$T/table")"
import sys
data = open(sys.argv[1], "rb").read()
data.decode("utf-8")
assert all(b >= 0x20 or b == 0x0a for b in data), data
PY
	cbreaker status --json >"$T/json" 2>"$T/err" || fail "status --json: $(cat "$T/err")"
	python3 -m json.tool "$T/json" >/dev/null || fail "status --json is not JSON: $(cat -v "$T/json")"
}

scribble slots
wait_until 10 last_is OK
wait_until 5 grep -q "api: its slot in the state file $STATE is damaged" "$T/client.err"
check_output
grep -Eq '^api +damaged ' "$T/table" || fail "table: $(cat "$T/table")"
python3 - "$T/json" <<'PY' || fail "JSON: $(cat "$T/json")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert all(b["state"] == "damaged" and b["damaged"] for b in doc["breakers"]), doc
PY
assert_eq "$(grep -c 'api: its slot in the state file' "$T/client.err")" 1 "damage said once"
# A change is refused rather than reported on a slot nobody can trust.
set +e
cbreaker reset api 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "reset of a damaged breaker (live)"
grep -q "api: its slot in the state file $STATE is damaged" "$T/err" || fail "reset: $(cat "$T/err")"

# Offline, from the file itself: the same.
kill "$client"
wait "$client" 2>/dev/null || true
wait_until 5 sh -c "! served_by '$T/cb.ini' '$client'"
check_output
grep -q '"pid": *null' "$T/json" || fail "not offline: $(cat "$T/json")"
grep -Eq '^api +damaged ' "$T/table" || fail "table offline: $(cat "$T/table")"
set +e
cbreaker force-open db 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "force-open of a damaged breaker (offline)"
grep -q "db: its slot in the state file $STATE is damaged" "$T/err" || fail "force-open: $(cat "$T/err")"

# Over the header too: the file is refused, with a message, never junk.
scribble 0
set +e
cbreaker status --json >"$T/json" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "status of a file with a random header"
[ ! -s "$T/json" ] || python3 -m json.tool "$T/json" >/dev/null || fail "not JSON: $(cat -v "$T/json")"
grep -q "not a cbreaker state file" "$T/err" || fail "message: $(cat "$T/err")"
# A process started now passes through and stays private, said once.
LD_PRELOAD="$LIB" python3 -c 'import socket, sys
s = socket.socket(); assert s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0' "$PORT" 2>"$T/err" ||
	fail "a new process failed: $(cat "$T/err")"
grep -q "breakers stay private to this process" "$T/err" || fail "new process: $(cat "$T/err")"
exit 0
