// SPDX-License-Identifier: GPL-2.0
/*
 * ubc generic netlink API: NEW, DEL, SET, GET, dump and every error path of
 * the contract (errno and extack message), atomicity of SET.
 *
 * Who may read: a host task without CAP_SYS_ADMIN in the initial user
 * namespace (nobody; root without CAP_SYS_ADMIN) gets EPERM with an extack
 * message from GET and from a dump (in its NLMSG_DONE); a task inside a
 * compartment, even unprivileged, reads its own compartment and gets
 * ENOENT for any other, whose dump shows its own alone; host root sees all.
 * A dump that is never read does not hold a reference on the module.
 *
 * Compartment ids: 10000..10999 and 0xfffffffe..0xffffffff.
 */
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_worker.h"

#define U UBC_UNLIMITED
#define NL_H (&self->nl)

/* ---- hand-crafted requests ---- */

struct rentry {
	int no_id, no_barrier, no_limit;
	uint32_t id;
	uint64_t barrier, limit;
	int barrier_u32;	/* put UBC_RES_A_BARRIER as 4 bytes */
	uint16_t extra;		/* put an extra u32 attribute of this type */
};

struct rreq {
	int has_id;
	uint32_t id;
	int id_u16;		/* put UBC_A_ID as 2 bytes */
	int has_pid;
	uint32_t pid;
	int has_res;		/* put UBC_A_RESOURCES (maybe empty) */
	int res_not_nested;	/* ... without NLA_F_NESTED */
	struct rentry e[4];
	unsigned int ne;
	int has_extra;		/* put a top-level u32 attribute of type extra */
	uint16_t extra;
};

static void build_raw(struct nlmsghdr *nlh, void *arg)
{
	struct rreq *r = arg;
	unsigned int i;

	if (r->has_id) {
		if (r->id_u16)
			mnl_attr_put_u16(nlh, UBC_A_ID, (uint16_t)r->id);
		else
			mnl_attr_put_u32(nlh, UBC_A_ID, r->id);
	}
	if (r->has_pid)
		mnl_attr_put_u32(nlh, UBC_A_PID, r->pid);
	if (r->has_extra)
		mnl_attr_put_u32(nlh, r->extra, 1);
	if (r->has_res) {
		struct nlattr *all;

		if (r->res_not_nested) {
			all = mnl_nlmsg_get_payload_tail(nlh);
			mnl_attr_put(nlh, UBC_A_RESOURCES, 0, NULL);
		} else {
			all = mnl_attr_nest_start(nlh, UBC_A_RESOURCES);
		}
		for (i = 0; i < r->ne; i++) {
			struct rentry *e = &r->e[i];
			struct nlattr *n = mnl_attr_nest_start(nlh,
							       UBC_A_RESOURCE);

			if (!e->no_id)
				mnl_attr_put_u32(nlh, UBC_RES_A_ID, e->id);
			if (!e->no_barrier) {
				if (e->barrier_u32)
					mnl_attr_put_u32(nlh, UBC_RES_A_BARRIER,
							 (uint32_t)e->barrier);
				else
					mnl_attr_put_u64(nlh, UBC_RES_A_BARRIER,
							 e->barrier);
			}
			if (!e->no_limit)
				mnl_attr_put_u64(nlh, UBC_RES_A_LIMIT, e->limit);
			if (e->extra)
				mnl_attr_put_u32(nlh, e->extra, 1);
			mnl_attr_nest_end(nlh, n);
		}
		/* mnl_attr_nest_end() sets the length only; keep the flag. */
		all->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) -
			       (char *)all;
	}
}

static int raw(struct ubc_nl *h, uint8_t cmd, struct rreq *r)
{
	return ubc_request(h, cmd, 0, build_raw, r, NULL, NULL);
}

/* ---- checks ---- */

/* @info: the 21 real resources in slot order, with names and units. */
static void check_shape(struct __test_metadata *_metadata,
			const struct ubc_info *info)
{
	unsigned int r, k = 0;

	ASSERT_FALSE(info->bad) TH_LOG("%s", info->why);
	ASSERT_EQ(UBC_NR_REAL, info->nres);
	for (r = 0; r < UBC_RESOURCES; r++) {
		const struct ubc_res *res = &info->res[r];

		if (!ubc_resource_valid(r)) {
			ASSERT_FALSE(res->seen) TH_LOG("dummy slot %u reported",
						       r);
			continue;
		}
		ASSERT_TRUE(res->seen) TH_LOG("resource %u missing", r);
		ASSERT_EQ(r, info->order[k]) TH_LOG("reply order at %u", k);
		k++;
		ASSERT_STREQ(ubc_resource_name(r), res->name);
		ASSERT_EQ(ubc_resource_unit(r), res->unit)
			TH_LOG("unit of %s", res->name);
	}
}

