#!/usr/bin/env python3
"""Talks to a control socket the way a careless or hostile client might.

ctlsock.py SOCKET line TEXT       sends TEXT and a newline, prints the reply
ctlsock.py SOCKET raw             sends stdin as it is, prints the reply
ctlsock.py SOCKET half            sends half a line, then hangs up at once
ctlsock.py SOCKET silent          connects, says nothing; prints the reply
                                  (the server must time it out)
ctlsock.py SOCKET many N          N threads, each "status"; prints how many
                                  got JSON and how many a clean refusal
Every wait is bounded (10 s).
"""
import json
import socket
import sys
import threading


def talk(path, data, shut=True):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    try:
        if data:
            s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except ConnectionResetError:
        pass
    s.close()
    return out


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "line":
        sys.stdout.write(talk(path, sys.argv[3].encode() + b"\n").decode())
    elif mode == "raw":
        sys.stdout.write(talk(path, sys.stdin.buffer.read()).decode())
    elif mode == "half":
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.sendall(b"sta")
        s.close()
    elif mode == "silent":
        sys.stdout.write(talk(path, b"", shut=False).decode())
    elif mode == "many":
        n = int(sys.argv[3])
        results = {"json": 0, "refused": 0, "other": 0}
        lock = threading.Lock()

        def one():
            kind = "other"
            try:
                reply = talk(path, b"status\n")
                doc = json.loads(reply)
                kind = "refused" if "error" in doc else "json"
            except (OSError, ValueError):
                kind = "refused"
            with lock:
                results[kind] += 1

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        print("%d %d %d" % (results["json"], results["refused"], results["other"]))


if __name__ == "__main__":
    main()
