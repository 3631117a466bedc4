/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_TASK_H
#define _UBC_TASK_H

#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/netlink.h>
#include <linux/sched.h>

#include "comp.h"

DECLARE_STATIC_KEY_FALSE(ubc_tasks_tracked);

struct ubc_comp *__ubc_task_comp(struct task_struct *task);

/*
 * The compartment of @task, or NULL for a host task. Call under
 * rcu_read_lock() or with preemption disabled; the result stays valid while
 * @task is alive (its tracking entry holds a reference). Costs one static
 * branch while no task was ever entered, a hash lookup otherwise.
 */
static __always_inline struct ubc_comp *ubc_task_comp(struct task_struct *task)
{
	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return NULL;
	return __ubc_task_comp(task);
}

/*
 * The compartment a hook should charge: current's, in task context only
 * (an interrupt charges nothing to the task it interrupted). Hooks run with
 * preemption disabled, which keeps the result valid.
 */
static __always_inline struct ubc_comp *ubc_hook_comp(void)
{
	return in_task() ? ubc_task_comp(current) : NULL;
}

struct ubc_kresv;
struct ubc_comp *ubc_hook_comp_kresv(struct ubc_kresv **r);	/* kmem.c */

u32 ubc_current_id(void);

/*
 * Module parameters are the host's: every writable one of ubc uses a set
 * handler that refuses a writer inside a compartment with EPERM.
 */
int ubc_param_set_host_bool(const char *val, const struct kernel_param *kp);
extern const struct kernel_param_ops ubc_param_host_bool;

/* Page-fault depth of current (compartment tasks only); see task.c. */
void *ubc_task_fault_enter(void);
void ubc_task_fault_exit(void *cookie);
bool ubc_task_in_fault(void);

long ubc_comp_get_tasks(struct ubc_comp *comp, struct task_struct **tasks,
			unsigned int max);

/* One unit of a resource current reserved at a gate; see task.c. */
int ubc_task_reserve(unsigned int res, enum ubc_strict strict);
bool ubc_task_unreserve(unsigned int res);
int ubc_task_reserve_fork(long pages, enum ubc_strict strict);
long ubc_task_fork_resv(void);
void ubc_task_fork_end(bool taken);

int ubc_task_enter(struct ubc_comp *comp, pid_t pid,
		   struct netlink_ext_ack *extack);

#endif /* _UBC_TASK_H */
