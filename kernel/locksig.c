// SPDX-License-Identifier: GPL-2.0
/*
 * numflock (10) and numsiginfo (12): file lock structures and queued
 * signal information.
 *
 * User-visible semantics:
 *  - numflock: every struct file_lock a compartment's task allocates is
 *    charged one until it is freed, whoever frees it: the lock records of
 *    flock(2), fcntl(2) POSIX and OFD locks (F_SETLK, F_SETLKW,
 *    F_OFD_SETLK, F_OFD_SETLKW), the spare records posix_lock_inode()
 *    preallocates inside one lock call (returned before the call returns),
 *    and on 6.1 lease records (they come from the same allocator; on 6.12
 *    leases have their own cache and are not counted). Not counted, as in
 *    OpenVZ: the request structure of an fcntl() lock call (fcntl_setlk(),
 *    fcntl_getlk()), one per call in flight, freed before it returns;
 *  - the limit is a ceiling: a counted allocation that would pass it is
 *    refused in the allocator (kmem.c's slab gates call
 *    ubc_locksig_slab_refuse()), which the kernel handles: ENOLCK from
 *    posix_lock_inode() (a split, a new lock) and ENOMEM from
 *    flock_lock_inode(), fcntl_getlk(), lease_alloc();
 *  - a new lock request (flock(), fcntl() lock that is not F_UNLCK,
 *    F_SETLEASE) fails with ENOLCK at the barrier: a lock's record is
 *    reserved at the check (held + 1 > barrier refuses) and its allocation
 *    takes the unit over, so racers cannot pass the barrier together; a
 *    lease's record exists already and is tested against the barrier. At
 *    barrier B a task holds B locks. Unlocking a whole file, close() and
 *    exit allocate nothing and are never refused;
 *  - the barrier-to-limit gap absorbs the spares and split records of
 *    accepted calls; past the limit a split fails with ENOLCK;
 *  - forced, only without the slab gate (6.12: filelock_cache is not
 *    SLAB_ACCOUNT since the 5.16 revert, so memcg's hook never sees it,
 *    and Debian's 6.12 has no should_failslab(); or a missed hook): records
 *    are charged as they come, new locks still reserve at the barrier, and
 *    fcntl() unlocks (not flock(LOCK_UN)) are refused with ENOLCK once
 *    held reached the limit,
 *    so held passes the limit by what the calls in flight allocate beyond
 *    that: two records per fcntl() lock call (numflock_forced says so);
 *  - numsiginfo: every queued siginfo (struct sigqueue) allocated while a
 *    compartment's task sends a signal is charged to the sender's
 *    compartment until the sigqueue is freed, by whoever dequeues or
 *    flushes it (the receiver, exit, a SIGCONT flushing stop signals,
 *    sigprocmask/sigaction discarding ignored signals);
 *  - real-time signals sent with sigqueue(3), rt_sigqueueinfo(2),
 *    rt_tgsigqueueinfo(2), pidfd_send_signal() with a siginfo, mq_notify,
 *    fcntl(F_SETSIG) I/O signals and timer_create(2) (the timer's
 *    preallocated sigqueue, charged from timer_create() until
 *    timer_delete() or exit) fail with EAGAIN once one more would pass the
 *    barrier; kill(2) of a real-time signal (SI_USER) still delivers the
 *    signal, without its information, as the kernel does at
 *    RLIMIT_SIGPENDING;
 *  - classic signals (below SIGRTMIN) from kill(2) or the kernel (si_code
 *    >= 0, the kernel's override_rlimit) are refused only past the limit
 *    (the kernel never refuses them for RLIMIT_SIGPENDING either); those
 *    with a negative si_code (sigqueue, tgkill) at the barrier; a refused
 *    one is still delivered, with si_code SI_USER and no sender (si_pid 0);
 *    a real-time one from tgkill fails with EAGAIN;
 *  - signals sent from interrupt context charge nothing (no sender), nor
 *    do signals host tasks send; SIGKILL and signals to kernel threads
 *    allocate no siginfo.
 *  - numsiginfo's gate reserves one unit for the sigqueue it admits, so
 *    concurrent senders (each under its own target's siglock) cannot pass
 *    the bound together; a reservation the kernel leaves unused (it
 *    refused for RLIMIT_SIGPENDING itself) stays with the task, reused by
 *    its next signal, returned when the task is freed.
 *  Each refusal adds exactly one to failcnt.
 *
 * Hooks (6.1; the same functions and events exist on 6.12):
 *  - security_file_lock(file, cmd), gate: flock(2) (SYSCALL flock, with its
 *    request on the stack), do_lock_file_wait() (fcntl_setlk(), every
 *    POSIX and OFD lock) and generic_setlease(); all return its error to
 *    user space, before touching any lock list; cmd is F_RDLCK, F_WRLCK or
 *    F_UNLCK (refused only without the slab gate, at the limit); reserves
 *    the lock's record (task.c) or tests the lease's;
 *  - should_failslab() (6.1) / __memcg_slab_post_alloc_hook() (6.12):
 *    kmem.c's gates, which call ubc_locksig_slab_refuse() for what kmem
 *    admits: a counted file_lock reserves one unit at the limit (or takes
 *    the barrier reservation above), else the allocation returns NULL;
 *  - __sigqueue_alloc(sig, t, gfp, override_rlimit, flags), gate (static
 *    in kernel/signal.c, not inlined on the supported kernels; the load
 *    fails if it is missing): reserves one unit (task.c) or returns NULL,
 *    the failure it has when RLIMIT_SIGPENDING or memory runs out;
 *    __send_signal_locked() then returns -EAGAIN for an rt signal with a
 *    non-SI_USER siginfo, or delivers the signal without information
 *    otherwise; sigqueue_alloc() (posix timers) makes timer_create() fail
 *    with EAGAIN;
 *  - kmem:kmem_cache_alloc, tracepoint (its probe is shared with kmem.c,
 *    slabev.c): commits the gate's reservation to the new object (no
 *    second charge), or returns it when the allocation failed after the
 *    gate (the event reports NULL; 6.1 and 6.12 both emit it then). A sigqueue is recognised by the call site, which lies in
 *    __sigqueue_alloc() (the only allocator of sigqueue_cachep; its code
 *    range is resolved at load: register_kprobe() gives the address,
 *    sprint_symbol() the size; nothing is called through them), and the
 *    sigqueue cache is learnt from the first one (SLUB merges it with
 *    other caches of its size: the cache alone would not do). A file_lock
 *    is recognised by its cache and a call site in fs/locks.c:
 *    locks_alloc_lock() is inlined into its callers there, so the call
 *    site alone does not name it, and filelock_cache is merged with
 *    unrelated caches on 6.12 (aio_kiocb, rtable, ...), so the cache
 *    alone does not either. filelock_cache is found at load by allocating
 *    one lock with locks_alloc_lock() (exported) under a temporary probe;
 *    the span of fs/locks.c from the functions kallsyms knows there.
 *    Both tests cost a few compares per event;
 *  - kmem:kmem_cache_free, tracepoint: the uncharge. 6.1 and 6.12 both
 *    pass the struct kmem_cache *; it is compared with the two learnt cache
 *    pointers before any lookup. The event fires before the object returns
 *    to the allocator, so its address cannot be reused and charged again
 *    before the uncharge. Every free of a sigqueue (the inlined
 *    __sigqueue_free()) and of a file_lock (locks_free_lock(), and on 6.1
 *    lease_free paths through it) goes through kmem_cache_free(): no free
 *    can be missed. An allocation the charge misses (no memory for the
 *    owner entry) is only an undercount: its free finds no entry.
 *
 * Ownership and locking:
 *  - both charges live in the owner table (owner.c), keyed by the object.
 *    file_lock structures are allocated (GFP_KERNEL) in task context;
 *    sigqueues are allocated in task context under the target's siglock
 *    with interrupts disabled, and freed under it or in hard interrupt
 *    context (a posix timer's SIGCONT flushing queued stop signals from
 *    the hrtimer): owner.c's slab store takes its locks with interrupts
 *    saved and disabled and allocates GFP_ATOMIC, which allows both.
 *  - every hook runs with preemption disabled (ftrace callbacks, tracepoint
 *    probes) and nothing here sleeps or takes a lock of its own.
 *  - reservations are per task (task.c: a bit per resource in the task's
 *    entry, changed by the task itself from hooks): the gate and the
 *    allocation event run in the same task and call, but the allocation
 *    may sleep and migrate (GFP_KERNEL: sigqueue_alloc(), every
 *    locks_alloc_lock()), so a per-CPU slot would not do; at most one
 *    unit per resource and task (a call allocates its records one after
 *    the other).
 *  - at unload the hooks are removed and quiesced first; the owner table
 *    is then drained by the objects part (exits after this one). Objects
 *    still alive are simply forgotten.
 */
