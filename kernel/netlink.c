// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "ubc": its handlers. Everything else comes from
 * Documentation/netlink/specs/ubc.yaml, which documents every command and
 * attribute: the uapi header and the per-command policies and ops table
 * (kernel/netlink-gen.c, which names the handlers ubc_nl_<cmd>_doit and
 * ubc_nl_get_dumpit) are generated from it ("make gen"). Every handler runs
 * in the sender's task context under genl_mutex (the family has no
 * parallel_ops); configuration changes also take ubc_lock.
 *
 * Who may do what:
 *  - NEW, DEL, SET, ENTER: CAP_SYS_ADMIN in the initial user namespace,
 *    from a host task (EPERM otherwise, with an extack message);
 *  - GET and dump: a host task needs CAP_SYS_ADMIN in the initial user
 *    namespace (EPERM with an extack message otherwise; a dump reports it
 *    in its NLMSG_DONE); a task inside a compartment may read its own
 *    compartment and only that, whatever its capabilities: a GET of any
 *    other id fails with ENOENT ("no such compartment", as for a missing
 *    id, so that it learns nothing about other compartments) and its dump
 *    holds its own compartment alone.
 *  - No read walks the host's processes: physpages, swappages and
 *    oomguarpages are measured from the compartment's own tasks (oom.c).
 *
 * Dumps and the module: the kernel holds a reference on the module of a
 * dump's family from the request until the dump ends (__netlink_dump_start()
 * to the last netlink_dump(), net/netlink/af_netlink.c; genetlink.c's
 * per-dump state calls the family's dumpit through a copy of its ops). ubc
 * keeps no state of its own in a dump (the cursor is in cb->args) and ends
 * it in the same call when the rest fits in the message buffer (the dumpit
 * returns 0, netlink_dump() appends NLMSG_DONE to that buffer): a dump of
 * a compartment's own counters, or of the few compartments that fit one
 * buffer, ends inside the request and pins nothing, read or not. A host
 * admin's dump of more compartments than one buffer holds keeps the
 * reference until it is read to its end or its socket is closed, as every
 * netlink dump does (only CAP_SYS_ADMIN can start one).
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <net/genetlink.h>
#include <ubc/resources.h>

#include "comp.h"
#include "events.h"
#include "kmem.h"
#include "main.h"
#include "netlink.h"
#include "netlink-gen.h"
#include "oom.h"
#include "procvz.h"
#include "task.h"


/* Like NL_REQ_ATTR_CHECK(), plus a message naming the missing attribute. */
#define UBC_REQUIRE(extack, nest, tb, type) ({				\
	bool __missing = !(tb)[type];					\
									\
	if (__missing) {						\
		NL_SET_ERR_MSG(extack, "missing attribute " #type);	\
		NL_SET_ERR_ATTR_MISS(extack, nest, type);		\
	}								\
	__missing;							\
})

/* Barriers and limits of a request, validated before anything changes. */
struct ubc_limits {
	DECLARE_BITMAP(given, UBC_RESOURCES);
	long barrier[UBC_RESOURCES];
	long limit[UBC_RESOURCES];
};

