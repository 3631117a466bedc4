/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_OOM_H
#define _UBC_OOM_H

#include "comp.h"

/*
 * physpages, swappages and oomguarpages are computed when read: a reader
 * calls ubc_mem_scan() once (one pass over every process), then
 * ubc_mem_publish() for each compartment it shows, which sets held (and
 * maxheld) of the three counters. Task context, may be called under
 * ubc_lock; neither sleeps.
 */
void ubc_mem_scan(void);
void ubc_mem_publish(struct ubc_comp *comp);

#endif /* _UBC_OOM_H */
