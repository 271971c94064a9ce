#!/bin/sh
# shellcheck disable=SC2317 # clients and server hooks are called through program_lib.sh
# perl against tests/helpers/server.py http servers on loopback ports this
# test starts, twice: IO::Socket::INET with Timeout (non-blocking connect,
# select, a second connect() for the outcome) sending a raw GET, and
# LWP::UserAgent (timeout 10). For each: two refusals open the breaker and
# the third call fails with perl's own "Connection refused"; while open a
# restarted server accepts no connection; after open_timeout the next call
# is answered and the breaker closes; a server on a port no breaker covers
# answers exactly as without the shim.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need perl python3 curl
perl -MLWP::UserAgent -e 1 2>/dev/null || skip "LWP (libwww-perl) not installed"

cat >"$T/client.pl" <<'PL'
use strict;
use warnings;
use IO::Socket::INET;
use LWP::UserAgent;
my ($how, $port) = @ARGV;
if ($how eq "inet") {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port,
                                  Proto => "tcp", Timeout => 10);
    unless ($s) { print "error: $@\n"; exit 1; }
    print $s "GET / HTTP/1.0\r\n\r\n";
    my $line = <$s>;
    $line =~ s/\r?\n$//;
    print "$line\n";
    exit 0;
}
my $ua = LWP::UserAgent->new(timeout => 10, env_proxy => 0, keep_alive => 0);
my $r = $ua->get("http://127.0.0.1:$port/");
print $r->code, " ", $r->decoded_content;
exit($r->is_success ? 0 : 1);
PL
inet() { "$1" perl "$T/client.pl" inet "$2"; }
lwp() { "$1" perl "$T/client.pl" lwp "$2"; }
start() { start_http "http$1" "$1"; }

U=$(free_port)
start_http unmatched "$U"
program_cycle inet "$T/inet.ini" "$(free_port)" start http_accepts
program_passes inet "$T/inet.ini" "$U"
program_cycle lwp "$T/lwp.ini" "$(free_port)" start http_accepts
program_passes lwp "$T/lwp.ini" "$U"
exit 0
