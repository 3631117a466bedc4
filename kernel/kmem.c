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
 *  - a user page fault's allocations (page tables, anon_vma) are charged
 *    up to the kmemsize limit, not the barrier; the fault that would pass
 *    the limit is a compartment-local OOM: the faulting process is killed
 *    (SIGKILL), failcnt counts one, and the allocation is refused, which
 *    ends the fault without a retry (see ubc_kmem_fault_oom());
 *  - allocations without direct reclaim (GFP_ATOMIC, GFP_NOWAIT) are
 *    refused at the limit, not the barrier;
 *  - allocations the kernel cannot fail are forced: counted, never
 *    refused, so held may pass the limit by them (the table of forced
 *    kinds and their bounds is in Documentation/kmem.rst):
 *      * __GFP_NOFAIL: the caller loops forever on failure;
 *      * PF_MEMALLOC: reclaim and writeback must make progress;
 *      * a task that is exiting (PF_EXITING) or has a fatal signal
 *        pending: it must be able to die and free what it holds (memcg's
 *        should_force_charge());
 *      * a user fault's allocation without direct reclaim;
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
 *    batches) frees objects with no per-object tracepoint;
 *  - kmem_cache_alloc_bulk(s, gfp, nr, p) and __alloc_pages_bulk(gfp,
 *    ...), watches (with the gates; optional): mark the bulk allocation's
 *    own gate, which then only checks (ubc_kmem_bulk_mark()).
 * The gates reserve (a charge against the bound) and the events commit
 * the reservation to the object, or return it if the allocation failed;
 * a per-task stack matches them (see "Reservations" below), so racing
 * allocations cannot all pass the last bytes. Watches on
 * kmem_cache_alloc_bulk() and __alloc_pages_bulk() mark bulk allocations,
 * whose gates only check (no per-object event would commit).
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
 * sleeps; compartment references are put outside the lock. A task's
 * reservation stack (kmem.h) is touched only by the task itself in task
 * context, and by ubc_kmem_task_release() once the task is gone. The fault
 * OOM sends SIGKILL from a gate (task context, a GFP_KERNEL allocation of
 * a user fault: no spinlock held), taking current's sighand lock.
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

/* Return what a gate reserved (ubc_kmem_reserve()) and no object took. */
static void ubc_kmem_unreserve(struct ubc_comp *comp, long size, bool dcache)
{
	ubc_counter_uncharge(&comp->res[UBC_KMEMSIZE], size);
	if (dcache)
		ubc_counter_uncharge(&comp->res[UBC_DCACHESIZE], size);
}

/*
 * Charge @comp for an object at @off of the slab (or page) at @pfn, which
 * holds @nbits objects of @size bytes. @reserved: the gate reserved the
 * charge (ubc_kmem_reserve()), which this commits; otherwise the charge
 * is forced: the allocation happened, and the gate let it through as a
 * forced kind (see the table in Documentation/kmem.rst).
 */
static void ubc_kmem_track(struct ubc_comp *comp, unsigned long pfn,
			   unsigned long off, unsigned int nbits, u32 size,
			   bool dcache, bool reserved)
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
	if (!reserved) {
		ubc_counter_charge(&comp->res[UBC_KMEMSIZE], size, UBC_FORCE);
		if (dcache)
			ubc_counter_charge(&comp->res[UBC_DCACHESIZE], size,
					   UBC_FORCE);
	}
	this_cpu_inc(ubc_krec_count);
	spin_unlock_irqrestore(lock, flags);
	ubc_kent_release(dead);
	ubc_kent_free(spare);
	return;

lost:
	ubc_kent_free(spare);
	if (reserved)
		ubc_kmem_unreserve(comp, size, dcache);
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
/* ubc_param_host_bool: a writer inside a compartment gets EPERM (main.c) */
module_param_cb(kmem_refuse_unsure_faults, &ubc_param_host_bool,
		&ubc_kmem_unsure_ok, 0644);
MODULE_PARM_DESC(kmem_refuse_unsure_faults,
		 "refuse kmemsize/dcachesize although page faults on MADV_RANDOM/MADV_SEQUENTIAL mappings cannot be told apart (kernels without in_user_fault where the handle_mm_fault() probe could not be placed)");