#include <linux/fcntl.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/tracepoint.h>
#if __has_include(<linux/filelock.h>)
#include <linux/filelock.h>	/* 6.9+: locks_alloc_lock() moved here */
#endif

#include "owner.h"
#include "part.h"
#include "probe.h"
#include "slabev.h"
#include "task.h"

/* ---- which allocations count: call sites and caches ---- */

struct ubc_code_range {
	const char *symbol;
	unsigned long start;
	unsigned long size;
};

static struct ubc_code_range ubc_sigq_allocator = { .symbol = "__sigqueue_alloc" };

/*
 * filelock_cache, found at load; sigqueue_cachep, learnt from the first
 * counted allocation. Neither changes afterwards.
 */
static const struct kmem_cache *ubc_flock_cache;
static const struct kmem_cache *ubc_sigq_cache;

static bool ubc_in_range(const struct ubc_code_range *r, unsigned long ip)
{
	return ip - r->start < r->size;
}

/*
 * Where a kernel function that need not be exported lies: kprobes resolve
 * names (the probes are registered disabled, never armed, and only read
 * for their address, which may point past an ENDBR); sprint_symbol() says
 * where an address lies ("name+0xoff/0xsize"). Resolves @n ranges; those
 * whose function this kernel lacks (e.g. inlined) get size 0. Returns how
 * many were found.
 */
