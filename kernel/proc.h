/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_PROC_H
#define _UBC_PROC_H

int ubc_proc_init(void);
void ubc_proc_exit(void);

#endif /* _UBC_PROC_H */
