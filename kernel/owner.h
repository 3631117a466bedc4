/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_OWNER_H
#define _UBC_OWNER_H

#include "charge.h"
#include "comp.h"

/*
 * Who paid for a kernel object: charges that must be returned to the
 * compartment that paid, whoever frees the object and in whatever context.
 * ubc_owner_charge() from task context (a hook); ubc_owner_uncharge() from
 * any context, interrupts disabled included, for slab objects charged one
 * unit (other keys: process context only). Slab objects charged one unit
 * cost about one bit plus a share of a per-slab entry; see owner.c.
 */
int ubc_owners_init(void);
void ubc_owners_exit(void);
int ubc_owner_charge(const void *obj, struct ubc_comp *comp, unsigned int res,
		     long val, enum ubc_strict strict);
void ubc_owner_uncharge(const void *obj);
int ubc_owner_adopt(const void *obj, struct ubc_comp *comp, unsigned int res);
int ubc_owner_adopt_key(const void *obj, unsigned long sub,
			struct ubc_comp *comp, unsigned int res);
void ubc_owner_uncharge_key(const void *obj, unsigned long sub);
struct ubc_comp *ubc_owner_take(const void *obj, unsigned int *res);
void ubc_owner_page_freed(unsigned long pfn);

#endif /* _UBC_OWNER_H */
