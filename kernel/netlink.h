/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_NETLINK_H
#define _UBC_NETLINK_H

#include <net/genetlink.h>

extern struct genl_family ubc_genl_family;

int ubc_genl_init(void);
void ubc_genl_exit(void);

#endif /* _UBC_NETLINK_H */
