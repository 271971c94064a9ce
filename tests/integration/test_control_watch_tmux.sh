#!/bin/sh
# `cbreaker watch` in a real terminal (tmux): the table is drawn, redrawn
# as the state changes, and Ctrl-C ends it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/control_lib.sh"
need python3 tmux

PORT=$(free_port)
write_config "$T/cb.ini" <<EOF
[api]
hosts = 127.0.0.1:$PORT
failure_threshold = 3
EOF
start_protected app "$T/cb.ini" "$PORT"
wait_until 10 served_by "$T/cb.ini" "$app_PID"

SESSION=cbwatch$$
tmux -L "$SESSION" new-session -d -x 120 -y 20 \
	"env CBREAKER_CONFIG='$T/cb.ini' '$TOOL' watch; echo WATCH-EXIT \$?; sleep 30"
stop_tmux() { tmux -L "$SESSION" kill-server 2>/dev/null || true; }
trap 'stop_tmux; cb_cleanup' EXIT
screen() { tmux -L "$SESSION" capture-pane -p; }
shows() { screen | grep -Eq "$1"; }

wait_until 10 shows '^NAME +STATE +FAILURES/CALLS +REJECTED +RATE +RETRY +LAST ERROR'
wait_until 10 shows '^api +open +3/3 +[0-9]+ +100% +retry in'
shows '^cbreaker watch .*live' || fail "no header: $(screen)"
CBREAKER_CONFIG="$T/cb.ini" "$TOOL" force-open api >/dev/null
wait_until 5 shows '^api +forced_open '
tmux -L "$SESSION" send-keys C-c
wait_until 5 shows 'WATCH-EXIT 0'
