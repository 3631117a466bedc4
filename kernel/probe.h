/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching to the kernel without patching it: kprobes that may refuse the
 * probed call ("gates") and tracepoints found by name.
 */
#ifndef _UBC_PROBE_H
#define _UBC_PROBE_H

#include <linux/kprobes.h>

/*
 * A gate is a kprobe on the entry of a kernel function whose callers handle
 * its failure. @check runs before the function body with the function's
 * arguments in @regs; returning 0 lets the call proceed, returning -errno
 * makes the function return that value without running its body (the
 * technique of the kernel's own error injection, see
 * arch/x86/lib/error-inject.c: override_function_with_return()).
 *
 * @check runs with preemption disabled, possibly in any context the probed
 * function is called from: it must not sleep.
 */
struct ubc_gate {
	const char *symbol;
	int (*check)(struct pt_regs *regs);
	struct kprobe kp;
};

/* A plain kprobe whose handler only observes (never refuses). */
struct ubc_watch {
	const char *symbol;
	void (*handler)(struct pt_regs *regs);
	struct kprobe kp;
};

struct ubc_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

int ubc_gates_register(struct ubc_gate *gates, unsigned int n);
void ubc_gates_unregister(struct ubc_gate *gates, unsigned int n);
int ubc_watches_register(struct ubc_watch *w, unsigned int n);
void ubc_watches_unregister(struct ubc_watch *w, unsigned int n);
int ubc_tracepoints_register(struct ubc_tracepoint *t, unsigned int n);
void ubc_tracepoints_unregister(struct ubc_tracepoint *t, unsigned int n);
void ubc_probes_quiesce(void);

/* Argument @n (0-based) of a probed function, x86-64 calling convention. */
static inline unsigned long ubc_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

#endif /* _UBC_PROBE_H */
