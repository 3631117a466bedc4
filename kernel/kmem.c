// SPDX-License-Identifier: GPL-2.0
/*
 * kmemsize and dcachesize: the kernel memory a compartment's tasks cause.
 *
 * User-visible semantics:
 *  - kmemsize (bytes) is the kernel memory the kernel itself marks as
 *    caused by a task, memcg's definition: objects of SLAB_ACCOUNT caches
 *    (task_struct, files, dentries, inodes, vm areas, sockets, ...),
 *    kmalloc(..., __GFP_ACCOUNT) (the kmalloc-cg-* caches) and page
 *    allocations with __GFP_ACCOUNT (page tables, pipe buffers, large
 *    kmallocs, vmalloc'ed tables), allocated in task context by a task of
 *    the compartment. An object is charged its cache's object size
 *    (including the slab's per-object metadata), a page allocation
 *    PAGE_SIZE << order. Host tasks and interrupts are never charged;
 *  - dcachesize (bytes) is the part of kmemsize spent on dentries and
 *    inodes: objects of the "dentry" cache and of every cache whose name
 *    ends in "inode_cache" (inode_cache, shmem_inode_cache,
 *    ext4_inode_cache, proc_inode_cache, sock_inode_cache, ...). Long names
 *    (> DNAME_INLINE_LEN) that __d_alloc() kmallocs are kmemsize only;
 *  - an ordinary allocation that would pass the kmemsize barrier (or, for
 *    dentries and inodes, the dcachesize barrier) fails as if the kernel
 *    were out of memory, and the system call returns what the kernel
 *    returns for that failure: open() and mkdir() ENOMEM (the file, the
 *    dentry), pipe() and socket() ENFILE (their inode), mkdir() on tmpfs
 *    ENOSPC when its inode is the refused allocation; failcnt counts one
 *    per refused allocation;
 *  - allocations the kernel cannot fail gracefully are forced: counted,
 *    never refused, so held may pass the barrier and the limit:
 *      * __GFP_NOFAIL: the caller loops forever on failure;
 *      * no __GFP_DIRECT_RECLAIM (GFP_ATOMIC, GFP_NOWAIT): atomic callers
 *        (softirq work done on behalf of a task, under spinlocks) take a
 *        failure as data loss, not as an error a system call can report;
 *      * __GFP_HIGH and PF_MEMALLOC: the kernel's own emergency reserves,
 *        used by reclaim and writeback to make progress;
 *      * a task that is exiting (PF_EXITING) or has a fatal signal
 *        pending: it must be able to die and free what it holds (memcg's
 *        should_force_charge());
 *      * a user page fault (current->in_user_fault): a refused page table
 *        makes the fault return VM_FAULT_OOM, which on 6.1 is retried
 *        forever by pagefault_out_of_memory() outside a memcg OOM;
 *    These are the paths that made upstream give up kmem limits (cgroup v1
 *    memory.kmem.limit_in_bytes, deprecated in 5.16, removed in 6.1).
 *    Kernel-mode faults (copy_to_user into unpopulated memory) are not
 *    marked by the kernel; a refused page table there makes the copy fail
 *    with EFAULT;
 *  - every charge is returned to the compartment that paid it when the
 *    object is freed, by whatever task or context (softirq, RCU callbacks,
 *    kfree_bulk()); once a compartment is destroyed, what it still holds
 *    is handed to the host (see ubc_kmem_reap());
 *  - on a kernel without should_failslab() / should_fail_alloc_page()
 *    (6.12 built without CONFIG_FAILSLAB / CONFIG_FAIL_PAGE_ALLOC, like
 *    Debian's) memcg's charge functions are the gates instead (6.12 only,
 *    and only while memcg kmem accounting is online: a non-root memory
 *    cgroup exists); with neither, both resources are counted but never
 *    refused. The module says which when it loads.
 *
 * Hooks (6.1):
 *  - should_failslab(s, gfp), gate (attached once a finite barrier is set):
 *    slab_pre_alloc_hook(), before every
 *    slab allocation (kmem_cache_alloc*, kmalloc); -ENOMEM makes that
 *    allocation return NULL, which its caller handles like any failed
 *    allocation (the kernel's own error injection, mm/failslab.c);
 *  - should_fail_alloc_page(gfp, order), gate: prepare_alloc_pages() in
 *    __alloc_pages(); true makes the allocation return NULL;
 *  - 6.12 instead: __memcg_slab_post_alloc_hook(s, lru, gfp, size, p) and
 *    __memcg_kmem_charge_page(page, gfp, order), gates, after the
 *    allocation and before its tracepoint: false (resp. -ENOMEM) makes
 *    the allocator free what it got and return NULL (see below); and,
 *    with them, a kretprobe on handle_mm_fault() that tells page faults
 *    apart (ubc_in_user_fault());
 *  - tracepoints kmem:kmalloc, kmem:kmem_cache_alloc (after the
 *    allocation, with the object) charge; kmem:mm_page_alloc charges
 *    pages; the two kmem_cache events come through slabev.c, which
 *    shares their probes with locksig.c;
 *  - tracepoints kmem:kfree, kmem:kmem_cache_free uncharge objects,
 *    kmem:mm_page_free (free_pages_prepare(), every page freed, also
 *    batched and slab pages) uncharges pages and drops what is left of a
 *    freed slab page;
 *  - kmem_cache_free_bulk(s, nr, p), watch: kfree_bulk() (kfree_rcu()
 *    batches) frees objects with no per-object tracepoint.
 * The gates only check room (ubc_counter_check()); the charge is made
 * when the object exists. Two tasks racing for the last bytes may both
 * pass the check: held can pass the barrier by the objects in flight.
 *
 * Tracking (who paid for an object): a hash table keyed by the page frame
 * of the object's slab (or of the charged page). An entry belongs to one
 * compartment (one reference, however many objects) and one slab; it holds
 * the bytes charged per object and one bit per object the slab can hold.
 * See kmem_tracking below for what this costs.
 *
 * Locking: entries and their bitmaps are changed only under the entry's
 * bucket lock (a hashed spinlock, irqsave: objects are freed in any
 * context, hardirq included; the reap work takes it in process context).
 * Bucket locks never nest. Nothing is allocated or freed under a bucket
 * lock: a new entry is allocated (GFP_ATOMIC) before taking it, dead
 * entries are freed after dropping it, so the allocator's own tracepoints
 * never find a bucket lock held on this CPU. A free looks at the bucket
 * head without the lock first: an object is charged before it is handed to
 * anyone who can free it, so its entry is visible to its free. Nothing
 * sleeps; compartment references are put outside the lock.
 */
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "charge.h"
#include "comp.h"
#include "probe.h"
#include "slabev.h"
#include "task.h"
#include "part.h"
#include "kmem.h"
#include "owner.h"

