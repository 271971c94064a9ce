#!/bin/sh
# python3 sockets under the shim: blocking connects to a refused port fail
# as without it until the breaker opens, then fail at once with the
# configured errno and never reach the port (a listener started there
# meanwhile sees nothing); after open_timeout a probe goes through and
# closes it. A socket timeout against a hanging port (CPython: non-blocking
# connect, poll, SO_ERROR) and connect_ex() on a non-blocking socket are
# followed too. The success a program reads from SO_ERROR is recorded at
# that read, while the socket is still open (not left for close() to
# settle); a 0 read before the handshake ends means "not yet", not success.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3

cat >"$T/client.py" <<'PY'
import errno, select, socket, sys, time
port, count, how = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for _ in range(count):
    t0 = time.monotonic()
    s = socket.socket()
    try:
        if how == "block":
            s.connect(("127.0.0.1", port))
            res = "OK"
        elif how == "timeout":
            s.settimeout(0.5)
            s.connect(("127.0.0.1", port))
            res = "OK"
        else:
            s.setblocking(False)
            e = s.connect_ex(("127.0.0.1", port))
            if e == errno.EINPROGRESS:
                select.select([], [s], [], 0.5)
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            res = errno.errorcode.get(e, "OK") if e else "OK"
    except socket.timeout:
        res = "TIMEOUT"
    except OSError as e:
        res = errno.errorcode.get(e.errno, str(e.errno))
    s.close()
    print(res, int((time.monotonic() - t0) * 1000), flush=True)
PY
# Each part has its own configuration file, hence its own state file.
CFG=$T/c.ini
py() { shim "$CFG" python3 "$T/client.py" "$@"; }

R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R" reject_errno=EHOSTUNREACH

# Without the shim: refused. Under it: the same twice, then rejected.
assert_eq "$(python3 "$T/client.py" "$R" 1 block | errnos)" "ECONNREFUSED" "without the shim"
py "$R" 3 block >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ECONNREFUSED ECONNREFUSED EHOSTUNREACH" "blocking connects"
opened "$T/err" || fail "no transition logged: $(cat "$T/err")"

# While open nothing reaches the port, even once something listens there.
start_listener live "$R"
py "$R" 3 block >"$T/out" 2>/dev/null
assert_eq "$(errnos <"$T/out")" "EHOSTUNREACH EHOSTUNREACH EHOSTUNREACH" "while open"
assert_eq "$(accepted live)" 0 "connections that reached the listener while open"

# After open_timeout (1s) a probe goes through, succeeds and closes it.
R1=$(free_port)
CFG=$T/probe.ini
conn_config "$CFG" "127.0.0.1:$R1" open_timeout=1s
py "$R1" 2 block >/dev/null 2>"$T/err"
opened "$T/err" || fail "two refusals should open the probe breaker: $(cat "$T/err")"
start_listener probed "$R1"
wait_until 5 sh -c "$(printf 'LD_PRELOAD="%s" CBREAKER_CONFIG=%s python3 %s %s 1 block | grep -q OK' \
	"$LIB" "$CFG" "$T/client.py" "$R1")"
py "$R1" 2 block >"$T/out" 2>/dev/null
assert_eq "$(errnos <"$T/out")" "OK OK" "closed again after the probe"

# A hanging port with a socket timeout: two timeouts, then at once.
start_server hang hang
CFG=$T/hang.ini
conn_config "$CFG" "127.0.0.1:$hang_PORT"
py "$hang_PORT" 3 timeout >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "TIMEOUT TIMEOUT ECONNREFUSED" "socket timeouts"
assert_lt "$(tail -n 1 "$T/out" | cut -d' ' -f2)" 100 "rejection should not wait for the timeout"

# connect_ex on a non-blocking socket, outcome read with SO_ERROR.
R2=$(free_port)
CFG=$T/nonblock.ini
conn_config "$CFG" "127.0.0.1:$R2"
py "$R2" 3 nonblock >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ECONNREFUSED ECONNREFUSED ECONNREFUSED" "non-blocking connects"
opened "$T/err" || fail "SO_ERROR refusals should open the breaker: $(cat "$T/err")"

# A success read from SO_ERROR counts at once: asked while the socket is
# still open, the breaker shows it (the listener on R accepts).
cat >"$T/held.py" <<'PY'
import errno, os, select, socket, subprocess, sys
s = socket.socket()
s.setblocking(False)
e = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
assert e == errno.EINPROGRESS, errno.errorcode.get(e, e)
_, w, _ = select.select([], [s], [], 5)
assert w, "not writable"
assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
subprocess.run(sys.argv[2:], env=env, check=True)
s.close()
PY
CFG=$T/held.ini
conn_config "$CFG" "127.0.0.1:$R"
shim "$CFG" python3 "$T/held.py" "$R" "$TOOL" -c "$CFG" status svc --json >"$T/held.json" ||
	fail "held.py failed"
python3 - "$T/held.json" <<'PY' || fail "the SO_ERROR success should count before close(): $(cat "$T/held.json")"
import json, sys
b = json.load(open(sys.argv[1]))["breakers"][0]
sys.exit(0 if (b["calls"], b["successes"], b["failures"]) == (1, 1, 0) else 1)
PY

# SO_ERROR read before the handshake ends (0: not finished; the hanging
# port drops the SYN), then given up: a timeout, not a success. Two open
# the breaker.
cat >"$T/early.py" <<'PY'
import errno, select, socket, sys
for _ in range(2):
    s = socket.socket()
    s.setblocking(False)
    e = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
    assert e == errno.EINPROGRESS, errno.errorcode.get(e, e)
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    _, w, _ = select.select([], [s], [], 0.2)
    assert not w, "the hanging port answered"
    s.close()
PY
CFG=$T/early.ini
conn_config "$CFG" "127.0.0.1:$hang_PORT"
shim "$CFG" python3 "$T/early.py" "$hang_PORT" 2>"$T/err" || fail "early.py failed: $(cat "$T/err")"
opened "$T/err" || fail "pending connects read early and given up should open the breaker: $(cat "$T/err")"
exit 0
