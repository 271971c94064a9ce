#!/bin/sh
# A blocking connect that the shim bounds by connect_timeout still ends as
# the kernel's would: a signal whose handler raises (python's alarm) ends it
# with EINTR at once, and the socket's own SO_SNDTIMEO, shorter than
# connect_timeout, ends it with EINPROGRESS. Both against a hanging port
# with connect_timeout = 8s, so waiting for that bound fails the test. The
# connects stay in flight: closing them later records their timeouts.
. "$(dirname "$0")/lib.sh"
need python3

start_server hang hang
write_config "$T/b.ini" <<EOF
[global]
state_file = $T/run/state
socket = $T/run/ctl.sock
[svc]
hosts = 127.0.0.1:$hang_PORT
failure_threshold = 100
connect_timeout = 8s
EOF

cat >"$T/client.py" <<'PY'
import errno, signal, socket, struct, sys, time
port, how = int(sys.argv[1]), sys.argv[2]

class Alarm(Exception):
    pass

def on_alarm(signum, frame):
    raise Alarm()

s = socket.socket()
if how == "alarm":
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(1)
else:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 1, 0))
t0 = time.monotonic()
try:
    s.connect(("127.0.0.1", port))
    res = "OK"
except Alarm:
    res = "ALARM"
except OSError as e:
    res = errno.errorcode.get(e.errno, str(e.errno))
print(res, int((time.monotonic() - t0) * 1000), flush=True)
s.close()
PY

for how in alarm sndtimeo; do
	shim "$T/b.ini" python3 "$T/client.py" "$hang_PORT" "$how" >"$T/$how.out" 2>"$T/$how.err" ||
		fail "$how client: $(cat "$T/$how.err")"
	read -r res ms <"$T/$how.out"
	case $how in
	alarm) assert_eq "$res" ALARM "interrupted connect" ;;
	sndtimeo) assert_eq "$res" EINPROGRESS "connect past SO_SNDTIMEO" ;;
	esac
	assert_lt "$ms" 2500 "$how: connect waited for connect_timeout"
done
cbreaker -c "$T/b.ini" status --json >"$T/status.json" || fail "status --json exit $?"
python3 - "$T/status.json" <<'PY' || fail "interrupted connects not followed to their close: $(cat "$T/status.json")"
import json, sys
b = [b for b in json.load(open(sys.argv[1]))["breakers"] if b["name"] == "svc"][0]
sys.exit(0 if (b["calls"], b["failures"]) == (2, 2) else 1)
PY
