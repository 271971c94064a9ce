#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal of a given size, as a terminal
would (for `cbreaker watch`), and writes everything it printed, raw, to
OUT once the output holds PATTERN (or after SECONDS), then interrupts it
with SIGINT and waits for it.

ptyrun.py COLS ROWS SECONDS PATTERN OUT CMD [ARGS...]
Exit status: the command's, or 124 when PATTERN never showed up.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    cols, rows, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    pattern, out, cmd = sys.argv[4].encode(), sys.argv[5], sys.argv[6:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    data = b""
    end = time.monotonic() + seconds
    while pattern not in data and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data += os.read(fd, 65536)
            except OSError:
                break
    found = pattern in data
    os.kill(pid, signal.SIGINT)
    # Drain what it prints on its way out (EOF once it has exited).
    end = time.monotonic() + 5
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        try:
            chunk = os.read(fd, 65536) if ready else b"-"
        except OSError:
            break
        if not chunk:
            break
        if ready:
            data += chunk
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done and time.monotonic() < end:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    with open(out, "wb") as f:
        f.write(data)
    if not found:
        sys.exit(124)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
