#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The hostile-workload suite (busybox ash, root, in the VM): stress-ng
# stressors run as root inside compartments with tight limits, two or more
# instances at once on the VM's two vCPUs, for a few seconds each, then a
# mixed run of every kind at once while the host works beside it.
#
# For every enforced resource (one TAP line each) it asserts:
#  - the rule: maxheld never passed the limit (plus the bound of a forced
#    kind where the kernel truly cannot fail: the table below);
#  - failcnt > 0: the workload met the limit and was refused (single
#    runs);
#  - held back at its baseline (0, the compartment is empty; for kmemsize
#    and dcachesize what its records hold, objects the kernel still
#    caches) once every task is reaped and a short settle (RCU frees,
#    reclaimable dentries dropped) is over; the compartment then
#    disappears when destroyed;
#  - stress-ng ran and ended by itself: a refused resource makes a
#    stressor report a failure or skip (exit status 0, 2 "stressor failed"
#    or 3 "no resource"), never kill stress-ng or hang it; status 1 (usage
#    error), a death by a signal or the watchdog's SIGKILL fail.
# And for the host: it can fork, open and allocate (a stress-ng run on the
# host, beside the mixed run at its limits, passes), no host task is
# charged (the compartment's counters do not move while only the host
# runs), and the module's own administration still works.
#
# Compartment ids 30000..30029. Prints TAP; exits non-zero if a check
# failed.
UBC=${UBC:-ubc}
BASE=30000
TMP=/tmp/hostile
n=0 failed=0

# Two seconds per stressor set on the stock kernels. The debug kernel
# (KASAN, lockdep; release "*-ubcdebug", as debug_kernel() in ubc_test.h)
# needs about three seconds under TCG before stress-ng's workers run at
# all: it gets four seconds, and runs only the mixed run and the single
# runs of the resources whose limit checks the issue found racy (numflock,
# numtcpsock, numpty) plus numproc, numfile and kmemsize; the stock lanes
# run every single run.
# There the workers also allocate less kernel memory in their time: a
# lower kmemsize, so that they still meet it.
dur=2 debug= kmem=2097152:2621440
case $(uname -r) in *ubcdebug*) dur=4 debug=1 kmem=1048576:1572864 ;; esac

# How far maxheld may pass the limit: 0, the limit is a ceiling, except for
# the forced kinds of Documentation/ubc.rst's table that this workload can
# reach (allocations the kernel cannot fail: __GFP_NOFAIL, atomic ones, and
# those of exiting tasks freeing what they hold, memcg's
# should_force_charge()): a few pages per task in flight, 2-4 tasks here.
# Everything else (the numflock splits of issue finding 4, the accept race
# of finding 5, every check-then-charge) must stay within the limit.
# numflock on a kernel where no slab gate sees a file_lock (6.12:
# numflock_forced reads 1, locksig.rst) is charged as the records come,
# bounded by limit + 1 + 2 x (fcntl() lock calls in flight - 1): the lock
# storm's lockf and OFD stressors run up to 8 fcntl() callers (each
# instance and its child).
slack() {
	case $1 in
	kmemsize|dcachesize) echo 262144 ;;	# 64 pages
	numflock)
		case $(cat /sys/module/ubc/parameters/numflock_forced 2>/dev/null) in
		1|Y) echo $((1 + 2 * (8 - 1))) ;;
		*) echo 0 ;;
		esac ;;
	*) echo 0 ;;
	esac
}

# "held maxheld barrier limit failcnt" of resource $2 of compartment $1.
row() { $UBC show -r "$1" 2>/dev/null | awk -v r="$2" '$1 == r { print $2, $3, $4, $5, $6 }'; }
field() { row "$1" "$2" | cut -d' ' -f"$3"; }	# 1 held ... 5 failcnt
# The resources among $2... whose held is not 0, in one `ubc show` (each
# costs a process and a GET: seconds on the debug kernel under TCG).
# kmemsize and dcachesize: the baseline is what the compartment's records
# hold (kmem_tracked, kmem.rst): objects the kernel still caches (/proc
# dentries and inodes of live processes, page-cache nodes) that a task of it
# allocated first stay charged until reclaimed or the destroy hands them to
# the host (destroy_gone checks that); a charge without a record would
# show as held above them.
nonzero() {
	id=$1; shift
	t=$(awk -v id="$id" '$1 == id { print $2, $3 }' \
		/sys/module/ubc/parameters/kmem_tracked 2>/dev/null)
	$UBC show -r "$id" 2>/dev/null | awk -v want=" $* " -v t="$t" '
		BEGIN { split(t, a, " "); b["kmemsize"] = a[1]; b["dcachesize"] = a[2] }
		index(want, " " $1 " ") && $2 != b[$1] + 0 { printf " %s", $1 }'
}

