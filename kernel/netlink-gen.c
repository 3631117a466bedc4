// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ubc.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/ubc_generated.h>
#include <linux/ubc.h>
#include <linux/ubc.h>

/* Integer value ranges */
static const struct netlink_range_validation ubc_res_a_barrier_range = {
	.max	= UBC_UNLIMITED,
};

static const struct netlink_range_validation ubc_res_a_limit_range = {
	.max	= UBC_UNLIMITED,
};

/* Common nested types */
const struct nla_policy ubc_res_nl_policy[UBC_RES_A_PAD + 1] = {
	[UBC_RES_A_ID] = NLA_POLICY_MAX(NLA_U32, 24),
	[UBC_RES_A_NAME] = { .type = NLA_NUL_STRING, },
	[UBC_RES_A_UNIT] = NLA_POLICY_MAX(NLA_U8, 3),
	[UBC_RES_A_HELD] = { .type = NLA_U64, },
	[UBC_RES_A_MAXHELD] = { .type = NLA_U64, },
	[UBC_RES_A_MINHELD] = { .type = NLA_U64, },
	[UBC_RES_A_BARRIER] = NLA_POLICY_FULL_RANGE(NLA_U64, &ubc_res_a_barrier_range),
	[UBC_RES_A_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U64, &ubc_res_a_limit_range),
	[UBC_RES_A_FAILCNT] = { .type = NLA_U64, },
};

const struct nla_policy ubc_resources_nl_policy[UBC_A_RESOURCE + 1] = {
	[UBC_A_RESOURCE] = NLA_POLICY_NESTED(ubc_res_nl_policy),
};

/* UBC_CMD_NEW - do */
const struct nla_policy ubc_new_nl_policy[UBC_A_RESOURCES + 1] = {
	[UBC_A_ID] = { .type = NLA_U32, },
	[UBC_A_RESOURCES] = NLA_POLICY_NESTED(ubc_resources_nl_policy),
};

/* UBC_CMD_DEL - do */
const struct nla_policy ubc_del_nl_policy[UBC_A_ID + 1] = {
	[UBC_A_ID] = { .type = NLA_U32, },
};

/* UBC_CMD_SET - do */
const struct nla_policy ubc_set_nl_policy[UBC_A_RESOURCES + 1] = {
	[UBC_A_ID] = { .type = NLA_U32, },
	[UBC_A_RESOURCES] = NLA_POLICY_NESTED(ubc_resources_nl_policy),
};

/* UBC_CMD_GET - do */
const struct nla_policy ubc_get_nl_policy[UBC_A_ID + 1] = {
	[UBC_A_ID] = { .type = NLA_U32, },
};

/* UBC_CMD_ENTER - do */
const struct nla_policy ubc_enter_nl_policy[UBC_A_PID + 1] = {
	[UBC_A_ID] = { .type = NLA_U32, },
	[UBC_A_PID] = { .type = NLA_U32, },
};

/* Ops table for ubc */
const struct genl_ops ubc_nl_ops[5] = {
	{
		.cmd		= UBC_CMD_NEW,
		.doit		= ubc_nl_new_doit,
		.policy		= ubc_new_nl_policy,
		.maxattr	= UBC_A_RESOURCES,
	},
	{
		.cmd		= UBC_CMD_DEL,
		.doit		= ubc_nl_del_doit,
		.policy		= ubc_del_nl_policy,
		.maxattr	= UBC_A_ID,
	},
	{
		.cmd		= UBC_CMD_SET,
		.doit		= ubc_nl_set_doit,
		.policy		= ubc_set_nl_policy,
		.maxattr	= UBC_A_RESOURCES,
	},
	{
		.cmd		= UBC_CMD_GET,
		.doit		= ubc_nl_get_doit,
		.dumpit		= ubc_nl_get_dumpit,
		.policy		= ubc_get_nl_policy,
		.maxattr	= UBC_A_ID,
	},
	{
		.cmd		= UBC_CMD_ENTER,
		.doit		= ubc_nl_enter_doit,
		.policy		= ubc_enter_nl_policy,
		.maxattr	= UBC_A_PID,
	},
};

static const struct genl_multicast_group ubc_nl_mcgrps[] = {
	[UBC_NLGRP_EVENTS] = { "events", },
};
