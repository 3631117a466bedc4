// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual memory: privvmpages, lockedpages, shmpages, vmguarpages.
 *
 * User-visible semantics (a page is PAGE_SIZE):
 *  - privvmpages: the private writable pages mapped by the compartment's
 *    processes, exactly the kernel's own VmData + VmStk of each of their
 *    address spaces (mm->data_vm + mm->stack_vm). Charged when a mapping is
 *    made or grows (mmap, brk, mremap, mprotect adding PROT_WRITE, stack
 *    growth, exec, fork duplicating the parent's mappings), not when pages
 *    are touched; returned when mappings go (munmap, mprotect removing
 *    PROT_WRITE, exec replacing the address space, exit). Past the barrier
 *    mmap, brk (sbrk), mremap, mprotect and fork fail with ENOMEM; stack
 *    growth and the mappings exec makes are refused only past the limit,
 *    with SIGSEGV (exec maps the new image after its point of no return).
 *  - lockedpages: the pages of an address space's mlocked mappings
 *    (mm->locked_vm: mlock, mlock2, mlockall, MAP_LOCKED, mappings made
 *    after mlockall(MCL_FUTURE)) plus the size of every SysV segment the
 *    compartment created and locked with shmctl(SHM_LOCK). mlock, mlock2 and
 *    mlockall(MCL_CURRENT) fail with ENOMEM past the barrier, as does
 *    shmctl(SHM_LOCK) (each documents ENOMEM for "over the lock limit").
 *    MAP_LOCKED mappings and growth of locked mappings are charged, never
 *    refused (visible above the barrier).
 *  - shmpages: the pages (in memory or in swap) of the shmem files a
 *    compartment's task created: tmpfs files, memfds, SysV segments,
 *    shared anonymous mappings. All pages of such a file are charged to
 *    that compartment, whoever adds them, from the moment a page enters
 *    the file (write, fallocate, first touch of a mapping) until it leaves
 *    (truncate, hole punch, the file's end); files the host created are
 *    never charged. Adding a page past the barrier fails: write(2) and
 *    fallocate(2) with ENOSPC (as when tmpfs is full), a fault on a mapping
 *    with SIGBUS. shmget() of a segment larger than the room left fails
 *    with ENOSPC, mmap(MAP_SHARED|MAP_ANONYMOUS) with ENOMEM; both only
 *    check (pages are charged when touched).
 *  - vmguarpages: a guarantee, held stays 0. While the compartment's
 *    privvmpages held plus the request stays within its vmguarpages
 *    barrier, the kernel's overcommit check (__vm_enough_memory(), strict
 *    under vm.overcommit_memory=2) lets the request through; the pages are
 *    still added to Committed_AS so that the kernel's later uncharge
 *    balances. Only a finite barrier > 0 guarantees: the default (0)
 *    and an unlimited barrier leave the compartment to the kernel's
 *    overcommit policy, like a host task.
 *  - host tasks are never charged; a process that enters a compartment is
 *    charged for its whole address space at its next mapping change.
 *
 * Bookkeeping. The kernel counts all of this itself, per mm (data_vm,
 * stack_vm, locked_vm) and per shmem inode (info->alloced), but updates the
 * counters inline. ubc keeps, per address space and per shmem inode of a
 * compartment, an "account" with the pages it charged (ubc_vm_acct) and
 * brings it to the kernel's counter at hooks placed after the kernel
 * updates it ("sync": charge or uncharge the difference, forced). The gates
 * check room before the kernel changes anything. When the address space or
 * the inode dies, whatever the account holds is returned: nothing drifts
 * even where a sync point is missed (the account is then only late).
 *
 * Hooks (6.1 names; 6.12 differences noted):
 *  - may_expand_vm(mm, flags, npages), gate: every growth of a mapping
 *    (mmap_region, do_brk_flags, mremap, mprotect_fixup, stack growth);
 *    returning false makes all of them fail with -ENOMEM. Syncs first.
 *  - count_vma_pages_range(mm, ...), watch, 6.1 only: mmap_region calls it
 *    only after a refusal, then asks may_expand_vm() again with the pages a
 *    MAP_FIXED mapping would replace deducted: one refusal, one failcnt.
 *  - vm_stat_account(mm, flags, npages), watch: the kernel is about to add
 *    npages to data_vm/stack_vm (mmap, mremap, mprotect, stack, 6.1 munmap);
 *    the account moves to the new value.
 *  - userfaultfd_unmap_complete(mm, uf), watch: end of mmap, munmap, brk
 *    and mremap, after the kernel dropped mmap_lock; syncs. (Optional, as
 *    are the shmem allocation hooks: see ubc_vm_opt_hooks.)
 *  - copy_semundo(clone_flags, task), gate: fork without CLONE_VM, before
 *    copy_mm() duplicates the mappings (dup_mmap() is inlined on 6.12);
 *    copy_process() unwinds its failure. task_newtask tracepoint: the
 *    child's account is opened with what dup_mmap() copied.
 *  - exit_mmap(mm), watch: the address space dies; its account goes.
 *  - apply_vma_lock_flags(start, len, flags) and apply_mlockall_flags(flags),
 *    gates: mlock/mlock2 and mlockall return their error as is.
 *  - mlock_fixup(vma, ...), watch (6.12: vmi first): one vma's lock state
 *    changes; the account follows the kernel's own locked_vm arithmetic.
 *  - shmem_lock(file, lock, ucounts), gate: SHM_LOCK/SHM_UNLOCK and
 *    shm_destroy(); shmctl_do_lock() returns its -ENOMEM.
 *  - security_inode_alloc(inode), watch: inode_init_always(); a tmpfs
 *    inode made by a compartment's task gets its account.
 *  - shmem_alloc_and_acct_folio(gfp, inode, ...) (6.12:
 *    shmem_alloc_and_add_folio(vmf, gfp, inode, ...)), gate: a new page for
 *    a shmem file; ERR_PTR(-ENOSPC) is what it returns when tmpfs is full.
 *    shmem_unused_huge_shrink(), watch (6.1): after it the kernel asks for
 *    the same page again, which is not a second refusal.
 *  - shmem_recalc_inode(inode) (6.12: (inode, alloced, swapped)), watch:
 *    the kernel settles info->alloced; the account moves to the result.
 *  - shmem_evict_inode(inode) and shmem_destroy_inode(inode), watches: the
 *    file dies; its account goes.
 *  - newseg(ns, params), gate: shmget creating a segment, -ENOSPC.
 *  - shmem_zero_setup(vma), gate: MAP_SHARED|MAP_ANONYMOUS, -ENOMEM.
 *  - __vm_enough_memory(mm, pages, cap_sys_admin), gate: vmguarpages.
 *
 * Locking. Every hook runs in task context with preemption disabled (some
 * under mmap_lock, page_table_lock, shmem info->lock or an ipc object lock);
 * nothing here sleeps. Accounts live in a hash of RCU lists; a bucket lock
 * (irq-safe, leaf) guards insertion and removal; an account's lock (irq
 * safe) guards its pages and is taken inside info->lock on 6.1, never the
 * other way round. An account holds a compartment reference while it
 * exists. Allocation is GFP_ATOMIC; when it fails the charge is skipped
 * (undercount), never a later uncharge.
 */
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/percpu_counter.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <uapi/linux/shm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/version.h>

