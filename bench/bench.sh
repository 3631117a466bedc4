#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh [LANE]: `make bench`. Builds bench/bench.c, boots LANE's kernel
# once in QEMU (vm.sh run) with bench/run.sh as the guest script, keeps the
# console in build/bench/console.log and prints the table of
# bench/report.py (also written to build/bench/table.txt).
# Env: UBC_BENCH_ROUNDS (7), UBC_BENCH_MS (250: ms per timed loop),
# UBC_BENCH_HOLD (50000 objects held for the memory figures),
# UBC_BENCH_TIMEOUT (3600 s).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

lane=${1:-stock-6.1}
out=$UBC_BUILD/bench
mkdir -p "$out"
${CC:-cc} -Wall -Wextra -Werror -O2 -o "$out/bench" "$UBC_TOP/bench/bench.c"
{
	echo "ROUNDS=${UBC_BENCH_ROUNDS:-7} MS=${UBC_BENCH_MS:-250} HOLD=${UBC_BENCH_HOLD:-50000}"
	cat "$UBC_TOP/bench/run.sh"
} >"$out/run.sh"

note "booting $lane for the benchmark (a few minutes under TCG)"
set +e
UBC_VM_SCRIPT=$out/run.sh UBC_VM_EXTRA=$out/bench \
	timeout --foreground -k 10 "${UBC_BENCH_TIMEOUT:-3600}" \
	bash "$UBC_TOP/selftests/qemu/vm.sh" run "$lane" </dev/null 2>&1 |
	tr -d '\r' | tee "$out/console.log" | grep --line-buffered -E '^UBC-BENCH-(BEGIN|N|ROUND|ERROR|DONE)' >&2
set -e
python3 "$UBC_TOP/bench/report.py" "$out/console.log" | tee "$out/table.txt"
