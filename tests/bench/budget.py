#!/usr/bin/env python3
"""budget.py BUILD - the cost budgets of README "Performance", measured side
by side in one run: every row runs the same work without the shim (the
baseline) and with it, and prints the baseline, cbreaker's figure, the ratio
or difference, the budget and whether it is met. Also written as CSV to
BUILD/bench/budget.csv. Asserts nothing: `make bench` prints, people judge.

Instruction counts come from callgrind and are exact. Per-call rows run the
loop for two lengths and subtract, so start-up cancels out; system calls
are counted the same way with strace, clock reads from callgrind's call
counts. Times are medians of interleaved runs on a machine that may be
busy: read them as ratios taken in the same minute.
"""
import csv
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(BUILD, "libcbreaker.so")
TOOL = os.path.join(BUILD, "cbreaker")
LOOP = os.path.join(BUILD, "bench", "bench_loop")
SERVER = os.path.join(ROOT, "tests", "helpers", "server.py")
TMP = tempfile.mkdtemp(prefix="cbbudget.")
N1, N2 = 1000, 3000  # loop lengths for the per-call rows
rows = []
children = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config(name, body, shared=True):
    path = os.path.join(TMP, name + ".ini")
    state = os.path.join(TMP, name + ".state") if shared else "none"
    with open(path, "w") as f:
        f.write("[global]\nstate_file = %s\nsocket = off\nlog = off\n\n" % state + body)
    return path


def breakers(n, port):
    return "".join("[svc%d]\nhosts = svc%d.example.internal:443 10.%d.%d.0/24:%d\n" %
                   (i, i, i // 256, i % 256, port) for i in range(n))


def env_for(cfg):
    e = dict(os.environ)
    e.pop("LD_PRELOAD", None)
    e.pop("CBREAKER_CONFIG", None)
    if cfg is not None:
        e["LD_PRELOAD"] = LIB
        e["CBREAKER_CONFIG"] = cfg
    return e


def run(cmd, cfg, check=True):
    return subprocess.run(cmd, env=env_for(cfg), capture_output=True, text=True, check=check,
                          timeout=600)


def callgrind(cmd, cfg):
    """Instructions the whole process executed, and calls to clock_gettime."""
    out = os.path.join(TMP, "cg.out")
    run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd, cfg)
    total, clocks, names, current_fn = 0, 0, {}, None
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
            m = re.match(r"(c?)fn=\((\d+)\)(?: (.*))?", line)
            if m:  # names are given once, by fn= or cfn=, then by id
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if m.group(1):
                    current_fn = names.get(m.group(2), "")
            elif line.startswith("calls=") and current_fn and "clock_gettime" in current_fn:
                clocks += int(line.split()[0][len("calls="):])
    return total, clocks


def syscalls(cmd, cfg):
    out = os.path.join(TMP, "strace.out")
    run(["strace", "-f", "-c", "-o", out] + cmd, cfg)
    with open(out) as f:
        for line in f:
            if line.strip().endswith("total"):  # % time, seconds, usecs/call, calls, ...
                return int(line.split()[3])
    return 0


def per_call(measure, make_cmd, cfg):
    """(shim - plain) per iteration, from loops of N1 and N2 iterations."""
    def slope(c):
        a = measure(make_cmd(N1), c)
        b = measure(make_cmd(N2), c)
        return (b - a) / (N2 - N1)
    return slope(None), slope(cfg)


def add(row, baseline, figure, shown, budget, met):
    rows.append((row, baseline, figure, shown, budget, "met" if met else "MISSED"))
    print("%-66s %12s %12s %14s %18s  %s" % (row, baseline, figure, shown, budget,
                                              "met" if met else "MISSED"), flush=True)


STARTUP = os.path.join(BUILD, "bench", "bench_startup")


def spawn_medians(lib, cfgs, rounds=600):
    """Median microseconds per spawn of /bin/true for each configuration
    (None: no shim), lib preloaded, the cases interleaved spawn by spawn."""
    out = run([STARTUP, str(rounds), lib] + ["-" if c is None else c for c in cfgs], None)
    return [float(x) for x in out.stdout.split()]


def empty_library():
    """A preloadable library with nothing in it: what preloading any
    library costs, the floor under the start-up rows."""
    src, lib = os.path.join(TMP, "empty.c"), os.path.join(TMP, "empty.so")
    with open(src, "w") as f:
        f.write("void cb_bench_nothing(void) {}\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", lib, src], check=True)
    return lib


