// SPDX-License-Identifier: GPL-2.0
/*
 * physpages, swappages, oomguarpages; the OOM killer's order; the burst
 * warning.
 *
 * User-visible semantics:
 *  - physpages.held: resident pages (file, anon and shmem RSS) of the
 *    distinct mms of the compartment's processes; swappages.held: their
 *    swap entries; oomguarpages.held: both added, plus their page tables
 *    (mm_pgtables_bytes() / PAGE_SIZE): exactly what the kernel's
 *    oom_badness() counts, so that the order below follows the kernel's
 *    own measure. A page mapped by two mms counts in each (the kernel's RSS
 *    does the same). They are computed when read (netlink GET and dump,
 *    /proc/user_beancounters: from the compartment's own tasks only) and at
 *    every global OOM; maxheld is the largest value observed so. Nothing is
 *    ever refused on these resources: their barriers are guarantees.
 *  - The guarantee is oomguarpages' barrier. A new compartment has none
 *    (barrier 0), and an unlimited barrier is no guarantee either (OpenVZ's
 *    "unlimited" configs put LONG_MAX there; honouring it would rank such a
 *    compartment below the host whatever it holds). Only a finite barrier
 *    > 0 guarantees.
 *  - OOM order (global OOM only): while some task outside a guarantee can
 *    be killed (a host task, or one of a compartment whose oomguarpages held
 *    > barrier, or without a guarantee), tasks of compartments within their
 *    guarantee (held <= a finite barrier) are never chosen; when none can,
 *    they are, by the kernel's badness (someone must be killed). Tasks of
 *    compartments in overdraft (held - barrier, at least 1 without a
 *    guarantee) are chosen before host tasks, the largest overdraft first,
 *    and inside one compartment by the kernel's own badness. So a
 *    compartment's tasks never rank below host tasks unless the admin gave
 *    it a finite guarantee. Host tasks keep the kernel's badness, so
 *    without compartments in the OOM the kernel's choice is unchanged. A
 *    memcg OOM is left entirely to the kernel.
 *  - oomguarpages.failcnt: one per OOM victim in the compartment (global or
 *    memcg OOM).
 *  - burst warning: when free memory falls below the low watermark (kswapd
 *    is woken) or direct reclaim starts, every compartment in burst (some
 *    resource held above its barrier, e.g. physpages or oomguarpages) gets
 *    its bursts counter (UBC_A_BURSTS) incremented, at most once per
 *    UBC_BURST_INTERVAL; a global OOM counts as such an event too.
 *
 * Hooks (6.1 and 6.12, mm/oom_kill.c and mm/vmscan.c):
 *  - out_of_memory(oc), watch: entry of every OOM, global (oc->memcg NULL)
 *    or memcg, with oom_lock held, in the allocating task's context. For a
 *    global one, scans memory and remembers current as the selecting task.
 *  - oom_badness(p, totalpages), gate: select_bad_process() ->
 *    oom_evaluate_task() for every process, and proc_oom_score(). Only while
 *    current is the task selecting a global OOM victim, and only for tasks
 *    in compartments, the gate returns its own value: a rank above any
 *    host task's (overdraft), a rank below any host task's (within the
 *    guarantee: chosen only when no other task can be), or LONG_MIN for a
 *    task the kernel itself would skip. Otherwise the kernel's function
 *    runs.
 *  - oom:mark_victim tracepoint: mark_oom_victim(), once per victim
 *    (TIF_MEMDIE test-and-set before it), under the victim's task_lock;
 *    counts failcnt and ends the selection.
 *  - vmscan:mm_vmscan_wakeup_kswapd tracepoint: wakeup_kswapd() when a
 *    sleeping kswapd is woken because a node is below its low watermark;
 *    any context, even hardirq. vmscan:mm_vmscan_direct_reclaim_begin:
 *    try_to_free_pages(), global direct reclaim (also when kswapd gave up
 *    on a node, which silences the first). Both only queue the burst work.
 *
 * Locking: ubc_mem_lock (spinlock, task context only) protects every
 * comp->mem and the scan state; it nests outside task_lock() (alloc_lock)
 * and inside ubc_lock and oom_lock. Scans run under rcu_read_lock(), which
 * also keeps the compartments they saw alive (freed by kfree_rcu()). A
 * reader's measure (ubc_mem_publish()) takes task references from
 * task.c's per-compartment list (comp->tasks_lock, irqs off, only for the
 * walk of that list), then task_lock()s each task alone, preemptible, and
 * takes ubc_mem_lock only to publish. The
 * mark_victim probe runs under a task_lock and takes no lock. Nothing here
 * sleeps; the burst work runs on its own WQ_MEM_RECLAIM workqueue.
 */
