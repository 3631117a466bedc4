// SPDX-License-Identifier: GPL-2.0
/* The selftests' requests to the ubc family, see ubc_nl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#include "ubc_nl.h"

#define SEND_BUF	16384

int ubc_request(struct ubc_nl *h, uint8_t cmd, uint16_t flags,
		ubc_build_t build, void *barg, ubc_reply_t cb, void *carg)
{
	static char sbuf[SEND_BUF] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	nlh = ubc_nl_msg(h, sbuf, cmd, flags);
	if (build)
		build(nlh, barg);
	return ubc_nl_talk(h, nlh, cb, carg);
}

/* ---- request builders ---- */

struct id_req {
	uint32_t id;
	uint32_t pid;
	int with_pid;
	const struct ubc_lim *lims;
	unsigned int n;
	int with_res;		/* put UBC_A_RESOURCES even if n == 0 */
};

static void put_lims(struct nlmsghdr *nlh, const struct ubc_lim *l,
		     unsigned int n)
{
	struct nlattr *all = mnl_attr_nest_start(nlh, UBC_A_RESOURCES);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct nlattr *r = mnl_attr_nest_start(nlh, UBC_A_RESOURCE);

		mnl_attr_put_u32(nlh, UBC_RES_A_ID, l[i].res);
		mnl_attr_put_u64(nlh, UBC_RES_A_BARRIER, l[i].barrier);
		mnl_attr_put_u64(nlh, UBC_RES_A_LIMIT, l[i].limit);
		mnl_attr_nest_end(nlh, r);
	}
	mnl_attr_nest_end(nlh, all);
}

static void build_id(struct nlmsghdr *nlh, void *arg)
{
	struct id_req *r = arg;

	mnl_attr_put_u32(nlh, UBC_A_ID, r->id);
	if (r->with_pid)
		mnl_attr_put_u32(nlh, UBC_A_PID, r->pid);
	if (r->n || r->with_res)
		put_lims(nlh, r->lims, r->n);
}

int ubc_create(struct ubc_nl *h, uint32_t id)
{
	struct id_req r = { .id = id };

	return ubc_request(h, UBC_CMD_NEW, 0, build_id, &r, NULL, NULL);
}

int ubc_create_lims(struct ubc_nl *h, uint32_t id,
		    const struct ubc_lim *lims, unsigned int n)
{
	struct id_req r = { .id = id, .lims = lims, .n = n, .with_res = 1 };

	return ubc_request(h, UBC_CMD_NEW, 0, build_id, &r, NULL, NULL);
}

int ubc_destroy(struct ubc_nl *h, uint32_t id)
{
	struct id_req r = { .id = id };

	return ubc_request(h, UBC_CMD_DEL, 0, build_id, &r, NULL, NULL);
}

int ubc_set(struct ubc_nl *h, uint32_t id, uint32_t res,
	    uint64_t barrier, uint64_t limit)
{
	struct ubc_lim l = { res, barrier, limit };

	return ubc_set_lims(h, id, &l, 1);
}

int ubc_set_lims(struct ubc_nl *h, uint32_t id,
		 const struct ubc_lim *lims, unsigned int n)
{
	struct id_req r = { .id = id, .lims = lims, .n = n, .with_res = 1 };

	return ubc_request(h, UBC_CMD_SET, 0, build_id, &r, NULL, NULL);
}

int ubc_enter(struct ubc_nl *h, uint32_t id, uint32_t pid)
{
	struct id_req r = { .id = id, .pid = pid, .with_pid = 1 };

	return ubc_request(h, UBC_CMD_ENTER, 0, build_id, &r, NULL, NULL);
}

/* ---- reply parsing ---- */

static void bad(struct ubc_info *out, const char *why, unsigned int v)
{
	if (!out->bad)
		snprintf(out->why, sizeof(out->why), "%s (%u)", why, v);
	out->bad = 1;
}

