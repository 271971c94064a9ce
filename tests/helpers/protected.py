#!/usr/bin/env python3
"""A protected program for the control-socket tests: connects to
127.0.0.1:PORT every 100 ms (so the shim ticks and may serve the control
socket) until SECONDS have passed.

protected.py PORT [SECONDS] [--fork-after S] [--close-all-after S]
  --fork-after S       fork once after S seconds; parent and child both loop
  --close-all-after S  after S seconds close every descriptor above 2 once,
                       as daemons do, then carry on
Prints "ready PID" once its first connect was made (each process, after
--fork-after), and "closed" after closing its descriptors.
"""
import os
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    port = int(args[0])
    limit = float(args[1]) if len(args) > 1 and not args[1].startswith("--") else 60.0
    close_after = None
    if "--close-all-after" in args:
        close_after = float(args[args.index("--close-all-after") + 1])
    fork_after = None
    if "--fork-after" in args:
        fork_after = float(args[args.index("--fork-after") + 1])
    start = time.monotonic()
    first = True
    while time.monotonic() - start < limit:
        s = socket.socket()
        s.settimeout(1)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            pass
        finally:
            s.close()
        if first:
            print("ready %d" % os.getpid(), flush=True)
            first = False
        if fork_after is not None and time.monotonic() - start > fork_after:
            fork_after = None
            if os.fork() == 0:
                first = True
        if close_after is not None and time.monotonic() - start > close_after:
            os.closerange(3, 4096)
            close_after = None
            print("closed", flush=True)
        time.sleep(0.1)


if __name__ == "__main__":
    main()
