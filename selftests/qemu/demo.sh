#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make run: a short tour of ubc, run inside the VM with the module loaded.
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

echo
echo "=== ubc demonstration on $(uname -r) ==="
run grep ubc /proc/modules
run ubc create 101 numproc 20
run ubc list
say "ubc exec 101 -- forkbomb 100 3 &    # a fork bomb inside compartment 101"
ubc exec 101 -- forkbomb 100 3 &
sleep 1
say "ubc show 101    # while the bomb runs: numproc is held at its barrier"
ubc show 101 | sed -n '1,2p;/numproc/p'
say "grep -A5 101: /proc/user_beancounters    # the same numbers, OpenVZ format"
sed -n '1,2p' /proc/user_beancounters
grep -A5 '101:' /proc/user_beancounters
wait
sleep 1
say "ubc show 101    # after the bomb: held back to 0, maxheld and failcnt remain"
ubc show 101 | sed -n '1,2p;/numproc/p'
say "forkbomb 30 0   # the same program on the host is not limited"
forkbomb 30 0
run ubc destroy 101
run ubc list
echo
echo "=== end of demonstration ==="