static int ubc_nl_parse_limits(struct nlattr *nest, struct ubc_limits *lim,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[UBC_RES_A_MAX + 1];
	struct nlattr *res;
	int rem, err, t;
	u32 r;

	bitmap_zero(lim->given, UBC_RESOURCES);
	nla_for_each_nested(res, nest, rem) {
		/* the policy admits nothing but UBC_A_RESOURCE here */
		err = nla_parse_nested(tb, UBC_RES_A_MAX, res, ubc_res_nl_policy, extack);
		if (err)
			return err;
		/* the nest's generated policy types its reply attributes too */
		for (t = 0; t <= UBC_RES_A_MAX; t++) {
			if (tb[t] && t != UBC_RES_A_ID && t != UBC_RES_A_BARRIER &&
			    t != UBC_RES_A_LIMIT) {
				NL_SET_ERR_MSG_ATTR(extack, tb[t],
						    "attribute is for replies only");
				return -EINVAL;
			}
		}
		if (UBC_REQUIRE(extack, res, tb, UBC_RES_A_ID) ||
		    UBC_REQUIRE(extack, res, tb, UBC_RES_A_BARRIER) ||
		    UBC_REQUIRE(extack, res, tb, UBC_RES_A_LIMIT))
			return -EINVAL;
		r = nla_get_u32(tb[UBC_RES_A_ID]);
		if (!ubc_resource_valid(r)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[UBC_RES_A_ID],
					    "resource slot is unused (dummy)");
			return -EINVAL;
		}
		if (test_and_set_bit(r, lim->given)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[UBC_RES_A_ID],
					    "resource given twice");
			return -EINVAL;
		}
		lim->barrier[r] = nla_get_u64(tb[UBC_RES_A_BARRIER]);
		lim->limit[r] = nla_get_u64(tb[UBC_RES_A_LIMIT]);
		if (lim->barrier[r] > lim->limit[r]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[UBC_RES_A_BARRIER],
					    "barrier must not be above limit");
			return -EINVAL;
		}
	}
	return 0;
}

/* The guarantees: their barrier is what a compartment is promised. */
static bool ubc_is_guarantee(unsigned int r)
{
	return r == UBC_VMGUARPAGES || r == UBC_OOMGUARPAGES;
}

/*
 * OpenVZ's rule for guarantees (vzctl's validate.c): the guarantees of all
 * compartments together must fit in RAM + swap, or the kernel cannot keep
 * them all at once. Checked after a change, under ubc_lock; warns (dmesg
 * once, extack every time) and refuses nothing.
 */
static void ubc_check_guarantees(struct netlink_ext_ack *extack)
{
	unsigned long total = totalram_pages() +
			      atomic_long_read(&nr_swap_pages);
	static const unsigned int rs[] = { UBC_VMGUARPAGES, UBC_OOMGUARPAGES };
	unsigned long sum[ARRAY_SIZE(rs)] = { 0 };
	struct ubc_comp *comp;
	unsigned int i;
	u32 id = 0;

	lockdep_assert_held(&ubc_lock);
	while ((comp = ubc_comp_next(&id))) {
		for (i = 0; i < ARRAY_SIZE(rs); i++) {
			long b = READ_ONCE(comp->res[rs[i]].barrier);

			if (!comp->dying && ubc_guarantee_set(b))
				sum[i] = min_t(unsigned long, sum[i] + b, LONG_MAX);
		}
		if (id == U32_MAX)
			break;
		id++;
	}
	for (i = 0; i < ARRAY_SIZE(rs); i++) {
		if (sum[i] <= total)
			continue;
		pr_warn_once("the %s guarantees of all compartments (%lu pages) exceed RAM + swap (%lu pages): not all can be kept\n",
			     ubc_resource_name(rs[i]), sum[i], total);
		NL_SET_ERR_MSG(extack, "the guarantees of all compartments exceed RAM + swap");
	}
}

static void ubc_apply_limits(struct ubc_comp *comp, const struct ubc_limits *lim,
			     struct netlink_ext_ack *extack)
{
	unsigned int r;

	lockdep_assert_held(&ubc_lock);
	for_each_set_bit(r, lim->given, UBC_RESOURCES) {
		ubc_counter_set(&comp->res[r], lim->barrier[r], lim->limit[r]);
		if (ubc_is_guarantee(r) && lim->barrier[r] == UBC_UNLIMITED)
			NL_SET_ERR_MSG(extack, "an unlimited guarantee is no guarantee (treated as none)");
	}
	if (test_bit(UBC_VMGUARPAGES, lim->given) ||
	    test_bit(UBC_OOMGUARPAGES, lim->given))
		ubc_check_guarantees(extack);
	if ((test_bit(UBC_KMEMSIZE, lim->given) &&
	     lim->barrier[UBC_KMEMSIZE] < UBC_UNLIMITED) ||
	    (test_bit(UBC_DCACHESIZE, lim->given) &&
	     lim->barrier[UBC_DCACHESIZE] < UBC_UNLIMITED) ||
	    /* numflock refuses in the same slab gates (locksig.c) */
	    (test_bit(UBC_NUMFLOCK, lim->given) &&
	     lim->limit[UBC_NUMFLOCK] < UBC_UNLIMITED)) {
		int err = ubc_kmem_want_gates();

		if (err)
			pr_warn("cannot attach the kmemsize/dcachesize gates (error %d): counted, not refused\n",
				err);
	}
}

