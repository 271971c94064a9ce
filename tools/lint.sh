#!/bin/sh
# lint.sh - the checks `make check` runs on the sources: formatting
# (clang-format, .clang-format) and cppcheck's warnings.
set -eu
cd "$(dirname "$0")/.."
files=$(ls src/*.c src/*.h src/shim/*.c src/shim/*.h tools/*.c tools/*.h 2>/dev/null || true)
[ -n "$files" ] || exit 0
if command -v clang-format >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	clang-format --dry-run -Werror $files || {
		echo "lint: run 'make format'" >&2
		exit 1
	}
fi
if command -v cppcheck >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	cppcheck -q --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -Isrc $files
fi
echo "lint: ok"