/*
 * @info: shape ok, no usage at all, every barrier/limit unlimited except
 * those in @lims and the guarantees' barriers (vmguarpages, oomguarpages),
 * which start at 0: no guarantee unless the admin gives one.
 */
static void check_values(struct __test_metadata *_metadata,
			 const struct ubc_info *info,
			 const struct ubc_lim *lims, unsigned int n)
{
	unsigned int r, i;

	check_shape(_metadata, info);
	ASSERT_EQ(0, info->flags);
	for (r = 0; r < UBC_RESOURCES; r++) {
		const struct ubc_res *res = &info->res[r];
		uint64_t b = U, l = U;

		if (!ubc_resource_valid(r))
			continue;
		if (r == UBC_VMGUARPAGES || r == UBC_OOMGUARPAGES)
			b = 0;
		for (i = 0; i < n; i++)
			if (lims[i].res == r) {
				b = lims[i].barrier;
				l = lims[i].limit;
			}
		EXPECT_EQ(b, res->barrier) TH_LOG("barrier of %s", res->name);
		EXPECT_EQ(l, res->limit) TH_LOG("limit of %s", res->name);
		EXPECT_EQ(0, res->held) TH_LOG("held of %s", res->name);
		EXPECT_EQ(0, res->maxheld) TH_LOG("maxheld of %s", res->name);
		EXPECT_EQ(0, res->minheld) TH_LOG("minheld of %s", res->name);
		EXPECT_EQ(0, res->failcnt) TH_LOG("failcnt of %s", res->name);
	}
}

static void get_values(struct __test_metadata *_metadata, struct ubc_nl *h,
		       uint32_t id, const struct ubc_lim *lims, unsigned int n)
{
	struct ubc_info info;

	ASSERT_GET(h, id, &info);
	check_values(_metadata, &info, lims, n);
}

static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

/* ---- tests ---- */

TEST_F(ubctest, family_version)
{
	EXPECT_EQ(UBC_GENL_VERSION, self->nl.version);
	EXPECT_NE(0, self->nl.family);
}

TEST_F(ubctest, new_defaults)
{
	IDS(10000, 1);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10000));
	get_values(_metadata, &self->nl, 10000, NULL, 0);
}

TEST_F(ubctest, new_with_resources)
{
	const struct ubc_lim l[] = {
		{ UBC_NUMPROC, 10, 20 },
		{ UBC_NUMFILE, 100, 100 },
		{ UBC_KMEMSIZE, 0, 0 },
		{ UBC_SWAPPAGES, 5, U },
	};

	IDS(10010, 1);
	ASSERT_NL(&self->nl, 0, ubc_create_lims(&self->nl, 10010, l, 4));
	get_values(_metadata, &self->nl, 10010, l, 4);
}

TEST_F(ubctest, new_exists)
{
	const struct ubc_lim l = { UBC_NUMPROC, 7, 7 };
	const struct ubc_lim l2 = { UBC_NUMPROC, 1, 1 };

	IDS(10020, 1);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10020));
	ASSERT_NL(&self->nl, 0, ubc_set(&self->nl, 10020, UBC_NUMPROC, 7, 7));
	ASSERT_NL(&self->nl, -EEXIST, ubc_create(&self->nl, 10020));
	ASSERT_NL(&self->nl, -EEXIST,
		  ubc_create_lims(&self->nl, 10020, &l2, 1));
	get_values(_metadata, &self->nl, 10020, &l, 1);
}

TEST_F(ubctest, new_bad_resources)
{
	static const struct {
		struct ubc_lim l[2];
		unsigned int n;
		int err;
	} c[] = {
		{ { { UBC_RESOURCES, 1, 1 } }, 1, -ERANGE },
		{ { { 4, 1, 1 } }, 1, -EINVAL },
		{ { { 22, 1, 1 } }, 1, -EINVAL },
		{ { { UBC_NUMPROC, 2, 1 } }, 1, -EINVAL },
		{ { { UBC_NUMPROC, U + 1, U + 1 } }, 1, -ERANGE },
		{ { { UBC_NUMPROC, 1, U + 1 } }, 1, -ERANGE },
		{ { { UBC_NUMFILE, 1, 1 }, { UBC_NUMFILE, 1, 1 } }, 2, -EINVAL },
		{ { { UBC_NUMFILE, 1, 1 }, { UBC_NUMPROC, 3, 2 } }, 2, -EINVAL },
	};
	struct ubc_info info;
	unsigned int i;

	IDS(10030, 1);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		TH_LOG("case %u", i);
		ASSERT_NL(&self->nl, c[i].err,
			  ubc_create_lims(&self->nl, 10030, c[i].l, c[i].n));
		/* Not created. */
		ASSERT_NL(&self->nl, -ENOENT,
			  ubc_get(&self->nl, 10030, &info));
	}
}