#ifdef UBC_FAULT_TEST_PARTIAL
/*
 * So ubc sees every fault itself: a kretprobe on handle_mm_fault() counts
 * the fault depth of compartment tasks (task.c), attached with the gates.
 * Host tasks take no return instance (the entry handler declines them).
 * Instances run out only with more than UBC_FAULT_MAXACTIVE compartment
 * faults in flight at once (faults blocked in userfaultfd or FUSE); a
 * fault missed so is not seen, so from the first miss on nothing is
 * refused (ubc_fault_missed()).
 */
#define UBC_FAULT_MAXACTIVE	4096

/*
 * handle_mm_fault(vma, address, flags, regs): user faults only, as 6.1's
 * in_user_fault (FAULT_FLAG_USER); a kernel-mode fault (copy_to_user(),
 * GUP) is refused at the barrier like any allocation.
 */
static int ubc_fault_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	void *e = in_task() && (ubc_arg(regs, 2) & FAULT_FLAG_USER) ?
		  ubc_task_fault_enter() : NULL;

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

/*
 * The handle_mm_fault() kretprobe ran out of instances (nmissed grew): a
 * fault it did not see may be in flight in any compartment task, and
 * refusing its page table would make it spin. From the first miss on,
 * kmemsize and dcachesize are counted, never refused, until the
 * administrator acknowledges the misses (writes kmem_fault_probe_missed,
 * once the faults that blocked are over) or ubc is reloaded.
 */
#ifdef UBC_FAULT_TEST_PARTIAL
static int ubc_fault_missed_acked;	/* nmissed the admin acknowledged */
#endif

static int ubc_fault_missed(void)
{
#ifdef UBC_FAULT_TEST_PARTIAL
	return READ_ONCE(ubc_fault_probe.nmissed);
#else
	return 0;
#endif
}

#ifdef UBC_FAULT_TEST_PARTIAL
/* Misses not acknowledged: refusing is off while there are any. */
static bool ubc_fault_unseen(void)
{
	static int warned;
	int missed = ubc_fault_missed();

	if (missed == READ_ONCE(ubc_fault_missed_acked))
		return false;
	if (READ_ONCE(warned) != missed) {
		WRITE_ONCE(warned, missed);
		pr_warn_ratelimited("kmem: the handle_mm_fault() probe missed %d faults (more than %d in flight): kmemsize and dcachesize are counted, never refused, until kmem_fault_probe_missed is written\n",
				    missed, UBC_FAULT_MAXACTIVE);
	}
	return true;
}
#endif

/* Do the barriers refuse at all on this kernel, now? */
static bool ubc_kmem_refusing(void)
{
#ifdef UBC_FAULT_TEST_PARTIAL
	if (READ_ONCE(ubc_fault_probed))
		return !ubc_fault_unseen();
	return READ_ONCE(ubc_kmem_unsure_ok);
#else
	return true;
#endif
}

/*
 * Allocations that are never refused: the forced kinds of the table in
 * Documentation/kmem.rst. (User faults are not among them any more: they
 * are charged up to the limit, see ubc_kmem_fault_oom().)
 */
static bool ubc_kmem_forced(gfp_t gfp)
{
	return !ubc_kmem_refusing() || (gfp & __GFP_NOFAIL) ||
	       (current->flags & (PF_MEMALLOC | PF_EXITING)) ||
	       fatal_signal_pending(current) ||
	       (!(gfp & __GFP_DIRECT_RECLAIM) && ubc_in_user_fault());
}

/*
 * Which bound an allocation that is not forced is charged against:
 *  - the barrier, for ordinary allocations (a system call fails cleanly);
 *  - the limit for a user page fault (the barrier-to-limit gap absorbs
 *    faults; past the limit, ubc_kmem_fault_oom()) and for allocations
 *    without direct reclaim (GFP_ATOMIC, GFP_NOWAIT: they can fail at any
 *    time, so every caller handles NULL: io_uring's overflow CQEs, sit's
 *    ioctl, ...).
 */
static enum ubc_strict ubc_kmem_bound(gfp_t gfp, bool *fault)
{
	*fault = ubc_in_user_fault();
	return *fault || !(gfp & __GFP_DIRECT_RECLAIM) ? UBC_LIMIT : UBC_BARRIER;
}

