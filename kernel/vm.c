// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual memory: privvmpages, lockedpages, shmpages, vmguarpages.
 *
 * User-visible semantics (a page is PAGE_SIZE):
 *  - privvmpages: the private memory mapped by the compartment's
 *    processes: for each address space, the pages of its private
 *    anonymous mappings whatever their protection (PROT_READ, PROT_NONE,
 *    MAP_NORESERVE included; heap and stacks) plus its private file
 *    mappings while they are writable (their pages become anonymous
 *    copies when written). OpenVZ's rule (writable or anonymous, not
 *    shared); unlike the kernel's VmData, mprotect(PROT_READ) does not
 *    make anonymous memory disappear. Charged when a mapping is made or
 *    grows (mmap, brk, mremap, mprotect adding PROT_WRITE to a private
 *    file mapping, stack growth, exec, fork duplicating the parent's
 *    mappings), not when pages are touched; returned when mappings go
 *    (munmap, also of part of one, mremap shrinking, mprotect removing
 *    PROT_WRITE from a private file mapping, exec replacing the address
 *    space, exit). Past the barrier mmap, brk (sbrk), mremap, mprotect and
 *    fork fail with ENOMEM; stack growth and the mappings exec makes are
 *    refused only past the limit, with SIGSEGV (exec maps the new image
 *    after its point of no return). The pages a growth adds are reserved
 *    at the check: processes growing at once never pass the bound
 *    together.
 *  - lockedpages: the pages of an address space's mlocked mappings
 *    (mm->locked_vm: mlock, mlock2, mlockall, MAP_LOCKED, mappings made
 *    after mlockall(MCL_FUTURE)) plus the size of every SysV segment a
 *    task of the compartment locked with shmctl(SHM_LOCK). mlock, mlock2
 *    and mlockall(MCL_CURRENT) fail with ENOMEM past the barrier, as does
 *    shmctl(SHM_LOCK) (each documents ENOMEM for "over the lock limit").
 *    A growth that will be locked fails as RLIMIT_MEMLOCK fails it:
 *    mmap(MAP_LOCKED), and after mlockall(MCL_FUTURE) every mmap and
 *    mremap with EAGAIN, brk by leaving the break (sbrk: ENOMEM), past the
 *    barrier; a locked stack growing past the limit with SIGSEGV. The
 *    pages are reserved at the check: processes locking at once never pass
 *    the bound together.
 *  - shmpages: the pages (in memory or in swap) a compartment's tasks add
 *    to shmem files, whoever created them: tmpfs files, memfds, SysV
 *    segments, shared anonymous mappings (memcg's rule: a page is charged
 *    to the compartment of the task that adds it), from the moment the
 *    page enters the file (write, fallocate, first touch of a mapping)
 *    until it leaves (truncate, hole punch, the file's end). Pages host
 *    tasks add are never charged, and a host task is never refused. When
 *    pages leave a file several have added to, the remover's share goes
 *    first, then the host's, then the others'. A compartment's page past
 *    its barrier fails: write(2) and fallocate(2) with ENOSPC (as when
 *    tmpfs is full), a fault on a mapping with SIGBUS. At most
 *    UBC_SHM_SHARES compartments hold shares of one file; a further one's
 *    page gets ENOSPC too. shmget() of a segment larger than the room
 *    left fails with ENOSPC, mmap(MAP_SHARED|MAP_ANONYMOUS) with ENOMEM;
 *    both only check (pages are charged when touched). When a compartment
 *    is destroyed (no task left), its shares of files that outlive it and
 *    its SHM_LOCKs go to the host: held returns to 0 and the compartment
 *    is freed, so its id can be created again at once.
 *  - vmguarpages: a guarantee, held stays 0. While the compartment's
 *    privvmpages held stays within its vmguarpages barrier (held already
 *    includes the growth may_expand_vm() reserved, as OpenVZ compared
 *    privvmpages after charging it), the kernel's overcommit check (__vm_enough_memory(), strict
 *    under vm.overcommit_memory=2) lets the request through; the pages are
 *    still added to Committed_AS so that the kernel's later uncharge
 *    balances. Only a finite barrier > 0 guarantees: the default (0)
 *    and an unlimited barrier leave the compartment to the kernel's
 *    overcommit policy, like a host task.
 *  - host tasks are never charged; a process that enters a compartment is
 *    charged for its whole address space at its next mapping change.
 *
 * Bookkeeping. ubc keeps, per address space and per shmem inode of a
 * compartment, an "account" (ubc_vm_acct). An mm's privvmpages is a walk
 * of its mappings (ubc_mm_walk(), under mmap_lock: the kernel keeps no
 * such counter); its lockedpages follows mm->locked_vm, plus what the
 * lock gates reserved for the operation in progress (lk_resv: consumed by
 * mlock_fixup(), or in locked_vm once it moved). The gate
 * (may_expand_vm) reserves what a growth adds, charged against the bound
 * with the check; the end of the operation (userfaultfd_unmap_complete(),
 * or the next gate for mprotect and stack growth, whose ends have no
 * hook) "settles" the account to the walk, which returns a reservation
 * the operation did not use (any failure after the check). Settling
 * charges, forced, only growth no gate saw (what a fork's child copied
 * beyond the fork gate's reservation; a process that entered). A shmem
 * inode's account holds per-compartment shares of info->alloced, moved
 * at shmem_recalc_inode() by whoever adds or removes pages. The
 * allocation gate reserves the page (or huge page) against the barrier,
 * in a slot of the account named by the task (UBC_SHM_RESV slots); the
 * task's shmem_recalc_inode() after the page entered commits it and
 * frees the slot; an attempt that failed (allocation, tmpfs full, the
 * page cache) is returned at the task's next gate or recalc on the file,
 * the file's end or the compartment's destruction. When the
 * address space or the inode dies, whatever the account holds is
 * returned: nothing drifts even where a settling point is missed (the
 * account is then only late).
 *
 * Hooks (6.1 names; 6.12 differences noted):
 *  - may_expand_vm(mm, flags, npages), gate: every growth of a mapping
 *    (mmap_region, do_brk_flags, mremap, mprotect_fixup, stack growth);
 *    returning false makes all of them fail with -ENOMEM. Reserves.
 *  - mmap_region(file, addr, len, flags, ...) and mprotect_fixup(...),
 *    watches: what the may_expand_vm() call that follows is about
 *    (anonymous or file; the old and new protection).
 *  - count_vma_pages_range(mm, ...), watch, 6.1 only: mmap_region calls it
 *    only after a refusal, then asks may_expand_vm() again with the pages a
 *    MAP_FIXED mapping would replace deducted: one refusal, one failcnt.
 *  - vm_stat_account(mm, flags, npages), watch: the kernel changes its own
 *    counters (mmap, mremap, mprotect, stack, 6.1 munmap): the account is
 *    stale until the next walk; mprotect's decrease is applied there.
 *  - userfaultfd_unmap_complete(mm, uf), watch: end of mmap, munmap, brk
 *    and mremap, after the kernel dropped mmap_lock; settles if
 *    mmap_read_trylock() gets the lock, else leaves the account stale for
 *    the next gate. (Optional, as are the shmem allocation hooks: see
 *    ubc_vm_opt_hooks.)
 *  - copy_semundo(clone_flags, task), gate: fork without CLONE_VM, before
 *    copy_mm() duplicates the mappings (dup_mmap() is inlined on 6.12):
 *    reserves the child's copy, the parent's privvmpages, in the parent's
 *    task entry (task.c: ubc_task_reserve_fork()); copy_process() unwinds
 *    its failure and the child's forking entry, dying, returns it.
 *    task_newtask tracepoint: the child's account is opened with the
 *    reservation and settled with what dup_mmap() copied.
 *  - exit_mmap(mm), watch: the address space dies; its account goes.
 *  - apply_vma_lock_flags(start, len, flags) and apply_mlockall_flags(flags),
 *    gates: mlock/mlock2 and mlockall return their error as is. Reserve.
 *  - mlock_future_check(mm, flags, len) (6.12: mlock_future_ok(), bool),
 *    do_mmap(file, addr, len, prot, flags, ...) and
 *    check_brk_limits(addr, len), gates: the kernel's RLIMIT_MEMLOCK check
 *    of a growth that will be locked (inlined into do_mmap(), brk and
 *    acct_stack_growth() on 6.1, out of line for mremap's
 *    vma_to_resize()), -EAGAIN; a locked stack's growth is reserved at
 *    may_expand_vm(). Reserve; a second gate of one operation replaces
 *    the first's reservation.
 *  - mlock_fixup(vma, ...), watch (6.12: vmi first): one vma's lock state
 *    changes; the account follows the kernel's own locked_vm arithmetic.
 *  - shmem_lock(file, lock, ucounts), gate: SHM_LOCK/SHM_UNLOCK and
 *    shm_destroy(); shmctl_do_lock() returns its -ENOMEM.
 *  - security_inode_alloc(inode), watch: inode_init_always(); a tmpfs
 *    inode made by a compartment's task gets its account at once.
 *  - shmem_alloc_and_acct_folio(gfp, inode, ...) (6.12:
 *    shmem_alloc_and_add_folio(vmf, gfp, inode, ...)), gate: a new page
 *    added by a compartment's task; ERR_PTR(-ENOSPC) is what it returns
 *    when tmpfs is full. Host tasks pass untouched. Reserves.
 *    shmem_unused_huge_shrink(), watch (6.1): after it the kernel asks for
 *    the same page again, which is not a second refusal.
 *  - shmem_mfill_atomic_pte(..., pagep) (6.1: vma argument 2, pagep 7 on
 *    the stack; 6.12: vma 1, foliop 5), gate: userfaultfd's UFFDIO_COPY/
 *    ZEROPAGE into a VM_SHARED shmem mapping, -ENOMEM (the ioctl's
 *    error). Reserves like the allocation gate (ubc_shm_reserve()); the
 *    retry with *pagep set is never refused (the caller's BUG_ON).
 *  - shmem_recalc_inode(inode) (6.12: (inode, alloced, swapped)), watch:
 *    the kernel settles info->alloced; the delta goes to current's share,
 *    current's reservation is committed.
 *  - shmem_evict_inode(inode) and shmem_destroy_inode(inode), watches: the
 *    file dies; its account goes.
 *  - newseg(ns, params), gate: shmget creating a segment, -ENOSPC.
 *  - shmem_zero_setup(vma), gate: MAP_SHARED|MAP_ANONYMOUS, -ENOMEM.
 *  - __vm_enough_memory(mm, pages, cap_sys_admin), gate: vmguarpages; it
 *    adds the pages to vm_committed_as (found at load by
 *    ubc_find_committed_as(); never is a function called through an
 *    address ubc resolved: see there).
 *  - __percpu_counter_sum(fbc), kprobe, only during load: see
 *    ubc_find_committed_as().
 *
 * Locking. Every hook runs in task context with preemption disabled (some
 * under mmap_lock, page_table_lock, shmem info->lock or an ipc object lock);
 * nothing here sleeps. The walk needs mmap_lock (read or write): the gates
 * and mmap_region/mprotect_fixup run under it (write; stack growth in
 * some mode), the fallback watches run before releasing it, and the ends
 * of operations take it with mmap_read_trylock(), which never sleeps (a
 * failure leaves the account stale). The walk runs outside the account's
 * lock. mmap_region()'s and mprotect_fixup()'s notes are written and read
 * under mmap_lock held for writing by the same task, so they cannot mix
 * with another operation on that mm; they are dropped at the end of the
 * operation. Accounts live in a hash of RCU lists; a bucket lock
 * (irq-safe, leaf) guards insertion and removal; an account's lock (irq
 * safe) guards its pages, notes and shares and is taken inside
 * info->lock on 6.1 and inside mmap_lock, never the other way round. An
 * mm account holds a compartment reference while it exists, a shmem share
 * or SHM_LOCK one while it holds pages. ubc_vm_comp_destroyed() runs
 * under ubc_lock and walks the hash under RCU. Allocation is GFP_ATOMIC;
 * when it fails the charge is skipped (undercount), never a later
 * uncharge.
 *
 * Forced charges (never refused, listed with their bound):
 *  - settling an mm account to its walk: only growth no gate reserved,
 *    i.e. what a fork's child copied beyond the reservation made at
 *    copy_semundo (bounded by what the parent's other threads mapped,
 *    each through its own gate, between that gate and dup_mmap()), and
 *    the address space of a process that entered a compartment (its size
 *    at entry);
 *  - lockedpages: settling to mm->locked_vm charges growth no lock gate
 *    reserved: __account_locked_vm() of drivers (vfio, ...: the kernel's
 *    own RLIMIT_MEMLOCK check bounds it, CAP_IPC_LOCK bypasses it) and
 *    the locked memory of a process that entered (its VmLck then);
 *  - a shmem page no gate reserved: shmem_mfill_atomic_pte()'s retry
 *    with *pagep set whose first attempt's reservation is gone (one page
 *    per UFFDIO_COPY in flight), a kernel without the gates (vm_missing),
 *    and an account opened after the gate (no memory for it at the gate).
 */
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/percpu_counter.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <uapi/linux/shm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "probe.h"
#include "task.h"
#include "vm.h"
#include "part.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define UBC_VM_612	1
#else
#define UBC_VM_612	0
#endif