static unsigned int ubc_code_ranges_find(struct ubc_code_range *r,
					 unsigned int n)
{
	struct kprobe *kps, **reg;
	unsigned int i, nreg = 0, found = 0;

	kps = kcalloc(n, sizeof(*kps), GFP_KERNEL);
	reg = kcalloc(n, sizeof(*reg), GFP_KERNEL);
	if (!kps || !reg)
		goto out;
	for (i = 0; i < n; i++) {
		r[i].start = r[i].size = 0;
		kps[i].symbol_name = r[i].symbol;
		kps[i].flags = KPROBE_FLAG_DISABLED;
		if (!register_kprobe(&kps[i]))
			reg[nreg++] = &kps[i];
	}
	if (nreg)
		unregister_kprobes(reg, nreg);
	for (i = 0; i < n; i++) {
		unsigned long addr = (unsigned long)kps[i].addr, off, size;
		char buf[KSYM_SYMBOL_LEN], *plus;

		if (!addr)
			continue;
		sprint_symbol(buf, addr);
		plus = strrchr(buf, '+');
		if (!plus || (size_t)(plus - buf) != strlen(r[i].symbol) ||
		    strncmp(buf, r[i].symbol, plus - buf) ||
		    sscanf(plus, "+%lx/%lx", &off, &size) != 2 || off >= size) {
			pr_warn("cannot locate %s (kallsyms says %s)\n",
				r[i].symbol, buf);
			continue;
		}
		r[i].start = addr - off;
		r[i].size = size;
		found++;
	}
out:
	kfree(reg);
	kfree(kps);
	return found;
}

/*
 * Code of fs/locks.c, the only file that allocates from filelock_cache:
 * the span of the functions below that this kernel has (the first ones
 * are exported and always there; the static ones extend the span when the
 * compiler kept them). A translation unit's text is contiguous, so the
 * span holds fs/locks.c code only. SLUB may merge filelock_cache with
 * other caches of its size (on 6.12 with aio_kiocb, rtable, inet_peer,
 * skbuff_ext_cache, ...): an allocation counts as a file_lock only when
 * both its cache and its call site match.
 */
static const char *const ubc_flock_code_symbols[] = {
	"locks_alloc_lock", "locks_release_private", "posix_test_lock",
	"posix_lock_file", "generic_setlease", "locks_lock_inode_wait",
	"vfs_lock_file", "locks_remove_posix", "vfs_cancel_lock",
	"vfs_inode_has_locks",
	/* static or not exported, when not inlined */
	"lease_alloc", "flock_lock_inode", "posix_lock_inode", "fcntl_setlk",
	"fcntl_setlk64", "fcntl_getlk", "fcntl_getlk64", "locks_remove_file",
};