static void parse_res(const struct nlattr *nest, struct ubc_info *out)
{
	struct ubc_res r;
	const struct nlattr *a;

	memset(&r, 0, sizeof(r));
	mnl_attr_for_each_nested(a, nest) {
		unsigned int t = mnl_attr_get_type(a);
		unsigned int plen = mnl_attr_get_payload_len(a);
		uint64_t *v = NULL;

		if (t <= UBC_RES_A_MAX && t != UBC_RES_A_PAD) {
			if (r.fields & (1u << t))
				bad(out, "duplicate resource field", t);
			r.fields |= 1u << t;
		}
		switch (t) {
		case UBC_RES_A_ID:
			if (plen != 4)
				bad(out, "UBC_RES_A_ID length", plen);
			else
				r.id = mnl_attr_get_u32(a);
			break;
		case UBC_RES_A_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    plen > sizeof(r.name))
				bad(out, "UBC_RES_A_NAME not a string", plen);
			else
				snprintf(r.name, sizeof(r.name), "%s",
					 mnl_attr_get_str(a));
			break;
		case UBC_RES_A_UNIT:
			if (plen != 1)
				bad(out, "UBC_RES_A_UNIT length", plen);
			else
				r.unit = mnl_attr_get_u8(a);
			break;
		case UBC_RES_A_HELD:	v = &r.held; break;
		case UBC_RES_A_MAXHELD:	v = &r.maxheld; break;
		case UBC_RES_A_MINHELD:	v = &r.minheld; break;
		case UBC_RES_A_BARRIER:	v = &r.barrier; break;
		case UBC_RES_A_LIMIT:	v = &r.limit; break;
		case UBC_RES_A_FAILCNT:	v = &r.failcnt; break;
		default:
			break;
		}
		if (v) {
			if (plen != 8)
				bad(out, "u64 field length", plen);
			else
				*v = mnl_attr_get_u64(a);
		}
	}
	if ((r.fields & UBC_RES_ALL_FIELDS) != UBC_RES_ALL_FIELDS) {
		bad(out, "resource lacks fields, mask", r.fields);
		return;
	}
	if (r.id >= UBC_RESOURCES) {
		bad(out, "resource id out of range", r.id);
		return;
	}
	if (out->res[r.id].seen)
		bad(out, "resource reported twice", r.id);
	r.seen = 1;
	out->res[r.id] = r;
	if (out->nres < sizeof(out->order) / sizeof(out->order[0]))
		out->order[out->nres] = r.id;
	out->nres++;
}

void ubc_parse_info(const struct nlmsghdr *nlh, struct ubc_info *out)
{
	const struct nlattr *a, *b;
	int has_res = 0;

	memset(out, 0, sizeof(*out));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		bad(out, "short message", nlh->nlmsg_len);
		return;
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case UBC_A_ID:
			if (mnl_attr_get_payload_len(a) != 4) {
				bad(out, "UBC_A_ID length",
				    mnl_attr_get_payload_len(a));
				break;
			}
			if (out->has_id)
				bad(out, "UBC_A_ID twice", 0);
			out->has_id = 1;
			out->id = mnl_attr_get_u32(a);
			break;
		case UBC_A_FLAGS:
			if (mnl_attr_get_payload_len(a) != 4) {
				bad(out, "UBC_A_FLAGS length",
				    mnl_attr_get_payload_len(a));
				break;
			}
			out->has_flags = 1;
			out->flags = mnl_attr_get_u32(a);
			break;
		case UBC_A_RESOURCES:
			if (has_res)
				bad(out, "UBC_A_RESOURCES twice", 0);
			has_res = 1;
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) != UBC_A_RESOURCE) {
					bad(out, "not UBC_A_RESOURCE",
					    mnl_attr_get_type(b));
					continue;
				}
				parse_res(b, out);
			}
			break;
		default:
			break;
		}
	}
	if (!out->has_id)
		bad(out, "no UBC_A_ID", 0);
	if (!out->has_flags)
		bad(out, "no UBC_A_FLAGS", 0);
	if (!has_res)
		bad(out, "no UBC_A_RESOURCES", 0);
}

static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ubc_info *out = arg;

	ubc_parse_info(nlh, out);
	return MNL_CB_OK;
}