/* ---- struct kmem_cache: flags, size and name, found at load ---- */

/*
 * struct kmem_cache is private to mm/ (<linux/slub_def.h> on 6.1,
 * mm/slab.h on 6.12). ubc needs three fields of it: flags (SLAB_ACCOUNT),
 * size (bytes charged per object) and name (dentry and inode caches). Their
 * offsets are found at load by creating three caches with known properties
 * and looking for the words that differ exactly as they must:
 *  - flags: caches A and B differ only by SLAB_ACCOUNT, A and C share it;
 *  - size: A and B are 200 bytes, C 328: the first word equal in A and B
 *    and 128 more in C;
 *  - name: the first pointer that reads back as each cache's name.
 * Each cache has a constructor, so that none is merged with an existing
 * cache. If any field is not found the module refuses to load.
 */
#define UBC_KC_SCAN	160	/* bytes: every field sought lies before */

static unsigned int ubc_kc_flags_off, ubc_kc_size_off, ubc_kc_name_off;

static inline slab_flags_t ubc_kc_flags(const struct kmem_cache *s)
{
	return *(const slab_flags_t *)((const char *)s + ubc_kc_flags_off);
}

static inline unsigned int ubc_kc_size(const struct kmem_cache *s)
{
	return *(const unsigned int *)((const char *)s + ubc_kc_size_off);
}

static inline const char *ubc_kc_name(const struct kmem_cache *s)
{
	return *(const char *const *)((const char *)s + ubc_kc_name_off);
}

static void ubc_kc_ctor(void *obj)
{
}

static bool ubc_kc_name_at(const struct kmem_cache *s, unsigned int off,
			   const char *name)
{
	const char *p;
	char buf[32];
	size_t len = strlen(name) + 1;

	memcpy(&p, (const char *)s + off, sizeof(p));
	if (len > sizeof(buf) || (unsigned long)p < PAGE_OFFSET ||
	    copy_from_kernel_nofault(buf, p, len))
		return false;
	return !memcmp(buf, name, len);
}

static int ubc_kc_calibrate(void)
{
	static const char *const names[] = {
		"ubc_kmem_calib_a", "ubc_kmem_calib_b", "ubc_kmem_calib_c",
	};
	static const unsigned int sizes[] = { 200, 200, 328 };
	static const slab_flags_t flags[] = { SLAB_ACCOUNT, 0, SLAB_ACCOUNT };
	struct kmem_cache *c[3] = {};
	bool fl = false, sz = false, nm = false;
	unsigned int i, off;
	int err = -ENOMEM;

	for (i = 0; i < 3; i++) {
		c[i] = kmem_cache_create(names[i], sizes[i], 0, flags[i],
					 ubc_kc_ctor);
		if (!c[i])
			goto out;
	}
	for (off = 0; off + sizeof(u32) <= UBC_KC_SCAN; off += sizeof(u32)) {
		u32 a = *(u32 *)((char *)c[0] + off);
		u32 b = *(u32 *)((char *)c[1] + off);
		u32 cc = *(u32 *)((char *)c[2] + off);

		if (!fl && (a ^ b) == (__force u32)SLAB_ACCOUNT && a == cc) {
			ubc_kc_flags_off = off;
			fl = true;
		}
		if (!sz && a == b && a >= 200 && a < 4096 && cc == a + 128) {
			ubc_kc_size_off = off;
			sz = true;
		}
		if (!nm && !(off % sizeof(void *)) &&
		    off + sizeof(void *) <= UBC_KC_SCAN &&
		    ubc_kc_name_at(c[0], off, names[0]) &&
		    ubc_kc_name_at(c[1], off, names[1]) &&
		    ubc_kc_name_at(c[2], off, names[2])) {
			ubc_kc_name_off = off;
			nm = true;
		}
	}
	err = 0;
	if (!fl || !sz || !nm) {
		pr_err("kmem: cannot find %s in this kernel's struct kmem_cache: kmemsize cannot be accounted\n",
		       !fl ? "flags" : !sz ? "size" : "name");
		err = -ENOEXEC;
	}
out:
	for (i = 0; i < 3; i++)
		kmem_cache_destroy(c[i]);	/* NULL is fine */
	return err;
}

