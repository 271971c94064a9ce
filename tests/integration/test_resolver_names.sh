#!/bin/sh
# A breaker named by host name: connects to the address are attributed to
# it only once the program itself resolved the name (getaddrinfo, or
# gethostbyname_r behind Python's gethostbyname_ex). A program that
# connects to the literal address without resolving matches nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3
getent hosts localhost | grep -q 127.0.0.1 || skip "localhost does not resolve to 127.0.0.1"

R=$(free_port)
conn_config "$T/c.ini" "localhost:$R" open_timeout=30s
cat >"$T/resolve.py" <<'PY'
import errno, socket, sys
how, port = sys.argv[1], int(sys.argv[2])
if how == "getaddrinfo":
    host = socket.getaddrinfo("localhost", port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
elif how == "gethostbyname":
    host = socket.gethostbyname_ex("localhost")[2][0]
else:
    host = "127.0.0.1"
for _ in range(3):
    s = socket.socket()
    try:
        s.connect((host, port))
        print("OK")
    except OSError as e:
        print(errno.errorcode[e.errno])
    s.close()
PY
shim "$T/c.ini" python3 "$T/resolve.py" literal "$R" >"$T/out" 2>"$T/err"
opened "$T/err" && fail "an unresolved literal address must not match the name pattern"

for how in getaddrinfo gethostbyname; do
	auto_clean
	shim "$T/c.ini" python3 "$T/resolve.py" "$how" "$R" >"$T/out" 2>"$T/err"
	opened "$T/err" || fail "$how: connects to the resolved address should count: $(cat "$T/err")"
done

# A name no pattern mentions is not remembered: nothing matches.
conn_config "$T/other.ini" "other.invalid:$R" open_timeout=30s
shim "$T/other.ini" python3 "$T/resolve.py" getaddrinfo "$R" >"$T/out" 2>"$T/err"
opened "$T/err" && fail "localhost is not other.invalid"
exit 0
