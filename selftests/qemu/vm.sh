#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm.sh MODE LANE: boot LANE's kernel in QEMU (TCG) with ubc in an initramfs.
#   check  run every selftest; print their TAP lines; exit non-zero unless
#          all passed, the module unloaded and the guest wrote the marker
#   check-oom  the same for oom_test alone, in a small-memory VM (320 MiB,
#          384 MiB on a debug lane) where it can run the machine out of
#          memory; its results are reported as lane "LANE/oom"
#   run    the scripted demonstration (selftests/qemu/demo.sh)
#   shell  an interactive shell with ubc loaded (leave with: poweroff -f)
# Env: UBC_VM_ACCEL overrides QEMU's -accel (tcg; tcg,thread=single on 6.12).
# UBC_VM_ONLY=NAME[,NAME...] (check) runs only those selftest binaries,
# for quick iterations (e.g. UBC_VM_ONLY=vm_test); the steps around them
# run as usual.
# UBC_VM_SCRIPT=FILE runs FILE instead of demo.sh; UBC_VM_EXTRA="FILE..."
# copies more host binaries into /bin of the initramfs, with their libraries;
# stress-ng (the hostile-workload suite, hostile_test.sh) is added to the
# main check VM when the host has it.
# Boots the image `make image LANE=...` built (selftests/qemu/image.sh); it
# builds nothing itself.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

mode=${1:?usage: vm.sh check|check-oom|run|shell LANE}
lane=${2:-stock-6.1}
eval "$("$UBC_TOP/scripts/kernels/$lane.sh")"
work=$UBC_BUILD/$lane/vm
only=${UBC_VM_ONLY:-} label=$lane small=
if [ "$mode" = check-oom ]; then
	mode=check only=oom_test label=$lane/oom work=$UBC_BUILD/$lane/vm-oom
	small=1
fi

# Lane-specific knobs: a debug kernel is slower and needs more memory.
mem=1024 timeout=900
case $lane in debug-*) mem=2048 timeout=2400 ;; esac
# The OOM VM: small enough to run out of memory quickly; a debug kernel
# (KASAN shadow, kmemleak, lockdep) needs a little more to boot.
if [ -n "$small" ]; then
	mem=320 timeout=900
	case $lane in debug-*) mem=384 timeout=1800 ;; esac
fi
# The demonstration runs a machine out of memory: keep that quick.
[ "$mode" = run ] && mem=384
mem=${UBC_VM_MEM:-$mem}
# stress-ng (33 MB with its libraries) only where hostile_test.sh runs, in
# the "check" image: not in the small OOM VM, nor in the demonstration's
kind=small
[ "$mode" = check ] && [ -z "$small" ] && kind=check
extra=${UBC_VM_EXTRA:-}
timeout=${UBC_VM_TIMEOUT:-$timeout}

# The image `make image` built (selftests/qemu/image.sh), refused when
# anything it is made of is newer; UBC_VM_SCRIPT and UBC_VM_EXTRA go into a
# second archive for this boot, appended to it.
image=$UBC_BUILD/$lane/image/$kind.cpio.gz
[ -f "$image" ] || die "$image missing: run 'make image LANE=$lane' first"
for f in $(bash "$UBC_TOP/selftests/qemu/image.sh" --inputs "$lane"); do
	[ ! "$f" -nt "$image" ] ||
		die "$image is older than ${f#"$UBC_TOP/"}: run 'make image LANE=$lane'"
done
rm -rf "$work"
mkdir -p "$work"
initrd=$image
if [ -n "${UBC_VM_SCRIPT:-}" ] || [ -n "$extra" ]; then
	# shellcheck disable=SC2086 # the list of files
	bash "$UBC_TOP/selftests/qemu/image.sh" --overlay "$work/overlay.cpio.gz" \
		"${UBC_VM_SCRIPT:-$UBC_TOP/selftests/qemu/demo.sh}" $extra
	cat "$image" "$work/overlay.cpio.gz" >"$work/initramfs.gz"
	initrd=$work/initramfs.gz
fi

nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
append="console=ttyS0 panic_on_warn=1 panic=-1 oops=panic softlockup_panic=1 ubc.mode=$mode ubc.nonce=$nonce"
[ -n "$only" ] && append+=" ubc.only=$only"
[ "$mode" = check ] && append+=" loglevel=4"
# 6.12 under multi-threaded TCG sometimes executes an int3 that the other
# vCPU has already patched away (text_poke_bp() of a static key or an
# ftrace site: "Oops: int3" at an address holding a NOP again; seen at
# boot and once mid-run, in get_random_u32()). Real hardware serialises
# that with the sync_core() IPIs; one TCG thread for both vCPUs does too.
# The vCPUs still interleave, preemptively, so the concurrent tests keep
# racing, on one host core.
accel=tcg
case $lane in *-6.12) accel=tcg,thread=single ;; esac
accel=${UBC_VM_ACCEL:-$accel}
qemu=(qemu-system-x86_64 -accel "$accel" -m "$mem" -smp 2 -no-reboot -nographic
      -kernel "$KIMAGE" -initrd "$initrd" -append "$append")

if [ "$mode" != check ]; then
	exec "${qemu[@]}" -serial mon:stdio -serial "file:$work/ttyS1.log"
fi

note "booting $lane ($KREL, ${mem} MiB) for the selftests${only:+ ($only)} (timeout ${timeout}s)"
# One retry, only for a kernel that died while booting, before /init wrote
# its first result and before anything of ubc appeared on the console (seen
# with 6.12 under TCG: an int3 oops while the kernel patches its own text).
# A crash that involves ubc in any way is never retried.
for attempt in 1 2; do
	set +e
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" -serial "file:$work/console.log" \
		-serial "file:$work/results.log" </dev/null >/dev/null 2>&1
	qrc=$?
	set -e
	[ $attempt = 1 ] && [ ! -s "$work/results.log" ] &&
		! grep -qE 'ubc: |\[ubc\]|Modules linked in:.*ubc' "$work/console.log" ||
		break
	cp "$work/console.log" "$work/console-boot$attempt.log"
	note "the $lane kernel died while booting, before ubc was loaded (see $work/console-boot$attempt.log): booting again, once"
done
python3 "$UBC_TOP/selftests/qemu/verdict.py" --lane "$label" --nonce "$nonce" \
	--qemu-status "$qrc" "$work/results.log" "$work/console.log"
