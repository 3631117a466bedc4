// SPDX-License-Identifier: GPL-2.0
/*
 * exec_noop: exits 0 at once, without libc: no heap, no TLS, no mapping
 * but its image and the stack exec made. vm_test execs it in a compartment
 * whose privvmpages are past the barrier, where exec itself may use the
 * limit but any mapping the program made afterwards would be refused.
 * Built by vm.sh with -nostdlib -static (x86-64).
 */
void _start(void)
{
	asm volatile("mov $60, %eax\n\t"	/* exit(0) */
		     "xor %edi, %edi\n\t"
		     "syscall");
	__builtin_unreachable();
}
