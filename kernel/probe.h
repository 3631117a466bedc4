/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching to the kernel without patching it: ftrace hooks on function
 * entry that may refuse the call ("gates") or only observe ("watches"), and
 * tracepoints found by name.
 */
#ifndef _UBC_PROBE_H
#define _UBC_PROBE_H

#include <linux/ftrace.h>
#include <linux/ptrace.h>

/*
 * A hook on the entry of kernel function @symbol. @fn runs before the body
 * with the function's arguments in @regs. For a watch it returns 0. For a
 * gate (@gate true) returning -errno makes the function return that value
 * without running its body, the technique of the kernel's own error
 * injection (arch/x86/lib/error-inject.c: override_function_with_return());
 * only functions whose callers handle their failure may be gated.
 *
 * @fn runs with preemption disabled, in whatever context the function is
 * called from (task, softirq, hardirq): it must not sleep. A watch's @regs
 * holds only the argument registers: read them with ubc_arg().
 *
 * Hooks are ftrace callbacks, not kprobes: kprobes allow one active probe
 * per CPU and silently skip ("miss") a probe hit from an interrupt that
 * arrives while another probe handler runs, which would lose frees.
 * ftrace's recursion guard is per context and lets such nesting through.
 */
struct ubc_hook {
	const char *symbol;
	int (*fn)(struct pt_regs *regs);
	bool gate;
	struct ftrace_ops ops;
};

struct ubc_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

/*
 * A gate that must make its function return something other than -errno
 * (NULL from an allocator, 0 = "allowed" from a check) sets the value with
 * ubc_hook_return() and returns UBC_HOOK_RETURN.
 *
 * Only one ftrace_ops per function may modify the resume address
 * (FTRACE_OPS_FL_IPMODIFY): a function is gated by one hook of one part
 * only; any number of watches may share it.
 */
#define UBC_HOOK_RETURN	1

static inline int ubc_hook_return(struct pt_regs *regs, unsigned long val)
{
	regs->ax = val;
	return UBC_HOOK_RETURN;
}

/*
 * Life of a table of hooks: prepare at module load (resolves every symbol:
 * a missing one fails the load, naming it), arm when the first compartment
 * is created (from then on the kernel calls the hooks), disarm and release
 * at unload. A module that is loaded but never used costs nothing.
 */
int ubc_hooks_prepare(struct ubc_hook *hooks, unsigned int n);
int ubc_hooks_prepare_optional(struct ubc_hook *hooks, unsigned int n);
int ubc_hooks_arm(struct ubc_hook *hooks, unsigned int n);
void ubc_hooks_disarm(struct ubc_hook *hooks, unsigned int n);
void ubc_hooks_release(struct ubc_hook *hooks, unsigned int n);
int ubc_tracepoints_find(struct ubc_tracepoint *t, unsigned int n);
int ubc_tracepoints_register(struct ubc_tracepoint *t, unsigned int n);
void ubc_tracepoints_unregister(struct ubc_tracepoint *t, unsigned int n);
void ubc_probes_quiesce(void);
unsigned long ubc_hooks_missed(void);

/*
 * Where an ftrace callback finds the hooked function's registers. Kernel
 * internals that differ between the supported kernels live here, in one
 * place: 6.13 made struct ftrace_regs opaque (arch_ftrace_regs()); 6.1
 * and 6.12 expose it. On x86-64 all wrap a struct pt_regs in which the argument
 * registers are always saved (DYNAMIC_FTRACE_WITH_ARGS) and the rest only
 * with FTRACE_OPS_FL_SAVE_REGS: watches may read arguments only.
 */
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#error "ubc needs DYNAMIC_FTRACE_WITH_ARGS (x86-64, Linux 6.1 or later)"
#endif
#ifdef arch_ftrace_regs
#define ubc_fregs_args(fregs)	(&arch_ftrace_regs(fregs)->regs)
#else
#define ubc_fregs_args(fregs)	(&(fregs)->regs)
#endif

/* Argument @n (0-based) of a hooked function, x86-64 calling convention. */
static inline unsigned long ubc_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

#endif /* _UBC_PROBE_H */
