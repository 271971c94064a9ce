#!/usr/bin/env python3
"""A minimal PostgreSQL server for the integration tests (protocol 3.0,
no authentication, no TLS): enough for `psql -X -At -c QUERY`.

fakepg.py PORT COUNTFILE
    listens on 127.0.0.1:PORT; writes "ready" to COUNTFILE.ready once it
    listens and the number of connections accepted so far to COUNTFILE.
    SSLRequest and GSSENCRequest are declined ('N'); every startup is
    trusted; every simple query is answered with one text column
    "?column?" holding the query itself, and "SELECT 1".
"""
import os
import socket
import struct
import sys
import threading

count = 0
lock = threading.Lock()


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def msg(kind, payload):
    return kind + struct.pack("!I", len(payload) + 4) + payload


def recv_exact(c, n):
    data = b""
    while len(data) < n:
        chunk = c.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve(c):
    try:
        while True:
            (length,) = struct.unpack("!I", recv_exact(c, 4))
            body = recv_exact(c, length - 4)
            (code,) = struct.unpack("!I", body[:4])
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                c.sendall(b"N")
                continue
            break
        out = msg(b"R", struct.pack("!I", 0))
        for k, v in (("server_version", "15.0"), ("server_encoding", "UTF8"),
                     ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
                     ("integer_datetimes", "on"), ("standard_conforming_strings", "on")):
            out += msg(b"S", k.encode() + b"\0" + v.encode() + b"\0")
        out += msg(b"K", struct.pack("!II", os.getpid(), 1))
        out += msg(b"Z", b"I")
        c.sendall(out)
        while True:
            kind = recv_exact(c, 1)
            (length,) = struct.unpack("!I", recv_exact(c, 4))
            body = recv_exact(c, length - 4)
            if kind == b"X":
                return
            if kind != b"Q":
                c.sendall(msg(b"E", b"SERROR\0C0A000\0Mnot supported\0\0") + msg(b"Z", b"I"))
                continue
            query = body.rstrip(b"\0")
            row = struct.pack("!H", 1) + b"?column?\0" + struct.pack("!IHIhih", 0, 0, 25, -1, -1, 0)
            data = struct.pack("!HI", 1, len(query)) + query
            c.sendall(msg(b"T", row) + msg(b"D", data) + msg(b"C", b"SELECT 1\0") + msg(b"Z", b"I"))
    except (EOFError, OSError):
        pass
    finally:
        c.close()


def main():
    global count
    port, countfile = int(sys.argv[1]), sys.argv[2]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    write(countfile, "0\n")
    write(countfile + ".ready", "ready\n")
    while True:
        c, _ = s.accept()
        with lock:
            count += 1
            write(countfile, "%d\n" % count)
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
