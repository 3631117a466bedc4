/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_HOST_H
#define _UBC_HOST_H

#include "proc.h"

/*
 * The host's beancounter (id 0) as the /proc files print it: held is what
 * the kernel counts globally minus what the compartments hold (0 where the
 * kernel keeps no global count a module can read); see host.c. Under
 * ubc_lock; may sleep.
 */
void ubc_host_vals(struct ubc_proc_vals *v);
long ubc_host_numproc(void);

#endif /* _UBC_HOST_H */
