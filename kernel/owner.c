// SPDX-License-Identifier: GPL-2.0
/*
 * The owner table: who paid for a kernel object, so that its charge goes
 * back to that compartment whoever frees the object and wherever.
 *
 * Two stores behind one interface:
 *
 * 1. Slab objects charged one unit (files, sockets, and every other object
 *    count): a bitmap per (slab, compartment, resource). The slab is found
 *    from the object (virt_to_folio()); an xarray indexed by the slab's pfn
 *    holds a short list of struct ubc_slab_owner, one per compartment and
 *    resource with objects on that slab, each with one bit per object.
 *    Objects of one slab are at least ksize() bytes apart, so the object's
 *    offset in the slab divided by the largest power of two <= ksize() is
 *    a unique bit number. A filp slab (two pages, 32 files) costs one
 *    40-byte entry: about 1.3 bytes per charged file instead of the
 *    ~90 bytes (a kmalloc'ed hash node plus its rhashtable slot) of a
 *    per-object entry.
 *
 * 2. Anything else (keys that are not slab objects, such as ptys, known by
 *    their devpts instance and index, a two-word key; and charges of more
 *    than one unit): an rhashtable of per-object entries.
 *
 * A charge can also be recorded for a unit the counter already holds
 * (ubc_owner_adopt(): a gate's reservation taken over by the object it
 * admitted) and forgotten without returning the unit (ubc_owner_take():
 * accept()'s reservation moving from newsock to the grafted sk).
 *
 * Every charged object holds a reference on its compartment, so a
 * destroyed compartment lingers (dying, still visible) until every object
 * it paid for is freed.
 *
 * Locking contract:
 *  - ubc_owner_charge() runs in task context from a hook (preemption
 *    disabled); ubc_owner_uncharge() runs in any context: task, softirq
 *    (RCU callbacks), or with interrupts disabled (objects freed under
 *    spin_lock_irq(), e.g. sigqueues under a sighand lock). Nothing sleeps.
 *  - Slab store: a slab's list is changed, and its bits set and cleared,
 *    under one of UBC_SLAB_LOCKS spinlocks chosen by pfn, taken with
 *    interrupts saved and disabled. The xarray's own lock (also irqsave)
 *    nests inside it, only to add or remove a slab's list head. An entry is
 *    freed under the slab lock once its last bit is cleared: nothing can
 *    reach it without that lock. ubc_owner_uncharge() first looks for the
 *    slab under RCU without a lock, so freeing an object that was never
 *    charged costs one xarray lookup.
 *  - A slab page being freed drops whatever entries its pfn still has
 *    (ubc_owner_page_freed(), from the allocator's mm_page_free event, with
 *    trylocks: the charge path allocates under the slab and xarray locks,
 *    and an allocation may free pages): those are charges of objects whose
 *    free hook never ran.
 *  - Hash store: an rhashtable (bucket locks, lookups under RCU), used only
 *    while it holds entries (ubc_owner_hashed). Its locks disable bottom
 *    halves, which must not be done with interrupts disabled: keys of the
 *    hash store (ptys) are charged and uncharged in process context only.
 *  - An object is charged once: its charge hook runs before another CPU can
 *    see it, a second charge of the same object (an sk made by socket() and
 *    later grafted) finds its bit or entry and does nothing, and its free
 *    hook runs once, after the last user.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "owner.h"

/* ---- slab store ---------------------------------------------------- */

struct ubc_slab_owner {
	struct ubc_slab_owner *next;	/* other (comp, res) on this slab */
	struct ubc_comp *comp;
	unsigned short res;
	unsigned char shift;		/* bit = offset in the slab >> shift */
	unsigned int nbits;		/* the slab's bytes >> shift */
	unsigned int count;		/* bits set */
	unsigned long bits[];
};

#define UBC_SLAB_LOCK_BITS	8
static spinlock_t ubc_slab_locks[1 << UBC_SLAB_LOCK_BITS];
static DEFINE_XARRAY_FLAGS(ubc_slabs, XA_FLAGS_LOCK_IRQ);

struct ubc_slab_pos {
	unsigned long pfn;
	unsigned long off;	/* of the object in its slab */
	unsigned long bytes;	/* of the slab */
	spinlock_t *lock;
};

/* Is @obj a slab object? Then where. */
static bool ubc_slab_pos(const void *obj, struct ubc_slab_pos *pos)
{
	struct folio *folio;

	if (!virt_addr_valid(obj))
		return false;
	folio = virt_to_folio(obj);
	if (!folio_test_slab(folio))
		return false;
	pos->pfn = folio_pfn(folio);
	pos->off = obj - folio_address(folio);
	pos->bytes = folio_size(folio);
	pos->lock = &ubc_slab_locks[hash_long(pos->pfn, UBC_SLAB_LOCK_BITS)];
	return true;
}