static bool ubc_kc_is_dcache(const struct kmem_cache *s)
{
	static const char suffix[] = "inode_cache";
	const char *name = ubc_kc_name(s);
	size_t len;

	if (!name)
		return false;
	if (!strcmp(name, "dentry"))
		return true;
	len = strlen(name);
	return len >= sizeof(suffix) - 1 &&
	       !strcmp(name + len - (sizeof(suffix) - 1), suffix);
}

/* ---- who paid: entries per (page frame, compartment), a bit per object ---- */

/*
 * An entry: the objects of one slab (or one charged page allocation) that
 * one compartment paid for. It holds one reference on the compartment,
 * whatever the number of its objects, the bytes charged per object (the
 * slab's object stride, so object i lies at offset i * size, give or take
 * a left red zone smaller than size) and a bitmap with one bit per object
 * of the slab. Objects of one slab charged to different compartments have
 * one entry each, chained in the same bucket.
 */
struct ubc_kent {
	struct hlist_node node;
	unsigned long pfn;		/* first page frame of the slab or page */
	struct ubc_comp *comp;		/* holds a reference */
	u32 size;			/* bytes charged per object */
	u16 n;				/* objects charged */
	u16 nbits;			/* objects the slab can hold */
	bool dcache;			/* also charged to dcachesize */
	unsigned long map[];		/* charged objects */
};

#define UBC_KHASH_BITS		12
#define UBC_KLOCK_BITS		8

static struct hlist_head *ubc_khash;
static spinlock_t ubc_klock[1 << UBC_KLOCK_BITS];

/*
 * Tracking statistics. ubc_kent_count also lets a free skip the table
 * while nothing is tracked.
 */
static atomic_long_t ubc_kent_count;	/* entries */
static DEFINE_PER_CPU(long, ubc_krec_count);	/* charged objects, pages */
static DEFINE_PER_CPU(long, ubc_kent_bytes);	/* bytes of entries */
static atomic_long_t ubc_kmem_lost;	/* charges not made: no memory */

static long ubc_kstat_sum(long __percpu *v)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(v, cpu);
	return sum;
}

static inline unsigned int ubc_kbucket(unsigned long pfn)
{
	return hash_long(pfn, UBC_KHASH_BITS);
}

static inline spinlock_t *ubc_kbucket_lock(unsigned int b)
{
	return &ubc_klock[b & ((1 << UBC_KLOCK_BITS) - 1)];
}

static size_t ubc_kent_bytes_for(unsigned int nbits)
{
	return kmalloc_size_roundup(struct_size((struct ubc_kent *)NULL, map,
						BITS_TO_LONGS(nbits)));
}

static struct ubc_kent *ubc_kent_alloc(unsigned int nbits)
{
	size_t bytes = ubc_kent_bytes_for(nbits);
	struct ubc_kent *e = kmalloc(bytes, GFP_ATOMIC | __GFP_NOWARN);

	if (!e)
		return NULL;
	e->nbits = nbits;
	e->n = 0;
	bitmap_zero(e->map, nbits);
	this_cpu_add(ubc_kent_bytes, bytes);
	return e;
}

static void ubc_kent_free(struct ubc_kent *e)
{
	if (!e)
		return;
	this_cpu_sub(ubc_kent_bytes, ubc_kent_bytes_for(e->nbits));
	kfree(e);
}

/* Return the charge of @nr objects of @e. Any context, any lock. */
static void ubc_kent_uncharge(const struct ubc_kent *e, unsigned int nr)
{
	long bytes = (long)e->size * nr;

	ubc_counter_uncharge(&e->comp->res[UBC_KMEMSIZE], bytes);
	if (e->dcache)
		ubc_counter_uncharge(&e->comp->res[UBC_DCACHESIZE], bytes);
	this_cpu_sub(ubc_krec_count, nr);
}

/* Unhash a whole entry; the caller uncharges, puts and frees it unlocked. */
static void ubc_kent_unhash(struct ubc_kent *e)
{
	hlist_del(&e->node);
	atomic_long_dec(&ubc_kent_count);
}

static void ubc_kent_release(struct ubc_kent *e)
{
	if (!e)
		return;
	ubc_kent_uncharge(e, e->n);
	ubc_comp_put(e->comp);
	ubc_kent_free(e);
}

/*
 * Clear the bit of the object at @off of @pfn in whichever entry has it;
 * returns the entry if it became empty (then unhashed). Under the lock.
 */
static struct ubc_kent *ubc_kent_clear(unsigned int b, unsigned long pfn,
				       unsigned long off, bool *found)
{
	struct ubc_kent *e;
	unsigned long i;

	lockdep_assert_held(ubc_kbucket_lock(b));
	hlist_for_each_entry(e, &ubc_khash[b], node) {
		if (e->pfn != pfn)
			continue;
		i = off / e->size;
		if (i >= e->nbits || !__test_and_clear_bit(i, e->map))
			continue;
		*found = true;
		ubc_kent_uncharge(e, 1);
		if (--e->n)
			return NULL;
		ubc_kent_unhash(e);
		return e;
	}
	return NULL;
}

/*
 * Charge @comp for an object at @off of the slab (or page) at @pfn, which
 * holds @nbits objects of @size bytes. Forced: the allocation happened; the
 * gate decided before it.
 */
