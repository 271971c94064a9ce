#!/bin/sh
# A transfer is one call to its breaker, even though curl's connect inside
# it passes the connect hook too: against a refused port with
# failure_threshold = 4, the breaker opens on the 4th transfer, not the 2nd
# (which would mean each refusal counted twice), and the 5th is rejected by
# the transfer itself, with the breaker's message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need curl

port=$(free_port)
curl_config "$T/c.ini" "$port" failure_threshold=4 open_timeout=30s
URL="http://127.0.0.1:$port/x"

for i in 1 2 3; do
	RC=0
	ccurl "$T/c.ini" "$URL" 2>>"$T/err" || RC=$?
	assert_eq "$RC" 7 "transfer $i to a refused port"
done
grep -q "closed -> open" "$T/err" && fail "opened before the 4th transfer: $(cat "$T/err")"
RC=0
ccurl "$T/c.ini" "$URL" 2>"$T/err4" || RC=$?
grep -q "api: closed -> open (4 consecutive failures; last CURLE_COULDNT_CONNECT 127.0.0.1:$port)" \
	"$T/err4" || fail "the 4th transfer should open it: $(cat "$T/err4")"
RC=0
ccurl "$T/c.ini" "$URL" 2>"$T/err5" || RC=$?
assert_eq "$RC" 7 "the 5th transfer"
grep -q "cbreaker: breaker 'api' is open" "$T/err5" || fail "rejected by the transfer: $(cat "$T/err5")"
