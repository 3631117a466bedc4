#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The debian-host lane's test, run in the guest by ubc-lane.service at every
# boot from the second disk (/mnt/lane: this script, the .debs, NONCE).
# TAP lines go to /dev/ttyS1; the host counts them and passes the run only
# if the last boot wrote "debian-host: done NONCE". Boot 1 installs the
# packages and tests the module and the tool, saves a compartment and powers
# off; boot 2 (the same disk booted again) checks that it came back, then
# purges the packages.
set -u
out=/dev/ttyS1
state=/var/lib/ubc-lane
nonce=$(cat /mnt/lane/NONCE)
mkdir -p "$state"
exec 3>"$out"

ok() { echo "ok - $1" >&3; }
notok() { echo "not ok - $1${2:+ # $2}" >&3; }
# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected '$2', got '$3'"; fi
}
# run NAME CMD...: CMD must exit 0
run() {
	local name=$1 o rc
	shift
	o=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then ok "$name"; else notok "$name" "exit $rc: $(echo "$o" | tail -n3 | tr '\n' ' ')"; fi
}
# numproc column N (2 held, 3 maxheld, 4 barrier, 5 limit, 6 failcnt) of ID
col() { ubc show -r "$1" 2>/dev/null | awk -v r="$2" -v c="$3" '$1 == r { print $c }'; }
loaded() { [ -d /sys/module/ubc ] && echo yes || echo no; }
krel=$(uname -r)
done_() { echo "debian-host: done $nonce" >&3; sync; systemctl poweroff; exit 0; }

