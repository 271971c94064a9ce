#!/bin/sh
# The shim never hurts a program because of its own trouble: with no
# configuration file it does nothing and says nothing; with a broken one it
# passes everything through and says so once, naming file:line, however
# many connects the program makes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"

R=$(free_port)
connector "$T/missing.ini" block "$R" 3 >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ECONNREFUSED ECONNREFUSED ECONNREFUSED" "no configuration"
[ ! -s "$T/err" ] || fail "no configuration must be silent: $(cat "$T/err")"

printf '[global]\nstate_file = none\n\n[svc]\nhosts = 127.0.0.1:%s\nfailure_threshold = lots\n' \
	"$R" >"$T/broken.ini"
connector "$T/broken.ini" block "$R" 4 >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ECONNREFUSED ECONNREFUSED ECONNREFUSED ECONNREFUSED" \
	"a broken configuration passes everything through"
assert_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "lines on stderr for a broken configuration"
grep -q "broken.ini:6" "$T/err" || fail "the message should name file:line: $(cat "$T/err")"

# A program that does not connect at all is not disturbed either.
[ "$(shim "$T/missing.ini" sh -c 'echo hi' 2>&1)" = hi ] || fail "sh under the shim"
exit 0
