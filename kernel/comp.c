// SPDX-License-Identifier: GPL-2.0
/*
 * Compartments: the registry, creation, destruction and lifetime.
 *
 * User-visible semantics:
 *  - ids are u32, 0 is the host and never a compartment;
 *  - destroying a compartment that still has tasks fails with EBUSY;
 *  - a destroyed compartment whose charged objects are still alive lingers,
 *    marked dying, visible to readers, until the last charge is returned;
 *    its id cannot be reused until then (EEXIST).
 */
#include <linux/slab.h>
#include <linux/xarray.h>

#include "comp.h"
#include "vm.h"

DEFINE_MUTEX(ubc_lock);

/* Lookups under RCU (xa_load) or ubc_lock; changes under ubc_lock. */
static DEFINE_XARRAY(ubc_comps);
static unsigned long ubc_comps_gen;	/* bumped under ubc_lock on every change */
static struct workqueue_struct *ubc_release_wq;

int ubc_comps_init(void)
{
	ubc_release_wq = alloc_workqueue("ubc_release", 0, 0);
	return ubc_release_wq ? 0 : -ENOMEM;
}

/*
 * Called after every hook is gone and every task entry dropped: what is
 * left are compartments held only by the registry, or dying ones whose
 * release work is queued.
 */
void ubc_comps_exit(void)
{
	struct ubc_comp *comp;
	unsigned long id;

	mutex_lock(&ubc_lock);
	xa_for_each(&ubc_comps, id, comp)
		if (!comp->dying)
			ubc_comp_destroy(comp);
	mutex_unlock(&ubc_lock);
	destroy_workqueue(ubc_release_wq);	/* drains queued releases */
	WARN_ON(!xa_empty(&ubc_comps));
	rcu_barrier();				/* kfree_rcu() of the last ones */
}

static void ubc_comp_release(struct work_struct *work)
{
	struct ubc_comp *comp = container_of(work, struct ubc_comp, release);

	mutex_lock(&ubc_lock);
	xa_erase(&ubc_comps, comp->id);
	ubc_comps_gen++;
	mutex_unlock(&ubc_lock);
	kfree_rcu(comp, rcu);
}

/* May be called from any context, including RCU callbacks and softirq. */
void ubc_comp_put(struct ubc_comp *comp)
{
	if (refcount_dec_and_test(&comp->ref))
		queue_work(ubc_release_wq, &comp->release);
}

/* Returns the new compartment, or ERR_PTR(-EEXIST / -ENOMEM). */
struct ubc_comp *ubc_comp_create(u32 id)
{
	struct ubc_comp *comp;
	unsigned int r;
	int err;

	lockdep_assert_held(&ubc_lock);
	comp = kzalloc(sizeof(*comp), GFP_KERNEL);
	if (!comp)
		return ERR_PTR(-ENOMEM);
	comp->id = id;
	refcount_set(&comp->ref, 1);
	INIT_WORK(&comp->release, ubc_comp_release);
	for (r = 0; r < UBC_RESOURCES; r++)
		ubc_counter_init(&comp->res[r]);
	err = xa_insert(&ubc_comps, id, comp, GFP_KERNEL);
	if (err) {
		kfree(comp);
		return ERR_PTR(err == -EBUSY ? -EEXIST : err);
	}
	ubc_comps_gen++;
	return comp;
}

/* Drop the registry's reference; the caller checked there are no tasks. */
int ubc_comp_destroy(struct ubc_comp *comp)
{
	lockdep_assert_held(&ubc_lock);
	if (comp->dying)
		return -ENOENT;
	comp->dying = true;
	ubc_comps_gen++;
	ubc_vm_comp_destroyed(comp);	/* shmem leftovers go to the host */
	ubc_comp_put(comp);
	return 0;
}

/* A live (not dying) compartment by id, or NULL. Under ubc_lock. */
struct ubc_comp *ubc_comp_find(u32 id)
{
	struct ubc_comp *comp;

	lockdep_assert_held(&ubc_lock);
	comp = xa_load(&ubc_comps, id);
	return comp && !comp->dying ? comp : NULL;
}

/* A compartment by id, dying ones included, or NULL. Under ubc_lock. */
struct ubc_comp *ubc_comp_lookup(u32 id)
{
	lockdep_assert_held(&ubc_lock);
	return xa_load(&ubc_comps, id);
}

/*
 * The first compartment (dying ones included) with id >= *id, for dumps and
 * /proc; *id is set to its id. Under ubc_lock.
 */
struct ubc_comp *ubc_comp_next(u32 *id)
{
	unsigned long index = *id;
	struct ubc_comp *comp;

	lockdep_assert_held(&ubc_lock);
	comp = xa_find(&ubc_comps, &index, U32_MAX, XA_PRESENT);
	if (comp)
		*id = index;
	return comp;
}

unsigned long ubc_comps_generation(void)
{
	lockdep_assert_held(&ubc_lock);
	return ubc_comps_gen;
}
