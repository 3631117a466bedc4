#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lane.sh: the debian-host lane of make check. Builds the packages (make
# deb) and the cached Debian 12 disk (image.sh), gives the guest a second
# disk with the .debs and run.sh, boots a copy of the disk twice in QEMU
# (TCG, 2 vCPUs, systemd as PID 1; the second boot is the reboot that
# ubc-restore.service must survive), prints the guest's TAP lines and
# "debian-host: N passed, M failed". The run passes only if the second boot
# wrote "debian-host: done NONCE".
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

here=$UBC_TOP/selftests/debian-host
work=$UBC_BUILD/debian-host
timeout=${UBC_VM_TIMEOUT:-900}
rm -rf "$work"
mkdir -p "$work/lane"

fail_build() { echo "not ok - debian-host $1"; echo "debian-host: 0 passed, 1 failed"; exit 1; }
debs=$(UBC_OFFLINE=1 bash "$UBC_TOP/scripts/deb.sh" 2>"$work/deb.log") || { cat "$work/deb.log"; fail_build "make deb"; }
img=$(bash "$here/image.sh") || fail_build "image"
cp $debs "$work/lane/"
cp "$here/run.sh" "$work/lane/"
sed -n 's/^#define UBC_VERSION "\(.*\)"/\1/p' "$UBC_TOP/include/ubc/version.h" >"$work/lane/VERSION"
nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
echo "$nonce" >"$work/lane/NONCE"
[ -z "${UBC_DEBIAN_HOST_CONTAINERS:-}" ] || touch "$work/lane/CONTAINERS"
mke2fs -q -t ext4 -d "$work/lane" "$work/lane.img" 64M
cp --sparse=always "$img/disk.img" "$work/disk.img"

: >"$work/results.log"
for boot in 1 2; do
	note "debian-host: boot $boot of $(cat "$img/krel") (timeout ${timeout}s)"
	set +e
	timeout --foreground -k 10 "$timeout" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 \
		-no-reboot -nographic -nic none -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet systemd.show_status=0" \
		-drive "file=$work/disk.img,format=raw,if=virtio" \
		-drive "file=$work/lane.img,format=raw,if=virtio,readonly=on" \
		-serial "file:$work/console$boot.log" -serial "file:$work/ttyS1-$boot.log" \
		</dev/null >/dev/null 2>&1
	set -e
	tr -d '\r' <"$work/ttyS1-$boot.log" >>"$work/results.log"
done
{
	cat "$work/results.log"
	grep -qx "debian-host: done $nonce" "$work/results.log" ||
		echo "not ok - debian-host guest wrote its success marker (console: $work/console1.log, console2.log)"
} | python3 "$UBC_TOP/selftests/qemu/tap-summary.py" debian-host | tee "$work/summary.log"
grep -q ' 0 failed' "$work/summary.log"
