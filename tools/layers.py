#!/usr/bin/env python3
"""layers.py LAYERS OBJDIR - checks the architecture the tree promises
(README "Development"). From the sources: each folder of src/ includes only
folders before it in LAYERS, and only their public header; the tool (tools/)
includes only public headers. From the objects in OBJDIR (nm): no file calls
into a folder after its own, and no files call each other in a cycle, within
a folder or across. Prints each breach; exits 1 on any.
"""
import os
import re
import subprocess
import sys

PUBLIC = {
    "base": "base/base.h", "libc": "libc/libc.h", "match": "match/match.h",
    "config": "config/config.h", "state": "state/state.h", "core": "core/core.h",
    "connect": "connect/connect.h", "curl": "curl/transfer.h",
    "control": "control/control.h",
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def nm(path, *flags):
    out = subprocess.run(["nm", "-P", *flags, path], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


def symbol_problems(layers, rank, objdir):
    """Edges between object files by the symbols one uses and another
    defines; a call up the layers or a cycle is a problem."""
    defined, used = {}, {}
    for d in layers:
        folder = os.path.join(objdir, "src", d)
        if not os.path.isdir(folder):
            return [f"no objects in {folder}: build first"]
        for name in sorted(os.listdir(folder)):
            if name.endswith(".o"):
                o = f"{d}/{name[:-2]}.c"
                path = os.path.join(folder, name)
                defined[o] = nm(path, "--defined-only")
                used[o] = nm(path, "--undefined-only")
    # The shim's exports are libc's names (close, socket...): code below
    # that calls libc reaches them by design, behind the re-entry flag.
    owner = {sym: o for o, syms in defined.items() for sym in syms if not o.startswith("shim/")}
    graph = {o: sorted({owner[s] for s in used[o] if s in owner and owner[s] != o}) for o in used}
    problems = []
    for o, targets in graph.items():
        for t in targets:
            if rank[t.split("/")[0]] > rank[o.split("/")[0]]:
                problems.append(f"src/{o} calls src/{t}: a call up the layers")
    state = {}

    def visit(o, trail):
        state[o] = 1
        for t in graph[o]:
            if state.get(t) == 1:
                cycle = trail[trail.index(t):] if t in trail else [t]
                problems.append("file cycle: " + " -> ".join(f"src/{x}" for x in cycle + [o, t]))
            elif t not in state:
                visit(t, trail + [o])
        state[o] = 2

    for o in sorted(graph):
        if o not in state:
            visit(o, [])
    return problems


def main():
    layers = sys.argv[1].split() if len(sys.argv) > 1 else []
    rank = {d: i for i, d in enumerate(layers)}
    problems = []
    for d in layers:
        for name in sorted(os.listdir(os.path.join("src", d))):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join("src", d, name)
            for inc in includes(path):
                if "/" not in inc:
                    inc = d + "/" + inc
                top = inc.split("/")[0]
                if top not in rank:
                    problems.append(f"{path}: includes {inc}, not in a known folder")
                elif top == d:
                    pass
                elif rank[top] > rank[d]:
                    problems.append(f"{path}: includes {inc}: {d}/ may not call up into {top}/")
                elif PUBLIC.get(top) != inc:
                    problems.append(f"{path}: includes {inc}: use {PUBLIC.get(top)}, {top}/'s public header")
    for name in sorted(os.listdir("tools")):
        if name.endswith((".c", ".h")):
            for inc in includes(os.path.join("tools", name)):
                top = inc.split("/")[0]
                if "/" in inc and PUBLIC.get(top) != inc:
                    problems.append(f"tools/{name}: includes {inc}: use {PUBLIC.get(top)}")
    problems += symbol_problems(layers, rank, sys.argv[2] if len(sys.argv) > 2 else "build/pic")
    for p in problems:
        print("layers: " + p)
    if problems:
        return 1
    print(f"layers: ok ({' > '.join(reversed(layers))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
