// SPDX-License-Identifier: GPL-2.0
/*
 * Which compartment a task belongs to, inheritance at fork, and numproc.
 *
 * User-visible semantics (numproc):
 *  - every task (process or thread) of a compartment is charged one numproc
 *    from the moment copy_process() creates it until it is reaped;
 *  - fork(), clone() and pthread_create() fail with EAGAIN when the charge
 *    would pass the numproc barrier; each refusal adds one to failcnt;
 *  - host tasks are never charged; a task never leaves its compartment.
 *
 * The kernel has no field in task_struct for us, so tasks are tracked in a
 * hash table keyed by task_struct pointer, with an entry per task of a
 * compartment. Hooks (all in kernel/fork.c and kernel/exit.c, 6.1):
 *  - security_task_alloc(task, clone_flags), gate: copy_process() calls it
 *    with current = parent; refusing it is unwound by copy_process()
 *    (bad_fork_cleanup_audit), which skips security_task_free();
 *  - security_task_free(task), watch: __put_task_struct() (last reference)
 *    and copy_process()'s failure path; the entry dies here;
 *  - free_task(task), watch (optional: a kernel where it cannot be hooked
 *    only logs it): every task_struct freed, also by copy_process() when
 *    security_task_alloc() itself failed after ubc's gate let it through
 *    (its LSM blob allocation), a path without security_task_free(); an
 *    entry still there dies here, often in an RCU callback;
 *  - cgroup_release(task), watch: release_task() reaps the task; numproc is
 *    returned here, synchronously, like the pids controller does;
 *  - task_newtask tracepoint: end of copy_process(), after the child is on
 *    the thread lists; fixes up a child whose parent entered a compartment
 *    between security_task_alloc() and attaching the child (see enter).
 *
 * Locking: each hash bucket has a spinlock taken with interrupts disabled
 * (security_task_free() may run in any context); it is a leaf lock, except
 * that enter nests it inside the target's sighand->siglock. Lookups are
 * lockless under RCU. An entry's compartment never changes once hashed, so
 * readers need no lock; "charged" is cleared exactly once by xchg.
 */
#include <linux/hash.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "probe.h"
#include "task.h"
#include "part.h"

struct ubc_task {
	struct hlist_node node;
	struct task_struct *task;
	struct ubc_comp *comp;
	atomic_t charged;	/* 1 while numproc is charged for this task */
	int in_fault;		/* handle_mm_fault() depth; only the task */
	unsigned long reserved;	/* resources with one unit reserved */
	struct rcu_head rcu;
};

#define UBC_TASK_HASH_BITS	10

static struct ubc_task_bucket {
	spinlock_t lock;
	struct hlist_head head;
} ubc_task_hash[1 << UBC_TASK_HASH_BITS];

DEFINE_STATIC_KEY_FALSE(ubc_tasks_tracked);

static struct ubc_task_bucket *ubc_task_bucket(struct task_struct *task)
{
	return &ubc_task_hash[hash_ptr(task, UBC_TASK_HASH_BITS)];
}

static struct ubc_task *ubc_task_lookup(struct task_struct *task)
{
	struct ubc_task *e;

	hlist_for_each_entry_rcu(e, &ubc_task_bucket(task)->head, node,
				 rcu_read_lock_any_held())
		if (e->task == task)
			return e;
	return NULL;
}

struct ubc_comp *__ubc_task_comp(struct task_struct *task)
{
	struct ubc_task *e = ubc_task_lookup(task);

	return e ? e->comp : NULL;
}

/*
 * Page-fault depth of current, kept only for compartment tasks (kmem.c's
 * handle_mm_fault() probe, on kernels without current->in_user_fault).
 * Changed and read by the task itself only, with preemption disabled; the
 * entry lives as long as the task.
 */
void *ubc_task_fault_enter(void)
{
	struct ubc_task *e;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return NULL;
	e = ubc_task_lookup(current);
	if (e)
		WRITE_ONCE(e->in_fault, e->in_fault + 1);
	return e;
}

