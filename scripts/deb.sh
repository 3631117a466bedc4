#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the Debian packages ubc and ubc-dkms (debian/), built with
# debhelper from a copy of the tracked files in build/deb/, then lintian.
# Prints the paths of the .deb files. Offline: make deps installs the tools.
set -euo pipefail
. "$(dirname "$0")/common.sh"

for p in debhelper dh-dkms dkms lintian libmnl-dev pkg-config; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		offline_die "missing package $p"
done

ver=$(sed -n 's/^#define UBC_VERSION "\(.*\)"/\1/p' "$UBC_TOP/include/ubc/version.h")
[ -n "$ver" ] || die "no UBC_VERSION in include/ubc/version.h"
out=$UBC_BUILD/deb
src=$out/ubc-$ver
rm -rf "$out"
mkdir -p "$src"
# the tracked files (with what the work tree changed), nothing built
(cd "$UBC_TOP" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
}
changes=$(ls "$out"/ubc_"$ver"_*.changes)
lintian --fail-on error,warning "$changes" >&2 || die "lintian: see above"
ls "$out"/*.deb