#include <linux/oom.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include <ubc/resources.h>

#include "events.h"
#include "oom.h"
#include "probe.h"
#include "task.h"
#include "part.h"

#define UBC_SCAN_COMPS		1024	/* compartments one scan remembers */
#define UBC_SCAN_SHARED_MMS	64	/* mms shared by processes, per scan */
#define UBC_BURST_INTERVAL	(HZ / 10)

static DEFINE_SPINLOCK(ubc_mem_lock);

/* Scan state, under ubc_mem_lock. */
static unsigned long ubc_mem_gen;
static unsigned int ubc_scan_ncomps;
static struct ubc_comp *ubc_scan_comps[UBC_SCAN_COMPS];
static unsigned int ubc_scan_nmms;
static struct mm_struct *ubc_scan_mms[UBC_SCAN_SHARED_MMS];

/* Global OOM selection state. */
static unsigned long ubc_oom_gen;		/* under ubc_mem_lock */
static struct task_struct *ubc_oom_task;	/* READ/WRITE_ONCE */

static struct workqueue_struct *ubc_burst_wq;
static unsigned long ubc_burst_next;		/* jiffies, READ/WRITE_ONCE */

/* find_lock_task_mm() (mm/oom_kill.c), which is not exported. */
static struct task_struct *ubc_lock_task_mm(struct task_struct *p)
{
	struct task_struct *t;

	for_each_thread(p, t) {
		task_lock(t);
		if (likely(t->mm))
			return t;
		task_unlock(t);
	}
	return NULL;
}

/* Page tables of @mm in pages, as oom_badness() counts them. */
static long ubc_mm_pgtables(struct mm_struct *mm)
{
	return mm_pgtables_bytes(mm) / PAGE_SIZE;
}

/*
 * Whether @mm, used by process @p, was already counted in this scan. An mm
 * with more users than @p has threads is shared with another process
 * (vfork, clone(CLONE_VM)): it counts once. Past UBC_SCAN_SHARED_MMS such
 * mms in one scan, the rest may count twice.
 */
static bool ubc_mm_seen(struct mm_struct *mm, struct task_struct *p)
{
	unsigned int i;

	if (atomic_read(&mm->mm_users) <= get_nr_threads(p))
		return false;
	for (i = 0; i < ubc_scan_nmms; i++)
		if (ubc_scan_mms[i] == mm)
			return true;
	if (ubc_scan_nmms < UBC_SCAN_SHARED_MMS)
		ubc_scan_mms[ubc_scan_nmms++] = mm;
	return false;
}

/*
 * One pass over every process (global OOM and the burst work only; readers
 * measure one compartment, ubc_mem_publish()): sums rss, swap and page
 * tables per compartment into
 * comp->mem and lists the compartments seen in ubc_scan_comps. Under
 * ubc_mem_lock and rcu_read_lock().
 */
static void ubc_mem_scan_locked(void)
{
	unsigned long gen = ++ubc_mem_gen;
	struct task_struct *p, *t;
	struct ubc_comp *comp;
	struct mm_struct *mm;

	lockdep_assert_held(&ubc_mem_lock);
	ubc_scan_ncomps = 0;
	ubc_scan_nmms = 0;
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		t = ubc_lock_task_mm(p);
		if (!t)
			continue;	/* exited: its memory is gone or going */
		mm = t->mm;
		comp = ubc_task_comp(p);
		if (!comp) {
			task_unlock(t);
			continue;
		}
		if (comp->mem.gen != gen) {
			comp->mem.gen = gen;
			comp->mem.rss = 0;
			comp->mem.swap = 0;
			comp->mem.pgtables = 0;
			if (ubc_scan_ncomps < UBC_SCAN_COMPS)
				ubc_scan_comps[ubc_scan_ncomps++] = comp;
		}
		if (!ubc_mm_seen(mm, p)) {
			comp->mem.rss += get_mm_rss(mm);
			comp->mem.swap += get_mm_counter(mm, MM_SWAPENTS);
			comp->mem.pgtables += ubc_mm_pgtables(mm);
		}
		task_unlock(t);
	}
}

/* held = @val now; maxheld follows. */
static void ubc_counter_observe(struct ubc_counter *c, long val)
{
	long old = atomic_long_read(&c->maxheld);

	atomic_long_set(&c->held, val);
	while (val > old)
		if (atomic_long_try_cmpxchg(&c->maxheld, &old, val))
			break;
}