static void ubc_kmem_track(struct ubc_comp *comp, unsigned long pfn,
			   unsigned long off, unsigned int nbits, u32 size,
			   bool dcache)
{
	unsigned int b = ubc_kbucket(pfn), i = off / size;
	struct ubc_kent *e, *mine, *spare = NULL, *dead;
	spinlock_t *lock = ubc_kbucket_lock(b);
	unsigned long flags;
	bool found = false;

	if (i >= nbits || nbits > U16_MAX)
		goto lost;
	for (;;) {
		spin_lock_irqsave(lock, flags);
		/* the same object again means its free was missed */
		dead = ubc_kent_clear(b, pfn, off, &found);
		mine = NULL;
		hlist_for_each_entry(e, &ubc_khash[b], node) {
			if (e->pfn != pfn)
				continue;
			if (e->size != size || e->nbits != nbits) {
				/* a page freed unseen: never mix sizes */
				spin_unlock_irqrestore(lock, flags);
				ubc_kent_release(dead);
				goto lost;
			}
			if (e->comp == comp)
				mine = e;
		}
		if (!mine && spare) {
			mine = spare;
			spare = NULL;
			mine->pfn = pfn;
			mine->comp = comp;
			mine->size = size;
			mine->dcache = dcache;
			ubc_comp_get(comp);
			hlist_add_head(&mine->node, &ubc_khash[b]);
			atomic_long_inc(&ubc_kent_count);
		}
		if (mine)
			break;
		spin_unlock_irqrestore(lock, flags);
		ubc_kent_release(dead);
		spare = ubc_kent_alloc(nbits);
		if (!spare)
			goto lost;
	}
	__set_bit(i, mine->map);
	mine->n++;
	ubc_counter_charge(&comp->res[UBC_KMEMSIZE], size, UBC_FORCE);
	if (dcache)
		ubc_counter_charge(&comp->res[UBC_DCACHESIZE], size, UBC_FORCE);
	this_cpu_inc(ubc_krec_count);
	spin_unlock_irqrestore(lock, flags);
	ubc_kent_release(dead);
	ubc_kent_free(spare);
	return;

lost:
	ubc_kent_free(spare);
	atomic_long_inc(&ubc_kmem_lost);
}

/* Uncharge the object at @off of the slab at @pfn, if it was charged. */
static void ubc_kmem_untrack(unsigned long pfn, unsigned long off)
{
	unsigned int b = ubc_kbucket(pfn);
	spinlock_t *lock = ubc_kbucket_lock(b);
	struct ubc_kent *dead;
	unsigned long flags;
	bool found = false;

	if (!READ_ONCE(ubc_khash[b].first))
		return;
	spin_lock_irqsave(lock, flags);
	dead = ubc_kent_clear(b, pfn, off, &found);
	spin_unlock_irqrestore(lock, flags);
	ubc_kent_release(dead);
}

/*
 * Unhash, under the bucket lock, every entry of bucket @b that @match
 * selects, then release them (uncharge, put) after dropping the lock.
 */
static void ubc_kbucket_drop(unsigned int b,
			     bool (*match)(const struct ubc_kent *e,
					   unsigned long arg),
			     unsigned long arg)
{
	spinlock_t *lock = ubc_kbucket_lock(b);
	struct ubc_kent *e;
	struct hlist_node *tmp;
	unsigned long flags;
	HLIST_HEAD(dead);

	if (!READ_ONCE(ubc_khash[b].first))
		return;
	spin_lock_irqsave(lock, flags);
	hlist_for_each_entry_safe(e, tmp, &ubc_khash[b], node) {
		if (!match(e, arg))
			continue;
		ubc_kent_unhash(e);
		hlist_add_head(&e->node, &dead);
	}
	spin_unlock_irqrestore(lock, flags);
	hlist_for_each_entry_safe(e, tmp, &dead, node)
		ubc_kent_release(e);
}

static bool ubc_kent_of_pfn(const struct ubc_kent *e, unsigned long pfn)
{
	return e->pfn == pfn;
}

/* Drop the entries of @pfn (a page, or a slab page being freed), if any. */
static void ubc_kmem_untrack_page(unsigned long pfn)
{
	ubc_kbucket_drop(ubc_kbucket(pfn), ubc_kent_of_pfn, pfn);
}

/*
 * Kernel caches keep objects long after the task that allocated them is
 * gone: dentries and inodes in the dcache, thread stacks in the per-CPU
 * stack cache, ... Like memcg reparents the charges of a removed cgroup,
 * ubc hands the kmem charges of a destroyed compartment to the host: every
 * UBC_KREAP_MS, entries of dying compartments are uncharged and dropped, so
 * a destroyed compartment does not linger for objects no task of it uses
 * any more. A dying compartment has no tasks, so it gets no new charges.
 */
#define UBC_KREAP_MS	250

static void ubc_kmem_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(ubc_kreap_work, ubc_kmem_reap);

static bool ubc_kent_dying(const struct ubc_kent *e, unsigned long unused)
{
	return READ_ONCE(e->comp->dying);
}

static void ubc_kmem_reap(struct work_struct *work)
{
	unsigned int b;

	for (b = 0; b < (1 << UBC_KHASH_BITS); b++) {
		ubc_kbucket_drop(b, ubc_kent_dying, 0);
		cond_resched();
	}
	schedule_delayed_work(&ubc_kreap_work, msecs_to_jiffies(UBC_KREAP_MS));
}

/* ---- which allocations, which compartment ---- */

/*
 * Is current handling a page fault? A refused allocation there (a page
 * table, an anon_vma) gives VM_FAULT_OOM, and the fault is retried
 * forever. current->in_user_fault, set by handle_mm_fault() for user
 * faults, exists with memcg v1 (6.11 moved it under CONFIG_MEMCG_V1).
 * Without it ubc counts the fault depth itself (the handle_mm_fault()
 * kretprobe below, per compartment task), and current->in_lru_fault
 * (CONFIG_LRU_GEN: every fault on a mapping with recency) also covers a
 * fault that began before the task entered a compartment. With neither
 * field, the gates are not attached at all.
 */
