#!/bin/sh
# Java and socat give up on a pending connect with shutdown() then
# close(). The shim judges the connect at shutdown(): a timeout (it was
# still pending), not a refusal (TCP_INFO reads CLOSE after the shutdown).
# With failure_errors = ETIMEDOUT the breaker must open after two such
# timeouts against a hanging port, and the third client fails at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3 socat java

start_server hang hang
H=$hang_PORT
cat >"$T/Give.java" <<'JAVA'
import java.net.*;
public class Give {
    public static void main(String[] a) throws Exception {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[0])), 500);
            System.out.println("OK " + (System.nanoTime() - t0) / 1000000);
        } catch (SocketTimeoutException e) {
            System.out.println("TIMEOUT " + (System.nanoTime() - t0) / 1000000);
        } catch (ConnectException e) {
            System.out.println("ECONNREFUSED " + (System.nanoTime() - t0) / 1000000);
        }
    }
}
JAVA
cat >"$T/give.py" <<'PY'
import errno, select, socket, sys, time
t0 = time.monotonic()
s = socket.socket()
s.setblocking(False)
e = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
if e == errno.EINPROGRESS and not select.select([], [s], [], 0.3)[1]:
    s.shutdown(socket.SHUT_RDWR)
    print("TIMEOUT", int((time.monotonic() - t0) * 1000))
elif e == errno.EINPROGRESS:
    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    print(errno.errorcode.get(e, "OK"), int((time.monotonic() - t0) * 1000))
else:
    print(errno.errorcode.get(e, "OK"), int((time.monotonic() - t0) * 1000))
s.close()
PY

# run NAME CMD... - three clients: two time out, the breaker opens, the
# third is rejected at once.
run() {
	_name=$1
	shift
	conn_config "$T/$_name.ini" "127.0.0.1:$H" failure_errors=ETIMEDOUT open_timeout=30s
	for _ in 1 2 3; do
		shim "$T/$_name.ini" "$@" >>"$T/$_name.out" 2>>"$T/$_name.err" || true
	done
	opened "$T/$_name.err" || fail "$_name: two abandoned connects should open the breaker: $(cat "$T/$_name.err")"
	assert_eq "$(breaker_field "$T/$_name.ini" failures)" 2 "$_name: timeout failures"
	assert_eq "$(breaker_field "$T/$_name.ini" rejected)" 1 "$_name: rejected"
}

run python python3 "$T/give.py" "$H"
assert_eq "$(errnos <"$T/python.out")" "TIMEOUT TIMEOUT ECONNREFUSED" "python clients"
run socat socat -u OPEN:/dev/null "TCP:127.0.0.1:$H,connect-timeout=0.5"
grep -q "Connection refused" "$T/socat.err" || fail "the rejected socat should say refused: $(cat "$T/socat.err")"
(cd "$T" && javac Give.java) || skip "javac cannot compile the client"
run java java -cp "$T" Give "$H"
assert_eq "$(errnos <"$T/java.out")" "TIMEOUT TIMEOUT ECONNREFUSED" "java clients"
exit 0
