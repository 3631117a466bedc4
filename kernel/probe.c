// SPDX-License-Identifier: GPL-2.0
/*
 * Gates, watches and tracepoints. Registration either attaches every probe
 * of a table or none, and names the kernel symbol it could not find, so a
 * kernel that lacks a hook ubc needs makes the module refuse to load with a
 * message saying what is missing.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/objtool.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <asm/linkage.h>

#include "probe.h"

/*
 * Where a refused call resumes: a bare return, so the probed function
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

static int ubc_gate_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct ubc_gate *gate = container_of(kp, struct ubc_gate, kp);
	int err = gate->check(regs);

	if (likely(!err))
		return 0;
	regs->ax = (unsigned long)(long)err;
	instruction_pointer_set(regs, (unsigned long)&ubc_just_return);
	/* Non-zero: kprobes must not resume at (or single-step) the probe. */
	return 1;
}
NOKPROBE_SYMBOL(ubc_gate_pre);

static int ubc_watch_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct ubc_watch *w = container_of(kp, struct ubc_watch, kp);

	w->handler(regs);
	return 0;
}
NOKPROBE_SYMBOL(ubc_watch_pre);

int ubc_gates_register(struct ubc_gate *gates, unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		memset(&gates[i].kp, 0, sizeof(gates[i].kp));
		gates[i].kp.symbol_name = gates[i].symbol;
		gates[i].kp.pre_handler = ubc_gate_pre;
		err = register_kprobe(&gates[i].kp);
		if (err) {
			pr_err("cannot hook %s (error %d): this kernel lacks a function ubc needs\n",
			       gates[i].symbol, err);
			ubc_gates_unregister(gates, i);
			return err;
		}
	}
	return 0;
}

void ubc_gates_unregister(struct ubc_gate *gates, unsigned int n)
{
	while (n--)
		unregister_kprobe(&gates[n].kp);
}

int ubc_watches_register(struct ubc_watch *w, unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		memset(&w[i].kp, 0, sizeof(w[i].kp));
		w[i].kp.symbol_name = w[i].symbol;
		w[i].kp.pre_handler = ubc_watch_pre;
		err = register_kprobe(&w[i].kp);
		if (err) {
			pr_err("cannot hook %s (error %d): this kernel lacks a function ubc needs\n",
			       w[i].symbol, err);
			ubc_watches_unregister(w, i);
			return err;
		}
	}
	return 0;
}

void ubc_watches_unregister(struct ubc_watch *w, unsigned int n)
{
	while (n--)
		unregister_kprobe(&w[n].kp);
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

int ubc_tracepoints_register(struct ubc_tracepoint *t, unsigned int n)
{
	struct ubc_tp_lookup l = { .t = t, .n = n };
	unsigned int i;
	int err;

	for (i = 0; i < n; i++)
		t[i].tp = NULL;
	for_each_kernel_tracepoint(ubc_tp_match, &l);
	for (i = 0; i < n; i++) {
		err = t[i].tp ? tracepoint_probe_register(t[i].tp, t[i].probe, NULL)
			      : -ENOENT;
		if (err) {
			pr_err("cannot attach to tracepoint %s (error %d): this kernel lacks an event ubc needs\n",
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
 * After unregistering: wait until no CPU runs a probe handler (they run
 * with preemption disabled: synchronize_rcu()) and no task is about to
 * execute ubc_just_return (a task preempted between the ftrace trampoline
 * and the stub: synchronize_rcu_tasks()), so the module text may go.
 */
void ubc_probes_quiesce(void)
{
	tracepoint_synchronize_unregister();
	synchronize_rcu_tasks();
}