#include "probe.h"
#include "task.h"
#include "part.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define UBC_VM_612	1
#else
#define UBC_VM_612	0
#endif

enum { UBC_ACCT_MM, UBC_ACCT_SHM };

struct ubc_vm_acct {
	struct hlist_node node;
	const void *key;		/* mm_struct or shmem inode */
	struct ubc_comp *comp;
	spinlock_t lock;
	u8 kind;			/* UBC_ACCT_* */
	bool dead;			/* under lock: pages returned */
	bool refused;			/* under lock: last may_expand_vm refused */
	bool retry;			/* under lock: 6.1 mmap_region asks again */
	const void *refused_by;		/* shm: task of the last refusal */
	unsigned long refused_index;	/* shm: page index it refused */
	unsigned long refused_seq;	/* shm: ubc_shrink_seq then */
	long pages[2];			/* [0] privvm or shm, [1] locked */
	struct rcu_head rcu;
};

static const unsigned int ubc_acct_res[2][2] = {
	[UBC_ACCT_MM] = { UBC_PRIVVMPAGES, UBC_LOCKEDPAGES },
	[UBC_ACCT_SHM] = { UBC_SHMPAGES, UBC_LOCKEDPAGES },
};

#define UBC_VM_HASH_BITS	10

static struct ubc_vm_bucket {
	spinlock_t lock;
	struct hlist_head head;
} ubc_vm_hash[1 << UBC_VM_HASH_BITS];

static struct ubc_vm_bucket *ubc_vm_bucket(const void *key)
{
	return &ubc_vm_hash[hash_ptr(key, UBC_VM_HASH_BITS)];
}

static struct ubc_vm_acct *ubc_acct_lookup(const void *key)
{
	struct ubc_vm_acct *a;

	hlist_for_each_entry_rcu(a, &ubc_vm_bucket(key)->head, node,
				 rcu_read_lock_any_held())
		if (a->key == key)
			return a;
	return NULL;
}

/*
 * The account of @key, opened for current's compartment if there is none
 * and @create. NULL for host-owned objects. Preemption is disabled (hook).
 */
static struct ubc_vm_acct *ubc_acct_get(const void *key, u8 kind, bool create)
{
	struct ubc_vm_bucket *b;
	struct ubc_vm_acct *a, *old;
	struct ubc_comp *comp;
	unsigned long flags;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return NULL;
	a = ubc_acct_lookup(key);
	if (a || !create)
		return a;
	comp = ubc_hook_comp();
	if (!comp)
		return NULL;
	a = kzalloc(sizeof(*a), GFP_ATOMIC | __GFP_NOWARN);
	if (!a)
		return NULL;
	a->key = key;
	a->kind = kind;
	a->comp = comp;
	spin_lock_init(&a->lock);
	b = ubc_vm_bucket(key);
	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(old, &b->head, node) {
		if (old->key == key) {
			spin_unlock_irqrestore(&b->lock, flags);
			kfree(a);
			return old;
		}
	}
	ubc_comp_get(comp);
	hlist_add_head_rcu(&a->node, &b->head);
	spin_unlock_irqrestore(&b->lock, flags);
	return a;
}