TEST_F(ubctest, id_zero)
{
	pid_t pid;

	ASSERT_NL(&self->nl, -EINVAL, ubc_create(&self->nl, 0));
	ASSERT_NL(&self->nl, -EINVAL,
		  ubc_set(&self->nl, 0, UBC_NUMPROC, 1, 1));
	ASSERT_NL(&self->nl, -EINVAL, ubc_destroy(&self->nl, 0));
	pid = sleeper();
	ASSERT_GT(pid, 0);
	ASSERT_NL(&self->nl, -EINVAL, ubc_enter(&self->nl, 0, pid));
}

static void build_reserved(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	g->reserved = 1;
	build_raw(nlh, arg);
}

/*
 * Every command validates the generic netlink header strictly: a non-zero
 * genlmsghdr.reserved and the ambiguous nlmsg_flags (NLM_F_CREATE, ...)
 * are refused with EINVAL, and nothing happens.
 */
TEST_F(ubctest, header_strictly_validated)
{
	struct ubc_info info;
	struct rreq r;

	IDS(10035, 1);
	memset(&r, 0, sizeof(r));
	r.has_id = 1;
	r.id = 10035;
	ASSERT_NL(&self->nl, -EINVAL,
		  ubc_request(&self->nl, UBC_CMD_NEW, NLM_F_CREATE | NLM_F_EXCL,
			      build_raw, &r, NULL, NULL));
	ASSERT_NE(NULL, strstr(self->nl.msg, "nlmsg_flags"));
	ASSERT_NL(&self->nl, -EINVAL,
		  ubc_request(&self->nl, UBC_CMD_NEW, 0, build_reserved, &r,
			      NULL, NULL));
	ASSERT_NE(NULL, strstr(self->nl.msg, "reserved"));
	ASSERT_NL(&self->nl, -ENOENT, ubc_get(&self->nl, 10035, &info));
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10035));
	ASSERT_NL(&self->nl, -EINVAL,
		  ubc_request(&self->nl, UBC_CMD_DEL, 0, build_reserved, &r,
			      NULL, NULL));
	ASSERT_NL(&self->nl, 0, ubc_get(&self->nl, 10035, &info));
	ASSERT_NL(&self->nl, 0, ubc_destroy(&self->nl, 10035));
}

TEST_F(ubctest, missing_attributes)
{
	struct rreq r;
	pid_t pid;

	IDS(10040, 1);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10040));

	memset(&r, 0, sizeof(r));
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_NEW, &r));
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_DEL, &r));
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_GET, &r));
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_ENTER, &r));

	/* SET of an existing id without UBC_A_RESOURCES. */
	r.has_id = 1;
	r.id = 10040;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));

	/* SET with resources but no id. */
	memset(&r, 0, sizeof(r));
	r.has_res = 1;
	r.ne = 1;
	r.e[0].id = UBC_NUMPROC;
	r.e[0].barrier = r.e[0].limit = 3;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));

	/* ENTER with a pid but no id, with an id but no pid. */
	pid = sleeper();
	ASSERT_GT(pid, 0);
	memset(&r, 0, sizeof(r));
	r.has_pid = 1;
	r.pid = pid;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_ENTER, &r));
	memset(&r, 0, sizeof(r));
	r.has_id = 1;
	r.id = 10040;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_ENTER, &r));

	/* Nothing was charged or changed by any of it. */
	get_values(_metadata, &self->nl, 10040, NULL, 0);
}

TEST_F(ubctest, unknown_attributes)
{
	struct ubc_info info;
	struct rreq r;

	IDS(10050, 2);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10050));

	/* NEW with an attribute type past UBC_A_MAX: refused, not created. */
	memset(&r, 0, sizeof(r));
	r.has_id = 1;
	r.id = 10051;
	r.has_extra = 1;
	r.extra = UBC_A_MAX + 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_NEW, &r));
	ASSERT_NL(&self->nl, -ENOENT, ubc_get(&self->nl, 10051, &info));

	/* Attribute type 0 (UNSPEC) is not accepted in strict mode either. */
	r.extra = UBC_A_UNSPEC;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_NEW, &r));
	ASSERT_NL(&self->nl, -ENOENT, ubc_get(&self->nl, 10051, &info));

	/* GET and DEL with an unknown attribute. */
	r.id = 10050;
	r.extra = UBC_A_MAX + 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_GET, &r));
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_DEL, &r));
	ASSERT_NL(&self->nl, 0, ubc_get(&self->nl, 10050, &info));

	/* SET with an unknown attribute inside UBC_A_RESOURCE. */
	memset(&r, 0, sizeof(r));
	r.has_id = 1;
	r.id = 10050;
	r.has_res = 1;
	r.ne = 1;
	r.e[0].id = UBC_NUMPROC;
	r.e[0].barrier = r.e[0].limit = 3;
	r.e[0].extra = UBC_RES_A_MAX + 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));

	/* Wrong attribute lengths. */
	r.e[0].extra = 0;
	r.e[0].barrier_u32 = 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	r.e[0].barrier_u32 = 0;
	r.id_u16 = 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	r.id_u16 = 0;

	/* UBC_A_RESOURCES without NLA_F_NESTED. */
	r.res_not_nested = 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));

	/* The well-formed request works, so the above failed for cause. */
	r.res_not_nested = 0;
	ASSERT_NL(&self->nl, 0, raw(&self->nl, UBC_CMD_SET, &r));
	{
		const struct ubc_lim l = { UBC_NUMPROC, 3, 3 };

		get_values(_metadata, &self->nl, 10050, &l, 1);
	}
}

