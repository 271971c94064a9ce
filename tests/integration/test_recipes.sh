#!/bin/sh
# The deployment recipes under conf/examples/ and conf/prometheus/: every
# configuration passes check-config; the drop-ins and the crontab name
# configurations that exist there and only full paths; the node_exporter
# textfile script writes a valid .prom atomically and leaves nothing when
# the tool is missing or fails; the alert rules pass promtool (and fire in
# its rule tests); the dashboard is JSON and asks only for metrics that
# `cbreaker metrics` exposes.
. "$(dirname "$0")/lib.sh"
need python3 promtool
EX=$ROOT/conf/examples
PR=$ROOT/conf/prometheus

# check-config also wants the state directories to exist: as on a host
# where the recipe's tmpfiles.d entry has run, in a private /run of a
# mount namespace of our own (the machine's /run is left alone).
need unshare mount
cat >"$T/checkall.sh" <<'SH'
set -eu
mount -t tmpfs tmpfs /run
grep -E '^d ' "$1/cbreaker-tmpfiles.conf" | while read -r _t path mode user group _rest; do
	mkdir -p -m "$mode" "$path"
	chown "$user:$group" "$path"
done
n=0
for f in "$1"/*.ini; do
	"$2" check-config -c "$f" >/dev/null 2>"$3" || { echo "check-config $f: $(cat "$3")"; exit 1; }
	n=$((n + 1))
done
echo "$n"
SH
n=$(unshare -m sh "$T/checkall.sh" "$EX" "$TOOL" "$T/err") || fail "$n"
[ "$n" -ge 5 ] || fail "only $n example configurations"

# Each drop-in sets LD_PRELOAD and a CBREAKER_CONFIG that is an example here.
for d in "$EX"/*dropin.conf; do
	grep -q '^Environment=LD_PRELOAD=/' "$d" || fail "$d sets no LD_PRELOAD path"
	cfg=$(sed -n 's|^Environment=CBREAKER_CONFIG=/etc/cbreaker/||p' "$d")
	[ -n "$cfg" ] || fail "$d sets no CBREAKER_CONFIG"
	found=""
	for f in "$EX"/*.ini; do
		tr '\n;' '  ' <"$f" | tr -s ' ' | grep -q "installed as /etc/cbreaker/$cfg" && found=$f
	done
	[ -n "$found" ] || fail "$d: no example says it is installed as /etc/cbreaker/$cfg"
done
# The crontab: after the five times and the user, a full path.
grep -Ev '^(#|$|[A-Z]+=)' "$EX/cron.crontab" | while read -r _m _h _d _mo _w user cmd _rest; do
	[ -n "$user" ] || fail "a crontab line without a user"
	case $cmd in /*) ;; *) fail "cron.crontab runs '$cmd' without its full path" ;; esac
done
# Units start programs by their full path.
for u in "$EX"/*.service; do
	grep -q '^ExecStart=/' "$u" || fail "$u: ExecStart without a full path"
done
# And the ld.so.preload line is an absolute path.
grep -Eqx '/[^ ]+/libcbreaker\.so' "$EX/ld.so.preload" || fail "ld.so.preload: $(cat "$EX/ld.so.preload")"

# The textfile script.
command -v shellcheck >/dev/null && { shellcheck "$EX/node-exporter-textfile.sh" || fail "shellcheck"; }
mkdir "$T/textfile"
write_config "$T/myapp.ini" <<'INI'
[global]
socket = off
[api]
hosts = 127.0.0.1:1
INI
script() {
	set +e
	TEXTFILE_DIR="$T/textfile" CBREAKER="$1" sh "$EX/node-exporter-textfile.sh" "$2" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}
script /nonexistent/cbreaker "$T/myapp.ini"
[ "$RC" -ne 0 ] || fail "the script succeeded without the tool"
assert_eq "$(ls -A "$T/textfile")" "" "files left when the tool is missing"
script "$TOOL" "$T/myapp.ini"
assert_eq "$RC" 0 "the script with the tool: $(cat "$T/err")"
assert_eq "$(ls -A "$T/textfile")" "cbreaker-myapp.prom" "what the script leaves"
promtool check metrics <"$T/textfile/cbreaker-myapp.prom" || fail "promtool rejects the .prom"
cp "$T/textfile/cbreaker-myapp.prom" "$T/before"
script "$TOOL" "$T/missing.ini"
[ "$RC" -ne 0 ] || fail "the script succeeded with a missing configuration"
assert_eq "$(ls -A "$T/textfile")" "cbreaker-myapp.prom" "a failed run leaves a file behind"
cmp -s "$T/before" "$T/textfile/cbreaker-myapp.prom" || fail "a failed run changed the last good file"

# Alert rules and dashboard.
promtool check rules "$PR/cbreaker.rules.yml" >"$T/out" 2>&1 || fail "promtool check rules: $(cat "$T/out")"
(cd "$PR" && promtool test rules cbreaker.rules.test.yml) >"$T/out" 2>&1 || fail "promtool test rules: $(cat "$T/out")"
python3 -m json.tool "$PR/cbreaker-dashboard.json" >/dev/null || fail "the dashboard is not JSON"
CBREAKER_CONFIG="$T/myapp.ini" "$TOOL" metrics >"$T/metrics"
# shellcheck disable=SC2013 # metric names are single words
for m in $(cat "$PR/cbreaker-dashboard.json" "$PR/cbreaker.rules.yml" | grep -o 'cbreaker_[a-z_]*' | sort -u); do
	grep -q "^# TYPE $m " "$T/metrics" || fail "the dashboard or the rules use $m, which cbreaker metrics lacks"
done
exit 0
