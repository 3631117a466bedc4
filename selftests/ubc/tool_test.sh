#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ubc(8) tool against the loaded module, in the VM (busybox ash, root).
# Prints TAP; exits non-zero if any check failed. Compartment ids 15000..15099.
UBC=${UBC:-ubc}
A=15000 B=15001
n=0 failed=0

ok() {	# ok DESCRIPTION CMD...: CMD must succeed
	desc=$1; shift
	n=$((n + 1))
	if "$@" >/tmp/tool_test.log 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' /tmp/tool_test.log
		failed=1
	fi
}

status() {	# status WANT CMD...: CMD exits with WANT
	want=$1; shift
	"$@" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, want $want: $*"; return 1; }
}

# numproc row of `ubc show -r ID`: "held maxheld barrier limit failcnt"
numproc() { $UBC show -r "$1" | awk '$1 == "numproc" { print $2, $3, $4, $5, $6 }'; }

expect_numproc() {	# expect_numproc ID "held maxheld barrier limit failcnt"
	got=$(numproc "$1")
	[ "$got" = "$2" ] || { echo "numproc of $1: '$got', want '$2'"; return 1; }
}

wait_held0() {	# until numproc held of $1 is 0 (uncharged after an RCU period)
	i=0
	while [ $i -lt 300 ]; do
		[ "$(numproc "$1" | cut -d' ' -f1)" = 0 ] && return 0
		sleep 0.01 2>/dev/null || sleep 1
		i=$((i + 1))
	done
	echo "numproc held of $1 did not drain"; return 1
}

destroy_gone() {	# destroy $1 (retrying EBUSY) and wait until unlisted
	i=0
	until $UBC destroy "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "destroy $1 failed"; return 1; }
		sleep 0.01 2>/dev/null || sleep 1
	done
	i=0
	while $UBC list | grep -qx -e "$1" -e "$1 dying"; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "$1 still listed"; return 1; }
		sleep 0.01 2>/dev/null || sleep 1
	done
}

cleanup() {
	for id in $A $B; do $UBC destroy $id >/dev/null 2>&1; done
}

# Ids of the compartments in /proc/user_beancounters, one per line.
proc_ids() { sed -n 's/^ *\([0-9][0-9]*\):.*/\1/p' /proc/user_beancounters; }

cleanup
echo "TAP version 13"

ok "create with a limit" $UBC create $A numproc 5
ok "list shows it" sh -c "$UBC list | grep -qx $A"
ok "show -r: numproc fresh" expect_numproc $A "0 0 5 5 0"
ok "create of an existing id fails with 1" status 1 $UBC create $A
refused() {	# numproc 3:4 is what vzcfgvalidate calls an error
	$UBC set $A numproc 3:4 2>/tmp/tool_test.err
	rc=$?
	cat /tmp/tool_test.err
	[ $rc = 1 ] && grep -q "compartment $A: Error: barrier should be equal to limit for numproc (currently, 3:4)" /tmp/tool_test.err &&
		grep -q "refused, 1 error as vzcfgvalidate sees them" /tmp/tool_test.err
}
ok "set refuses what validate calls an error, exit 1" refused
ok "and changed nothing" expect_numproc $A "0 0 5 5 0"
ok "set -f barrier:limit" $UBC set -f $A numproc 3:4
ok "show -r: numproc set" expect_numproc $A "0 0 3 4 0"
ok "set barrier above limit fails with 2" status 2 $UBC set $A numproc 5:4
ok "set of a dummy slot fails with 2" status 2 $UBC set $A 4 1
ok "failed sets changed nothing" expect_numproc $A "0 0 3 4 0"
proc_row_agrees() {
	grep -A5 "^ *$A:" /proc/user_beancounters | awk '
		$1 == "numproc" { found = 1
			ok = $2 == 0 && $3 == 0 && $4 == 3 && $5 == 4 && $6 == 0 }
		END { exit !(found && ok) }'
}
ok "/proc row agrees" proc_row_agrees
version_matches() {	# the tool's and the loaded module's, from one header
	v=$($UBC -V 2>&1) || return 1
	echo "$v"
	tool=$(echo "$v" | sed -n '1s/^ubc \([^ ]*\) .*/\1/p')
	[ -n "$tool" ] && [ "$(echo "$v" | sed -n 2p)" = "module ubc $tool" ] &&
		[ "$(cat /sys/module/ubc/version)" = "$tool" ] && ! echo "$v" | grep -q warning
}
ok "-V: the module's version is the tool's" version_matches
ok "json list names it" sh -c "$UBC -j list | grep -q '\"id\":$A,'"
ok "-j after the command and its ids" sh -c "$UBC show $A -j | grep -q '^\[{\"id\":$A,'"
ok "-p: pretty json, one member a line" sh -c "$UBC -p show $A | grep -qx '    \"id\": $A,'"
ok "-r before the command" sh -c "[ \"\$($UBC -r show $A | awk '\$1 == \"numproc\" { print \$4 }')\" = 3 ]"

ok "exec runs the command" status 0 $UBC exec $A -- true
ok "exec passes the exit status" status 1 $UBC exec $A -- false
ok "exec of a missing command: 127" status 127 $UBC exec $A -- /nonexistent
ok "inside, list shows only its own compartment" \
	sh -c "[ \"\$($UBC exec $A -- $UBC list)\" = $A ]"
ok "inside, /proc shows only its own compartment" \
	sh -c "[ \"\$($UBC exec $A -- sed -n 's/^ *\([0-9][0-9]*\):.*/\1/p' /proc/user_beancounters)\" = $A ]"
ok "inside, create is refused" status 1 $UBC exec $A -- $UBC create $B
ok "held back to 0" wait_held0 $A

