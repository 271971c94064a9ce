#!/bin/sh
# The man pages cbreaker(1) and cbreaker.ini(5) are clean under
# `man --warnings -l`, carry the VERSION, and name every command of the
# tool and every key of the configuration; the bash completion completes
# commands, each command's options, and breaker names from the
# configuration given with -c.
. "$(dirname "$0")/lib.sh"
need man bash

for page in cbreaker.1 cbreaker.ini.5; do
	f=$BDIR/man/$page
	[ -s "$f" ] || fail "$f not built (make all builds the man pages)"
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" >"$T/$page.txt" 2>"$T/$page.err" || fail "man -l $page"
	[ ! -s "$T/$page.err" ] || fail "man --warnings on $page: $(cat "$T/$page.err")"
	grep -q "cbreaker $(cat "$ROOT/VERSION")" "$T/$page.txt" || fail "$page lacks the version"
done

# Every command of `cbreaker --help` has its entry under COMMANDS.
sed -n '/^COMMANDS/,/^EXIT STATUS/p' "$T/cbreaker.1.txt" >"$T/commands.txt"
for c in $("$TOOL" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ {print $1}'); do
	grep -Eq "^       $c( |$)" "$T/commands.txt" || fail "cbreaker(1) does not describe '$c'"
done
# Every key of the commented example has its entry in cbreaker.ini(5).
# shellcheck disable=SC2013 # keys are single words
for k in $(sed -n 's/^;\{0,1\}\([a-z_]*\) = .*/\1/p' "$ROOT/conf/cbreaker.ini" | sort -u); do
	grep -Eq "^       $k( |$)" "$T/cbreaker.ini.5.txt" || fail "cbreaker.ini(5) does not describe '$k'"
done

# Bash completion.
write_config "$T/cb.ini" <<'INI'
[global]
socket = off
[api]
hosts = 127.0.0.1:1
[db]
hosts = 127.0.0.1:2
INI
complete_words() { # WORD... - what the completion offers for the last word
	PATH="$BDIR:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cbreaker; echo "${COMPREPLY[*]}"' \
		_ "$ROOT/completion/cbreaker" "$@"
}
assert_eq "$(complete_words cbreaker st)" "status" "a command"
assert_eq "$(complete_words cbreaker -c "$T/cb.ini" f)" "force-open" "a command after -c FILE"
assert_eq "$(complete_words cbreaker status --c)" "--config --check" "status's options"
assert_eq "$(complete_words cbreaker -c "$T/cb.ini" reset "")" "api db" "breaker names"
assert_eq "$(complete_words cbreaker reset --config "$T/cb.ini" d)" "db" "a breaker name, -c after the command"
assert_eq "$(complete_words cbreaker help ch)" "check-config" "help's operand"
exit 0
