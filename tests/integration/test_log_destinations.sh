#!/bin/sh
# Where state-change lines go (README "[global]", key log): a log file gets
# a UTC timestamp on every line; syslog gets the tag cbreaker[pid] (so
# `journalctl -t cbreaker` finds it) with the program's name in the
# message; an operator's change made by the tool with no program running is
# logged and recorded in the event ring with the operator's uid.
. "$(dirname "$0")/lib.sh"
need unshare mount

R=$(free_port)
cat >"$T/refuse.py" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    pass
PY

# A log file: each line stamped.
write_config "$T/file.ini" <<EOF
[global]
state_file = $T/file.state
log = $T/cbreaker.log
[dead]
hosts = 127.0.0.1:$R
failure_threshold = 1
EOF
shim "$T/file.ini" python3 "$T/refuse.py" "$R"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z cbreaker\[[0-9]+\]: dead: closed -> open' "$T/cbreaker.log" ||
	fail "no stamped line in the log file: $(cat "$T/cbreaker.log")"

# The tool's own change, nothing running: logged to the same file, and in
# the event ring with our uid.
"$TOOL" -c "$T/file.ini" force-open dead >/dev/null
grep -q "dead: open -> forced_open (operator, uid $(id -u))" "$T/cbreaker.log" ||
	fail "the operator's change was not logged: $(cat "$T/cbreaker.log")"

# Syslog: our own /dev/log, seen through a private /dev in a mount
# namespace (the machine's /dev is left alone).
write_config "$T/sys.ini" <<EOF
[global]
state_file = $T/sys.state
log = syslog
[dead]
hosts = 127.0.0.1:$R
failure_threshold = 1
EOF
mkdir "$T/dev"
: >"$T/dev/null"
cat >"$T/syslogd.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
s.settimeout(20)
data = s.recv(4096)
with open(sys.argv[2], "wb") as out:
    out.write(data)
PY
python3 "$T/syslogd.py" "$T/dev/log" "$T/syslog.got" &
CB_PIDS="$CB_PIDS $!"
wait_until 10 test -e "$T/syslog.got.ready"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c 'mount --bind /dev/null "$1/dev/null" && mount --bind "$1/dev" /dev &&
	LD_PRELOAD="$2" CBREAKER_CONFIG="$1/sys.ini" python3 "$1/refuse.py" "$3"' \
	sh "$T" "$LIB" "$R" || fail "the mount namespace could not be set up"
wait_until 10 test -s "$T/syslog.got"
grep -Eq '^<[0-9]+>cbreaker\[[0-9]+\]: python3[^:]*: dead: closed -> open' "$T/syslog.got" ||
	fail "syslog line: $(cat "$T/syslog.got")"
exit 0