static struct ubc_counter *ubc_acct_counter(struct ubc_vm_acct *a, int i)
{
	return &a->comp->res[ubc_acct_res[a->kind][i]];
}

/* Moves the account's pages[@i] to @now, charging or returning the delta. */
static void ubc_acct_set(struct ubc_vm_acct *a, int i, long now)
{
	long delta;

	lockdep_assert_held(&a->lock);
	if (a->dead)
		return;
	if (now < 0)
		now = 0;
	delta = now - a->pages[i];
	if (delta > 0)
		ubc_counter_charge(ubc_acct_counter(a, i), delta, UBC_FORCE);
	else if (delta < 0)
		ubc_counter_uncharge(ubc_acct_counter(a, i), -delta);
	a->pages[i] = now;
}

/* Returns everything and unhashes the account of @key, if any. */
static void ubc_acct_close(const void *key)
{
	struct ubc_vm_bucket *b = ubc_vm_bucket(key);
	struct ubc_vm_acct *a;
	unsigned long flags;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return;
	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(a, &b->head, node)
		if (a->key == key)
			break;
	if (a)
		hlist_del_rcu(&a->node);
	spin_unlock_irqrestore(&b->lock, flags);
	if (!a)
		return;
	spin_lock_irqsave(&a->lock, flags);
	ubc_acct_set(a, 0, 0);
	ubc_acct_set(a, 1, 0);
	a->dead = true;
	spin_unlock_irqrestore(&a->lock, flags);
	ubc_comp_put(a->comp);
	kfree_rcu(a, rcu);
}

/* Is there room for @val more in @c below @strict's bound? No failcnt. */
static bool ubc_room(struct ubc_counter *c, long val, enum ubc_strict strict)
{
	long bound = strict == UBC_LIMIT ? READ_ONCE(c->limit) :
					    READ_ONCE(c->barrier);

	return ubc_counter_held(c) <= bound - val;
}

static void ubc_failcnt(struct ubc_counter *c)
{
	atomic_long_inc(&c->failcnt);
}

/* ---- address spaces: privvmpages, lockedpages ---- */

static bool ubc_privvm_flags(vm_flags_t flags)
{
	/* is_data_mapping() || is_stack_mapping() (mm/internal.h) */
	return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE ||
	       (flags & VM_STACK) == VM_STACK;
}

static long ubc_mm_privvm(struct mm_struct *mm)
{
	return READ_ONCE(mm->data_vm) + READ_ONCE(mm->stack_vm);
}

/* The account follows the mm's counters. */
static void ubc_mm_sync(struct ubc_vm_acct *a, struct mm_struct *mm)
{
	ubc_acct_set(a, 0, ubc_mm_privvm(mm));
	ubc_acct_set(a, 1, READ_ONCE(mm->locked_vm));
}

/* The same, taking the account's lock. */
static void ubc_mm_sync_locking(struct ubc_vm_acct *a, struct mm_struct *mm)
{
	unsigned long irq;

	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_sync(a, mm);
	spin_unlock_irqrestore(&a->lock, irq);
}

/* may_expand_vm(struct mm_struct *mm, vm_flags_t flags, unsigned long npages) */
static int ubc_may_expand_vm(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	vm_flags_t flags = ubc_arg(regs, 1);
	long npages = ubc_arg(regs, 2);
	enum ubc_strict strict = UBC_BARRIER;
	struct ubc_counter *c;
	struct ubc_vm_acct *a;
	unsigned long irq;
	bool ok, retry;

	if (!ubc_privvm_flags(flags))
		return 0;
	/*
	 * An account is opened for current's own mm or the one exec builds,
	 * never for another process' mm that current grows (6.1's GUP extends
	 * stacks: process_vm_writev(), /proc/PID/mem): a host mm must not be
	 * charged to, and pin, the writer's compartment.
	 */
	a = ubc_acct_get(mm, UBC_ACCT_MM,
			 mm == current->mm || current->in_execve);
	if (!a)
		return 0;
	/* stack growth and exec must not fail half-way: the limit */
	if ((flags & VM_STACK) == VM_STACK || current->in_execve)
		strict = UBC_LIMIT;
	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_sync(a, mm);
	c = ubc_acct_counter(a, 0);
	ok = a->dead || npages <= 0 || ubc_room(c, npages, strict);
	retry = a->retry;
	a->retry = false;
	a->refused = !ok;
	if (!ok && !retry)
		ubc_failcnt(c);
	else if (ok && retry)	/* the first refusal did not stand */
		atomic_long_dec(&c->failcnt);
	/*
	 * Stack growth (acct_stack_growth()) has no sync point after it:
	 * vm_stat_account() may be inlined into expand_downwards(). Charge
	 * the growth now; if a later check refuses it (RLIMIT_STACK,
	 * overcommit) the account is high until the next sync or the exit
	 * the SIGSEGV usually brings.
	 */
	if (ok && strict == UBC_LIMIT && (flags & VM_STACK) == VM_STACK)
		ubc_acct_set(a, 0, ubc_mm_privvm(mm) + npages);
	spin_unlock_irqrestore(&a->lock, irq);
	return ok ? 0 : ubc_hook_return(regs, 0);
}

