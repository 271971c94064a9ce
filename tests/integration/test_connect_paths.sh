#!/bin/sh
# Every way a program learns a connect's outcome is followed to the end and
# counted once: poll + SO_ERROR, close() of a pending socket (refused or
# still hanging), a repeated connect(), a blocking connect left by
# siglongjmp from SIGALRM (wget's way), connects made in a signal handler,
# a socket closed by a raw system call (libuv's way: seen when the
# descriptor is reused, or at exit),
# a descriptor far above the first chunk, and close_range(). For each, two
# failures open the breaker and the third attempt is rejected at once.
# connect_timeout bounds a blocking connect.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"

start_server hang hang
R=$(free_port)
H=$hang_PORT
conn_config "$T/c.ini" "127.0.0.1:$R 127.0.0.1:$H" open_timeout=30s

# check MODE PORT FIRST ARG [REJECTED] - two attempts behave as without
# the shim (FIRST), then the breaker is open and the third fails at once
# (ECONNREFUSED, or REJECTED: a non-blocking connect rejected as refused
# says EINPROGRESS, as the kernel's refusal does).
check() {
	auto_clean
	connector "$T/c.ini" "$1" "$2" 3 "$4" >"$T/out" 2>"$T/err" || fail "$1: connector failed"
	opened "$T/err" || fail "$1 on $2: breaker did not open: $(cat "$T/err")"
	assert_eq "$(errnos <"$T/out")" "$3 $3 ${5:-ECONNREFUSED}" "$1 on port $2"
	_last=$(tail -n 1 "$T/out" | cut -d' ' -f2)
	# abandon and rawclose then wait their ARG, as after any EINPROGRESS
	assert_lt "$_last" $((${5:+$4} + 50)) "$1: the rejected attempt should not wait"
}

check nonblock "$R" ECONNREFUSED 300
check nonblock "$H" ETIMEDOUT 300
check abandon "$R" EINPROGRESS 100 EINPROGRESS
check abandon "$H" EINPROGRESS 200 EINPROGRESS
check rawclose "$H" EINPROGRESS 100 EINPROGRESS
check repeat "$R" ECONNREFUSED 0
check longjmp "$R" ECONNREFUSED 200
check longjmp "$H" EINTR 200
check handler "$R" ECONNREFUSED 0
check highfd "$R" ECONNREFUSED 300
check highfd "$H" ETIMEDOUT 300

# connect_timeout bounds a blocking connect: ETIMEDOUT after 300 ms (the
# kernel alone would wait minutes), twice, then rejected at once.
auto_clean
conn_config "$T/ct.ini" "127.0.0.1:$H" open_timeout=30s connect_timeout=300ms
connector "$T/ct.ini" block "$H" 3 >"$T/out" 2>"$T/err"
assert_eq "$(errnos <"$T/out")" "ETIMEDOUT ETIMEDOUT ECONNREFUSED" "blocking connects with connect_timeout"
assert_lt "$(max_ms "$T/out")" 1000 "connect_timeout should bound each attempt"
[ "$(head -n 1 "$T/out" | cut -d' ' -f2)" -ge 280 ] || fail "the first attempt should wait ~300 ms"

# A single connect closed with a raw system call is judged at exit.
auto_clean
conn_config "$T/c1.ini" "127.0.0.1:$H" failure_threshold=1 open_timeout=30s
connector "$T/c1.ini" rawclose "$H" 1 50 >/dev/null 2>"$T/err"
opened "$T/err" || fail "rawclose: the abandoned connect should be judged at exit"

# close_range() over three pending connects records three failures.
auto_clean
conn_config "$T/c3.ini" "127.0.0.1:$H" failure_threshold=3 open_timeout=30s
connector "$T/c3.ini" closerange "$H" 1 3 >/dev/null 2>"$T/err"
opened "$T/err" || fail "close_range: three abandoned connects should open the breaker"
auto_clean
connector "$T/c3.ini" closerange "$H" 1 2 >/dev/null 2>"$T/err"
opened "$T/err" && fail "close_range: two abandoned connects must not open a threshold of 3"
exit 0
