#!/bin/sh
# `make deb` builds build/cbreaker_<version>_<arch>.deb with debhelper;
# lintian finds no error in it; installed with dpkg it puts the library
# under /usr/lib/<multiarch>/cbreaker/, the tool in /usr/bin, the
# configuration as a conffile, the man pages; the installed
# `cbreaker --version` and `cbreaker run` work, the latter with the
# package's own library. The package is purged again, whatever happens.
# (A package build and lintian take a minute on a busy 2-core machine.)
# timeout: 400
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need dpkg dpkg-buildpackage lintian flock
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"

# One package test on the machine at a time (other checkouts run theirs).
exec 9>/tmp/cbreaker-package-test.lock
flock -w 100 9 || fail "another package test holds /tmp/cbreaker-package-test.lock"
if dpkg-query -W cbreaker >/dev/null 2>&1 || [ -e /usr/bin/cbreaker ] || [ -e /etc/cbreaker ]; then
	skip "cbreaker is already installed on this machine; not touching it"
fi

B=$T/build
make -s -C "$ROOT" BUILD="$B" deb >"$T/make.log" 2>&1 || fail "make deb: $(tail -n 30 "$T/make.log")"
VERSION=$(cat "$ROOT/VERSION")
DEB=$B/cbreaker_${VERSION}_$(dpkg --print-architecture).deb
[ -s "$DEB" ] || fail "no $DEB: $(cat "$T/make.log")"

lintian --fail-on error "$DEB" >"$T/lintian" 2>&1 || fail "lintian: $(cat "$T/lintian")"

# Purged on every exit, a timeout's SIGTERM included.
trap 'dpkg --purge cbreaker >/dev/null 2>&1 || true; cb_cleanup' EXIT
trap 'exit 1' HUP INT TERM
# dpkg -i, waiting (bounded) while another dpkg or apt run holds the lock.
# shellcheck disable=SC2317 # called through wait_until
tried() {
	dpkg -i "$DEB" >"$T/dpkg.log" 2>&1 || ! grep -q 'lock' "$T/dpkg.log"
}
wait_until 120 tried
dpkg-query -W -f='${Status}' cbreaker 2>/dev/null | grep -q 'install ok installed' ||
	fail "dpkg -i: $(cat "$T/dpkg.log")"

MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
PKGLIB=/usr/lib/$MA/cbreaker/libcbreaker.so
dpkg -L cbreaker >"$T/files"
for f in "$PKGLIB" /usr/bin/cbreaker /etc/cbreaker/cbreaker.ini /usr/share/man/man1/cbreaker.1.gz \
	/usr/share/man/man5/cbreaker.ini.5.gz /usr/share/doc/cbreaker/examples/cbreaker.ini \
	/usr/share/bash-completion/completions/cbreaker; do
	grep -qx "$f" "$T/files" || fail "the package lacks $f: $(cat "$T/files")"
done
dpkg-query -W -f='${Conffiles}\n' cbreaker | grep -q '^ /etc/cbreaker/cbreaker.ini ' ||
	fail "/etc/cbreaker/cbreaker.ini is not a conffile"

assert_eq "$(/usr/bin/cbreaker --version)" "cbreaker $VERSION" "the installed --version"
# shellcheck disable=SC2016 # the inner sh expands it, under the tool
assert_eq "$(/usr/bin/cbreaker run -- sh -c 'echo "$LD_PRELOAD"')" "$PKGLIB" "the installed run's library"
LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings cbreaker >/dev/null 2>"$T/man.err" || fail "man cbreaker"
[ ! -s "$T/man.err" ] || fail "man cbreaker: $(cat "$T/man.err")"

# A program run by the installed tool is protected by the installed library.
R=$(free_port)
conn_config "$T/c.ini" "127.0.0.1:$R"
/usr/bin/cbreaker run -c "$T/c.ini" -- "$HELPERS/connector" block "$R" 3 >"$T/out" 2>"$T/err"
opened "$T/err" || fail "the installed library did not open the breaker: $(cat "$T/err")"

dpkg --purge cbreaker >"$T/dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$T/dpkg.log")"
if [ -e /usr/bin/cbreaker ] || [ -e /etc/cbreaker ] || [ -e "$PKGLIB" ]; then
	fail "dpkg --purge left files behind"
fi
exit 0