/* count_vma_pages_range(mm, addr, end): 6.1 mmap_region after a refusal */
static int __maybe_unused ubc_count_vma_pages(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a = ubc_acct_get(mm, UBC_ACCT_MM, false);
	unsigned long irq;

	if (a) {
		spin_lock_irqsave(&a->lock, irq);
		a->retry = a->refused;
		spin_unlock_irqrestore(&a->lock, irq);
	}
	return 0;
}

/* vm_stat_account(struct mm_struct *mm, vm_flags_t flags, long npages) */
static int ubc_vm_stat_account(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	vm_flags_t flags = ubc_arg(regs, 1);
	long npages = ubc_arg(regs, 2);
	struct ubc_vm_acct *a;
	unsigned long irq;

	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	/* the kernel adds npages right after this hook */
	ubc_acct_set(a, 0, ubc_mm_privvm(mm) +
			   (ubc_privvm_flags(flags) ? npages : 0));
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/* userfaultfd_unmap_complete(struct mm_struct *mm, struct list_head *uf) */
static int ubc_mm_changed(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a = ubc_acct_get(mm, UBC_ACCT_MM, true);

	if (a)
		ubc_mm_sync_locking(a, mm);
	return 0;
}

/*
 * up_write(sem), up_read(sem), only on a kernel without
 * userfaultfd_unmap_complete() (see ubc_vm_fallback_hooks): the end of
 * every mapping change is the release of current's mmap_lock; the lock is
 * still held here, the counters settled. Costs a compare on every rwsem
 * release of the system, which is why stock kernels do without it.
 */
static int ubc_mmap_unlock(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	struct ubc_vm_acct *a;

	if (!mm || (void *)ubc_arg(regs, 0) != &mm->mmap_lock || !in_task() ||
	    !static_branch_unlikely(&ubc_tasks_tracked))
		return 0;
	a = ubc_acct_lookup(mm);
	/* most releases end a page fault: nothing changed, nothing to lock */
	if (a && READ_ONCE(a->pages[0]) == ubc_mm_privvm(mm) &&
	    READ_ONCE(a->pages[1]) == (long)READ_ONCE(mm->locked_vm))
		return 0;
	if (!a)
		a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (a)
		ubc_mm_sync_locking(a, mm);
	return 0;
}

/* exit_mmap(struct mm_struct *mm) */
static int ubc_exit_mmap(struct pt_regs *regs)
{
	ubc_acct_close((void *)ubc_arg(regs, 0));
	return 0;
}

/*
 * copy_semundo(unsigned long clone_flags, struct task_struct *tsk): fork,
 * before copy_mm() duplicates current's mappings (dup_mmap() is inlined on
 * 6.12); copy_process() unwinds its failure (bad_fork_cleanup_security).
 */
static int ubc_fork_check(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	struct ubc_comp *comp;
	struct ubc_counter *c;

	if ((ubc_arg(regs, 0) & CLONE_VM) || !mm)
		return 0;
	comp = ubc_hook_comp();
	if (!comp)
		return 0;
	c = &comp->res[UBC_PRIVVMPAGES];
	if (ubc_room(c, ubc_mm_privvm(mm), UBC_BARRIER))
		return 0;
	ubc_failcnt(c);
	return -ENOMEM;
}

/* task_newtask tracepoint: the child of a fork has its own mm */
static void ubc_vm_newtask(void *data, struct task_struct *task,
			   unsigned long clone_flags)
{
	struct mm_struct *mm = task->mm;
	struct ubc_vm_acct *a;

	if ((clone_flags & CLONE_VM) || !mm)
		return;
	preempt_disable();
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (a)
		ubc_mm_sync_locking(a, mm);
	preempt_enable();
}

/*
 * What mlock_fixup() will add to locked_vm for @vma and @newflags: it skips
 * special, hugetlb and DAX mappings (and the gate vma, never in the tree).
 */
static bool ubc_lockable(struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SPECIAL | VM_HUGETLB)) &&
	       !vma_is_dax(vma);
}

/* Pages of [start, end) that locking would newly count. mmap_lock held. */
static long ubc_unlocked_pages(struct mm_struct *mm, unsigned long start,
			       unsigned long end)
{
	struct vm_area_struct *vma;
	long pages = 0;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		if ((vma->vm_flags & VM_LOCKED) || !ubc_lockable(vma))
			continue;
		pages += (min(end, vma->vm_end) - max(start, vma->vm_start)) >>
			 PAGE_SHIFT;
	}
	return pages;
}