TEST_F(ubctest, set_values)
{
	const struct ubc_lim multi[] = {
		{ UBC_NUMFILE, 10, 20 },
		{ UBC_KMEMSIZE, 1000000, 2000000 },
		{ UBC_SWAPPAGES, 0, 0 },
	};
	struct ubc_lim l[4];

	IDS(10060, 1);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10060));

	ASSERT_NL(&self->nl, 0, ubc_set(&self->nl, 10060, UBC_NUMPROC, 5, 9));
	l[0] = (struct ubc_lim){ UBC_NUMPROC, 5, 9 };
	get_values(_metadata, &self->nl, 10060, l, 1);

	ASSERT_NL(&self->nl, 0, ubc_set_lims(&self->nl, 10060, multi, 3));
	memcpy(&l[1], multi, sizeof(multi));
	get_values(_metadata, &self->nl, 10060, l, 4);

	/* Edges: barrier == limit, 0/0, unlimited, unlimited - 1. */
	ASSERT_NL(&self->nl, 0, ubc_set(&self->nl, 10060, UBC_NUMPROC, 0, 0));
	l[0] = (struct ubc_lim){ UBC_NUMPROC, 0, 0 };
	get_values(_metadata, &self->nl, 10060, l, 4);
	ASSERT_NL(&self->nl, 0,
		  ubc_set(&self->nl, 10060, UBC_NUMPROC, U - 1, U));
	l[0] = (struct ubc_lim){ UBC_NUMPROC, U - 1, U };
	get_values(_metadata, &self->nl, 10060, l, 4);
	ASSERT_NL(&self->nl, 0, ubc_set(&self->nl, 10060, UBC_NUMPROC, U, U));
	l[0] = (struct ubc_lim){ UBC_NUMPROC, U, U };
	get_values(_metadata, &self->nl, 10060, l, 4);

	/* Every real resource can be set, in one request. */
	{
		struct ubc_lim all[UBC_NR_REAL];
		unsigned int r, n = 0;

		for (r = 0; r < UBC_RESOURCES; r++)
			if (ubc_resource_valid(r))
				all[n++] = (struct ubc_lim){ r, 100 + r,
							     200 + r };
		ASSERT_EQ(UBC_NR_REAL, n);
		ASSERT_NL(&self->nl, 0,
			  ubc_set_lims(&self->nl, 10060, all, n));
		get_values(_metadata, &self->nl, 10060, all, n);
	}
}

