#!/bin/sh
# nginx as a reverse proxy to a hanging upstream (proxy_connect_timeout 1s),
# master started as root with two `user nobody` workers. The state file is
# mapped by the master's constructor before the privilege drop (state_file
# auto, mode 0600, owned by root), so both workers share the breaker: two
# upstream timeouts (504) open it and later requests get 502 at once.
# nginx points stderr at its error log, where the transition line lands.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need nginx curl
[ "$(id -u)" = 0 ] || skip "nginx test needs root (user nobody workers)"

start_server hang hang
P=$(free_port)
mkdir -p "$T/nginx/logs" "$T/nginx/tmp"
chmod 777 "$T/nginx/tmp"
cat >"$T/nginx/nginx.conf" <<EOF2
daemon off;
master_process on;
worker_processes 2;
user nobody nogroup;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$P;
		location / {
			proxy_pass http://127.0.0.1:$hang_PORT;
			proxy_connect_timeout 1s;
			proxy_next_upstream off;
		}
	}
}
EOF2
conn_config "$T/c.ini" "127.0.0.1:$hang_PORT" open_timeout=30s
# Started directly (not through the shim function) so that $! is the
# master itself, which the cleanup stops and reaps.
LD_PRELOAD="$LIB" CBREAKER_CONFIG="$T/c.ini" nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	2>"$T/nginx.err" &
CB_PIDS="$CB_PIDS $!"
wait_until 10 curl -s --noproxy '*' -o /dev/null "http://127.0.0.1:$P/_ping" --max-time 3
[ "$(pgrep -u nobody -P "$(cat "$T/nginx/nginx.pid")" | wc -l)" -ge 2 ] ||
	fail "two nobody workers expected"

# The probe above already counted as one timeout; one more opens it. Each
# request may land on either worker: the breaker is shared by both.
code() { curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$P/"; }
assert_eq "$(code)" 504 "second upstream timeout"
wait_until 5 grep -q "svc: closed -> open" "$T/nginx.err" "$T/nginx/logs/error.log"
for i in 1 2 3 4; do
	elapsed_ms ms code >"$T/code"
	assert_lt "$ms" 500 "request $i while open should be answered at once"
	assert_eq "$(cat "$T/code")" 502 "nginx answers 502 when the shim refuses the upstream connect"
done
exit 0
