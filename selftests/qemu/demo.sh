#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make run: a short tour of ubc, run inside the VM with the module loaded.
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

echo
echo "=== ubc demonstration on $(uname -r) ==="
run grep ubc /proc/modules
run ubc create 101 numproc 20:20
run ubc list
say "ubc exec 101 -- sh -c 'fork bomb: start 50 sleepers'"
ubc exec 101 -- sh -c '
	n=0; fail=0
	for i in $(seq 50); do
		if sleep 3 2>/dev/null & then n=$((n+1)); else fail=$((fail+1)); fi
	done
	echo "inside compartment 101: started $n children, $fail refused"
	wait' 2>&1 | sort | uniq -c
run ubc show 101
say "grep -A6 101: /proc/user_beancounters"
grep -A6 '101:' /proc/user_beancounters
sleep 1
run ubc destroy 101
run ubc list
echo
echo "=== end of demonstration ==="
