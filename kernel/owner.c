// SPDX-License-Identifier: GPL-2.0
/*
 * The owner table: object address -> (compartment, resource, amount).
 *
 * An entry exists from the charge of an object to its free. It holds a
 * reference on the compartment, so a destroyed compartment lingers (dying,
 * still visible) until every object it paid for is freed.
 *
 * Concurrency: an rhashtable, lookups under RCU, inserts and removals from
 * task or softirq context (never hardirq: files and sockets are not freed
 * there). Entries are freed after an RCU grace period. An object is charged
 * once: its allocation hook runs before any other CPU can see it, and its
 * free hook runs once, after the last user.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "owner.h"

struct ubc_owner {
	struct rhash_head node;
	const void *obj;
	struct ubc_comp *comp;
	unsigned int res;
	long val;
	struct rcu_head rcu;
};

static const struct rhashtable_params ubc_owner_params = {
	.head_offset = offsetof(struct ubc_owner, node),
	.key_offset = offsetof(struct ubc_owner, obj),
	.key_len = sizeof(void *),
	.automatic_shrinking = true,
};

static struct rhashtable ubc_owners;

int ubc_owners_init(void)
{
	return rhashtable_init(&ubc_owners, &ubc_owner_params);
}

static void ubc_owner_release(struct ubc_owner *o)
{
	ubc_counter_uncharge(&o->comp->res[o->res], o->val);
	ubc_comp_put(o->comp);
	kfree_rcu(o, rcu);
}

static void ubc_owner_drain(void *ptr, void *arg)
{
	ubc_owner_release(ptr);
}

/* After every hook that charges or uncharges objects is gone. */
void ubc_owners_exit(void)
{
	rhashtable_free_and_destroy(&ubc_owners, ubc_owner_drain, NULL);
}

/**
 * ubc_owner_charge - charge @comp for a new object and remember it
 *
 * Returns 0, -ENOSPC if the charge was refused (failcnt counted it) or
 * -ENOMEM if the table could not grow; nothing is charged on failure.
 * Any context but hardirq; never sleeps.
 */
int ubc_owner_charge(const void *obj, struct ubc_comp *comp, unsigned int res,
		     long val, enum ubc_strict strict)
{
	struct ubc_owner *o;
	int err;

	/* already charged (e.g. an sk made by socket() and later grafted) */
	if (rhashtable_lookup_fast(&ubc_owners, &obj, ubc_owner_params))
		return 0;
	o = kmalloc(sizeof(*o), GFP_ATOMIC | __GFP_NOWARN);
	if (!o)
		return -ENOMEM;
	if (ubc_counter_charge(&comp->res[res], val, strict)) {
		kfree(o);
		return -ENOSPC;
	}
	o->obj = obj;
	o->comp = comp;
	o->res = res;
	o->val = val;
	ubc_comp_get(comp);
	err = rhashtable_lookup_insert_fast(&ubc_owners, &o->node, ubc_owner_params);
	if (err) {
		/* -EEXIST would be a missed free: don't charge twice */
		ubc_counter_uncharge(&comp->res[res], val);
		ubc_comp_put(comp);
		kfree(o);
		return err == -EEXIST ? 0 : -ENOMEM;
	}
	return 0;
}

/* Return the charge of @obj, if it has one, to whoever paid for it. */
void ubc_owner_uncharge(const void *obj)
{
	struct ubc_owner *o;

	rcu_read_lock();
	o = rhashtable_lookup(&ubc_owners, &obj, ubc_owner_params);
	if (o && !rhashtable_remove_fast(&ubc_owners, &o->node, ubc_owner_params))
		ubc_owner_release(o);
	rcu_read_unlock();
}