/*
 * The entry of @head's list whose bit for @off is set, under the lock. An
 * entry made for another slab at this pfn (one that should have been
 * dropped when its page was freed, see ubc_owner_page_freed()) is never
 * indexed past its bitmap.
 */
static struct ubc_slab_owner *ubc_slab_find(struct ubc_slab_owner *head,
					    unsigned long off,
					    struct ubc_slab_owner ***link)
{
	struct ubc_slab_owner **pp, *so;

	for (pp = &head, so = head; so; pp = &so->next, so = so->next) {
		if ((off >> so->shift) < so->nbits &&
		    test_bit(off >> so->shift, so->bits)) {
			if (link)
				*link = pp;
			return so;
		}
	}
	return NULL;
}

/*
 * @precharged: the counter already holds the unit (a reservation handed
 * over, see ubc_owner_adopt()): record it, charge nothing; on failure the
 * caller still owns the unit.
 */
static int ubc_slab_charge(const void *obj, const struct ubc_slab_pos *pos,
			   struct ubc_comp *comp, unsigned int res,
			   enum ubc_strict strict, bool precharged)
{
	struct ubc_slab_owner *head, *so;
	unsigned long flags;
	unsigned int shift;
	size_t size;
	int err = 0;

	size = ksize(obj);
	if (WARN_ON_ONCE(!size))
		return -EINVAL;
	shift = ilog2(size);

	spin_lock_irqsave(pos->lock, flags);
	head = xa_load(&ubc_slabs, pos->pfn);
	if (ubc_slab_find(head, pos->off, NULL)) {
		err = precharged ? -EEXIST : 0;	/* already charged */
		goto unlock;
	}
	for (so = head; so; so = so->next)
		if (so->comp == comp && so->res == res && so->shift == shift &&
		    so->nbits == pos->bytes >> shift)
			break;
	if (!precharged && ubc_counter_charge(&comp->res[res], 1, strict)) {
		err = -ENOSPC;
		goto unlock;
	}
	if (!so) {
		so = kzalloc(struct_size(so, bits,
					 BITS_TO_LONGS(pos->bytes >> shift)),
			     GFP_ATOMIC | __GFP_NOWARN);
		if (!so)
			goto nomem;
		so->comp = comp;
		so->res = res;
		so->shift = shift;
		so->nbits = pos->bytes >> shift;
		so->next = head;
		xa_lock(&ubc_slabs);
		err = xa_err(__xa_store(&ubc_slabs, pos->pfn, so, GFP_ATOMIC));
		xa_unlock(&ubc_slabs);
		if (err) {
			kfree(so);
			goto nomem;
		}
	}
	__set_bit(pos->off >> shift, so->bits);
	so->count++;
	ubc_comp_get(comp);
unlock:
	spin_unlock_irqrestore(pos->lock, flags);
	return err;
nomem:
	if (!precharged)
		ubc_counter_uncharge(&comp->res[res], 1);
	spin_unlock_irqrestore(pos->lock, flags);
	return -ENOMEM;
}

/*
 * Returns false if @obj has no charge in the slab store. With @taken, the
 * unit is not returned but handed to the caller (*taken = its compartment,
 * whose reference the caller now holds, *res its resource).
 */
static bool ubc_slab_uncharge(const struct ubc_slab_pos *pos,
			      struct ubc_comp **taken, unsigned int *res_out)
{
	struct ubc_slab_owner *head, *so, **link, *gone = NULL;
	struct ubc_comp *comp;
	unsigned long flags;
	unsigned int res;

	if (!xa_load(&ubc_slabs, pos->pfn))	/* RCU: the common case */
		return false;
	spin_lock_irqsave(pos->lock, flags);
	head = xa_load(&ubc_slabs, pos->pfn);
	so = ubc_slab_find(head, pos->off, &link);
	if (!so) {
		spin_unlock_irqrestore(pos->lock, flags);
		return false;
	}
	__clear_bit(pos->off >> so->shift, so->bits);
	comp = so->comp;
	res = so->res;
	if (!--so->count) {
		gone = so;
		if (so == head) {
			xa_lock(&ubc_slabs);
			if (so->next)
				__xa_store(&ubc_slabs, pos->pfn, so->next, GFP_ATOMIC);
			else
				__xa_erase(&ubc_slabs, pos->pfn);
			xa_unlock(&ubc_slabs);
		} else {
			*link = so->next;
		}
	}
	spin_unlock_irqrestore(pos->lock, flags);
	kfree(gone);
	if (taken) {
		*taken = comp;
		*res_out = res;
		return true;
	}
	ubc_counter_uncharge(&comp->res[res], 1);
	ubc_comp_put(comp);
	return true;
}