void ubc_task_fault_exit(void *cookie)
{
	struct ubc_task *e = cookie;

	WRITE_ONCE(e->in_fault, e->in_fault - 1);
}

bool ubc_task_in_fault(void)
{
	struct ubc_task *e = ubc_task_lookup(current);

	return e && READ_ONCE(e->in_fault) > 0;
}

/*
 * Reservations (objects.c, locksig.c): a gate that admits a call charges
 * one unit of @res for an object the same call creates later, and the hook
 * that sees the object takes it over (ubc_task_unreserve()). At most one
 * unit per resource per task: a reservation whose object never came (the
 * kernel failed the call for a reason of its own) is reused by the task's
 * next reservation and returned when the task is freed. Bits are changed
 * by the task itself, from hooks, and by the release of its entry once the
 * task is dead.
 */
int ubc_task_reserve(unsigned int res, enum ubc_strict strict)
{
	struct ubc_task *e = ubc_task_lookup(current);

	BUILD_BUG_ON(UBC_RESOURCES > BITS_PER_LONG);
	if (!e)
		return -ESRCH;
	if (test_bit(res, &e->reserved))
		return 0;
	if (ubc_counter_charge(&e->comp->res[res], 1, strict))
		return -ENOSPC;
	set_bit(res, &e->reserved);
	return 0;
}

/* Take current's reservation of @res: true if it had one. */
bool ubc_task_unreserve(unsigned int res)
{
	struct ubc_task *e;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return false;
	e = ubc_task_lookup(current);
	return e && test_and_clear_bit(res, &e->reserved);
}

/* The id of current's compartment, 0 for the host. Any task context. */
u32 ubc_current_id(void)
{
	struct ubc_comp *comp;
	u32 id;

	rcu_read_lock();
	comp = ubc_task_comp(current);
	id = comp ? comp->id : 0;
	rcu_read_unlock();
	return id;
}

/* Hash @e unless its task already has an entry (-EEXIST). */
static int ubc_task_hash_add(struct ubc_task *e)
{
	struct ubc_task_bucket *b = ubc_task_bucket(e->task);
	struct ubc_task *old;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(old, &b->head, node)
		if (old->task == e->task)
			err = -EEXIST;
	if (!err)
		hlist_add_head_rcu(&e->node, &b->head);
	spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

static struct ubc_task *ubc_task_unhash(struct task_struct *task)
{
	struct ubc_task_bucket *b = ubc_task_bucket(task);
	struct ubc_task *e, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(e, &b->head, node)
		if (e->task == task) {
			hlist_del_rcu(&e->node);
			found = e;
			break;
		}
	spin_unlock_irqrestore(&b->lock, flags);
	return found;
}

static void ubc_task_uncharge(struct ubc_task *e)
{
	if (atomic_xchg(&e->charged, 0))
		ubc_counter_uncharge(&e->comp->res[UBC_NUMPROC], 1);
}

/* Release an unhashed entry: its charge, its reference, its memory. */
static void ubc_task_release(struct ubc_task *e)
{
	unsigned int res;

	ubc_task_uncharge(e);
	for_each_set_bit(res, &e->reserved, UBC_RESOURCES)
		ubc_counter_uncharge(&e->comp->res[res], 1);
	ubc_comp_put(e->comp);
	kfree_rcu(e, rcu);
}

/*
 * Track @task in @comp, whose numproc the caller has charged: takes a
 * compartment reference. -EEXIST if @task is tracked already (nothing done).
 */
static int ubc_task_track(struct ubc_task *e, struct task_struct *task,
			  struct ubc_comp *comp)
{
	e->task = task;
	e->comp = comp;
	e->in_fault = 0;
	e->reserved = 0;
	atomic_set(&e->charged, 1);
	ubc_comp_get(comp);
	if (ubc_task_hash_add(e)) {
		ubc_comp_put(comp);
		return -EEXIST;
	}
	return 0;
}

/* security_task_alloc(struct task_struct *task, unsigned long clone_flags) */
static int ubc_fork_check(struct pt_regs *regs)
{
	struct task_struct *child = (struct task_struct *)ubc_arg(regs, 0);
	struct ubc_comp *comp = ubc_task_comp(current);
	struct ubc_task *e;

	if (!comp)
		return 0;
	e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e)
		return -ENOMEM;
	if (ubc_counter_charge(&comp->res[UBC_NUMPROC], 1, UBC_BARRIER)) {
		kfree(e);
		return -EAGAIN;
	}
	if (ubc_task_track(e, child, comp)) {
		/* A new task_struct cannot be tracked yet. */
		ubc_counter_uncharge(&comp->res[UBC_NUMPROC], 1);
		kfree(e);
		return -EEXIST;
	}
	return 0;
}

