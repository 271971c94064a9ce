#!/bin/sh
# A plugin loaded RTLD_LOCAL that links another libcurl build than the
# program (libcurl-gnutls.so.4, libcurl-nss.so.4 next to the program's
# libcurl.so.4, as an interpreter extension or a bundled wheel does): its
# curl_easy_* calls reach the shim first, and each must go on to the libcurl
# its caller links, which RTLD_NEXT cannot see. Without a configuration all
# transfers work as without the shim; with the breaker open, the plugins'
# transfers are rejected like the program's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/curl_lib.sh"
need cc
san_unfit "curlplugins (libcurl) hangs at exit"

LIBDIR=/usr/lib/x86_64-linux-gnu
[ -e "$LIBDIR/libcurl-gnutls.so.4" ] || skip "libcurl3-gnutls not installed"
cat >"$T/plugin.c" <<'SRC'
#include <curl/curl.h>

__attribute__((visibility("default"))) long plugin_fetch(const char *url, char *errbuf,
                                                         long *status)
{
	CURL *h = curl_easy_init();
	if (!h)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	return rc;
}
SRC
PLUGINS=""
for soname in libcurl-gnutls.so.4 libcurl-nss.so.4; do
	[ -e "$LIBDIR/$soname" ] || continue
	n=$(echo "$PLUGINS" | wc -w)
	cc -shared -fPIC -o "$T/plugin$n.so" "$T/plugin.c" "-l:$soname" ||
		fail "could not build a plugin linked with $soname"
	PLUGINS="$PLUGINS $T/plugin$n.so"
done

start_server api http
URL="http://127.0.0.1:$api_PORT/x"
# run CFG - the program and its plugins under the shim with CFG.
run() {
	# shellcheck disable=SC2086 # PLUGINS is a list of paths without spaces
	shim "$1" "$HELPERS/curlplugins" "$URL" $PLUGINS >"$T/out" 2>"$T/err" ||
		fail "curlplugins exited $? ($(cat "$T/err"))"
}
nplugins=$(echo "$PLUGINS" | wc -w)

# No configuration: every transfer reaches the server, from every build.
run /nonexistent
assert_eq "$(grep -c 'code=0 status=200' "$T/out")" $((nplugins + 1)) \
	"transfers without a configuration ($(cat "$T/out"))"

# A breaker for the server, closed: the same, and counted by it.
curl_config "$T/c.ini" "$api_PORT" open_timeout=30s
run "$T/c.ini"
assert_eq "$(grep -c 'code=0 status=200' "$T/out")" $((nplugins + 1)) \
	"transfers through a closed breaker ($(cat "$T/out"))"

# Opened by failures: the plugins' transfers are rejected too, naming it.
ctl "$api_PORT" status/503 >/dev/null
run "$T/c.ini"
run "$T/c.ini"
before=$(served "$api_PORT")
run "$T/c.ini"
assert_eq "$(served "$api_PORT")" "$before" "an open breaker lets no transfer through"
assert_eq "$(grep -c "code=7 status=0 err=cbreaker: breaker 'api' is open" "$T/out")" \
	$((nplugins + 1)) "rejected transfers ($(cat "$T/out"))"
