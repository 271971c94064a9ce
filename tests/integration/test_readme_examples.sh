#!/bin/sh
# The README's shell examples work as written: every `make TARGET` in its
# code blocks names a real target (make -n), and every `cbreaker ...` and
# `LD_PRELOAD=... program` line runs with exit 0, against a configuration
# of the test's own in place of /etc/cbreaker/*.ini (a breaker `api`), with
# `true` in place of the program, and a bounded time for `events`.
. "$(dirname "$0")/lib.sh"

write_config "$T/api.ini" <<EOF
[global]
state_file = $T/api.state
socket = $T/api.sock
[api]
hosts = 127.0.0.1:$(free_port)
EOF
python3 - "$ROOT/README.md" >"$T/examples" <<'PY'
import re, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.startswith("    "):
        continue
    cmd = line[4:].rstrip("\n")
    cmd = re.sub(r"^\$ ", "", cmd)
    cmd = re.sub(r"\s+#.*$", "", cmd).strip()
    if not re.match(r"(make|cbreaker|LD_PRELOAD=)( |$)|LD_PRELOAD=", cmd):
        continue
    if "[" in cmd or "COMMAND" in cmd or "&&" in cmd or cmd.startswith("cbreaker_"):
        continue  # a usage synopsis, a chain, or metric output
    if cmd not in seen:
        seen.add(cmd)
        print(cmd)
PY
[ "$(wc -l <"$T/examples")" -ge 10 ] || fail "too few examples found: $(cat "$T/examples")"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	case $cmd in
	make*)
		target=$(echo "$cmd" | awk '{print $2}')
		make -s -n -C "$ROOT" ${target:+"$target"} >/dev/null 2>"$T/err" ||
			fail "README: '$cmd': no such make target: $(cat "$T/err")" ;;
	*)
		run=$(echo "$cmd" | sed -e "s|/etc/cbreaker/[a-z]*\.ini|$T/api.ini|g" \
			-e "s|/usr/local/lib/libcbreaker.so|'$LIB'|" -e 's| -- .*$| -- true|' \
			-e 's|myprogram.*$|true|' -e "s|^cbreaker |\"$TOOL\" -c $T/api.ini |")
		case $cmd in
		*" events"*) limit=2 ;;
		*) limit=20 ;;
		esac
		set +e
		eval "timeout $limit env $run" >"$T/out" 2>"$T/err"
		rc=$?
		set -e
		case "$rc:$cmd" in
		0:* | 124:*" events"*) ;;
		*) fail "README: '$cmd' (run as: $run) exited $rc: $(cat "$T/err")" ;;
		esac ;;
	esac
done <"$T/examples"
echo "checked $n examples"
exit 0