static int ubc_lock_check(unsigned long start, unsigned long end)
{
	struct mm_struct *mm = current->mm;
	struct ubc_vm_acct *a;
	unsigned long irq;
	int err = 0;

	if (!mm)
		return 0;
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_sync(a, mm);
	if (!a->dead &&
	    !ubc_room(ubc_acct_counter(a, 1), ubc_unlocked_pages(mm, start, end),
		      UBC_BARRIER)) {
		ubc_failcnt(ubc_acct_counter(a, 1));
		err = -ENOMEM;
	}
	spin_unlock_irqrestore(&a->lock, irq);
	return err;
}

/* apply_vma_lock_flags(unsigned long start, size_t len, vm_flags_t flags) */
static int ubc_mlock(struct pt_regs *regs)
{
	unsigned long start = ubc_arg(regs, 0), len = ubc_arg(regs, 1);
	vm_flags_t flags = ubc_arg(regs, 2);

	if (!(flags & VM_LOCKED) || start + len < start)
		return 0;
	return ubc_lock_check(start, start + len);
}

/* apply_mlockall_flags(int flags) */
static int ubc_mlockall(struct pt_regs *regs)
{
	if (!(ubc_arg(regs, 0) & MCL_CURRENT))
		return 0;
	return ubc_lock_check(0, ULONG_MAX);
}

/*
 * mlock_fixup(vma, prev, start, end, newflags) on 6.1;
 * mlock_fixup(vmi, vma, prev, start, end, newflags) on 6.12.
 */
static int ubc_mlock_fixup(struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)ubc_arg(regs, UBC_VM_612 + 0);
	unsigned long start = ubc_arg(regs, UBC_VM_612 + 2);
	unsigned long end = ubc_arg(regs, UBC_VM_612 + 3);
	vm_flags_t newflags = ubc_arg(regs, UBC_VM_612 + 4);
	vm_flags_t oldflags = vma->vm_flags;
	struct ubc_vm_acct *a;
	unsigned long irq;
	long nr;

	if (newflags == oldflags || !ubc_lockable(vma))
		return 0;
	nr = (end - start) >> PAGE_SHIFT;
	if (!(newflags & VM_LOCKED))
		nr = -nr;
	else if (oldflags & VM_LOCKED)
		nr = 0;
	if (!nr)
		return 0;
	a = ubc_acct_get(vma->vm_mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	ubc_acct_set(a, 1, a->pages[1] + nr);
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/* ---- vmguarpages ---- */

static struct percpu_counter *ubc_committed_as;	/* vm_committed_as */
static s32 *ubc_committed_batch;		/* vm_committed_as_batch */

/* __vm_enough_memory(struct mm_struct *mm, long pages, int cap_sys_admin) */
static int ubc_vm_enough_memory(struct pt_regs *regs)
{
	long pages = ubc_arg(regs, 1);
	struct ubc_comp *comp = ubc_hook_comp();
	long guar;

	if (!comp || pages <= 0)
		return 0;
	guar = READ_ONCE(comp->res[UBC_VMGUARPAGES].barrier);
	if (!ubc_guarantee_set(guar))
		return 0;	/* 0 or unlimited: no guarantee */
	if (ubc_counter_held(&comp->res[UBC_PRIVVMPAGES]) > guar - pages)
		return 0;	/* not guaranteed: the kernel decides */
	/* what vm_acct_memory() does; vm_unacct_memory() undoes it later */
	percpu_counter_add_batch(ubc_committed_as, pages,
				 READ_ONCE(*ubc_committed_batch));
	return ubc_hook_return(regs, 0);
}

/* ---- shmem: shmpages, SHM_LOCK ---- */

/*
 * info->alloced once shmem_recalc_inode() is done with it (@alloced and
 * @swapped are the deltas 6.12 passes; 0 on 6.1): pages no longer in the
 * page cache nor in swap are dropped from it.
 */
static long ubc_shmem_settled(struct inode *inode, long alloced, long swapped)
{
	struct shmem_inode_info *info = SHMEM_I(inode);
	long a = info->alloced + alloced;
	long freed = a - (info->swapped + swapped) -
		     (long)READ_ONCE(inode->i_mapping->nrpages);

	if (swapped > 0)
		freed += swapped;
	return freed > 0 ? a - freed : a;
}

/*
 * 6.1: shmem_recalc_inode(inode), called under info->lock.
 * 6.12: shmem_recalc_inode(inode, alloced, swapped), takes info->lock.
 */
static int ubc_shmem_recalc(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a = ubc_acct_get(inode, UBC_ACCT_SHM, false);
	unsigned long irq;
	long now;

	if (!a)
		return 0;
#if UBC_VM_612
	spin_lock(&SHMEM_I(inode)->lock);
	now = ubc_shmem_settled(inode, ubc_arg(regs, 1), ubc_arg(regs, 2));
	spin_unlock(&SHMEM_I(inode)->lock);
#else
	now = ubc_shmem_settled(inode, 0, 0);
#endif
	spin_lock_irqsave(&a->lock, irq);
	ubc_acct_set(a, 0, now);
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/*
 * 6.1's shmem_get_folio_gfp() asks shmem_alloc_and_acct_folio() again for
 * the same page when shmem_unused_huge_shrink() split a huge page after
 * -ENOSPC: such a retry is the same refusal, not a new one.
 */
static atomic_long_t ubc_shrink_seq = ATOMIC_LONG_INIT(0);

/* shmem_unused_huge_shrink(sbinfo, sc, nr_to_split) (6.1) */
static int __maybe_unused ubc_shmem_shrink(struct pt_regs *regs)
{
	if (!ubc_arg(regs, 1))		/* sc == NULL: from the allocation */
		atomic_long_inc(&ubc_shrink_seq);
	return 0;
}

/*
 * 6.1: shmem_alloc_and_acct_folio(gfp, inode, index, huge);
 * 6.12: shmem_alloc_and_add_folio(vmf, gfp, inode, index, fault_mm, orders).
 * Only files a compartment created are charged (see ubc_shmem_new()).
 */
static int ubc_shmem_alloc(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, UBC_VM_612 + 1);
	unsigned long index = ubc_arg(regs, UBC_VM_612 + 2);
	unsigned long seq = atomic_long_read(&ubc_shrink_seq);
	struct ubc_counter *c;
	struct ubc_vm_acct *a;
	unsigned long irq;
	bool ok, again;
	long nr = 1;

#if UBC_VM_612
	if (ubc_arg(regs, 5))
		nr = 1L << (fls_long(ubc_arg(regs, 5)) - 1);
#elif defined(CONFIG_TRANSPARENT_HUGEPAGE)
	if (ubc_arg(regs, 3) & 1)
		nr = HPAGE_PMD_NR;
#endif
	a = ubc_acct_get(inode, UBC_ACCT_SHM, false);
	if (!a)
		return 0;
	c = ubc_acct_counter(a, 0);
	spin_lock_irqsave(&a->lock, irq);
	ok = a->dead || ubc_room(c, nr, UBC_BARRIER);
	again = a->refused_by == current && a->refused_index == index &&
		a->refused_seq != seq;
	a->refused_by = ok ? NULL : current;
	a->refused_index = index;
	a->refused_seq = seq;
	if (!ok && !again)
		ubc_failcnt(c);
	spin_unlock_irqrestore(&a->lock, irq);
	return ok ? 0 : -ENOSPC;	/* ERR_PTR(-ENOSPC): tmpfs is full */
}

/*
 * security_inode_alloc(struct inode *inode): inode_init_always(), with
 * i_sb set. A shmem inode a compartment's task creates (tmpfs file, memfd,
 * SysV segment, shared anonymous mapping) is the compartment's: its pages
 * are charged there. Host-made files are never charged.
 */
static int ubc_shmem_new(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, 0);

	if (inode->i_sb && inode->i_sb->s_magic == TMPFS_MAGIC)
		ubc_acct_get(inode, UBC_ACCT_SHM, true);
	return 0;
}

