#!/bin/sh
# The shim never hurts a program because of its own trouble: with no
# configuration file it does nothing and says nothing; with a broken one it
# passes everything through and says so once, naming file:line, however
# many connects the program makes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"

R=$(free_port)
# The default path (absent here) is silent; a CBREAKER_CONFIG naming a
# missing file is a mistake said once, at the first call.
[ ! -e /usr/local/etc/cbreaker/cbreaker.ini ] || skip "a default configuration is installed"
LD_PRELOAD="$LIB" "$HELPERS/connector" block "$R" 3 >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ECONNREFUSED ECONNREFUSED ECONNREFUSED" "no configuration"
[ ! -s "$T/err" ] || fail "no configuration must be silent: $(cat "$T/err")"
connector "$T/missing.ini" block "$R" 3 >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ECONNREFUSED ECONNREFUSED ECONNREFUSED" "explicit missing configuration"
assert_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "lines on stderr for a missing CBREAKER_CONFIG"
grep -q "CBREAKER_CONFIG=$T/missing.ini: no such file; protection is off" "$T/err" ||
	fail "message for a missing CBREAKER_CONFIG: $(cat "$T/err")"

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
