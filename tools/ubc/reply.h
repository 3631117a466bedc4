/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef UBC_REPLY_H
#define UBC_REPLY_H

#include <stddef.h>

#include <libmnl/libmnl.h>

#include "print.h"

struct info_list {
	struct ubc_info *v;
	size_t n, cap;
};

int info_cb(const struct nlmsghdr *nlh, void *data);

#endif /* UBC_REPLY_H */
