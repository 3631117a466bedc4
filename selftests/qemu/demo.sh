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

echo
echo "--- dedicated versus burst memory under pressure ---"
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
g=$((avail * 6 / 10))
say "# $avail MiB available. 201: guaranteed $((g + 16)) MiB; 202: guaranteed 1 MiB"
run ubc create 201 oomguarpages $((g + 16))M
run ubc create 202 oomguarpages 1M
say "ubc exec 201 -- memhog $g &    # dedicated: within its guarantee"
ubc exec 201 -- memhog "$g" &
hog201=$!
while ! ubc show -r 201 | awk -v w=$((g * 256)) '$1 == "physpages" && $2 >= w { f = 1 } END { exit !f }'; do
	sleep 1
done
say "ubc exec 202 -- memhog $avail &    # bursting: wants more than is left"
ubc exec 202 -- memhog "$avail" &
hog202=$!
say "# the OOM killer must choose: the larger process is 201's, but 202 is past its guarantee"
level=$(cut -f1 /proc/sys/kernel/printk)
dmesg -n 1	# the OOM report goes to dmesg only
wait $hog202
echo "202's memhog exited with status $?  (137 = SIGKILL)"
dmesg -n "$level"
dmesg | grep -o 'Out of memory: Killed process [0-9]* ([a-z]*)' | tail -n1
say "ubc show 201 202    # bursts: low-memory warnings while in burst; oomguarpages failcnt: OOM kills"
ubc show 201 202 | grep -E '^(compartment|resource|physpages|oomguarpages)'
if kill -0 $hog201 2>/dev/null; then
	echo "201's memhog (dedicated memory) is still running"
fi
kill $hog201; wait $hog201 2>/dev/null
sleep 1
run ubc destroy 201
run ubc destroy 202
run ubc list
echo
echo "=== end of demonstration ==="
