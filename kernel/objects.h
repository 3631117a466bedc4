/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_OBJECTS_H
#define _UBC_OBJECTS_H

int ubc_objects_init(void);
int ubc_objects_arm(void);
void ubc_objects_disarm(void);
void ubc_objects_exit(void);

#endif /* _UBC_OBJECTS_H */