def startup_rows(port):
    none_cfg = os.path.join(TMP, "absent.ini")
    cfg50 = config("s50", breakers(50, port))
    cfg1000 = config("s1000", breakers(1000, port))
    for c in (cfg50, cfg1000):
        run(["/bin/true"], c)  # the state file exists, as on a running host
    plain, _ = callgrind(["/bin/true"], None)
    for label, cfg in (("start-up of /bin/true, no configuration file", none_cfg),
                       ("start-up of /bin/true, 50 breakers", cfg50),
                       ("start-up of /bin/true, 1,000 breakers", cfg1000)):
        # Reported, not judged: the budget is on time.
        shim, _ = callgrind(["/bin/true"], cfg)
        add(label + " (instructions)", plain, shim, "%+.0f k" % ((shim - plain) / 1000),
            "report", True)
    cfg50_private = config("s50p", breakers(50, port), shared=False)
    empty_base, empty = spawn_medians(empty_library(), [None, none_cfg])
    pct = 100.0 * (empty - empty_base) / empty_base
    add("start-up of /bin/true, an empty preloaded library: the floor (us per spawn)",
        "%.0f" % empty_base, "%.0f" % empty, "%+.1f%%" % pct, "report", True)
    base, *shims = spawn_medians(LIB, [None, none_cfg, cfg50, cfg1000, cfg50_private])
    for (label, budget), t in zip((("no configuration file", 5), ("50 breakers", 10),
                                   ("1,000 breakers", 15), ("50 breakers, state_file = none", None)),
                                  shims):
        pct = 100.0 * (t - base) / base
        add("start-up of /bin/true, %s (us per spawn)" % label, "%.0f" % base, "%.0f" % t,
            "%+.1f%%" % pct, "<= +%d%%" % budget if budget else "report",
            budget is None or pct <= budget)


def unmatched_rows(port):
    other_port = free_port()
    while other_port == port:
        other_port = free_port()
    body = "".join("[svc%d]\nhosts = 127.0.0.%d:%d\n" % (i, i + 1, port) for i in range(200))
    cfg = config("u200", body)
    for label, host, p in (("far miss (another /16)", "127.1.0.1", port),
                           ("near miss (same /16 as a breaker)", "127.0.1.1", port),
                           ("nearest miss (same address, other port)", "127.0.0.1",
                            other_port)):
        plain, shim = per_call(lambda cmd, c: callgrind(cmd, c)[0],
                               lambda n, h=host, q=p: [LOOP, "connect", h, str(q), str(n)], cfg)
        extra = shim - plain
        add("unmatched connect(), 200 breakers, " + label, "%.0f" % plain, "%.0f" % shim,
            "%+.0f instr" % extra, "<= +150", extra <= 150)


def closed_rows():
    cfg = config("closed", "[local]\nhosts = 127.0.0.1\nfailure_threshold = 5\n")
    cmd = lambda n: [LOOP, "accept", str(n)]  # noqa: E731
    plain, shim = per_call(lambda c, e: callgrind(c, e)[0], cmd, cfg)
    add("connect + accept + close, closed breaker", "%.0f" % plain, "%.0f" % shim,
        "%+.0f instr" % (shim - plain), "<= +600", shim - plain <= 600)
    plain, shim = per_call(syscalls, cmd, cfg)
    add("  system calls per cycle", "%.2f" % plain, "%.2f" % shim, "%+.2f" % (shim - plain),
        "+0", shim - plain < 0.5)
    plain, shim = per_call(lambda c, e: callgrind(c, e)[1], cmd, cfg)
    add("  clock reads per cycle", "%.2f" % plain, "%.2f" % shim, "%+.2f" % (shim - plain),
        "<= 1", shim - plain <= 1.01)


def timed(cmd, cfg, n, rounds=7):
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        run(cmd, cfg)
        out.append((time.perf_counter() - t0) * 1e9 / n)
    return statistics.median(out)


