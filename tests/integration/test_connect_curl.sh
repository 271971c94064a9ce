#!/bin/sh
# The curl command line with --connect-timeout against a hanging port: the
# first transfers time out (exit 28) as without the shim, then the breaker
# opens and curl fails at once (exit 7, connection refused or the shim's
# own rejection: either layer may answer). Against a refused port the exit
# status is 7 before and after. A live server in the same breaker receives
# nothing while it is open, and a probe after open_timeout closes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need curl

start_server hang hang
start_server live http
conn_config "$T/c.ini" "127.0.0.1:$hang_PORT 127.0.0.1:$live_PORT"
c() { shim "$T/c.ini" curl -sS --noproxy '*' -o /dev/null --connect-timeout 1 "$@"; }

set +e
curl -sS --noproxy '*' -o /dev/null --connect-timeout 1 "http://127.0.0.1:$hang_PORT/" 2>/dev/null
assert_eq "$?" 28 "without the shim"
for i in 1 2; do
	c "http://127.0.0.1:$hang_PORT/" 2>>"$T/err"
	assert_eq "$?" 28 "attempt $i before the breaker opens"
done
set -e
grep -q "svc: closed -> open" "$T/err" || fail "no transition logged: $(cat "$T/err")"
elapsed_ms ms c "http://127.0.0.1:$hang_PORT/"
assert_eq "$RC" 7 "rejected curl"
assert_lt "$ms" 500 "a rejected curl should not wait for the connect timeout"

elapsed_ms ms c "http://127.0.0.1:$live_PORT/"
assert_eq "$RC" 7 "the live server is in the open breaker too"
assert_eq "$(ctl "$live_PORT" connections)" 1 "connections reaching the live server (the ctl call itself)"


# A refused port: exit 7 from the kernel, then 7 from the breaker.
R=$(free_port)
conn_config "$T/r.ini" "127.0.0.1:$R"
for i in 1 2 3; do
	set +e
	shim "$T/r.ini" curl -sS --noproxy '*' -o /dev/null "http://127.0.0.1:$R/" 2>>"$T/rerr"
	assert_eq "$?" 7 "refused attempt $i"
	set -e
done
grep -q "svc: closed -> open" "$T/rerr" || fail "refusals should open the breaker"

# After open_timeout (1s, a breaker of its own) a probe to the live server
# goes through and closes it.
R2=$(free_port)
conn_config "$T/p.ini" "127.0.0.1:$R2 127.0.0.1:$live_PORT" open_timeout=1s
p() { shim "$T/p.ini" curl -sS --noproxy '*' -o /dev/null "$@"; }
for i in 1 2; do
	p "http://127.0.0.1:$R2/" 2>>"$T/perr" && fail "refused probe-test attempt $i"
done
opened "$T/perr" || fail "refusals should open the probe breaker: $(cat "$T/perr")"
wait_until 5 p "http://127.0.0.1:$live_PORT/"
p "http://127.0.0.1:$live_PORT/" || fail "closed again after a good probe"
exit 0