int ubc_get(struct ubc_nl *h, uint32_t id, struct ubc_info *out)
{
	struct id_req r = { .id = id };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = ubc_request(h, UBC_CMD_GET, 0, build_id, &r, get_cb, out);
	if (!ret && h->nmsgs != 1) {
		out->bad = 1;
		snprintf(out->why, sizeof(out->why),
			 "GET answered with %u messages", h->nmsgs);
	}
	return ret;
}

struct dump_ctx {
	ubc_dump_t cb;
	void *arg;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *d = arg;
	struct ubc_info info;

	ubc_parse_info(nlh, &info);
	d->cb(&info, d->arg);
	return MNL_CB_OK;
}

int ubc_dump(struct ubc_nl *h, ubc_dump_t cb, void *arg)
{
	struct dump_ctx d = { cb, arg };

	return ubc_request(h, UBC_CMD_GET, NLM_F_DUMP, NULL, NULL,
			   dump_cb, &d);
}

/* ---- polling ---- */

static uint64_t res_field(const struct ubc_res *r, int attr)
{
	switch (attr) {
	case UBC_RES_A_HELD:	return r->held;
	case UBC_RES_A_MAXHELD:	return r->maxheld;
	case UBC_RES_A_MINHELD:	return r->minheld;
	case UBC_RES_A_BARRIER:	return r->barrier;
	case UBC_RES_A_LIMIT:	return r->limit;
	case UBC_RES_A_FAILCNT:	return r->failcnt;
	}
	return (uint64_t)-1;
}

uint64_t ubc_field(struct ubc_nl *h, uint32_t id, uint32_t res, int attr)
{
	struct ubc_info info;

	if (res >= UBC_RESOURCES || ubc_get(h, id, &info) || info.bad ||
	    !info.res[res].seen)
		return (uint64_t)-1;
	return res_field(&info.res[res], attr);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

uint64_t ubc_wait_field(struct ubc_nl *h, uint32_t id, uint32_t res,
			int attr, uint64_t want, int ms)
{
	uint64_t v;

	for (;;) {
		v = ubc_field(h, id, res, attr);
		if (v == want || v == (uint64_t)-1 || ms <= 0)
			return v;
		sleep_ms(10);
		ms -= 10;
	}
}

struct range_ctx {
	uint32_t base, n;
	unsigned int found;
	struct ubc_info *out;
};

static void range_cb(const struct ubc_info *info, void *arg)
{
	struct range_ctx *c = arg;

	if (info->id - c->base < c->n) {
		c->found++;
		if (c->out)
			*c->out = *info;
	}
}

int ubc_dump_find(struct ubc_nl *h, uint32_t id, struct ubc_info *out)
{
	struct range_ctx c = { id, 1, 0, out };
	int ret = ubc_dump(h, range_cb, &c);

	return ret ? ret : c.found ? 1 : 0;
}

int ubc_dump_count_range(struct ubc_nl *h, uint32_t base, uint32_t n)
{
	struct range_ctx c = { base, n, 0, NULL };
	int ret = ubc_dump(h, range_cb, &c);

	return ret ? ret : (int)c.found;
}

int ubc_wait_gone(struct ubc_nl *h, uint32_t id, int ms)
{
	struct ubc_info info;
	int ret;

	for (;;) {
		ret = ubc_get(h, id, &info);
		if (ret == -ENOENT) {
			ret = ubc_dump_find(h, id, NULL);
			if (ret == 0)
				return -ENOENT;
		}
		if ((ret && ret != 1 && ret != -ENOENT) || ms <= 0)
			return ret == 1 ? 0 : ret;
		sleep_ms(10);
		ms -= 10;
	}
}

int ubc_wait_range_gone(struct ubc_nl *h, uint32_t base, uint32_t n, int ms)
{
	int ret;

	for (;;) {
		ret = ubc_dump_count_range(h, base, n);
		if (ret <= 0 || ms <= 0)
			return ret;
		sleep_ms(10);
		ms -= 10;
	}
}

int ubc_destroy_wait(struct ubc_nl *h, uint32_t id, int ms)
{
	int ret;

	for (;;) {
		ret = ubc_destroy(h, id);
		if (ret != -EBUSY || ms <= 0)
			return ret;
		sleep_ms(10);
		ms -= 10;
	}
}