/* Mutations: CAP_SYS_ADMIN in the initial user namespace, from the host. */
static int ubc_nl_admin_check(struct sk_buff *skb, struct genl_info *info)
{
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "CAP_SYS_ADMIN in the initial user namespace required");
		return -EPERM;
	}
	if (ubc_current_id()) {
		GENL_SET_ERR_MSG(info, "not allowed from inside a compartment");
		return -EPERM;
	}
	return 0;
}

/*
 * Reads: returns the only id the requester may see (its compartment's), 0
 * for a host task allowed to see all, or -EPERM (a host task without
 * CAP_SYS_ADMIN in the initial user namespace).
 */
static long ubc_nl_read_scope(struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	u32 own = ubc_current_id();

	if (own)
		return own;
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(extack, "CAP_SYS_ADMIN in the initial user namespace required to read compartments");
		return -EPERM;
	}
	return 0;
}

/* UBC_A_ID of a request: required, not 0. */
static int ubc_nl_get_id(struct genl_info *info, u32 *id)
{
	if (UBC_REQUIRE(info->extack, NULL, info->attrs, UBC_A_ID))
		return -EINVAL;
	*id = nla_get_u32(info->attrs[UBC_A_ID]);
	if (!*id) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[UBC_A_ID],
				    "id 0 is the host, not a compartment");
		return -EINVAL;
	}
	return 0;
}

static struct ubc_comp *ubc_nl_find(struct genl_info *info, u32 id)
{
	struct ubc_comp *comp = ubc_comp_find(id);

	if (!comp)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[UBC_A_ID],
				    "no such compartment");
	return comp;
}