enum { UBC_ACCT_MM, UBC_ACCT_SHM };

/* What a gate learnt at the start of an mmap_region() or mprotect_fixup(). */
enum { UBC_OP_NONE, UBC_OP_NEW, UBC_OP_ALLOWED, UBC_OP_REFUSED };

/*
 * Compartments that may add pages to one shmem file: each share is what
 * one compartment added (memcg's rule). A further compartment's page is
 * refused (ENOSPC) while UBC_SHM_SHARES others hold shares of the file.
 */
#define UBC_SHM_SHARES	4

/*
 * Allocations of a shmem file in flight at once: each holds the pages its
 * gate reserved until its shmem_recalc_inode() commits them. A further
 * one is refused (ENOSPC) while UBC_SHM_RESV are in flight.
 */
#define UBC_SHM_RESV	16

struct ubc_shm_resv {
	const void *task;		/* NULL: free */
	struct ubc_comp *comp;		/* holds a reference */
	long pages;			/* shmpages charged to comp */
};

struct ubc_shm_share {
	struct ubc_comp *comp;		/* holds a reference; NULL: free */
	long pages;			/* shmpages charged to comp */
};

struct ubc_vm_acct {
	struct hlist_node node;
	const void *key;		/* mm_struct or shmem inode */
	struct ubc_comp *comp;		/* mm: the payer; shm: NULL */
	spinlock_t lock;
	u8 kind;			/* UBC_ACCT_* */
	bool dead;			/* under lock: pages returned */
	bool stale;			/* mm: pages[0] may differ from the walk */
	unsigned long seen_total;	/* mm: total_vm at the last walk */
	int seen_count;			/* mm: map_count at the last walk */
	long pages[2];			/* mm: [0] privvm, [1] locked */
	/*
	 * mm, under lock: lockedpages reserved by lk_task's operation in
	 * progress (mlock_future_check(), mlock, mlockall) and not yet in
	 * mm->locked_vm; part of pages[1].
	 */
	const void *lk_task;
	long lk_resv;
	unsigned long lk_base;		/* mm->locked_vm at the reservation */
	/* mm, under lock: the mmap_region() in progress (map_task's) */
	const void *map_task;
	vm_flags_t map_flags;
	long map_pages;
	bool map_anon, map_retry;
	u8 map_state;			/* UBC_OP_* */
	/* mm, under lock: the mprotect_fixup() in progress (mp_task's) */
	const void *mp_task;
	vm_flags_t mp_old, mp_new;
	long mp_pages;
	bool mp_anon;
	int mp_nr;			/* its system call */
	u8 mp_state;			/* UBC_OP_* */
	/* shm, under lock */
	long shm_total;			/* info->alloced, last settled */
	long shm_host;			/* pages no compartment pays for */
	struct ubc_shm_share share[UBC_SHM_SHARES];
	struct ubc_shm_resv resv[UBC_SHM_RESV];
	struct ubc_comp *lock_comp;	/* SHM_LOCK paid by (a reference) */
	long lock_pages;
	const void *refused_by;		/* shm: task of the last refusal */
	unsigned long refused_index;	/* shm: page index it refused */
	unsigned long refused_seq;	/* shm: ubc_shrink_seq then */
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
 * The account of @key, opened if there is none and @create: an mm's for
 * current's compartment (NULL for a host task), a shmem inode's with no
 * payer of its own (its shares name them), for a compartment's task only.
 * Preemption is disabled (hook).
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
	a->comp = kind == UBC_ACCT_MM ? comp : NULL;
	a->stale = true;
	a->shm_total = -1;		/* shm: not settled yet */
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
	if (a->comp)
		ubc_comp_get(a->comp);
	hlist_add_head_rcu(&a->node, &b->head);
	spin_unlock_irqrestore(&b->lock, flags);
	return a;
}