TEST_F(ubctest, set_errors_atomic)
{
	const struct ubc_lim base[] = {
		{ UBC_NUMFILE, 50, 60 },
		{ UBC_NUMPROC, 5, 5 },
	};
	const struct ubc_lim good = { UBC_NUMFILE, 70, 80 };
	static const struct {
		struct ubc_lim bad;
		int err;
	} c[] = {
		{ { UBC_RESOURCES, 1, 1 }, -ERANGE },
		{ { 0xffffffff, 1, 1 }, -ERANGE },
		{ { 4, 1, 1 }, -EINVAL },
		{ { 20, 1, 1 }, -EINVAL },
		{ { 21, 1, 1 }, -EINVAL },
		{ { 22, 1, 1 }, -EINVAL },
		{ { UBC_NUMPROC, U + 1, U + 1 }, -ERANGE },
		{ { UBC_NUMPROC, U, U + 1 }, -ERANGE },
		{ { UBC_NUMPROC, 1, U + 1 }, -ERANGE },
		{ { UBC_NUMPROC, ~0ULL, ~0ULL }, -ERANGE },
		{ { UBC_NUMPROC, 6, 5 }, -EINVAL },
		{ { UBC_NUMPROC, U, 0 }, -EINVAL },
		{ { UBC_NUMFILE, 70, 80 }, -EINVAL },	/* duplicate */
	};
	struct ubc_lim two[2];
	struct rreq r;
	unsigned int i;

	IDS(10070, 2);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10070));
	ASSERT_NL(&self->nl, 0, ubc_set_lims(&self->nl, 10070, base, 2));
	get_values(_metadata, &self->nl, 10070, base, 2);

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		TH_LOG("case %u", i);
		/* Bad entry alone, after a good one, before a good one. */
		if (c[i].bad.res != good.res ||
		    c[i].bad.barrier != good.barrier) {
			ASSERT_NL(&self->nl, c[i].err,
				  ubc_set_lims(&self->nl, 10070, &c[i].bad, 1));
			get_values(_metadata, &self->nl, 10070, base, 2);
		}
		two[0] = good;
		two[1] = c[i].bad;
		ASSERT_NL(&self->nl, c[i].err,
			  ubc_set_lims(&self->nl, 10070, two, 2));
		get_values(_metadata, &self->nl, 10070, base, 2);
		two[0] = c[i].bad;
		two[1] = good;
		ASSERT_NL(&self->nl, c[i].err,
			  ubc_set_lims(&self->nl, 10070, two, 2));
		get_values(_metadata, &self->nl, 10070, base, 2);
	}

	/* The same resource twice with identical values. */
	two[0] = two[1] = (struct ubc_lim){ UBC_NUMPROC, 4, 4 };
	ASSERT_NL(&self->nl, -EINVAL, ubc_set_lims(&self->nl, 10070, two, 2));
	get_values(_metadata, &self->nl, 10070, base, 2);

	/* Entries lacking UBC_RES_A_ID, _BARRIER or _LIMIT. */
	memset(&r, 0, sizeof(r));
	r.has_id = 1;
	r.id = 10070;
	r.has_res = 1;
	r.ne = 2;
	r.e[0].id = UBC_NUMFILE;
	r.e[0].barrier = 70;
	r.e[0].limit = 80;
	r.e[1].id = UBC_NUMPROC;
	r.e[1].barrier = r.e[1].limit = 7;
	r.e[1].no_barrier = 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	get_values(_metadata, &self->nl, 10070, base, 2);
	r.e[1].no_barrier = 0;
	r.e[1].no_limit = 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	get_values(_metadata, &self->nl, 10070, base, 2);
	r.e[1].no_limit = 0;
	r.e[1].no_id = 1;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	get_values(_metadata, &self->nl, 10070, base, 2);

	/* UBC_A_RESOURCES holding no resource at all. */
	r.ne = 0;
	ASSERT_NL(&self->nl, -EINVAL, raw(&self->nl, UBC_CMD_SET, &r));
	get_values(_metadata, &self->nl, 10070, base, 2);

	/* Unknown id. */
	ASSERT_NL(&self->nl, -ENOENT,
		  ubc_set(&self->nl, 10071, UBC_NUMPROC, 1, 1));

	/* And a good SET still works. */
	ASSERT_NL(&self->nl, 0, ubc_set_lims(&self->nl, 10070, &good, 1));
	two[0] = good;
	two[1] = base[1];
	get_values(_metadata, &self->nl, 10070, two, 2);
}

TEST_F(ubctest, destroy)
{
	struct ubc_info info;
	pid_t pid;

	IDS(10080, 2);
	ASSERT_NL(&self->nl, -ENOENT, ubc_destroy(&self->nl, 10081));
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10080));
	ASSERT_NL(&self->nl, 0, ubc_set(&self->nl, 10080, UBC_NUMPROC, 3, 4));
	ASSERT_NL(&self->nl, 0, ubc_destroy(&self->nl, 10080));
	/* Gone from the id space of SET and ENTER at once. */
	ASSERT_NL(&self->nl, -ENOENT,
		  ubc_set(&self->nl, 10080, UBC_NUMPROC, 1, 1));
	pid = sleeper();
	ASSERT_GT(pid, 0);
	ASSERT_NL(&self->nl, -ENOENT, ubc_enter(&self->nl, 10080, pid));
	/* Visible at most while dying, then gone. */
	ASSERT_DRAINS(&self->nl, 10080);
	ASSERT_NL(&self->nl, -ENOENT, ubc_destroy(&self->nl, 10080));
	ASSERT_NL(&self->nl, -ENOENT, ubc_get(&self->nl, 10080, &info));
	/* The id can be reused and starts afresh. */
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10080));
	get_values(_metadata, &self->nl, 10080, NULL, 0);
}

TEST_F(ubctest, get_unknown)
{
	struct ubc_info info;

	IDS(10090, 1);
	ASSERT_NL(&self->nl, -ENOENT, ubc_get(&self->nl, 10090, &info));
}

