#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench` (busybox ash), run by selftests/qemu/vm.sh as
# UBC_VM_SCRIPT after /init has loaded /ubc.ko. bench/bench.sh prepends
# ROUNDS=, MS= and HOLD= lines. Every result is one line on the console:
#   UBCB ROUND CONFIG OP MEAN_NS MIN_NS        timed loops (see bench.c)
#   UBCM REP CONFIG KIND N SLAB_BYTES KMALLOC64_OBJS MEMCG_SLAB_BYTES KMEM_RECORDS   held
# and the last line is UBC-BENCH-DONE; bench/report.py makes the table.
#
# Configurations:
#   a   module not loaded
#   b0  module loaded, no compartment ever used (fresh insmod)
#   b   module loaded, task on the host, compartment 900 exists and holds a
#       task (ubc exec 900 -- sleep), so ubc's task tracking is switched on
#   c   inside compartment 900, every limit unlimited (ubc exec 900 -- bench)
#   d   module not loaded, inside a cgroup v2 child with +memory
#       (the kernel's own kmem accounting)
ROUNDS=${ROUNDS:-7} MS=${MS:-250} HOLD=${HOLD:-10000}
cg=/sys/fs/cgroup

dmesg -n 1	# keep kernel messages off the console we parse
echo "UBC-BENCH-BEGIN $(uname -r) rounds=$ROUNDS ms=$MS hold=$HOLD cpus=$(nproc)"

mount -t cgroup2 none $cg || echo "UBC-BENCH-ERROR mount cgroup2"
echo +memory >$cg/cgroup.subtree_control || echo "UBC-BENCH-ERROR +memory"
mkdir -p $cg/bench

loaded=1 sleeper=
load() {
	[ $loaded = 1 ] && return
	insmod /ubc.ko || echo "UBC-BENCH-ERROR insmod"
	loaded=1
}
unload() {
	if [ -n "$sleeper" ]; then
		kill "$sleeper"; wait "$sleeper" 2>/dev/null; sleeper=
	fi
	# the last task's numproc returns after an RCU grace period (task
	# struct release): until then rmmod says EAGAIN (busy), so retry
	if [ $loaded = 1 ]; then
		i=0
		until rmmod ubc 2>/dev/null; do
			i=$((i + 1))
			[ $i -lt 50 ] || { echo "UBC-BENCH-ERROR rmmod"; break; }
			sleep 0.1
		done
	fi
	loaded=0
}
# Compartment 900 with a task inside: switches task tracking on.
track() {
	ubc create 900 || echo "UBC-BENCH-ERROR ubc create"
	ubc exec 900 -- sleep 100000 &
	sleeper=$!
	sleep 1
	grep -q '^ *900:' /proc/user_beancounters || echo "UBC-BENCH-ERROR no compartment"
}

# in CONFIG CMD...: run CMD (bench) as configuration CONFIG needs it
in_cfg() {
	cfg=$1; shift
	case $cfg in
	a|b|b0) "$@" ;;
	c) ubc exec 900 -- "$@" ;;
	d) sh -c 'echo $$ >'$cg'/bench/cgroup.procs && exec "$@"' sh "$@" ;;
	esac
}
measure() {	# measure ROUND CONFIG
	in_cfg "$2" bench run $ops | while read -r op mean min; do
		echo "UBCB $1 $2 $op $mean $min"
	done
}

unload
cal=$(bench calibrate "$MS" | sed 's/ /:/')
ops=$(echo "$cal" | grep -v '^refused:' | tr '\n' ' ')
refused=$(echo "$cal" | grep '^refused:')
echo "UBC-BENCH-N $ops $refused"

# Interleaved rounds; odd and even rounds run the configurations in opposite
# orders, so that a slow drift of the VM's speed does not favour one.
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "UBC-BENCH-ROUND $r"
	if [ $((r % 2)) = 1 ]; then
		unload; measure $r a; measure $r d
		load; measure $r b0; track; measure $r b; measure $r c; unload
	else
		load; measure $r b0; track; measure $r b; measure $r c; unload
		measure $r d; measure $r a
	fi
	r=$((r + 1))
done

echo "UBC-BENCH-ROUND events"
# A compartment hammering a refused limit (numfile full: every open() is
# refused), without and with a listener of the events group (ubc monitor),
# rounds interleaved: UBCE ROUND r|rl refused MEAN_NS MIN_NS.
load
ubc create 901 numfile 8 || echo "UBC-BENCH-ERROR ubc create 901"
r=1
while [ $r -le "$ROUNDS" ]; do
	for cfg in r rl; do
		mon=
		if [ $cfg = rl ]; then
			ubc monitor 901 >/dev/null 2>&1 &
			mon=$!
			sleep 1
		fi
		ubc exec 901 -- bench run $refused | while read -r op mean min; do
			echo "UBCE $r $cfg $op $mean $min"
		done
		[ -n "$mon" ] && { kill $mon; wait $mon 2>/dev/null; }
	done
	r=$((r + 1))
done
ubc show 901 | grep numfile | sed 's/^/UBC-BENCH-INFO /'
ubc destroy 901 || echo "UBC-BENCH-ERROR ubc destroy 901"
unload

echo "UBC-BENCH-ROUND memory"
# Memory: hold HOLD files, then HOLD AF_UNIX sockets, in each configuration.
for rep in 1 2 3; do
	for kind in files sockets; do
		unload
		in_cfg a bench hold $kind "$HOLD" | sed "s/^hold/UBCM $rep a/"
		in_cfg d bench hold $kind "$HOLD" | sed "s/^hold/UBCM $rep d/"
		load; track
		in_cfg b bench hold $kind "$HOLD" | sed "s/^hold/UBCM $rep b/"
		in_cfg c bench hold $kind "$HOLD" | sed "s/^hold/UBCM $rep c/"
		ubc show 900 | grep -E 'numfile|numothersock' | sed 's/^/UBC-BENCH-INFO /'
	done
done
unload
echo "UBC-BENCH-DONE"
