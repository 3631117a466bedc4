#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# OpenVZ container configs with ubc(8) against the loaded module, in the VM
# (busybox ash, root): "ubc apply" of every vzctl sample read back through
# netlink and /proc, "ubc save" round trips byte for byte, bad configs
# refused with nothing applied, "ubc restore" of a directory.
# Prints TAP; exits non-zero if any check failed. Compartment ids 15100..15199.
UBC=${UBC:-ubc}
DIR=$(dirname "$0")/vzconf
T=/tmp/conf_test
C=15100 D=15101 E=15102 F=15103 R1=15110 R2=15111 RBAD=15112 S=15120
UNL=9223372036854775807
n=0 failed=0

ok() {	# ok DESCRIPTION CMD...: CMD must succeed
	desc=$1; shift
	n=$((n + 1))
	if "$@" >$T/log 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' $T/log
		failed=1
	fi
}

# "barrier limit" of resource $2 of compartment $1, from ubc show -r.
bl() { $UBC show -r "$1" | awk -v r="$2" '$1 == r { print $4, $5 }'; }

expect_bl() {	# expect_bl ID RES "BARRIER LIMIT"
	got=$(bl "$1" "$2")
	[ "$got" = "$3" ] || { echo "$2 of $1: '$got', want '$3'"; return 1; }
}

# "barrier limit" of resource $2 of compartment $1 in /proc/user_beancounters.
proc_bl() {
	awk -v id="$1" -v r="$2" '
		$1 ~ /^[0-9]+:$/ { cur = substr($1, 1, length($1) - 1); $1 = "" ; $0 = $0 }
		cur == id && $1 == r { print $4, $5 }' /proc/user_beancounters
}

expect_proc_bl() {
	got=$(proc_bl "$1" "$2")
	[ "$got" = "$3" ] || { echo "/proc $2 of $1: '$got', want '$3'"; return 1; }
}

fails() {	# fails WANT-STATUS PATTERN CMD...: CMD exits WANT, stderr has PATTERN
	want=$1 pat=$2; shift 2
	"$@" >$T/out 2>$T/err
	rc=$?
	cat $T/err
	[ "$rc" -eq "$want" ] || { echo "exit $rc, want $want: $*"; return 1; }
	grep -qF -- "$pat" $T/err || { echo "no '$pat' in stderr"; return 1; }
}

exists() { $UBC list | grep -qx "$1"; }
absent() { ! $UBC list | grep -q "^$1\( dying\)\?$"; }

destroy_gone() {
	i=0
	while exists "$1" || $UBC list | grep -qx "$1 dying"; do
		$UBC destroy "$1" 2>/dev/null
		i=$((i + 1)); [ $i -lt 300 ] || { echo "$1 still listed"; return 1; }
		sleep 0.01 2>/dev/null || sleep 1
	done
}

cleanup() {
	for id in $C $D $E $F $R1 $R2 $RBAD $(seq $S $((S + 9))); do
		$UBC destroy $id >/dev/null 2>&1
	done
}

rm -rf $T && mkdir -p $T
cleanup
echo "TAP version 13"

# ve-basic: every UBC key of vzctl's basic sample, into a new compartment.
ok "apply ve-basic creates the compartment" $UBC apply $C $DIR/ve-basic.conf-sample
ok "kmemsize as in the sample" expect_bl $C kmemsize "14372700 14790164"
ok "numproc (240:240)" expect_bl $C numproc "240 240"
ok "vmguarpages (33792:unlimited)" expect_bl $C vmguarpages "33792 $UNL"
ok "physpages (0:unlimited)" expect_bl $C physpages "0 $UNL"
ok "numiptent (128:128)" expect_bl $C numiptent "128 128"
ok "swappages, not in the sample: unlimited" expect_bl $C swappages "$UNL $UNL"
ok "/proc agrees: kmemsize" expect_proc_bl $C kmemsize "14372700 14790164"
ok "/proc agrees: privvmpages" expect_proc_bl $C privvmpages "65536 69632"
bc_bl() {	# "barrier limit" of resource $2 in /proc/bc/$1/resources
	awk -v r="$2" '$1 == r { print $4, $5 }' /proc/bc/$1/resources
}
expect_bc_bl() {
	got=$(bc_bl "$1" "$2")
	[ "$got" = "$3" ] || { echo "/proc/bc $2 of $1: '$got', want '$3'"; return 1; }
}
ok "/proc/bc agrees: kmemsize" expect_bc_bl $C kmemsize "14372700 14790164"
ok "/proc/bc agrees: numiptent" expect_bc_bl $C numiptent "128 128"
ok "/proc/bc/resources has its block" sh -c "grep -q '^ *$C:  kmemsize  *[0-9]*  *[0-9]*  *14372700  *14790164 ' /proc/bc/resources"
ok "/proc/vz/veinfo lists it" sh -c "awk '\$1 == $C { f = 1 } END { exit !f }' /proc/vz/veinfo"
ok "-v lists the keys that are not beancounters" \
	fails 0 "ve-basic.conf-sample:47: CPUUNITS: not a beancounter, ignored" \
	$UBC apply -v $C $DIR/ve-basic.conf-sample

