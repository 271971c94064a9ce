#!/bin/sh
# deps.sh BUILD_PKGS... -- TEST_PKGS...
# Installs the Debian packages that are not installed yet (as root, with one
# `apt-get update` first). Does nothing, quickly, when all are present.
set -eu
missing=""
for p in "$@"; do
	[ "$p" = "--" ] && continue
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second checkout, unattended-upgrades) holds the lock:
# wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
