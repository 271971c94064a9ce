#!/bin/sh
# `make install` honours PREFIX and DESTDIR: the binaries are rebuilt for
# the prefix they are installed under (their default configuration and
# library directory follow it), the man pages, the bash completion and the
# examples are installed, the shipped configuration only when there is
# none; the installed `cbreaker run` finds its library. `make uninstall`
# removes all of it except a configuration the operator changed.
. "$(dirname "$0")/lib.sh"
need make cc

B=$T/build # its own build: the suite's build/ keeps its prefix
inst() { # PREFIX DESTDIR TARGET
	make -s -C "$ROOT" -j2 BUILD="$B" PREFIX="$1" DESTDIR="$2" "$3" >"$T/make.log" 2>&1 ||
		fail "make $3 PREFIX=$1: $(tail -n 20 "$T/make.log")"
}

D=$T/root
inst /usr "$D" install
for f in usr/lib/libcbreaker.so usr/bin/cbreaker usr/share/man/man1/cbreaker.1 \
	usr/share/man/man5/cbreaker.ini.5 usr/share/bash-completion/completions/cbreaker \
	etc/cbreaker/cbreaker.ini usr/share/doc/cbreaker/examples/cbreaker.ini; do
	[ -s "$D/$f" ] || fail "make install did not install /$f"
done
cmp -s "$ROOT/conf/installed.ini" "$D/etc/cbreaker/cbreaker.ini" || fail "installed configuration differs"
"$D/usr/bin/cbreaker" help | grep -q 'installed /etc/cbreaker/cbreaker.ini)' ||
	fail "PREFIX=/usr: the tool's default is not /etc/cbreaker/cbreaker.ini: $("$D/usr/bin/cbreaker" help | grep installed)"
grep -q '/etc/cbreaker/cbreaker.ini' "$D/usr/lib/libcbreaker.so" || fail "the library's default is not under /etc"
! grep -q '/usr/local/' "$D/usr/lib/libcbreaker.so" || fail "the library still names /usr/local"
assert_eq "$("$D/usr/bin/cbreaker" --version)" "cbreaker $(cat "$ROOT/VERSION")" "installed --version"

# The installed tool runs a command under the library installed with it.
# shellcheck disable=SC2016 # the inner sh expands it, under the tool
preload=$("$D/usr/bin/cbreaker" run -- sh -c 'echo "$LD_PRELOAD"')
assert_eq "$preload" "$(cd "$D/usr/lib" && pwd -P)/libcbreaker.so" "the installed run's library"

# Same build directory, another prefix: what bakes the paths is rebuilt.
inst /opt/cb "$T/opt" install
"$T/opt/opt/cb/bin/cbreaker" help | grep -q 'installed /opt/cb/etc/cbreaker/cbreaker.ini)' ||
	fail "a new PREFIX did not rebuild the tool: $("$T/opt/opt/cb/bin/cbreaker" help | grep installed)"

# An operator's configuration survives install and uninstall.
echo "; mine" >>"$D/etc/cbreaker/cbreaker.ini"
inst /usr "$D" install
tail -n 1 "$D/etc/cbreaker/cbreaker.ini" | grep -q '; mine' || fail "install overwrote the configuration"
inst /usr "$D" uninstall
left=$(cd "$D" && find . -type f | sort)
assert_eq "$left" "./etc/cbreaker/cbreaker.ini" "after uninstall, only the changed configuration"
# An unchanged one goes with the rest.
inst /opt/cb "$T/opt" uninstall
assert_eq "$(cd "$T/opt" && find . -type f)" "" "after uninstall of an untouched install"
[ ! -d "$T/opt/opt/cb/share/doc/cbreaker" ] || fail "uninstall left the doc directory"
exit 0
