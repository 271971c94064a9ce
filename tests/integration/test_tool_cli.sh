#!/bin/sh
# The tool's command line: --version and `version` print the one version
# (the VERSION file), `help COMMAND` and COMMAND --help describe each
# command, options parse as getopt_long's (before or after the command,
# --opt=value, -oVALUE), and `status --check` exits 3 while a breaker is
# not closed, 0 when all are, 1 when the state cannot be read.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"

want="cbreaker $(cat "$ROOT/VERSION")"
assert_eq "$(cbreaker --version)" "$want" "--version"
assert_eq "$(cbreaker -V)" "$want" "-V"
assert_eq "$(cbreaker version)" "$want" "version"

# Every command listed by --help has its own help, the same both ways.
cbreaker --help >"$T/help"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/help" | awk 'NF && !/^commands:/ {print $1}')
[ "$(echo "$cmds" | wc -l)" -ge 12 ] || fail "--help lists too few commands: $cmds"
for c in $cmds; do
	cbreaker help "$c" >"$T/h1" || fail "help $c"
	cbreaker "$c" --help >"$T/h2" || fail "$c --help"
	grep -q "^usage: cbreaker $c" "$T/h1" || fail "help $c: $(cat "$T/h1")"
	cmp -s "$T/h1" "$T/h2" || fail "help $c and $c --help differ"
done
set +e
cbreaker help no-such-command >/dev/null 2>&1
assert_eq "$?" 2 "help for a command that does not exist"
set -e

# Options in every getopt_long spelling, before or after the command.
write_config "$T/cb.ini" <<'INI'
[global]
socket = off
[api]
hosts = 127.0.0.1:1
[db]
hosts = 127.0.0.1:2
INI
for form in "-c $T/cb.ini status" "status -c $T/cb.ini" "--config=$T/cb.ini status" \
	"status --config $T/cb.ini" "-c$T/cb.ini status" "status api --config=$T/cb.ini --json"; do
	# shellcheck disable=SC2086
	cbreaker $form >"$T/out" 2>"$T/err" || fail "cbreaker $form: $(cat "$T/err")"
	grep -q api "$T/out" || fail "cbreaker $form: $(cat "$T/out")"
done
# The command's own -c wins over the leading one.
cbreaker -c /nonexistent.ini status -c "$T/cb.ini" >/dev/null 2>"$T/err" || fail "later -c: $(cat "$T/err")"

# status --check: 0 while all are closed, 3 once one is not, 1 unreadable.
check() {
	set +e
	CBREAKER_CONFIG="$T/cb.ini" "$TOOL" status --check "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}
check
assert_eq "$RC" 0 "status --check with every breaker closed"
grep -q '^api  *closed' "$T/out" || fail "--check still shows the table: $(cat "$T/out")"
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" force-open api >/dev/null
check
assert_eq "$RC" 3 "status --check with api forced open"
check --json
assert_eq "$RC" 3 "status --check --json with api forced open"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || fail "--check --json is not JSON"
check db
assert_eq "$RC" 0 "status db --check: db is closed"
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" disable db >/dev/null
check db
assert_eq "$RC" 3 "status db --check: db is disabled"
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" reset --all >/dev/null
check
assert_eq "$RC" 0 "status --check after reset --all"
# The same through a live server (the states come from its JSON).
PORT=$(free_port)
write_config "$T/live.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 1000
EOF
start_protected app "$T/live.ini" "$PORT"
# shellcheck disable=SC2154 # app_PID: set by start_protected
wait_until 10 served_by "$T/live.ini" "$app_PID"
set +e
CBREAKER_CONFIG="$T/live.ini" "$TOOL" status --check >/dev/null 2>&1
assert_eq "$?" 0 "live status --check, closed"
CBREAKER_CONFIG="$T/live.ini" "$TOOL" force-open api >/dev/null
CBREAKER_CONFIG="$T/live.ini" "$TOOL" status --check >"$T/out" 2>&1
assert_eq "$?" 3 "live status --check, forced open"
grep -q '^api  *forced_open' "$T/out" || fail "live --check table: $(cat "$T/out")"
set -e

set +e
"$TOOL" status --check -c "$T/missing.ini" >/dev/null 2>&1
assert_eq "$?" 1 "status --check without a readable configuration"
set -e
exit 0