# save and apply round trip, byte for byte
ok "save to a new file" $UBC save $C $T/c.conf
ok "save to stdout is the same" sh -c "$UBC save $C | cmp -s - $T/c.conf"
ok "the saved file applies to another id" $UBC apply $D $T/c.conf
ok "which saves to the same bytes" sh -c "$UBC save $D $T/d.conf && cmp $T/c.conf $T/d.conf"
ok "saving again over the file keeps its bytes" \
	sh -c "cp $T/c.conf $T/c0.conf && $UBC save $C $T/c.conf && cmp $T/c0.conf $T/c.conf"
ok "save into a copy of the sample keeps its other lines" sh -c "
	cp $DIR/ve-basic.conf-sample $T/m.conf && $UBC save $C $T/m.conf &&
	grep -qx 'DISKSPACE=\"2G:2.2G\"' $T/m.conf && grep -qx 'NUMPROC=\"240\"' $T/m.conf &&
	[ \$(grep -c . $T/m.conf) = \$((\$(grep -c . $DIR/ve-basic.conf-sample) + 1)) ] &&
	tail -n 1 $T/m.conf | grep -qx 'SWAPPAGES=\"unlimited\"'"

# netlink, /proc/user_beancounters, /proc/bc and /proc/vz/veinfo agree on
# every resource of $1
agree_all() {
	$UBC show -r "$1" | awk 'NR > 2 && NF >= 6 { print $1, $4, $5 }' >$T/nl || return 1
	[ "$(wc -l <$T/nl)" -ge 21 ] || { echo "show -r: $(cat $T/nl)"; return 1; }
	while read -r res b l; do
		[ "$(bc_bl "$1" $res)" = "$b $l" ] || { echo "/proc/bc $res"; return 1; }
		[ $res = swappages ] && continue	# /proc/bc only, as OpenVZ
		[ "$(proc_bl "$1" $res)" = "$b $l" ] || { echo "/proc $res"; return 1; }
	done <$T/nl
	awk -v id="$1" '$1 == id { f = 1 } END { exit !f }' /proc/vz/veinfo ||
		{ echo "$1 not in veinfo"; return 1; }
}
# the file's plain-number values (B:L, B, unlimited) are what netlink says
file_matches() {
	names=" $($UBC show -r "$1" | awk 'NR > 2 { printf "%s ", $1 }')"
	sed -n 's/^\([A-Z]*\)="\([0-9unlimted]*\)\(:\([0-9unlimted]*\)\)\{0,1\}"$/\1 \2 \4/p' "$2" |
	while read -r key b l; do
		res=$(echo $key | tr A-Z a-z)
		case $names in *" $res "*) ;; *) continue ;; esac	# not a beancounter
		[ -n "$l" ] || l=$b
		[ $b = unlimited ] && b=$UNL; [ $l = unlimited ] && l=$UNL
		expect_bl "$1" $res "$b $l" || { echo FAIL; break; }
		echo checked
	done >$T/fm
	cat $T/fm
	! grep -q FAIL $T/fm && [ "$(grep -c checked $T/fm)" -ge "$3" ]
}
# every sample applies; the vswap ones warn about what ubc does not enforce
i=0
for f in $DIR/*.conf-sample; do
	id=$((S + i)); i=$((i + 1))
	ok "apply ${f##*/}" $UBC apply $id $f
	case $f in *vswap*) min=0 ;; *) min=20 ;; esac	# vswap: "256M" forms
	ok "${f##*/}: its values read back" file_matches $id $f $min
	ok "${f##*/}: netlink, /proc, /proc/bc, veinfo agree" agree_all $id