def rejection_rows(port):
    cfg = config("reject", "[dead]\nhosts = 127.0.0.1:%d\n" % port)
    run([TOOL, "-c", cfg, "force-open", "dead"], None)
    n = 20000
    for label, mode, budget in (("blocking", "connect", 5.0), ("non-blocking", "nonblock", None)):
        # Start-up is measured apart and taken off both.
        base = timed([LOOP, mode, "127.0.0.1", str(port), str(n)], None, n) - \
            timed([LOOP, mode, "127.0.0.1", str(port), "1"], None, n)
        ours = timed([LOOP, mode, "127.0.0.1", str(port), str(n)], cfg, n) - \
            timed([LOOP, mode, "127.0.0.1", str(port), "1"], cfg, n)
        pct = 100.0 * ours / base if base > 0 else float("nan")
        add("rejection vs the kernel's refusal, " + label + " (ns)",
            "%.0f" % base, "%.0f" % ours, "%.1f%%" % pct,
            "<= %.0f%%" % budget if budget else "report", budget is None or pct <= budget)


def server():
    portfile = os.path.join(TMP, "web.port")
    p = subprocess.Popen([sys.executable, SERVER, "http", portfile], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    children.append(p)
    for _ in range(200):
        if os.path.exists(portfile) and os.path.getsize(portfile) > 0:
            break
        time.sleep(0.05)
    with open(portfile) as f:
        return p, int(f.read())


def curl_rows(web):
    url = "http://127.0.0.1:%d/hello" % web
    cfg = config("curl", "[web]\nhosts = 127.0.0.1:%d\n" % web)
    plain, shim = per_call(lambda c, e: callgrind(c, e)[0],
                           lambda n: [LOOP, "curl", url, str(n // 10)], cfg)
    # per_call divides by N; the loop ran N/10 transfers.
    plain, shim = plain * 10, shim * 10
    add("successful local curl transfer (keep-alive)", "%.0f" % plain, "%.0f" % shim,
        "%+.0f instr" % (shim - plain), "<= +1000", shim - plain <= 1000)
    return url, cfg


def thread_rows(port):
    shared = config("one", "[one]\nhosts = 127.0.0.1:%d-%d\n" % (port, port + 1))
    apart = config("two", "[a]\nhosts = 127.0.0.1:%d\n[b]\nhosts = 127.0.0.1:%d\n" %
                   (port + 2, port + 3))
    for c, names in ((shared, ["one"]), (apart, ["a", "b"])):
        for b in names:
            run([TOOL, "-c", c, "force-open", b], None)
    n = "400000"
    rate = lambda c, p, t: float(run([LOOP, "threads", "127.0.0.1", str(p), n, t],  # noqa
                                     c).stdout)
    ceilings, ours = [], []
    for _ in range(3):
        ceilings.append(rate(apart, port + 2, "2") / rate(apart, port + 2, "1"))
        ours.append(rate(shared, port, "2") / rate(shared, port, "1"))
    ceiling, mine = statistics.median(ceilings), statistics.median(ours)
    add("two threads rejecting on one breaker, per-thread rate", "%.0f%%" % (100 * ceiling),
        "%.0f%%" % (100 * mine), "%.0f%% of it" % (100 * mine / ceiling),
        ">= 90% of ceiling", mine >= 0.9 * ceiling)


def rss_median(port, cfg, runs=5):
    """VmRSS after one connect: the median of a few runs (a process's
    layout varies from run to run)."""
    return statistics.median(int(run([LOOP, "rss", "127.0.0.1", str(port)], cfg).stdout)
                             for _ in range(runs))


def rss_rows(port):
    plain = rss_median(port, None)
    for label, cfg, budget in (
            ("no configuration file", os.path.join(TMP, "absent.ini"), None),
            ("50 breakers", config("r50", breakers(50, port)), 512),
            ("1,000 breakers", config("r1000", breakers(1000, port)), None)):
        shim = rss_median(port, cfg)
        add("resident memory added, " + label + " (kB)", plain, shim, "%+d kB" % (shim - plain),
            "<= +%d kB" % budget if budget else "report", budget is None or shim - plain <= budget)


def haproxy_rows(web_proc, web, url, cfg):
    if subprocess.run(["sh", "-c", "command -v haproxy"], capture_output=True).returncode != 0:
        print("haproxy not installed: no proxy rows")
        return
    front = free_port()
    stats = os.path.join(TMP, "haproxy.sock")
    hcfg = os.path.join(TMP, "haproxy.cfg")
    with open(hcfg, "w") as f:
        f.write("global\n  stats socket %s\ndefaults\n  mode http\n  timeout connect 2s\n"
                "  timeout client 5s\n  timeout server 5s\n  option http-keep-alive\n"
                "frontend f\n  bind 127.0.0.1:%d\n  default_backend b\n"
                "backend b\n  server s1 127.0.0.1:%d check inter 1s observe layer4 "
                "error-limit 5 on-error mark-down\n" % (stats, front, web))
    hp = subprocess.Popen(["haproxy", "-f", hcfg, "-db"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    children.append(hp)
    proxied = "http://127.0.0.1:%d/hello" % front
    for _ in range(100):
        if run([LOOP, "curl", proxied, "1"], None, check=False).returncode == 0:
            break
        time.sleep(0.05)
    n = 150

    def per_request(u, mode, c):  # start-up cancels: (T(n) - T(1)) / (n - 1)
        t_n = timed([LOOP, mode, u, str(n)], c, 1, 1)
        t_1 = timed([LOOP, mode, u, "1"], c, 1, 1)
        return (t_n - t_1) / (n - 1) / 1000

    for label, mode in (("keep-alive", "curl"), ("new connection", "curlnew")):
        proxy_added, shim_added = [], []
        for _ in range(5):  # interleaved rounds, median of the differences
            direct = per_request(url, mode, None)
            proxy_added.append(per_request(proxied, mode, None) - direct)
            shim_added.append(per_request(url, mode, cfg) - direct)
        p_us, s_us = statistics.median(proxy_added), statistics.median(shim_added)
        add("added latency per request, %s (us): HAProxy | cbreaker" % label, "%.1f" % p_us,
            "%.1f" % s_us, "", "report", True)
    # The backend dies: how long until requests fail fast?
    web_proc.send_signal(signal.SIGKILL)
    web_proc.wait()
    t0 = time.perf_counter()
    proxy_down = None
    while time.perf_counter() - t0 < 10 and proxy_down is None:
        run([LOOP, "curl", proxied, "1"], None, check=False)
        out = subprocess.run(["sh", "-c", "echo 'show stat' | socat - UNIX-CONNECT:%s" % stats],
                             capture_output=True, text=True).stdout
        if ",s1," in out and "DOWN" in out.split(",s1,")[1].split("\n")[0]:
            proxy_down = time.perf_counter() - t0
    t0 = time.perf_counter()
    shim_open = None
    while time.perf_counter() - t0 < 10 and shim_open is None:
        run([LOOP, "curl", url, "1"], cfg, check=False)
        if '"state":"open"' in run([TOOL, "-c", cfg, "status", "--json"], None).stdout:
            shim_open = time.perf_counter() - t0
    fmt = lambda v: "%.0f" % (v * 1000) if v is not None else "never"  # noqa: E731
    add("fail fast after the backend dies (ms): HAProxy | cbreaker", fmt(proxy_down),
        fmt(shim_open), "", "report", True)


def main():
    for tool in ("valgrind", "strace"):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
            print("budget: %s is not installed" % tool)
            return 1
    print("%-66s %12s %12s %14s %18s  %s" % ("row", "without shim", "cbreaker", "difference",
                                              "budget", ""))
    refused = free_port()
    try:
        startup_rows(refused)
        unmatched_rows(refused)
        closed_rows()
        rejection_rows(refused)
        web_proc, web = server()
        url, cfg = curl_rows(web)
        thread_rows(free_port())
        rss_rows(refused)
        haproxy_rows(web_proc, web, url, cfg)
    finally:
        for c in children:
            if c.poll() is None:
                c.kill()
                c.wait()
        subprocess.run(["rm", "-rf", TMP])
    path = os.path.join(BUILD, "bench", "budget.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "without shim", "cbreaker", "difference", "budget", "verdict"])
        w.writerows(rows)
    print("budget: %d rows, %d missed; CSV in %s" %
          (len(rows), sum(r[5] != "met" for r in rows), path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