/*
 * shmem_evict_inode(struct inode *inode): the file dies, its pages go;
 * shmem_destroy_inode(inode): a shmem inode's end, also one that never got
 * to evict (alloc_inode() when inode_init_always() failed after
 * ubc_shmem_new(), e.g. another LSM refused it). Both are super_operations,
 * so never inlined.
 */
static int ubc_shmem_evict(struct pt_regs *regs)
{
	ubc_acct_close((void *)ubc_arg(regs, 0));
	return 0;
}

/* shmem_lock(struct file *file, int lock, struct ucounts *ucounts) */
static int ubc_shmem_lock(struct pt_regs *regs)
{
	struct inode *inode = file_inode((struct file *)ubc_arg(regs, 0));
	bool lock = ubc_arg(regs, 1), locked;
	struct ubc_vm_acct *a;
	unsigned long irq;
	long pages;
	int err = 0;

	locked = SHMEM_I(inode)->flags & VM_LOCKED;
	if (lock == locked || (!lock && !ubc_arg(regs, 2)))
		return 0;
	a = ubc_acct_get(inode, UBC_ACCT_SHM, false);
	if (!a)
		return 0;
	pages = lock ? (i_size_read(inode) + PAGE_SIZE - 1) >> PAGE_SHIFT : 0;
	spin_lock_irqsave(&a->lock, irq);
	if (lock && !a->dead &&
	    !ubc_room(ubc_acct_counter(a, 1), pages - a->pages[1], UBC_BARRIER)) {
		ubc_failcnt(ubc_acct_counter(a, 1));
		err = -ENOMEM;
	} else {
		ubc_acct_set(a, 1, pages);
	}
	spin_unlock_irqrestore(&a->lock, irq);
	return err;
}

/* Mirrors ipc/util.h (same in 6.1 and 6.12). */
struct ubc_ipc_params {
	key_t key;
	int flg;
	union {
		size_t size;
		int nsems;
	} u;
};

static int ubc_shm_check(long pages, int err)
{
	struct ubc_comp *comp = ubc_hook_comp();
	struct ubc_counter *c;

	if (!comp)
		return 0;
	c = &comp->res[UBC_SHMPAGES];
	if (ubc_room(c, pages, UBC_BARRIER))
		return 0;
	ubc_failcnt(c);
	return err;
}