static void ubc_mem_observe_locked(struct ubc_comp *comp, long rss,
				   long swap, long pgtables)
{
	lockdep_assert_held(&ubc_mem_lock);
	ubc_counter_observe(&comp->res[UBC_PHYSPAGES], rss);
	ubc_counter_observe(&comp->res[UBC_SWAPPAGES], swap);
	ubc_counter_observe(&comp->res[UBC_OOMGUARPAGES], rss + swap + pgtables);
}

static void ubc_mem_publish_locked(struct ubc_comp *comp)
{
	if (comp->mem.gen == ubc_mem_gen)
		ubc_mem_observe_locked(comp, comp->mem.rss, comp->mem.swap,
				       comp->mem.pgtables);
	else
		ubc_mem_observe_locked(comp, 0, 0, 0);
}

static bool ubc_in_burst(struct ubc_comp *comp)
{
	unsigned int r;

	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_resource_valid(r) &&
		    ubc_counter_held(&comp->res[r]) > READ_ONCE(comp->res[r].barrier))
			return true;
	return false;
}

/* After a scan: publish what it saw and count the compartments in burst. */
static void ubc_burst_mark_locked(void)
{
	unsigned int i;

	for (i = 0; i < ubc_scan_ncomps; i++) {
		ubc_mem_publish_locked(ubc_scan_comps[i]);
		if (ubc_in_burst(ubc_scan_comps[i])) {
			atomic_long_inc(&ubc_scan_comps[i]->bursts);
			ubc_event_burst(ubc_scan_comps[i]);
		}
	}
}

/* What one task's mm holds, for ubc_mem_publish(). */
struct ubc_mm_sample {
	struct mm_struct *mm;	/* compared only, never dereferenced later */
	long rss, swap, pgtables;
};