static struct ubc_code_range ubc_flock_code = { .symbol = "fs/locks.c" };

static int ubc_flock_code_find(void)
{
	struct ubc_code_range r[ARRAY_SIZE(ubc_flock_code_symbols)];
	unsigned long start = ULONG_MAX, end = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r); i++)
		r[i].symbol = ubc_flock_code_symbols[i];
	ubc_code_ranges_find(r, ARRAY_SIZE(r));
	if (!r[0].size) {
		pr_err("cannot find %s: this kernel lacks a function ubc needs\n",
		       r[0].symbol);
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		if (!r[i].size)
			continue;
		start = min(start, r[i].start);
		end = max(end, r[i].start + r[i].size);
	}
	ubc_flock_code.start = start;
	ubc_flock_code.size = end - start;
	return 0;
}

static void ubc_learn_cache(const struct kmem_cache **slot,
			    const struct kmem_cache *s)
{
	if (READ_ONCE(*slot) != s)
		WRITE_ONCE(*slot, s);
}

/*
 * The cache of struct file_lock. locks_alloc_lock() is exported but the
 * compiler inlines it into its callers in fs/locks.c, so its call sites
 * cannot be recognised: the cache is. Found by allocating one lock here
 * while a temporary probe notes what this task allocates.
 */
static struct task_struct *ubc_flock_learner;
static const void *ubc_flock_learnt_obj;
static const struct kmem_cache *ubc_flock_learnt_cache;

static void ubc_flock_learn_probe(void *data, unsigned long call_site,
				  const void *ptr, struct kmem_cache *s,
				  gfp_t gfp_flags, int node)
{
	if (in_task() && current == READ_ONCE(ubc_flock_learner)) {
		ubc_flock_learnt_obj = ptr;
		ubc_flock_learnt_cache = s;
	}
}

static int ubc_flock_cache_find(struct tracepoint *alloc_event)
{
	struct file_lock *fl;
	int err;

	WRITE_ONCE(ubc_flock_learner, current);
	err = tracepoint_probe_register(alloc_event, ubc_flock_learn_probe,
					NULL);
	if (err) {
		WRITE_ONCE(ubc_flock_learner, NULL);
		return err;
	}
	fl = locks_alloc_lock();
	tracepoint_probe_unregister(alloc_event, ubc_flock_learn_probe, NULL);
	tracepoint_synchronize_unregister();
	WRITE_ONCE(ubc_flock_learner, NULL);
	if (!fl)
		return -ENOMEM;
	if (ubc_flock_learnt_obj == fl)
		ubc_flock_cache = ubc_flock_learnt_cache;
	locks_free_lock(fl);
	if (!ubc_flock_cache) {
		pr_err("cannot find the cache of struct file_lock\n");
		return -ENOENT;
	}
	return 0;
}

/* ---- hooks ---- */

/*
 * generic_setlease(), found at load: a lease's security_file_lock() comes
 * from there, after its record was allocated (lease_alloc()), and nothing
 * is allocated after it.
 */
static struct ubc_code_range ubc_setlease_code = { .symbol = "generic_setlease" };

/*
 * Set when a file_lock allocation of a compartment task came without its
 * slab gate (6.12, or no finite numflock limit yet: the gates are not
 * attached), cleared when the gate runs again. Then the records are
 * charged forced and unlocks are checked at the limit.
 */
static bool ubc_flock_ungated;

static int ubc_flock_forced_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(ubc_flock_ungated));
}

static const struct kernel_param_ops ubc_flock_forced_ops = {
	.get = ubc_flock_forced_get,
};

/*
 * /sys/module/ubc/parameters/numflock_forced: 1 if the last file_lock
 * record of a compartment task came without its slab gate (charged
 * forced: 6.12, whose filelock_cache is not SLAB_ACCOUNT, so memcg's hook
 * never sees it, and which has no should_failslab(); or no finite numflock
 * limit is set yet, so the gates are not attached), 0 if it was gated.
 */
module_param_cb(numflock_forced, &ubc_flock_forced_ops, NULL, 0444);