static inline bool ubc_kc_accounted(const struct kmem_cache *s, gfp_t gfp)
{
	return (gfp & __GFP_ACCOUNT) || (ubc_kc_flags(s) & SLAB_ACCOUNT);
}

/* Is there room for @size more bytes? Counts a refusal in failcnt. */
static bool ubc_kmem_room(struct ubc_comp *comp, long size, bool dcache,
			  enum ubc_strict strict)
{
	if (ubc_counter_check(&comp->res[UBC_KMEMSIZE], size, strict))
		return false;
	return !dcache ||
	       !ubc_counter_check(&comp->res[UBC_DCACHESIZE], size, strict);
}

/* Reserve @size bytes up to @strict's bound; a refusal counts in failcnt. */
static bool ubc_kmem_reserve(struct ubc_comp *comp, long size, bool dcache,
			     enum ubc_strict strict)
{
	if (ubc_counter_charge(&comp->res[UBC_KMEMSIZE], size, strict))
		return false;
	if (dcache &&
	    ubc_counter_charge(&comp->res[UBC_DCACHESIZE], size, strict)) {
		ubc_counter_uncharge(&comp->res[UBC_KMEMSIZE], size);
		return false;
	}
	return true;
}

/*
 * A user page fault of a compartment task would take kmemsize (or
 * dcachesize) past its limit: a compartment-local OOM, as OpenVZ's
 * per-beancounter OOM. The faulting process is killed (SIGKILL to its
 * thread group, SEND_SIG_PRIV as the OOM killer does, so a pid namespace's
 * init dies too) before the allocation is refused. The refusal makes the
 * fault return VM_FAULT_OOM (mm/memory.c: __pte_alloc(), __pmd_alloc(),
 * anon_vma_prepare() fail with -ENOMEM), and that, from user mode, ends in
 * pagefault_out_of_memory() (arch/x86/mm/fault.c: do_user_addr_fault()),
 * which returns at once since a fatal signal is pending: the task goes
 * back towards user mode, where the signal kills it instead of retrying
 * the fault. Every allocation after the kill is forced (fatal signal):
 * what the dying task still allocates is bounded by one fault's page
 * tables. Host tasks and kernel threads have no compartment and never get
 * here; kernel-mode faults (copy_to_user(), GUP) are not user faults and
 * are refused at the barrier like any allocation (EFAULT, ENOMEM).
 * Task context, sleepable (a GFP_KERNEL fault allocation); takes the
 * target's sighand lock.
 */
static void ubc_kmem_fault_oom(struct ubc_comp *comp)
{
	pr_info_ratelimited("kmem: compartment %u: kmemsize limit reached in a page fault: killing %s (%d)\n",
			    comp->id, current->comm, task_tgid_nr(current));
	send_sig_info(SIGKILL, SEND_SIG_PRIV, current);
}

/*
 * Reservations (finding 5: never check at the gate and charge later). The
 * gate reserves the allocation's bytes (ubc_kmem_reserve()) and pushes an
 * entry on current's reservation stack (struct ubc_kresv, kmem.h, in the
 * task's entry); the allocation's event pops it and commits it to the new
 * object (no second charge), or returns it when the allocation failed
 * after the gate (the allocator can still fail after should_failslab()
 * let it through). Gate and event of one allocation run in the same task;
 * an allocation between them (inside the allocator, in reclaim) has its
 * own gate and event between them: a stack. Interrupts charge nothing and
 * never touch it. An event pops only the top entry, and only if its key
 * (bytes, slab or page) matches, else it charges forced: a mismatch can
 * only let one object be charged on another one's reservation, never
 * charge twice or leak; what is left on the stack when the task goes is
 * returned by ubc_kmem_task_release().
 *
 * Every gate decision for a compartment's accounted allocation pushes one
 * entry: RESERVED (bytes charged), FORCED (a forced kind: the event charges
 * forced) or REFUSED (the allocation fails; its event only pops). A
 * refused page allocation has no event on 6.1 (__alloc_pages() returns
 * before trace_mm_page_alloc()), so nothing is pushed for it there. Bulk
 * allocations have no per-object event: their gates reserve nothing and
 * only check (ubc_kmem_bulk_slab() and co mark them). (A new slab's own
 * page is not accounted: new_slab() keeps only GFP_RECLAIM_MASK and
 * GFP_CONSTRAINT_MASK of the caller's flags.) On 6.12 gate and event are
 * adjacent, so a gate first returns whatever a gate without event
 * (kmem_cache_charge()) left.
 */