sleep_short() { sleep 0.1 2>/dev/null || sleep 1; }

wait_empty() {	# until compartment $1 has no task (numproc held 0), up to 30 s
	i=0
	while [ "$(field "$1" numproc 1)" != 0 ]; do
		i=$((i + 1)); [ $i -lt 300 ] || return 1
		sleep_short
	done
}

wait_baseline() {	# until every resource $2... of $1 holds 0, up to 10 s
	id=$1; shift
	i=0 end=$(($(date +%s) + 10))
	while :; do
		left=$(nonzero "$id" "$@")
		[ -z "$left" ] && return 0
		[ "$(date +%s)" -lt $end ] || { echo "$left"; return 1; }
		# unlinked files leave reclaimable dentries and inodes behind:
		# free them as memory pressure would (charges follow the free)
		i=$((i + 1)); [ $i = 5 ] && echo 2 >/proc/sys/vm/drop_caches
		sleep_short
	done
}

destroy_gone() {	# destroy $1 (EBUSY while draining) and wait until unlisted
	end=$(($(date +%s) + 10))
	until $UBC destroy "$1" 2>/dev/null; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep_short
	done
	while $UBC list | grep -qx -e "$1" -e "$1 dying"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep_short
	done
}

report() {	# report DESCRIPTION: TAP line from $why (empty: ok), after it
	n=$((n + 1))	# the diagnostics (verdict.py shows those before a line)
	if [ -z "$why" ]; then
		echo "ok $n - $1"
	else
		printf '%s\n' "$why" | sed 's/^/# /'
		echo "not ok $n - $1"
		failed=1
	fi
}

# run ID LOG ARGS...: stress-ng ARGS as root inside compartment ID; sets rc.
# A watchdog SIGKILLs it (rc 137) if it outlives its timeout by 60 s.
run() {
	id=$1 log=$2; shift 2
	mkdir -p "$TMP.$id"
	# The log is written by a host task (cat) from a pipe: stress-ng
	# writing it into /tmp (a tmpfs) would add its pages to the
	# compartment's shmpages (the writer pays), a charge that outlives
	# the run with the file.
	{ (cd "$TMP.$id" && exec timeout -s KILL $((dur + 60)) $UBC exec "$id" -- \
		stress-ng --temp-path "$TMP.$id" --timeout "${dur}s" --seed 1 \
		--cache-level 1 "$@") 2>&1; echo $? >"$log.rc"; } | cat >"$log"
	rc=$(cat "$log.rc")
	# the stressors' leftovers (files of a killed worker) are not
	# charges that must outlive the run: the host removes them
	rm -rf "$TMP.$id"
}

# check ID LOG RES...: the rule, failcnt, baseline for each RES; appends to
# $why per resource into the file $TMP.why.RES.
check() {
	id=$1 log=$2; shift 2
	case $rc in
	0|2|3) stress= ;;
	*) stress="stress-ng exited with status $rc (0, 2 or 3 expected)" ;;
	esac
	grep -q 'run completed' "$log" || stress="${stress:+$stress; }stress-ng did not report its run"
	wait_empty "$id" || stress="${stress:+$stress; }tasks still in the compartment"
	snap=$TMP.snap.$id
	$UBC show -r "$id" | awk '{ print $1, $2, $3, $4, $5, $6 }' >"$snap"
	left=$(wait_baseline "$id" "$@")
	for r in "$@"; do
		set -- $(grep "^$r " "$snap")
		maxheld=$3 limit=$5 failcnt=$6
		w= bound=$((limit + $(slack "$r")))
		[ "$maxheld" -le "$bound" ] || {
			w="maxheld $maxheld > limit $limit"
			[ "$bound" = "$limit" ] || w="$w + forced bound $(slack "$r")"
		}
		# Not in the mixed run, where stressors share the room and one
		# may starve another (a classic signal may also fill
		# numsiginfo's barrier-to-limit gap with nothing refused): the
		# single runs assert it for every resource.
		[ -n "$mixed" ] || [ "$failcnt" -gt 0 ] ||
			w="${w:+$w; }failcnt 0: the limit was never met"
		case " $left " in *" $r "*)
			w="${w:+$w; }held $(field "$id" "$r" 1) not back at 0 (records of $id: $(grep "^$id " /sys/module/ubc/parameters/kmem_tracked 2>&1))" ;;
		esac
		[ -n "$stress" ] && w="${w:+$w; }$stress"
		echo "$w" >"$TMP.why.$r"
		echo "# $r: held maxheld barrier limit failcnt after the run: $(grep "^$r " "$snap" | cut -d' ' -f2-)" >>"$TMP.diag"
	done
}

