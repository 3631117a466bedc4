/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_PROCVZ_H
#define _UBC_PROCVZ_H

int ubc_procvz_init(void);
void ubc_procvz_exit(void);
void ubc_procvz_sync(void);

#endif /* _UBC_PROCVZ_H */