/* Returns @so's charges (its bits) and frees it; no lock needed. */
static void ubc_slab_owner_release(struct ubc_slab_owner *so)
{
	ubc_counter_uncharge(&so->comp->res[so->res], so->count);
	while (so->count--)
		ubc_comp_put(so->comp);
	kfree(so);
}

/**
 * ubc_owner_page_freed - a page is being freed: drop its stale slab entries
 *
 * Called for every page freed (kmem:mm_page_free, free_pages_prepare(), any
 * context, before the page can be reused). A slab's page is freed once all
 * its objects are: a bit still set there belongs to an object freed
 * without its free hook (6.1's __alloc_file() frees a file whose LSM blob
 * could not be allocated without security_file_free(); a hook skipped by
 * ftrace's recursion guard). Its charge and reference go back now, and the
 * next slab at this pfn starts clean. Costs one xa_empty() test while the
 * slab store is empty, one RCU xarray lookup otherwise.
 */
void ubc_owner_page_freed(unsigned long pfn)
{
	struct ubc_slab_owner *head, *next;
	unsigned long flags;
	spinlock_t *lock;

	if (xa_empty(&ubc_slabs) || !xa_load(&ubc_slabs, pfn))
		return;
	/*
	 * Trylocks: the charge path allocates (GFP_ATOMIC) under a slab lock
	 * and the xarray lock, and an allocation may free a page on this
	 * CPU. Best effort: an entry left here is still never indexed past
	 * its bitmap (ubc_slab_find()).
	 */
	lock = &ubc_slab_locks[hash_long(pfn, UBC_SLAB_LOCK_BITS)];
	if (!spin_trylock_irqsave(lock, flags))
		return;
	if (!spin_trylock(&ubc_slabs.xa_lock)) {
		spin_unlock_irqrestore(lock, flags);
		return;
	}
	head = __xa_erase(&ubc_slabs, pfn);
	xa_unlock(&ubc_slabs);
	spin_unlock_irqrestore(lock, flags);
	for (; head; head = next) {
		next = head->next;
		ubc_slab_owner_release(head);
	}
}

/* ---- hash store ---------------------------------------------------- */

/*
 * A hash store key: an object, or (sub != 0) a thing known by an object and
 * a number, such as a pty by its devpts instance and index: every index a
 * devpts instance can have (int, up to NR_UNIX98_PTY_MAX) is its own key.
 */
struct ubc_owner_key {
	const void *obj;
	unsigned long sub;
};

struct ubc_owner {
	struct rhash_head node;
	struct ubc_owner_key key;
	struct ubc_comp *comp;
	unsigned int res;
	long val;
	struct rcu_head rcu;
};

static const struct rhashtable_params ubc_owner_params = {
	.head_offset = offsetof(struct ubc_owner, node),
	.key_offset = offsetof(struct ubc_owner, key),
	.key_len = sizeof(struct ubc_owner_key),
	.automatic_shrinking = true,
};

static struct rhashtable ubc_owners;
static atomic_long_t ubc_owner_hashed = ATOMIC_LONG_INIT(0);

static void ubc_owner_release(struct ubc_owner *o)
{
	atomic_long_dec(&ubc_owner_hashed);
	ubc_counter_uncharge(&o->comp->res[o->res], o->val);
	ubc_comp_put(o->comp);
	kfree_rcu(o, rcu);
}

static int ubc_hash_charge(struct ubc_owner_key key, struct ubc_comp *comp,
			   unsigned int res, long val, enum ubc_strict strict,
			   bool precharged)
{
	struct ubc_owner *o;
	int err;

	if (rhashtable_lookup_fast(&ubc_owners, &key, ubc_owner_params))
		return precharged ? -EEXIST : 0;	/* already charged */
	o = kmalloc(sizeof(*o), GFP_ATOMIC | __GFP_NOWARN);
	if (!o)
		return -ENOMEM;
	if (!precharged && ubc_counter_charge(&comp->res[res], val, strict)) {
		kfree(o);
		return -ENOSPC;
	}
	o->key = key;
	o->comp = comp;
	o->res = res;
	o->val = val;
	ubc_comp_get(comp);
	atomic_long_inc(&ubc_owner_hashed);
	err = rhashtable_lookup_insert_fast(&ubc_owners, &o->node, ubc_owner_params);
	if (err) {
		/* -EEXIST would be a missed free: don't charge twice */
		atomic_long_dec(&ubc_owner_hashed);
		if (!precharged)
			ubc_counter_uncharge(&comp->res[res], val);
		ubc_comp_put(comp);
		kfree(o);
		if (precharged)
			return err;
		return err == -EEXIST ? 0 : -ENOMEM;
	}
	return 0;
}

