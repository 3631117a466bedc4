// SPDX-License-Identifier: GPL-2.0
/*
 * The charge core.
 *
 * Concurrency contract: every function may be called from any context (task,
 * softirq, hardirq, under any spinlock) on any number of CPUs at once: it
 * only uses atomic operations and never sleeps or takes a lock.
 *
 * ubc_counter_charge() adds optimistically, compares with the bound and rolls
 * back on failure, like mm/page_counter.c. Accepted races, each harmless:
 *  - two concurrent charges that would each fit alone may both see the
 *    other's optimistic addition and both fail; a charge never succeeds past
 *    its bound, so held <= bound holds for every non-forced charge;
 *  - barrier and limit are read once per charge; a concurrent
 *    ubc_counter_set() applies to charges that read it afterwards;
 *  - maxheld/minheld follow held with a compare-and-exchange loop, so they
 *    are exact high/low water marks of the values charges observed.
 *
 * Per-CPU batching can be added behind these functions later: callers only
 * ever see charge/uncharge of a value.
 */
#include "charge.h"

#ifdef __KERNEL__
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#endif

/*
 * Count one refusal and report it. Always inlined, so _RET_IP_ is the
 * return address of the exported function it is inlined into: the hook
 * (or its helper) that asked for the charge.
 */
static __always_inline void ubc_counter_refused(struct ubc_counter *c,
						long val, long held,
						enum ubc_strict strict)
{
	atomic_long_inc(&c->failcnt);
	ubc_counter_event(c, UBC_COUNTER_REFUSED, val, held, strict, _RET_IP_);
}

void ubc_counter_init(struct ubc_counter *c, unsigned int index)
{
	c->index = index;
	atomic_long_set(&c->held, 0);
	atomic_long_set(&c->maxheld, 0);
	atomic_long_set(&c->minheld, 0);
	atomic_long_set(&c->failcnt, 0);
	c->barrier = LONG_MAX;
	c->limit = LONG_MAX;
}

static void ubc_counter_note_max(struct ubc_counter *c, long held)
{
	long old = atomic_long_read(&c->maxheld);

	while (held > old)
		if (atomic_long_try_cmpxchg(&c->maxheld, &old, held))
			break;
}

static void ubc_counter_note_min(struct ubc_counter *c, long held)
{
	long old = atomic_long_read(&c->minheld);

	while (held < old)
		if (atomic_long_try_cmpxchg(&c->minheld, &old, held))
			break;
}

static long ubc_counter_bound(const struct ubc_counter *c,
			      enum ubc_strict strict)
{
	switch (strict) {
	case UBC_BARRIER:
		return READ_ONCE(c->barrier);
	case UBC_LIMIT:
		return READ_ONCE(c->limit);
	default:
		return LONG_MAX;
	}
}

/**
 * ubc_counter_charge - try to add @val to a counter
 * @c: the counter
 * @val: amount, >= 0, in the resource's unit
 * @strict: which bound applies (see enum ubc_strict)
 *
 * Returns 0 on success, -ENOMEM if the bound would be passed; the caller
 * translates that into the errno its system call documents. Each refusal
 * increments failcnt by one.
 */
/*
 * Add @val unless that passes @strict's bound; *held is held after the
 * add (rolled back when false is returned). Counts nothing.
 */
static __always_inline bool ubc_counter_try(struct ubc_counter *c, long val,
					    enum ubc_strict strict, long *held)
{
	long bound = ubc_counter_bound(c, strict);

	*held = atomic_long_add_return(val, &c->held);
	/* held < 0 after the add means we wrapped past LONG_MAX. */
	if (unlikely(*held > bound || *held < 0) && strict != UBC_FORCE) {
		atomic_long_sub(val, &c->held);
		return false;
	}
	ubc_counter_note_max(c, *held);
	return true;
}

int ubc_counter_charge(struct ubc_counter *c, long val, enum ubc_strict strict)
{
	long held;

	if (!ubc_counter_try(c, val, strict, &held)) {
		ubc_counter_refused(c, val, held - val, strict);
		return -ENOMEM;
	}
	if (unlikely(strict == UBC_FORCE && held > READ_ONCE(c->limit)))
		ubc_counter_event(c, UBC_COUNTER_FORCED, val, held, strict,
				  _RET_IP_);
	return 0;
}

/**
 * ubc_counter_recharge - retry a charge whose refusal was already counted
 *
 * For a kernel path that asks twice for one call (vm.c: 6.1's mmap retry
 * without the pages MAP_FIXED replaces): the call counts one refusal at
 * most. On success the earlier refusal is taken back from failcnt (its
 * event was reported already); on failure nothing more is counted.
 */
int ubc_counter_recharge(struct ubc_counter *c, long val,
			 enum ubc_strict strict)
{
	long held;

	if (!ubc_counter_try(c, val, strict, &held))
		return -ENOMEM;
	atomic_long_dec(&c->failcnt);
	return 0;
}

/**
 * ubc_counter_fail - count a refusal decided by the caller
 *
 * For a gate that compares itself (vm.c reserves several counters of one
 * call and refuses the call when one has no room): failcnt counts one and
 * the refusal is reported as if the charge core had refused @val.
 */
void ubc_counter_fail(struct ubc_counter *c, long val, enum ubc_strict strict)
{
	ubc_counter_refused(c, val, atomic_long_read(&c->held), strict);
}

/**
 * ubc_counter_count_fail - count one failure that is not a refused charge
 *
 * oomguarpages' failcnt counts OOM kills (oom.c reports the kill itself).
 */
void ubc_counter_count_fail(struct ubc_counter *c)
{
	atomic_long_inc(&c->failcnt);
}

/**
 * ubc_counter_check - would a charge of @val fit now?
 *
 * For a hook that must refuse before the object to charge exists, and
 * charges it (forced) later: 0 if it fits, else -ENOMEM with the refusal
 * counted in failcnt. held is not touched.
 */
int ubc_counter_check(struct ubc_counter *c, long val, enum ubc_strict strict)
{
	long held = atomic_long_read(&c->held);

	if (strict == UBC_FORCE || held <= ubc_counter_bound(c, strict) - val)
		return 0;
	ubc_counter_refused(c, val, held, strict);
	return -ENOMEM;
}

/**
 * ubc_counter_uncharge - return @val to a counter
 *
 * Returning more than is held is a bug in a hook: it warns once and clamps
 * held at 0 rather than letting the counter go negative.
 */
void ubc_counter_uncharge(struct ubc_counter *c, long val)
{
	long held = atomic_long_sub_return(val, &c->held);

	if (WARN_ONCE(held < 0, "ubc: uncharge of %ld leaves held at %ld\n",
		      val, held)) {
		atomic_long_sub(held, &c->held);	/* adds back -held */
		held = 0;
	}
	ubc_counter_note_min(c, held);
}

/**
 * ubc_counter_set - set barrier and limit
 *
 * The caller validated 0 <= barrier <= limit <= LONG_MAX and serializes
 * setters; charges may run concurrently. A limit below held is allowed, as in
 * OpenVZ: further charges fail until usage drops.
 */
void ubc_counter_set(struct ubc_counter *c, long barrier, long limit)
{
	WRITE_ONCE(c->barrier, barrier);
	WRITE_ONCE(c->limit, limit);
}

/**
 * ubc_counter_forgive - take back one refusal counted twice for one call
 *
 * For a gate the kernel passes twice for one call (vm.c: shmem's retried
 * allocation) whose second refusal is the first one again. Its report was
 * sent twice; failcnt counts it once.
 */
void ubc_counter_forgive(struct ubc_counter *c)
{
	atomic_long_dec(&c->failcnt);
}
