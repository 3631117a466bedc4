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
 * compartment. An entry also records the task's start_time (set by
 * copy_process() after security_task_alloc(), so "forking" until the
 * task_newtask tracepoint fills it in): an entry whose task was freed
 * without ubc seeing it (a missed free hook) never matches a new task at
 * the same address, and the fork gate, which sees every new task_struct
 * before it runs (host forks too), drops any entry still hashed under the
 * new task's address. No stale entry can make a task belong to a
 * compartment it never entered.
 *
 * Hooks (all in kernel/fork.c and kernel/exit.c, 6.1, and kernel/module/):
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
 *    the thread lists; records the child's start_time in its entry, and
 *    fixes up a child whose parent entered a compartment between
 *    security_task_alloc() and attaching the child (see enter);
 *  - __x64_sys_delete_module(regs), gate: a task inside a compartment
 *    cannot unload modules (EPERM), even with O_TRUNC (forced unload).
 *
 * The module cannot be unloaded while a compartment holds a task: the
 * first tracked task takes a module reference and the last one gone drops
 * it, so delete_module() fails with EWOULDBLOCK (kernel/module/main.c,
 * try_stop_module()) unless forced (rmmod -f, CONFIG_MODULE_FORCE_UNLOAD)
 * or the host set the module parameter allow_busy_unload. Every writable
 * module parameter of ubc refuses writers inside a compartment (EPERM).
 *
 * Locking: each hash bucket has a spinlock taken with interrupts disabled
 * (security_task_free() may run in any context); it is a leaf lock, except
 * that enter nests it inside the target's sighand->siglock and that it
 * nests the entry's comp->tasks_lock (the per-compartment list of entries,
 * kept with the hash: ubc_comp_get_tasks()). Lookups are
 * lockless under RCU. An entry's compartment never changes once hashed, so
 * readers need no lock; "charged" is cleared exactly once by xchg;
 * start_time is written once, from "forking" to the task's, by
 * task_newtask (or set before hashing) and read locklessly. The module
 * reference is taken and dropped under ubc_pin_lock (a leaf, irqs off) on
 * the transitions of the number of entries between 0 and 1.
 */
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "kmem.h"
#include "probe.h"
#include "task.h"
#include "part.h"

struct ubc_task {
	struct hlist_node node;
	struct list_head comp_node;	/* on comp->tasks while hashed */
	struct task_struct *task;
	struct ubc_comp *comp;
	atomic_t charged;	/* 1 while numproc is charged for this task */
	u64 start_time;		/* task->start_time, or UBC_TASK_FORKING */
	int in_fault;		/* handle_mm_fault() depth; only the task */
	struct ubc_kresv kresv;	/* kmem.c's reservations; only the task */
	unsigned long reserved;	/* resources with one unit reserved */
	long fork_resv;		/* privvmpages a fork gate reserved; the task */
	struct rcu_head rcu;
};

#define UBC_TASK_HASH_BITS	10

/* start_time of an entry made by the fork gate, before task_newtask */
#define UBC_TASK_FORKING	U64_MAX

static struct ubc_task_bucket {
	spinlock_t lock;
	struct hlist_head head;
} ubc_task_hash[1 << UBC_TASK_HASH_BITS];

DEFINE_STATIC_KEY_FALSE(ubc_tasks_tracked);

static struct ubc_task_bucket *ubc_task_bucket(struct task_struct *task)
{
	return &ubc_task_hash[hash_ptr(task, UBC_TASK_HASH_BITS)];
}

/* Whether @e, hashed under @task's address, is @task's own entry. */
static bool ubc_task_match(struct ubc_task *e, struct task_struct *task)
{
	u64 st = READ_ONCE(e->start_time);

	return e->task == task &&
	       (st == task->start_time || st == UBC_TASK_FORKING);
}

static struct ubc_task *ubc_task_lookup(struct task_struct *task)
{
	struct ubc_task *e;

	hlist_for_each_entry_rcu(e, &ubc_task_bucket(task)->head, node,
				 rcu_read_lock_any_held())
		if (ubc_task_match(e, task))
			return e;
	return NULL;
}