static void ubc_hash_uncharge(struct ubc_owner_key key)
{
	struct ubc_owner *o;

	if (!atomic_long_read(&ubc_owner_hashed))
		return;
	rcu_read_lock();
	o = rhashtable_lookup(&ubc_owners, &key, ubc_owner_params);
	if (o && !rhashtable_remove_fast(&ubc_owners, &o->node, ubc_owner_params))
		ubc_owner_release(o);
	rcu_read_unlock();
}

/* ---- interface ----------------------------------------------------- */

int ubc_owners_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ubc_slab_locks); i++)
		spin_lock_init(&ubc_slab_locks[i]);
	return rhashtable_init(&ubc_owners, &ubc_owner_params);
}

static void ubc_owner_drain(void *ptr, void *arg)
{
	ubc_owner_release(ptr);
}

/* After every hook that charges or uncharges objects is gone. */
void ubc_owners_exit(void)
{
	struct ubc_slab_owner *so, *next;
	unsigned long pfn;

	xa_for_each(&ubc_slabs, pfn, so) {
		for (; so; so = next) {
			next = so->next;
			ubc_slab_owner_release(so);
		}
	}
	xa_destroy(&ubc_slabs);	/* takes the xa_lock irqsave, as its flags say */
	rhashtable_free_and_destroy(&ubc_owners, ubc_owner_drain, NULL);
}

/**
 * ubc_owner_charge - charge @comp for a new object and remember it
 *
 * Returns 0, -ENOSPC if the charge was refused (failcnt counted it) or
 * -ENOMEM if the tables could not grow; nothing is charged on failure.
 * An object already charged is not charged again (returns 0).
 * Task context (a hook, preemption disabled); never sleeps.
 */
int ubc_owner_charge(const void *obj, struct ubc_comp *comp, unsigned int res,
		     long val, enum ubc_strict strict)
{
	struct ubc_owner_key key = { .obj = obj };
	struct ubc_slab_pos pos;

	if (val == 1 && ubc_slab_pos(obj, &pos))
		return ubc_slab_charge(obj, &pos, comp, res, strict, false);
	return ubc_hash_charge(key, comp, res, val, strict, false);
}

/**
 * ubc_owner_adopt - remember a unit @comp's @res already holds for @obj
 *
 * For a charge reserved before the object existed (a gate's reservation,
 * see ubc_task_reserve(), or ubc_owner_take() of another key): the counter
 * is not touched. Returns 0, -EEXIST if @obj is charged already, -ENOMEM
 * if the tables could not grow; on failure the caller still owns the unit
 * and returns it (ubc_counter_uncharge()). Any context for a slab object,
 * process context otherwise (see ubc_owner_adopt_key()).
 */
int ubc_owner_adopt(const void *obj, struct ubc_comp *comp, unsigned int res)
{
	struct ubc_owner_key key = { .obj = obj };
	struct ubc_slab_pos pos;

	if (ubc_slab_pos(obj, &pos))
		return ubc_slab_charge(obj, &pos, comp, res, UBC_FORCE, true);
	return ubc_hash_charge(key, comp, res, 1, UBC_FORCE, true);
}

/*
 * The same for a thing known by (@obj, @sub), @sub != 0, kept in the hash
 * store: process context only.
 */
int ubc_owner_adopt_key(const void *obj, unsigned long sub,
			struct ubc_comp *comp, unsigned int res)
{
	struct ubc_owner_key key = { .obj = obj, .sub = sub };

	return ubc_hash_charge(key, comp, res, 1, UBC_FORCE, true);
}

void ubc_owner_uncharge_key(const void *obj, unsigned long sub)
{
	struct ubc_owner_key key = { .obj = obj, .sub = sub };

	ubc_hash_uncharge(key);
}

/**
 * ubc_owner_take - forget the charge of slab object @obj, keeping the unit
 *
 * Returns the compartment that paid (with the object's reference, which
 * the caller now holds) and sets *@res, or NULL if @obj has no charge. The
 * counter is unchanged: the caller adopts the unit for another object or
 * returns it. Any context.
 */
struct ubc_comp *ubc_owner_take(const void *obj, unsigned int *res)
{
	struct ubc_comp *comp = NULL;
	struct ubc_slab_pos pos;

	if (ubc_slab_pos(obj, &pos) && ubc_slab_uncharge(&pos, &comp, res))
		return comp;
	return NULL;
}

/*
 * Return the charge of @obj, if it has one, to whoever paid for it. Any
 * context; @obj must still be allocated (call from its free path, before
 * the memory is given back).
 */
void ubc_owner_uncharge(const void *obj)
{
	struct ubc_slab_pos pos;

	struct ubc_owner_key key = { .obj = obj };

	if (ubc_slab_pos(obj, &pos) && ubc_slab_uncharge(&pos, NULL, NULL))
		return;
	ubc_hash_uncharge(key);
}
