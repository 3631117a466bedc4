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
# Expects `make` to have built the module for LANE, the tool and the tests.
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
ko=$UBC_BUILD/$lane/module/ubc.ko
tool=$UBC_TOP/tools/ubc/ubc
tests=$UBC_BUILD/selftests
[ -f "$ko" ] || die "$ko missing: run make first"
[ -x "$tool" ] || die "$tool missing: run make first"

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
# stress-ng (33 MB with its libraries) only where hostile_test.sh runs: not
# in the small OOM VM, nor in the demonstration's
extra=${UBC_VM_EXTRA:-}
[ "$mode" = check ] && [ -z "$small" ] && extra="$extra $(command -v stress-ng || true)"
timeout=${UBC_VM_TIMEOUT:-$timeout}

rm -rf "$work"
root=$work/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,selftests,lib64,usr/lib}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../bin/busybox "$root/sbin/modprobe"	# the kernel's modprobe_path
cp "$UBC_TOP/selftests/qemu/init" "$root/init"
cp "$UBC_TOP/selftests/qemu/bad-console" "$root/etc/bad-console"	# read by /init and verdict.py
cp "${UBC_VM_SCRIPT:-$UBC_TOP/selftests/qemu/demo.sh}" "$root/demo.sh"	# UBC_VM_SCRIPT: run another script
chmod +x "$root/init"
cp "$ko" "$root/ubc.ko"
rm -f "$root/bin/ubc"
cp "$tool" "$root/bin/ubc"
cp "$UBC_BUILD/forkbomb" "$root/bin/forkbomb"
# memhog: the demonstration's memory pressure; built here, it is that small
cc -Wall -Wextra -Werror -O2 -o "$root/bin/memhog" "$UBC_TOP/selftests/qemu/memhog.c"
# exec_noop: a program that maps nothing after exec (vm_test)
cc -Wall -Wextra -Werror -O2 -nostdlib -static -fno-pie -no-pie -fno-stack-protector \
	-o "$root/bin/exec_noop" "$UBC_TOP/selftests/qemu/exec_noop.c"
for f in $extra; do rm -f "$root/bin/${f##*/}"; cp "$f" "$root/bin/${f##*/}"; done
: >"$root/selftests/list"
if [ -d "$tests" ]; then
	for t in $(make -s -C "$UBC_TOP/selftests/ubc" print-tests); do
		cp "$tests/$t" "$root/selftests/$t"
		echo "$t" >>"$root/selftests/list"
	done
fi
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
# Shared libraries of the dynamically linked binaries.
for bin in "$root/bin/ubc" "$root/bin/forkbomb" "$root/bin/memhog" "$root"/selftests/* \
	$(for f in $extra; do echo "$root/bin/${f##*/}"; done); do
	[ -f "$bin" ] && [ -x "$bin" ] && ldd "$bin" >/dev/null 2>&1 || continue
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -nL "$lib" "$root$lib"
	done
done
# zram and the modules it needs, in load order, for the swap test
# (oom_test): /lib/ubc-swap/order lists them. Only a packaged kernel ships
# them (lib/modules/KREL next to boot/); elsewhere the test skips.
kmods=$(dirname "$(dirname "$KIMAGE")")/lib/modules/$KREL
swapmod() {	# swapmod NAME: NAME after its dependencies
	local f dep
	f=$(find "$kmods" -name "$1.ko" -o -name "$1.ko.xz" | head -n1)
	[ -n "$f" ] || return 1
	for dep in $(/sbin/modinfo -F depends "$f" | tr , ' '); do
		grep -qx "$dep" "$root/lib/ubc-swap/order" 2>/dev/null || swapmod "$dep" || return 1
	done
	case $f in *.xz) xz -dc "$f" ;; *) cat "$f" ;; esac >"$root/lib/ubc-swap/$1.ko"
	echo "$1" >>"$root/lib/ubc-swap/order"
}
if [ -d "$kmods" ]; then
	mkdir -p "$root/lib/ubc-swap"
	swapmod zram || rm -rf "$root/lib/ubc-swap"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

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
      -kernel "$KIMAGE" -initrd "$work/initramfs.gz" -append "$append")

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
