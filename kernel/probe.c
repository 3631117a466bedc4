// SPDX-License-Identifier: GPL-2.0
/*
 * Hooks and tracepoints. Preparing a table resolves every symbol and names
 * the one it could not find, so a kernel that lacks a hook ubc needs makes
 * the module refuse to load with a message saying what is missing. Arming
 * attaches every probe of a table or none.
 *
 * Enforcement cannot be switched off: every ftrace_ops carries
 * FTRACE_OPS_FL_PERMANENT, so while ubc is armed writing 0 to
 * /proc/sys/kernel/ftrace_enabled fails with EBUSY (ftrace_enable_sysctl()
 * refuses while a permanent ops is registered, kernel/trace/ftrace.c), from
 * the host and from inside a compartment alike. The other side of the same
 * rule: __register_ftrace_function() refuses a permanent ops with EBUSY
 * while ftrace_enabled is 0, so arming fails, saying why, and no
 * compartment can be created until ftrace is switched back on. The kprobes
 * and kretprobes of the kmem and vm parts use the kernel's own ftrace_ops
 * (kprobe_ftrace_ops, kprobe_ipmodify_ops in kernel/kprobes.c: not
 * permanent on 6.1), or int3 where the address is not an ftrace site; they
 * are armed after the tasks part's permanent hooks and removed before them,
 * so the sysctl cannot switch them off either while ubc is armed.
 *
 * Hook hits that ftrace's recursion guard made ubc skip are counted and
 * readable in /sys/module/ubc/parameters/hooks_missed (read-only).
 */
#include <linux/atomic.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/objtool.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/trace_recursion.h>
#include <linux/tracepoint.h>
#include <asm/linkage.h>

#include "probe.h"

/*
 * Where a refused call resumes: a bare return, so the gated function
 * returns to its caller with the value the gate put in %rax. This must be
 * assembly: a C function might clobber %rax. Mirrors just_return_func.
 */
asmlinkage void ubc_just_return(void);
asm(
	".text\n"
	".type ubc_just_return, @function\n"
	"ubc_just_return:\n"
		ANNOTATE_NOENDBR
		ASM_RET
	".size ubc_just_return, .-ubc_just_return\n"
);

static atomic_long_t ubc_missed = ATOMIC_LONG_INIT(0);

static void notrace ubc_hook_thunk(unsigned long ip, unsigned long parent_ip,
				   struct ftrace_ops *ops,
				   struct ftrace_regs *fregs)
{
	struct ubc_hook *hook = container_of(ops, struct ubc_hook, ops);
	struct pt_regs *regs = ubc_fregs_args(fregs);
	int bit, err;

	/*
	 * Same-context recursion cannot come from ubc's own handlers (none
	 * calls a hooked function); count it rather than lose it silently.
	 */
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (unlikely(bit < 0)) {
		atomic_long_inc(&ubc_missed);
		return;
	}
	preempt_disable_notrace();
	err = hook->fn(regs);
	if (unlikely(err) && hook->gate) {
		/* UBC_HOOK_RETURN: the gate put the return value in %rax */
		if (err < 0)
			regs->ax = (unsigned long)(long)err;
		/* the trampoline resumes at regs->ip (FTRACE_OPS_FL_IPMODIFY) */
		instruction_pointer_set(regs, (unsigned long)&ubc_just_return);
	}
	preempt_enable_notrace();
	ftrace_test_recursion_unlock(bit);
}

unsigned long ubc_hooks_missed(void)
{
	return atomic_long_read(&ubc_missed);
}

static int ubc_hooks_missed_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lu\n", ubc_hooks_missed());
}

static const struct kernel_param_ops ubc_hooks_missed_ops = {
	.get = ubc_hooks_missed_get,
};
module_param_cb(hooks_missed, &ubc_hooks_missed_ops, NULL, 0444);
MODULE_PARM_DESC(hooks_missed,
		 "hook hits skipped by ftrace's recursion guard since load (read-only)");

