#!/bin/sh
# lint.sh LAYERS OBJDIR - the checks `make check` runs on the sources:
# formatting (clang-format, .clang-format) of src/, tools/ and tests/,
# cppcheck's warnings, shellcheck over every shell script (.shellcheckrc),
# and the architecture (tools/layers.py: folders call down, never up; no
# cycles). `make deps` installs the checkers; a missing one is an error, so
# that a lint that passed has checked everything.
set -eu
cd "$(dirname "$0")/.."
for tool in clang-format cppcheck shellcheck; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "lint: $tool is not installed (make deps)" >&2
		exit 1
	}
done
c_files=$(ls src/*/*.c src/*/*.h tools/*.c tools/*.h)
test_c_files=$(ls tests/*/*.c tests/*/*.h)
# shellcheck disable=SC2086 # one word per file
clang-format --dry-run -Werror $c_files $test_c_files || {
	echo "lint: run 'make format'" >&2
	exit 1
}
# shellcheck disable=SC2086 # one word per file
cppcheck -q --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--suppress=missingIncludeSystem -D_GNU_SOURCE -Isrc $c_files
shellcheck tests/*.sh tests/*/*.sh tools/*.sh
python3 tools/layers.py "$1" "$2"
echo "lint: ok"