/*
 * The module reference held while any task is tracked (see the top
 * comment). ubc_pin_update() runs on every 0 <-> 1 transition of
 * ubc_ntasks and sets the pin from the count it reads under the lock, so
 * racing transitions settle on the right state.
 */
static atomic_long_t ubc_ntasks = ATOMIC_LONG_INIT(0);
static DEFINE_SPINLOCK(ubc_pin_lock);
static bool ubc_pinned;		/* under ubc_pin_lock */
static bool ubc_allow_busy_unload;

static void ubc_pin_update(void)
{
	unsigned long flags;
	bool want;

	spin_lock_irqsave(&ubc_pin_lock, flags);
	want = atomic_long_read(&ubc_ntasks) > 0 &&
	       !READ_ONCE(ubc_allow_busy_unload);
	if (want && !ubc_pinned)
		__module_get(THIS_MODULE);
	else if (!want && ubc_pinned)
		module_put(THIS_MODULE);
	ubc_pinned = want;
	spin_unlock_irqrestore(&ubc_pin_lock, flags);
}

static void ubc_task_pin(void)
{
	if (atomic_long_inc_return(&ubc_ntasks) == 1)
		ubc_pin_update();
}

static void ubc_task_unpin(void)
{
	if (atomic_long_dec_and_test(&ubc_ntasks))
		ubc_pin_update();
}

static int ubc_allow_busy_unload_set(const char *val,
				     const struct kernel_param *kp)
{
	int err = ubc_param_set_host_bool(val, kp);

	if (!err)
		ubc_pin_update();
	return err;
}

static const struct kernel_param_ops ubc_allow_busy_unload_ops = {
	.set = ubc_allow_busy_unload_set,
	.get = param_get_bool,
};
module_param_cb(allow_busy_unload, &ubc_allow_busy_unload_ops,
		&ubc_allow_busy_unload, 0644);
MODULE_PARM_DESC(allow_busy_unload,
		 "let rmmod unload ubc while compartments hold tasks (they carry on as host tasks); host only");

struct ubc_comp *__ubc_task_comp(struct task_struct *task)
{
	struct ubc_task *e = ubc_task_lookup(task);

	return e ? e->comp : NULL;
}

/*
 * ubc_hook_comp() and current's kmem reservations (kmem.h), in one lookup.
 * Task context only: an interrupt charges nothing.
 */
struct ubc_comp *ubc_hook_comp_kresv(struct ubc_kresv **r)
{
	struct ubc_task *e;