if [ ! -f "$state/boot1" ]; then
	touch "$state/boot1"
	echo "# boot 1: kernel $krel" >&3
	mkdir -p /root/debs && cp /mnt/lane/*.deb /root/debs/
	cd /root/debs
	run apt_install_offline env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		/root/debs/ubc_*.deb /root/debs/ubc-dkms_*.deb
	ver=$(cat /mnt/lane/VERSION)
	check dkms_built_for_running_kernel "ubc/$ver, $krel, x86_64: installed" \
		"$(dkms status ubc 2>/dev/null | grep "$krel" | sed 's/ (.*//')"
	check module_in_updates_dkms "/lib/modules/$krel/updates/dkms/ubc.ko" \
		"$(modinfo -n ubc 2>/dev/null)"
	check module_version "$ver" "$(modinfo -F version ubc 2>/dev/null)"
	check genl_family_alias net-pf-16-proto-16-family-ubc "$(modinfo -F alias ubc 2>/dev/null)"
	check not_loaded_before_use no "$(loaded)"
	run modprobe_ubc modprobe ubc
	check loaded_by_modprobe yes "$(loaded)"
	check sysfs_version "$ver" "$(cat /sys/module/ubc/version 2>/dev/null)"
	run rmmod_ubc modprobe -r ubc
	check unloaded no "$(loaded)"
	check list_autoloads_empty "" "$(ubc list 2>&1)"
	check loaded_by_genl_alias yes "$(loaded)"
	check tool_version_matches "ubc $ver" "$(ubc -V 2>&1 | head -n1 | awk '{print $1, $2}')"

	run create_101 ubc create 101 numproc 20:20
	check numproc_after_create "0 0 20 20 0" "$(ubc show -r 101 | awk '$1 == "numproc" {print $2, $3, $4, $5, $6}')"
	run set_101 ubc set 101 numproc 30:30
	check numproc_after_set "30 30" "$(col 101 numproc 4) $(col 101 numproc 5)"
	check list_shows_101 101 "$(ubc list)"
	ubc exec 101 -- sleep 300 &
	sleep 2
	check exec_charges_numproc 1 "$(col 101 numproc 2)"
	kill %1; wait 2>/dev/null
	sleep 1
	check numproc_back_to_0 0 "$(col 101 numproc 2)"
	check exec_exit_status 3 "$(ubc exec 101 -- sh -c 'exit 3'; echo $?)"

	# systemd and ubc side by side, with a compartment armed
	ubc exec 101 -- systemd-run --scope --unit=lane-scope --quiet sleep 300 &
	sleep 3
	check scope_in_compartment_active active "$(systemctl is-active lane-scope.scope)"
	check scope_task_charged 1 "$(col 101 numproc 2)"
	check scope_task_in_its_cgroup 1 \
		"$(wc -l </sys/fs/cgroup/system.slice/lane-scope.scope/cgroup.procs 2>/dev/null)"
	run systemd_run_service_works systemd-run --wait --quiet --unit=lane-svc /bin/true
	run systemctl_restart_journald systemctl restart systemd-journald
	run scope_stop systemctl stop lane-scope.scope
	wait 2>/dev/null
	sleep 1
	check numproc_back_to_0_after_scope 0 "$(col 101 numproc 2)"
	check no_failed_units "" "$(systemctl --failed --no-legend --plain | grep -v ubc-lane)"

	# containers: crun with the OCI hook of the ubc package. Not run by
	# default yet (UBC_DEBIAN_HOST_CONTAINERS=1): it hung at its first
	# crun run in the first try (its stderr, inherited by the container,
	# kept run()'s $(...) open; now a file), untested since.
	if [ -f /mnt/lane/CONTAINERS ]; then
	ct_bundle() {	# ct_bundle NAME ID|- SCRIPT: a busybox bundle in /root/ct/NAME
		local b=/root/ct/$1 a
		mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
		cp /bin/busybox "$b/rootfs/bin/"
		for a in sh sleep cat true; do ln -sf busybox "$b/rootfs/bin/$a"; done
		printf '%s\n' "$3" >"$b/rootfs/ct.sh"
		(cd "$b" && crun spec)
		sed -i -e 's/"terminal": true/"terminal": false/' \
			-e 's|^\(\s*\)"sh"$|\1"/bin/sh", "/ct.sh"|' "$b/config.json"
		if [ "$2" != - ]; then
			sed -i '0,/^{/s||{\n\t"annotations": { "ubc.compartment": "'"$2"'" },\n\t"hooks": { "createRuntime": [ { "path": "/usr/libexec/ubc/ubc-oci-hook" } ] },|' \
				"$b/config.json"
		fi
	}
	check hook_installed /usr/share/containers/oci/hooks.d/ubc.json \
		"$(ls /usr/share/containers/oci/hooks.d/ubc.json 2>/dev/null)"
	ubc create 201 numproc 40:40 && ubc save 201 /etc/ubc/201.conf >/dev/null && ubc destroy 201
	ct_bundle ct1 201 'sleep 300 & sleep 300 & wait'
	ct_bundle ct2 202 'i=0; while [ $i -lt 60 ]; do sleep 120 & i=$((i+1)); done; wait'
	ct_bundle ct3 - 'sleep 300'
	run crun_run_ct1 sh -c 'cd /root/ct/ct1 && crun run -d ct1 </dev/null >/dev/null 2>/root/ct/ct1.err'
	sleep 2
	check ct1_compartment_from_conf "40 40" "$(col 201 numproc 4) $(col 201 numproc 5)"
	check ct1_processes_charged 3 "$(col 201 numproc 2)"
	ubc create 202 numproc 20:20
	run crun_run_ct2_forkbomb sh -c 'cd /root/ct/ct2 && crun run -d ct2 </dev/null >/dev/null 2>/root/ct/ct2.err'
	sleep 5
	check ct2_forkbomb_held_at_limit 20 "$(col 202 numproc 2)"
	check ct2_forkbomb_maxheld 20 "$(col 202 numproc 3)"
	f=$(col 202 numproc 6)
	check ct2_forkbomb_refused yes "$([ "${f:-0}" -gt 0 ] && echo yes || echo "no (failcnt $f)")"
	run host_forks_during_bomb systemd-run --wait --quiet /bin/true
	run crun_run_ct3_plain sh -c 'cd /root/ct/ct3 && crun run -d ct3 </dev/null >/dev/null 2>/root/ct/ct3.err'
	sleep 2
	check ct3_not_charged "3 20 201 202" "$(col 201 numproc 2) $(col 202 numproc 2) $(ubc list | tr '\n' ' ' | sed 's/ $//')"
	for c in ct1 ct2 ct3; do crun kill "$c" KILL; done
	sleep 3
	for c in ct1 ct2 ct3; do crun delete -f "$c" >/dev/null 2>&1; done
	check containers_gone_held_0 "0 0" "$(col 201 numproc 2) $(col 202 numproc 2)"
	ubc destroy 201; ubc destroy 202; rm -f /etc/ubc/201.conf
	fi

	# saved, and restored at the next boot by ubc-restore.service
	run save_101 ubc save 101 /etc/ubc/101.conf
	check saved_numproc 'NUMPROC="30"' "$(grep '^NUMPROC=' /etc/ubc/101.conf)"
	check restore_unit_enabled enabled "$(systemctl is-enabled ubc-restore.service)"
	echo "# boot 1 done, powering off for boot 2" >&3
	sync
	systemctl poweroff
	exit 0
fi

echo "# boot 2: kernel $krel" >&3
check restore_unit_ran active "$(systemctl is-active ubc-restore.service)"
check loaded_at_boot yes "$(loaded)"
check restored_101 101 "$(ubc list)"
check restored_numproc "30 30" "$(col 101 numproc 4) $(col 101 numproc 5)"

run destroy_101 ubc destroy 101
run rmmod_before_purge modprobe -r ubc
run purge env DEBIAN_FRONTEND=noninteractive apt-get purge -y ubc ubc-dkms
check dkms_status_empty "" "$(dkms status ubc 2>/dev/null)"
check module_gone "" "$(modinfo -n ubc 2>/dev/null)"
check modprobe_fails 1 "$(modprobe ubc 2>/dev/null; echo $?)"
check files_gone "" "$(ls -d /usr/sbin/ubc /usr/src/ubc-* /lib/systemd/system/ubc-restore.service \
	/usr/share/man/man8/ubc.8.gz /usr/share/bash-completion/completions/ubc \
	/var/lib/dkms/ubc /etc/systemd/system/sysinit.target.wants/ubc-restore.service 2>/dev/null)"
check dpkg_forgot "" "$(dpkg-query -W -f='${Status}\n' ubc ubc-dkms 2>/dev/null | grep -v not-installed)"
# what the admin saved is the admin's: purge keeps it (and so /etc/ubc)
check saved_config_kept /etc/ubc/101.conf "$(ls /etc/ubc/101.conf 2>/dev/null)"
done_