enum { UBC_KRESV_RESERVED = 1, UBC_KRESV_FORCED, UBC_KRESV_REFUSED };

#define UBC_KRESV_BULK_SLAB	1
#define UBC_KRESV_BULK_PAGE	2

/*
 * Are the gates memcg's charge functions (6.12), which run after the
 * allocation, right before its event? Set at init. Then nothing nests
 * between a gate and its event, a refused page allocation still reaches
 * trace_mm_page_alloc(), and an entry found on the stack at a gate is
 * stale (kmem_cache_charge(), 6.12's charge of an existing object in
 * inet_csk_accept(), calls the slab gate with no event after it).
 */
static bool ubc_kmem_gates_post;

static void ubc_kresv_push(struct ubc_kresv *r, u32 size, bool page, u8 state,
			   bool dcache)
{
	struct ubc_kresv_ent *e = &r->e[r->n];

	e->size = size;
	e->page = page;
	e->state = state;
	e->dcache = dcache;
	barrier();	/* the entry before its count, for ..._task_release() */
	WRITE_ONCE(r->n, r->n + 1);
}

/* The event of an allocation: its entry's state (0: none matched). */
static u8 ubc_kresv_pop(struct ubc_kresv *r, u32 size, bool page)
{
	struct ubc_kresv_ent *e;

	if (!r->n)
		return 0;
	e = &r->e[r->n - 1];
	if (e->size != size || e->page != page)
		return 0;
	WRITE_ONCE(r->n, r->n - 1);
	return e->state;
}

void ubc_kmem_task_release(struct ubc_kresv *r, struct ubc_comp *comp)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->e[i].state == UBC_KRESV_RESERVED)
			ubc_kmem_unreserve(comp, r->e[i].size, r->e[i].dcache);
	r->n = 0;
}

/*
 * The gate of one accounted allocation of @size bytes by a compartment
 * task: reserve, or refuse (true; counted in failcnt).
 */
static bool ubc_kmem_gate(struct ubc_comp *comp, struct ubc_kresv *r,
			  gfp_t gfp, long size, bool dcache, bool page)
{
	u8 bulk = page ? UBC_KRESV_BULK_PAGE : UBC_KRESV_BULK_SLAB;
	bool fault, check_only = false;
	enum ubc_strict strict;
	u8 state;

	if (ubc_kmem_gates_post && r->n)
		ubc_kmem_task_release(r, comp);	/* stale: see above */
	if (r->bulk & bulk) {
		r->bulk &= ~bulk;
		check_only = true;	/* no event will commit it */
	}
	if (r->n == UBC_KRESV_DEPTH || size > U32_MAX)
		check_only = true;
	if (ubc_kmem_forced(gfp)) {
		if (check_only)
			return false;
		state = UBC_KRESV_FORCED;
		goto push;
	}
	strict = ubc_kmem_bound(gfp, &fault);
	if (check_only) {
		if (ubc_kmem_room(comp, size, dcache, strict))
			return false;
		if (fault)
			ubc_kmem_fault_oom(comp);
		return true;
	}
	if (ubc_kmem_reserve(comp, size, dcache, strict)) {
		state = UBC_KRESV_RESERVED;
	} else {
		if (fault)
			ubc_kmem_fault_oom(comp);
		if (page && !ubc_kmem_gates_post)
			return true;
		state = UBC_KRESV_REFUSED;
	}
push:
	ubc_kresv_push(r, size, page, state, dcache);
	return state == UBC_KRESV_REFUSED;
}

/*
 * The decisions every gate pair makes (should_fail*() on 6.1, memcg's
 * charge functions on 6.12): refuse @n new objects of @s, resp. a page
 * allocation of @order, for current? A refusal counts in failcnt.
 */