	if (!in_task() || !static_branch_unlikely(&ubc_tasks_tracked))
		return NULL;
	e = ubc_task_lookup(current);
	if (!e)
		return NULL;
	*r = &e->kresv;
	return e->comp;
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

/*
 * A fork's privvmpages (vm.c): the fork gate (copy_semundo()) charges the
 * child's copy, @pages, against @strict's bound with the check, and the
 * child's account takes the charge over at task_newtask (both run in the
 * parent, which forks one child at a time). A reservation the fork never
 * took (copy_process() failed between the two) is returned when the
 * child's forking entry dies (security_task_free() or free_task() in
 * copy_process()'s failure path, in the parent), else by the task's next
 * fork gate or when its entry is released. Returns 0, -ESRCH for a task
 * not tracked (nothing charged) or -ENOSPC (refused, failcnt counted).
 */
int ubc_task_reserve_fork(long pages, enum ubc_strict strict)
{
	struct ubc_task *e = ubc_task_lookup(current);

	if (!e)
		return -ESRCH;
	if (e->fork_resv) {
		ubc_counter_uncharge(&e->comp->res[UBC_PRIVVMPAGES],
				     e->fork_resv);
		WRITE_ONCE(e->fork_resv, 0);
	}
	if (ubc_counter_charge(&e->comp->res[UBC_PRIVVMPAGES], pages, strict))
		return -ENOSPC;
	WRITE_ONCE(e->fork_resv, pages);
	return 0;
}

/* current's fork reservation: the pages its fork gate charged, 0 if none. */
long ubc_task_fork_resv(void)
{
	struct ubc_task *e;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return 0;
	e = ubc_task_lookup(current);
	return e ? READ_ONCE(e->fork_resv) : 0;
}

/*
 * current's fork reservation is over: @taken, the child's account holds
 * the charge now; else it goes back to the compartment that was charged
 * (also when copy_process() failed after the fork gates).
 */
void ubc_task_fork_end(bool taken)
{
	struct ubc_task *e = ubc_task_lookup(current);

	if (!e || !e->fork_resv)
		return;
	if (!taken)
		ubc_counter_uncharge(&e->comp->res[UBC_PRIVVMPAGES],
				     e->fork_resv);
	WRITE_ONCE(e->fork_resv, 0);
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

/* Writing a module parameter: sysfs (process context) or insmod. */
int ubc_param_set_host_bool(const char *val, const struct kernel_param *kp)
{
	if (ubc_current_id())
		return -EPERM;
	return param_set_bool(val, kp);
}

const struct kernel_param_ops ubc_param_host_bool = {
	.set = ubc_param_set_host_bool,
	.get = param_get_bool,
};

static void ubc_task_release(struct ubc_task *e);

/* Take @e off its bucket and its compartment's list; under the bucket lock. */
static void ubc_task_unlink(struct ubc_task *e)
{
	hlist_del_rcu(&e->node);
	spin_lock(&e->comp->tasks_lock);
	list_del(&e->comp_node);
	spin_unlock(&e->comp->tasks_lock);
}

static void ubc_task_stale(struct ubc_task *e)
{
	pr_warn_ratelimited("dropped a stale entry of a freed task in compartment %u (a missed free hook)\n",
			    e->comp->id);
	ubc_task_release(e);
}

/*
 * Hash @e unless its task already has an entry (-EEXIST). An entry under
 * the same address that is not the task's own (an earlier task's, whose
 * free was missed) is dropped; from the fork gate (@e forking) every entry
 * under the new task's address is such a one.
 */
static int ubc_task_hash_add(struct ubc_task *e)
{
	struct ubc_task_bucket *b = ubc_task_bucket(e->task);
	struct ubc_task *old, *stale = NULL;
	struct hlist_node *tmp;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry_safe(old, tmp, &b->head, node) {
		if (old->task != e->task)
			continue;
		if (e->start_time != UBC_TASK_FORKING &&
		    ubc_task_match(old, e->task)) {
			err = -EEXIST;
			break;
		}
		ubc_task_unlink(old);
		stale = old;	/* at most one: every add removes the others */
	}
	if (!err) {
		hlist_add_head_rcu(&e->node, &b->head);
		spin_lock(&e->comp->tasks_lock);
		list_add_tail(&e->comp_node, &e->comp->tasks);
		spin_unlock(&e->comp->tasks_lock);
	}
	spin_unlock_irqrestore(&b->lock, flags);
	if (stale)
		ubc_task_stale(stale);
	return err;
}

/*
 * Fork of a host task while tasks are tracked: nothing may stay hashed
 * under the new task_struct's address. Cheap: one bucket walk.
 */
static void ubc_task_purge(struct task_struct *task)
{
	struct ubc_task_bucket *b = ubc_task_bucket(task);
	struct ubc_task *e, *stale = NULL;
	unsigned long flags;

	if (likely(hlist_empty(&b->head)))
		return;
	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(e, &b->head, node)
		if (e->task == task) {
			ubc_task_unlink(e);
			stale = e;
			break;
		}
	spin_unlock_irqrestore(&b->lock, flags);
	if (stale)
		ubc_task_stale(stale);
}

static struct ubc_task *ubc_task_unhash(struct task_struct *task)
{
	struct ubc_task_bucket *b = ubc_task_bucket(task);
	struct ubc_task *e, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(e, &b->head, node)
		if (e->task == task) {
			ubc_task_unlink(e);
			found = e;
			break;
		}
	spin_unlock_irqrestore(&b->lock, flags);
	return found;
}

/**
 * ubc_comp_get_tasks - references to the tasks of one compartment
 * @comp: the compartment
 * @tasks: array to fill
 * @max: its size
 *
 * For readers that measure a compartment (oom.c) without walking the
 * host's processes: takes a reference on each task tracked in @comp that
 * is still alive (usage not 0) and stores it in @tasks, at most @max.
 * Returns how many were stored, each to be put_task_struct() by the
 * caller; or, if @comp has more than @max tasks, -(how many it has), with
 * nothing stored (call again with a larger array). An entry is on comp->tasks only while hashed, and is unhashed by
 * the free hooks before the task_struct is freed, so under tasks_lock
 * e->task is valid memory. Any context but NMI; irqs off for the walk.
 */
long ubc_comp_get_tasks(struct ubc_comp *comp, struct task_struct **tasks,
			unsigned int max)
{
	unsigned int n = 0, got = 0;
	unsigned long flags;
	struct ubc_task *e;

	spin_lock_irqsave(&comp->tasks_lock, flags);
	list_for_each_entry(e, &comp->tasks, comp_node) {
		n++;
		if (got < max && refcount_inc_not_zero(&e->task->usage))
			tasks[got++] = e->task;
	}
	spin_unlock_irqrestore(&comp->tasks_lock, flags);
	if (n <= max)
		return got;
	/* outside tasks_lock: a last put runs the free hook, which takes it */
	while (got)
		put_task_struct(tasks[--got]);
	return -(long)n;
}

static void ubc_task_uncharge(struct ubc_task *e)
{
	if (atomic_xchg(&e->charged, 0))
		ubc_counter_uncharge(&e->comp->res[UBC_NUMPROC], 1);
}

/*
 * Release an unhashed entry: its charge, its references (compartment,
 * module), its memory.
 */
static void ubc_task_release(struct ubc_task *e)
{
	unsigned int res;

	ubc_task_uncharge(e);
	ubc_kmem_task_release(&e->kresv, e->comp);
	for_each_set_bit(res, &e->reserved, UBC_RESOURCES)
		ubc_counter_uncharge(&e->comp->res[res], 1);
	if (e->fork_resv)
		ubc_counter_uncharge(&e->comp->res[UBC_PRIVVMPAGES],
				     e->fork_resv);
	ubc_comp_put(e->comp);
	kfree_rcu(e, rcu);
	ubc_task_unpin();
}

/*
 * Track @task in @comp, whose numproc the caller has charged: takes a
 * compartment reference and pins the module. @start_time is the task's,
 * or UBC_TASK_FORKING from the fork gate. -EEXIST if @task is tracked
 * already (nothing done).
 */
static int ubc_task_track(struct ubc_task *e, struct task_struct *task,
			  struct ubc_comp *comp, u64 start_time)
{
	e->task = task;
	e->comp = comp;
	e->in_fault = 0;
	e->start_time = start_time;
	memset(&e->kresv, 0, sizeof(e->kresv));
	e->reserved = 0;
	e->fork_resv = 0;
	atomic_set(&e->charged, 1);
	ubc_comp_get(comp);
	ubc_task_pin();
	if (ubc_task_hash_add(e)) {
		ubc_task_unpin();
		ubc_comp_put(comp);
		return -EEXIST;
	}
	return 0;
}

/* security_task_alloc(struct task_struct *task, unsigned long clone_flags) */
static int ubc_fork_track_child(struct pt_regs *regs)
{
	struct task_struct *child = (struct task_struct *)ubc_arg(regs, 0);
	struct ubc_comp *comp = ubc_task_comp(current);
	struct ubc_task *e;

	if (!comp) {
		if (static_branch_unlikely(&ubc_tasks_tracked))
			ubc_task_purge(child);
		return 0;
	}
	e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e)
		return -ENOMEM;
	if (ubc_counter_charge(&comp->res[UBC_NUMPROC], 1, UBC_BARRIER)) {
		kfree(e);
		return -EAGAIN;
	}
	if (ubc_task_track(e, child, comp, UBC_TASK_FORKING)) {
		/* not reached: a forking entry replaces any under its address */
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
	if (!e)
		return 0;
	/*
	 * A forking entry dies only in copy_process()'s failure path
	 * (bad_fork_cleanup_security), in the parent: its fork reservation
	 * of privvmpages (vm.c) will not be taken.
	 */
	if (READ_ONCE(e->start_time) == UBC_TASK_FORKING && in_task() &&
	    task != current)
		ubc_task_fork_end(false);
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
 * inherited the compartment the parent had at security_task_alloc() time:
 * its entry gets the child's start_time now that copy_process() set it.
 * If the parent was entered into a compartment after security_task_alloc()
 * and before the child was attached to the thread lists, enter did not see
 * the child: track it now. The charge is forced, since fork can no longer
 * fail here; its bound is one per thread the process had while entering.
 */
static void ubc_task_newtask(void *data, struct task_struct *child,
			     unsigned long clone_flags)
{
	struct ubc_comp *comp;
	struct ubc_task *e;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return;
	comp = ubc_task_comp(current);
	e = ubc_task_lookup(child);
	if (e) {
		/*
		 * The gate's entry (the parent's compartment; a parent never
		 * leaves it), or enter's, which set the start_time already.
		 */
		if (READ_ONCE(e->start_time) == UBC_TASK_FORKING) {
			if (e->comp == comp) {
				WRITE_ONCE(e->start_time, child->start_time);
				return;
			}
			/* the fork gate was missed for this child */
			e = ubc_task_unhash(child);
			if (e)
				ubc_task_stale(e);
		} else {
			return;
		}
	}
	if (!comp)
		return;
	e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e) {
		pr_warn_ratelimited("task %d forked while entering compartment %u stays on the host: out of memory\n",
				    task_pid_nr(child), comp->id);
		return;
	}
	ubc_counter_charge(&comp->res[UBC_NUMPROC], 1, UBC_FORCE);
	if (ubc_task_track(e, child, comp, child->start_time)) {
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
 * __exit_signal() detaches threads under it. exit_state is not: a thread
 * turns EXIT_DEAD in exit_notify() under tasklist_lock only, so one counted
 * by the first loop may be skipped by the second; the charge of every
 * thread not tracked is returned.
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
		if (READ_ONCE(t->exit_state) != EXIT_DEAD)
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

		/*
		 * Being reaped: it may be past cgroup_release() already. A
		 * thread that was not EXIT_DEAD in the first loop cannot come
		 * back, so at most n get here.
		 */
		if (READ_ONCE(t->exit_state) == EXIT_DEAD || !n)
			continue;
		e = hlist_entry(spare->first, struct ubc_task, node);
		hlist_del(&e->node);
		n--;
		if (ubc_task_track(e, t, comp, t->start_time)) {
			/* ubc_task_newtask() tracked and charged it first */
			ubc_counter_uncharge(numproc, 1);
			kfree(e);
		}
	}
	/* threads that turned EXIT_DEAD between the two loops */
	if (n)
		ubc_counter_uncharge(numproc, n);
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
 * __x64_sys_delete_module(const struct pt_regs *regs): the syscall's
 * entry, before capable(CAP_SYS_MODULE) and the module's refcount are
 * looked at. A compartment cannot unload modules, ubc's least of all: its
 * module reference would not stop a forced unload.
 */
static int ubc_delete_module_gate(struct pt_regs *regs)
{
	return ubc_hook_comp() ? -EPERM : 0;
}

/*
 * Free and reap hooks are registered before the fork gate and removed after
 * it, so that no entry can exist without them.
 */
static struct ubc_hook ubc_task_hooks[] = {
	{ .symbol = "security_task_free", .fn = ubc_task_free_hook },
	{ .symbol = "cgroup_release", .fn = ubc_task_reaped },
	{ .symbol = "security_task_alloc", .fn = ubc_fork_track_child, .gate = true },
	{ .symbol = "__x64_sys_delete_module", .fn = ubc_delete_module_gate,
	  .gate = true },
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
			ubc_task_unlink(e);
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
