#!/bin/sh
# test_tool_check_config.sh - `cbreaker check-config` on the shipped example
# (exit 0, one line per breaker), on broken files (exit 1, each error as
# file:line on stderr), and the tool's --help and usage errors (exit 2).
. "$(dirname "$0")/lib.sh"

[ -x "$TOOL" ] || fail "no tool at $TOOL (build first)"

# The shipped example passes, one summary line per breaker.
set +e
cbreaker check-config -c "$ROOT/conf/cbreaker.ini" >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 0 "check-config on conf/cbreaker.ini"
assert_eq "$(grep -c '^[a-z-]*: hosts ' "$T/out")" "$(grep -c '^\[[a-z-]*\]' "$ROOT/conf/cbreaker.ini" | awk '{print $1 - 2}')" \
	"one line per breaker"
grep -q '^payments-api: hosts api.payments.example.com:443' "$T/out" || fail "payments-api summary: $(cat "$T/out")"

# Every example under conf/ passes too.
for f in "$ROOT"/conf/*.ini; do
	[ "$f" != "$ROOT/conf/installed.ini" ] || continue
	cbreaker check-config -c "$f" >/dev/null 2>"$T/err" || fail "$f: $(cat "$T/err")"
done
# The configuration install ships parses, and protects nothing until
# breakers are added (README "Build and install").
set +e
cbreaker check-config -c "$ROOT/conf/installed.ini" >/dev/null 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "check-config on conf/installed.ini"
grep -q "protects nothing" "$T/err" || fail "installed.ini: $(cat "$T/err")"
grep -q ":[0-9]*:" "$T/err" && fail "installed.ini does not parse: $(cat "$T/err")"

# The default file comes from $CBREAKER_CONFIG, as in the shim.
CBREAKER_CONFIG="$ROOT/conf/cbreaker.ini" "$TOOL" check-config >/dev/null 2>&1 ||
	fail "check-config did not use \$CBREAKER_CONFIG"

# A broken file: exit 1, every error with its file:line, nothing on stdout.
write_config "$T/broken.ini" <<'INI'
[global]
mode = sometimes

[api]
hosts = api.example.com:443
failure_rate = 150

[api]
hosts = other.example.com

[db]
failure_threshold = 3
bogus_key = 1
INI
set +e
cbreaker check-config -c "$T/broken.ini" >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "check-config on a broken file"
[ ! -s "$T/out" ] || fail "stdout not empty: $(cat "$T/out")"
for want in \
	"$T/broken.ini:2: [global] mode = sometimes" \
	"$T/broken.ini:6: [api] failure_rate = 150" \
	"$T/broken.ini:8: duplicate breaker [api] (first on line 4)" \
	"$T/broken.ini:11: [db] has no hosts" \
	"$T/broken.ini:13: [db] unknown key \"bogus_key\""; do
	grep -qF "$want" "$T/err" || fail "missing '$want' in: $(cat "$T/err")"
done
assert_eq "$(wc -l <"$T/err")" 5 "one line per error"

# More errors than are kept: the total is printed last.
{
	echo "[a]"
	echo "hosts = a.example"
	i=0
	while [ $i -lt 40 ]; do
		echo "bad$i = 1"
		i=$((i + 1))
	done
} >"$T/many.ini"
set +e
cbreaker check-config -c "$T/many.ini" >/dev/null 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "check-config with 40 errors"
assert_eq "$(tail -n 1 "$T/err")" "40 errors" "total count"

# A missing file.
set +e
cbreaker check-config -c "$T/none.ini" >/dev/null 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "check-config on a missing file"
grep -qF "$T/none.ini: cannot open: No such file or directory" "$T/err" || fail "$(cat "$T/err")"

# --help lists the commands; usage errors exit 2 with one line.
cbreaker --help >"$T/help" || fail "--help failed"
grep -q '^  check-config' "$T/help" || fail "--help lacks check-config: $(cat "$T/help")"
cbreaker -h >/dev/null || fail "-h failed"
cbreaker check-config --help | grep -q 'usage: cbreaker check-config' || fail "check-config --help"
for args in "no-such-command" "check-config -x" "check-config extra" "check-config -c" "--bogus"; do
	set +e
	# shellcheck disable=SC2086
	cbreaker $args >/dev/null 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 2 "cbreaker $args"
	assert_eq "$(wc -l <"$T/err")" 1 "one line for: cbreaker $args"
done
set +e
cbreaker >/dev/null 2>&1
rc=$?
set -e
assert_eq "$rc" 2 "cbreaker without a command"

# The common options may come before the command too.
cbreaker -c "$ROOT/conf/cbreaker.ini" check-config >"$T/out" 2>&1 || fail "leading -c: $(cat "$T/out")"
grep -q "ok, 4 breakers" "$T/out" || fail "leading -c did not reach check-config: $(cat "$T/out")"
set +e
cbreaker -c >/dev/null 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 2 "cbreaker -c without its argument"
assert_eq "$(wc -l <"$T/err")" 1 "one line for: cbreaker -c"

# What would fail only at run time: exit 1 with the reason, no "ok".
check_fails() { # FILE PATTERN
	set +e
	cbreaker check-config -c "$1" >/dev/null 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "check-config on $(basename "$1")"
	grep -q "$2" "$T/err" || fail "$(basename "$1"): expected '$2', got: $(cat "$T/err")"
	grep -q ": ok," "$T/err" && fail "$(basename "$1") was called ok"
	return 0
}
printf '[global]\nstate_file = %s/missing/dir/x.state\n[api]\nhosts = api.example.com\n' "$T" >"$T/nodir.ini"
check_fails "$T/nodir.ini" "the directory $T/missing/dir does not exist"
printf '[global]\nstate_file = none\n' >"$T/empty.ini"
check_fails "$T/empty.ini" "protects nothing"
: >"$T/blank.ini"
check_fails "$T/blank.ini" "protects nothing"
long=$(printf '%0120d' 0)
printf '[global]\nstate_file = %s/ok.state\nsocket = /tmp/%s.sock\n[api]\nhosts = api.example.com\n' "$T" "$long" >"$T/longsock.ini"
check_fails "$T/longsock.ini" "longer than a Unix socket allows"
# A state directory the state_group cannot enter.
mkdir -m 0700 "$T/private"
printf '[global]\nstate_file = %s/private/x.state\nstate_group = nogroup\nstate_mode = 0660\n[api]\nhosts = api.example.com\n' "$T" >"$T/group.ini"
check_fails "$T/group.ini" "group nogroup cannot enter $T/private"
exit 0
