#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Lane "stock-6.12": Debian's 6.12 LTS kernel from bookworm-backports. Makes
# sure the image and the matching headers are present and prints KIMAGE=,
# KBUILD= and KREL= lines on stdout; progress goes to stderr.
#
# The bookworm-backports suite is added in its own apt sources file only if
# no configured source has it yet, and "apt-get update" runs only when apt
# does not know the suite yet. The ABI is derived from the backports version
# of the linux-headers-amd64 meta-package (the meta-package itself is not
# installed: it would replace the 6.1 one that lane stock-6.1 uses). Only the
# ABI's headers package is installed; the unsigned image of exactly the
# headers' version is fetched with apt-get download and unpacked with dpkg -x
# into the cache (never installed on the host).
set -euo pipefail
. "$(dirname "$0")/../common.sh"

suite=bookworm-backports
sources=/etc/apt/sources.list.d/ubc-bookworm-backports.sources
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

have_suite_source() {
	grep -Eqs "(^deb .*[[:space:]]$suite[[:space:]]|^Suites:.*[[:space:]]$suite([[:space:]]|\$))" \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}
if ! have_suite_source; then
	[ -z "$UBC_OFFLINE" ] || offline_die "apt does not know $suite"
	note "adding $suite to $sources"
	$sudo tee "$sources" >/dev/null <<EOF
# Added by ubc scripts/kernels/stock-6.12.sh: Debian 6.12 LTS kernels.
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

# Backports version of the meta-package; refresh the lists only if apt does
# not know the suite yet.
meta_bpo_version() {
	apt-cache policy -t "$suite" linux-headers-amd64 2>/dev/null |
		awk '/Candidate:/ {print $2}' | grep -F '~bpo12' || true
}
mver=$(meta_bpo_version)
if [ -z "$mver" ]; then
	[ -z "$UBC_OFFLINE" ] || offline_die "apt does not know $suite yet"
	note "apt-get update (learning $suite)"
	$sudo apt-get update -qq >/dev/null || die "apt-get update failed"
	mver=$(meta_bpo_version)
fi
[ -n "$mver" ] || die "no linux-headers-amd64 in $suite after apt-get update"
hdr=$(apt-cache show "linux-headers-amd64=$mver" | awk -F': ' '/^Depends:/ {print $2; exit}' |
	grep -o 'linux-headers-6\.12[^ ,]*' | head -n1)
[ -n "$hdr" ] || die "cannot derive the 6.12 ABI from linux-headers-amd64 $mver (expected linux-headers-6.12.*)"
abi=${hdr#linux-headers-}
# The ABI package's own version (same source version as the meta-package).
hver=$(apt-cache show "$hdr" | awk '/^Version:/ {print $2}' | sort -V | tail -n1)
[ -n "$hver" ] || die "apt knows no version of $hdr"

# Install the ABI's headers (and their -common and kbuild dependencies).
if [ "$(dpkg-query -W -f='${Status} ${Version}' "$hdr" 2>/dev/null)" != "install ok installed $hver" ]; then
	[ -z "$UBC_OFFLINE" ] || offline_die "$hdr $hver is not installed"
	note "installing $hdr $hver"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends \
		-t "$suite" "$hdr=$hver" >/dev/null || die "apt-get install $hdr=$hver failed"
fi
kbuild=/usr/src/$hdr
[ -f "$kbuild/Makefile" ] && [ -f "$kbuild/Module.symvers" ] ||
	die "$hdr is not installed correctly ($kbuild incomplete)"

# The compiler the kernel was built with must be present to build modules.
cctext=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$kbuild/.config")
# e.g. "x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0": Debian
# packages x86_64-linux-gnu-gcc-N in gcc-N.
cc=${cctext%% *}
case $cc in
gcc|gcc-[0-9]*|x86_64-linux-gnu-gcc|x86_64-linux-gnu-gcc-[0-9]*)
	command -v "$cc" >/dev/null || apt_install "${cc#x86_64-linux-gnu-}" ;;
*) die "unexpected compiler in $kbuild/.config: '$cctext'" ;;
esac
command -v "$cc" >/dev/null || die "$cc (used to build $abi) is not available"

stock_image "$abi" "$hver"
echo "KBUILD=$kbuild"
echo "KREL=$abi"
