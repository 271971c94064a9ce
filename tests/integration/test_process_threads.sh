#!/bin/sh
# Eight threads connecting at once to a refused port, ten connects each:
# every outcome is recorded exactly once. With failure_threshold = 80 the
# breaker opens on exactly the 80th failure (and nothing is rejected);
# with 81 it stays closed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"

R=$(free_port)
conn_config "$T/at80.ini" "127.0.0.1:$R" failure_threshold=80 open_timeout=30s
connector "$T/at80.ini" threads "$R" 10 8 >"$T/out" 2>"$T/err"
assert_eq "$(wc -l <"$T/out" | tr -d ' ')" 80 "attempts made"
assert_eq "$(grep -c ECONNREFUSED "$T/out")" 80 "refusals"
grep -q "svc: closed -> open (80 consecutive failures" "$T/err" ||
	fail "80 failures should open a threshold of 80: $(cat "$T/err")"

conn_config "$T/at81.ini" "127.0.0.1:$R" failure_threshold=81 open_timeout=30s
connector "$T/at81.ini" threads "$R" 10 8 >"$T/out" 2>"$T/err"
opened "$T/err" && fail "80 failures must not open a threshold of 81"
exit 0
