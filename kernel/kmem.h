/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_KMEM_H
#define _UBC_KMEM_H

/* A finite kmemsize or dcachesize barrier was set: refusals are needed. */
int ubc_kmem_want_gates(void);

#endif /* _UBC_KMEM_H */
