#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh LANE...: host unit tests, then the VM selftests on every lane:
# per lane one VM with every selftest, then a second, small-memory VM for
# the OOM tests (oom_test, reported as LANE/oom).
# Prints every test line, one summary per lane, and last the overall
# "N passed, N failed". Exit status non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/common.sh"

total_pass=0 total_fail=0
tally() {	# tally LOG: add a "...: N passed, M failed" summary line to the totals
	local line p f
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n1)
	if [ -z "$line" ]; then
		total_fail=$((total_fail + 1))
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

note "host unit tests"
{
	# a suite that fails to build or exits non-zero fails even without TAP
	make -s -C "$UBC_TOP/tests/host" check OUT="$UBC_BUILD" 2>&1 ||
		echo "not ok - charge core unit tests (exit status $?)"
	make -s -C "$UBC_TOP/tools/ubc" check 2>&1 ||
		echo "not ok - ubc tool unit tests (exit status $?)"
	bash "$UBC_TOP/scripts/ynl-gen.sh" --check 2>&1 ||
		echo "not ok - generated netlink files (exit status $?)"
} | python3 "$UBC_TOP/selftests/qemu/tap-summary.py" host | tee "$log"
tally "$log"

for lane in "$@"; do
	note "lane $lane"
	if [ "$lane" = debian-host ]; then
		# a real Debian 12 host: the packages installed, DKMS, systemd
		"$UBC_TOP/selftests/debian-host/lane.sh" 2>&1 | tee "$log"
		tally "$log"
		continue
	fi
	# the lane's kernel and headers (may download: make check runs deps),
	# then the offline build and its VM images
	if "$UBC_TOP/scripts/kernels/$lane.sh" >/dev/null 2>"$log.build" &&
	   make -s -C "$UBC_TOP" image LANE="$lane" >"$log.build" 2>&1; then
		"$UBC_TOP/selftests/qemu/vm.sh" check "$lane" 2>&1 | tee "$log"
		tally "$log"
		note "lane $lane: OOM tests in a small-memory VM"
		"$UBC_TOP/selftests/qemu/vm.sh" check-oom "$lane" 2>&1 | tee "$log"
	else
		cat "$log.build"
		echo "$lane: 0 passed, 1 failed (build)" | tee "$log"
	fi
	tally "$log"
	rm -f "$log.build"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