# scenario NAME "RES B:L ..." ARGS...: one compartment, one stressor set.
scenario() {
	name=$1 lims=$2; shift 2
	if [ -n "$debug" ] && [ -z "$keep" ]; then
		for r in $(echo $lims | awk '{ for (i = 1; i < NF; i += 2) printf "%s ", $i }'); do
			n=$((n + 1))
			echo "ok $n - $r: $name # SKIP on the debug kernel (the mixed run covers $r)"
		done
		return
	fi
	id=$((BASE + n)) t0=$(date +%s)
	: >"$TMP.diag"
	$UBC create $id $lims >"$TMP.create" 2>&1 || {
		n=$((n + 1)); echo "not ok $n - $name: ubc create $id $lims"
		sed 's/^/# /' "$TMP.create"; failed=1; return; }
	res=$(echo $lims | awk '{ for (i = 1; i < NF; i += 2) printf "%s ", $i }')
	log=$TMP.log.$id
	[ -n "$beside" ] && host_stress $TMP.host.log &
	run $id "$log" "$@"
	wait
	check $id "$log" $res
	[ -n "$beside" ] && host_checks $id
	destroy_gone $id || echo "compartment $id not destroyed" >>"$TMP.why.${res%% *}"
	for r in $res; do
		why=$(cat "$TMP.why.$r")
		[ -n "$why" ] && why="$why
$(grep -v 'O_DIRECT failed' "$log" | tail -n 12)"
		case $why in *"not back at 0"*) why="$why
kmem_tracking: $(cat /sys/module/ubc/parameters/kmem_tracking 2>&1)" ;;
		esac
		grep "^# $r:" "$TMP.diag"
		report "$r: $name"
	done
	echo "# $name: $(($(date +%s) - t0)) s"
}

debug_too() { keep=1; "$@"; keep=; }	# a single run kept on the debug kernel

# host_stress LOG: the host forks, opens and allocates; sets nothing, its
# verdict is in LOG (host_verdict).
host_stress() {
	mkdir -p $TMP.host
	(cd $TMP.host && exec timeout -s KILL $((dur + 60)) stress-ng --temp-path $TMP.host \
		--timeout "${dur}s" --seed 1 --cache-level 1 \
		--fork 2 --open 1 --vm 1 --vm-bytes 32M) >"$1" 2>&1
	echo "rc $?" >>"$1"
	rm -rf $TMP.host
}
host_verdict() {	# host_verdict LOG: why the host's run failed, if it did
	grep -qx 'rc 0' "$1" || echo "host stress-ng: $(grep '^rc ' "$1")"
	grep -q 'successful run completed' "$1" || echo "host stress-ng did not complete its run"
	grep 'fail:\|error:' "$1" | head -n 5
}

# host_checks ID: while the mixed run was at its limits the host kept
# working; now, with ID empty and settled, the host works again and no
# counter of ID moves (host tasks are never charged).
host_checks() {
	why=$(host_verdict $TMP.host.log)
	[ -n "$why" ] && why="$why
$(tail -n 8 $TMP.host.log)"
	report "host: forks, opens and allocates beside a compartment at its limits"
	$UBC show -r "$1" >$TMP.rows.before
	host_stress $TMP.host2.log
	$UBC show -r "$1" >$TMP.rows.after
	why=$(host_verdict $TMP.host2.log)
	cmp -s $TMP.rows.before $TMP.rows.after ||
		why="${why:+$why
}the host's run changed the compartment's counters:
$(diff $TMP.rows.before $TMP.rows.after)"
	report "host: its tasks are not charged to the compartment"
}

