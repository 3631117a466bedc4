/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_COMP_H
#define _UBC_COMP_H

#include <linux/llist.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/ubc.h>

#include "charge.h"

/*
 * A compartment: a set of tasks and the beancounters they are charged to.
 *
 * Lifetime: the registry (ubc_comps, keyed by id) holds one reference until
 * the compartment is destroyed; every tracked task and, later, every charged
 * object holds one more. A destroyed compartment is marked dying and stays
 * in the registry, visible and readable, until its last reference is put;
 * then it is erased and freed after an RCU grace period.
 *
 * Defaults (ubc_comp_create()): every barrier and limit unlimited, except
 * the two guarantees, vmguarpages and oomguarpages, whose barrier is 0: a
 * compartment has no guarantee until the admin gives it a finite one.
 */
/*
 * Memory of a compartment's processes as oom.c last scanned it (resident
 * and swapped pages and page tables of their distinct mms), and its view
 * of the last global OOM selection. All fields under oom.c's scan lock.
 */
struct ubc_comp_mem {
	unsigned long gen;		/* scan that last saw a process */
	long rss;
	long swap;
	long pgtables;			/* pages, mm_pgtables_bytes() / PAGE_SIZE */
	unsigned long oom_gen;		/* OOM selection that saw it */
	long oom_overdraft;		/* oomguarpages held - barrier then */
};

struct ubc_comp {
	u32 id;
	bool dying;			/* under ubc_lock */
	refcount_t ref;
	struct ubc_counter res[UBC_RESOURCES];
	struct ubc_comp_mem mem;	/* oom.c */
	atomic_long_t bursts;		/* low-memory events met in burst (oom.c) */
	/* task.c's entries of this compartment's tasks, under tasks_lock */
	spinlock_t tasks_lock;		/* irq-safe leaf, inside a hash bucket lock */
	struct list_head tasks;
	struct llist_node release;	/* on the release list once unreferenced */
	struct rcu_head rcu;
};

/*
 * ubc_lock serializes every configuration change (create, destroy, set,
 * enter) and registry removal. It is a sleeping lock, never taken in a hook.
 */
extern struct mutex ubc_lock;

int ubc_comps_init(void);
void ubc_comps_exit(void);

struct ubc_comp *ubc_comp_create(u32 id);
int ubc_comp_destroy(struct ubc_comp *comp);
struct ubc_comp *ubc_comp_find(u32 id);
struct ubc_comp *ubc_comp_lookup(u32 id);
struct ubc_comp *ubc_comp_next(u32 *id);
unsigned long ubc_comps_generation(void);

/* Whether a guarantee barrier (vmguarpages, oomguarpages) guarantees. */
static inline bool ubc_guarantee_set(long barrier)
{
	return barrier > 0 && barrier < (long)UBC_UNLIMITED;
}

static inline void ubc_comp_get(struct ubc_comp *comp)
{
	refcount_inc(&comp->ref);
}

void ubc_comp_put(struct ubc_comp *comp);

#endif /* _UBC_COMP_H */
