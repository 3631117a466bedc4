#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one VM run from what the guest printed, never from QEMU's status.

results.log (second serial port): TAP lines of every selftest, "# selftest:"
and "# exit:" lines from /init, and the success marker with this run's nonce.
console.log (first serial port): kernel messages, searched for oopses,
warnings, lockdep and sanitizer reports.

Prints every result line and ends with "LANE: N passed, N failed[, N skipped]".
Exit status 0 only if nothing failed.
"""
import argparse
import os
import re
import sys

# The kernel messages that fail a run: one extended regular expression per
# line of bad-console, the same file /init greps dmesg with.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad-console")) as f:
    BAD_CONSOLE = re.compile("|".join(l.strip() for l in f if l.strip()))
TAP = re.compile(r"^(not ok|ok)\s+(\d+\s+)?(-\s+)?(.*)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lane", required=True)
    ap.add_argument("--nonce", required=True)
    ap.add_argument("--qemu-status", type=int, default=0)
    ap.add_argument("results")
    ap.add_argument("console")
    a = ap.parse_args()

    def read(path):
        try:
            with open(path, errors="replace") as f:
                return f.read().replace("\r", "").splitlines()
        except FileNotFoundError:
            return []

    results, console = read(a.results), read(a.console)
    passed = failed = skipped = 0
    binary, binary_failed, marker = None, False, False
    pending = []

    def report(ok, name, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(f"{'ok' if ok else 'not ok'} [{a.lane}] {name}{why}")

    for line in results:
        if line.startswith("# selftest: "):
            binary, binary_failed = line.split(": ", 1)[1].strip(), False
            continue
        if line.startswith("# exit: "):
            name, rc = line[len("# exit: "):].split()
            if rc != "0" and not binary_failed:
                for p in pending:
                    print(f"  {p}")
                report(False, f"{name}", f" (exited with status {rc})")
            pending = []
            binary = None
            continue
        if line.strip() == f"UBC-SELFTESTS-PASSED {a.nonce}":
            marker = True
            continue
        m = TAP.match(line)
        if not m:
            # diagnostics: kept until the test's verdict, shown on failure
            if line.startswith("#") and binary is not None:
                pending.append(line)
            elif line.startswith("#"):
                print(f"  {line}")
            continue
        verdict, name = m.group(1), m.group(4).strip()
        if binary:
            name = f"{binary}: {name}"
        if verdict == "ok" and re.search(r"#\s*SKIP", name, re.I):
            skipped += 1
            print(f"ok [{a.lane}] {name}")
            continue
        if verdict != "ok" and binary:
            binary_failed = True
        if verdict != "ok":
            for p in pending:
                if not re.match(r"#\s+(RUN|OK)\s", p):
                    print(f"  {p}")
        pending = []
        report(verdict == "ok", name)

    bad = [l for l in console if BAD_CONSOLE.search(l)]
    if bad:
        report(False, "kernel console shows no oops, warning or lockdep report")
        for l in bad[:40]:
            print(f"  # {l}")
    if a.qemu_status == 124:
        report(False, "VM finished within its timeout")
    if not any(l.startswith("UBC-VM-DONE") for l in results):
        report(False, "guest ran to the end of /init")
        for l in console[-30:]:
            print(f"  # {l}")
    if not marker:
        report(False, "guest wrote the success marker")

    extra = f", {skipped} skipped" if skipped else ""
    print(f"{a.lane}: {passed} passed, {failed} failed{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
