# program_lib.sh - the four parts every test_program_*.sh shows with a real
# client program, sourced after lib.sh. Against a breaker `svc` for a
# refused loopback port the program
#   opens:      fails twice as it does without the shim (same output, same
#               exit status); then the breaker is open, and the third call
#               fails the same way, rejected by the shim;
#   fails fast: with the server started again on that port, calls fail at
#               once, still the same way, and the server accepts nothing;
#   recovers:   once open_timeout has passed a call goes through, the
#               breaker closes, and the program's output is what it is
#               without the shim;
#   passes:     to a port no breaker covers (svc forced open meanwhile) the
#               program's output and exit status are those without the shim,
#               and svc counts nothing.
# A client is a shell function: `CLIENT RUNNER PORT` runs the program once
# against 127.0.0.1:PORT, RUNNER being `plain` (no shim) or `under` (the
# shim with $CFG), with its output on stdout and stderr, and returns the
# program's exit status. The shim logs to a file of its own, so that the
# program's output can be compared byte for byte.
# shellcheck shell=sh

# How long svc stays open (seconds), and the bound on a rejected call
# (the whole program run, in ms; each test sets its program's own connect
# timeout well above it).
: "${OPEN_S:=3}"
: "${FAST_MS:=1000}"
# connect() calls one failing run of the program makes (redis-cli tries
# twice): the counts the cycle expects follow from it.
: "${FAIL_CONNECTS:=1}"
CFG=

plain() { "$@"; }
under() { LD_PRELOAD="$LIB" CBREAKER_CONFIG="$CFG" "$@"; }

# prog_config FILE PORT - breaker svc for 127.0.0.1:PORT: two consecutive
# failures open it for $OPEN_S seconds, one good probe closes it. The shim
# logs to FILE with .log for .ini.
prog_config() {
	{
		printf '[global]\nstate_file = auto\nsocket = off\nlog = %s\n\n' "${1%.ini}.log"
		printf '[defaults]\nfailure_threshold = 2\nopen_timeout = %ss\nsuccess_threshold = 1\n\n' "$OPEN_S"
		printf '[svc]\nhosts = 127.0.0.1:%s\n' "$2"
	} >"$1"
}

# svc_fields CFG FIELD... - "FIELD=VALUE ..." for breaker svc, from one
# `cbreaker status --json` (a dotted FIELD reaches into an object:
# transitions.closed, last_failure.error).
svc_fields() {
	_c=$1
	shift
	cbreaker status -c "$_c" svc --json | python3 -c '
import json, sys
b = json.load(sys.stdin)["breakers"][0]
out = []
for f in sys.argv[1:]:
    v = b
    for k in f.split("."):
        v = v[k]
    out.append("%s=%s" % (f, v))
print(" ".join(out))' "$@"
}

# background NAME CMD... - starts CMD in the background (output in
# $T/NAME.log), remembered for the cleanup; stop_background NAME stops it.
background() {
	_n=$1
	shift
	"$@" >"$T/$_n.log" 2>&1 &
	echo $! >"$T/$_n.pid"
	CB_PIDS="$CB_PIDS $!"
}

stop_background() {
	_pid=$(cat "$T/$1.pid")
	kill "$_pid" 2>/dev/null || true
	wait "$_pid" 2>/dev/null || true
}

# start_http NAME PORT - tests/helpers/server.py http on PORT, ready when
# this returns; http_accepts PORT - connections it accepted, without the
# ones that asked it (this one included).
start_http() {
	background "$1" python3 "$SERVER" http "$T/$1.port" "$2"
	wait_until 10 test -s "$T/$1.port"
}

