/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_OOM_H
#define _UBC_OOM_H

#include "comp.h"

/*
 * physpages, swappages and oomguarpages are computed when read: a reader
 * calls ubc_mem_publish() for each compartment it shows, which measures
 * that compartment's own tasks (never the host's processes) and sets held
 * (and maxheld) of the three counters. Task context, may be called under
 * ubc_lock; may sleep (allocates).
 */
void ubc_mem_publish(struct ubc_comp *comp);

#endif /* _UBC_OOM_H */