#if defined(CONFIG_MEMCG_V1) || \
	(defined(CONFIG_MEMCG) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0))
#define UBC_KNOWS_USER_FAULT	1
static bool ubc_in_user_fault(void)
{
	return current->in_user_fault;
}
#elif defined(CONFIG_LRU_GEN)
#define UBC_KNOWS_USER_FAULT	1
#define UBC_FAULT_TEST_PARTIAL
static bool ubc_in_user_fault(void)
{
	return current->in_lru_fault || ubc_task_in_fault();
}
#else
#define UBC_KNOWS_USER_FAULT	0
static bool ubc_in_user_fault(void)
{
	return false;
}
#endif

/*
 * With only in_lru_fault, a fault on a MADV_RANDOM or MADV_SEQUENTIAL
 * mapping (databases use them) is not seen: a refused page table there
 * returns VM_FAULT_OOM and the task retries the fault, spinning, until
 * memory is freed or it is killed. Barriers refuse on such a kernel only
 * when the administrator accepts that (kmem_refuse_unsure_faults=1);
 * otherwise kmemsize and dcachesize are counted, never refused.
 */
static bool ubc_kmem_unsure_ok;
module_param_named(kmem_refuse_unsure_faults, ubc_kmem_unsure_ok, bool, 0644);
MODULE_PARM_DESC(kmem_refuse_unsure_faults,
		 "refuse kmemsize/dcachesize although page faults on MADV_RANDOM/MADV_SEQUENTIAL mappings cannot be told apart (kernels without in_user_fault where the handle_mm_fault() probe could not be placed)");

#ifdef UBC_FAULT_TEST_PARTIAL
/*
 * So ubc sees every fault itself: a kretprobe on handle_mm_fault() counts
 * the fault depth of compartment tasks (task.c), attached with the gates.
 * Host tasks take no return instance (the entry handler declines them).
 * Instances run out only with more than UBC_FAULT_MAXACTIVE compartment
 * faults in flight at once; a fault missed so is retried, and the retry
 * is seen.
 */
#define UBC_FAULT_MAXACTIVE	4096

static int ubc_fault_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	void *e = in_task() ? ubc_task_fault_enter() : NULL;

	*(void **)ri->data = e;
	return e ? 0 : 1;	/* 1: no return probe for this call */
}

static int ubc_fault_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	ubc_task_fault_exit(*(void **)ri->data);
	return 0;
}

static struct kretprobe ubc_fault_probe = {
	.kp.symbol_name = "handle_mm_fault",
	.entry_handler = ubc_fault_entry,
	.handler = ubc_fault_return,
	.data_size = sizeof(void *),
	.maxactive = UBC_FAULT_MAXACTIVE,
};
static bool ubc_fault_probed;	/* under ubc_lock; READ_ONCE in hooks */
#endif

/* Do the barriers refuse at all on this kernel, now? */
static bool ubc_kmem_refusing(void)
{
#ifdef UBC_FAULT_TEST_PARTIAL
	return READ_ONCE(ubc_fault_probed) || READ_ONCE(ubc_kmem_unsure_ok);
#else
	return true;
#endif
}

/* Allocations that must not be refused (see the top of this file). */
static bool ubc_kmem_forced(gfp_t gfp)
{
	return !ubc_kmem_refusing() ||
	       (gfp & (__GFP_NOFAIL | __GFP_HIGH)) ||
	       !(gfp & __GFP_DIRECT_RECLAIM) ||
	       (current->flags & (PF_MEMALLOC | PF_EXITING)) ||
	       fatal_signal_pending(current) || ubc_in_user_fault();
}

static inline bool ubc_kc_accounted(const struct kmem_cache *s, gfp_t gfp)
{
	return (gfp & __GFP_ACCOUNT) || (ubc_kc_flags(s) & SLAB_ACCOUNT);
}

/* Is there room for @size more bytes? Counts a refusal in failcnt. */
static bool ubc_kmem_room(struct ubc_comp *comp, long size, bool dcache)
{
	if (ubc_counter_check(&comp->res[UBC_KMEMSIZE], size, UBC_BARRIER))
		return false;
	return !dcache ||
	       !ubc_counter_check(&comp->res[UBC_DCACHESIZE], size, UBC_BARRIER);
}

/*
 * The decisions every gate pair makes (should_fail*() on 6.1, memcg's
 * charge functions on 6.12): refuse @n new objects of @s, resp. a page
 * allocation of @order, for current? A refusal counts in failcnt.
 */
static bool ubc_kmem_refuse_objs(struct kmem_cache *s, gfp_t gfp, long n)
{
	struct ubc_comp *comp;

	if (!ubc_kc_accounted(s, gfp))
		return false;
	comp = ubc_hook_comp();
	if (!comp || ubc_kmem_forced(gfp))
		return false;
	return !ubc_kmem_room(comp, (long)ubc_kc_size(s) * n,
			      ubc_kc_is_dcache(s));
}

static bool ubc_kmem_refuse_pages(gfp_t gfp, unsigned int order)
{
	struct ubc_comp *comp;

	if (!(gfp & __GFP_ACCOUNT))
		return false;
	comp = ubc_hook_comp();
	if (!comp || ubc_kmem_forced(gfp))
		return false;
	return !ubc_kmem_room(comp, PAGE_SIZE << order, false);
}

