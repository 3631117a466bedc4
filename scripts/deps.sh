#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make deps: everything the build and the VM tests need, idempotently.
# A second run does no network work.
set -euo pipefail
. "$(dirname "$0")/common.sh"

apt_install build-essential pkg-config libmnl-dev qemu-system-x86 \
	busybox-static cpio kmod xz-utils python3 stress-ng

# kselftest_harness.h and kselftest.h come from Debian's kernel source and
# are extracted at build time, never copied into the repository.
ksft=$UBC_CACHE/kselftest
if [ ! -f "$ksft/kselftest_harness.h" ]; then
	ver=$(apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "linux-source-6.1 not available from apt"
	deb=$(fetch_deb linux-source-6.1 "$ver" "$UBC_CACHE/debs")
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-6.1.tar.xz'
	mkdir -p "$ksft.tmp"
	tar -xJf "$tmp/usr/src/linux-source-6.1.tar.xz" -C "$ksft.tmp" --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	rm -rf "$tmp" "$ksft"
	mv "$ksft.tmp" "$ksft"
fi

# The stock lane's kernel image, matched to the installed headers.
"$UBC_TOP/scripts/kernels/stock-6.1.sh" >/dev/null