echo "TAP version 13"
for id in $(seq $BASE $((BASE + 29))); do $UBC destroy $id >/dev/null 2>&1; done
command -v stress-ng >/dev/null || { echo "1..0 # SKIP stress-ng is not in the VM"; exit 0; }
mkdir -p $TMP
start=$(date +%s)

# memcg kmem accounting online, as on any systemd host: on 6.12 ubc refuses
# kmemsize and dcachesize through memcg's charge functions, which run only
# once a non-root memory cgroup exists (kmem.rst; kmem_test does the same).
# Every task stays in the root cgroup, which memcg never charges.
cg=/sys/fs/cgroup
[ -e $cg/cgroup.subtree_control ] || mount -t cgroup2 none $cg 2>/dev/null
echo +memory >$cg/cgroup.subtree_control 2>/dev/null
mkdir -p $cg/ubc-kmem-online 2>/dev/null
unsure=/sys/module/ubc/parameters/kmem_refuse_unsure_faults
unsure_old=$(cat $unsure 2>/dev/null)
[ -n "$unsure_old" ] && echo 1 >$unsure

# Tasks: forks and clones past the barrier get EAGAIN.
debug_too scenario "fork/clone/vfork storm" "numproc 12:12" \
	--fork 2 --fork-max 16 --clone 2 --clone-max 16 --vfork 1
# Files: every open past the barrier gets ENFILE.
debug_too scenario "open storm" "numfile 48:48" --open 3
# TCP: racing accepts on loopback (issue finding 5).
debug_too scenario "TCP sockets, concurrent accept" "numtcpsock 6:6" --sock 4 --sock-domain ipv4
# Other sockets: UDP, UNIX socket pairs, epoll over UNIX sockets.
scenario "UDP, UNIX and epoll sockets" "numothersock 8:8" --udp 2 --sockpair 2 --epoll 2
# ptys through /dev/ptmx past the barrier get ENOSPC.
debug_too scenario "pty storm" "numpty 4:4" --pty 3 --pty-max 64
# Locks: POSIX (with unlock splits), flock and OFD locks (issue finding 4).
debug_too scenario "lockf/flock/OFD lock storm" "numflock 10:12" \
	--lockf 2 --lockf-nonblock --flock 2 --lockofd 2
# Queued signals: sigqueue and real-time signals.
scenario "sigqueue and rt signals" "numsiginfo 3:4" --sigq 2 --sigrt 2
# Kernel memory: tasks, files, dentries.
debug_too scenario "kernel memory" "kmemsize $kmem" --fork 2 --dentry 2 --open 1
# Dentries and inodes.
scenario "dentries and directories" "dcachesize 524288:786432" --dentry 2 --dir 2
# Private writable memory: mmap, brk, mremap, mprotect.
scenario "mmap/brk/mremap/mprotect" "privvmpages 16384:20480" \
	--mmap 2 --mmap-bytes 16M --brk 2 --mremap 2 --mprotect 2
# Locked memory.
scenario "mlock" "lockedpages 64:64" --mlock 2
# Shared memory: POSIX shm (tmpfs) and SysV segments.
scenario "POSIX and SysV shm" "shmpages 2048:2048" --shm 2 --shm-sysv 2

# Everything at once in one compartment, every limit tight, while the host
# runs a workload beside it.
beside=1 mixed=1 keep=1
scenario "mixed run" "numproc 48:48 numfile 160:160 numtcpsock 6:6 numothersock 10:10
	numpty 4:4 numflock 10:12 numsiginfo 8:10 kmemsize 33554432:41943040
	dcachesize 1048576:1572864 privvmpages 65536:73728 lockedpages 64:64
	shmpages 4096:4096" \
	--fork 1 --fork-max 64 --open 1 --sock 1 --sock-domain ipv4 --udp 1 \
	--sockpair 1 --pty 1 --pty-max 64 --lockf 1 --lockf-nonblock --flock 1 \
	--lockofd 1 --sigq 1 --sigrt 1 --dentry 1 --mmap 1 --mmap-bytes 16M \
	--brk 1 --mremap 1 --mprotect 1 --mlock 1 --shm 1 --shm-sysv 1
beside= mixed= keep=

echo "# $(($(date +%s) - start)) s"
echo "1..$n"
[ -n "$unsure_old" ] && echo "$unsure_old" >$unsure
rm -rf $TMP $TMP.*
exit $failed