/* should_failslab(struct kmem_cache *s, gfp_t gfpflags) */
static int ubc_kmem_slab_gate(struct pt_regs *regs)
{
	struct kmem_cache *s = (struct kmem_cache *)ubc_arg(regs, 0);
	gfp_t gfp = (gfp_t)ubc_arg(regs, 1);

	/* then numflock's, which reserves: only for what kmem admits */
	return ubc_kmem_refuse_objs(s, gfp, 1) ||
	       ubc_locksig_slab_refuse(s) ? -ENOMEM : 0;
}

/* should_fail_alloc_page(gfp_t gfp_mask, unsigned int order): true fails */
static int ubc_kmem_page_gate(struct pt_regs *regs)
{
	gfp_t gfp = (gfp_t)ubc_arg(regs, 0);
	unsigned int order = (unsigned int)ubc_arg(regs, 1);

	return ubc_kmem_refuse_pages(gfp, order) ?
		ubc_hook_return(regs, true) : 0;
}

/*
 * 6.12 has neither should_failslab() nor should_fail_alloc_page(). There
 * memcg's own charge functions are the gates: slab_post_alloc_hook() ->
 * memcg_slab_post_alloc_hook() calls __memcg_slab_post_alloc_hook() for
 * every accounted slab allocation (SLAB_ACCOUNT or __GFP_ACCOUNT) once
 * memcg kmem accounting is online (memcg_kmem_online(): some non-root
 * memory cgroup exists, as on every systemd host), and frees the objects
 * when it returns false; __alloc_pages() calls __memcg_kmem_charge_page()
 * for accounted pages and frees the page when it fails. Both run before
 * the allocation's tracepoint, which then reports NULL: nothing is
 * charged. The signatures are 6.12's (checked against its source).
 */
#if defined(CONFIG_MEMCG) && LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define UBC_KMEM_MEMCG_GATES	1

/*
 * __memcg_slab_post_alloc_hook(struct kmem_cache *s, struct list_lru *lru,
 *                              gfp_t flags, size_t size, void **p)
 */
static int ubc_kmem_memcg_slab_gate(struct pt_regs *regs)
{
	struct kmem_cache *s = (struct kmem_cache *)ubc_arg(regs, 0);
	gfp_t gfp = (gfp_t)ubc_arg(regs, 2);
	size_t size = ubc_arg(regs, 3);
	void **p = (void **)ubc_arg(regs, 4);

	if (!size || !p || !*p)
		return 0;	/* the kernel's own answer: nothing to free */
	/* then numflock's, which reserves: only for what kmem admits */
	return ubc_kmem_refuse_objs(s, gfp, size) ||
	       ubc_locksig_slab_refuse(s) ? ubc_hook_return(regs, false) : 0;
}

/* __memcg_kmem_charge_page(struct page *page, gfp_t gfp, int order) */
static int ubc_kmem_memcg_page_gate(struct pt_regs *regs)
{
	gfp_t gfp = (gfp_t)ubc_arg(regs, 1);
	unsigned int order = (unsigned int)ubc_arg(regs, 2);

	return ubc_kmem_refuse_pages(gfp, order) ? -ENOMEM : 0;
}

static bool ubc_kmem_gates_live(void)
{
	return memcg_kmem_online();
}
#else
#define UBC_KMEM_MEMCG_GATES	0
static bool ubc_kmem_gates_live(void)
{
	return true;
}
#endif

/* A new slab object @ptr of @size bytes, accounted, by current. */
static void ubc_kmem_obj_new(const void *ptr, u32 size, bool dcache)
{
	struct ubc_comp *comp = ubc_hook_comp();
	struct folio *folio;
	unsigned long off;

	if (!comp || ZERO_OR_NULL_PTR(ptr))
		return;
	folio = virt_to_folio(ptr);
	if (!folio_test_slab(folio))
		return;		/* a large kmalloc: charged as pages */
	off = (unsigned long)ptr - (unsigned long)folio_address(folio);
	ubc_kmem_track(comp, folio_pfn(folio), off, folio_size(folio) / size + 1,
		       size, dcache);
}

static void ubc_kmem_obj_free(const void *ptr)
{
	struct folio *folio;

	if (ZERO_OR_NULL_PTR(ptr) || !atomic_long_read(&ubc_kent_count))
		return;
	folio = virt_to_folio(ptr);
	if (!folio_test_slab(folio))
		return;		/* a large kmalloc: mm_page_free uncharges */
	ubc_kmem_untrack(folio_pfn(folio),
			 (unsigned long)ptr - (unsigned long)folio_address(folio));
}

/* kmem:kmalloc */
static void ubc_tp_kmalloc(void *data, unsigned long call_site,
			   const void *ptr, size_t bytes_req,
			   size_t bytes_alloc, gfp_t gfp, int node)
{
	if (gfp & __GFP_ACCOUNT)
		ubc_kmem_obj_new(ptr, bytes_alloc, false);
}

/* kmem:kmem_cache_alloc, through slabev.c */
void ubc_kmem_cache_alloc_ev(const void *ptr, struct kmem_cache *s, gfp_t gfp)
{
	if (ptr && ubc_kc_accounted(s, gfp))
		ubc_kmem_obj_new(ptr, ubc_kc_size(s), ubc_kc_is_dcache(s));
}

/* kmem:kfree */
static void ubc_tp_kfree(void *data, unsigned long call_site, const void *ptr)
{
	ubc_kmem_obj_free(ptr);
}

/* kmem:kmem_cache_free, through slabev.c */
void ubc_kmem_cache_free_ev(const void *ptr)
{
	ubc_kmem_obj_free(ptr);
}

