// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Parsing of UBC_CMD_GET replies into struct ubc_info. Unknown attributes
 * are ignored (newer kernels), malformed ones fail the reply with EPROTO.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "parse.h"
#include "reply.h"

static int res_attr(const struct nlattr *attr, struct ubc_res_info *r)
{
	uint64_t *u64[UBC_RES_A_MAX + 1] = {
		[UBC_RES_A_HELD] = &r->held,
		[UBC_RES_A_MAXHELD] = &r->maxheld,
		[UBC_RES_A_MINHELD] = &r->minheld,
		[UBC_RES_A_BARRIER] = &r->barrier,
		[UBC_RES_A_LIMIT] = &r->limit,
		[UBC_RES_A_FAILCNT] = &r->failcnt,
	};
	unsigned int type = mnl_attr_get_type(attr);

	switch (type) {
	case UBC_RES_A_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32))
			return -1;
		r->id = mnl_attr_get_u32(attr);
		break;
	case UBC_RES_A_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
			return -1;
		snprintf(r->name, sizeof(r->name), "%s", mnl_attr_get_str(attr));
		break;
	case UBC_RES_A_UNIT:
		if (mnl_attr_validate(attr, MNL_TYPE_U8))
			return -1;
		r->unit = mnl_attr_get_u8(attr);
		break;
	default:
		if (type > UBC_RES_A_MAX || !u64[type])
			break;	/* newer kernel: ignore */
		if (mnl_attr_validate(attr, MNL_TYPE_U64))
			return -1;
		*u64[type] = mnl_attr_get_u64(attr);
	}
	return 0;
}

static int parse_resource(const struct nlattr *nest, struct ubc_res_info *r)
{
	const struct nlattr *attr;

	r->id = UINT32_MAX;
	mnl_attr_for_each_nested(attr, nest)
		if (res_attr(attr, r))
			return -1;
	if (r->id == UINT32_MAX)
		return -1;
	/* The kernel always sends both; resources.h is only a fallback. */
	if (!r->name[0])
		snprintf(r->name, sizeof(r->name), "%s",
			 ubc_resource_name(r->id) ?: "unknown");
	if (!r->unit)
		r->unit = ubc_resource_unit(r->id);
	return 0;
}

static int parse_resources(const struct nlattr *nest, struct ubc_info *info)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != UBC_A_RESOURCE ||
		    info->nres >= UBC_MAX_RES)
			continue;
		if (parse_resource(attr, &info->res[info->nres++]))
			return -1;
	}
	return 0;
}

static int parse_info(const struct nlmsghdr *nlh, struct ubc_info *info)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case UBC_A_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32))
				return -1;
			info->id = mnl_attr_get_u32(attr);
			break;
		case UBC_A_FLAGS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32))
				return -1;
			info->flags = mnl_attr_get_u32(attr);
			break;
		case UBC_A_BURSTS:
			if (mnl_attr_validate(attr, MNL_TYPE_U64))
				return -1;
			info->bursts = mnl_attr_get_u64(attr);
			info->has_bursts = true;
			break;
		case UBC_A_RESOURCES:
			if (mnl_attr_validate(attr, MNL_TYPE_NESTED) ||
			    parse_resources(attr, info))
				return -1;
			break;
		}
	}
	return info->id ? 0 : -1;
}

/* mnl_cb_t for UBC_CMD_GET replies: appends to the struct info_list @data. */
int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct info_list *l = data;
	struct ubc_info *v;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		v = realloc(l->v, l->cap * sizeof(*v));
		if (!v) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->v = v;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	if (parse_info(nlh, &l->v[l->n])) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	l->n++;
	return MNL_CB_OK;
}
