#!/bin/sh
# `cbreaker ps` lists the live processes that have libcbreaker.so loaded,
# with pid, user, configuration (CBREAKER_CONFIG from the process's
# environment, else the default) and command line; processes without the
# library are not listed; --json gives the same for scripts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
EOF
start_protected app "$T/cb.ini" "$PORT"
# Loaded without CBREAKER_CONFIG: the library reads the default file.
LD_PRELOAD="$LIB" sleep 60 &
NOCFG_PID=$!
CB_PIDS="$CB_PIDS $NOCFG_PID"
# Not under the shim at all.
sleep 60 &
PLAIN_PID=$!
CB_PIDS="$CB_PIDS $PLAIN_PID"

# start_protected runs `env VAR=... python3`: env itself has the library
# loaded (without CBREAKER_CONFIG in its environment: its CONFIG column is
# the default, its command line names cb.ini) until it execs python3,
# which maps it again a moment later; wait for python3 itself, by the
# CONFIG column.
# shellcheck disable=SC2317 # called through wait_until
listed() { "$TOOL" ps | awk -v p="$1" -v c="$2" '$1 == p && $3 == c' | grep -q .; }
default=$("$TOOL" help | sed -n 's/.*installed \(.*\))$/\1/p')
[ -n "$default" ] || fail "no default path in the help"
# shellcheck disable=SC2154 # app_PID: set by start_protected
wait_until 10 listed "$app_PID" "$T/cb.ini"
wait_until 10 listed "$NOCFG_PID" "$default"

"$TOOL" ps >"$T/ps" 2>"$T/err" || fail "cbreaker ps: $(cat "$T/err")"
head -n 1 "$T/ps" | grep -Eq '^PID +USER +CONFIG +COMMAND$' || fail "header: $(head -n 1 "$T/ps")"
line=$(awk -v p="$app_PID" '$1 == p' "$T/ps")
echo "$line" | grep -Eq "^$app_PID +$(id -un) +$T/cb.ini +.*protected.py" ||
	fail "the protected process: '$line'"
awk -v p="$NOCFG_PID" '$1 == p' "$T/ps" | grep -qF " $default  sleep 60" ||
	fail "a process without CBREAKER_CONFIG should show $default: $(cat "$T/ps")"
! awk -v p="$PLAIN_PID" '$1 == p' "$T/ps" | grep -q . || fail "a process without the library is listed"

"$TOOL" ps --json >"$T/ps.json" || fail "ps --json"
python3 - "$T/ps.json" "$app_PID" "$NOCFG_PID" "$PLAIN_PID" "$T/cb.ini" "$SHIMLIB" <<'PY' || fail "ps --json: $(cat "$T/ps.json")"
import json, os, sys
doc = json.load(open(sys.argv[1]))
procs = {p["pid"]: p for p in doc["processes"]}
app, nocfg, plain = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert app in procs and nocfg in procs and plain not in procs, procs
a = procs[app]
assert a["config"] == sys.argv[5] and a["config_from"] == "environ", a
assert a["uid"] == os.geteuid() and isinstance(a["user"], str), a
assert os.path.realpath(a["library"]) == os.path.realpath(sys.argv[6]), a
assert "protected.py" in a["command"], a
assert procs[nocfg]["config_from"] == "default", procs[nocfg]
assert isinstance(doc["unseen"], int)
PY
exit 0
