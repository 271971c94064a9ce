#!/bin/sh
# node-exporter-textfile.sh [CONFIG] - writes `cbreaker metrics` for CONFIG
# (default /etc/cbreaker/cbreaker.ini) into node_exporter's textfile
# collector directory as cbreaker-<name>.prom, where <name> is CONFIG's
# file name without .ini. For cron and systemd timers: full paths only,
# nothing taken from PATH.
#
# The metrics go to a temporary file in the same directory (a name
# node_exporter skips: it reads only *.prom), which is renamed over the old
# one only when the tool succeeded, so the collector never reads a partial
# or empty file. When the tool is missing or fails, the previous file
# stays, and its age (node_textfile_mtime_seconds) tells: see the
# CbreakerMetricsStale alert in conf/prometheus/cbreaker.rules.yml.
#
# CBREAKER and TEXTFILE_DIR may be set to other full paths.
set -eu
CBREAKER=${CBREAKER:-/usr/bin/cbreaker}
TEXTFILE_DIR=${TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}
config=${1:-/etc/cbreaker/cbreaker.ini}
name=$(/usr/bin/basename "$config" .ini)

if [ ! -x "$CBREAKER" ]; then
	echo "cbreaker-textfile: $CBREAKER is not installed" >&2
	exit 1
fi
tmp=$(/usr/bin/mktemp "$TEXTFILE_DIR/.cbreaker-$name.prom.XXXXXX")
trap '/bin/rm -f "$tmp"' EXIT
"$CBREAKER" -c "$config" metrics >"$tmp"
[ -s "$tmp" ] || {
	echo "cbreaker-textfile: cbreaker metrics printed nothing for $config" >&2
	exit 1
}
/bin/chmod 0644 "$tmp"
/bin/mv -f "$tmp" "$TEXTFILE_DIR/cbreaker-$name.prom"
