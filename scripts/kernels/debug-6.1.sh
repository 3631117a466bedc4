#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Lane "debug-6.1": a small x86_64 debug kernel (KASAN, kmemleak, lockdep,
# UBSAN, ...) built from Debian's linux-source-6.1. Makes sure it is built and
# prints KIMAGE=, KBUILD= and KREL= lines on stdout; progress goes to stderr.
#
# Recipe: "make ARCH=x86_64 allnoconfig", merge debug-6.1.config with
# scripts/kconfig/merge_config.sh, "make olddefconfig", check that every
# symbol of the fragment has the requested value, then
# "make bzImage modules" (the latter so that Module.symvers exists for
# out-of-tree modules). The built source tree is the KBUILD directory.
#
# The build lives outside the clone in $UBC_CACHE/kernels/debug-<key>, key =
# hash of the fragment, the linux-source .deb version and RECIPE below; a
# finished build (marked by .ubc-ready) is reused without any work.
set -euo pipefail
. "$(dirname "$0")/../common.sh"

# Bump when the build steps below change in a way that affects the result.
RECIPE=1
ARCH=x86_64
export ARCH
frag=$(cd "$(dirname "$0")" && pwd)/debug-6.1.config
[ -f "$frag" ] || die "missing config fragment $frag"

# Which linux-source-6.1: the candidate apt knows about (local lookup, no
# network); fall back to the newest cached .deb when apt has no candidate.
srcver=$(apt-cache policy linux-source-6.1 2>/dev/null | awk '/Candidate:/ {print $2}')
if [ -z "$srcver" ] || [ "$srcver" = "(none)" ]; then
	srcdeb=$(ls "$UBC_CACHE"/debs/linux-source-6.1_*.deb 2>/dev/null | sort -V | tail -n1)
	[ -n "$srcdeb" ] || die "linux-source-6.1 is neither known to apt nor cached in $UBC_CACHE/debs"
	srcver=$(dpkg-deb -f "$srcdeb" Version)
else
	srcdeb=
fi

key=$( { cat "$frag"; echo "linux-source-6.1=$srcver"; echo "recipe=$RECIPE"; } |
	sha256sum | cut -c1-12)
dir=$UBC_CACHE/kernels/debug-$key

if [ ! -f "$dir/.ubc-ready" ]; then
	apt_install gcc make bison flex bc libelf-dev libssl-dev dwarves xz-utils cpio
	if [ ! -f "$dir/Makefile" ]; then
		[ -n "$srcdeb" ] || srcdeb=$(fetch_deb linux-source-6.1 "$srcver" "$UBC_CACHE/debs")
		note "extracting $(basename "$srcdeb") into $dir"
		rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
		dpkg-deb --fsys-tarfile "$srcdeb" | tar -xOf - ./usr/src/linux-source-6.1.tar.xz |
			tar -xJf - --strip-components=1 -C "$dir.tmp" ||
			die "cannot extract the kernel source from $srcdeb"
		[ -f "$dir.tmp/Makefile" ] || die "no kernel tree in $srcdeb"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	cd "$dir"
	# Configure from scratch each time the build is not finished; make
	# only rebuilds what a changed .config affects.
	note "configuring (allnoconfig + $(basename "$frag"))"
	make -s allnoconfig >&2
	scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null 2>merge.log ||
		{ cat merge.log >&2; die "merge_config.sh failed"; }
	make -s olddefconfig >&2
	# Every line of the fragment must hold in the final .config.
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" .config || {
				echo "ubc: fragment wants '$line', .config has '$(grep -E "^(# )?${line%%=*}[= ]" .config || echo unset)'" >&2
				bad=1
			} ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			if grep -q "^$sym=" .config; then
				echo "ubc: fragment wants $sym off, .config has '$(grep "^$sym=" .config)'" >&2
				bad=1
			fi ;;
		esac
	done <"$frag"
	[ $bad -eq 0 ] || die "config fragment did not apply (see above); fix $frag"
	note "building bzImage and modules with $(nproc) jobs (several minutes)"
	start=$(date +%s)
	make -j"$(nproc)" bzImage modules >build.log 2>&1 ||
		{ tail -n 40 build.log >&2; die "kernel build failed (log: $dir/build.log)"; }
	[ -f Module.symvers ] || die "no Module.symvers after the build"
	note "kernel built in $(( $(date +%s) - start )) s"
	make -s kernelrelease >.ubc-krel
	touch .ubc-ready
fi

krel=$(cat "$dir/.ubc-krel")
[ -n "$krel" ] && [ -f "$dir/arch/x86/boot/bzImage" ] || die "broken cached build in $dir; remove it"
echo "KIMAGE=$dir/arch/x86/boot/bzImage"
echo "KBUILD=$dir"
echo "KREL=$krel"