static int ubc_nl_fill_res(struct sk_buff *skb, struct ubc_comp *comp,
			   unsigned int r)
{
	struct ubc_counter *c = &comp->res[r];
	struct nlattr *nest = nla_nest_start(skb, UBC_A_RESOURCE);

	if (!nest ||
	    nla_put_u32(skb, UBC_RES_A_ID, r) ||
	    nla_put_string(skb, UBC_RES_A_NAME, ubc_resource_name(r)) ||
	    nla_put_u8(skb, UBC_RES_A_UNIT, ubc_resource_unit(r)) ||
	    nla_put_u64_64bit(skb, UBC_RES_A_HELD, atomic_long_read(&c->held), UBC_RES_A_PAD) ||
	    nla_put_u64_64bit(skb, UBC_RES_A_MAXHELD, atomic_long_read(&c->maxheld), UBC_RES_A_PAD) ||
	    nla_put_u64_64bit(skb, UBC_RES_A_MINHELD, atomic_long_read(&c->minheld), UBC_RES_A_PAD) ||
	    nla_put_u64_64bit(skb, UBC_RES_A_BARRIER, READ_ONCE(c->barrier), UBC_RES_A_PAD) ||
	    nla_put_u64_64bit(skb, UBC_RES_A_LIMIT, READ_ONCE(c->limit), UBC_RES_A_PAD) ||
	    nla_put_u64_64bit(skb, UBC_RES_A_FAILCNT, atomic_long_read(&c->failcnt), UBC_RES_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static void *ubc_nl_fill(struct sk_buff *skb, struct ubc_comp *comp, u32 portid,
			 u32 seq, int flags)
{
	struct nlattr *nest;
	unsigned int r;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ubc_genl_family, flags, UBC_CMD_GET);
	if (!hdr)
		return NULL;
	ubc_mem_publish(comp);
	if (nla_put_u32(skb, UBC_A_ID, comp->id) ||
	    nla_put_u32(skb, UBC_A_FLAGS, comp->dying ? UBC_F_DYING : 0) ||
	    nla_put_u64_64bit(skb, UBC_A_BURSTS, atomic_long_read(&comp->bursts),
			      UBC_A_PAD))
		goto cancel;
	nest = nla_nest_start(skb, UBC_A_RESOURCES);
	if (!nest)
		goto cancel;
	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_resource_valid(r) && ubc_nl_fill_res(skb, comp, r))
			goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return hdr;

cancel:
	genlmsg_cancel(skb, hdr);
	return NULL;
}

int ubc_nl_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ubc_limits lim;
	struct ubc_comp *comp;
	int err;
	u32 id;

	err = ubc_nl_admin_check(skb, info) ?: ubc_nl_get_id(info, &id);
	if (err)
		return err;
	bitmap_zero(lim.given, UBC_RESOURCES);
	if (info->attrs[UBC_A_RESOURCES]) {
		err = ubc_nl_parse_limits(info->attrs[UBC_A_RESOURCES], &lim,
					  info->extack);
		if (err)
			return err;
	}
	mutex_lock(&ubc_lock);
	err = ubc_arm();
	if (err) {
		GENL_SET_ERR_MSG(info, "cannot attach to the kernel (see dmesg)");
		mutex_unlock(&ubc_lock);
		return err;
	}
	comp = ubc_comp_create(id);
	if (IS_ERR(comp)) {
		err = PTR_ERR(comp);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[UBC_A_ID],
					    "compartment exists (or is still draining after destroy)");
	} else {
		ubc_apply_limits(comp, &lim, info->extack);
		ubc_event_comp(UBC_CMD_NEW_NTF, id);
	}
	mutex_unlock(&ubc_lock);
	if (!err)
		ubc_procvz_sync();	/* its /proc/bc/ID, outside ubc_lock */
	return err;
}

int ubc_nl_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ubc_comp *comp;
	int err;
	u32 id;

	err = ubc_nl_admin_check(skb, info) ?: ubc_nl_get_id(info, &id);
	if (err)
		return err;
	mutex_lock(&ubc_lock);
	comp = ubc_nl_find(info, id);
	if (!comp) {
		err = -ENOENT;
	} else if (ubc_counter_held(&comp->res[UBC_NUMPROC])) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[UBC_A_ID],
				    "compartment still has tasks");
		err = -EBUSY;
	} else {
		err = ubc_comp_destroy(comp);
		if (!err)	/* before its drained-ntf: see events.c */
			ubc_event_comp(UBC_CMD_DEL_NTF, id);
	}
	mutex_unlock(&ubc_lock);
	return err;
}

int ubc_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ubc_limits lim;
	struct ubc_comp *comp;
	int err;
	u32 id;

	err = ubc_nl_admin_check(skb, info) ?: ubc_nl_get_id(info, &id);
	if (err)
		return err;
	if (UBC_REQUIRE(info->extack, NULL, info->attrs, UBC_A_RESOURCES))
		return -EINVAL;
	err = ubc_nl_parse_limits(info->attrs[UBC_A_RESOURCES], &lim, info->extack);
	if (err)
		return err;
	if (bitmap_empty(lim.given, UBC_RESOURCES)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[UBC_A_RESOURCES],
				    "no resource given");
		return -EINVAL;
	}
	mutex_lock(&ubc_lock);
	comp = ubc_nl_find(info, id);
	if (comp)
		ubc_apply_limits(comp, &lim, info->extack);
	mutex_unlock(&ubc_lock);
	return comp ? 0 : -ENOENT;
}

