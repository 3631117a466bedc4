// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The generic netlink socket to the ubc family, see genl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl.h"

/* Large enough for any dump skb: netlink_dump() caps them at 32 KiB. */
#define UBC_NL_BUF_SIZE	32768

void ubc_nl_reset(struct ubc_nl *h)
{
	h->err = 0;
	h->has_msg = false;
	h->msg[0] = '\0';
	h->has_offs = false;
	h->offs = 0;
	h->parts = 0;
	h->nmsgs = 0;
	h->dump_intr = false;
	h->proto_err = false;
	h->cb_err = 0;
}

struct nlmsghdr *ubc_nl_put(struct ubc_nl *h, void *buf, uint16_t type,
			    uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (!(flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++h->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* Extended ack TLVs, @off bytes into the payload of an ack or done. */
static void parse_ext_ack(struct ubc_nl *h, const struct nlmsghdr *nlh,
			  size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (off > mnl_nlmsg_get_payload_len(nlh)) {
		h->proto_err = true;
		return;
	}
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
				h->proto_err = true;
				break;
			}
			h->has_msg = true;
			snprintf(h->msg, sizeof(h->msg), "%s",
				 mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
				h->proto_err = true;
				break;
			}
			h->has_offs = true;
			h->offs = mnl_attr_get_u32(a);
			break;
		default:
			break;
		}
	}
}

/* The kernel's error of an ack or done: negative errno or 0. */
static int kernel_errno(int error)
{
	return error > 0 ? -error : error;
}

/* NLMSG_ERROR: a struct nlmsgerr (the request's header, or all of it
 * without NLM_F_CAPPED), then the extended ack. */
static int take_ack(struct ubc_nl *h, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		h->proto_err = true;
		return -EPROTO;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	parse_ext_ack(h, nlh, off);
	return kernel_errno(e->error);
}

/* NLMSG_DONE of a dump: an int error, then the extended ack. */
static int take_done(struct ubc_nl *h, const struct nlmsghdr *nlh)
{
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	parse_ext_ack(h, nlh, MNL_ALIGN(sizeof(err)));
	return kernel_errno(err);
}

static int finish(struct ubc_nl *h, int err)
{
	h->err = err ? err : h->cb_err;
	if (!h->err)
		return MNL_CB_STOP;
	errno = -h->err;
	return MNL_CB_ERROR;
}

int ubc_nl_run(struct ubc_nl *h, void *buf, size_t len, uint32_t seq,
	       mnl_cb_t cb, void *data)
{
	int left = (int)len;
	struct nlmsghdr *m;

	for (m = buf; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
		if (m->nlmsg_seq != seq)
			continue;	/* answer to an earlier request */
		if (m->nlmsg_flags & NLM_F_DUMP_INTR)
			h->dump_intr = true;
		if (m->nlmsg_type == NLMSG_ERROR)
			return finish(h, take_ack(h, m));
		if (m->nlmsg_type == NLMSG_DONE)
			return finish(h, take_done(h, m));
		if (m->nlmsg_type < NLMSG_MIN_TYPE)
			continue;	/* NLMSG_NOOP, NLMSG_OVERRUN */
		h->nmsgs++;
		errno = 0;
		if (cb && cb(m, data) < MNL_CB_STOP) {
			h->proto_err = true;
			if (!h->cb_err)
				h->cb_err = errno ? -errno : -EPROTO;
		}
	}
	if (left > 0)
		h->proto_err = true;	/* a truncated message */
	return MNL_CB_OK;
}

int ubc_nl_talk(struct ubc_nl *h, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;

	ubc_nl_reset(h);
	if (mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0)
		return h->err = -errno;
	for (;;) {
		n = mnl_socket_recvfrom(h->sock, h->buf, h->bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			h->proto_err = true;
			return h->err = -errno;
		}
		h->parts++;
		if (ubc_nl_run(h, h->buf, n, seq, cb, data) != MNL_CB_OK)
			return h->err;
	}
}

/* CTRL_ATTR_MCAST_GROUPS: the id of the "events" group, if listed. */
static int groups_parse(struct ubc_nl *h, const struct nlattr *groups)
{
	const struct nlattr *g, *a;

	mnl_attr_for_each_nested(g, groups) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, UBC_MCGRP_EVENTS))
			h->events_group = id;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ubc_nl *h = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return MNL_CB_ERROR;
			h->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			h->version = (uint8_t)mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			groups_parse(h, a);
			break;
		}
	}
	return MNL_CB_OK;
}

/* CTRL_CMD_GETFAMILY of "ubc": the kernel says ENOENT when it is absent. */
static int resolve(struct ubc_nl *h)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret;

	nlh = ubc_nl_put(h, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, UBC_GENL_NAME);
	h->family = 0;
	ret = ubc_nl_talk(h, nlh, family_cb, h);
	if (!ret && !h->family)
		ret = h->err = -EPROTO;
	return ret;
}

int ubc_nl_open(struct ubc_nl *h, size_t bufsize)
{
	int one = 1;
	int ret;

	memset(h, 0, sizeof(*h));
	h->bufsize = bufsize ? bufsize : UBC_NL_BUF_SIZE;
	h->buf = malloc(h->bufsize);
	if (!h->buf)
		return -ENOMEM;
	h->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!h->sock) {
		ret = -errno;
		goto fail;
	}
	/* Best effort: without them errors come without a message. */
	mnl_socket_setsockopt(h->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(h->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	h->portid = mnl_socket_get_portid(h->sock);
	h->seq = (uint32_t)time(NULL);
	ret = resolve(h);
	if (ret)
		goto fail;
	return 0;
fail:
	ubc_nl_close(h);
	return ret;
}

/* Join the "events" multicast group: 0, -ENOENT (no such group), -errno. */
int ubc_nl_subscribe(struct ubc_nl *h)
{
	int group = (int)h->events_group;

	if (!group)
		return -ENOENT;
	if (mnl_socket_setsockopt(h->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

void ubc_nl_close(struct ubc_nl *h)
{
	if (h->sock)
		mnl_socket_close(h->sock);
	h->sock = NULL;
	free(h->buf);
	h->buf = NULL;
}
