// SPDX-License-Identifier: GPL-2.0
/*
 * Compartments: the registry, creation, destruction and lifetime.
 *
 * User-visible semantics:
 *  - ids are u32, 0 is the host and never a compartment;
 *  - destroying a compartment that still has tasks fails with EBUSY;
 *  - a destroyed compartment whose charged objects are still alive lingers,
 *    marked dying, visible to readers, until the last charge is returned;
 *    its id cannot be reused until then (EEXIST);
 *  - a new compartment has every barrier and limit unlimited except the
 *    barriers of the guarantees, vmguarpages and oomguarpages, which are 0
 *    (no guarantee: see oom.c and vm.c).
 *
 * Locking: ubc_lock (mutex) serializes configuration and registry removal.
 * ubc_comp_put() may run in any context: task, softirq, hardirq, RCU
 * callbacks, and tracepoints inside code ubc does not own. The one that
 * matters is kmem:mm_page_free (kmem.c, owner.c): free_pages_prepare() runs
 * for every page freed, with interrupts possibly off, inside the page
 * allocator, under whatever locks the code freeing the page holds (any
 * spinlock of the kernel can be held around a free). queue_work() is
 * allowed in hardirq context in general, but it takes the pool's raw
 * spinlock and may wake a worker (p->pi_lock, rq->lock), and with
 * CONFIG_DEBUG_OBJECTS_WORK it may allocate debug objects, re-entering the
 * allocator: from a page free, under the freeing code's locks, that invites
 * lock inversions and recursion. call_rcu() has the same debug-object
 * problem and wakes RCU kthreads. So the last put does only what is
 * lock-free: llist_add() of the compartment on ubc_release_list and
 * irq_work_queue() (a cmpxchg and a self-IPI; no lock, NMI-safe). The
 * irq_work runs in hardirq context outside any of those locks and queues
 * the release work, which drains the list in task context under ubc_lock.
 * ubc_comps_exit() waits for the irq_work (irq_work_sync()) before it
 * destroys the workqueue.
 */
#include <linux/irq_work.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <ubc/resources.h>

#include "comp.h"
#include "events.h"
#include "procvz.h"
#include "vm.h"

DEFINE_MUTEX(ubc_lock);

/* Lookups under RCU (xa_load) or ubc_lock; changes under ubc_lock. */
static DEFINE_XARRAY(ubc_comps);
static unsigned long ubc_comps_gen;	/* bumped under ubc_lock on every change */
static struct workqueue_struct *ubc_release_wq;
static LLIST_HEAD(ubc_release_list);	/* unreferenced, to erase and free */

static void ubc_comp_release_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&ubc_release_list);
	struct ubc_comp *comp, *tmp;

	llist_for_each_entry_safe(comp, tmp, list, release) {
		mutex_lock(&ubc_lock);
		xa_erase(&ubc_comps, comp->id);
		ubc_comps_gen++;
		ubc_event_comp(UBC_CMD_DRAINED_NTF, comp->id);
		mutex_unlock(&ubc_lock);
		WARN_ON_ONCE(!list_empty(&comp->tasks));
		kfree_rcu(comp, rcu);
	}
	if (list)
		ubc_procvz_sync();	/* their /proc/bc/ID go, outside ubc_lock */
}

static DECLARE_WORK(ubc_release_work, ubc_comp_release_fn);

/* Hardirq context, no lock of the context that put the compartment. */
static void ubc_comp_release_kick(struct irq_work *w)
{
	queue_work(ubc_release_wq, &ubc_release_work);
}

static struct irq_work ubc_release_irq_work;

int ubc_comps_init(void)
{
	init_irq_work(&ubc_release_irq_work, ubc_comp_release_kick);
	ubc_release_wq = alloc_workqueue("ubc_release", 0, 0);
	return ubc_release_wq ? 0 : -ENOMEM;
}

/*
 * Called after every hook is gone and every task entry dropped: what is
 * left are compartments held only by the registry, or dying ones whose
 * release is on its way (list, irq_work, work).
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
	irq_work_sync(&ubc_release_irq_work);	/* the last kick has queued */
	destroy_workqueue(ubc_release_wq);	/* drains queued releases */
	ubc_comp_release_fn(NULL);		/* a put that raced the kick */
	WARN_ON(!xa_empty(&ubc_comps));
	rcu_barrier();				/* kfree_rcu() of the last ones */
}

/*
 * May be called from any context, including hardirq, RCU callbacks and
 * tracepoints under zone->lock: lock-free (see the top comment).
 */
void ubc_comp_put(struct ubc_comp *comp)
{
	if (refcount_dec_and_test(&comp->ref)) {
		llist_add(&comp->release, &ubc_release_list);
		irq_work_queue(&ubc_release_irq_work);
	}
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
	spin_lock_init(&comp->tasks_lock);
	INIT_LIST_HEAD(&comp->tasks);
	for (r = 0; r < UBC_RESOURCES; r++)
		ubc_counter_init(&comp->res[r], r);
	/* no guarantee until the admin gives a finite one */
	ubc_counter_set(&comp->res[UBC_VMGUARPAGES], 0, UBC_UNLIMITED);
	ubc_counter_set(&comp->res[UBC_OOMGUARPAGES], 0, UBC_UNLIMITED);
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
