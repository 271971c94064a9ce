#!/usr/bin/env python3
"""Loopback servers for the integration tests.

server.py http PORTFILE [PORT [ADDRESS]]
                          HTTP on ADDRESS (default 127.0.0.1); GET /_control/... steers it:
                          status/N, retry-after/S, redirect/URL, delay/MS,
                          count (requests served), connections (accepted),
                          reset (counters to 0). Everything else is answered
                          with the current status.
server.py hang PORTFILE [PORT [ADDRESS]]
                          a listener whose accept queue is full: new SYNs are
                          dropped, so connects hang until their timeout. On
                          ADDRESS (default 127.0.0.1; ::1 for IPv6).
The port is PORT when given (so a service can hang, then heal on the same
port), else one the kernel picks; it is written to PORTFILE once the
server is ready.
"""
import http.server
import os
import socket
import socketserver
import sys
import threading
import time

state = {"status": 200, "retry_after": None, "redirect": None, "delay_ms": 0,
         "count": 0, "connections": 0}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        with lock:
            state["connections"] += 1
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def control(self, parts):
        with lock:
            if parts[0] == "status":
                state["status"] = int(parts[1])
            elif parts[0] == "retry-after":
                state["retry_after"] = parts[1] if parts[1] != "none" else None
            elif parts[0] == "redirect":
                state["redirect"] = "/".join(parts[1:]).replace("http:/", "http://", 1) or None
            elif parts[0] == "delay":
                state["delay_ms"] = int(parts[1])
            elif parts[0] == "reset":
                state["count"] = 0
                state["connections"] = 0
            elif parts[0] in ("count", "connections"):
                return self.reply(200, "%d\n" % state[parts[0]])
        self.reply(200, "ok\n")

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if parts[0] == "_control":
            return self.control(parts[1:])
        with lock:
            state["count"] += 1
            status, ra, redir, delay = (state["status"], state["retry_after"],
                                        state["redirect"], state["delay_ms"])
        if delay:
            time.sleep(delay / 1000.0)
        headers = []
        if ra is not None:
            headers.append(("Retry-After", ra))
        if redir:
            headers.append(("Location", redir))
            status = 302
        self.reply(status, "status %d\n" % status, headers)

    do_HEAD = do_GET
    do_POST = do_GET


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if mode == "http":
        srv = Server((sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1", port), Handler)
        write_port(portfile, srv.server_address[1])
        srv.serve_forever()
    elif mode == "hang":
        address = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        lst = socket.socket(family)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((address, port))
        lst.listen(0)
        port = lst.getsockname()[1]
        fillers = []
        # Linux keeps backlog+1 connections queued; once full, SYNs are dropped.
        for _ in range(8):
            s = socket.socket(family)
            s.setblocking(False)
            s.connect_ex((address, port))
            fillers.append(s)
        time.sleep(0.3)
        write_port(portfile, port)
        while True:
            time.sleep(3600)
    else:
        sys.exit("usage: server.py http PORTFILE [PORT] | hang PORTFILE [PORT [ADDRESS]]")


if __name__ == "__main__":
    main()
