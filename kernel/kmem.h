/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_KMEM_H
#define _UBC_KMEM_H

#include <linux/types.h>

struct ubc_comp;

/* A finite kmemsize or dcachesize barrier was set: refusals are needed. */
int ubc_kmem_want_gates(void);

/*
 * A compartment task's kmem reservations: what a gate reserved for an
 * allocation, until the allocation's event commits it (or returns it, the
 * allocation having failed). One entry per allocation between its gate and
 * its event; allocations nest (one inside the allocator, in reclaim), so
 * they form a stack. Kept in the task's entry (task.c); read and written
 * only by the task itself, in task context (interrupts charge nothing),
 * and by ubc_kmem_task_release() once the task is gone. See kmem.c.
 */
#define UBC_KRESV_DEPTH	6

struct ubc_kresv_ent {
	u32 size;		/* bytes: an object's, or PAGE_SIZE << order */
	u8 page;		/* a page allocation, not a slab object */
	u8 state;		/* UBC_KRESV_* in kmem.c */
	u8 dcache;		/* also reserved in dcachesize */
};

struct ubc_kresv {
	u8 n;			/* entries in use */
	u8 bulk;		/* the next gate is a bulk allocation's */
	struct ubc_kresv_ent e[UBC_KRESV_DEPTH];
};

/* The task of @r is gone: return what it still had reserved. */
void ubc_kmem_task_release(struct ubc_kresv *r, struct ubc_comp *comp);

#endif /* _UBC_KMEM_H */
