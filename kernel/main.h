/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_MAIN_H
#define _UBC_MAIN_H

int ubc_arm(void);

#endif /* _UBC_MAIN_H */
