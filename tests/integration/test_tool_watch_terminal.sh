#!/bin/sh
# `cbreaker watch` fits its terminal: no line wider than the terminal
# (60 columns), a frame redrawn in place without clearing the screen
# first (no flicker), colours unless NO_COLOR; with TERM=dumb, and on a
# pipe, no escape code at all, frames one after the other.
. "$(dirname "$0")/lib.sh"
need python3

PTYRUN=$ROOT/tests/helpers/ptyrun.py
# A breaker with long host patterns, so the table is wider than 60 columns.
write_config "$T/cb.ini" <<'EOF2'
[global]
socket = off
[a-breaker-with-a-rather-long-name]
hosts = 127.0.0.1:1 very-long-host-name-number-one.example.com:443 another-very-long-host.example.org:8443
EOF2
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" force-open a-breaker-with-a-rather-long-name >/dev/null

watch_on_pty() { # COLS TERM NO_COLOR OUT
	env TERM="$2" NO_COLOR="$3" CBREAKER_CONFIG="$T/cb.ini" \
		python3 "$PTYRUN" "$1" 12 10 forced_open "$4" "$TOOL" watch ||
		fail "watch on a pty (TERM=$2): status $?: $(cat -v "$4" | head -c 600)"
}

# visible FILE - the output without escape sequences and carriage returns,
# split at the escapes that end lines.
visible() {
	python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
data = re.sub(r"\x1b\[K", "\n", data)
data = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", data).replace("\r", "")
print(data)
PY
}

watch_on_pty 60 xterm "" "$T/xterm"
visible "$T/xterm" >"$T/xterm.txt"
grep -q 'forced_open' "$T/xterm.txt" || fail "no table: $(cat "$T/xterm.txt")"
widest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/xterm.txt")
[ "$widest" -le 60 ] || fail "a line of $widest columns on a 60-column terminal: $(cat "$T/xterm.txt")"
grep -q "$(printf '\033\\[H')" "$T/xterm" || fail "no cursor-home redraw: $(cat -v "$T/xterm")"
! grep -q "$(printf '\033\\[2J')" "$T/xterm" || fail "the screen is cleared (flicker): $(cat -v "$T/xterm")"
grep -q "$(printf '\033\\[[0-9;]*3[0-9]m')" "$T/xterm" || fail "no colour on a terminal: $(cat -v "$T/xterm")"

watch_on_pty 60 xterm 1 "$T/nocolor"
! grep -q "$(printf '\033\\[[0-9;]*3[0-9]m')" "$T/nocolor" || fail "colour with NO_COLOR: $(cat -v "$T/nocolor")"

watch_on_pty 60 dumb "" "$T/dumb"
! grep -q "$(printf '\033')" "$T/dumb" || fail "escape codes with TERM=dumb: $(cat -v "$T/dumb")"
grep -q 'forced_open' "$T/dumb" || fail "no table with TERM=dumb"

# On a pipe: frames one after another, no escape code; COLUMNS is honoured.
CBREAKER_CONFIG="$T/cb.ini" COLUMNS=50 "$TOOL" watch >"$T/pipe" 2>&1 &
WPID=$!
CB_PIDS="$CB_PIDS $WPID"
wait_until 10 grep -q forced_open "$T/pipe"
kill -INT "$WPID"
wait "$WPID" || fail "watch on a pipe did not end with 0 on SIGINT"
! grep -q "$(printf '\033')" "$T/pipe" || fail "escape codes into a pipe: $(cat -v "$T/pipe")"
widest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/pipe")
[ "$widest" -le 50 ] || fail "COLUMNS=50 ignored: a line of $widest columns"
exit 0
