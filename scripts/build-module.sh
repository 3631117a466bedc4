#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-module.sh LANE: build ubc.ko against LANE's kernel into
# build/LANE/module/ubc.ko (each lane in its own copy of the sources, so
# lanes never share objects). Fails on any compiler warning (-Werror in Kbuild).
set -euo pipefail
. "$(dirname "$0")/common.sh"

lane=${1:?usage: build-module.sh LANE}
kernel=$("$UBC_TOP/scripts/kernels/$lane.sh") || exit 1
eval "$kernel"
out=$UBC_BUILD/$lane/module
mkdir -p "$out"
# Copy only what changed so kbuild's incremental build keeps working, and
# drop the sources deleted (or renamed) in the tree since the last copy,
# with their objects, so that the copy never builds what the tree no
# longer has.
cp -ru "$UBC_TOP/Kbuild" "$UBC_TOP/kernel" "$UBC_TOP/include" "$out/"
(cd "$out" && find kernel include -type f \( -name '*.[ch]' -o -name '*.S' \) -print) |
while read -r f; do
	[ -e "$UBC_TOP/$f" ] && continue
	rm -f "$out/$f" "$out/${f%.*}.o" "$out/$(dirname "$f")/.$(basename "${f%.*}").o.cmd"
done
log=$UBC_BUILD/$lane/module.log
if ! make -C "$KBUILD" M="$out" modules >"$log" 2>&1; then
	cat "$log" >&2
	die "module build for $lane failed"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	die "module build for $lane printed warnings"
fi
echo "$out/ubc.ko"
