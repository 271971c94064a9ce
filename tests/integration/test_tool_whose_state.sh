#!/bin/sh
# The tool says whose state it acts on (README "The cbreaker tool"): run
# as another user than the protected programs (the operator forgot sudo),
# status says that it reads that user's own empty state and where the
# programs' is; a change to a state no process has used says that it
# created it and that only programs started from now on see it.
. "$(dirname "$0")/lib.sh"
need setpriv
[ "$(id -u)" -eq 0 ] || skip "needs root to run a program as another user"

R=$(free_port)
write_config "$T/c.ini" <<EOF
[global]
state_file = auto
socket = off
[api]
hosts = 127.0.0.1:$R
failure_threshold = 1
EOF
chmod 644 "$T/c.ini"
# root's programs use the configuration: root's state exists.
shim "$T/c.ini" python3 -c 'import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    pass' "$R"
test -e "$(auto_stem "$T/c.ini").state" || fail "root's program made no state"

nobody_dir=/dev/shm/cbreaker-$(id -u nobody)
existed=no
[ -e "$nobody_dir" ] && existed=yes
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$TOOL" -c "$T/c.ini" "$@"; }
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup_nobody() {
	[ "$existed" = yes ] || rm -rf "$nobody_dir"
	cb_cleanup
}
trap cleanup_nobody EXIT

as_nobody status >"$T/out" 2>"$T/err" || fail "status as nobody: $(cat "$T/err")"
grep -q "no state yet" "$T/err" || fail "status did not say that nothing was read: $(cat "$T/err")"
grep -q "programs running as uid 0 keep theirs" "$T/err" ||
	fail "status did not point at root's state: $(cat "$T/err")"

as_nobody force-open api >"$T/out" 2>"$T/err" || fail "force-open as nobody: $(cat "$T/err")"
grep -q "created the state file" "$T/err" || fail "the change did not say it made a new state: $(cat "$T/err")"
grep -q "programs running as uid 0 keep theirs" "$T/err" || fail "no hint at root's state: $(cat "$T/err")"
# root's breaker is untouched: open from the refusal, not forced open.
"$TOOL" -c "$T/c.ini" status api --json | grep -q '"state":"open"' || fail "root's state changed"
exit 0
