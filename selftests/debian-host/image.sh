#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# image.sh: the debian-host lane's disk, a real Debian 12 system made with
# mmdebstrap from Debian's packages (systemd as PID 1, the stock 6.1 kernel
# and its headers, dkms, build-essential, libmnl0, crun, systemd-container),
# as an ext4 image made with mke2fs -d (no loop device). Cached in
# $UBC_CACHE/debian-host/HASH/, HASH of this script: a change of the package
# list or of the setup below builds a new one. Prints the directory.
#
# The image holds no ubc: each run gives the guest a second disk with the
# .debs and the test script (run.sh), which ubc-lane.service runs at boot.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

packages=systemd,systemd-sysv,systemd-container,udev,kmod,apt,dkms,build-essential,linux-image-amd64,linux-headers-amd64,libmnl0,crun,busybox-static,e2fsprogs
hash=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
dir=$UBC_CACHE/debian-host/$hash
if [ -f "$dir/disk.img" ] && [ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.img" ]; then
	echo "$dir"
	exit 0
fi
[ -z "$UBC_OFFLINE" ] || offline_die "no debian-host image $hash"
command -v mmdebstrap >/dev/null && command -v mke2fs >/dev/null ||
	offline_die "mmdebstrap or mke2fs missing"

# the host's own apt sources (deb822), so the guest uses the same archive
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list
tmp=$dir.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
note "debian-host: mmdebstrap bookworm into $tmp (a few minutes, ~400 MB download)"
mmdebstrap --variant=apt --include="$packages" \
	--customize-hook='echo debian-host >"$1/etc/hostname"' \
	--customize-hook='printf "/dev/vda / ext4 defaults 0 1\n" >"$1/etc/fstab"' \
	--customize-hook='mkdir -p "$1/mnt/lane"' \
	--customize-hook='cat >"$1/etc/systemd/system/ubc-lane.service" <<UNIT
[Unit]
Description=ubc debian-host lane: the test script on the second disk
After=local-fs.target systemd-modules-load.service ubc-restore.service
ConditionPathExists=/dev/vdb

[Service]
Type=oneshot
ExecStart=/bin/sh -c "mount -o ro /dev/vdb /mnt/lane && exec /bin/bash /mnt/lane/run.sh"
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT' \
	--customize-hook='chroot "$1" systemctl enable ubc-lane.service' \
	--customize-hook='chroot "$1" systemctl mask getty@tty1.service serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer' \
	--customize-hook='chroot "$1" passwd -d root' \
	bookworm "$tmp/root" "$sources" >"$tmp/mmdebstrap.log" 2>&1 ||
	{ tail -n 30 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $tmp/mmdebstrap.log)"; }
cp "$(ls "$tmp"/root/boot/vmlinuz-* | tail -n1)" "$tmp/vmlinuz"
cp "$(ls "$tmp"/root/boot/initrd.img-* | tail -n1)" "$tmp/initrd.img"
basename "$(ls "$tmp"/root/boot/vmlinuz-* | tail -n1)" | sed 's/^vmlinuz-//' >"$tmp/krel"
mke2fs -q -t ext4 -d "$tmp/root" -L debian-host "$tmp/disk.img" 4G
rm -rf "$tmp/root"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "$dir"