static struct ubc_counter *ubc_acct_counter(struct ubc_vm_acct *a, int i)
{
	return &a->comp->res[ubc_acct_res[a->kind][i]];
}

/* Moves an mm account's pages[@i] to @now, charging or returning the delta. */
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

static void ubc_shm_return_all(struct ubc_vm_acct *a);

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
	if (a->kind == UBC_ACCT_MM) {
		ubc_acct_set(a, 0, 0);
		ubc_acct_set(a, 1, 0);
	} else {
		ubc_shm_return_all(a);
	}
	a->dead = true;
	spin_unlock_irqrestore(&a->lock, flags);
	if (a->comp)
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


/* ---- address spaces: privvmpages, lockedpages ---- */

/*
 * Is a mapping with @flags privvmpages? Private anonymous memory whatever
 * its protection (@anon: no vm_ops; a stack always is), private file
 * mappings while writable (their pages become anonymous copies when
 * written). Shared mappings never (shmpages or the file's own pages).
 * OpenVZ's VM_UB_PRIVATE: writable or anonymous, and not shared.
 */
static bool ubc_privvm(vm_flags_t flags, bool anon)
{
	if (flags & VM_MAYSHARE)
		return false;
	return anon || (flags & VM_WRITE) || (flags & VM_STACK) == VM_STACK;
}

static bool ubc_vma_privvm(struct vm_area_struct *vma)
{
	return ubc_privvm(vma->vm_flags, vma_is_anonymous(vma));
}

/*
 * privvmpages of @mm: the walk of its mappings. The kernel keeps no such
 * counter (its data_vm forgets a private anonymous mapping as soon as
 * PROT_WRITE goes). The caller holds mmap_lock, read or write, so the
 * tree cannot change under the walk (6.1 frees vmas without RCU).
 */
static long ubc_mm_walk(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	long pages = 0;
	VMA_ITERATOR(vmi, mm, 0);

	mmap_assert_locked(mm);
	for_each_vma(vmi, vma)
		if (ubc_vma_privvm(vma))
			pages += vma_pages(vma);
	return pages;
}

/*
 * The operation that reserved lockedpages is over: what it locked is in
 * mm->locked_vm, the rest stays in pages[1] until the next settling.
 */
static void ubc_lk_end(struct ubc_vm_acct *a)
{
	lockdep_assert_held(&a->lock);
	a->lk_task = NULL;
	a->lk_resv = 0;
}

/*
 * lockedpages of @mm's account becomes mm->locked_vm plus what current's
 * operation in progress reserved and has not locked yet (see
 * ubc_lock_reserve()): may_expand_vm() settles between mmap's, brk's and
 * mremap's lock check and their locked_vm update. A reservation is over
 * once locked_vm moved (the growth is in it) or when it is another task's
 * (every locked_vm change is made under mmap_lock held for writing).
 */
static void ubc_lk_sync(struct ubc_vm_acct *a, struct mm_struct *mm)
{
	lockdep_assert_held(&a->lock);
	if (a->lk_task != current || READ_ONCE(mm->locked_vm) != a->lk_base)
		ubc_lk_end(a);
	ubc_acct_set(a, 1, (long)READ_ONCE(mm->locked_vm) + a->lk_resv);
}

/*
 * The account becomes exact: privvmpages from the walk, lockedpages from
 * mm->locked_vm; any outstanding reservation (see ubc_may_expand_vm()) is
 * settled with it. mmap_lock held; the walk runs outside the account's
 * lock (it is O(mappings), with interrupts on).
 */
static void ubc_mm_settle(struct ubc_vm_acct *a, struct mm_struct *mm)
{
	long priv = ubc_mm_walk(mm);
	unsigned long irq;

	spin_lock_irqsave(&a->lock, irq);
	ubc_acct_set(a, 0, priv);
	ubc_lk_sync(a, mm);
	a->stale = false;
	a->seen_total = READ_ONCE(mm->total_vm);
	a->seen_count = READ_ONCE(mm->map_count);
	spin_unlock_irqrestore(&a->lock, irq);
}

/* Forget the operations in progress: their mmap_lock section is over. */
static void ubc_mm_ops_end(struct ubc_vm_acct *a)
{
	lockdep_assert_held(&a->lock);
	a->map_task = NULL;
	a->map_state = UBC_OP_NONE;
	a->map_retry = false;
	a->mp_task = NULL;
	a->mp_state = UBC_OP_NONE;
}

/*
 * Settles @mm's account at the end of an operation, after the kernel
 * dropped mmap_lock (userfaultfd_unmap_complete(), the child of a fork):
 * mmap_read_trylock() never sleeps; when another task holds the lock for
 * writing, the account stays marked stale and the next gate walks.
 */
static void ubc_mm_settle_unlocked(struct ubc_vm_acct *a, struct mm_struct *mm)
{
	unsigned long irq;

	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_ops_end(a);
	ubc_lk_end(a);
	spin_unlock_irqrestore(&a->lock, irq);
	if (mmap_read_trylock(mm)) {
		ubc_mm_settle(a, mm);
		mmap_read_unlock(mm);
	} else {
		WRITE_ONCE(a->stale, true);
	}
}

static int ubc_lock_reserve(struct ubc_vm_acct *a, struct mm_struct *mm,
			    long n, enum ubc_strict strict);

/* The system call current is in (-1 for none: a kernel thread). */
static int ubc_syscall_nr(void)
{
	if (current->flags & PF_KTHREAD)
		return -1;
	return syscall_get_nr(current, task_pt_regs(current));
}

/*
 * Is the growth of a mapping with @flags that ubc_may_expand_vm() sees
 * privvmpages? may_expand_vm() is not told whether the mapping is
 * anonymous; only a private mapping without PROT_WRITE needs to know.
 * mremap(): the vma at the system call's old address. Otherwise (no
 * such caller is known) it counts: the reservation is settled to the
 * walk at the end of the operation.
 */
static bool ubc_growth_privvm(struct mm_struct *mm, vm_flags_t flags)
{
	struct vm_area_struct *vma;

	if (ubc_privvm(flags, false))
		return true;
	if (flags & VM_MAYSHARE)
		return false;
	if (mm == current->mm && ubc_syscall_nr() == __NR_mremap) {
		vma = vma_lookup(mm, task_pt_regs(current)->di);
		if (vma && vma->vm_flags == flags)
			return vma_is_anonymous(vma);
	}
	return true;
}

