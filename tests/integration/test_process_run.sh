#!/bin/sh
# `cbreaker run [-c FILE] -- CMD`: finds libcbreaker.so next to the tool,
# puts it first in LD_PRELOAD (keeping what was there), exports the
# configuration as an absolute path, and runs CMD under the shim. Exit
# statuses as env(1)'s: 127 for a command not found, 126 for one that
# cannot be executed, 125 when run itself fails; bad usage exits 2.
# shellcheck disable=SC2016 # the inner sh -c scripts expand their own variables
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
assert_eq "$?" 127 "a command that does not exist"
"$TOOL" run does-not-exist-anywhere-$$ >/dev/null 2>&1
assert_eq "$?" 127 "a command not found in PATH"
printf 'not executable\n' >"$T/plain"
"$TOOL" run -- "$T/plain" >/dev/null 2>&1
assert_eq "$?" 126 "a file that is not executable"
"$TOOL" run -- "$T" >/dev/null 2>&1
assert_eq "$?" 126 "a directory"
"$TOOL" run -c "$T/missing.ini" -- true >/dev/null 2>&1
assert_eq "$?" 125 "a configuration that does not exist"
"$TOOL" run -- sh -c 'exit 7' >/dev/null 2>&1
assert_eq "$?" 7 "the command's own status"
set -e

# Options end at the command: its own options are not run's; the leading
# -c of `cbreaker -c FILE run` reaches run.
"$TOOL" run -- sh -c 'echo "$CBREAKER_CONFIG"' -c ignored >"$T/out"
assert_eq "$(cat "$T/out")" "" "no configuration exported without -c"
(cd "$T" && "$TOOL" -c c.ini run sh -c 'echo "$CBREAKER_CONFIG"') >"$T/out"
assert_eq "$(cat "$T/out")" "$(cd "$T" && pwd -P)/c.ini" "a leading -c"
"$TOOL" run sh -c 'echo "$0 $1"' --config x >"$T/out"
assert_eq "$(cat "$T/out")" "--config x" "CMD's options stay CMD's"
exit 0