static bool ubc_kmem_refuse_objs(struct kmem_cache *s, gfp_t gfp, long n)
{
	struct ubc_kresv *r;
	struct ubc_comp *comp;

	if (!ubc_kc_accounted(s, gfp))
		return false;
	comp = ubc_hook_comp_kresv(&r);
	if (!comp)
		return false;
	if (n > 1)	/* 6.12's bulk allocation: no per-object event */
		r->bulk |= UBC_KRESV_BULK_SLAB;
	return ubc_kmem_gate(comp, r, gfp, (long)ubc_kc_size(s) * n,
			     ubc_kc_is_dcache(s), false);
}

static bool ubc_kmem_refuse_pages(gfp_t gfp, unsigned int order)
{
	struct ubc_kresv *r;
	struct ubc_comp *comp;

	if (!(gfp & __GFP_ACCOUNT))
		return false;
	comp = ubc_hook_comp_kresv(&r);
	if (!comp)
		return false;
	return ubc_kmem_gate(comp, r, gfp, PAGE_SIZE << order, false, true);
}

/*
 * kmem_cache_alloc_bulk(s, gfp, size, p) and __alloc_pages_bulk(gfp, ...),
 * watches: the next gate of current of that kind is the bulk allocation's
 * own (should_failslab() is the first thing kmem_cache_alloc_bulk() does;
 * 6.12's memcg gate comes after its objects, none of which is accounted
 * page by page), which reserves nothing. A mark left when no gate follows
 * (an unaccounted cache on 6.12, a bulk request served without the bulk
 * path) turns the next gate into a check: one forced charge, no leak.
 */
static void ubc_kmem_bulk_mark(u8 bulk)
{
	struct ubc_kresv *r;

	if (ubc_hook_comp_kresv(&r))
		r->bulk |= bulk;
}

