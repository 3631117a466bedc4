#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make deps [LANE]: everything the build and the VM tests need, idempotently
# (stock-6.1 always, LANE's kernel too). A second run does no network work.
# The only script that installs or downloads (with the lane scripts it runs);
# the plain build targets check with scripts/need.sh instead.
set -euo pipefail
. "$(dirname "$0")/common.sh"

apt_install build-essential pkg-config libmnl-dev qemu-system-x86 \
	busybox-static cpio kmod xz-utils python3 python3-yaml python3-jsonschema \
	stress-ng debhelper dh-dkms lintian mmdebstrap e2fsprogs

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

# The kselftest build rules (lib.mk), from the same source package; kept
# apart from the check above so that existing caches get it too.
if [ ! -f "$ksft/lib.mk" ]; then
	ver=$(apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2}')
	deb=$(fetch_deb linux-source-6.1 "$ver" "$UBC_CACHE/debs")
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-6.1.tar.xz'
	tar -xJf "$tmp/usr/src/linux-source-6.1.tar.xz" -C "$tmp" \
		linux-source-6.1/tools/testing/selftests/lib.mk
	mv "$tmp/linux-source-6.1/tools/testing/selftests/lib.mk" "$ksft/lib.mk.tmp"
	mv "$ksft/lib.mk.tmp" "$ksft/lib.mk"
	rm -rf "$tmp"
fi

# The netlink code generators (ynl-gen-c.py, ynl-gen-rst.py and the spec
# schemas) from Debian's linux-source-6.12 (6.1 has none): they regenerate
# the files made from Documentation/netlink/specs/ubc.yaml (scripts/ynl-gen.sh).
# The version that made the committed files is preferred; a newer one is
# used only once apt no longer has it.
ynl=$UBC_CACHE/ynl
ynl_want=6.12.118-1~deb12u1
if [ ! -f "$ynl/tools/net/ynl/ynl-gen-c.py" ]; then
	if apt-cache show "linux-source-6.12=$ynl_want" >/dev/null 2>&1; then
		ver=$ynl_want
	else
		ver=$(apt-cache policy linux-source-6.12 | awk '/Candidate:/ {print $2}')
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "linux-source-6.12 not available from apt"
		note "linux-source-6.12 $ynl_want is gone from apt, using $ver for ynl"
	fi
	deb=$(fetch_deb linux-source-6.12 "$ver" "$UBC_CACHE/debs")
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-6.12.tar.xz'
	mkdir -p "$tmp/x"
	tar -xJf "$tmp/usr/src/linux-source-6.12.tar.xz" -C "$tmp/x" --strip-components=1 \
		--wildcards 'linux-source-6.12/tools/net/ynl/*' \
		'linux-source-6.12/Documentation/netlink/*.yaml'
	echo "linux-source-6.12 $ver" >"$tmp/x/VERSION"
	rm -rf "$ynl.tmp"
	mv "$tmp/x" "$ynl.tmp"
	rm -rf "$tmp" "$ynl"
	mv "$ynl.tmp" "$ynl"
fi

# Prometheus' node_exporter (Debian's prometheus-node-exporter), for the
# selftest that scrapes "ubc export" through its textfile collector: only
# its binary, unpacked into the cache (the package is a daemon; installing
# it would start one on this machine). Linked against libc only.
pne=$UBC_CACHE/node-exporter
if [ ! -x "$pne/prometheus-node-exporter" ]; then
	ver=$(apt-cache policy prometheus-node-exporter | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "prometheus-node-exporter not available from apt"
	deb=$(fetch_deb prometheus-node-exporter "$ver" "$UBC_CACHE/debs")
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/bin/prometheus-node-exporter
	mkdir -p "$pne"
	mv "$tmp/usr/bin/prometheus-node-exporter" "$pne/prometheus-node-exporter.tmp"
	mv "$pne/prometheus-node-exporter.tmp" "$pne/prometheus-node-exporter"
	rm -rf "$tmp"
fi

# The stock lane's kernel image, matched to the installed headers, and the
# kernel of the lane asked for (make deps LANE=...), if another.
"$UBC_TOP/scripts/kernels/stock-6.1.sh" >/dev/null
lane=${1:-stock-6.1}
[ "$lane" = stock-6.1 ] || "$UBC_TOP/scripts/kernels/$lane.sh" >/dev/null
