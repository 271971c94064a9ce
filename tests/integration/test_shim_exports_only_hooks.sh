#!/bin/sh
# The shim exports the hooked functions and nothing else (README "What the
# shim intercepts"): every CB_EXPORT definition in src/shim/, and no other
# defined dynamic symbol, so nothing of cbreaker's can collide with a
# program's own names.
. "$(dirname "$0")/lib.sh"
need nm

want=$(sed -n 's/^CB_EXPORT [^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' "$ROOT"/src/shim/*.c | sort)
have=$(nm -D --defined-only "$SHIMLIB" | awk '{print $3}' | sort)
[ -n "$want" ] || fail "no CB_EXPORT definitions found in src/shim"
assert_eq "$have" "$want" "exported symbols"
# A libc-named function that is not a hook must not leak out either.
nm -D --defined-only "$SHIMLIB" | grep -q ' cb_' && fail "an internal cb_ symbol is exported"
exit 0
