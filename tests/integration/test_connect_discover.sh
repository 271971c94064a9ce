#!/bin/sh
# discover = N (README "Discovery"): a configuration of [global] only.
# What python and curl talk to gets observe-only breakers, named ip:port,
# or name:port when the program resolved the name (python's getaddrinfo
# of localhost; curl resolves localhost itself, without libc); a
# failing destination opens its breaker but is never rejected; the N+1th
# destination is not tracked and passes through; the slots stay across a
# change of the configuration.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3 curl
getent hosts localhost | grep -q 127.0.0.1 || skip "localhost does not resolve to 127.0.0.1"

start_server web http
R=$(free_port)
write_config "$T/c.ini" <<EOF
[global]
state_file = auto
socket = off
discover = 3
EOF
cbreaker check-config -c "$T/c.ini" >/dev/null 2>&1 || fail "a [global]-only configuration with discover"

cat >"$T/conn.py" <<'PY'
import errno, socket, sys
host = "127.0.0.1"
if len(sys.argv) > 3:  # resolve the name first, as most programs do
    host = socket.getaddrinfo(sys.argv[3], int(sys.argv[1]), socket.AF_INET)[0][4][0]
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    try:
        s.connect((host, int(sys.argv[1])))
        print("OK")
    except OSError as e:
        print(errno.errorcode.get(e.errno, e.errno))
    s.close()
PY
py() { shim "$T/c.ini" python3 "$T/conn.py" "$@" 2>>"$T/err"; }
status() { cbreaker -c "$T/c.ini" status --json; }
# names: the discovered breakers' names, sorted, one line
names() {
	status | python3 -c 'import json, sys
print(" ".join(sorted(b["name"] for b in json.load(sys.stdin)["breakers"] if b.get("discovered"))))'
}
# dfield NAME FIELD
dfield() {
	status | python3 -c 'import json, sys
print([b for b in json.load(sys.stdin)["breakers"] if b["name"] == sys.argv[1]][0][sys.argv[2]])' "$1" "$2"
}

# A refused destination: six failures open it, yet every connect reaches
# the kernel's refusal (observe mode never rejects).
assert_eq "$(py "$R" 6 | sort -u)" ECONNREFUSED "connects to a refused port"
assert_eq "$(names)" "127.0.0.1:$R" "after python's connects"
assert_eq "$(dfield "127.0.0.1:$R" failures)" 6 "failures of the refused destination"
assert_eq "$(dfield "127.0.0.1:$R" state)" open "a discovered breaker opens"
assert_eq "$(dfield "127.0.0.1:$R" mode)" observe "discovered breakers observe"
assert_eq "$(dfield "127.0.0.1:$R" rejected)" 0 "discovered breakers never reject"
[ "$(dfield "127.0.0.1:$R" would_reject)" -ge 1 ] || fail "would_reject of the open one"

# curl to a literal address; python to a name it resolves.
shim "$T/c.ini" curl -sS --noproxy '*' -o /dev/null "http://127.0.0.1:$web_PORT/" ||
	fail "curl to the server"
start_server named http
assert_eq "$(py "$named_PORT" 2 localhost | sort -u)" OK "python to localhost"
ALL=$(python3 -c 'import sys; print(" ".join(sorted(sys.argv[1:])))' \
	"127.0.0.1:$R" "127.0.0.1:$web_PORT" "localhost:$named_PORT")
assert_eq "$(names)" "$ALL" "after curl and python"
assert_eq "$(dfield "127.0.0.1:$web_PORT" successes)" 1 "curl's connect"
assert_eq "$(dfield "localhost:$named_PORT" successes)" 2 "python's connects by name"

# The fourth destination is beyond discover = 3: untracked, let through.
start_server fourth http
assert_eq "$(py "$fourth_PORT" 1)" OK "the fourth destination passes through"
assert_eq "$(names)" "$ALL" "the fourth is not tracked"
status | python3 -c 'import json, sys
sys.exit(0 if len(json.load(sys.stdin)["breakers"]) == 3 else 1)' || fail "more breakers than discover allows"
cbreaker -c "$T/c.ini" metrics | grep -q "^cbreaker_state{breaker=\"localhost:$named_PORT\",state=\"closed\"} 1$" ||
	fail "a discovered breaker in the metrics"

# The configuration changes: the discovered slots are kept.
printf 'log_level = info\n' >>"$T/c.ini"
py "$R" 1 >/dev/null
assert_eq "$(dfield "127.0.0.1:$R" failures)" 7 "counts go on after the configuration changed"
exit 0