struct dump_seen {
	uint32_t base, n;
	unsigned int count[256];
	unsigned int total;
	int bad;
	char why[200];
	uint32_t last;
	int have_last;
	struct ubc_info mine;	/* copy of the entry for id == base */
};

static void dump_collect(const struct ubc_info *info, void *arg)
{
	struct dump_seen *s = arg;

	s->total++;
	if (info->bad && !s->bad) {
		s->bad = 1;
		snprintf(s->why, sizeof(s->why), "id %u: %s", info->id,
			 info->why);
	}
	if (s->have_last && info->id <= s->last && !s->bad) {
		s->bad = 1;
		snprintf(s->why, sizeof(s->why), "id %u after %u", info->id,
			 s->last);
	}
	s->last = info->id;
	s->have_last = 1;
	if (info->id >= s->base && info->id - s->base < s->n)
		s->count[info->id - s->base]++;
	if (info->id == s->base)
		s->mine = *info;
}

TEST_F(ubctest, dump_matches_get)
{
	struct dump_seen *s = calloc(1, sizeof(*s));
	struct ubc_info info;
	unsigned int r;

	ASSERT_NE(NULL, s);
	IDS(10095, 1);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10095));
	ASSERT_NL(&self->nl, 0, ubc_set(&self->nl, 10095, UBC_NUMFILE, 3, 4));
	s->base = 10095;
	s->n = 1;
	ASSERT_NL(&self->nl, 0, ubc_dump(&self->nl, dump_collect, s));
	ASSERT_FALSE(s->bad) TH_LOG("%s", s->why);
	ASSERT_EQ(1, s->count[0]);
	ASSERT_GET(&self->nl, 10095, &info);
	check_shape(_metadata, &s->mine);
	ASSERT_EQ(info.flags, s->mine.flags);
	for (r = 0; r < UBC_RESOURCES; r++) {
		const struct ubc_res *a = &info.res[r], *b = &s->mine.res[r];

		ASSERT_EQ(a->seen, b->seen);
		if (!a->seen)
			continue;
		ASSERT_STREQ(a->name, b->name);
		ASSERT_EQ(a->unit, b->unit);
		ASSERT_EQ(a->held, b->held);
		ASSERT_EQ(a->maxheld, b->maxheld);
		ASSERT_EQ(a->minheld, b->minheld);
		ASSERT_EQ(a->barrier, b->barrier);
		ASSERT_EQ(a->limit, b->limit);
		ASSERT_EQ(a->failcnt, b->failcnt);
	}
	ASSERT_EQ(3, s->mine.res[UBC_NUMFILE].barrier);
	ASSERT_EQ(4, s->mine.res[UBC_NUMFILE].limit);
	free(s);
}

/* A dump callback that creates a compartment while the dump is under way. */
struct dump_meddle {
	struct dump_seen seen;
	struct ubc_nl *other;
	uint32_t new_id;
	int created, err;
};

static void dump_meddle_cb(const struct ubc_info *info, void *arg)
{
	struct dump_meddle *m = arg;

	dump_collect(info, &m->seen);
	if (!m->created) {
		m->created = 1;
		m->err = ubc_create(m->other, m->new_id);
	}
}

/*
 * A compartment created between two parts of a dump flags the rest of the
 * dump with NLM_F_DUMP_INTR (genl_dump_check_consistent), and the dump still
 * ends with every id seen at most once, in order.
 */
TEST_F(ubctest, dump_flags_change)
{
	struct dump_meddle *m = calloc(1, sizeof(*m));
	struct ubc_nl small;
	unsigned int i;

	ASSERT_NE(NULL, m);
	IDS(10500, 101);
	for (i = 0; i < 100; i++)
		ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 10500 + i));
	ASSERT_EQ(0, ubc_nl_open(&small, 4096));
	m->seen.base = 10500;
	m->seen.n = 101;
	m->other = &self->nl;
	m->new_id = 10600;
	EXPECT_EQ(0, ubc_dump(&small, dump_meddle_cb, m));
	EXPECT_GT(small.parts, 2);
	EXPECT_TRUE(small.dump_intr) TH_LOG("no NLM_F_DUMP_INTR after a create");
	ubc_nl_close(&small);
	ASSERT_EQ(1, m->created);
	ASSERT_EQ(0, m->err);
	ASSERT_FALSE(m->seen.bad) TH_LOG("%s", m->seen.why);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(1, m->seen.count[i]) TH_LOG("id %u", 10500 + i);
	}
	free(m);
}

