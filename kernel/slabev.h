/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slab events kmem:kmem_cache_alloc and kmem:kmem_cache_free, shared by
 * the parts that follow slab objects (kmem, locksig). See slabev.c.
 */
#ifndef _UBC_SLABEV_H
#define _UBC_SLABEV_H

#include <linux/gfp.h>

struct kmem_cache;
struct tracepoint;

enum ubc_slabev_user {
	UBC_SLABEV_KMEM,
	UBC_SLABEV_LOCKSIG,
	UBC_SLABEV_NR
};

int ubc_slabev_find(void);			/* init; any number of times */
struct tracepoint *ubc_slabev_alloc_tp(void);	/* after ubc_slabev_find() */
int ubc_slabev_get(enum ubc_slabev_user user);	/* arm, under ubc_lock */
void ubc_slabev_put(enum ubc_slabev_user user);	/* disarm, under ubc_lock */

/* The users' handlers: any context, preemption disabled. */
void ubc_kmem_cache_alloc_ev(const void *ptr, struct kmem_cache *s, gfp_t gfp);
void ubc_kmem_cache_free_ev(const void *ptr);
void ubc_locksig_alloc_ev(unsigned long call_site, const void *ptr,
			  struct kmem_cache *s);
void ubc_locksig_free_ev(const void *ptr, const struct kmem_cache *s);

/* numflock's decision, from kmem.c's slab gates (see locksig.c). */
bool ubc_locksig_slab_refuse(struct kmem_cache *s);

#endif /* _UBC_SLABEV_H */