/*
 * newseg(struct ipc_namespace *ns, struct ipc_params *params): shmget. A
 * SHM_HUGETLB segment is hugetlbfs memory, never shmpages: not checked.
 */
static int ubc_shmget(struct pt_regs *regs)
{
	struct ubc_ipc_params *p = (struct ubc_ipc_params *)ubc_arg(regs, 1);

	if (p->flg & SHM_HUGETLB)
		return 0;
	return ubc_shm_check(DIV_ROUND_UP(p->u.size, PAGE_SIZE), -ENOSPC);
}

/* shmem_zero_setup(struct vm_area_struct *vma): shared anonymous mmap */
static int ubc_shmem_zero(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)ubc_arg(regs, 0);

	return ubc_shm_check(vma_pages(vma), -ENOMEM);
}

/* ---- tables ---- */

/* Ends before beginnings: no charge may exist without its return hook. */
static struct ubc_hook ubc_vm_hooks[] = {
	{ .symbol = "exit_mmap", .fn = ubc_exit_mmap },
	{ .symbol = "shmem_evict_inode", .fn = ubc_shmem_evict },
	{ .symbol = "shmem_destroy_inode", .fn = ubc_shmem_evict },
	{ .symbol = "vm_stat_account", .fn = ubc_vm_stat_account },
	{ .symbol = "mlock_fixup", .fn = ubc_mlock_fixup },
	{ .symbol = "shmem_recalc_inode", .fn = ubc_shmem_recalc },
	{ .symbol = "security_inode_alloc", .fn = ubc_shmem_new },
#if !UBC_VM_612
	{ .symbol = "count_vma_pages_range", .fn = ubc_count_vma_pages },
#endif
	{ .symbol = "may_expand_vm", .fn = ubc_may_expand_vm, .gate = true },
	{ .symbol = "copy_semundo", .fn = ubc_fork_check, .gate = true },
	{ .symbol = "apply_vma_lock_flags", .fn = ubc_mlock, .gate = true },
	{ .symbol = "apply_mlockall_flags", .fn = ubc_mlockall, .gate = true },
	{ .symbol = "shmem_lock", .fn = ubc_shmem_lock, .gate = true },
	{ .symbol = "newseg", .fn = ubc_shmget, .gate = true },
	{ .symbol = "shmem_zero_setup", .fn = ubc_shmem_zero, .gate = true },
	{ .symbol = "__vm_enough_memory", .fn = ubc_vm_enough_memory, .gate = true },
};

/*
 * Hooks a kernel's configuration may compile out or inline (Debian's
 * stock kernels have them all; a minimal debug kernel without
 * CONFIG_USERFAULTFD or CONFIG_TRANSPARENT_HUGEPAGE may not). Without
 * userfaultfd_unmap_complete() the accounts sync at every release of
 * current's mmap_lock instead (ubc_vm_fallback_hooks); without the shmem
 * allocation gate shmem pages are counted but never refused. The names of
 * the missing ones are in /sys/module/ubc/parameters/vm_missing.
 */
static struct ubc_hook ubc_vm_opt_hooks[] = {
	{ .symbol = "userfaultfd_unmap_complete", .fn = ubc_mm_changed },
#if !UBC_VM_612
	{ .symbol = "shmem_unused_huge_shrink", .fn = ubc_shmem_shrink },
	{ .symbol = "shmem_alloc_and_acct_folio", .fn = ubc_shmem_alloc, .gate = true },
#else
	{ .symbol = "shmem_alloc_and_add_folio", .fn = ubc_shmem_alloc, .gate = true },
#endif
};

static bool ubc_vm_opt_ok[ARRAY_SIZE(ubc_vm_opt_hooks)];

/*
 * Without userfaultfd_unmap_complete() (ubc_vm_opt_hooks[0]), where the
 * kernel may also inline vm_stat_account() into its callers: sync at the
 * release of current's mmap_lock.
 */
static struct ubc_hook ubc_vm_fallback_hooks[] = {
	{ .symbol = "up_write", .fn = ubc_mmap_unlock },
	{ .symbol = "up_read", .fn = ubc_mmap_unlock },
};

static bool ubc_vm_fallback;
static char ubc_vm_missing[128];
module_param_string(vm_missing, ubc_vm_missing, sizeof(ubc_vm_missing), 0444);
MODULE_PARM_DESC(vm_missing, "optional vm hooks this kernel lacks");

static struct ubc_tracepoint ubc_vm_tps[] = {
	{ .name = "task_newtask", .probe = ubc_vm_newtask },
};

/*
 * kallsyms_lookup_name() is not exported; a kprobe on it resolves its
 * address (the probe is never armed for long).
 */
static unsigned long ubc_vm_lookup(const char *name)
{
	static unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp))
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup ? lookup(name) : 0;
}

