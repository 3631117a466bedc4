/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The generic netlink socket to the ubc family, one implementation shared
 * by ubc(8) (tools/ubc) and the selftests (selftests/ubc, through their
 * request helpers in ubc_nl.c): open the socket and resolve the family,
 * send one request, read its replies up to the ack or NLMSG_DONE, and keep
 * what the kernel said about the exchange (errno, extended ack, how the
 * answer came) for the caller to print or to assert on.
 *
 * Not thread safe: one struct ubc_nl per thread.
 */
#ifndef UBC_GENL_H
#define UBC_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/ubc.h>

#define UBC_NL_REQ_SIZE	8192	/* a request buffer: requests are ~1 KiB */
#define UBC_NL_MSG_LEN	256

struct ubc_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;		/* of the last request built */
	uint16_t family;	/* the ubc family, once resolved */
	uint8_t version;	/* its CTRL_ATTR_VERSION */
	uint32_t events_group;	/* its "events" multicast group, 0 if none */
	size_t bufsize;		/* receive buffer */
	char *buf;

	/* The last exchange; ubc_nl_talk() clears it, ubc_nl_run() adds. */
	int err;		/* 0 or the negative errno it ended with */
	bool has_msg;		/* NLMSGERR_ATTR_MSG was present ... */
	char msg[UBC_NL_MSG_LEN];	/* ... with this text, else "" */
	bool has_offs;		/* NLMSGERR_ATTR_OFFS was present ... */
	uint32_t offs;		/* ... with this offset */
	unsigned int parts;	/* recv() calls it took */
	unsigned int nmsgs;	/* reply messages (not ack, done, noop) */
	bool dump_intr;		/* a reply had NLM_F_DUMP_INTR */
	bool proto_err;		/* malformed answer, or a callback refused one */
	int cb_err;		/* first callback error, reported at the end */
};

/*
 * Opens the socket (close-on-exec, extended and capped acks where the
 * kernel has them) and resolves the ubc family. @bufsize 0 means 32 KiB,
 * the largest skb a netlink dump sends. Returns 0, -ENOENT when the family
 * is not registered (module not loaded), or another negative errno; @h
 * needs no ubc_nl_close() after a failure.
 */
int ubc_nl_open(struct ubc_nl *h, size_t bufsize);
void ubc_nl_close(struct ubc_nl *h);

/*
 * Starts a request in @buf (UBC_NL_REQ_SIZE bytes, 4-byte aligned) to
 * netlink family @type with a generic netlink header. NLM_F_REQUEST is
 * added, and NLM_F_ACK unless @flags has NLM_F_DUMP.
 */
struct nlmsghdr *ubc_nl_put(struct ubc_nl *h, void *buf, uint16_t type,
			    uint8_t cmd, uint8_t version, uint16_t flags);

/* A request of @cmd to the ubc family. */
static inline struct nlmsghdr *ubc_nl_msg(struct ubc_nl *h, void *buf,
					  uint8_t cmd, uint16_t flags)
{
	return ubc_nl_put(h, buf, h->family, cmd, UBC_GENL_VERSION, flags);
}

/* Clears the status of the last exchange. */
void ubc_nl_reset(struct ubc_nl *h);
int ubc_nl_subscribe(struct ubc_nl *h);

/*
 * Feeds the @len bytes of answers in @buf that carry sequence number @seq
 * (others are stale answers to earlier requests, skipped) to @cb, reply
 * by reply, and reads the ack or NLMSG_DONE. A callback that returns
 * MNL_CB_ERROR (errno set, EPROTO if not) marks the exchange failed but
 * the answer is still read to its end, so that the socket stays usable.
 * Returns MNL_CB_OK to go on reading, MNL_CB_STOP at a successful end,
 * MNL_CB_ERROR at a failed one, with h->err = -errno.
 */
int ubc_nl_run(struct ubc_nl *h, void *buf, size_t len, uint32_t seq,
	       mnl_cb_t cb, void *data);

/*
 * Sends @nlh and reads its answer to the end (ubc_nl_run()). Returns 0 or
 * the negative errno, also kept in h->err with the rest of the status.
 */
int ubc_nl_talk(struct ubc_nl *h, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data);

#endif /* UBC_GENL_H */