/*
 * Would one more unit of @c fit below @strict's bound? Tested by charging
 * it and returning it at once, so a refusal counts in failcnt. Only for
 * structures already charged (a lease's record) or charged forced after
 * (records without their slab gate): never a check-then-charge.
 */
static int ubc_locksig_test(struct ubc_counter *c, enum ubc_strict strict)
{
	int err = ubc_counter_charge(c, 1, strict);

	if (!err)
		ubc_counter_uncharge(c, 1);
	return err;
}

/*
 * The request structure of an fcntl() lock call (fcntl_setlk(),
 * fcntl_getlk(), and their 64 variants on 32-bit ABIs; the first frame in
 * fs/locks.c is the allocation's call site, locks_alloc_lock() being
 * inlined) is not counted, as OpenVZ did not: it is freed before the call
 * returns, one per call in flight, and flock(2) keeps its own on the
 * stack. Refusing it would make fcntl(F_UNLCK) fail at the limit.
 */
static struct ubc_code_range ubc_flock_requesters[] = {
	{ .symbol = "fcntl_setlk" }, { .symbol = "fcntl_getlk" },
	{ .symbol = "fcntl_setlk64" }, { .symbol = "fcntl_getlk64" },
};

static bool ubc_flock_is_request(unsigned long call_site)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ubc_flock_requesters); i++)
		if (ubc_in_range(&ubc_flock_requesters[i], call_site))
			return true;
	return false;
}

/* do_lock_file_wait(), when the compiler kept it (else in fcntl_setlk()) */
static struct ubc_code_range ubc_flock_waiter = { .symbol = "do_lock_file_wait" };

/* Is @ret_ip, security_file_lock()'s return address, an fcntl() lock? */
static bool ubc_flock_from_fcntl(unsigned long ret_ip)
{
	return ubc_in_range(&ubc_flock_waiter, ret_ip) ||
	       ubc_flock_is_request(ret_ip);
}

/*
 * security_file_lock(struct file *file, unsigned int cmd): a new lock
 * request (cmd F_RDLCK, F_WRLCK); unlocks always pass. The caller is read
 * from the return address (regs->sp at a SAVE_REGS gate points at it, as
 * ftrace_graph_func() relies on):
 *  - a lease (generic_setlease()): its record is charged already; the
 *    request passes if that record fits below the barrier, tested by a
 *    charge of one more unit at the barrier, returned at once;
 *  - a lock (flock(2), do_lock_file_wait()): the record that becomes the
 *    lock is allocated after this gate (flock_lock_inode(),
 *    posix_lock_inode(): new_fl): one unit is reserved for it here, at the
 *    barrier (task.c), and the allocation takes it over (see
 *    ubc_locksig_slab_refuse()): racing lockers cannot pass the barrier.
 *    A filesystem with its own ->lock() may allocate nothing: the unit
 *    stays with the task (reused by its next lock call, returned when the
 *    task is freed).
 */
static int ubc_flock_gate(struct pt_regs *regs)
{
	unsigned int cmd = (unsigned int)ubc_arg(regs, 1);
	unsigned long ret_ip = *(unsigned long *)kernel_stack_pointer(regs);
	struct ubc_counter *c;
	struct ubc_comp *comp;

	comp = ubc_hook_comp();
	if (!comp)
		return 0;
	c = &comp->res[UBC_NUMFLOCK];
	if (cmd == F_UNLCK) {
		/*
		 * Without the slab gate an unlock in the middle of a lock
		 * (a split) is charged forced: stop it at the limit, so held
		 * passes the limit by one call's records at most.
		 */
		if (!READ_ONCE(ubc_flock_ungated) ||
		    !ubc_flock_from_fcntl(ret_ip))
			return 0;	/* flock(LOCK_UN) needs no record */
		return ubc_locksig_test(c, UBC_LIMIT) ? -ENOLCK : 0;
	}
	if (ubc_in_range(&ubc_setlease_code, ret_ip))
		return ubc_locksig_test(c, UBC_BARRIER) ? -ENOLCK : 0;
	return ubc_task_reserve(UBC_NUMFLOCK, UBC_BARRIER) == -ENOSPC ?
		-ENOLCK : 0;
}

/*
 * Is current allocating from filelock_cache in fs/locks.c? The cache alone
 * does not say (SLUB merges it with other caches of its size), the call
 * site of kmem_cache_alloc() is not an argument of the slab gates: the
 * stack is. Walked only for compartment tasks allocating from that cache.
 */