static int ubc_vm_init(void)
{
	unsigned int i;
	int err;

	ubc_committed_as = (void *)ubc_vm_lookup("vm_committed_as");
	ubc_committed_batch = (void *)ubc_vm_lookup("vm_committed_as_batch");
	if (!ubc_committed_as || !ubc_committed_batch) {
		pr_err("cannot find vm_committed_as: vmguarpages needs it\n");
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(ubc_vm_hash); i++) {
		spin_lock_init(&ubc_vm_hash[i].lock);
		INIT_HLIST_HEAD(&ubc_vm_hash[i].head);
	}
	err = ubc_tracepoints_find(ubc_vm_tps, ARRAY_SIZE(ubc_vm_tps));
	if (err)
		return err;
	err = ubc_hooks_prepare(ubc_vm_hooks, ARRAY_SIZE(ubc_vm_hooks));
	if (err)
		return err;
	ubc_vm_missing[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(ubc_vm_opt_hooks); i++) {
		struct ubc_hook *h = &ubc_vm_opt_hooks[i];

		ubc_vm_opt_ok[i] = ubc_vm_lookup(h->symbol) &&
				   !ubc_hooks_prepare(h, 1);
		if (!ubc_vm_opt_ok[i]) {
			pr_info("%s is not hookable here: see vm_missing\n",
				h->symbol);
			if (ubc_vm_missing[0])
				strlcat(ubc_vm_missing, ",", sizeof(ubc_vm_missing));
			strlcat(ubc_vm_missing, h->symbol, sizeof(ubc_vm_missing));
		}
	}
	if (!ubc_vm_opt_ok[0])
		ubc_vm_fallback = !ubc_hooks_prepare(ubc_vm_fallback_hooks,
					ARRAY_SIZE(ubc_vm_fallback_hooks));
	return 0;
}

static void ubc_vm_opt_disarm(unsigned int n)
{
	while (n--)
		if (ubc_vm_opt_ok[n])
			ubc_hooks_disarm(&ubc_vm_opt_hooks[n], 1);
}

static int ubc_vm_arm(void)
{
	unsigned int i;
	int err = ubc_hooks_arm(ubc_vm_hooks, ARRAY_SIZE(ubc_vm_hooks));

	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(ubc_vm_opt_hooks); i++) {
		if (!ubc_vm_opt_ok[i])
			continue;
		err = ubc_hooks_arm(&ubc_vm_opt_hooks[i], 1);
		if (err)
			goto opt;
	}
	if (ubc_vm_fallback) {
		err = ubc_hooks_arm(ubc_vm_fallback_hooks,
				    ARRAY_SIZE(ubc_vm_fallback_hooks));
		if (err)
			goto opt;
	}
	err = ubc_tracepoints_register(ubc_vm_tps, ARRAY_SIZE(ubc_vm_tps));
	if (!err)
		return 0;
	if (ubc_vm_fallback)
		ubc_hooks_disarm(ubc_vm_fallback_hooks,
				 ARRAY_SIZE(ubc_vm_fallback_hooks));
opt:
	ubc_vm_opt_disarm(i);
	ubc_hooks_disarm(ubc_vm_hooks, ARRAY_SIZE(ubc_vm_hooks));
	return err;
}

/* The caller quiesces (ubc_probes_quiesce()) before ubc_vm_exit(). */
static void ubc_vm_disarm(void)
{
	ubc_tracepoints_unregister(ubc_vm_tps, ARRAY_SIZE(ubc_vm_tps));
	if (ubc_vm_fallback)
		ubc_hooks_disarm(ubc_vm_fallback_hooks,
				 ARRAY_SIZE(ubc_vm_fallback_hooks));
	ubc_vm_opt_disarm(ARRAY_SIZE(ubc_vm_opt_hooks));
	ubc_hooks_disarm(ubc_vm_hooks, ARRAY_SIZE(ubc_vm_hooks));
}

/* Hooks are gone: return every account's pages and free it. */
static void ubc_vm_exit(void)
{
	unsigned int i;

	if (ubc_vm_fallback)
		ubc_hooks_release(ubc_vm_fallback_hooks,
				  ARRAY_SIZE(ubc_vm_fallback_hooks));
	for (i = 0; i < ARRAY_SIZE(ubc_vm_opt_hooks); i++)
		if (ubc_vm_opt_ok[i])
			ubc_hooks_release(&ubc_vm_opt_hooks[i], 1);
	ubc_hooks_release(ubc_vm_hooks, ARRAY_SIZE(ubc_vm_hooks));
	for (i = 0; i < ARRAY_SIZE(ubc_vm_hash); i++) {
		struct ubc_vm_acct *a;
		struct hlist_node *tmp;

		hlist_for_each_entry_safe(a, tmp, &ubc_vm_hash[i].head, node) {
			hlist_del(&a->node);
			ubc_counter_uncharge(ubc_acct_counter(a, 0), a->pages[0]);
			ubc_counter_uncharge(ubc_acct_counter(a, 1), a->pages[1]);
			ubc_comp_put(a->comp);
			kfree(a);
		}
	}
	rcu_barrier();	/* kfree_rcu() of closed accounts */
}

const struct ubc_part ubc_vm_part = {
	.name = "vm",
	.init = ubc_vm_init,
	.arm = ubc_vm_arm,
	.disarm = ubc_vm_disarm,
	.exit = ubc_vm_exit,
};
