#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# image.sh LANE KIND: the initramfs that vm.sh boots for LANE, built by
# `make image` from what `make` built (the module for LANE, the tool, the
# selftests), into build/LANE/image/KIND.cpio.gz:
#   check  the main selftest VM's: everything, stress-ng included (the
#          hostile-workload suite, hostile_test.sh) when the host has it
#   small  the same without stress-ng (33 MB with its libraries): the
#          small-memory OOM VM, the demonstration, the shell and the bench
# image.sh --overlay OUT SCRIPT [FILE...]: a second, small archive that vm.sh
# appends to the image for one boot (the kernel unpacks concatenated
# archives in order): SCRIPT as /demo.sh, each FILE in /bin, with the
# shared libraries they need (UBC_VM_SCRIPT, UBC_VM_EXTRA).
# image.sh --inputs LANE: the files an image of LANE is made of.
# Offline: never installs or downloads anything.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

# libs ROOT BIN...: the shared libraries of the dynamically linked BINs
libs() {
	local root=$1 bin lib
	shift
	for bin in "$@"; do
		[ -f "$bin" ] && [ -x "$bin" ] && ldd "$bin" >/dev/null 2>&1 || continue
		ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
			mkdir -p "$root$(dirname "$lib")"
			cp -nL "$lib" "$root$lib"
		done
	done
}

# pack ROOT OUT: ROOT as a gzip'd newc archive, written atomically
pack() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# What an image of LANE is made of, one path a line (Makefile and vm.sh:
# the image is out of date when one of them is newer).
inputs() {
	local q=$UBC_TOP/selftests/qemu
	printf '%s\n' "$UBC_BUILD/$1/module/ubc.ko" "$UBC_TOP/tools/ubc/ubc" \
		"$UBC_BUILD/forkbomb" "$q/image.sh" "$q/init" "$q/bad-console" \
		"$q/demo.sh" "$q/memhog.c" "$q/exec_noop.c"
	[ -d "$UBC_BUILD/selftests" ] && find "$UBC_BUILD/selftests" -type f
	return 0
}

if [ "${1:-}" = --inputs ]; then
	inputs "${2:?usage: image.sh --inputs LANE}"
	exit 0
fi
if [ "${1:-}" = --overlay ]; then
	out=${2:?usage: image.sh --overlay OUT SCRIPT [FILE...]} script=${3:?}
	shift 3
	root=$out.d
	rm -rf "$root"
	mkdir -p "$root/bin"
	cp "$script" "$root/demo.sh"
	chmod +x "$root/demo.sh"
	for f in "$@"; do cp "$f" "$root/bin/${f##*/}"; done
	libs "$root" "${@/#*\//$root/bin/}"
	pack "$root" "$out"
	rm -rf "$root"
	exit 0
fi

lane=${1:?usage: image.sh LANE check|small}
kind=${2:?usage: image.sh LANE check|small}
case $kind in check|small) ;; *) die "image.sh: no image kind '$kind' (check or small)" ;; esac
eval "$(UBC_OFFLINE=1 UBC_LANE_HINT=$lane "$UBC_TOP/scripts/kernels/$lane.sh")"
ko=$UBC_BUILD/$lane/module/ubc.ko
tool=$UBC_TOP/tools/ubc/ubc
tests=$UBC_BUILD/selftests
[ -f "$ko" ] || die "$ko missing: run 'make LANE=$lane' first"
[ -x "$tool" ] || die "$tool missing: run 'make' first"
extra=
[ "$kind" = check ] && extra=$(command -v stress-ng || true)
# node_exporter for tool_test's scrape of "ubc export" (make deps unpacks it)
pne=$UBC_CACHE/node-exporter/prometheus-node-exporter
[ "$kind" = check ] && [ -x "$pne" ] && extra="$extra $pne"

out=$UBC_BUILD/$lane/image/$kind.cpio.gz
root=$UBC_BUILD/$lane/image/$kind.root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,selftests,lib64,usr/lib}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../bin/busybox "$root/sbin/modprobe"	# the kernel's modprobe_path
cp "$UBC_TOP/selftests/qemu/init" "$root/init"
cp "$UBC_TOP/selftests/qemu/bad-console" "$root/etc/bad-console"	# read by /init and verdict.py
cp "$UBC_TOP/selftests/qemu/demo.sh" "$root/demo.sh"	# vm.sh's overlay may replace it
chmod +x "$root/init"
cp "$ko" "$root/ubc.ko"
rm -f "$root/bin/ubc"
cp "$tool" "$root/bin/ubc"
cp "$UBC_BUILD/forkbomb" "$root/bin/forkbomb"
# memhog: the demonstration's memory pressure; built here, it is that small
cc -Wall -Wextra -Werror -O2 -o "$root/bin/memhog" "$UBC_TOP/selftests/qemu/memhog.c"
# exec_noop: a program that maps nothing after exec (vm_test)
cc -Wall -Wextra -Werror -O2 -nostdlib -static -fno-pie -no-pie -fno-stack-protector \
	-o "$root/bin/exec_noop" "$UBC_TOP/selftests/qemu/exec_noop.c"
for f in $extra; do rm -f "$root/bin/${f##*/}"; cp "$f" "$root/bin/${f##*/}"; done
: >"$root/selftests/list"
if [ -d "$tests" ]; then
	for t in $(make -s -C "$UBC_TOP/selftests/ubc" print-tests); do
		cp "$tests/$t" "$root/selftests/$t"
		echo "$t" >>"$root/selftests/list"
	done
	[ -d "$tests/vzconf" ] && cp -r "$tests/vzconf" "$root/selftests/vzconf"
fi
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
libs "$root" "$root/bin/ubc" "$root/bin/forkbomb" "$root/bin/memhog" "$root"/selftests/* \
	$(for f in $extra; do echo "$root/bin/${f##*/}"; done)
# zram and the modules it needs, in load order, for the swap test
# (oom_test): /lib/ubc-swap/order lists them. Only a packaged kernel ships
# them (lib/modules/KREL next to boot/); elsewhere the test skips.
kmods=$(dirname "$(dirname "$KIMAGE")")/lib/modules/$KREL
swapmod() {	# swapmod NAME: NAME after its dependencies
	local f dep
	f=$(find "$kmods" -name "$1.ko" -o -name "$1.ko.xz" | head -n1)
	[ -n "$f" ] || return 1
	for dep in $(/sbin/modinfo -F depends "$f" | tr , ' '); do
		grep -qx "$dep" "$root/lib/ubc-swap/order" 2>/dev/null || swapmod "$dep" || return 1
	done
	case $f in *.xz) xz -dc "$f" ;; *) cat "$f" ;; esac >"$root/lib/ubc-swap/$1.ko"
	echo "$1" >>"$root/lib/ubc-swap/order"
}
if [ -d "$kmods" ]; then
	mkdir -p "$root/lib/ubc-swap"
	swapmod zram || rm -rf "$root/lib/ubc-swap"
fi
pack "$root" "$out"
rm -rf "$root"