http_accepts() {
	_q=$(($(cat "$T/asked$1" 2>/dev/null || echo 0) + 1))
	echo "$_q" >"$T/asked$1"
	echo $(($(curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$1/_control/connections") - _q))
}

# same_output REF_OUT REF_RC WHAT - the last run ($T/out, $RC) printed and
# returned what the reference did.
same_output() {
	cmp -s "$T/out" "$1" || fail "$3: output differs from the reference:
$(diff "$1" "$T/out" | head -n 20)"
	assert_eq "$RC" "$2" "$3: exit status"
}

# program_cycle CLIENT CONFIG PORT START ACCEPTS - opens, fails fast,
# recovers, for CLIENT against 127.0.0.1:PORT, which refuses until
# `START PORT` starts the server there; `ACCEPTS PORT` prints how many
# connections that server accepted. CONFIG is written here.
program_cycle() {
	_cl=$1
	CFG=$2
	_p=$3
	_start=$4
	_acc=$5
	_k=$FAIL_CONNECTS
	prog_config "$CFG" "$_p"
	_log=${CFG%.ini}.log
	ms=0

	# Without the shim: the reference failure.
	elapsed_ms ms "$_cl" plain "$_p" >"$T/ref.out" 2>&1
	_rc=$RC
	[ "$_rc" -ne 0 ] || fail "$_cl without the shim should fail on a refused port"
	echo "$_cl: refused without the shim: exit $_rc in ${ms}ms: $(head -c 200 "$T/ref.out")"

	# Opens: two refusals as without the shim, then rejected the same way.
	for _i in 1 2 3; do
		elapsed_ms ms "$_cl" under "$_p" >"$T/out" 2>&1
		same_output "$T/ref.out" "$_rc" "$_cl: call $_i on the refused port"
		echo "$_cl: call $_i under the shim, refused port: ${ms}ms"
	done
	assert_eq "$(svc_fields "$CFG" state failures rejected successes)" \
		"state=open failures=2 rejected=$((3 * _k - 2)) successes=0" "$_cl: after 3 calls"
	grep -q "svc: closed -> open" "$_log" || fail "$_cl: no opening logged: $(cat "$_log")"

	# Fails fast: the server is back, but the breaker is still open.
	"$_start" "$_p"
	for _i in 1 2; do
		elapsed_ms ms "$_cl" under "$_p" >"$T/out" 2>&1
		same_output "$T/ref.out" "$_rc" "$_cl: call $_i while open"
		assert_lt "$ms" "$FAST_MS" "$_cl: call $_i while open should fail at once (ms)"
		echo "$_cl: call $_i while open, server up: ${ms}ms"
	done
	assert_eq "$("$_acc" "$_p")" 0 "$_cl: connections that reached the server while open"
	assert_eq "$(svc_fields "$CFG" state failures rejected successes)" \
		"state=open failures=2 rejected=$((5 * _k - 2)) successes=0" "$_cl: while open"

	# Recovers: after open_timeout a probe goes through and closes it.
	_t0=$(now_ms)
	wait_until $((OPEN_S + 10)) gently "$_cl" under "$_p"
	echo "$_cl: first success $(($(now_ms) - _t0))ms after the calls while open"
	"$_cl" plain "$_p" >"$T/live.out" 2>&1 || fail "$_cl without the shim against the live server: $(cat "$T/live.out")"
	elapsed_ms ms "$_cl" under "$_p" >"$T/out" 2>&1
	same_output "$T/live.out" 0 "$_cl: once closed again"
	echo "$_cl: closed again, call under the shim: ${ms}ms"
	assert_eq "$(svc_fields "$CFG" state failures successes transitions.half_open transitions.closed)" \
		"state=closed failures=2 successes=2 transitions.half_open=1 transitions.closed=1" \
		"$_cl: after the probe and one more call"
	[ "$("$_acc" "$_p")" -ge 3 ] || fail "$_cl: the server should have seen the probe and both later calls"
}

# gently CMD... - CMD after a pause: a poll for wait_until that leaves the
# shared cores some room when CMD is a program start (a JVM).
gently() {
	sleep 0.2
	"$@"
}

# program_passes CLIENT CONFIG PORT - to 127.0.0.1:PORT, which no breaker
# covers and where a server answers, CLIENT prints and returns under the
# shim exactly what it does without it, even with svc forced open; svc
# counts nothing and the shim logs nothing.
program_passes() {
	_cl=$1
	CFG=$2
	_u=$3
	_log=${CFG%.ini}.log
	assert_eq "$(cbreaker -c "$CFG" force-open svc 2>>"$T/tool.err")" "svc: forced_open" "$_cl: force-open"
	_calls=$(svc_fields "$CFG" calls rejected)
	_lines=$(wc -l <"$_log")
	set +e
	"$_cl" plain "$_u" >"$T/plain.out" 2>&1
	_rc=$?
	set -e
	assert_eq "$_rc" 0 "$_cl without the shim against the unmatched server ($(cat "$T/plain.out"))"
	elapsed_ms ms "$_cl" under "$_u" >"$T/out" 2>&1
	same_output "$T/plain.out" 0 "$_cl: unmatched destination"
	assert_eq "$(svc_fields "$CFG" calls rejected)" "$_calls" "$_cl: svc counts after unmatched traffic"
	assert_eq "$(wc -l <"$_log")" "$_lines" "$_cl: shim log lines after unmatched traffic"
	echo "$_cl: unmatched destination, output unchanged: $(head -c 200 "$T/out")"
}
