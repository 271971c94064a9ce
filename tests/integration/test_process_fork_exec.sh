#!/bin/sh
# Breakers are shared between processes: failures in a parent open the
# breaker for a forked child and for an exec'd program (which inherits
# LD_PRELOAD), and short-lived processes in a shell loop add up. Nothing
# reaches the port while it is open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3

R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R" open_timeout=30s
cat >"$T/family.py" <<'PY'
import errno, os, socket, subprocess, sys
port, helper = int(sys.argv[1]), sys.argv[2]
def attempt():
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        return "OK"
    except OSError as e:
        return errno.errorcode[e.errno]
    finally:
        s.close()
print("parent", attempt(), attempt(), flush=True)
# the breaker is open now; a listener appears, but must see nothing
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", port))
lst.listen(8)
pid = os.fork()
if pid == 0:
    print("child", attempt(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
out = subprocess.run([helper, "block", str(port), "1"], capture_output=True, text=True)
print("exec", out.stdout.split()[0], flush=True)
lst.setblocking(False)
try:
    lst.accept()
    print("reached", flush=True)
except BlockingIOError:
    print("untouched", flush=True)
PY
shim "$T/c.ini" python3 "$T/family.py" "$R" "$HELPERS/connector" >"$T/out" 2>"$T/err"
grep -q "parent ECONNREFUSED ECONNREFUSED" "$T/out" || fail "parent: $(cat "$T/out")"
grep -q "child ECONNREFUSED" "$T/out" || fail "forked child: $(cat "$T/out")"
grep -q "exec ECONNREFUSED" "$T/out" || fail "exec'd program: $(cat "$T/out")"
grep -q "untouched" "$T/out" || fail "the listener was reached while the breaker was open"
assert_eq "$(grep -c 'closed -> open' "$T/err")" 1 "transitions logged (one, by the process that won it)"

# A shell loop of one-connect processes: the third is rejected.
R2=$(free_port)
conn_config "$T/loop.ini" "127.0.0.1:$R2" open_timeout=30s
for _ in 1 2; do connector "$T/loop.ini" block "$R2" 1 >/dev/null 2>>"$T/lerr"; done
opened "$T/lerr" || fail "two processes' failures should open the shared breaker"
start_listener late "$R2"
connector "$T/loop.ini" block "$R2" 1 >"$T/out" 2>/dev/null
assert_eq "$(errnos <"$T/out")" ECONNREFUSED "third process"
assert_eq "$(accepted late)" 0 "connections reaching the port while open"
exit 0