/* kmem:mm_page_alloc */
static void ubc_tp_page_alloc(void *data, struct page *page,
			      unsigned int order, gfp_t gfp, int migratetype)
{
	struct ubc_comp *comp;

	if (!page || !(gfp & __GFP_ACCOUNT))
		return;
	comp = ubc_hook_comp();
	if (comp)
		ubc_kmem_track(comp, page_to_pfn(page), 0, 1, PAGE_SIZE << order,
			       false);
}

/* kmem:mm_page_free */
static void ubc_tp_page_free(void *data, struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);

	if (atomic_long_read(&ubc_kent_count))
		ubc_kmem_untrack_page(pfn);
	ubc_owner_page_freed(pfn);	/* the object counts' stale entries */
}

/* kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p) */
static int ubc_kmem_free_bulk(struct pt_regs *regs)
{
	size_t i, n = ubc_arg(regs, 1);
	void **p = (void **)ubc_arg(regs, 2);

	if (!atomic_long_read(&ubc_kent_count))
		return 0;
	for (i = 0; i < n; i++)
		ubc_kmem_obj_free(p[i]);
	return 0;
}

/* ---- tracking statistics ---- */

static bool ubc_kmem_gated;	/* should_failslab() and co. exist */

static int ubc_kmem_tracking_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "entries %ld records %ld bytes %ld lost %ld refuses %d\n",
			  atomic_long_read(&ubc_kent_count),
			  ubc_kstat_sum(&ubc_krec_count),
			  ubc_kstat_sum(&ubc_kent_bytes),
			  atomic_long_read(&ubc_kmem_lost),
			  ubc_kmem_gated && ubc_kmem_gates_live() &&
			  ubc_kmem_refusing());
}

static const struct kernel_param_ops ubc_kmem_tracking_ops = {
	.get = ubc_kmem_tracking_get,
};

/*
 * /sys/module/ubc/parameters/kmem_tracking: "entries E records R bytes B
 * lost L refuses G": E entries, R charged objects (and pages), B bytes of
 * entries as allocated (kmalloc size classes), L charges not made for lack
 * of memory, G 1 if barriers refuse now (the gates exist on this kernel;
 * on 6.12, where they are memcg's, memcg kmem accounting is also online).
 * Tracking costs B / R bytes per charged object, plus the fixed
 * bucket array (8 bytes * 4096).
 */
module_param_cb(kmem_tracking, &ubc_kmem_tracking_ops, NULL, 0444);

/* ---- the part ---- */

/* Frees before allocations: no charge may exist without its free hook. */
static struct ubc_tracepoint ubc_kmem_tps[] = {
	{ .name = "mm_page_free", .probe = ubc_tp_page_free },
	{ .name = "kfree", .probe = ubc_tp_kfree },
	{ .name = "kmalloc", .probe = ubc_tp_kmalloc },
	{ .name = "mm_page_alloc", .probe = ubc_tp_page_alloc },
};

static struct ubc_hook ubc_kmem_watches[] = {
	{ .symbol = "kmem_cache_free_bulk", .fn = ubc_kmem_free_bulk },
};

static struct ubc_hook ubc_kmem_fail_gates[] = {
	{ .symbol = "should_failslab", .fn = ubc_kmem_slab_gate, .gate = true },
	{ .symbol = "should_fail_alloc_page", .fn = ubc_kmem_page_gate, .gate = true },
};

#if UBC_KMEM_MEMCG_GATES
static struct ubc_hook ubc_kmem_memcg_gates[] = {
	{ .symbol = "__memcg_slab_post_alloc_hook", .fn = ubc_kmem_memcg_slab_gate, .gate = true },
	{ .symbol = "__memcg_kmem_charge_page", .fn = ubc_kmem_memcg_page_gate, .gate = true },
};
#endif

/* The gates this kernel has (one of the two pairs), set at init. */
static struct ubc_hook *ubc_kmem_gates;
static unsigned int ubc_kmem_ngates;

static int ubc_kmem_init(void)
{
	unsigned int i;
	int err;

	err = ubc_kc_calibrate();
	if (err)
		return err;
	err = ubc_tracepoints_find(ubc_kmem_tps, ARRAY_SIZE(ubc_kmem_tps));
	if (!err)
		err = ubc_slabev_find();
	if (err)
		return err;
	ubc_khash = kvcalloc(1 << UBC_KHASH_BITS, sizeof(*ubc_khash), GFP_KERNEL);
	if (!ubc_khash)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(ubc_klock); i++)
		spin_lock_init(&ubc_klock[i]);
	err = ubc_hooks_prepare(ubc_kmem_watches, ARRAY_SIZE(ubc_kmem_watches));
	if (err)
		goto err_hash;
	if (!UBC_KNOWS_USER_FAULT) {
		pr_info("kmem: this kernel does not tell user page faults apart (no CONFIG_MEMCG_V1): kmemsize and dcachesize are counted, never refused\n");
		return 0;
	}
	ubc_kmem_gates = ubc_kmem_fail_gates;
	ubc_kmem_ngates = ARRAY_SIZE(ubc_kmem_fail_gates);
	ubc_kmem_gated = !ubc_hooks_prepare_optional(ubc_kmem_gates,
						     ubc_kmem_ngates);
#if UBC_KMEM_MEMCG_GATES
	if (!ubc_kmem_gated) {
		ubc_kmem_gates = ubc_kmem_memcg_gates;
		ubc_kmem_ngates = ARRAY_SIZE(ubc_kmem_memcg_gates);
		ubc_kmem_gated = !ubc_hooks_prepare_optional(ubc_kmem_gates,
							     ubc_kmem_ngates);
		if (ubc_kmem_gated)
			pr_info("kmem: kmemsize and dcachesize refuse through memcg's charge functions: only while memcg kmem accounting is online (a non-root memory cgroup exists)\n");
	}
