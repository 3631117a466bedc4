// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Generic netlink plumbing: socket, family lookup, request/reply with
 * extended ack. Functions return 0 or a negative errno.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

/* Large enough for any dump skb: the kernel caps them at 32 KiB. */
#define NL_BUF_SIZE	65536

struct nl_talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

int nl_open(struct nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_BUF_SIZE);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	/* Best effort: without them errors just come without a message. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	nl->family = GENL_ID_CTRL;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->buf);
	nl->buf = NULL;
}

/* A request to the resolved family with a generic netlink header. */
struct nlmsghdr *nl_msg(struct nl *nl, void *buf, uint8_t cmd, uint8_t version,
			uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static int ext_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Extended ack TLVs start @offset bytes into the payload, if present. */
static void parse_ext_ack(struct nl *nl, const struct nlmsghdr *nlh,
			  size_t offset)
{
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    nlh->nlmsg_len >= mnl_nlmsg_size(MNL_ALIGN(offset)))
		mnl_attr_parse(nlh, offset, ext_attr_cb, nl);
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl_talk *t = data;
	size_t offset = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += MNL_ALIGN(err->msg.nlmsg_len) - sizeof(err->msg);
	parse_ext_ack(t->nl, nlh, offset);
	if (!err->error)
		return MNL_CB_STOP;
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE of a dump: an int error, then extended ack TLVs. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	int err = 0;

	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(err)))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	parse_ext_ack(t->nl, nlh, sizeof(err));
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/*
 * libmnl fails a whole buffer with EINTR on NLM_F_DUMP_INTR; note the flag
 * and clear it instead, so that the dump is read to its end and the caller
 * can decide to retry.
 */
static bool take_dump_intr(void *buf, int len)
{
	struct nlmsghdr *nlh = buf;
	bool intr = false;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			intr = true;
		nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
	}
	return intr;
}

/*
 * Feed the @len bytes of replies in @buf to @cb, and the control messages
 * to the handlers above. Returns MNL_CB_OK to go on reading, MNL_CB_STOP
 * at the ack or NLMSG_DONE, MNL_CB_ERROR with errno set.
 */
int nl_run(struct nl *nl, void *buf, size_t len, uint32_t seq, mnl_cb_t cb,
	   void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	struct nl_talk t = { .nl = nl, .cb = cb, .data = data };

	nl->intr |= take_dump_intr(buf, len);
	return mnl_cb_run2(buf, len, seq, nl->portid, data_cb, &t,
			   ctl, MNL_ARRAY_SIZE(ctl));
}

/*
 * Send @nlh and feed every reply message to @cb until the ack (requests
 * with NLM_F_ACK) or NLMSG_DONE (dumps). On error nl->ext_msg holds the
 * kernel's extended ack message, if it sent one; nl->intr tells whether
 * a dump was inconsistent.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t len;
	int ret;

	nl->ext_msg[0] = '\0';
	nl->intr = false;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF_SIZE);
		if (len < 0)
			return -errno;
		ret = nl_run(nl, nl->buf, len, seq, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	uint16_t *family = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(attr, MNL_TYPE_U16))
			*family = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

/* Look up generic netlink family @name: -ENOENT if it is not registered. */
int nl_resolve(struct nl *nl, const char *name)
{
	char buf[NL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	uint16_t family = 0;
	int ret;

	nl->family = GENL_ID_CTRL;
	nlh = nl_msg(nl, buf, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	ret = nl_talk(nl, nlh, family_cb, &family);
	if (ret)
		return ret;
	if (!family)
		return -EPROTO;
	nl->family = family;
	return 0;
}
