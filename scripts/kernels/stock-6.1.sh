#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Lane "stock-6.1": Debian 12's stock kernel. Makes sure the image and the
# matching headers are present and prints KIMAGE=, KBUILD= and KREL= lines.
#
# The ABI is derived from bookworm's linux-headers-amd64 meta-package, never
# hard-coded; the unsigned image of exactly the headers' version is fetched
# with apt-get download and unpacked with dpkg -x into the cache (never
# installed on the host).
set -euo pipefail
. "$(dirname "$0")/../common.sh"

# The newest linux-headers-amd64 of bookworm itself (not backports, whose
# meta-package may also be known to apt) names the stock ABI.
ver=$(apt-cache madison linux-headers-amd64 | awk -F'|' '$2 !~ /bpo/ {gsub(/ /, "", $2); print $2}' |
	sort -V | tail -n1)
[ -n "$ver" ] || die "linux-headers-amd64 (bookworm) not known to apt; run apt-get update"
hdr=$(apt-cache show "linux-headers-amd64=$ver" | sed -n 's/^Depends: *//p' | head -n1 |
	grep -o 'linux-headers-[^ ,]*' | head -n1)
[ -n "$hdr" ] || die "cannot derive the kernel ABI from linux-headers-amd64 $ver"
abi=${hdr#linux-headers-}
apt_install "$hdr"
hver=$(dpkg-query -W -f='${Version}' "$hdr")
kbuild=/usr/src/$hdr
[ -f "$kbuild/Makefile" ] || die "$hdr is not installed correctly ($kbuild missing)"

stock_image "$abi" "$hver"
echo "KBUILD=$kbuild"
echo "KREL=$abi"
