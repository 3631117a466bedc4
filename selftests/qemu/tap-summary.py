#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count TAP lines read on stdin; print them and "NAME: N passed, N failed"."""
import re
import sys

name = sys.argv[1]
passed = failed = skipped = 0
for line in sys.stdin:
    line = line.rstrip("\n")
    m = re.match(r"^(not ok|ok)\b", line)
    if m:
        if m.group(1) == "ok" and re.search(r"#\s*SKIP", line, re.I):
            skipped += 1
        elif m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
        print(line)
    elif line.startswith("#") or "rror" in line:
        print(f"  {line}")
extra = f", {skipped} skipped" if skipped else ""
print(f"{name}: {passed} passed, {failed} failed{extra}")
