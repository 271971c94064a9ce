#!/bin/sh
# PHP's curl extension (loaded with RTLD_DEEPBIND, which the shim's dlopen
# hook drops) is protected at the transfer level: 503s open the breaker and
# the later curl_exec calls fail at once with curl_errno 7 and the breaker
# named in curl_error, without reaching the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need php
php -r 'exit(function_exists("curl_init") ? 0 : 1);' || skip "php-curl not installed"

start_server api http
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s
ctl "$api_PORT" status/503 >/dev/null

cat >"$T/t.php" <<'EOF2'
<?php
for ($i = 0; $i < 6; $i++) {
    $ch = curl_init($argv[1]);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_NOPROXY, "*");
    $t0 = hrtime(true);
    curl_exec($ch);
    $ms = intdiv(hrtime(true) - $t0, 1000000);
    printf("errno=%d status=%d ms=%d err=%s\n", curl_errno($ch),
           curl_getinfo($ch, CURLINFO_RESPONSE_CODE), $ms, curl_error($ch));
    curl_close($ch);
}
EOF2
shim "$T/c.ini" php "$T/t.php" "http://127.0.0.1:$api_PORT/x" >"$T/out" 2>"$T/err" ||
	fail "php failed: $(cat "$T/err")"
assert_eq "$(served "$api_PORT")" 3 "requests served before the breaker opened"
assert_eq "$(grep -c '^errno=0 status=503' "$T/out")" 3 "transfers answered 503"
assert_eq "$(grep -c "^errno=7 status=0 ms=[0-9] err=cbreaker: breaker 'api' is open" "$T/out")" 3 \
	"curl_exec calls rejected at once: $(cat "$T/out")"
