#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# need.sh WHAT...: check, offline, that what "make deps" provides for WHAT
# (tool, selftests) is present; name "make deps" otherwise. Installs nothing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

missing=()
for what in "$@"; do
	case $what in
	tool|selftests)
		command -v "${CC:-cc}" >/dev/null || missing+=("a C compiler (build-essential)")
		[ -f /usr/include/libmnl/libmnl.h ] || missing+=("libmnl-dev")
		;;&
	selftests)
		for f in kselftest_harness.h kselftest.h lib.mk; do
			[ -f "$UBC_CACHE/kselftest/$f" ] ||
				missing+=("$UBC_CACHE/kselftest/$f (from linux-source-6.1)")
		done
		;;
	tool) ;;
	*) die "need.sh: unknown target $what" ;;
	esac
done
[ ${#missing[@]} -eq 0 ] || offline_die "missing: ${missing[*]}"