#define UBC_FLOCK_STACK_DEPTH	16

/* A counted file_lock allocation: from fs/locks.c, not a request. */
static bool ubc_flock_caller(void)
{
	unsigned long entries[UBC_FLOCK_STACK_DEPTH];
	unsigned int i, n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < n; i++)
		if (ubc_in_range(&ubc_flock_code, entries[i]))
			return !ubc_flock_is_request(entries[i]);
	return false;
}

/**
 * ubc_locksig_slab_refuse - refuse a slab allocation for numflock?
 * @s: the cache allocated from
 *
 * Called by kmem.c's slab gates (should_failslab() on 6.1, memcg's
 * __memcg_slab_post_alloc_hook() on 6.12) once kmem itself let the
 * allocation through, in the allocating task, before the object is handed
 * out. For a struct file_lock allocated by a compartment task: reserve one
 * numflock unit for it (task.c), at the limit, or take over the unit
 * ubc_flock_gate() reserved at the barrier; true refuses the allocation,
 * which locks_alloc_lock()'s callers turn into ENOLCK (posix_lock_inode(),
 * fcntl_setlk()) or ENOMEM (flock_lock_inode(), fcntl_getlk(),
 * lease_alloc()). The unit is committed to the object by the
 * kmem_cache_alloc event that follows in the same call, or returned by it
 * when the allocation failed after the gate (it reports NULL then).
 * Preemption disabled (a hook); never sleeps.
 */
bool ubc_locksig_slab_refuse(struct kmem_cache *s)
{
	if (likely(s != ubc_flock_cache) || !ubc_hook_comp() ||
	    !ubc_flock_caller())
		return false;
	if (unlikely(READ_ONCE(ubc_flock_ungated)))
		WRITE_ONCE(ubc_flock_ungated, false);
	return ubc_task_reserve(UBC_NUMFLOCK, UBC_LIMIT) == -ENOSPC;
}

/*
 * __sigqueue_alloc(int sig, struct task_struct *t, gfp_t gfp_flags,
 *                  int override_rlimit, unsigned int sigqueue_flags)
 * current is the sender. override_rlimit is set for classic signals from
 * kill() and the kernel: those are refused only past the limit. One unit
 * is reserved for current (task.c): the sigqueue's kmem_cache_alloc event,
 * in the same call and task, takes it over, or returns it if the
 * allocation failed. The gate and the event run in the sender, under the
 * target's siglock with interrupts off (__send_signal_locked()), or in
 * process context (sigqueue_alloc(), GFP_KERNEL: it may sleep and
 * migrate, hence a per-task, not per-CPU, reservation). When the kernel
 * itself refuses after the gate (RLIMIT_SIGPENDING, no allocation, no
 * event), the unit stays with the task: reused by its next signal,
 * returned when the task is freed.
 */
static int ubc_sigq_gate(struct pt_regs *regs)
{
	int override_rlimit = (int)ubc_arg(regs, 3);

	if (!ubc_hook_comp())
		return 0;
	if (ubc_task_reserve(UBC_NUMSIGINFO, override_rlimit ? UBC_LIMIT :
			     UBC_BARRIER) != -ENOSPC)
		return 0;
	return ubc_hook_return(regs, 0);	/* NULL: no sigqueue */
}

/*
 * Commit current's reservation of @res to @ptr, or return it if there is
 * no object. Without a reservation (the gate did not run: not attached,
 * as numflock's slab gate when no finite numflock limit was set or on
 * 6.12 while memcg kmem is offline, or a missed hook) the object is
 * charged forced: it exists.
 */
static void ubc_locksig_commit(struct ubc_comp *comp, const void *ptr,
			       unsigned int res)
{
	if (!ubc_task_unreserve(res)) {
		if (!ptr)
			return;
		if (res == UBC_NUMFLOCK && !READ_ONCE(ubc_flock_ungated))
			WRITE_ONCE(ubc_flock_ungated, true);
		ubc_owner_charge(ptr, comp, res, 1, UBC_FORCE);
		return;
	}
	if (!ptr || ubc_owner_adopt(ptr, comp, res))
		ubc_counter_uncharge(&comp->res[res], 1);
}

