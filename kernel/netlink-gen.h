/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ubc.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_UBC_GEN_H
#define _LINUX_UBC_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/ubc_generated.h>
#include <linux/ubc.h>
#include <linux/ubc.h>

/* Common nested types */
extern const struct nla_policy ubc_res_nl_policy[UBC_RES_A_PAD + 1];
extern const struct nla_policy ubc_resources_nl_policy[UBC_A_RESOURCE + 1];

extern const struct nla_policy ubc_new_nl_policy[UBC_A_RESOURCES + 1];

extern const struct nla_policy ubc_del_nl_policy[UBC_A_ID + 1];

extern const struct nla_policy ubc_set_nl_policy[UBC_A_RESOURCES + 1];

extern const struct nla_policy ubc_get_nl_policy[UBC_A_ID + 1];

extern const struct nla_policy ubc_enter_nl_policy[UBC_A_PID + 1];

/* Ops table for ubc */
extern const struct genl_ops ubc_nl_ops[5];

int ubc_nl_new_doit(struct sk_buff *skb, struct genl_info *info);
int ubc_nl_del_doit(struct sk_buff *skb, struct genl_info *info);
int ubc_nl_set_doit(struct sk_buff *skb, struct genl_info *info);
int ubc_nl_get_doit(struct sk_buff *skb, struct genl_info *info);
int ubc_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int ubc_nl_enter_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	UBC_NLGRP_EVENTS,
};

#endif /* _LINUX_UBC_GEN_H */
