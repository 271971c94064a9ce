#!/bin/sh
# node http.get with a 500 ms timeout against a hanging port: libuv
# connects non-blocking and node destroys the socket on timeout, so the
# shim judges the abandoned connect at close(). Two timeouts open the
# breaker; the next request fails at once with ECONNREFUSED.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need node

start_server hang hang
conn_config "$T/c.ini" "127.0.0.1:$hang_PORT"
cat >"$T/get.js" <<'JS'
const http = require("http");
const t0 = Date.now();
const req = http.get({host: "127.0.0.1", port: +process.argv[2], path: "/", timeout: 500});
req.on("timeout", () => { req.destroy(new Error("TIMEOUT")); });
req.on("error", (e) => { console.log(e.code || e.message, Date.now() - t0); });
req.on("response", () => { console.log("OK", Date.now() - t0); });
JS
for _ in 1 2 3; do
	shim "$T/c.ini" node "$T/get.js" "$hang_PORT" >>"$T/out" 2>>"$T/err" || fail "node failed"
done
assert_eq "$(errnos <"$T/out")" "TIMEOUT TIMEOUT ECONNREFUSED" "node requests"
opened "$T/err" || fail "no transition logged: $(cat "$T/err")"
assert_lt "$(tail -n 1 "$T/out" | cut -d' ' -f2)" 300 "the rejected request should fail at once"
exit 0