/*
 * may_expand_vm(struct mm_struct *mm, vm_flags_t flags, unsigned long npages),
 * gate, mmap_lock held. Reserve at the check: the pages the growth adds to
 * privvmpages are charged here against the barrier (the limit for stack
 * growth and exec), atomically with the check, so that N processes
 * growing at once cannot pass it together. The account then holds the
 * reservation until the operation's end settles it to the walk
 * (userfaultfd_unmap_complete(): end of mmap, munmap, brk, mremap) or the
 * next gate does (mprotect, stack growth, whose ends have no hook): every
 * failure path of mmap_region(), do_brk_flags(), mremap and
 * mprotect_fixup() after may_expand_vm() returned true (-ENOMEM of
 * vm_area_alloc(), security_vm_enough_memory_mm(), split_vma(), a file's
 * ->mmap(), ...) leaves only the mapping that was there; the walk returns
 * the reservation. The callers (6.1 and 6.12):
 *  - mmap_region(): learnt at its entry (ubc_mmap_region()): anonymous or
 *    not; on 6.1 a refused call is asked again with the pages a MAP_FIXED
 *    mapping replaces deducted (count_vma_pages_range() in between);
 *  - mprotect_fixup(): learnt at its entry (ubc_mprotect_fixup()): the
 *    growth is what the new protection adds (0 for anonymous memory); a
 *    refused call is asked again with the old flags, which must then say
 *    yes for mprotect() to fail;
 *  - do_brk_flags(), stack growth: writable or stack, always privvmpages;
 *  - mremap (vma_to_resize(), MREMAP_DONTUNMAP): ubc_growth_privvm().
 */
static int ubc_may_expand_vm(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	vm_flags_t flags = ubc_arg(regs, 1);
	long npages = ubc_arg(regs, 2), want = npages;
	enum ubc_strict strict = UBC_BARRIER;
	struct ubc_counter *c;
	struct ubc_vm_acct *a;
	unsigned long irq;
	bool counts, ok;
	u8 *state = NULL;

	if (flags & VM_MAYSHARE)
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
	if (READ_ONCE(a->stale))
		ubc_mm_settle(a, mm);
	counts = ubc_privvm(flags, false);
	spin_lock_irqsave(&a->lock, irq);
	c = ubc_acct_counter(a, 0);
	if (a->map_task == current && a->map_state == UBC_OP_NEW &&
	    a->map_flags == flags && npages <= a->map_pages) {
		/* mmap_region()'s first question */
		state = &a->map_state;
		counts = ubc_privvm(flags, a->map_anon);
	} else if (a->map_task == current && a->map_retry &&
		   a->map_state != UBC_OP_NONE && a->map_flags == flags) {
		/* 6.1: asked again without the pages MAP_FIXED replaces */
		a->map_retry = false;
		if (a->map_state == UBC_OP_ALLOWED) {
			want = 0;	/* reserved already; the body said no */
		} else {
			counts = ubc_privvm(flags, a->map_anon);
			/*
			 * One refusal for the call: if this one succeeds the
			 * first did not stand and is taken back; if it fails,
			 * the first one stands.
			 */
			ok = !counts || npages <= 0 || a->dead;
			if (ok)
				ubc_counter_forgive(c);
			else
				ok = !ubc_counter_recharge(c, npages, strict);
			if (ok) {
				a->map_state = UBC_OP_ALLOWED;
				if (counts && npages > 0 && !a->dead) {
					a->pages[0] += npages;
					a->stale = true;
				}
			}
			spin_unlock_irqrestore(&a->lock, irq);
			return ok ? 0 : ubc_hook_return(regs, 0);
		}
	} else if (a->mp_task == current && a->mp_state == UBC_OP_NEW &&
		   a->mp_new == flags && a->mp_pages == npages) {
		/* mprotect_fixup()'s question: what the new protection adds */
		state = &a->mp_state;
		counts = ubc_privvm(flags, a->mp_anon) &&
			 !ubc_privvm(a->mp_old, a->mp_anon);
	} else if (a->mp_task == current && a->mp_state != UBC_OP_NONE &&
		   a->mp_state != UBC_OP_NEW && a->mp_old == flags &&
		   a->mp_pages == npages && a->mp_nr == ubc_syscall_nr()) {
		/* its second question, with the old flags */
		bool refused = a->mp_state == UBC_OP_REFUSED;

		a->mp_state = UBC_OP_NONE;
		spin_unlock_irqrestore(&a->lock, irq);
		/* after a refusal, "yes" here makes mprotect() fail */
		return refused ? ubc_hook_return(regs, 1) : 0;
	} else if (!counts && !(flags & VM_MAYSHARE)) {
		spin_unlock_irqrestore(&a->lock, irq);
		counts = ubc_growth_privvm(mm, flags);
		spin_lock_irqsave(&a->lock, irq);
	}
	ok = a->dead || !counts || want <= 0 ||
	     !ubc_counter_charge(c, want, strict);
	if (ok && counts && want > 0 && !a->dead) {
		a->pages[0] += want;	/* the reservation */
		a->stale = true;
	}
	if (state)
		*state = ok ? UBC_OP_ALLOWED : UBC_OP_REFUSED;
	spin_unlock_irqrestore(&a->lock, irq);
	/*
	 * A locked stack growing (acct_stack_growth(), whose own lock check
	 * is inlined on 6.1): its lockedpages too, against the limit.
	 * SIGSEGV when refused; the privvmpages reservation goes back at the
	 * next settling.
	 */
	if (ok && !state && (flags & VM_LOCKED) && (flags & VM_STACK) == VM_STACK &&
	    mm == current->mm && ubc_syscall_nr() != __NR_mremap)
		ok = !ubc_lock_reserve(a, mm, npages, UBC_LIMIT);
	return ok ? 0 : ubc_hook_return(regs, 0);
}

/*
 * mmap_region(file, addr, len, vm_flags, pgoff, uf), watch, mmap_lock held
 * for writing: what its may_expand_vm() question is about.
 */