TEST_F(ubctest, dump_many)
{
	struct dump_seen *s = calloc(1, sizeof(*s));
	struct ubc_nl small;
	unsigned int i;
	int ret;

	ASSERT_NE(NULL, s);
	IDS(10100, 200);
	for (i = 0; i < 200; i++) {
		const struct ubc_lim l = { UBC_NUMPROC, i + 1, i + 1 };

		ASSERT_NL(&self->nl, 0,
			  ubc_create_lims(&self->nl, 10100 + i, &l, 1));
	}
	ret = ubc_nl_open(&small, 4096);
	ASSERT_EQ(0, ret);
	s->base = 10100;
	s->n = 200;
	ret = ubc_dump(&small, dump_collect, s);
	EXPECT_EQ(0, ret) TH_LOG("dump: %s, extack '%s'", strerror(-ret),
				 small.msg);
	EXPECT_FALSE(small.proto_err);
	EXPECT_FALSE(small.dump_intr);
	EXPECT_GT(small.parts, 2) TH_LOG("dump fit in %u recv()s",
					 small.parts);
	EXPECT_EQ(s->total, small.nmsgs);
	ubc_nl_close(&small);
	ASSERT_FALSE(s->bad) TH_LOG("%s", s->why);
	ASSERT_GE(s->total, 200);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(1, s->count[i]) TH_LOG("id %u seen %u times",
						 10100 + i, s->count[i]);
	}

	/* Contents land on the right ids: spot check via GET. */
	for (i = 0; i < 200; i += 37) {
		struct ubc_info info;

		ASSERT_GET(&self->nl, 10100 + i, &info);
		ASSERT_EQ(i + 1, info.res[UBC_NUMPROC].barrier);
	}
	free(s);
}

TEST_F(ubctest, id_edges)
{
	struct dump_seen *s = calloc(1, sizeof(*s));
	struct ubc_info info;

	ASSERT_NE(NULL, s);
	IDS(0xfffffffe, 2);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 0xffffffff));
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, 0xfffffffe));
	ASSERT_GET(&self->nl, 0xffffffff, &info);
	check_values(_metadata, &info, NULL, 0);
	s->base = 0xfffffffe;
	s->n = 2;
	ASSERT_NL(&self->nl, 0, ubc_dump(&self->nl, dump_collect, s));
	ASSERT_FALSE(s->bad) TH_LOG("%s", s->why);
	ASSERT_EQ(1, s->count[0]);
	ASSERT_EQ(1, s->count[1]);
	/* Unsigned order: the largest id comes last. */
	ASSERT_EQ(0xffffffff, s->last);
	ASSERT_NL(&self->nl, 0, ubc_destroy(&self->nl, 0xffffffff));
	ASSERT_EQ(-ENOENT, ubc_wait_gone(&self->nl, 0xffffffff, DRAIN_MS));
	free(s);
}

/* ---- who may read ---- */

/* Asserts worker @w's last dump saw exactly ids @want[0..n). */
static void check_dump_ids(struct __test_metadata *_metadata,
			   const struct worker *w, const uint32_t *want,
			   unsigned int n)
{
	unsigned int i;

	ASSERT_EQ(n, w->sh->nids);
	for (i = 0; i < n; i++)
		ASSERT_EQ(want[i], w->sh->ids[i]);
}

TEST_F(ubctest, read_needs_cap_sys_admin)
{
	static const char *const how[] = { "nobody", "root without CAP_SYS_ADMIN" };
	struct ubc_info info;
	struct worker w;
	int k, found;

	IDS(10900, 2);
	ASSERT_NL(NL_H, 0, ubc_create(NL_H, 10900));
	ASSERT_NL(NL_H, 0, ubc_create(NL_H, 10901));
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, worker_start(&w));
		WCMD(&w, k ? 'a' : 'u', 0);
		ASSERT_EQ(0, w.sh->ret) TH_LOG("could not become %s: %s",
					       how[k], strerror(-w.sh->ret));
		WCMD(&w, 'o', 0);
		ASSERT_EQ(0, w.sh->ret);
		w.sh->arg_id = 10900;
		WCMD(&w, 'G', 0);
		WASSERT_NL(&w, -EPERM);
		ASSERT_NE(NULL, strstr(w.sh->msg, "CAP_SYS_ADMIN")) TH_LOG("%s", w.sh->msg);
		w.sh->arg_id = 10999;	/* missing: still EPERM, nothing learnt */
		WCMD(&w, 'G', 0);
		WASSERT_NL(&w, -EPERM);
		WCMD(&w, 'P', 0);
		WASSERT_NL(&w, -EPERM);
		ASSERT_EQ(0, w.sh->nids) TH_LOG("%s: dump listed compartments", how[k]);
		ASSERT_NE(NULL, strstr(w.sh->msg, "CAP_SYS_ADMIN")) TH_LOG("%s", w.sh->msg);
		WSTOP(&w);
	}
	/* host root sees all */
	ASSERT_GET(NL_H, 10900, &info);
	ASSERT_GET(NL_H, 10901, &info);
	found = ubc_dump_count_range(NL_H, 10900, 2);
	ASSERT_EQ(2, found);
}

