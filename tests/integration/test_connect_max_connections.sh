#!/bin/sh
# max_connections (README "Connection limits"): three python processes
# hold connections through a breaker with max_connections = 2. The first
# copies its socket with dup2() and forks a child that keeps a copy too:
# one connection. The third is refused at once, counted as rejected, and
# the breaker stays closed. A holder killed with SIGKILL gives its share
# back at the next admission; closing the last copy gives it back too.
# A curl transfer refused so counts that rejection only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3

# Accepts and keeps every connection, so holders stay connected.
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
kept = []
s.settimeout(1)
end = time.monotonic() + 90
while time.monotonic() < end:
    try:
        kept.append(s.accept()[0])
    except socket.timeout:
        pass
' "$T/keep.port" >"$T/keep.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -s "$T/keep.port"
P=$(cat "$T/keep.port")
conn_config "$T/c.ini" "127.0.0.1:$P" max_connections=2 reject_errno=EHOSTUNREACH

# holder.py NAME [dupfork]: connects, says so in NAME.out, then (dupfork)
# keeps only a dup2() copy and forks a child holding it too (its pid in
# NAME.child; it exits once NAME.child_exit exists); closes its copy once
# NAME.release exists. Every wait is bounded.
cat >"$T/holder.py" <<'PY'
import errno, os, socket, sys, time
port, name = int(sys.argv[1]), sys.argv[2]
d = sys.argv[3] if len(sys.argv) > 3 else ""
base = os.path.join(os.path.dirname(sys.argv[0]), name)
def wait_for(path):
    end = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.05)
s = socket.socket()
t0 = time.monotonic()
try:
    s.connect(("127.0.0.1", port))
    res = "OK"
except OSError as e:
    res = errno.errorcode.get(e.errno, str(e.errno))
ms = int((time.monotonic() - t0) * 1000)
fd = s.fileno()
if res == "OK" and d == "dupfork":
    fd = os.dup2(s.fileno(), 50)
    s.close()
    child = os.fork()
    if child == 0:
        wait_for(base + ".child_exit")
        os.close(fd)
        sys.exit(0)
    open(base + ".child", "w").write("%d\n" % child)
open(base + ".out.tmp", "w").write("%s %d\n" % (res, ms))
os.rename(base + ".out.tmp", base + ".out")
if res == "OK" and len(sys.argv) > 3:
    wait_for(base + ".release")
    os.close(fd)
    open(base + ".released", "w").write("\n")
    wait_for(base + ".end")
PY
hold() { # NAME [dupfork]: in the background; sets NAME_PID
	LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/c.ini" python3 "$T/holder.py" "$P" "$@" >>"$T/$1.log" 2>&1 &
	CB_PIDS="$CB_PIDS $!"
	eval "$1_PID=$!"
	wait_until 10 test -s "$T/$1.out"
}
once() { # NAME: one connect, the result line
	rm -f "$T/$1.out"
	shim "$T/c.ini" python3 "$T/holder.py" "$P" "$1" 2>>"$T/err"
	cat "$T/$1.out"
}
field() { breaker_field "$T/c.ini" "$1"; }
# shellcheck disable=SC2317 # called through wait_until
has_connections() { [ "$(field connections)" = "$1" ]; }

hold a dupfork
assert_eq "$(cut -d' ' -f1 "$T/a.out")" OK "first holder"
CHILD=$(cat "$T/a.child")
CB_PIDS="$CB_PIDS $CHILD"
assert_eq "$(field connections)" 1 "a dup2 copy and a fork child are one connection"
assert_eq "$(field max_connections)" 2 "max_connections in status"
# The child's copy ending changes nothing: the connection is the parent's.
touch "$T/a.child_exit"
# (a zombie: its parent does not wait for it)
# shellcheck disable=SC2317 # called through wait_until
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
wait_until 10 gone "$CHILD"
assert_eq "$(field connections)" 1 "after the fork child closed its copy and exited"

hold b keep
assert_eq "$(cut -d' ' -f1 "$T/b.out")" OK "second holder"
assert_eq "$(field connections)" 2 "two holders"

# The third is refused at once, as a rejection that moves nothing.
R=$(once c)
assert_eq "${R% *}" EHOSTUNREACH "third connection over max_connections = 2"
assert_lt "${R#* }" 100 "the refusal should be at once"
assert_eq "$(field rejected)" 1 "the refusal counts as rejected"
assert_eq "$(field failures)" 0 "the refusal is not a failure"
assert_eq "$(field state)" closed "the refusal moves no state"
assert_eq "$(field connections)" 2 "a refused connection holds no place"
# A curl transfer whose connection is refused so: that rejection only,
# not a failed transfer (curl_failure_codes has CURLE_COULDNT_CONNECT).
if runs_here curl; then
	calls=$(field calls)
	set +e
	shim "$T/c.ini" curl -sS --noproxy '*' --max-time 5 -o /dev/null "http://127.0.0.1:$P/" 2>>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 7 "curl's transfer over max_connections (couldn't connect)"
	assert_eq "$(field rejected)" 2 "curl's refused connection counts as rejected"
	assert_eq "$(field failures)" 0 "curl's refused transfer is not a failure"
	assert_eq "$(field calls)" "$calls" "nor a call"
fi

# A holder killed with SIGKILL gives its share back: the next one gets in.
kill -9 "$b_PID"
wait "$b_PID" 2>/dev/null || true
R=$(once c)
assert_eq "${R% *}" OK "a connection after the second holder was killed"
assert_eq "$(field connections)" 1 "c closed at exit: only the first holder's"

"$TOOL" -c "$T/c.ini" metrics >"$T/metrics"
grep -q '^cbreaker_connections{breaker="svc"} 1$' "$T/metrics" ||
	fail "no cbreaker_connections gauge of 1: $(grep connections "$T/metrics")"

# Closing the last copy gives the place back.
touch "$T/a.release"
wait_until 10 test -e "$T/a.released"
wait_until 5 has_connections 0
touch "$T/a.end"
exit 0
