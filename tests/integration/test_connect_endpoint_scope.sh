#!/bin/sh
# scope = endpoint (README "Endpoint scope"): a name on two loopback
# addresses (a private /etc/hosts), 127.0.0.1 dead and 127.0.0.2 serving
# (glibc's getaddrinfo() gives 127.0.0.1 first: it shares the longest
# prefix with the source address).
# Python's create_connection walks the answers in order: at first it is
# refused at .1 and moves on to .2; the .1 endpoint opens alone, the
# breaker as a whole stays closed; from then on getaddrinfo() gives .2
# first and the dead address is not tried again (no more refusals
# counted, none seen by the program), also once the configuration
# changed. curl is judged per connection and is never rejected while one
# endpoint admits; a reset clears the endpoints. Status JSON, the table and the metrics show each endpoint.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3
private_hosts "127.0.0.1 two.test" "127.0.0.2 two.test"

P=$(free_port)
start_server web http "$P" 127.0.0.2
conn_config "$T/c.ini" "two.test:$P" scope=endpoint failure_threshold=2
cat >"$T/walk.py" <<'PY'
import socket, sys
order = [a[4][0] for a in socket.getaddrinfo("two.test", int(sys.argv[1]), type=socket.SOCK_STREAM)]
try:
    s = socket.create_connection(("two.test", int(sys.argv[1])), timeout=2)
    print(" ".join(order), "OK", s.getpeername()[0])
    s.close()
except OSError as e:
    print(" ".join(order), "FAIL", e)
PY
py() { shim "$T/c.ini" python3 "$T/walk.py" "$P"; }

# The resolver's own order first: the dead address, then the live one.
assert_eq "$(py 2>>"$T/err")" "127.0.0.1 127.0.0.2 OK 127.0.0.2" "first walk"
assert_eq "$(py 2>>"$T/err")" "127.0.0.1 127.0.0.2 OK 127.0.0.2" "second walk"
# Two refusals at .2: its endpoint is open, the breaker is not.
endpoint() { # ADDRESS FIELD - of svc's endpoint at ADDRESS:P
	"$TOOL" -c "$T/c.ini" status --json | python3 -c 'import json, sys
b = [b for b in json.load(sys.stdin)["breakers"] if b["name"] == "svc"][0]
e = [e for e in b["endpoints"] if e["address"] == sys.argv[1]]
print(e[0][sys.argv[2]] if e else "absent")' "$1:$P" "$2"
}
assert_eq "$(endpoint 127.0.0.1 state)" open "the dead address's endpoint"
assert_eq "$(endpoint 127.0.0.1 failures)" 2 "refusals counted at the dead address"
assert_eq "$(endpoint 127.0.0.2 state)" closed "the live address's endpoint"
assert_eq "$(breaker_field "$T/c.ini" state)" closed "the breaker as a whole"

# Now the live address comes first and the dead one is not tried.
for i in 1 2 3; do
	assert_eq "$(py 2>>"$T/err")" "127.0.0.2 127.0.0.1 OK 127.0.0.2" "walk $i after the opening"
done
assert_eq "$(endpoint 127.0.0.1 failures)" 2 "the dead address was not tried again"
assert_eq "$(endpoint 127.0.0.1 rejected)" 0 "nothing rejected: the program never asked for it"
[ "$(endpoint 127.0.0.2 successes)" -ge 5 ] || fail "successes at the live address: $(endpoint 127.0.0.2 successes)"

# A changed configuration keeps the endpoints: they live in the state
# file under the breaker's name (a running process's reload finds them
# the same way: test_endpoint).
printf '; changed\n' >>"$T/c.ini"
assert_eq "$(py 2>>"$T/err")" "127.0.0.2 127.0.0.1 OK 127.0.0.2" "walk after a reload"
assert_eq "$(endpoint 127.0.0.1 state)" open "the dead address's endpoint after a reload"

# curl walks the answers itself: never turned away while .2 admits.
if runs_here curl; then
	for i in 1 2; do
		code=$(shim "$T/c.ini" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://two.test:$P/" 2>>"$T/err")
		assert_eq "$code" 200 "curl $i"
	done
	assert_eq "$(breaker_field "$T/c.ini" state)" closed "the breaker after curl"
fi

# Table and metrics.
"$TOOL" -c "$T/c.ini" status >"$T/table" || true
grep -Eq "^  127\.0\.0\.1:$P +open" "$T/table" || fail "no indented open row for .1: $(cat "$T/table")"
grep -Eq "^  127\.0\.0\.2:$P +closed" "$T/table" || fail "no indented closed row for .2: $(cat "$T/table")"
"$TOOL" -c "$T/c.ini" metrics >"$T/metrics"
grep -qx "cbreaker_endpoint_state{breaker=\"svc\",endpoint=\"127.0.0.1:$P\",state=\"open\"} 1" "$T/metrics" ||
	fail "metrics: $(grep endpoint "$T/metrics")"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$T/metrics" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
fi

# Both addresses dead: each endpoint opens, the breaker is open, and
# curl is rejected up front.
stop_server web
py >/dev/null 2>>"$T/err"
py >/dev/null 2>>"$T/err"
assert_eq "$(endpoint 127.0.0.2 state)" open "the second address's endpoint after the outage"
assert_eq "$(breaker_field "$T/c.ini" state)" open "the breaker with every endpoint open"
if runs_here curl; then
	out=$(shim "$T/c.ini" curl -sS -o /dev/null --max-time 5 "http://two.test:$P/" 2>&1) && fail "curl got through"
	echo "$out" | grep -q "(7) cbreaker: every endpoint of breaker 'svc' is open" ||
		fail "curl with every endpoint open: $out"
fi

# A reset clears the breaker and every endpoint.
"$TOOL" -c "$T/c.ini" reset svc >/dev/null
assert_eq "$(endpoint 127.0.0.1 state)" closed "the dead address after reset"
assert_eq "$(endpoint 127.0.0.2 failures)" 0 "counts after reset"
grep -q "svc@127.0.0.1:$P: closed -> open" "$T/err" || fail "no log line naming the endpoint: $(cat "$T/err")"
exit 0
