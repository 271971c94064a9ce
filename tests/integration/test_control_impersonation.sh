#!/bin/sh
# Another local user cannot pose as the service to the tool. Auto paths
# live in root's private directory (mode 0700): user nobody cannot even
# create a socket there. With an explicit socket path in a world-writable
# directory, nobody can bind a fake server, and the tool refuses it
# (SO_PEERCRED) instead of showing its made-up breakers or reporting a
# reset that never happened. A state file nobody planted is refused too.
. "$(dirname "$0")/lib.sh"
need python3 runuser
[ "$(id -u)" = 0 ] || skip "needs root to run as nobody"
id nobody >/dev/null 2>&1 || skip "no user nobody"
NOBODY=$(id -u nobody)

PORT=$(free_port)
write_config "$T/auto.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
EOF
export CBREAKER_CONFIG="$T/auto.ini"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
STEM=$(auto_stem "$T/auto.ini")
DIR=${STEM%/*}
assert_eq "$DIR" "/dev/shm/cbreaker-0"
test -f "$STEM.state" || fail "force-open did not create $STEM.state"
assert_eq "$(stat -c '%a %u %F' "$DIR")" "700 0 directory" "the private directory"

# fake.py PATH - a fake server at PATH answering every request with a
# made-up success; prints "bound" once listening, "denied" if it cannot.
cat >"$T/fake.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.bind(sys.argv[1])
except OSError as e:
    print("denied", e.strerror, flush=True)
    sys.exit(0)
s.listen(8)
print("bound", flush=True)
for _ in range(200):
    c, _ = s.accept()
    try:  # the tool hangs up on it at once
        c.recv(4096)
        c.sendall(b'{"ok":true,"breaker":"api","state":"closed"}\n')
    except OSError:
        pass
    c.close()
PY
chmod 644 "$T/fake.py"
runuser -u nobody -- python3 "$T/fake.py" "$STEM.sock" >"$T/fake1" 2>&1 || fail "fake: $(cat "$T/fake1")"
grep -q '^denied' "$T/fake1" || fail "nobody could bind in the private directory: $(cat "$T/fake1")"
runuser -u nobody -- touch "$STEM.sock.lock" 2>/dev/null && fail "nobody created the lock file"

# An explicit socket in a world-writable directory: nobody gets there
# first; the tool refuses what answers.
mkdir "$T/pub"
chmod 1777 "$T/pub"
write_config "$T/pub.ini" <<EOF
[global]
state_file = $T/run/api.state
socket = $T/pub/api.sock
[api]
hosts = 127.0.0.1:$PORT
EOF
export CBREAKER_CONFIG="$T/pub.ini"
assert_eq "$(cbreaker force-open api)" "api: forced_open"
runuser -u nobody -- python3 "$T/fake.py" "$T/pub/api.sock" >"$T/fake2" 2>&1 &
FAKE=$!
CB_PIDS="$CB_PIDS $FAKE"
wait_until 10 grep -q '^bound' "$T/fake2"
for cmd in "status" "status --json" "reset api" "metrics"; do
	set +e
	# shellcheck disable=SC2086
	cbreaker $cmd >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "$cmd against a fake server"
	[ ! -s "$T/out" ] || fail "$cmd printed the fake server's answer: $(cat "$T/out")"
	grep -q "the control socket $T/pub/api.sock is served by uid $NOBODY, not by the state's owner; refusing to trust it" "$T/err" ||
		fail "$cmd message: $(cat "$T/err")"
done
set +e
timeout 10 "$TOOL" events >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "events against a fake server"
grep -q "refusing to trust it" "$T/err" || fail "events message: $(cat "$T/err")"
# Nothing was reset: the breaker is still forced open in the file.
kill "$FAKE" 2>/dev/null || true
wait "$FAKE" 2>/dev/null || true
runuser -u nobody -- rm -f "$T/pub/api.sock"
cbreaker status >"$T/table" 2>&1 || fail "status offline: $(cat "$T/table")"
grep -Eq '^api +forced_open' "$T/table" || fail "the fake reset changed something: $(cat "$T/table")"

# A state file planted by nobody (an explicit path in a world-writable
# directory): the tool refuses to read or change it.
write_config "$T/planted.ini" <<EOF
[global]
state_file = $T/pub/api.state
socket = off
[api]
hosts = 127.0.0.1:$PORT
EOF
chmod 644 "$T/planted.ini"
runuser -u nobody -- env CBREAKER_CONFIG="$T/planted.ini" "$TOOL" force-open api >/dev/null ||
	fail "nobody could not create its own state file"
export CBREAKER_CONFIG="$T/planted.ini"
for cmd in "status" "reset api"; do
	set +e
	# shellcheck disable=SC2086
	cbreaker $cmd >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "$cmd on a planted state file"
	grep -q "owned by uid $NOBODY, not 0" "$T/err" || fail "$cmd message: $(cat "$T/err")"
done
exit 0