/* kmem:kmem_cache_alloc(call_site, ptr, s, ...), through slabev.c */
void ubc_locksig_alloc_ev(unsigned long call_site, const void *ptr,
			  struct kmem_cache *s)
{
	struct ubc_comp *comp;

	if (likely(!ubc_in_range(&ubc_sigq_allocator, call_site) &&
		   (s != ubc_flock_cache ||
		    !ubc_in_range(&ubc_flock_code, call_site) ||
		    ubc_flock_is_request(call_site))))
		return;
	comp = ubc_hook_comp();
	if (!comp)
		return;
	if (ubc_in_range(&ubc_sigq_allocator, call_site)) {
		if (ptr)
			ubc_learn_cache(&ubc_sigq_cache, s);
		ubc_locksig_commit(comp, ptr, UBC_NUMSIGINFO);
	} else {
		ubc_locksig_commit(comp, ptr, UBC_NUMFLOCK);
	}
}

/*
 * kmem:kmem_cache_free(call_site, ptr, s), through slabev.c: only the two
 * caches reach the owner table (one xarray lookup for an object that was
 * never charged).
 */
void ubc_locksig_free_ev(const void *ptr, const struct kmem_cache *s)
{
	if ((s == READ_ONCE(ubc_sigq_cache) || s == ubc_flock_cache) &&
	    static_branch_unlikely(&ubc_tasks_tracked))
		ubc_owner_uncharge(ptr);
}


static struct ubc_hook ubc_locksig_hooks[] = {
	{ .symbol = "security_file_lock", .fn = ubc_flock_gate, .gate = true },
	{ .symbol = "__sigqueue_alloc", .fn = ubc_sigq_gate, .gate = true },
};

static int ubc_locksig_init(void)
{
	int err;

	if (!ubc_code_ranges_find(&ubc_setlease_code, 1)) {
		pr_err("cannot find %s: this kernel lacks a function ubc needs\n",
		       ubc_setlease_code.symbol);
		return -ENOENT;
	}
	if (!ubc_code_ranges_find(&ubc_sigq_allocator, 1)) {
		pr_err("cannot find %s: this kernel lacks a function ubc needs\n",
		       ubc_sigq_allocator.symbol);
		return -ENOENT;
	}
	ubc_code_ranges_find(ubc_flock_requesters,
			     ARRAY_SIZE(ubc_flock_requesters));
	ubc_code_ranges_find(&ubc_flock_waiter, 1);	/* may be inlined */
	if (!ubc_flock_requesters[0].size || !ubc_flock_requesters[1].size) {
		pr_err("cannot find fcntl_setlk/fcntl_getlk: this kernel lacks a function ubc needs\n");
		return -ENOENT;
	}
	err = ubc_flock_code_find();
	if (!err)
		err = ubc_slabev_find();
	if (!err)
		err = ubc_flock_cache_find(ubc_slabev_alloc_tp());
	if (err)
		return err;
	return ubc_hooks_prepare(ubc_locksig_hooks,
				 ARRAY_SIZE(ubc_locksig_hooks));
}

static int ubc_locksig_arm(void)
{
	int err;

	err = ubc_slabev_get(UBC_SLABEV_LOCKSIG);
	if (err)
		return err;
	err = ubc_hooks_arm(ubc_locksig_hooks, ARRAY_SIZE(ubc_locksig_hooks));
	if (err)
		ubc_slabev_put(UBC_SLABEV_LOCKSIG);
	return err;
}

/* The caller quiesces (ubc_probes_quiesce()) before ubc_locksig_exit(). */
static void ubc_locksig_disarm(void)
{
	ubc_hooks_disarm(ubc_locksig_hooks, ARRAY_SIZE(ubc_locksig_hooks));
	ubc_slabev_put(UBC_SLABEV_LOCKSIG);
}

/* The charges are in the owner table, drained by the objects part. */
static void ubc_locksig_exit(void)
{
	ubc_hooks_release(ubc_locksig_hooks, ARRAY_SIZE(ubc_locksig_hooks));
}

const struct ubc_part ubc_locksig_part = {
	.name = "locksig",
	.init = ubc_locksig_init,
	.arm = ubc_locksig_arm,
	.disarm = ubc_locksig_disarm,
	.exit = ubc_locksig_exit,
};
