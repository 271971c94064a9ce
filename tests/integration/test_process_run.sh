#!/bin/sh
# `cbreaker run [-c FILE] -- CMD`: finds libcbreaker.so next to the tool,
# puts it first in LD_PRELOAD (keeping what was there), exports the
# configuration as an absolute path, and runs CMD under the shim. Bad usage
# exits 2, a command that cannot be run exits 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"

R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R"
(cd "$T" && LD_PRELOAD=/nonexistent.so "$TOOL" run -c c.ini -- sh -c 'echo "$LD_PRELOAD|$CBREAKER_CONFIG"') \
	>"$T/env" 2>/dev/null
assert_eq "$(cat "$T/env")" "$(cd "$BDIR" && pwd -P)/libcbreaker.so:/nonexistent.so|$(cd "$T" && pwd -P)/c.ini" \
	"environment given to the command"

"$TOOL" run -c "$T/c.ini" -- "$HELPERS/connector" block "$R" 3 >"$T/out" 2>"$T/err"
opened "$T/err" || fail "the command should run under the shim: $(cat "$T/err")"

set +e
"$TOOL" run >/dev/null 2>&1
assert_eq "$?" 2 "no command"
"$TOOL" run --bogus -- true >/dev/null 2>&1
assert_eq "$?" 2 "unknown option"
"$TOOL" run -- "$T/does-not-exist" >/dev/null 2>&1
assert_eq "$?" 1 "a command that cannot be run"
"$TOOL" run -c "$T/missing.ini" -- true >/dev/null 2>&1
assert_eq "$?" 1 "a configuration that does not exist"
set -e
exit 0