static int ubc_mm_sample_cmp(const void *a, const void *b)
{
	const struct ubc_mm_sample *x = a, *y = b;

	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

/*
 * Readers (netlink GET and dump, /proc): measure @comp alone, from its own
 * tasks (task.c's per-compartment list), never walking the host's
 * processes, and publish held/maxheld of physpages, swappages and
 * oomguarpages. Distinct mms count once (threads, CLONE_VM sharers).
 * Task context, may sleep (GFP_KERNEL arrays of one entry per task).
 */
void ubc_mem_publish(struct ubc_comp *comp)
{
	struct ubc_mm_sample *smp = NULL;
	struct task_struct **tasks = NULL;
	long rss = 0, swap = 0, pgt = 0, got;
	unsigned int max, i, n = 0;

	might_sleep();
	max = ubc_counter_held(&comp->res[UBC_NUMPROC]) + 16;
	for (;;) {
		tasks = kvmalloc_array(max, sizeof(*tasks), GFP_KERNEL);
		smp = kvmalloc_array(max, sizeof(*smp), GFP_KERNEL);
		if (!tasks || !smp)
			goto out;	/* counters keep their last values */
		got = ubc_comp_get_tasks(comp, tasks, max);
		if (got >= 0)
			break;
		kvfree(tasks);
		kvfree(smp);
		max = -got + 16;
	}
	for (i = 0; i < got; i++) {
		struct task_struct *t = tasks[i];

		task_lock(t);
		if (t->mm && !(t->flags & PF_KTHREAD)) {
			smp[n].mm = t->mm;
			smp[n].rss = get_mm_rss(t->mm);
			smp[n].swap = get_mm_counter(t->mm, MM_SWAPENTS);
			smp[n].pgtables = ubc_mm_pgtables(t->mm);
			n++;
		}
		task_unlock(t);
		put_task_struct(t);
	}
	sort(smp, n, sizeof(*smp), ubc_mm_sample_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (i && smp[i].mm == smp[i - 1].mm)
			continue;
		rss += smp[i].rss;
		swap += smp[i].swap;
		pgt += smp[i].pgtables;
	}
	spin_lock(&ubc_mem_lock);
	ubc_mem_observe_locked(comp, rss, swap, pgt);
	spin_unlock(&ubc_mem_lock);
out:
	kvfree(tasks);
	kvfree(smp);
}

static void ubc_burst_work_fn(struct work_struct *work)
{
	rcu_read_lock();
	spin_lock(&ubc_mem_lock);
	ubc_mem_scan_locked();
	ubc_burst_mark_locked();
	spin_unlock(&ubc_mem_lock);
	rcu_read_unlock();
}

static DECLARE_WORK(ubc_burst_work, ubc_burst_work_fn);

/* Any context: only queues the work, at most once per interval. */
static void ubc_burst_trigger(void)
{
	unsigned long next = READ_ONCE(ubc_burst_next);

	if (!static_branch_unlikely(&ubc_tasks_tracked) ||
	    time_before(jiffies, next))
		return;
	if (cmpxchg(&ubc_burst_next, next, jiffies + UBC_BURST_INTERVAL) != next)
		return;	/* another CPU queues it */
	queue_work(ubc_burst_wq, &ubc_burst_work);
}

static void ubc_kswapd_wakeup_probe(void *data, int nid, int zid, int order,
				    gfp_t gfp)
{
	ubc_burst_trigger();
}

static void ubc_direct_reclaim_probe(void *data, int order, gfp_t gfp)
{
	ubc_burst_trigger();
}

/* mark_oom_victim(), under task_lock(@task): one OOM kill. */
static void ubc_mark_victim_probe(void *data, struct task_struct *task,
				  uid_t uid)
{
	struct ubc_comp *comp;

	if (READ_ONCE(ubc_oom_task) == current)
		WRITE_ONCE(ubc_oom_task, NULL);	/* the selection is over */
	rcu_read_lock();
	comp = ubc_task_comp(task);
	if (comp) {
		ubc_counter_count_fail(&comp->res[UBC_OOMGUARPAGES]);
		ubc_event_oom(comp, task, READ_ONCE(comp->mem.oom_overdraft));
	}
	rcu_read_unlock();
}

/*
 * held - guarantee, from the scan. Without a guarantee (barrier 0 or
 * unlimited) the overdraft is at least 1: such a compartment is never
 * "within its guarantee", so its tasks never rank below host tasks.
 */
static long ubc_oom_overdraft(struct ubc_comp *comp)
{
	long barrier = READ_ONCE(comp->res[UBC_OOMGUARPAGES].barrier);
	long held = comp->mem.rss + comp->mem.swap + comp->mem.pgtables;

	if (!ubc_guarantee_set(barrier))
		return max(held, 1L);
	return held - barrier;
}

/* out_of_memory(struct oom_control *oc), watch */
static int ubc_out_of_memory(struct pt_regs *regs)
{
	struct oom_control *oc = (struct oom_control *)ubc_arg(regs, 0);
	struct ubc_comp *comp;
	unsigned int i;
	long over;

	if (oc->memcg || !static_branch_unlikely(&ubc_tasks_tracked)) {
		WRITE_ONCE(ubc_oom_task, NULL);
		return 0;
	}
	rcu_read_lock();
	spin_lock(&ubc_mem_lock);
	ubc_mem_scan_locked();
	ubc_burst_mark_locked();	/* also publishes the counters */
	ubc_oom_gen++;
	for (i = 0; i < ubc_scan_ncomps; i++) {
		comp = ubc_scan_comps[i];
		over = ubc_oom_overdraft(comp);
		comp->mem.oom_gen = ubc_oom_gen;
		comp->mem.oom_overdraft = over;
	}
	spin_unlock(&ubc_mem_lock);
	rcu_read_unlock();
	WRITE_ONCE(ubc_oom_task, current);
	return 0;
}

/* oom_badness() of mm/oom_kill.c (6.1, unchanged in 6.12). */
static long ubc_kernel_badness(struct task_struct *p, unsigned long totalpages)
{
	struct task_struct *t;
	long points, adj;

	if (is_global_init(p) || (p->flags & PF_KTHREAD))
		return LONG_MIN;
	t = ubc_lock_task_mm(p);
	if (!t)
		return LONG_MIN;
	adj = (long)t->signal->oom_score_adj;
	if (adj == OOM_SCORE_ADJ_MIN || test_bit(MMF_OOM_SKIP, &t->mm->flags) ||
	    in_vfork(t)) {
		task_unlock(t);
		return LONG_MIN;
	}
	points = get_mm_rss(t->mm) + get_mm_counter(t->mm, MM_SWAPENTS) +
		 mm_pgtables_bytes(t->mm) / PAGE_SIZE;
	task_unlock(t);
	adj *= totalpages / 1000;
	return points + adj;
}

/*
 * Ranks. A host task keeps the kernel's badness, which lies within
 * +-totalpages (pages, far inside +-2^61). A task of a compartment in
 * overdraft ranks above every host task: UBC_OOM_RANK_BASE, the larger
 * overdraft first, then the kernel's badness. A task of a compartment
 * within its guarantee ranks below every host task: UBC_OOM_GUAR_BASE plus
 * the kernel's badness, so it is chosen only when no other task can be;
 * never LONG_MIN ("skip"), which would leave select_bad_process() without
 * a victim and out_of_memory() would panic ("System is deadlocked on
 * memory") where the kernel alone would have killed one. Overdrafts past
 * 2^28 pages (1 TiB) and badness outside [0, 2^32) are clamped.
 */
#define UBC_OOM_RANK_BASE	(1L << 61)
#define UBC_OOM_GUAR_BASE	(-(1L << 61))
#define UBC_OOM_OVER_MAX	((1L << 28) - 1)
#define UBC_OOM_POINTS_MAX	((1L << 32) - 1)

/* oom_badness(struct task_struct *p, unsigned long totalpages), gate */
static int ubc_oom_badness(struct pt_regs *regs)
{
	struct task_struct *p = (struct task_struct *)ubc_arg(regs, 0);
	unsigned long totalpages = ubc_arg(regs, 1);
	struct ubc_comp *comp;
	long over, points;
	bool known;

	if (READ_ONCE(ubc_oom_task) != current)
		return 0;	/* memcg OOM, /proc/PID/oom_score: the kernel's */
	comp = ubc_task_comp(p);
	if (!comp)
		return 0;	/* host task: the kernel's */
	spin_lock(&ubc_mem_lock);
	known = comp->mem.oom_gen == ubc_oom_gen;
	over = comp->mem.oom_overdraft;
	spin_unlock(&ubc_mem_lock);
	if (!known)
		return 0;	/* came after the scan, or too many comps */
	points = ubc_kernel_badness(p, totalpages);
	if (points == LONG_MIN)
		return ubc_hook_return(regs, LONG_MIN);	/* unkillable */
	points = clamp(points, 0L, UBC_OOM_POINTS_MAX);
	if (over <= 0)
		return ubc_hook_return(regs, UBC_OOM_GUAR_BASE + points);
	over = min(over, UBC_OOM_OVER_MAX);
	return ubc_hook_return(regs, UBC_OOM_RANK_BASE + (over << 32) + points);
}

static struct ubc_hook ubc_oom_hooks[] = {
	{ .symbol = "out_of_memory", .fn = ubc_out_of_memory },
	{ .symbol = "oom_badness", .fn = ubc_oom_badness, .gate = true },
};

static struct ubc_tracepoint ubc_oom_tps[] = {
	{ .name = "mark_victim", .probe = ubc_mark_victim_probe },
	{ .name = "mm_vmscan_wakeup_kswapd", .probe = ubc_kswapd_wakeup_probe },
	{ .name = "mm_vmscan_direct_reclaim_begin", .probe = ubc_direct_reclaim_probe },
};

static int ubc_oom_init(void)
{
	int err;

	err = ubc_tracepoints_find(ubc_oom_tps, ARRAY_SIZE(ubc_oom_tps));
	if (err)
		return err;
	ubc_burst_wq = alloc_workqueue("ubc_burst", WQ_MEM_RECLAIM | WQ_HIGHPRI, 1);
	if (!ubc_burst_wq)
		return -ENOMEM;
	err = ubc_hooks_prepare(ubc_oom_hooks, ARRAY_SIZE(ubc_oom_hooks));
	if (err)
		destroy_workqueue(ubc_burst_wq);
	return err;
}

static int ubc_oom_arm(void)
{
	int err;

	/* jiffies starts near wrap-around: not 0, which is "the future" */
	WRITE_ONCE(ubc_burst_next, jiffies);

	err = ubc_tracepoints_register(ubc_oom_tps, ARRAY_SIZE(ubc_oom_tps));
	if (err)
		return err;
	err = ubc_hooks_arm(ubc_oom_hooks, ARRAY_SIZE(ubc_oom_hooks));
	if (err)
		ubc_tracepoints_unregister(ubc_oom_tps, ARRAY_SIZE(ubc_oom_tps));
	return err;
}

/* The caller quiesces (ubc_probes_quiesce()) before ubc_oom_exit(). */
static void ubc_oom_disarm(void)
{
	ubc_hooks_disarm(ubc_oom_hooks, ARRAY_SIZE(ubc_oom_hooks));
	ubc_tracepoints_unregister(ubc_oom_tps, ARRAY_SIZE(ubc_oom_tps));
	WRITE_ONCE(ubc_oom_task, NULL);
}

static void ubc_oom_exit(void)
{
	destroy_workqueue(ubc_burst_wq);	/* runs or cancels the last work */
	ubc_hooks_release(ubc_oom_hooks, ARRAY_SIZE(ubc_oom_hooks));
}

const struct ubc_part ubc_oom_part = {
	.name = "oom",
	.init = ubc_oom_init,
	.arm = ubc_oom_arm,
	.disarm = ubc_oom_disarm,
	.exit = ubc_oom_exit,
};
