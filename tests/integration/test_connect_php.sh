#!/bin/sh
# php-cli with php-curl: curl_exec with CURLOPT_CONNECTTIMEOUT against a
# hanging port. PHP loads its extensions with RTLD_DEEPBIND, which would
# bind libcurl past the shim; with deepbind = strip (the default) the flag
# is dropped, so two timeouts open the breaker and the third request fails
# at once. With deepbind = keep the shim never sees php-curl: every request
# waits for its timeout, which shows that stripping is what makes it work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need php
php -m 2>/dev/null | grep -qx curl || skip "php-curl not installed"

start_server hang hang
cat >"$T/get.php" <<'PHP'
<?php
$t0 = microtime(true);
$h = curl_init("http://127.0.0.1:" . $argv[1] . "/");
curl_setopt($h, CURLOPT_CONNECTTIMEOUT_MS, 700);
curl_setopt($h, CURLOPT_RETURNTRANSFER, true);
curl_setopt($h, CURLOPT_PROXY, "");
curl_exec($h);
printf("%d %d\n", curl_errno($h), (microtime(true) - $t0) * 1000);
PHP
run_php() { shim "$1" php -n -d extension=curl "$T/get.php" "$hang_PORT"; }
# Debian's php-cli loads curl through its own ini files; -n plus the
# explicit extension keeps the test independent of them.
php -n -d extension=curl -r 'exit(function_exists("curl_init") ? 0 : 1);' 2>/dev/null ||
	skip "php cannot load the curl extension"

conn_config "$T/strip.ini" "127.0.0.1:$hang_PORT"
for _ in 1 2 3; do run_php "$T/strip.ini" >>"$T/out" 2>>"$T/err"; done
assert_eq "$(errnos <"$T/out")" "28 28 7" "curl_errno of three requests (deepbind = strip)"
opened "$T/err" || fail "no transition logged: $(cat "$T/err")"
assert_lt "$(tail -n 1 "$T/out" | cut -d' ' -f2)" 300 "the rejected request should fail at once"

conn_config "$T/keep.ini" "127.0.0.1:$hang_PORT"
sed -i 's/^\[global\]$/[global]\ndeepbind = keep/' "$T/keep.ini"
: >"$T/out"
for _ in 1 2 3; do run_php "$T/keep.ini" >>"$T/out" 2>>"$T/kerr"; done
assert_eq "$(errnos <"$T/out")" "28 28 28" "curl_errno of three requests (deepbind = keep)"
opened "$T/kerr" && fail "with deepbind = keep the shim should not see php-curl"
exit 0