#endif
	if (!ubc_kmem_gated)
		pr_info("kmem: this kernel has no should_failslab()/should_fail_alloc_page() (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC off) nor memcg charge functions ubc knows: kmemsize and dcachesize are counted, never refused\n");

	return 0;

err_hash:
	kvfree(ubc_khash);
	return err;
}

/*
 * The gates only refuse: while every compartment's kmemsize and dcachesize
 * barriers are unlimited they would cost every slab and page allocation of
 * the machine a full-register ftrace trampoline for nothing. They are
 * attached when a finite barrier is first set (ubc_kmem_want_gates()) and
 * stay until unload. All three flags are under ubc_lock.
 */
static bool ubc_kmem_armed, ubc_kmem_gates_wanted, ubc_kmem_gates_on;

static int ubc_kmem_gates_arm(void)
{
	int err;

	lockdep_assert_held(&ubc_lock);
	if (!ubc_kmem_armed || !ubc_kmem_gated || !ubc_kmem_gates_wanted ||
	    ubc_kmem_gates_on)
		return 0;
#ifdef UBC_FAULT_TEST_PARTIAL
	/* faults are followed before anything can be refused */
	if (!ubc_fault_probed) {
		int perr = register_kretprobe(&ubc_fault_probe);

		if (perr)
			pr_info("kmem: cannot probe handle_mm_fault() (error %d): barriers refuse only with kmem_refuse_unsure_faults=1\n",
				perr);
		WRITE_ONCE(ubc_fault_probed, !perr);
	}
#endif
	err = ubc_hooks_arm(ubc_kmem_gates, ubc_kmem_ngates);
	if (!err)
		ubc_kmem_gates_on = true;
	return err;
}

/* After the gates are gone (ubc_kmem_disarm()). */
static void ubc_kmem_fault_probe_off(void)
{
#ifdef UBC_FAULT_TEST_PARTIAL
	if (ubc_fault_probed) {
		WRITE_ONCE(ubc_fault_probed, false);
		unregister_kretprobe(&ubc_fault_probe);
	}
#endif
}

/* A finite kmemsize or dcachesize barrier was set; under ubc_lock. */
int ubc_kmem_want_gates(void)
{
	lockdep_assert_held(&ubc_lock);
	ubc_kmem_gates_wanted = true;
	return ubc_kmem_gates_arm();
}

static int ubc_kmem_arm(void)
{
	int err;

	err = ubc_hooks_arm(ubc_kmem_watches, ARRAY_SIZE(ubc_kmem_watches));
	if (err)
		return err;
	err = ubc_tracepoints_register(ubc_kmem_tps, ARRAY_SIZE(ubc_kmem_tps));
	if (err)
		goto err_watches;
	/* after kfree: kfree() may free what kmem_cache_alloc() gave */
	err = ubc_slabev_get(UBC_SLABEV_KMEM);
	if (err)
		goto err_tps;
	ubc_kmem_armed = true;
	err = ubc_kmem_gates_arm();
	if (err)
		goto err_slabev;
	schedule_delayed_work(&ubc_kreap_work, msecs_to_jiffies(UBC_KREAP_MS));
	return 0;

err_slabev:
	ubc_kmem_armed = false;
	ubc_slabev_put(UBC_SLABEV_KMEM);
err_tps:
	ubc_tracepoints_unregister(ubc_kmem_tps, ARRAY_SIZE(ubc_kmem_tps));
err_watches:
	ubc_hooks_disarm(ubc_kmem_watches, ARRAY_SIZE(ubc_kmem_watches));
	return err;
}

/* The caller quiesces (ubc_probes_quiesce()) before ubc_kmem_exit(). */
static void ubc_kmem_disarm(void)
{
	cancel_delayed_work_sync(&ubc_kreap_work);
	if (ubc_kmem_gates_on)
		ubc_hooks_disarm(ubc_kmem_gates, ubc_kmem_ngates);
	ubc_kmem_gates_on = false;
	ubc_kmem_fault_probe_off();
	ubc_kmem_armed = false;
	ubc_slabev_put(UBC_SLABEV_KMEM);
	ubc_tracepoints_unregister(ubc_kmem_tps, ARRAY_SIZE(ubc_kmem_tps));
	ubc_hooks_disarm(ubc_kmem_watches, ARRAY_SIZE(ubc_kmem_watches));
}

/*
 * After every hook is gone: return every charge still held (objects stay
 * allocated; they are simply no longer tracked) and free the table.
 */
static void ubc_kmem_exit(void)
{
	unsigned int b;

	if (ubc_kmem_gated)
		ubc_hooks_release(ubc_kmem_gates, ubc_kmem_ngates);
	ubc_hooks_release(ubc_kmem_watches, ARRAY_SIZE(ubc_kmem_watches));
	for (b = 0; b < (1 << UBC_KHASH_BITS); b++) {
		struct hlist_node *tmp;
		struct ubc_kent *e;

		hlist_for_each_entry_safe(e, tmp, &ubc_khash[b], node) {
			ubc_kent_unhash(e);
			ubc_kent_release(e);
		}
	}
	kvfree(ubc_khash);
}

const struct ubc_part ubc_kmem_part = {
	.name = "kmem",
	.init = ubc_kmem_init,
	.arm = ubc_kmem_arm,
	.disarm = ubc_kmem_disarm,
	.exit = ubc_kmem_exit,
};
