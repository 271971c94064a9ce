#!/bin/sh
# shellcheck disable=SC2317 # clients and server hooks are called through program_lib.sh
# psql (libpq: non-blocking connect, poll, SO_ERROR; connect_timeout=10)
# against a minimal PostgreSQL server (tests/helpers/fakepg.py) on loopback
# ports this test starts: two refusals open the breaker and the third psql
# fails with libpq's own "Connection refused" message and exit status 2;
# while open a restarted server accepts no connection; after open_timeout
# the next psql gets its query answered and the breaker closes; a server on
# a port no breaker covers answers exactly as without the shim.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need psql python3

FAKEPG=$ROOT/tests/helpers/fakepg.py
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGSSLMODE PGOPTIONS
# The client: one query, printed unaligned.
pq() {
	"$1" psql -X -At -w -c "select 'cbreaker'" \
		"host=127.0.0.1 port=$2 user=cb dbname=cb sslmode=disable gssencmode=disable connect_timeout=10"
}

# start_pg PORT - the fake server on 127.0.0.1:PORT, ready when it listens.
start_pg() {
	background "pg$1" python3 "$FAKEPG" "$1" "$T/pg$1.count"
	wait_until 10 test -s "$T/pg$1.count.ready"
}

pg_accepts() {
	cat "$T/pg$1.count"
}

program_cycle pq "$T/c.ini" "$(free_port)" start_pg pg_accepts
U=$(free_port)
start_pg "$U"
program_passes pq "$T/c.ini" "$U"
exit 0