# Barrier 2: the shell and one sleep; the second sleep cannot fork.
ok "set numproc 2" $UBC set $A numproc 2
$UBC exec $A -- sh -c 'sleep 1 & sleep 1 & wait' >/dev/null 2>&1
ok "held back to 0 after the fork refusal" wait_held0 $A
ok "exactly one refusal counted" expect_numproc $A "0 2 2 2 1"

# ubc monitor: the next refusal, as one JSON object naming the task
mon=/tmp/tool_test.mon
rm -f $mon
$UBC monitor -j --count 1 --resource numproc $A >$mon 2>&1 &
mpid=$!
sleep 1
$UBC exec $A -- sh -c 'sleep 1 & sleep 1 & wait' >/dev/null 2>&1
monitor_done() {	# the monitor exits by itself after its one event
	i=0
	while kill -0 $mpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	! kill -0 $mpid 2>/dev/null || { kill $mpid; echo "monitor still running"; return 1; }
	wait $mpid
}
ok "monitor --count 1 exits 0 after one event" monitor_done
monitor_json() {
	cat $mon
	[ "$(wc -l <$mon)" -eq 1 ] &&
	grep -q "^{\"time\":\"[0-9T:.-]*Z\",\"time_ns\":[0-9]*,\"event\":\"refused\",\"id\":$A,\"resource\":\"numproc\",\"held\":2,\"barrier\":2,\"limit\":2,\"val\":1,\"strength\":\"barrier\",\"failcnt\":2,\"pid\":[1-9][0-9]*,\"tgid\":[1-9][0-9]*,\"comm\":\"sh\",\"hook\":\"[a-z_]*[^\"]*\",\"coalesced\":0,\"lost\":0}$" $mon
}
ok "monitor -j: the refusal, the task (sh) and the hook that refused" monitor_json
ok "held back to 0 after the monitored refusal" wait_held0 $A
$UBC monitor $A >/dev/null 2>&1 &
mpid=$!
sleep 1
kill -INT $mpid
ok "monitor exits 0 on SIGINT" wait $mpid
ok "monitor of a bad id: exit 2" status 2 $UBC monitor 0
ok "monitor --resource of an unknown resource: exit 2" status 2 $UBC monitor --resource nosuch

# ubc export: Prometheus' text format, written atomically for node_exporter
prom=/tmp/tool_test.prom.d
rm -rf $prom; mkdir -p $prom
ok "export FILE" $UBC export $prom/ubc.prom
export_values() {
	grep -qx "ubc_failcnt_total{compartment=\"$A\",resource=\"numproc\",unit=\"items\"} 2" $prom/ubc.prom &&
	grep -qx "ubc_limit{compartment=\"$A\",resource=\"numproc\",unit=\"items\"} 2" $prom/ubc.prom &&
	grep -qx "ubc_limit{compartment=\"$A\",resource=\"numfile\",unit=\"items\"} +Inf" $prom/ubc.prom &&
	grep -qx "ubc_held{compartment=\"$A\",resource=\"numproc\",unit=\"items\"} 0" $prom/ubc.prom &&
	grep -qx "# TYPE ubc_failcnt_total counter" $prom/ubc.prom &&
	grep -qx "ubc_events_lost_total 0" $prom/ubc.prom &&
	! ls $prom | grep -q tmp
}
ok "export: numproc's failcnt, limit and held, +Inf for unlimited, no temporary left" export_values
ok "export to a missing directory: exit 1" status 1 $UBC export /nonexistent/ubc.prom
# node_exporter's textfile collector serves them (if the image has it)
if command -v prometheus-node-exporter >/dev/null; then
	prometheus-node-exporter --web.listen-address=127.0.0.1:9109 \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory=$prom >/tmp/tool_test.ne 2>&1 &
	nepid=$!
	scrape() {
		i=0
		while [ $i -lt 60 ]; do
			wget -qO /tmp/tool_test.scrape http://127.0.0.1:9109/metrics 2>/dev/null && break
			sleep 0.5; i=$((i + 1))
		done
		grep -x "ubc_failcnt_total{compartment=\"$A\",resource=\"numproc\",unit=\"items\"} 2" /tmp/tool_test.scrape &&
		grep -x "ubc_limit{compartment=\"$A\",resource=\"numproc\",unit=\"items\"} 2" /tmp/tool_test.scrape &&
		grep -x "ubc_limit{compartment=\"$A\",resource=\"numfile\",unit=\"items\"} +Inf" /tmp/tool_test.scrape &&
		grep -x "node_textfile_scrape_error 0" /tmp/tool_test.scrape
	}
	ok "node_exporter's textfile collector serves the exported values" scrape
	kill $nepid; wait $nepid 2>/dev/null
else
	n=$((n + 1)); echo "ok $n - node_exporter serves the exported values # SKIP prometheus-node-exporter not in the image"
fi

ok "create for enter" $UBC create $B
sleep 30 &
pid=$!
ok "enter a running process" $UBC enter $B $pid
ok "it is charged" expect_numproc $B "1 1 9223372036854775807 9223372036854775807 0"
ok "enter it again fails" status 1 $UBC enter $A $pid
ok "destroy while busy fails" status 1 $UBC destroy $B
kill $pid; wait $pid 2>/dev/null
ok "destroy once empty" destroy_gone $B
ok "destroyed id is unknown to show" status 1 $UBC show $B
ok "destroy the other" destroy_gone $A
ids_gone() { [ -r /proc/user_beancounters ] && ! proc_ids | grep -qx -e $A -e $B; }
ok "ids gone from /proc" ids_gone

echo "1..$n"
cleanup
exit $failed