done
ok "ve-vswap-256m: physpages 0:256M in pages" expect_bl $((S + 4)) physpages "0 65536"
ok "ve-vswap-256m: /proc/bc agrees on swappages" expect_bc_bl $((S + 4)) swappages "0 131072"
ok "ve-vswap-256m: swappages 0:512M in pages" expect_bl $((S + 4)) swappages "0 131072"
ok "ve-vswap-256m: the unenforced limits are said" \
	fails 0 "PHYSPAGES: the limit is recorded but not enforced" \
	$UBC apply $((S + 4)) $DIR/ve-vswap-256m.conf-sample
ok "ve-light: numproc" expect_bl $((S + 1)) numproc "$(sed -n 's/^NUMPROC="\([0-9]*\):\([0-9]*\)"$/\1 \2/p' $DIR/ve-light.conf-sample)"

# bad configs: a message naming file, line and key; exit 1; nothing applied
printf 'NUMPROC="100"\nKMEMSIZE="5:3"\n' >$T/bad1.conf
ok "barrier above limit refused" fails 1 "$T/bad1.conf:2: KMEMSIZE: barrier is above limit" \
	$UBC apply $C $T/bad1.conf
ok "and numproc of line 1 not applied" expect_bl $C numproc "240 240"
not_created() { $UBC apply $E $T/bad1.conf 2>/dev/null; absent $E; }
ok "and a missing id not created" not_created
printf 'NUMPROC="1"\nKMEMSIZ="1"\n' >$T/bad2.conf
ok "unknown key refused" fails 1 "$T/bad2.conf:2: KMEMSIZ: unknown parameter" $UBC apply $C $T/bad2.conf
printf 'NUMPROC="1"\nNUMFILE 5\n' >$T/bad3.conf
ok "malformed line refused" fails 1 "$T/bad3.conf:2: '=' not found" $UBC apply $C $T/bad3.conf
printf 'NUMPROC="1"\nTCPSNDBUF="9223372036854775808"\n' >$T/bad4.conf
ok "value out of range refused" fails 1 "$T/bad4.conf:2: TCPSNDBUF: value above" $UBC apply $C $T/bad4.conf
ok "missing file refused" fails 1 "$T/none.conf: No such file or directory" $UBC apply $C $T/none.conf
ok "usage: one argument" fails 2 "expected a compartment id and a config file" $UBC apply $C
ok "usage: id 0" fails 2 "invalid compartment id" $UBC apply 0 $T/c.conf
ok "after all of them numproc unchanged" expect_bl $C numproc "240 240"
# What vzcfgvalidate calls an error is refused, unless -f.
printf 'NUMPROC="100:120"\nKMEMSIZE="1000000:2000000"\n' >$T/inval.conf
ok "apply of an inconsistent config refused" \
	fails 1 "$T/inval.conf: compartment $C: Error: barrier should be equal to limit for numproc (currently, 100:120)" \
	$UBC apply $C $T/inval.conf
ok "with both errors named" grep -qF "compartment $C: Error: kmemsize.bar should be > 5672960 (currently, 1000000)" $T/err
ok "and a count" grep -qF "refused, 2 errors as vzcfgvalidate sees them" $T/err
ok "nothing applied" expect_bl $C numproc "240 240"
ok "apply -f applies it" $UBC apply -f $F $T/inval.conf
ok "and it is there" expect_bl $F numproc "100 120"
# ubc validate: vzcfgvalidate's verdicts and exit status
ok "validate ve-basic: success, 0" fails 0 "Validation completed: success" $UBC validate $DIR/ve-basic.conf-sample
ok "validate ve-light: success, 0" fails 0 "Validation completed: success" $UBC validate $DIR/ve-light.conf-sample
ok "validate the inconsistent file: 2" fails 2 "Error: parameter numtcpsock not found" $UBC validate $T/inval.conf
ok "validate a compartment by id: 0" fails 0 "Validation completed: success" $UBC validate $C
printf 'TCPSNDBUF="1720320:1800000"\n' >$T/gap.conf
ok "validate a compartment made inconsistent with -f: 2" sh -c "
	$UBC apply -f $D $T/gap.conf && $UBC validate $D 2>$T/v.err; [ \$? = 2 ] &&
	grep -qxF 'Error: tcpsndbuf.lim-tcpsndbuf.bar should be > 921600 (currently, 1800000-1720320=79680)' $T/v.err"
