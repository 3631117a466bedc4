#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py CONSOLE_LOG: the table of `make bench` from the guest's
UBCB/UBCM lines (see bench/run.sh). Exits 1 if the run did not finish.

Times: per operation, the median over rounds of the per-round ratio
CONFIG/(a); (a) itself as the median us per iteration; once with the
fastest tenth of each loop, once with the whole loop; then the ratio of the
best cases (fastest tenth, minimum over rounds). Memory: Slab delta
per held object; ubc's tracking per charged object is (c)-(a) divided by
the charges per object (file: numfile; AF_UNIX socket: numfile and
numothersock).
"""
import re
import statistics
import sys

CFGS = ["b0", "b", "c", "d"]
CHARGES = {"files": 1, "sockets": 2}


def time_table(p, times, ops, which, title):
    """One table of ratios to (a); which: 0 = whole-loop mean, 1 = fastest chunk."""
    p(f"Time per iteration, {title}:")
    p("ratio to (a), median of the per-round ratios [min-max over rounds]")
    p(f"{'op':6} {'(a) us':>8}  " + "  ".join(f"{'(' + c + ')':>17}" for c in CFGS)
      + "  (c)-1 <= ((d)-1)/2")
    met_b = met_cd = True
    for op in ops:
        a = {r: v[which] for r, v in times.get((op, "a"), {}).items()}
        row = f"{op:6} {statistics.median(a.values()) / 1000:8.2f}  "
        med = {}
        for c in CFGS:
            t = times.get((op, c), {})
            rs = [t[r][which] / a[r] for r in t if r in a]
            if not rs:
                row += f"{'-':>17}  "
                continue
            med[c] = statistics.median(rs)
            row += f"{med[c]:5.3f} [{min(rs):.2f}-{max(rs):.2f}]  "
        if "b" in med and med["b"] > 1.02:
            met_b = False
        cd = ""
        if "c" in med and "d" in med:
            ok = med["c"] - 1 <= max(med["d"] - 1, 0) / 2
            met_cd &= ok
            cd = "yes" if ok else "no"
        p(row + f"{cd:>5}")
    p(f"target (b) <= 1.02 for every op: {'met' if met_b else 'NOT met'}; "
      f"target (c) overhead <= half of (d) overhead: {'met' if met_cd else 'NOT met'}")
    return met_b, met_cd


def best_table(p, times, ops):
    """Ratios of the best rounds: fastest chunk, minimum over all rounds."""
    p("Time per iteration, best case: fastest tenth, minimum over rounds, ratio to (a)'s")
    p(f"{'op':6} {'(a) us':>8}  " + "  ".join(f"{'(' + c + ')':>6}" for c in CFGS))
    for op in ops:
        best = {c: min(v[1] for v in times.get((op, c), {}).values()) for c in ["a"] + CFGS
                if times.get((op, c))}
        p(f"{op:6} {best['a'] / 1000:8.2f}  "
          + "  ".join(f"{best[c] / best['a']:6.3f}" if c in best else f"{'-':>6}" for c in CFGS))


def main():
    text = open(sys.argv[1], errors="replace").read()
    times, mem, ev, head, errors = {}, {}, {}, "", []
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "UBC-BENCH-BEGIN":
            head = " ".join(f[1:])
        elif f[0] == "UBC-BENCH-ERROR":
            errors.append(line)
        elif f[0] == "UBCB" and len(f) == 6:
            times.setdefault((f[3], f[2]), {})[int(f[1])] = (float(f[4]), float(f[5]))
        elif f[0] == "UBCE" and len(f) == 6:
            ev.setdefault(f[2], {})[int(f[1])] = (float(f[4]), float(f[5]))
        elif f[0] == "UBCM" and len(f) in (8, 9):
            v = [int(x) for x in f[4:]] + [-1] * (9 - len(f))
            mem.setdefault((f[3], f[2]), []).append(tuple(v))
    if "UBC-BENCH-DONE" not in text:
        print("bench: the guest did not finish (no UBC-BENCH-DONE); see the console log",
              file=sys.stderr)
        return 1
    ops = []
    for op, _ in times:
        if op not in ops:
            ops.append(op)

    out = []
    p = out.append
    p(f"ubc benchmark: {head}")
    p("")
    met_b, met_cd = time_table(p, times, ops, 1,
                               "fastest tenth of each loop (least disturbed by the host)")
    p("")
    time_table(p, times, ops, 0, "whole loop (mean over N iterations)")
    p("")
    best_table(p, times, ops)
    p("")
    if ev.get("r") and ev.get("rl"):
        p("Refused charges (an open() refused by numfile, over and over) without and with a")
        p("listener of the events group (ubc monitor): us per iteration, median over rounds")
        for which, title in ((1, "fastest tenth"), (0, "whole loop")):
            r = statistics.median(v[which] for v in ev["r"].values())
            rl = statistics.median(v[which] for v in ev["rl"].values())
            ratios = [ev["rl"][k][which] / ev["r"][k][which] for k in ev["r"] if k in ev["rl"]]
            p(f"  {title:14} no listener {r / 1000:7.2f}  listener {rl / 1000:7.2f}  "
              f"ratio {statistics.median(ratios):.3f} [{min(ratios):.2f}-{max(ratios):.2f}]")
        p("")
    p("Memory: Slab delta (/proc/meminfo after vm.stat_refresh) per held object, bytes (median of reps)")
    p(f"{'held':8} {'N':>6} {'(a)':>8} {'(d)':>8} {'(b)':>8} {'(c)':>8} "
      f"{'(d)-(a)':>8} {'memcg slab (d)':>14} {'kmem/obj':>8} {'ubc/count':>9} "
      f"{'ubc/charge':>10} {'kmalloc-64/charge':>17}")
    met_mem = True
    for kind in ("files", "sockets"):
        per, k64, n, memcg, krec = {}, {}, 0, float("nan"), float("nan")
        for c in ("a", "d", "b", "c"):
            reps = mem.get((kind, c), [])
            if not reps:
                continue
            n = reps[0][0]
            per[c] = statistics.median(s / r for r, s, _, _, _ in reps)
            k64[c] = statistics.median(k for _, _, k, _, _ in reps)
            if c == "d":
                memcg = statistics.median(m / r for r, _, _, m, _ in reps)
            if c == "c" and all(x >= 0 for *_, x in reps):
                krec = statistics.median(x / r for r, *_, x in reps)
        if "a" not in per or "c" not in per:
            continue
        counts = CHARGES[kind]
        charges = counts + (krec if krec == krec else 0)
        ubc_count = (per["c"] - per["a"]) / counts
        ubc = (per["c"] - per["a"]) / charges
        met_mem &= ubc <= 8
        kc = (k64["c"] - k64["a"]) / n / charges
        p(f"{kind:8} {n:6} " + " ".join(f"{per.get(c, float('nan')):8.1f}" for c in ("a", "d", "b", "c"))
          + f" {per.get('d', float('nan')) - per['a']:8.1f} {memcg:14.1f} {krec:8.2f} {ubc_count:9.1f}"
          + f" {ubc:10.1f} {kc:17.2f}")
    p("(c)-(a) is ubc's tracking memory per held object (its owner table and kmem's table).")
    p("kmem/obj: kmemsize charges per object (kmem_tracking records in (c)); ubc/count: per")
    p("object-count charge (file: numfile; AF_UNIX socket: numfile and numothersock);")
    p("ubc/charge: per charge of any kind (counts + kmemsize). kmalloc-64/charge counts its")
    p("entries in /proc/slabinfo; memcg slab is the child's memory.stat slab delta.")
    p(f"target <= 8 bytes of tracking per charged object (ubc/charge): {'met' if met_mem else 'NOT met'}")
    p("")
    p("(a) module not loaded; (b0) loaded, no compartment ever used; (b) loaded, host task,")
    p("compartment 900 exists with a task inside (tracking on); (c) inside compartment 900,")
    p("unlimited; (d) module not loaded, inside a cgroup v2 child with +memory.")
    if errors:
        p("")
        p("errors reported by the guest:")
        out.extend(errors)
    print("\n".join(out))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
