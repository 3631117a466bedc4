// SPDX-License-Identifier: GPL-2.0
/*
 * What the generated policies (kernel/netlink-gen.c, from
 * Documentation/netlink/specs/ubc.yaml) do not say by themselves: the
 * policy of a resource nest types every attribute of the set, reply-only
 * ones included, so kernel/netlink.c refuses those in a request, as the
 * hand-written policy did. Each is well formed (right type and length):
 * only the parser can refuse it, with EINVAL and an extack naming it, and
 * nothing changes.
 *
 * Compartment ids: 21000..21999.
 */
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "ubc_test.h"

struct one_res {
	uint32_t id;
	int extra;		/* UBC_RES_A_* to add, well formed, or 0 */
};

static void build_set(struct nlmsghdr *nlh, void *arg)
{
	const struct one_res *r = arg;
	struct nlattr *all, *one;

	mnl_attr_put_u32(nlh, UBC_A_ID, r->id);
	all = mnl_attr_nest_start(nlh, UBC_A_RESOURCES);
	one = mnl_attr_nest_start(nlh, UBC_A_RESOURCE);
	mnl_attr_put_u32(nlh, UBC_RES_A_ID, UBC_NUMPROC);
	mnl_attr_put_u64(nlh, UBC_RES_A_BARRIER, 7);
	mnl_attr_put_u64(nlh, UBC_RES_A_LIMIT, 8);
	switch (r->extra) {
	case 0:
		break;
	case UBC_RES_A_NAME:
		mnl_attr_put_strz(nlh, UBC_RES_A_NAME, "numproc");
		break;
	case UBC_RES_A_UNIT:
		mnl_attr_put_u8(nlh, UBC_RES_A_UNIT, UBC_UNIT_ITEMS);
		break;
	default:
		mnl_attr_put_u64(nlh, r->extra, 1);
		break;
	}
	mnl_attr_nest_end(nlh, one);
	mnl_attr_nest_end(nlh, all);
}

TEST_F(ubctest, reply_only_resource_attributes_refused)
{
	static const int reply_only[] = {
		UBC_RES_A_NAME, UBC_RES_A_UNIT, UBC_RES_A_HELD,
		UBC_RES_A_MAXHELD, UBC_RES_A_MINHELD, UBC_RES_A_FAILCNT,
	};
	struct one_res r = { .id = 21000 };
	unsigned int i;

	IDS(21000, 1);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 21000));
	for (i = 0; i < ARRAY_SIZE(reply_only); i++) {
		r.extra = reply_only[i];
		ASSERT_NL(&self->nl, -EINVAL,
			  ubc_request(&self->nl, UBC_CMD_SET, 0, build_set, &r,
				      NULL, NULL));
		ASSERT_NE(NULL, strstr(self->nl.msg, "replies only"))
			TH_LOG("attribute %d: extack '%s'", r.extra, self->nl.msg);
		/* refused before anything changed */
		ASSERT_EQ(UBC_UNLIMITED,
			  ubc_field(&self->nl, 21000, UBC_NUMPROC, UBC_RES_A_BARRIER));
	}
	/* The same request without them is accepted: they were the cause. */
	r.extra = 0;
	ASSERT_NL(&self->nl, 0, ubc_request(&self->nl, UBC_CMD_SET, 0, build_set,
					    &r, NULL, NULL));
	ASSERT_EQ(7, ubc_field(&self->nl, 21000, UBC_NUMPROC, UBC_RES_A_BARRIER));
	ASSERT_EQ(8, ubc_field(&self->nl, 21000, UBC_NUMPROC, UBC_RES_A_LIMIT));
}

TEST_HARNESS_MAIN