/* security_task_free(struct task_struct *task) */
static int ubc_task_free_hook(struct pt_regs *regs)
{
	struct task_struct *task = (struct task_struct *)ubc_arg(regs, 0);
	struct ubc_task *e;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return 0;
	e = ubc_task_unhash(task);
	if (e)
		ubc_task_release(e);
	return 0;
}

/* free_task(struct task_struct *tsk): see ubc_task_free_hook() */
static int ubc_task_freed(struct pt_regs *regs)
{
	return ubc_task_free_hook(regs);
}

/*
 * cgroup_release(struct task_struct *task): release_task() calls it for
 * every task it reaps, also for a zombie leader it reaps in the same call
 * (its "repeat" loop), which is why ubc does not hook release_task itself.
 */
static int ubc_task_reaped(struct pt_regs *regs)
{
	struct task_struct *task = (struct task_struct *)ubc_arg(regs, 0);
	struct ubc_task *e;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return 0;
	e = ubc_task_lookup(task);
	if (e)
		ubc_task_uncharge(e);
	return 0;
}

/*
 * trace_task_newtask(child, clone_flags), current = parent. The child
 * inherited the compartment the parent had at security_task_alloc() time.
 * If the parent was entered into a compartment after that and before the
 * child was attached to the thread lists, enter did not see the child:
 * track it now. The charge is forced, since fork can no longer fail here.
 */
static void ubc_task_newtask(void *data, struct task_struct *child,
			     unsigned long clone_flags)
{
	struct ubc_comp *comp = ubc_task_comp(current);
	struct ubc_task *e;

	if (!comp || ubc_task_lookup(child))
		return;
	e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e) {
		pr_warn_ratelimited("task %d forked while entering compartment %u stays on the host: out of memory\n",
				    task_pid_nr(child), comp->id);
		return;
	}
	ubc_counter_charge(&comp->res[UBC_NUMPROC], 1, UBC_FORCE);
	if (ubc_task_track(e, child, comp)) {
		/* enter tracked it meanwhile */
		ubc_counter_uncharge(&comp->res[UBC_NUMPROC], 1);
		kfree(e);
	}
}

/* Like __lock_task_sighand(), which modules cannot call. */
static struct sighand_struct *ubc_lock_sighand(struct task_struct *task,
					       unsigned long *flags)
{
	struct sighand_struct *sh;

	rcu_read_lock();
	for (;;) {
		sh = rcu_dereference(task->sighand);
		if (!sh)
			break;
		spin_lock_irqsave(&sh->siglock, *flags);
		if (likely(sh == rcu_access_pointer(task->sighand)))
			break;
		spin_unlock_irqrestore(&sh->siglock, *flags);
	}
	rcu_read_unlock();
	return sh;
}

static void ubc_free_list(struct hlist_head *list)
{
	struct hlist_node *tmp;
	struct ubc_task *e;

	hlist_for_each_entry_safe(e, tmp, list, node)
		kfree(e);
}

/*
 * Move every thread of @task's process into @comp, charging numproc per
 * thread against the barrier. The thread list is stable under the
 * process' siglock: copy_process() attaches children (threads or not) and
 * __exit_signal() detaches threads under it.
 */