ok "validate of a missing file or id: 1" fails 1 "no such compartment" $UBC validate 15199
ok "validate usage: 2" fails 2 "expected one config file or compartment id" $UBC validate

# The kernel refuses a change from inside a compartment: nothing applied.
printf 'NUMPROC="7"\nNUMFILE="99"\n' >$T/in.conf
ok "a request the kernel refuses: exit 1 with its message" \
	fails 1 "compartment $C: not allowed from inside a compartment (Operation not permitted)" $UBC exec $C -- $UBC apply $C $T/in.conf
ok "and nothing of that file applied" expect_bl $C numproc "240 240"
# The kernel's warnings are printed, the values applied.
printf 'VMGUARPAGES="4611686018427387904:unlimited"\n' >$T/warn.conf
ok "a guarantee above RAM + swap: applied with the kernel's warning" \
	fails 0 "warning: " $UBC apply $D $T/warn.conf
ok "and applied" expect_bl $D vmguarpages "4611686018427387904 $UNL"
ok "save of a missing id fails" fails 1 "compartment $E" $UBC save $E $T/e.conf
ok "and writes no file" test ! -e $T/e.conf

# restore: every ID.conf of a directory, failures reported, others applied
mkdir -p $T/etc
$UBC save $C $T/etc/$R1.conf
printf 'NUMPROC="11"\n' >$T/etc/$R2.conf
printf 'NUMPROC="1"\nBAD\n' >$T/etc/$RBAD.conf
echo junk >$T/etc/notes.txt
ok "restore: one bad file, exit 1" fails 1 "$T/etc/$RBAD.conf:2: '=' not found" $UBC restore $T/etc
ok "restore: reports 2 of 3" grep -qx "ubc: restore: 2 of 3 compartments from $T/etc restored" $T/out
ok "restored: the saved compartment" sh -c "$UBC save $R1 | cmp -s - $T/etc/$R1.conf"
ok "restored: the hand-written one" expect_bl $R2 numproc "11 11"
ok "not restored: the bad one" absent $RBAD
ok "restore again: existing compartments are set, not refused" sh -c "
	$UBC set $R2 numproc 1 && ! $UBC restore $T/etc >/dev/null 2>&1; [ \"\$($UBC show -r $R2 | awk '\$1 == \"numproc\" { print \$4 }')\" = 11 ]"
ok "restore -v names the skipped file" fails 1 "notes.txt: not named ID.conf, skipped" $UBC restore -v $T/etc
ok "restore of a missing directory" fails 1 "$T/nodir: No such file or directory" $UBC restore $T/nodir

# restore after the module was reloaded (what ubc-restore.service does at
# boot): the compartments come back byte for byte.
reload_restore() {
	[ -r /ubc.ko ] || { echo "no /ubc.ko to load again"; return 1; }
	rm -rf $T/boot && mkdir -p $T/boot
	$UBC save $C $T/boot/$C.conf && $UBC save $R2 $T/boot/$R2.conf || return 1
	for id in $C $D $F $R1 $R2 $(seq $S $((S + i - 1))); do
		destroy_gone $id || return 1
	done
	j=0
	until rmmod ubc 2>/dev/null; do	# the last tasks pin it for an RCU period
		j=$((j + 1)); [ $j -lt 40 ] || { rmmod ubc; return 1; }
		sleep 0.25
	done
	insmod /ubc.ko || return 1
	$UBC restore $T/boot >$T/out || return 1
	grep -qx "ubc: restore: 2 of 2 compartments from $T/boot restored" $T/out &&
		$UBC save $C | cmp - $T/boot/$C.conf && $UBC save $R2 | cmp - $T/boot/$R2.conf
}
ok "restore after rmmod and insmod recreates the compartments" reload_restore
for id in $C $R2; do
	ok "destroy $id" destroy_gone $id
done
echo "1..$n"
cleanup
exit $failed
