#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The files generated from Documentation/netlink/specs/ubc.yaml by the
# kernel's own generators (tools/net/ynl of Debian's linux-source-6.12,
# extracted into the cache by scripts/deps.sh):
#
#   include/uapi/linux/ubc_generated.h  ynl-gen-c.py --mode uapi --header
#   kernel/netlink-gen.h                ynl-gen-c.py --mode kernel --header
#   kernel/netlink-gen.c                ynl-gen-c.py --mode kernel --source
#   Documentation/netlink/ubc.rst       ynl-gen-rst.py
#
# scripts/ynl-gen.sh          regenerate them in the tree (make gen)
# scripts/ynl-gen.sh --check  regenerate into a temporary directory and fail
#                             on any byte of difference (make check-gen)
#
# Offline: it only reads the cache. ynl-gen-c.py wants the kernel's layout
# (it names the spec by its path below the directory holding MAINTAINERS
# and validates it against Documentation/netlink/<protocol>.yaml next to
# specs/), so the spec is run from a scratch tree shaped like that.
set -euo pipefail
. "$(dirname "$0")/common.sh"

check=
[ "${1:-}" = --check ] && check=1

ynl=$UBC_CACHE/ynl
[ -f "$ynl/tools/net/ynl/ynl-gen-c.py" ] ||
	die "no ynl generator in $ynl (run 'make deps')"
# Debian's python3 with Debian's python3-yaml and python3-jsonschema (what
# make deps installs), not whatever python3 comes first in PATH.
py=${UBC_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
"$py" -c 'import yaml, jsonschema' 2>/dev/null ||
	die "python3-yaml and python3-jsonschema are needed (run 'make deps')"

spec=Documentation/netlink/specs/ubc.yaml
outs=(include/uapi/linux/ubc_generated.h kernel/netlink-gen.h kernel/netlink-gen.c
      Documentation/netlink/ubc.rst)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/tree
mkdir -p "$root/Documentation/netlink/specs" "$tmp/out/include/uapi/linux" \
	"$tmp/out/kernel" "$tmp/out/Documentation/netlink"
: >"$root/MAINTAINERS"
cp "$ynl"/Documentation/netlink/*.yaml "$root/Documentation/netlink/"
cp "$UBC_TOP/$spec" "$root/$spec"

gen=$ynl/tools/net/ynl/ynl-gen-c.py
(cd "$tmp/out" &&
	"$py" "$gen" --mode uapi --header --spec "$root/$spec" -o include/uapi/linux/ubc_generated.h &&
	"$py" "$gen" --mode kernel --header --spec "$root/$spec" -o kernel/netlink-gen.h &&
	"$py" "$gen" --mode kernel --source --spec "$root/$spec" -o kernel/netlink-gen.c &&
	"$py" "$ynl/tools/net/ynl/ynl-gen-rst.py" -i "$root/$spec" \
		-o Documentation/netlink/ubc.rst) >"$tmp/log" 2>&1 || {
	cat "$tmp/log" >&2
	die "ynl-gen failed on $spec"
}

if [ -z "$check" ]; then
	for f in "${outs[@]}"; do
		cmp -s "$tmp/out/$f" "$UBC_TOP/$f" || {
			cp "$tmp/out/$f" "$UBC_TOP/$f"
			echo "  GEN     $f"
		}
	done
	exit 0
fi

bad=0
for f in "${outs[@]}"; do
	if ! cmp -s "$tmp/out/$f" "$UBC_TOP/$f"; then
		diff -u --label "$f (committed)" --label "$f (generated)" \
			"$UBC_TOP/$f" "$tmp/out/$f" >&2 || true
		bad=1
	fi
done
[ "$bad" -eq 0 ] ||
	die "generated files differ from $spec (generator: $(cat "$ynl/VERSION" 2>/dev/null || echo unknown)); run 'make gen' and commit"
echo "ok - generated files match $spec ($(cat "$ynl/VERSION" 2>/dev/null))"
