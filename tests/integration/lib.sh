# lib.sh - sourced by every integration test (tests/integration/test_*.sh).
# Gives each test a private directory, loopback servers that it stops on
# exit, bounded waits and assertions. Tests exit 0 (pass), 77 (skip) or
# anything else (fail); `fail` prints why.
# shellcheck shell=sh
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=build}"
case "$BUILD" in /*) BDIR=$BUILD ;; *) BDIR=$ROOT/$BUILD ;; esac
# SHIMLIB is the library file; LIB what LD_PRELOAD gets: the library,
# after the sanitizer runtime in `make check-asan` (CB_SAN_PRELOAD, which
# must come first in a process).
SHIMLIB=$BDIR/libcbreaker.so
LIB="${CB_SAN_PRELOAD:+$CB_SAN_PRELOAD }$SHIMLIB"
TOOL=$BDIR/cbreaker
# shellcheck disable=SC2034 # for the tests that source this
HELPERS=$BDIR/helpers
SERVER=$ROOT/tests/helpers/server.py
T=$(mktemp -d /tmp/cbtest.XXXXXX)
chmod 755 "$T"
# A place for explicit state files and sockets. Auto ones are in the
# user's private directory (/dev/shm/cbreaker-<euid>/), named from the
# configuration's real path, so tests never share them; cb_cleanup removes
# them (auto_clean).
mkdir -p "$T/run"
unset CBREAKER_CONFIG LD_PRELOAD http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export no_proxy='*'
CB_PIDS=""

# auto_stem CONFIG - the auto state path of CONFIG without ".state" (the
# socket adds ".sock", private breakers "-PID.sock"): FNV-1a-64 of the
# configuration's real path, as src/state/path.c derives it.
auto_stem() {
	python3 -c 'import os, sys
h = 14695981039346656037
for b in os.path.realpath(sys.argv[1]).encode():
    h = ((h ^ b) * 1099511628211) & (2**64 - 1)
print("/dev/shm/cbreaker-%d/cbreaker-%016x" % (os.geteuid(), h))' "$1"
}

# auto_clean - removes the auto state files, sockets and locks of every
# configuration in the test's directory: the next program starts afresh.
auto_clean() {
	for _c in "$T"/*.ini; do
		[ -e "$_c" ] || continue
		_s=$(auto_stem "$_c")
		rm -f "$_s".state "$_s".sock "$_s".sock.lock "$_s"-*.sock "$_s"-*.sock.lock
	done
}

cb_cleanup() {
	for p in $CB_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $CB_PIDS; do wait "$p" 2>/dev/null || true; done
	auto_clean
	rm -rf "$T"
}
trap cb_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# wait_until SECONDS CMD... - runs CMD every 50 ms until it succeeds; fails
# the test if it never does within SECONDS.
wait_until() {
	_limit=$1
	shift
	_end=$(($(date +%s%N) / 1000000 + _limit * 1000))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(($(date +%s%N) / 1000000))" -lt "$_end" ] || fail "timed out after ${_limit}s waiting for: $*"
		sleep 0.05
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# elapsed_ms VAR CMD... - runs CMD (its status ignored), stores its
# duration in VAR and its exit status in RC.
elapsed_ms() {
	_var=$1
	shift
	_t0=$(now_ms)
	set +e
	"$@"
	# shellcheck disable=SC2034 # for the caller
	RC=$?
	set -e
	eval "$_var=$(($(now_ms) - _t0))"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"
}

# assert_lt A B MSG - integer A < B
assert_lt() {
	[ "$1" -lt "$2" ] || fail "${3:-not less}: $1 is not below $2"
}

# start_server NAME MODE [PORT [ADDRESS]] - starts server.py MODE in the
# background and sets NAME_PORT once it listens.
start_server() {
	_name=$1
	_mode=$2
	shift 2
	python3 "$SERVER" "$_mode" "$T/$_name.port" "$@" >"$T/$_name.log" 2>&1 &
	CB_PIDS="$CB_PIDS $!"
	eval "${_name}_PID=$!"
	wait_until 10 test -s "$T/$_name.port"
	eval "${_name}_PORT=$(cat "$T/$_name.port")"
}

# stop_server NAME - stops it; its port then refuses connections.
stop_server() {
	eval "_pid=\$${1}_PID"
	kill "$_pid" 2>/dev/null || true
	wait "$_pid" 2>/dev/null || true
}

# free_port - a loopback port nobody listens on (connects are refused).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ctl PORT WHAT - steers a server.py http server (status/503, count, ...).
ctl() {
	curl -sf --max-time 5 "http://127.0.0.1:$1/_control/$2"
}

# write_config FILE <<EOF ... - a configuration for the test (stdin).
write_config() {
	# Whole or not at all: a running process's once-a-second look must never
	# read a half-written file (it would log an error, then reload again).
	cat >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

# shim CONFIG CMD... - runs CMD under the shim with CONFIG.
shim() {
	_cfg=$1
	shift
	LD_PRELOAD="$LIB" CBREAKER_CONFIG="$_cfg" "$@"
}

# with_hosts FILE CMD... - CMD (execed) in a private mount namespace whose
# /etc/hosts is FILE, so a name can have several loopback addresses without
# touching the machine's (root only).
with_hosts() {
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
	unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$@"
}

# cbreaker ARGS... - the tool.
cbreaker() {
	"$TOOL" "$@"
}

# san_unfit WHY - skips the test in `make check-asan`: what it runs cannot
# work with a sanitizer runtime preloaded, with or without the shim.
san_unfit() {
	[ -z "${CB_SAN_PRELOAD:-}" ] || skip "with a preloaded sanitizer runtime: $*"
}

# Programs that are such (san_unfit): curl, wget, psql and git's http transport
# deadlock in glibc's setlocale (llvm-project#49223, with GCC's and LLVM's
# runtime alike); the runtime refuses php's RTLD_DEEPBIND dlopen
# (google/sanitizers#611).
SAN_UNFIT="curl wget git php psql"

need() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip "$_c not installed"
		case " $SAN_UNFIT " in
		*" $_c "*) san_unfit "$_c hangs or is refused" ;;
		esac
	done
}

# runs_here PROG - true when PROG is installed and can run here (see
# SAN_UNFIT): for a test's optional parts.
runs_here() {
	command -v "$1" >/dev/null 2>&1 || return 1
	[ -n "${CB_SAN_PRELOAD:-}" ] || return 0
	case " $SAN_UNFIT " in *" $1 "*) return 1 ;; esac
}
