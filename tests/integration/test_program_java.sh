#!/bin/sh
# shellcheck disable=SC2317 # clients and server hooks are called through program_lib.sh
# Java (OpenJDK, default-jre-headless) against tests/helpers/server.py http
# servers on loopback ports this test starts, twice: java.net.Socket with a
# 10 s connect timeout sending a raw GET, and HttpURLConnection (connect
# timeout 10 s). The JVM connects IPv6 sockets to ::ffff:127.0.0.1, which
# the IPv4 pattern covers. For each: two refusals open the breaker and the
# third call fails with Java's own ConnectException; while open a restarted
# server accepts no connection; after open_timeout the next call is
# answered and the breaker closes; a server on a port no breaker covers
# answers exactly as without the shim. The client is compiled once with the
# runtime's own jdk.compiler module (Debian's JRE ships it), so each call
# is a JVM start of the class (about 100 ms), not a source launch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need java python3 curl
mkdir "$T/java"
cat >"$T/java/Client.java" <<'JAVA'
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;

public class Client {
    public static void main(String[] args) {
        int port = Integer.parseInt(args[1]);
        try {
            if (args[0].equals("socket")) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 10000);
                    s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    System.out.println(r.readLine());
                }
            } else {
                HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/").openConnection(Proxy.NO_PROXY);
                c.setConnectTimeout(10000);
                c.setReadTimeout(10000);
                int code = c.getResponseCode();
                String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                System.out.print(code + " " + body);
            }
        } catch (IOException e) {
            System.out.println("error: " + e);
            System.exit(1);
        }
    }
}
JAVA
java -m jdk.compiler/com.sun.tools.javac.Main -d "$T/java" "$T/java/Client.java" ||
	fail "cannot compile the Java client (no jdk.compiler module in this runtime?)"
JVM="java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp $T/java Client"
# shellcheck disable=SC2086 # $JVM is words
socket() { "$1" $JVM socket "$2"; }
# shellcheck disable=SC2086
httpurl() { "$1" $JVM http "$2"; }
start() { start_http "http$1" "$1"; }

U=$(free_port)
start_http unmatched "$U"
program_cycle socket "$T/socket.ini" "$(free_port)" start http_accepts
program_passes socket "$T/socket.ini" "$U"
program_cycle httpurl "$T/httpurl.ini" "$(free_port)" start http_accepts
program_passes httpurl "$T/httpurl.ini" "$U"
exit 0