static int ubc_enter_locked(struct ubc_comp *comp, struct task_struct *task,
			    struct hlist_head *spare, unsigned int nspare,
			    struct netlink_ext_ack *extack)
{
	struct ubc_counter *numproc = &comp->res[UBC_NUMPROC];
	struct task_struct *t;
	unsigned int n = 0;

	for_each_thread(task, t) {
		if (ubc_task_lookup(t)) {
			NL_SET_ERR_MSG(extack, "process is already in a compartment");
			return -EPERM;
		}
		if (t->exit_state != EXIT_DEAD)
			n++;
	}
	if (n > nspare)
		return -EAGAIN;		/* more threads than entries: retry */
	if (ubc_counter_charge(numproc, n, UBC_BARRIER)) {
		NL_SET_ERR_MSG(extack, "process' threads would exceed the compartment's numproc barrier");
		return -ENOSPC;
	}
	for_each_thread(task, t) {
		struct ubc_task *e;

		/* being reaped: it may be past cgroup_release() already */
		if (t->exit_state == EXIT_DEAD)
			continue;
		e = hlist_entry(spare->first, struct ubc_task, node);
		hlist_del(&e->node);
		if (ubc_task_track(e, t, comp)) {
			/* ubc_task_newtask() tracked and charged it first */
			ubc_counter_uncharge(numproc, 1);
			kfree(e);
		}
	}
	return 0;
}

/* UBC_CMD_ENTER; under ubc_lock. */
int ubc_task_enter(struct ubc_comp *comp, pid_t pid,
		   struct netlink_ext_ack *extack)
{
	struct task_struct *task;
	struct sighand_struct *sh;
	unsigned int n, nspare;
	unsigned long flags;
	int err;

	lockdep_assert_held(&ubc_lock);
	rcu_read_lock();
	/* find_task_by_vpid() is not exported; this is its body */
	task = pid ? pid_task(find_vpid(pid), PIDTYPE_PID) : current;
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task) {
		NL_SET_ERR_MSG(extack, "no such process");
		return -ESRCH;
	}
	if (task->flags & PF_KTHREAD) {
		NL_SET_ERR_MSG(extack, "kernel threads cannot enter a compartment");
		err = -EPERM;
		goto out;
	}
	static_branch_enable(&ubc_tasks_tracked);

	for (nspare = 0, n = get_nr_threads(task) + 4;; n *= 2) {
		HLIST_HEAD(spare);

		for (; nspare < n; nspare++) {
			struct ubc_task *e = kmalloc(sizeof(*e), GFP_KERNEL);

			if (!e) {
				ubc_free_list(&spare);
				err = -ENOMEM;
				goto out;
			}
			hlist_add_head(&e->node, &spare);
		}
		sh = ubc_lock_sighand(task, &flags);
		if (!sh) {
			NL_SET_ERR_MSG(extack, "process is exiting");
			err = -ESRCH;
		} else {
			err = ubc_enter_locked(comp, task, &spare, nspare, extack);
			spin_unlock_irqrestore(&sh->siglock, flags);
		}
		ubc_free_list(&spare);
		nspare = 0;
		if (err != -EAGAIN)
			break;
	}
	if (err == -ENOSPC)
		err = -EAGAIN;
out:
	put_task_struct(task);
	return err;
}

/*
 * Free and reap hooks are registered before the fork gate and removed after
 * it, so that no entry can exist without them.
 */
static struct ubc_hook ubc_task_hooks[] = {
	{ .symbol = "security_task_free", .fn = ubc_task_free_hook },
	{ .symbol = "cgroup_release", .fn = ubc_task_reaped },
	{ .symbol = "security_task_alloc", .fn = ubc_fork_check, .gate = true },
};

/* The catch-all free, armed first when this kernel lets it be hooked. */
static struct ubc_hook ubc_task_free_hooks[] = {
	{ .symbol = "free_task", .fn = ubc_task_freed },
};
static bool ubc_task_free_hooked;

