#!/bin/sh
# shellcheck disable=SC2154 # NAME_AGENT, NAME_PORT: set by start_agent, start_server
# Fleet mode with the README's Redis ACL user (only the fleet's keys and
# channel) and password_file: agents authenticate and share an opening; a
# wrong password never links; a password file others can read is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet_lib.sh"
start_redis
rcli ACL SETUSER cbreaker-default on '>s3cret-pw' resetkeys '~cbreaker:default:*' resetchannels \
	'&cbreaker:default:events' -@all +ping +auth +get +set +del +pttl +scan +publish +subscribe >/dev/null
printf 'cbreaker-default s3cret-pw\n' >"$T/pass"
chmod 600 "$T/pass"
host a 1 "password_file = $T/pass"
host b 1 "password_file = $T/pass"
"$TOOL" check-config -c "$T/a.ini" >/dev/null || fail "check-config refuses [fleet]"
# conf/examples/fleet.ini passes check-config in test_recipes (with its /run laid out).
start_agent a
start_agent b
fails a
wait_until 5 fleet_open b

printf 'cbreaker-default wrong\n' >"$T/bad"
chmod 600 "$T/bad"
host c 1 "password_file = $T/bad"
"$TOOL" fleet -c "$T/c.ini" >"$T/c.agent.log" 2>&1 &
CB_PIDS="$CB_PIDS $!"
wait_until 5 grep -q "AUTH" "$T/c.agent.log"
fleet_is c link disconnected || fail "a wrong password linked"

chmod 644 "$T/pass"
set +e
"$TOOL" fleet -c "$T/a.ini" >"$T/open.log" 2>&1
rc=$?
set -e
assert_eq "$rc" 1 "exit status with a readable password file"
grep -q "others cannot read" "$T/open.log" || fail "no reason given for the readable password file"
echo ok
