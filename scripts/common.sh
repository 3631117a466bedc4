# SPDX-License-Identifier: GPL-2.0
# Shared by the build and VM scripts: where things live, how to report.

UBC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloaded and built kernels live outside the clone so that fresh clones
# and repeated runs reuse them.
UBC_CACHE=${UBC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ubc}
UBC_BUILD=${UBC_BUILD:-$UBC_TOP/build}

die() { echo "ubc: $*" >&2; exit 1; }
note() { echo "==> $*" >&2; }

# UBC_OFFLINE=1 (set by the plain build targets: make, make module/tool/
# selftests): never install a package or touch the network; whatever is
# missing is an error that names "make deps".
UBC_OFFLINE=${UBC_OFFLINE:-}
offline_die() { die "$* (run 'make deps${UBC_LANE_HINT:+ LANE=$UBC_LANE_HINT}' first)"; }

# apt_install PKG...: install the packages that are missing, nothing else.
apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ -z "$UBC_OFFLINE" ] || offline_die "missing packages: ${missing[*]}"
	note "installing ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get install -o DPkg::Lock::Timeout=600 -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
		$sudo apt-get update -qq >/dev/null &&
		$sudo apt-get install -o DPkg::Lock::Timeout=600 -y --no-install-recommends "${missing[@]}" >/dev/null
	} || die "apt-get install ${missing[*]} failed"
}

# fetch_deb PKG VERSION DIR: apt-get download into DIR (cached), print path.
fetch_deb() {
	local pkg=$1 ver=$2 dir=$3 deb
	mkdir -p "$dir"
	deb=$(ls "$dir"/"${pkg}"_"${ver//:/%3a}"_*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		[ -z "$UBC_OFFLINE" ] || offline_die "$pkg $ver is not in $dir"
		note "downloading $pkg $ver"
		(cd "$dir" && apt-get download "$pkg=$ver" >/dev/null 2>&1) ||
			(apt-get update -qq >/dev/null 2>&1; cd "$dir" && apt-get download "$pkg=$ver" >/dev/null) ||
			die "apt-get download $pkg=$ver failed"
		deb=$(ls "$dir"/"${pkg}"_*.deb | head -n1)
	fi
	echo "$deb"
}

# stock_image ABI VERSION: the unsigned image of a Debian kernel, exactly the
# version of its installed headers, unpacked (never installed) into the
# cache; prints the KIMAGE= line.
stock_image() {
	local abi=$1 hver=$2 dir deb iver
	dir=$UBC_CACHE/kernels/stock-$abi
	if [ ! -f "$dir/boot/vmlinuz-$abi" ]; then
		deb=$(fetch_deb "linux-image-$abi-unsigned" "$hver" "$UBC_CACHE/debs")
		iver=$(dpkg-deb -f "$deb" Version)
		[ "$iver" = "$hver" ] ||
			die "kernel image $iver does not match headers $hver for ABI $abi"
		rm -rf "$dir.tmp"
		mkdir -p "$(dirname "$dir")"
		dpkg -x "$deb" "$dir.tmp"
		[ -f "$dir.tmp/boot/vmlinuz-$abi" ] || die "no boot/vmlinuz-$abi in $deb"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	echo "KIMAGE=$dir/boot/vmlinuz-$abi"
}