static struct ubc_tracepoint ubc_task_tps[] = {
	{ .name = "task_newtask", .probe = ubc_task_newtask },
};

static int ubc_tasks_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(ubc_task_hash); i++) {
		spin_lock_init(&ubc_task_hash[i].lock);
		INIT_HLIST_HEAD(&ubc_task_hash[i].head);
	}
	err = ubc_tracepoints_find(ubc_task_tps, ARRAY_SIZE(ubc_task_tps));
	if (!err)
		err = ubc_hooks_prepare(ubc_task_hooks, ARRAY_SIZE(ubc_task_hooks));
	if (err)
		return err;
	ubc_task_free_hooked = !ubc_hooks_prepare_optional(ubc_task_free_hooks,
							   ARRAY_SIZE(ubc_task_free_hooks));
	if (!ubc_task_free_hooked)
		pr_info("tasks: a fork that fails inside security_task_alloc() keeps its numproc charge on this kernel\n");
	return 0;
}

static int ubc_tasks_arm(void)
{
	int err;

	if (ubc_task_free_hooked) {
		err = ubc_hooks_arm(ubc_task_free_hooks,
				    ARRAY_SIZE(ubc_task_free_hooks));
		if (err)
			return err;
	}
	err = ubc_tracepoints_register(ubc_task_tps, ARRAY_SIZE(ubc_task_tps));
	if (err)
		goto err_free;
	err = ubc_hooks_arm(ubc_task_hooks, ARRAY_SIZE(ubc_task_hooks));
	if (err)
		goto err_tps;
	return 0;

err_tps:
	ubc_tracepoints_unregister(ubc_task_tps, ARRAY_SIZE(ubc_task_tps));
err_free:
	if (ubc_task_free_hooked)
		ubc_hooks_disarm(ubc_task_free_hooks,
				 ARRAY_SIZE(ubc_task_free_hooks));
	return err;
}

/* The caller quiesces (ubc_probes_quiesce()) before ubc_tasks_exit(). */
static void ubc_tasks_disarm(void)
{
	ubc_hooks_disarm(ubc_task_hooks, ARRAY_SIZE(ubc_task_hooks));
	ubc_tracepoints_unregister(ubc_task_tps, ARRAY_SIZE(ubc_task_tps));
	if (ubc_task_free_hooked)
		ubc_hooks_disarm(ubc_task_free_hooks,
				 ARRAY_SIZE(ubc_task_free_hooks));
}

/*
 * After ubc_tasks_disarm() and quiescing: drop every entry; tasks that were
 * in compartments carry on as host tasks.
 */
static void ubc_tasks_exit(void)
{
	unsigned int i;

	ubc_hooks_release(ubc_task_hooks, ARRAY_SIZE(ubc_task_hooks));
	if (ubc_task_free_hooked)
		ubc_hooks_release(ubc_task_free_hooks,
				  ARRAY_SIZE(ubc_task_free_hooks));
	for (i = 0; i < ARRAY_SIZE(ubc_task_hash); i++) {
		struct ubc_task_bucket *b = &ubc_task_hash[i];
		struct hlist_node *tmp;
		struct ubc_task *e;
		unsigned long flags;
		HLIST_HEAD(dead);

		spin_lock_irqsave(&b->lock, flags);
		hlist_for_each_entry_safe(e, tmp, &b->head, node) {
			hlist_del_rcu(&e->node);
			hlist_add_head(&e->node, &dead);
		}
		spin_unlock_irqrestore(&b->lock, flags);
		/* hlist_add_head() reused node: walk 'dead' only, never b->head */
		hlist_for_each_entry_safe(e, tmp, &dead, node)
			ubc_task_release(e);
	}
	static_branch_disable(&ubc_tasks_tracked);
}

const struct ubc_part ubc_tasks_part = {
	.name = "tasks",
	.init = ubc_tasks_init,
	.arm = ubc_tasks_arm,
	.disarm = ubc_tasks_disarm,
	.exit = ubc_tasks_exit,
};
