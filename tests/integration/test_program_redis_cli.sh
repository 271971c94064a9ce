#!/bin/sh
# shellcheck disable=SC2317 # clients and server hooks are called through program_lib.sh
# redis-cli (hiredis, blocking connect; 7.0 has no connect timeout) against
# redis-server on loopback ports this test starts: two refusals open the
# breaker, the third call is rejected with redis-cli's own "Connection
# refused" message; while open a restarted redis-server receives no
# connection (its total_connections_received says so); after open_timeout
# the next call reaches it and closes the breaker; a redis-server on a port
# no breaker covers answers exactly as without the shim.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need redis-cli redis-server python3 curl
FAIL_CONNECTS=2

# The client: one command, its reply on stdout, errors on stderr.
rcli() {
	"$1" redis-cli -p "$2" echo cbreaker
}

# start_redis PORT - a redis-server on 127.0.0.1:PORT without persistence,
# ready when it says so (asking it would count as a connection).
start_redis() {
	background "redis$1" redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$T" --logfile '' --daemonize no
	wait_until 10 grep -q "Ready to accept connections" "$T/redis$1.log"
}

# redis_accepts PORT - connections redis-server accepted, this query's own
# excepted.
redis_accepts() {
	_n=$(redis-cli -p "$1" info stats | tr -d '\r' | sed -n 's/^total_connections_received://p')
	echo $((_n - 1))
}

program_cycle rcli "$T/c.ini" "$(free_port)" start_redis redis_accepts
U=$(free_port)
start_redis "$U"
program_passes rcli "$T/c.ini" "$U"
exit 0