static int ubc_kmem_bulk_slab(struct pt_regs *regs)
{
	struct kmem_cache *s = (struct kmem_cache *)ubc_arg(regs, 0);

	if (ubc_kc_accounted(s, (gfp_t)ubc_arg(regs, 1)))
		ubc_kmem_bulk_mark(UBC_KRESV_BULK_SLAB);
	return 0;
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
/*
 * __alloc_pages_bulk(gfp, preferred_nid, nodemask, nr_pages, page_list,
 * page_array): with memcg kmem accounting on, an accounted request goes
 * page by page through __alloc_pages() (which has its events), and so
 * does a request for one page: no mark then. (6.12's page gate is memcg's
 * own charge function, which the bulk path never calls.)
 */
static int ubc_kmem_bulk_page(struct pt_regs *regs)
{
	if (((gfp_t)ubc_arg(regs, 0) & __GFP_ACCOUNT) &&
	    !memcg_kmem_enabled() && (int)ubc_arg(regs, 3) > 1)
		ubc_kmem_bulk_mark(UBC_KRESV_BULK_PAGE);
	return 0;
}
#endif

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

/*
 * A new slab object @ptr (NULL: the allocation failed) of @size bytes,
 * accounted, by current: commit the gate's reservation, or charge forced.
 */
static void ubc_kmem_obj_new(const void *ptr, u32 size, bool dcache)
{
	struct ubc_kresv *r;
	struct ubc_comp *comp = ubc_hook_comp_kresv(&r);
	struct folio *folio;
	unsigned long off;
	u8 state;

	if (!comp)
		return;
	state = ubc_kresv_pop(r, size, false);
	if (ZERO_OR_NULL_PTR(ptr))
		goto unreserve;
	folio = virt_to_folio(ptr);
	if (!folio_test_slab(folio))
		goto unreserve;
	off = (unsigned long)ptr - (unsigned long)folio_address(folio);
	ubc_kmem_track(comp, folio_pfn(folio), off, folio_size(folio) / size + 1,
		       size, dcache, state == UBC_KRESV_RESERVED);
	return;

unreserve:
	if (state == UBC_KRESV_RESERVED)
		ubc_kmem_unreserve(comp, size, dcache);
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
	if (!(gfp & __GFP_ACCOUNT))
		return;
	/*
	 * A large kmalloc (kmalloc_large(): pages, no slab gate) was charged
	 * as pages; its event must not pop a slab reservation. Large ones
	 * are at least 2 * KMALLOC_MAX_CACHE_SIZE, every kmalloc cache less.
	 */
	if (ptr ? !folio_test_slab(virt_to_folio(ptr)) :
		  bytes_alloc >= 2 * KMALLOC_MAX_CACHE_SIZE)
		return;
	ubc_kmem_obj_new(ptr, bytes_alloc, false);
}

/* kmem:kmem_cache_alloc, through slabev.c */
void ubc_kmem_cache_alloc_ev(const void *ptr, struct kmem_cache *s, gfp_t gfp)
{
	if (ubc_kc_accounted(s, gfp))
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
	u32 size = PAGE_SIZE << order;
	struct ubc_kresv *r;
	struct ubc_comp *comp;
	u8 state;

	if (!(gfp & __GFP_ACCOUNT))
		return;
	comp = ubc_hook_comp_kresv(&r);
	if (!comp)
		return;
	state = ubc_kresv_pop(r, size, true);
	if (page)
		ubc_kmem_track(comp, page_to_pfn(page), 0, 1, size, false,
			       state == UBC_KRESV_RESERVED);
	else if (state == UBC_KRESV_RESERVED)
		ubc_kmem_unreserve(comp, size, false);
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

/*
 * /sys/module/ubc/parameters/kmem_tracked (host root only): for every
 * compartment with tracked objects, "ID KMEMSIZE DCACHESIZE": the bytes its
 * records hold (at most UBC_KTRACKED_MAX compartments, then "..."). Once a
 * compartment has no task (no reservation in flight), its kmemsize and
 * dcachesize held equal these exactly: every charge has a record that its
 * free (or the destroy's reap) returns. What stays after the tasks are
 * gone is objects the kernel still caches (dentries and inodes of /proc,
 * page-cache tree nodes, ...), which a destroy hands to the host.
 * Walks the whole table under each bucket lock in turn: a few ms.
 */
#define UBC_KTRACKED_MAX	64

static int ubc_kmem_tracked_get(char *buf, const struct kernel_param *kp)
{
	struct { u32 id; long kmem, dcache; } *t;
	unsigned int b, i, nt = 0;
	bool more = false;
	int len = 0;

	if (!capable(CAP_SYS_ADMIN) || ubc_current_id())
		return -EPERM;
	t = kcalloc(UBC_KTRACKED_MAX, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (b = 0; b < (1 << UBC_KHASH_BITS); b++) {
		spinlock_t *lock = ubc_kbucket_lock(b);
		struct ubc_kent *e;
		unsigned long flags;

		if (!READ_ONCE(ubc_khash[b].first))
			continue;
		spin_lock_irqsave(lock, flags);
		hlist_for_each_entry(e, &ubc_khash[b], node) {
			long bytes = (long)e->size * e->n;

			for (i = 0; i < nt && t[i].id != e->comp->id; i++)
				;
			if (i == nt) {
				if (nt == UBC_KTRACKED_MAX) {
					more = true;
					continue;
				}
				t[nt++].id = e->comp->id;
			}
			t[i].kmem += bytes;
			if (e->dcache)
				t[i].dcache += bytes;
		}
		spin_unlock_irqrestore(lock, flags);
		cond_resched();
	}
	for (i = 0; i < nt; i++)
		len += sysfs_emit_at(buf, len, "%u %ld %ld\n", t[i].id,
				     t[i].kmem, t[i].dcache);
	if (more)
		len += sysfs_emit_at(buf, len, "...\n");
	kfree(t);
	return len;
}

static const struct kernel_param_ops ubc_kmem_tracked_ops = {
	.get = ubc_kmem_tracked_get,
};

module_param_cb(kmem_tracked, &ubc_kmem_tracked_ops, NULL, 0400);

static int ubc_kmem_fault_missed_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", ubc_fault_missed());
}

/* Any write acknowledges the misses so far; host administrators only. */
static int ubc_kmem_fault_missed_set(const char *val,
				     const struct kernel_param *kp)
{
	if (!capable(CAP_SYS_ADMIN) || ubc_current_id())
		return -EPERM;
#ifdef UBC_FAULT_TEST_PARTIAL
	WRITE_ONCE(ubc_fault_missed_acked, ubc_fault_missed());
#endif
	return 0;
}

static const struct kernel_param_ops ubc_kmem_fault_missed_ops = {
	.get = ubc_kmem_fault_missed_get,
	.set = ubc_kmem_fault_missed_set,
};

/*
 * /sys/module/ubc/parameters/kmem_fault_probe_missed: page faults the
 * handle_mm_fault() kretprobe (6.12) could not follow, its nmissed since
 * it was attached; 0 where faults need no probe (6.1). While misses are
 * not acknowledged, kmemsize and dcachesize are counted, never refused
 * (ubc_fault_unseen()), and kmem_tracking shows "refuses 0"; writing
 * anything (host root, once the blocked faults are over) acknowledges
 * them and refusal resumes.
 */
module_param_cb(kmem_fault_probe_missed, &ubc_kmem_fault_missed_ops, NULL, 0644);

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

/*
 * Bulk allocations (see ubc_kmem_bulk_mark()), armed with the gates; each
 * optional: without it, a bulk allocation's gate reserves as for one
 * object and the reservation waits on the task's stack for a matching
 * event, or for the task's end (ubc_kmem_task_release()).
 */
static struct ubc_hook ubc_kmem_bulk_watches[] = {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	{ .symbol = "kmem_cache_alloc_bulk_noprof", .fn = ubc_kmem_bulk_slab },
#else
	{ .symbol = "kmem_cache_alloc_bulk", .fn = ubc_kmem_bulk_slab },
	{ .symbol = "__alloc_pages_bulk", .fn = ubc_kmem_bulk_page },
#endif
};
static bool ubc_kmem_bulk_ok[ARRAY_SIZE(ubc_kmem_bulk_watches)];

static void ubc_kmem_bulk_prepare(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ubc_kmem_bulk_watches); i++) {
		ubc_kmem_bulk_ok[i] =
			!ubc_hooks_prepare_optional(&ubc_kmem_bulk_watches[i], 1);
		if (!ubc_kmem_bulk_ok[i])
			pr_info("kmem: cannot watch %s(): its gates reserve as for one object\n",
				ubc_kmem_bulk_watches[i].symbol);
	}
}

