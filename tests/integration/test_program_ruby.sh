#!/bin/sh
# shellcheck disable=SC2317 # clients and server hooks are called through program_lib.sh
# ruby against tests/helpers/server.py http servers on loopback ports this
# test starts, twice: TCPSocket.new with connect_timeout 10 (non-blocking
# connect, wait, a second connect() for the outcome) sending a raw GET, and
# Net::HTTP (open_timeout 10). For each: two refusals open the breaker and
# the third call fails with ruby's own Errno::ECONNREFUSED message; while
# open a restarted server accepts no connection; after open_timeout the next
# call is answered and the breaker closes; a server on a port no breaker
# covers answers exactly as without the shim.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need ruby python3 curl

cat >"$T/client.rb" <<'RB'
require "socket"
require "net/http"
how, port = ARGV[0], Integer(ARGV[1])
begin
  if how == "tcp"
    s = TCPSocket.new("127.0.0.1", port, connect_timeout: 10)
    s.write("GET / HTTP/1.0\r\n\r\n")
    puts s.gets.chomp
    s.close
  else
    Net::HTTP.start("127.0.0.1", port, open_timeout: 10, read_timeout: 10) do |h|
      r = h.get("/")
      puts "#{r.code} #{r.body}"
    end
  end
rescue SystemCallError, IOError => e
  puts "error: #{e.class}: #{e.message}"
  exit 1
end
RB
tcp() { "$1" ruby "$T/client.rb" tcp "$2"; }
nethttp() { "$1" ruby "$T/client.rb" http "$2"; }
start() { start_http "http$1" "$1"; }

U=$(free_port)
start_http unmatched "$U"
program_cycle tcp "$T/tcp.ini" "$(free_port)" start http_accepts
program_passes tcp "$T/tcp.ini" "$U"
program_cycle nethttp "$T/nethttp.ini" "$(free_port)" start http_accepts
program_passes nethttp "$T/nethttp.ini" "$U"
exit 0