static int __ubc_hooks_prepare(struct ubc_hook *hooks, unsigned int n,
			       bool optional)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		struct ubc_hook *hook = &hooks[i];

		memset(&hook->ops, 0, sizeof(hook->ops));
		hook->ops.func = ubc_hook_thunk;
		hook->ops.flags = FTRACE_OPS_FL_PERMANENT;
		/*
		 * Watches only read arguments, which the lighter trampoline
		 * saves too (DYNAMIC_FTRACE_WITH_ARGS); gates set %rax and the
		 * resume address, which needs the full register frame.
		 */
		if (hook->gate)
			hook->ops.flags |= FTRACE_OPS_FL_SAVE_REGS |
					   FTRACE_OPS_FL_IPMODIFY;
		err = ftrace_set_filter(&hook->ops, (unsigned char *)hook->symbol,
					strlen(hook->symbol), 1);
		if (err) {
			if (optional)
				pr_info("this kernel has no %s to hook (error %d)\n",
					hook->symbol, err);
			else
				pr_err("cannot hook %s (error %d): this kernel lacks a function ubc needs\n",
				       hook->symbol, err);
			ubc_hooks_release(hooks, i + 1);
			return err;
		}
	}
	return 0;
}

int ubc_hooks_prepare(struct ubc_hook *hooks, unsigned int n)
{
	return __ubc_hooks_prepare(hooks, n, false);
}

/*
 * For hooks a part can do without on some kernels: a missing function
 * fails the call (the caller decides what to do without it) and is logged
 * as information, not as an error.
 */
int ubc_hooks_prepare_optional(struct ubc_hook *hooks, unsigned int n)
{
	return __ubc_hooks_prepare(hooks, n, true);
}

void ubc_hooks_release(struct ubc_hook *hooks, unsigned int n)
{
	while (n--)
		ftrace_free_filter(&hooks[n].ops);
}

int ubc_hooks_arm(struct ubc_hook *hooks, unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		err = register_ftrace_function(&hooks[i].ops);
		if (err) {
			/*
			 * EBUSY: ftrace_enabled is 0 (a permanent ops is refused
			 * then, whatever its kind), or, for a gate, another
			 * ftrace_ops already modifies the function's return.
			 */
			pr_err("cannot hook %s (error %d)%s\n", hooks[i].symbol, err,
			       err != -EBUSY ? "" : hooks[i].gate ?
			       ": ftrace is switched off (sysctl kernel.ftrace_enabled=0) or another tracer modifies it" :
			       ": ftrace is switched off (sysctl kernel.ftrace_enabled=0); ubc's limits cannot be enforced until it is set to 1");
			ubc_hooks_disarm(hooks, i);
			return err;
		}
	}
	return 0;
}

/* Returns once no CPU runs a callback of these hooks any more. */
void ubc_hooks_disarm(struct ubc_hook *hooks, unsigned int n)
{
	while (n--)
		unregister_ftrace_function(&hooks[n].ops);
}

struct ubc_tp_lookup {
	struct ubc_tracepoint *t;
	unsigned int n;
};

static void ubc_tp_match(struct tracepoint *tp, void *priv)
{
	struct ubc_tp_lookup *l = priv;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(tp->name, l->t[i].name))
			l->t[i].tp = tp;
}

int ubc_tracepoints_find(struct ubc_tracepoint *t, unsigned int n)
{
	struct ubc_tp_lookup l = { .t = t, .n = n };
	unsigned int i;

	for (i = 0; i < n; i++)
		t[i].tp = NULL;
	for_each_kernel_tracepoint(ubc_tp_match, &l);
	for (i = 0; i < n; i++) {
		if (!t[i].tp) {
			pr_err("cannot find tracepoint %s: this kernel lacks an event ubc needs\n",
			       t[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

int ubc_tracepoints_register(struct ubc_tracepoint *t, unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		err = tracepoint_probe_register(t[i].tp, t[i].probe, NULL);
		if (err) {
			pr_err("cannot attach to tracepoint %s (error %d)\n",
			       t[i].name, err);
			ubc_tracepoints_unregister(t, i);
			return err;
		}
	}
	return 0;
}

void ubc_tracepoints_unregister(struct ubc_tracepoint *t, unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(t[n].tp, t[n].probe, NULL);
}

/*
 * After unregistering: wait until no CPU runs a tracepoint probe and no
 * task is about to execute ubc_just_return (a task preempted between the
 * ftrace trampoline's return and the stub: synchronize_rcu_tasks()), so the
 * module text may go.
 */
void ubc_probes_quiesce(void)
{
	tracepoint_synchronize_unregister();
	synchronize_rcu_tasks();
}
