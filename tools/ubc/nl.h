/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Generic netlink plumbing on top of libmnl. */
#ifndef UBC_NL_H
#define UBC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#define NL_REQ_SIZE	8192	/* requests are small: at most ~1 KiB */
#define NL_EXT_MSG_LEN	256

struct nl {
	struct mnl_socket *sock;
	char *buf;		/* receive buffer */
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	bool intr;		/* last exchange saw NLM_F_DUMP_INTR */
	char ext_msg[NL_EXT_MSG_LEN];	/* last NLMSGERR_ATTR_MSG, or "" */
};

int nl_open(struct nl *nl);
int nl_resolve(struct nl *nl, const char *name);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_msg(struct nl *nl, void *buf, uint8_t cmd, uint8_t version,
			uint16_t flags);
int nl_run(struct nl *nl, void *buf, size_t len, uint32_t seq, mnl_cb_t cb,
	   void *data);
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif /* UBC_NL_H */
