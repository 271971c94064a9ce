#!/bin/sh
# lint.sh LAYERS OBJDIR - the checks `make check` runs on the sources:
# formatting (clang-format, .clang-format), cppcheck's warnings, and the
# architecture (tools/layers.py: folders call down, never up; no cycles).
set -eu
cd "$(dirname "$0")/.."
files=$(ls src/*/*.c src/*/*.h tools/*.c tools/*.h 2>/dev/null || true)
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
python3 tools/layers.py "$1" "$2"
echo "lint: ok"
