#!/bin/sh
# A configuration path that is not a regular file (/dev/zero, /dev/urandom,
# a FIFO, a directory) never hangs or bloats a program before main(), nor
# the tool: each program finishes at once, stays small, and the shim says
# once why protection is off. Control characters from a configuration are
# escaped in the shim's log line and in check-config; a NUL byte in a line
# is an error with file:line.
. "$(dirname "$0")/lib.sh"
need python3

mkfifo "$T/fifo.ini"
mkdir "$T/dir.ini"

# run_small CONFIG CMD... - CMD under the shim with CONFIG, within 10 s and
# 64 MB; its stderr in $T/err.
run_small() {
	python3 - "$LIB" "$@" <<'PY' 2>"$T/err" || fail "$*: see above"
import os, resource, subprocess, sys, time
lib, cfg, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, LD_PRELOAD=lib, CBREAKER_CONFIG=cfg)
t0 = time.monotonic()
try:
    r = subprocess.run(argv, env=env, timeout=10, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
except subprocess.TimeoutExpired:
    sys.exit("%s with CBREAKER_CONFIG=%s hung" % (argv[0], cfg))
secs = time.monotonic() - t0
rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(r.stderr.decode("utf-8", "replace"))
if r.returncode != 0:
    sys.exit("%s with CBREAKER_CONFIG=%s: exit %d" % (argv[0], cfg, r.returncode))
if rss_kb > 64 * 1024:
    sys.exit("%s with CBREAKER_CONFIG=%s grew to %d KB" % (argv[0], cfg, rss_kb))
print("%s %s: %.2fs %d KB" % (argv[0], cfg, secs, rss_kb), file=sys.stdout)
PY
}

PORT=$(free_port)
for cfg in /dev/zero /dev/urandom "$T/fifo.ini" "$T/dir.ini"; do
	run_small "$cfg" /bin/true
	grep -q "$cfg: is a .*, not a regular file; passing everything through" "$T/err" ||
		fail "/bin/true with $cfg: $(cat "$T/err")"
	run_small "$cfg" python3 -c 'import socket, sys
for _ in range(3):
    s = socket.socket(); r = s.connect_ex(("127.0.0.1", int(sys.argv[1]))); s.close()
    assert r != 0' "$PORT"
	assert_eq "$(grep -c 'not a regular file' "$T/err")" 1 "messages from python with $cfg"
	set +e
	timeout 10 "$TOOL" check-config -c "$cfg" 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "check-config -c $cfg"
	grep -q "not a regular file" "$T/err" || fail "check-config -c $cfg: $(cat "$T/err")"
	set +e
	CBREAKER_CONFIG=$cfg timeout 10 "$TOOL" status 2>"$T/err"
	rc=$?
	set -e
	assert_eq "$rc" 1 "status with $cfg"
	grep -q "not a regular file" "$T/err" || fail "status with $cfg: $(cat "$T/err")"
done

# A terminal escape in a value: shown escaped, never raw.
ESC=$(printf '\033')
printf '[global]\nstate_file = none\n[svc]\nhosts = 127.0.0.1:%s\nfailure_threshold = 5\033[2J\n' \
	"$PORT" >"$T/esc.ini"
run_small "$T/esc.ini" python3 -c 'import socket; socket.socket().connect_ex(("127.0.0.1", 1))'
grep -q 'esc.ini:5: \[svc\] failure_threshold = 5\\x1b\[2J: ' "$T/err" || fail "log line: $(cat "$T/err")"
grep -q "$ESC" "$T/err" && fail "a raw escape reached the log line"
set +e
"$TOOL" check-config -c "$T/esc.ini" 2>"$T/err"
set -e
grep -q 'esc.ini:5: .*5\\x1b\[2J' "$T/err" || fail "check-config: $(cat "$T/err")"
grep -q "$ESC" "$T/err" && fail "a raw escape reached check-config's output"

# A NUL byte cuts nothing short: the file is refused, naming the line.
printf '[svc]\nhosts = 127.0.0.1:%s\nfailure_threshold = 5\0000\n' "$PORT" >"$T/nul.ini"
set +e
"$TOOL" check-config -c "$T/nul.ini" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 1 "check-config with a NUL byte"
grep -q "nul.ini:3: NUL byte in the line" "$T/err" || fail "check-config: $(cat "$T/err")"
exit 0
