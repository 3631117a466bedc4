/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The events multicast group's notifications (ubc monitor) and the
 * Prometheus text exposition of every beancounter (ubc export).
 */
#ifndef UBC_EVENTS_H
#define UBC_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libmnl/libmnl.h>

/* print.h; not included, so that the selftests can parse events too */
struct ubc_info;

#define UBC_EV_COMM_LEN	16
#define UBC_EV_HOOK_LEN	128

/* One notification; has_* say which attributes it carried. */
struct ubc_event {
	uint8_t cmd;			/* UBC_CMD_*_NTF */
	uint32_t id;
	bool has_res, has_task;
	uint32_t res;
	char name[32];
	uint64_t held, barrier, limit, failcnt, val;
	uint8_t strength;
	uint32_t pid, tgid;
	char comm[UBC_EV_COMM_LEN];
	char hook[UBC_EV_HOOK_LEN];
	uint64_t coalesced, lost, time_ns;
	uint64_t guarantee, overdraft, bursts;
};

/* "refused", "forced", ..., NULL for a command that is no event. */
const char *ubc_event_name(uint8_t cmd);

/* Parse one message of the family: 0, or -EPROTO / -EINVAL (no event). */
int ubc_event_parse(const struct nlmsghdr *nlh, struct ubc_event *ev);

/* One line of text, or one JSON object and a newline. */
void ubc_event_print(FILE *f, const struct ubc_event *ev, bool json);

/*
 * Every beancounter of @c in the Prometheus text exposition format, and
 * the events lost (@lost, negative: unknown).
 */
void ubc_export(FILE *f, const struct ubc_info *c, size_t n,
		unsigned long page_size, long long lost);

#endif /* UBC_EVENTS_H */