TEST_F(ubctest, read_inside_own_only)
{
	const uint32_t own = 10910;
	struct worker w;
	int k;

	IDS(10910, 3);
	ASSERT_NL(NL_H, 0, ubc_create(NL_H, 10910));
	ASSERT_NL(NL_H, 0, ubc_create(NL_H, 10911));
	ASSERT_EQ(0, worker_start(&w));
	w.sh->arg_id = own;
	WCMD(&w, 'e', 0);
	WASSERT_NL(&w, 0);
	/* k 0: root inside; k 1: nobody inside (no capability at all) */
	for (k = 0; k < 2; k++) {
		if (k) {
			WCMD(&w, 'u', 0);
			ASSERT_EQ(0, w.sh->ret);
			WCMD(&w, 'o', 0);
			ASSERT_EQ(0, w.sh->ret);
		}
		w.sh->arg_id = own;
		WCMD(&w, 'G', 0);
		WASSERT_NL(&w, 0);
		ASSERT_FALSE(w.sh->info.bad) TH_LOG("%s", w.sh->info.why);
		ASSERT_EQ(own, w.sh->info.id);
		ASSERT_EQ(1, w.sh->info.res[UBC_NUMPROC].held);
		ASSERT_LT(0, w.sh->info.res[UBC_PHYSPAGES].held)
			TH_LOG("its own memory, measured from its own tasks");
		w.sh->arg_id = 10911;	/* exists: not its own */
		WCMD(&w, 'G', 0);
		WASSERT_NL(&w, -ENOENT);
		w.sh->arg_id = 10912;	/* missing: the same answer */
		WCMD(&w, 'G', 0);
		WASSERT_NL(&w, -ENOENT);
		WCMD(&w, 'P', 0);
		WASSERT_NL(&w, 0);
		check_dump_ids(_metadata, &w, &own, 1);
	}
	WSTOP(&w);
	WAIT_HELD(NL_H, own, 0);
}

static int send_dump_request(struct ubc_nl *h)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = ubc_nl_msg(h, buf, UBC_CMD_GET, NLM_F_DUMP);

	return mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

static long module_refcnt(void)
{
	char line[32];

	if (read_line("/sys/module/ubc/refcnt", line, sizeof(line)))
		return -1;
	return atol(line);
}

/*
 * A dump request that is never read: the kernel pins a dump's module until
 * the dump ends (netlink_dump()), so ubc ends it inside the request when it
 * fits in the socket's buffer: the module's refcount does not move, and
 * the messages are all there to read later, NLMSG_DONE included.
 */
TEST_F(ubctest, unread_dump_does_not_pin_module)
{
	struct timeval tv = { .tv_sec = 5 };
	long ref0, ref1;
	int msgs = 0, done = 0, n, total;
	struct ubc_nl h2;

	IDS(10920, 2);
	ASSERT_NL(NL_H, 0, ubc_create(NL_H, 10920));
	ASSERT_NL(NL_H, 0, ubc_create(NL_H, 10921));
	total = ubc_dump_count_range(NL_H, 0, UINT32_MAX);
	ASSERT_LE(2, total);
	ASSERT_GE(8, total) TH_LOG("%d compartments: more than one buffer", total);
	ref0 = module_refcnt();
	ASSERT_LE(0, ref0) TH_LOG("no /sys/module/ubc/refcnt");

	ASSERT_EQ(0, ubc_nl_open(&h2, 0));
	ASSERT_EQ(0, send_dump_request(&h2));
	msleep(50);
	ref1 = module_refcnt();
	ASSERT_EQ(ref0, ref1) TH_LOG("an unread dump holds the module");

	ASSERT_EQ(0, setsockopt(mnl_socket_get_fd(h2.sock), SOL_SOCKET,
				SO_RCVTIMEO, &tv, sizeof(tv)));
	while (!done) {
		ssize_t len = mnl_socket_recvfrom(h2.sock, h2.buf, h2.bufsize);
		struct nlmsghdr *m;

		ASSERT_LT(0, len) TH_LOG("recv: %s", strerror(errno));
		n = (int)len;
		for (m = (struct nlmsghdr *)h2.buf; mnl_nlmsg_ok(m, n);
		     m = mnl_nlmsg_next(m, &n)) {
			if (m->nlmsg_type == NLMSG_DONE) {
				ASSERT_EQ(0, *(int *)mnl_nlmsg_get_payload(m));
				done = 1;
			} else {
				ASSERT_EQ(h2.family, m->nlmsg_type);
				msgs++;
			}
		}
	}
	ASSERT_EQ(total, msgs);
	ubc_nl_close(&h2);
	ASSERT_EQ(ref0, module_refcnt());
}

TEST_HARNESS_MAIN
