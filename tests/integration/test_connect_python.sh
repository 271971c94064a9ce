#!/bin/sh
# python3 sockets under the shim: blocking connects to a refused port fail
# as without it until the breaker opens, then fail at once with the
# configured errno and never reach the port (a listener started there
# meanwhile sees nothing); after open_timeout a probe goes through and
# closes it. A socket timeout against a hanging port (CPython: non-blocking
# connect, poll, SO_ERROR) and connect_ex() on a non-blocking socket are
# followed too.
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
wait_until 5 sh -c "$(printf 'LD_PRELOAD=%s CBREAKER_CONFIG=%s python3 %s %s 1 block | grep -q OK' \
	"$LIB" "$T/c.ini" "$T/client.py" "$R")"
py "$R" 2 block >"$T/out" 2>/dev/null
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
exit 0
