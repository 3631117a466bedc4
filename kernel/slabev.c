// SPDX-License-Identifier: GPL-2.0
/*
 * One probe on kmem:kmem_cache_alloc and one on kmem:kmem_cache_free for
 * every part that follows slab objects (kmem: kmemsize and dcachesize;
 * locksig: numflock and numsiginfo), calling each user's handler directly.
 *
 * Why: both events fire on every slab allocation and free of the machine,
 * for host tasks too. A tracepoint with one probe is a static call straight
 * into it; with two it becomes a loop over the probe array with an indirect
 * call per probe (__traceiter_*()).
 *
 * Each user has two static keys, one per event, enabled by
 * ubc_slabev_get() at its arm (free before alloc: no charge without its
 * uncharge) and disabled by ubc_slabev_put() at its disarm (alloc before
 * free). The probes are registered at the first get (free before alloc)
 * and unregistered at the last put; ubc_probes_quiesce() after disarm waits
 * for probes still running. get and put run under ubc_lock, which protects
 * the user count.
 */
#include <linux/jump_label.h>
#include <linux/lockdep.h>
#include <linux/tracepoint.h>

#include "comp.h"
#include "probe.h"
#include "slabev.h"

static struct static_key_false ubc_slabev_alloc_on[UBC_SLABEV_NR] = {
	[0 ... UBC_SLABEV_NR - 1] = STATIC_KEY_FALSE_INIT,
};
static struct static_key_false ubc_slabev_free_on[UBC_SLABEV_NR] = {
	[0 ... UBC_SLABEV_NR - 1] = STATIC_KEY_FALSE_INIT,
};
static unsigned int ubc_slabev_users;	/* under ubc_lock */

/* kmem:kmem_cache_alloc(call_site, ptr, s, gfp_flags, node) */
static void ubc_slabev_alloc(void *data, unsigned long call_site,
			     const void *ptr, struct kmem_cache *s,
			     gfp_t gfp, int node)
{
	if (static_branch_likely(&ubc_slabev_alloc_on[UBC_SLABEV_KMEM]))
		ubc_kmem_cache_alloc_ev(ptr, s, gfp);
	if (static_branch_likely(&ubc_slabev_alloc_on[UBC_SLABEV_LOCKSIG]))
		ubc_locksig_alloc_ev(call_site, ptr, s);
}

/* kmem:kmem_cache_free(call_site, ptr, s) */
static void ubc_slabev_free(void *data, unsigned long call_site,
			    const void *ptr, const struct kmem_cache *s)
{
	if (static_branch_likely(&ubc_slabev_free_on[UBC_SLABEV_KMEM]))
		ubc_kmem_cache_free_ev(ptr);
	if (static_branch_likely(&ubc_slabev_free_on[UBC_SLABEV_LOCKSIG]))
		ubc_locksig_free_ev(ptr, s);
}

/* Frees before allocations. */
static struct ubc_tracepoint ubc_slabev_tps[] = {
	{ .name = "kmem_cache_free", .probe = ubc_slabev_free },
	{ .name = "kmem_cache_alloc", .probe = ubc_slabev_alloc },
};

int ubc_slabev_find(void)
{
	if (ubc_slabev_tps[0].tp && ubc_slabev_tps[1].tp)
		return 0;
	return ubc_tracepoints_find(ubc_slabev_tps, ARRAY_SIZE(ubc_slabev_tps));
}

struct tracepoint *ubc_slabev_alloc_tp(void)
{
	return ubc_slabev_tps[1].tp;
}

int ubc_slabev_get(enum ubc_slabev_user user)
{
	int err;

	lockdep_assert_held(&ubc_lock);
	if (!ubc_slabev_users) {
		err = ubc_tracepoints_register(ubc_slabev_tps,
					       ARRAY_SIZE(ubc_slabev_tps));
		if (err)
			return err;
	}
	ubc_slabev_users++;
	static_branch_enable(&ubc_slabev_free_on[user]);
	static_branch_enable(&ubc_slabev_alloc_on[user]);
	return 0;
}

void ubc_slabev_put(enum ubc_slabev_user user)
{
	lockdep_assert_held(&ubc_lock);
	static_branch_disable(&ubc_slabev_alloc_on[user]);
	static_branch_disable(&ubc_slabev_free_on[user]);
	if (!--ubc_slabev_users)
		ubc_tracepoints_unregister(ubc_slabev_tps,
					   ARRAY_SIZE(ubc_slabev_tps));
}