static int ubc_mmap_region(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	struct ubc_vm_acct *a;
	unsigned long irq;

	if (!mm)
		return 0;
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_ops_end(a);
	a->map_task = current;
	a->map_anon = !ubc_arg(regs, 0);
	a->map_pages = ubc_arg(regs, 2) >> PAGE_SHIFT;
	a->map_flags = ubc_arg(regs, 3);
	a->map_state = UBC_OP_NEW;
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/*
 * mprotect_fixup(tlb, vma, pprev, start, end, newflags) on 6.1;
 * mprotect_fixup(vmi, tlb, vma, pprev, start, end, newflags) on 6.12.
 * Watch, mmap_lock held for writing: one vma's protection changes. Its
 * may_expand_vm() comes next (only when newflags has VM_WRITE; it returns
 * early when the flags do not change); a decrease (a private file
 * mapping losing PROT_WRITE) is applied at its vm_stat_account().
 */
static int ubc_mprotect_fixup(struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)ubc_arg(regs, UBC_VM_612 + 1);
	unsigned long start = ubc_arg(regs, UBC_VM_612 + 3);
	unsigned long end = ubc_arg(regs, UBC_VM_612 + 4);
	vm_flags_t newflags = ubc_arg(regs, UBC_VM_612 + 5);
	struct ubc_vm_acct *a;
	unsigned long irq;

	if (vma->vm_mm != current->mm)
		return 0;
	a = ubc_acct_get(vma->vm_mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_ops_end(a);
	if (newflags != vma->vm_flags) {
		a->mp_task = current;
		a->mp_old = vma->vm_flags;
		a->mp_new = newflags;
		a->mp_pages = (end - start) >> PAGE_SHIFT;
		a->mp_anon = vma_is_anonymous(vma);
		a->mp_nr = ubc_syscall_nr();
		a->mp_state = UBC_OP_NEW;
	}
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/* count_vma_pages_range(mm, addr, end): 6.1 mmap_region after a refusal */
static int __maybe_unused ubc_count_vma_pages(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a = ubc_acct_get(mm, UBC_ACCT_MM, false);
	unsigned long irq;

	if (a) {
		spin_lock_irqsave(&a->lock, irq);
		a->map_retry = a->map_task == current;
		spin_unlock_irqrestore(&a->lock, irq);
	}
	return 0;
}

/*
 * vm_stat_account(struct mm_struct *mm, vm_flags_t flags, long npages):
 * the kernel is about to change its own counters (mmap, mremap, mprotect,
 * stack, 6.1 munmap): the account is stale until the next walk. At the
 * end of a successful mprotect_fixup() (its second call, with the new
 * flags), a private file mapping that lost PROT_WRITE is returned now.
 */
static int ubc_vm_stat_account(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	vm_flags_t flags = ubc_arg(regs, 1);
	long npages = ubc_arg(regs, 2);
	struct ubc_vm_acct *a;
	unsigned long irq;

	a = ubc_acct_get(mm, UBC_ACCT_MM, mm == current->mm);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	a->stale = true;
	if (a->mp_task == current && a->mp_new == flags &&
	    a->mp_pages == npages && a->mp_state != UBC_OP_NONE) {
		if (!ubc_privvm(a->mp_new, a->mp_anon) &&
		    ubc_privvm(a->mp_old, a->mp_anon))
			ubc_acct_set(a, 0, a->pages[0] - npages);
		a->mp_task = NULL;
		a->mp_state = UBC_OP_NONE;
	}
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/*
 * userfaultfd_unmap_complete(struct mm_struct *mm, struct list_head *uf):
 * end of mmap, munmap, brk and mremap, after the kernel dropped mmap_lock.
 */
static int ubc_mm_changed(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a = ubc_acct_get(mm, UBC_ACCT_MM, true);

	if (a)
		ubc_mm_settle_unlocked(a, mm);
	return 0;
}

/*
 * up_write(sem), up_read(sem), only on a kernel without
 * userfaultfd_unmap_complete() (see ubc_vm_fallback_hooks): the end of
 * every mapping change is the release of current's mmap_lock; the lock is
 * still held here, the tree settled. Costs a compare on every rwsem
 * release of the system, which is why stock kernels do without it.
 */
static int ubc_mmap_unlock(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	struct ubc_vm_acct *a;
	unsigned long irq;

	if (!mm || (void *)ubc_arg(regs, 0) != &mm->mmap_lock || !in_task() ||
	    !static_branch_unlikely(&ubc_tasks_tracked))
		return 0;
	a = ubc_acct_lookup(mm);
	/*
	 * Most releases end a page fault: nothing changed, nothing to walk.
	 * Such a kernel may inline vm_stat_account() (6.1's munmap calls it
	 * from mm/mmap.c), so a change is also seen in total_vm or
	 * map_count; mprotect and MAP_FIXED left their notes.
	 */
	if (a && !READ_ONCE(a->stale) && !READ_ONCE(a->map_task) &&
	    !READ_ONCE(a->mp_task) &&
	    READ_ONCE(a->seen_total) == READ_ONCE(mm->total_vm) &&
	    READ_ONCE(a->seen_count) == READ_ONCE(mm->map_count) &&
	    !READ_ONCE(a->lk_task) &&
	    READ_ONCE(a->pages[1]) == (long)READ_ONCE(mm->locked_vm))
		return 0;
	if (!a)
		a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, irq);
	ubc_mm_ops_end(a);
	ubc_lk_end(a);
	spin_unlock_irqrestore(&a->lock, irq);
	ubc_mm_settle(a, mm);
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
 * Reserves the child's copy, current's privvmpages, against the barrier
 * (ubc_task_reserve_fork()): forks at once never pass it together.
 */
static int ubc_fork_reserve_privvm(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	struct ubc_vm_acct *a;

	if ((ubc_arg(regs, 0) & CLONE_VM) || !mm || !ubc_hook_comp())
		return 0;
	a = ubc_acct_lookup(mm);
	if (!a)
		return 0;
	return ubc_task_reserve_fork(READ_ONCE(a->pages[0]), UBC_BARRIER) ==
	       -ENOSPC ? -ENOMEM : 0;
}

/*
 * task_newtask tracepoint, in the parent: the child of a fork has its own
 * mm, whose account starts with the fork gate's reservation as its
 * privvmpages and is settled to what dup_mmap() copied (the walk returns
 * what the copy did not use: VM_DONTCOPY, VM_WIPEONFORK mappings).
 */
static void ubc_vm_newtask(void *data, struct task_struct *task,
			   unsigned long clone_flags)
{
	struct mm_struct *mm = task->mm;
	struct ubc_vm_acct *a;
	bool taken = false;
	unsigned long irq;
	long resv;

	if ((clone_flags & CLONE_VM) || !mm)
		return;
	preempt_disable();
	resv = ubc_task_fork_resv();
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	/* the same compartment: both are current's */
	if (a && resv) {
		spin_lock_irqsave(&a->lock, irq);
		if (!a->dead && !a->pages[0]) {
			a->pages[0] = resv;
			taken = true;
		}
		spin_unlock_irqrestore(&a->lock, irq);
	}
	if (resv)
		ubc_task_fork_end(taken);
	if (a)
		ubc_mm_settle_unlocked(a, mm);
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

/*
 * Reserve at the check: @n lockedpages for current's operation on @mm
 * (mmap_lock held for writing), charged against @strict's bound with the
 * check, so that processes locking at once never pass it together. A new
 * operation of current starts: an earlier reservation is over, so
 * pages[1] first becomes mm->locked_vm. The reservation is kept in
 * lk_resv until mlock_fixup() locks it (mlock, mlockall) or the
 * operation's end settles (mmap, brk, mremap: userfaultfd_unmap_complete();
 * stack growth: the next gate), which returns what was not locked.
 * Returns 0 or -ENOMEM (failcnt counted).
 */
static int ubc_lock_reserve(struct ubc_vm_acct *a, struct mm_struct *mm,
			    long n, enum ubc_strict strict)
{
	unsigned long irq;
	int err = 0;

	spin_lock_irqsave(&a->lock, irq);
	ubc_lk_end(a);
	ubc_acct_set(a, 1, READ_ONCE(mm->locked_vm));
	if (!a->dead && n > 0) {
		err = ubc_counter_charge(ubc_acct_counter(a, 1), n, strict);
		if (!err) {
			a->pages[1] += n;
			a->lk_task = current;
			a->lk_resv = n;
			a->lk_base = READ_ONCE(mm->locked_vm);
			a->stale = true;
		}
	}
	spin_unlock_irqrestore(&a->lock, irq);
	return err;
}

static int ubc_lock_check(unsigned long start, unsigned long end)
{
	struct mm_struct *mm = current->mm;
	struct ubc_vm_acct *a;

	if (!mm)
		return 0;
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a)
		return 0;
	/* ubc_unlocked_pages() walks outside the account's lock */
	return ubc_lock_reserve(a, mm, ubc_unlocked_pages(mm, start, end),
				UBC_BARRIER);
}

/*
 * do_mmap(file, addr, len, prot, flags, pgoff, ...) on 6.1;
 * do_mmap(file, addr, len, prot, flags, vm_flags, pgoff, ...) on 6.12.
 * Gate, mmap_lock held for writing, for current's mm (mmap, shmat,
 * remap_file_pages): a mapping that will be locked (MAP_LOCKED, or any
 * after mlockall(MCL_FUTURE)). The kernel's own check,
 * mlock_future_check() / mlock_future_ok(), is inlined into do_mmap()
 * (and into the other callers in mm/mmap.c) on 6.1: the gate is the
 * function itself, refusing with the errno that check gives (EAGAIN).
 */
static int ubc_mmap_lock(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	unsigned long len = PAGE_ALIGN(ubc_arg(regs, 2));
	unsigned long flags = ubc_arg(regs, 4);
	struct ubc_vm_acct *a;
	bool locked;

	if (!mm || !len)
		return 0;
	locked = (flags & MAP_LOCKED) || (mm->def_flags & VM_LOCKED);
#if UBC_VM_612
	locked |= !!(ubc_arg(regs, 5) & VM_LOCKED);
#endif
	if (!locked)
		return 0;
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a || !ubc_lock_reserve(a, mm, len >> PAGE_SHIFT, UBC_BARRIER))
		return 0;
	return -EAGAIN;
}

/*
 * check_brk_limits(addr, len), gate, mmap_lock held for writing: brk
 * growing the heap after mlockall(MCL_FUTURE); its lock check is inlined
 * on 6.1. A refusal leaves the break where it was (sbrk: ENOMEM).
 */
static int ubc_brk_lock(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	long n = PAGE_ALIGN(ubc_arg(regs, 1)) >> PAGE_SHIFT;
	struct ubc_vm_acct *a;

	if (!mm || !(mm->def_flags & VM_LOCKED) || n <= 0)
		return 0;
	a = ubc_acct_get(mm, UBC_ACCT_MM, true);
	if (!a || !ubc_lock_reserve(a, mm, n, UBC_BARRIER))
		return 0;
	return -EAGAIN;
}

/*
 * 6.1: int mlock_future_check(struct mm_struct *mm, unsigned long flags,
 *				unsigned long len), -EAGAIN when over;
 * 6.12: bool mlock_future_ok(mm, flags, bytes), false when over.
 * Gate, mmap_lock held for writing: the kernel's own RLIMIT_MEMLOCK check
 * of a growth that will be locked: do_mmap() (MAP_LOCKED, and every
 * mapping after mlockall(MCL_FUTURE)), brk (check_brk_limits()), mremap
 * of a locked mapping (vma_to_resize()) and stack growth of a locked
 * stack (acct_stack_growth(), which turns a refusal into -ENOMEM:
 * SIGSEGV). Each caller fails cleanly: mmap and mremap with EAGAIN, brk
 * leaves the break where it was (sbrk: ENOMEM). Reserves @len's pages
 * against the barrier, the limit for stack growth and exec (which must not
 * fail half-way), as may_expand_vm() does.
 */
static int ubc_lock_future(struct pt_regs *regs)
{
	struct mm_struct *mm = (struct mm_struct *)ubc_arg(regs, 0);
	vm_flags_t flags = ubc_arg(regs, 1);
	long n = ubc_arg(regs, 2) >> PAGE_SHIFT;
	enum ubc_strict strict = UBC_BARRIER;
	struct ubc_vm_acct *a;

	if (!(flags & VM_LOCKED) || n <= 0)
		return 0;
	a = ubc_acct_get(mm, UBC_ACCT_MM,
			 mm == current->mm || current->in_execve);
	if (!a)
		return 0;
	if ((flags & VM_STACK) == VM_STACK || current->in_execve)
		strict = UBC_LIMIT;
	if (!ubc_lock_reserve(a, mm, n, strict))
		return 0;
#if UBC_VM_612
	return ubc_hook_return(regs, 0);	/* false: over the lock limit */
#else
	return -EAGAIN;
#endif
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
	long nr, take = 0;

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
	if (nr > 0 && a->lk_task == current) {
		/* reserved at the gate (ubc_lock_reserve()) */
		take = min(nr, a->lk_resv);
		a->lk_resv -= take;
	}
	ubc_acct_set(a, 1, a->pages[1] + nr - take);
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

/* ---- vmguarpages ---- */

/*
 * vm_committed_as (mm/util.c), found at load by ubc_find_committed_as().
 * Data: ubc never calls through an address it resolved.
 */
static struct percpu_counter *ubc_committed_as;

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
	/*
	 * mmap_region(), do_brk_flags() and mremap ask after may_expand_vm()
	 * reserved their growth: held includes the request (OpenVZ's
	 * ub_enough_memory() compared privvmpages after its charge too).
	 */
	if (ubc_counter_held(&comp->res[UBC_PRIVVMPAGES]) > guar)
		return 0;	/* not guaranteed: the kernel decides */
	/* what vm_acct_memory() does; vm_unacct_memory() undoes it later */
	percpu_counter_add(ubc_committed_as, pages);
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
 * Shares of a shmem file (memcg's rule: a page is charged to the
 * compartment of the task that adds it). Under the account's lock.
 */
static struct ubc_shm_share *ubc_shm_share(struct ubc_vm_acct *a,
					   struct ubc_comp *comp, bool add)
{
	struct ubc_shm_share *free = NULL;
	int i;

	lockdep_assert_held(&a->lock);
	for (i = 0; i < UBC_SHM_SHARES; i++) {
		if (a->share[i].comp == comp)
			return &a->share[i];
		if (!a->share[i].comp && !free)
			free = &a->share[i];
	}
	if (!add || !free)
		return NULL;
	ubc_comp_get(comp);
	free->comp = comp;
	free->pages = 0;
	return free;
}

static void ubc_shm_share_take(struct ubc_shm_share *s, long *n)
{
	long take = min(*n, s->pages);

	if (take <= 0)
		return;
	ubc_counter_uncharge(&s->comp->res[UBC_SHMPAGES], take);
	s->pages -= take;
	*n -= take;
}

static void ubc_shm_share_drop(struct ubc_shm_share *s)
{
	long n = s->pages;

	ubc_shm_share_take(s, &n);
	ubc_comp_put(s->comp);
	s->comp = NULL;
}

/*
 * @n pages entered the file, added by a task of @comp (NULL: the host),
 * which reserved @resv of them at the gate (committed here).
 */
static void ubc_shm_add(struct ubc_vm_acct *a, struct ubc_comp *comp, long n,
			long resv)
{
	struct ubc_shm_share *s = comp ? ubc_shm_share(a, comp, true) : NULL;

	if (!s) {	/* the host's, or no share left (the gate refuses) */
		a->shm_host += n;
		return;
	}
	/*
	 * Forced only beyond the reservation: pages no gate saw (a kernel
	 * without the allocation gate, or an account opened late).
	 */
	if (n > resv)
		ubc_counter_charge(&comp->res[UBC_SHMPAGES], n - resv, UBC_FORCE);
	s->pages += n;
}

/*
 * @n pages left the file (truncate, hole punch, reclaim's settling) with
 * a task of @comp: which page was whose is not known, so the remover's
 * own share goes first, then the host's, then the other shares in order.
 * The sum is always exact.
 */
static void ubc_shm_remove(struct ubc_vm_acct *a, struct ubc_comp *comp, long n)
{
	struct ubc_shm_share *s = comp ? ubc_shm_share(a, comp, false) : NULL;
	long host;
	int i;

	if (s)
		ubc_shm_share_take(s, &n);
	host = min(n, a->shm_host);
	a->shm_host -= host;
	n -= host;
	for (i = 0; i < UBC_SHM_SHARES && n > 0; i++)
		if (a->share[i].comp)
			ubc_shm_share_take(&a->share[i], &n);
	for (i = 0; i < UBC_SHM_SHARES; i++)
		if (a->share[i].comp && !a->share[i].pages)
			ubc_shm_share_drop(&a->share[i]);
}

static void ubc_shm_unlock_pages(struct ubc_vm_acct *a)
{
	if (!a->lock_comp)
		return;
	ubc_counter_uncharge(&a->lock_comp->res[UBC_LOCKEDPAGES], a->lock_pages);
	ubc_comp_put(a->lock_comp);
	a->lock_comp = NULL;
	a->lock_pages = 0;
}

/* current's reservation on the file, if any. Under the account's lock. */
static struct ubc_shm_resv *ubc_shm_resv_of(struct ubc_vm_acct *a)
{
	int i;

	lockdep_assert_held(&a->lock);
	for (i = 0; i < UBC_SHM_RESV; i++)
		if (a->resv[i].task == current)
			return &a->resv[i];
	return NULL;
}

/* A reservation ends: @keep of its pages stay charged (committed). */
static void ubc_shm_resv_end(struct ubc_shm_resv *r, long keep)
{
	keep = clamp(keep, 0L, r->pages);
	if (r->pages > keep)
		ubc_counter_uncharge(&r->comp->res[UBC_SHMPAGES], r->pages - keep);
	ubc_comp_put(r->comp);
	r->task = NULL;
	r->comp = NULL;
	r->pages = 0;
}

/* The file dies (or ubc unloads): every share and the lock go back. */
static void ubc_shm_return_all(struct ubc_vm_acct *a)
{
	int i;

	lockdep_assert_held(&a->lock);
	for (i = 0; i < UBC_SHM_RESV; i++)
		if (a->resv[i].task)
			ubc_shm_resv_end(&a->resv[i], 0);
	for (i = 0; i < UBC_SHM_SHARES; i++)
		if (a->share[i].comp)
			ubc_shm_share_drop(&a->share[i]);
	ubc_shm_unlock_pages(a);
}

/*
 * A compartment is destroyed (no task is left in it): its shares of the
 * shmem files that outlive it, and the SHM_LOCK it paid for, go to the
 * host, which pays for them from now on (held returns to 0 and the
 * compartment is freed, so its id can be created again at once). Called
 * by ubc_comp_destroy() under ubc_lock, in process context.
 */
void ubc_vm_comp_destroyed(struct ubc_comp *comp)
{
	unsigned long irq;
	unsigned int i;
	int j;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(ubc_vm_hash); i++) {
		struct ubc_vm_acct *a;

		hlist_for_each_entry_rcu(a, &ubc_vm_hash[i].head, node) {
			if (a->kind != UBC_ACCT_SHM)
				continue;
			spin_lock_irqsave(&a->lock, irq);
			for (j = 0; j < UBC_SHM_SHARES && !a->dead; j++) {
				struct ubc_shm_share *s = &a->share[j];

				if (s->comp != comp)
					continue;
				a->shm_host += s->pages;
				ubc_shm_share_drop(s);
			}
			for (j = 0; j < UBC_SHM_RESV && !a->dead; j++)
				if (a->resv[j].comp == comp)
					ubc_shm_resv_end(&a->resv[j], 0);
			if (!a->dead && a->lock_comp == comp)
				ubc_shm_unlock_pages(a);
			spin_unlock_irqrestore(&a->lock, irq);
		}
	}
	rcu_read_unlock();
}

/*
 * The account of a shmem inode for a compartment's task, opened if needed;
 * a file that had pages before (the host's) starts with them in the
 * host's share.
 */
static struct ubc_vm_acct *ubc_shm_acct(struct inode *inode)
{
	struct ubc_vm_acct *a = ubc_acct_get(inode, UBC_ACCT_SHM, true);
	unsigned long irq;

	if (a && READ_ONCE(a->shm_total) < 0) {
		long now = ubc_shmem_settled(inode, 0, 0);

		spin_lock_irqsave(&a->lock, irq);
		if (a->shm_total < 0) {
			a->shm_total = now;
			a->shm_host = now;
		}
		spin_unlock_irqrestore(&a->lock, irq);
	}
	return a;
}

/*
 * 6.1: shmem_recalc_inode(inode), called under info->lock.
 * 6.12: shmem_recalc_inode(inode, alloced, swapped), takes info->lock.
 * Called by the task that added or removed pages (shmem_get_folio_gfp(),
 * shmem_undo_range(), fallocate) or by reclaim.
 */
static int ubc_shmem_recalc(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a = ubc_acct_get(inode, UBC_ACCT_SHM, false);
	struct ubc_shm_resv *r;
	struct ubc_comp *comp;
	unsigned long irq;
	long now, delta, kept;

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
	if (a->dead)
		goto out;
	if (a->shm_total < 0)
		a->shm_total = a->shm_host = now;
	delta = now - a->shm_total;
	a->shm_total = now;
	r = ubc_shm_resv_of(a);
	comp = ubc_hook_comp();
	if (r && r->comp != comp) {
		ubc_shm_resv_end(r, 0);	/* current left its compartment */
		r = NULL;
	}
	kept = delta > 0 && r ? min(delta, r->pages) : 0;
	/* current's allocation is over: what it added is committed */
	if (r)
		ubc_shm_resv_end(r, kept);
	if (delta > 0)
		ubc_shm_add(a, comp, delta, kept);
	else if (delta < 0)
		ubc_shm_remove(a, comp, -delta);
out:
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
 * Reserve at the check, for a compartment's task adding @nr pages at
 * @index to the shmem file @inode: charged at the barrier now, committed
 * by current's shmem_recalc_inode() on the file (ubc_shmem_recalc()).
 * An earlier reservation of current's on the file ends first (an attempt
 * that failed before its recalc: huge then small, or a refusal of the
 * kernel's own). Returns 0 or @err (refused, failcnt counted).
 */
static int ubc_shm_reserve(struct inode *inode, struct ubc_comp *comp,
			   unsigned long index, long nr, int err)
{
	unsigned long seq = atomic_long_read(&ubc_shrink_seq);
	struct ubc_counter *c = &comp->res[UBC_SHMPAGES];
	struct ubc_shm_resv *r;
	struct ubc_vm_acct *a;
	unsigned long irq;
	bool ok, again;
	int i;

	a = ubc_shm_acct(inode);
	if (!a)
		return 0;	/* no memory for the account: not counted */
	spin_lock_irqsave(&a->lock, irq);
	r = ubc_shm_resv_of(a);
	if (r)
		ubc_shm_resv_end(r, 0);
	again = a->refused_by == current && a->refused_index == index &&
		a->refused_seq != seq;
	ok = a->dead;
	if (!ok) {
		for (i = 0, r = NULL; i < UBC_SHM_RESV && !r; i++)
			if (!a->resv[i].task)
				r = &a->resv[i];
		/* reserve at the check: charged now, committed at recalc */
		ok = ubc_shm_share(a, comp, true) && r &&
		     !ubc_counter_charge(c, nr, UBC_BARRIER);
		if (ok) {
			ubc_comp_get(comp);
			r->task = current;
			r->comp = comp;
			r->pages = nr;
		} else if (!r || !ubc_shm_share(a, comp, false)) {
			ubc_counter_fail(c, nr, UBC_BARRIER);	/* not the charge core's refusal */
		}
		if (!ok && again)
			ubc_counter_forgive(c);	/* the same refusal */
	}
	a->refused_by = ok ? NULL : current;
	a->refused_index = index;
	a->refused_seq = seq;
	spin_unlock_irqrestore(&a->lock, irq);
	return ok ? 0 : err;
}

/*
 * 6.1: shmem_alloc_and_acct_folio(gfp, inode, index, huge);
 * 6.12: shmem_alloc_and_add_folio(vmf, gfp, inode, index, fault_mm, orders).
 * A compartment's task adding a page to any shmem file: checked against
 * its own barrier. A host task is never refused.
 */
static int ubc_shmem_alloc(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, UBC_VM_612 + 1);
	unsigned long index = ubc_arg(regs, UBC_VM_612 + 2);
	struct ubc_comp *comp = ubc_hook_comp();
	long nr = 1;

	if (!comp)
		return 0;
#if UBC_VM_612
	if (ubc_arg(regs, 5))
		nr = 1L << (fls_long(ubc_arg(regs, 5)) - 1);
#elif defined(CONFIG_TRANSPARENT_HUGEPAGE)
	if (ubc_arg(regs, 3) & 1)
		nr = HPAGE_PMD_NR;
#endif
	/* ERR_PTR(-ENOSPC): tmpfs is full */
	return ubc_shm_reserve(inode, comp, index, nr, -ENOSPC);
}

/*
 * 6.1: shmem_mfill_atomic_pte(dst_mm, dst_pmd, dst_vma, dst_addr,
 *	src_addr, zeropage, wp_copy, pagep);
 * 6.12: shmem_mfill_atomic_pte(dst_pmd, dst_vma, dst_addr, src_addr,
 *	flags, foliop).
 * userfaultfd's UFFDIO_COPY/UFFDIO_ZEROPAGE into a VM_SHARED shmem
 * mapping (mm/userfaultfd.c: mfill_atomic_pte()) adds one small page
 * (shmem_alloc_folio()) without shmem_alloc_and_acct_folio(), then calls
 * shmem_recalc_inode(): reserved here like a fault's page, refused with
 * -ENOMEM, which the ioctl returns (uffdio_copy.copy = -ENOMEM).
 *
 * The page pointer pointer is argument 7 on 6.1, on the stack: ubc_arg()
 * reads it there (regs_get_kernel_argument(): n >= 6 is regs->sp[n - 5];
 * both ftrace trampolines set regs->sp to the function's entry stack,
 * at its return address). When copy_from_user() under mmap_lock failed,
 * the body returned -ENOENT with *pagep set (out_unacct_blocks, no
 * recalc: current's reservation on the file is still there) and the
 * caller copies, then calls again with *pagep set: refused then, the
 * page would be left to the caller's BUG_ON(page). Such a retry always
 * passes: it keeps the first attempt's reservation, or, where there is
 * none (the copy's fault added a page to the same file, whose recalc
 * committed it), its one page is forced at recalc (ubc_shm_add()).
 */
static int ubc_shmem_mfill(struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)ubc_arg(regs, 2 - UBC_VM_612);
	unsigned long addr = ubc_arg(regs, 3 - UBC_VM_612);
	void **pagep = (void **)ubc_arg(regs, UBC_VM_612 ? 5 : 7);
	struct ubc_comp *comp = ubc_hook_comp();

	if (!comp || !vma->vm_file)
		return 0;
	if (!pagep || READ_ONCE(*pagep))
		return 0;	/* the retry after -ENOENT (or unreadable) */
	return ubc_shm_reserve(file_inode(vma->vm_file), comp,
			       linear_page_index(vma, addr), 1, -ENOMEM);
}

/*
 * security_inode_alloc(struct inode *inode): inode_init_always(), with
 * i_sb set. A shmem inode a compartment's task creates (tmpfs file, memfd,
 * SysV segment, shared anonymous mapping) gets its account at once, so
 * that its pages are counted even where the allocation gate is missing.
 */
static int ubc_shmem_new(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, 0);
	struct ubc_vm_acct *a;
	unsigned long irq;

	if (!inode->i_sb || inode->i_sb->s_magic != TMPFS_MAGIC)
		return 0;
	a = ubc_acct_get(inode, UBC_ACCT_SHM, true);
	if (a) {
		spin_lock_irqsave(&a->lock, irq);
		if (a->shm_total < 0)
			a->shm_total = 0;	/* a new inode is empty */
		spin_unlock_irqrestore(&a->lock, irq);
	}
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

/*
 * shmem_lock(struct file *file, int lock, struct ucounts *ucounts):
 * SHM_LOCK by a compartment's task is charged to its lockedpages (host:
 * never); SHM_UNLOCK and shm_destroy() return it to whoever paid.
 */
static int ubc_shmem_lock(struct pt_regs *regs)
{
	struct inode *inode = file_inode((struct file *)ubc_arg(regs, 0));
	bool lock = ubc_arg(regs, 1), locked;
	struct ubc_comp *comp = ubc_hook_comp();
	struct ubc_vm_acct *a;
	unsigned long irq;
	long pages;
	int err = 0;

	locked = SHMEM_I(inode)->flags & VM_LOCKED;
	if (lock == locked || (!lock && !ubc_arg(regs, 2)))
		return 0;
	if (lock && !comp)
		return 0;
	a = lock ? ubc_shm_acct(inode) : ubc_acct_get(inode, UBC_ACCT_SHM, false);
	if (!a)
		return 0;
	pages = (i_size_read(inode) + PAGE_SIZE - 1) >> PAGE_SHIFT;
	spin_lock_irqsave(&a->lock, irq);
	if (a->dead) {
		/* nothing to charge or return */
	} else if (!lock) {
		ubc_shm_unlock_pages(a);
	} else if (!a->lock_comp) {
		err = ubc_counter_charge(&comp->res[UBC_LOCKEDPAGES], pages,
					 UBC_BARRIER);
		if (!err) {
			ubc_comp_get(comp);
			a->lock_comp = comp;
			a->lock_pages = pages;
		}
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
	ubc_counter_fail(c, pages, UBC_BARRIER);
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
	{ .symbol = "mmap_region", .fn = ubc_mmap_region },
	{ .symbol = "mprotect_fixup", .fn = ubc_mprotect_fixup },
	{ .symbol = "mlock_fixup", .fn = ubc_mlock_fixup },
	{ .symbol = "shmem_recalc_inode", .fn = ubc_shmem_recalc },
	{ .symbol = "security_inode_alloc", .fn = ubc_shmem_new },
#if !UBC_VM_612
	{ .symbol = "count_vma_pages_range", .fn = ubc_count_vma_pages },
#endif
	{ .symbol = "may_expand_vm", .fn = ubc_may_expand_vm, .gate = true },
	{ .symbol = "copy_semundo", .fn = ubc_fork_reserve_privvm, .gate = true },
	{ .symbol = "apply_vma_lock_flags", .fn = ubc_mlock, .gate = true },
	{ .symbol = "apply_mlockall_flags", .fn = ubc_mlockall, .gate = true },
#if UBC_VM_612
	{ .symbol = "mlock_future_ok", .fn = ubc_lock_future, .gate = true },
#else
	{ .symbol = "mlock_future_check", .fn = ubc_lock_future, .gate = true },
#endif
	{ .symbol = "do_mmap", .fn = ubc_mmap_lock, .gate = true },
	{ .symbol = "check_brk_limits", .fn = ubc_brk_lock, .gate = true },
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
	{ .symbol = "shmem_mfill_atomic_pte", .fn = ubc_shmem_mfill, .gate = true },
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
 * Finding vm_committed_as, which is not exported, without calling through
 * a resolved address. kallsyms_lookup_name() is not exported either, and
 * the address a kprobe gives for it must never be called: on a kernel
 * with CONFIG_X86_KERNEL_IBT (Debian's 6.12) a kprobe's addr points past
 * the function's ENDBR, so an indirect call there faults (#CP) on CET
 * hardware, and QEMU's TCG, which has no CET, cannot show it.
 * Instead: vm_memory_committed() (exported) reads the counter with
 * __percpu_counter_sum(&vm_committed_as) (exported, in both kernels); a
 * kprobe on __percpu_counter_sum() (it is not traceable by ftrace),
 * registered only around that one call, reads the pointer from the
 * argument of this task's call and never calls anything; sprint_symbol()
 * (exported) must then name it exactly "vm_committed_as+0x0/...", or the
 * load fails. Only exported functions are called, directly; the pointer
 * found is data (struct percpu_counter *) and nothing is called through
 * it. The same rule holds in every file of ubc: locksig.c reads kprobe
 * addresses only to compare call sites, kmem.c's kretprobe calls nothing.
 */
static const struct task_struct *ubc_committed_finder;
static struct percpu_counter *ubc_committed_seen;

/* __percpu_counter_sum(struct percpu_counter *fbc): kprobe pre-handler */
/*
 * A kprobe hit through int3 runs as an NMI (in_task() is false there):
 * the task is the filter; sprint_symbol() checks what it read.
 */
static int ubc_percpu_sum(struct kprobe *kp, struct pt_regs *regs)
{
	if (READ_ONCE(ubc_committed_finder) == current && !ubc_committed_seen)
		ubc_committed_seen = (struct percpu_counter *)
			regs_get_kernel_argument(regs, 0);
	return 0;
}

static int ubc_find_committed_as(void)
{
	static const char want[] = "vm_committed_as+0x0/";
	struct kprobe kp = {
		.symbol_name = "__percpu_counter_sum",
		.pre_handler = ubc_percpu_sum,
	};
	char buf[KSYM_SYMBOL_LEN];
	int err;

	ubc_committed_seen = NULL;
	WRITE_ONCE(ubc_committed_finder, current);
	err = register_kprobe(&kp);	/* __percpu_counter_sum is notrace */
	if (!err) {
		vm_memory_committed();
		unregister_kprobe(&kp);
	}
	WRITE_ONCE(ubc_committed_finder, NULL);
	if (err)
		return err;
	if (!ubc_committed_seen)
		return -ENOENT;
	sprint_symbol(buf, (unsigned long)ubc_committed_seen);
	if (strncmp(buf, want, sizeof(want) - 1)) {
		pr_err("vm_memory_committed() read %s, not vm_committed_as\n", buf);
		return -ENOENT;
	}
	ubc_committed_as = ubc_committed_seen;
	return 0;
}

static int ubc_vm_init(void)
{
	unsigned int i;
	int err;

	err = ubc_find_committed_as();
	if (err) {
		pr_err("cannot find vm_committed_as (error %d): vmguarpages needs it\n",
		       err);
		return err;
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

		ubc_vm_opt_ok[i] = !ubc_hooks_prepare_optional(h, 1);
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
			unsigned long irq;

			hlist_del(&a->node);
			spin_lock_irqsave(&a->lock, irq);
			if (a->kind == UBC_ACCT_MM) {
				ubc_acct_set(a, 0, 0);
				ubc_acct_set(a, 1, 0);
			} else {
				ubc_shm_return_all(a);
			}
			spin_unlock_irqrestore(&a->lock, irq);
			if (a->comp)
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