int ubc_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ubc_comp *comp;
	struct sk_buff *msg;
	long visible;
	int err;
	u32 id;

	visible = ubc_nl_read_scope(skb, info->extack);	/* 0: all */
	if (visible < 0)
		return visible;
	err = ubc_nl_get_id(info, &id);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&ubc_lock);
	/* dying compartments stay readable until drained */
	comp = ubc_comp_lookup(id);
	if (comp && visible && visible != id)
		comp = NULL;	/* the same answer as for a missing id */
	if (!comp) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[UBC_A_ID],
				    "no such compartment");
		err = -ENOENT;
	}
	else if (!ubc_nl_fill(msg, comp, info->snd_portid, info->snd_seq, 0))
		err = -EMSGSIZE;
	mutex_unlock(&ubc_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: the next id to dump, a u64 so that U32_MAX + 1 ends the dump.
 * cb->args[1]: 0 before the first call; then 1 + the only id the requester
 * may see (1 for a host admin: all), decided once, from the requester.
 * cb->seq: the registry generation; a change between two parts of a dump
 * sets NLM_F_DUMP_INTR on the next message. Returns 0 once the last
 * compartment is in @skb, so that NLMSG_DONE joins it (see the top).
 */
int ubc_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	u64 next = cb->args[0];
	struct ubc_comp *comp;
	long visible;
	void *hdr;
	u32 id;

	if (!cb->args[1]) {
		visible = ubc_nl_read_scope(cb->skb, cb->extack);
		if (visible < 0)
			return visible;
		cb->args[1] = visible + 1;
		if (visible)
			next = max_t(u64, next, visible);
	}
	visible = cb->args[1] - 1;

	mutex_lock(&ubc_lock);
	cb->seq = ubc_comps_generation();
	while (next <= U32_MAX) {
		id = next;
		comp = ubc_comp_next(&id);
		if (!comp || (visible && id != visible)) {
			next = (u64)U32_MAX + 1;
			break;
		}
		next = id;
		hdr = ubc_nl_fill(skb, comp, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (!hdr)
			break;	/* full: resume at this id */
		genl_dump_check_consistent(cb, hdr);
		next = (u64)id + 1;
	}
	mutex_unlock(&ubc_lock);
	cb->args[0] = next;
	return next > U32_MAX ? 0 : skb->len;
}

int ubc_nl_enter_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ubc_comp *comp;
	int err;
	u32 id;

	err = ubc_nl_admin_check(skb, info) ?: ubc_nl_get_id(info, &id);
	if (err)
		return err;
	if (UBC_REQUIRE(info->extack, NULL, info->attrs, UBC_A_PID))
		return -EINVAL;
	mutex_lock(&ubc_lock);
	comp = ubc_nl_find(info, id);
	err = comp ? ubc_task_enter(comp, nla_get_u32(info->attrs[UBC_A_PID]),
				    info->extack)
		   : -ENOENT;
	mutex_unlock(&ubc_lock);
	return err;
}

/*
 * The generated ubc_nl_mcgrps[] (netlink-gen.c) cannot say who may
 * listen: ynl-gen emits no group flags. This table adds them.
 */
static const struct genl_multicast_group ubc_mcgrps[] = {
	[UBC_NLGRP_EVENTS] = {
		.name = UBC_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

struct genl_family ubc_genl_family __ro_after_init = {
	.name = UBC_GENL_NAME,
	.version = UBC_GENL_VERSION,
	.maxattr = UBC_A_MAX,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = ubc_nl_ops,
	.n_ops = ARRAY_SIZE(ubc_nl_ops),
	.mcgrps = ubc_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ubc_mcgrps),
	/*
	 * Every command validates strictly: genlmsghdr.reserved must be 0 and
	 * nlmsg_flags only NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP.
	 */
	.resv_start_op = 0,
};

int __init ubc_genl_init(void)
{
	int err = genl_register_family(&ubc_genl_family);

	if (!err)
		ubc_events_start();
	return err;
}

void ubc_genl_exit(void)
{
	ubc_events_stop();
	genl_unregister_family(&ubc_genl_family);
}