static void ubc_kmem_bulk_disarm(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ubc_kmem_bulk_watches); i++)
		if (ubc_kmem_bulk_ok[i])
			ubc_hooks_disarm(&ubc_kmem_bulk_watches[i], 1);
}

static int ubc_kmem_bulk_arm(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(ubc_kmem_bulk_watches); i++) {
		if (!ubc_kmem_bulk_ok[i])
			continue;
		err = ubc_hooks_arm(&ubc_kmem_bulk_watches[i], 1);
		if (err) {
			while (i--)
				if (ubc_kmem_bulk_ok[i])
					ubc_hooks_disarm(&ubc_kmem_bulk_watches[i], 1);
			return err;
		}
	}
	return 0;
}

static void ubc_kmem_bulk_release(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ubc_kmem_bulk_watches); i++)
		if (ubc_kmem_bulk_ok[i])
			ubc_hooks_release(&ubc_kmem_bulk_watches[i], 1);
}

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
		ubc_kmem_gates_post = ubc_kmem_gated;
	}
#endif
	if (ubc_kmem_gated)
		ubc_kmem_bulk_prepare();
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
		int perr;

		WRITE_ONCE(ubc_fault_missed_acked, 0);	/* nmissed restarts */
		perr = register_kretprobe(&ubc_fault_probe);

		if (perr)
			pr_info("kmem: cannot probe handle_mm_fault() (error %d): barriers refuse only with kmem_refuse_unsure_faults=1\n",
				perr);
		WRITE_ONCE(ubc_fault_probed, !perr);
	}
#endif
	/* bulk marks before the gates that consume them */
	err = ubc_kmem_bulk_arm();
	if (err)
		return err;
	err = ubc_hooks_arm(ubc_kmem_gates, ubc_kmem_ngates);
	if (err) {
		ubc_kmem_bulk_disarm();
		return err;
	}
	ubc_kmem_gates_on = true;
	return 0;
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
	if (ubc_kmem_gates_on) {
		ubc_hooks_disarm(ubc_kmem_gates, ubc_kmem_ngates);
		ubc_kmem_bulk_disarm();
	}
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

	if (ubc_kmem_gated) {
		ubc_hooks_release(ubc_kmem_gates, ubc_kmem_ngates);
		ubc_kmem_bulk_release();
	}
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
