/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Listening to the events multicast group in a selftest, with the parser
 * ubc monitor uses (tools/ubc/events.c; link it and add -I../../tools/ubc).
 */
#ifndef _UBC_EVENTS_TEST_H
#define _UBC_EVENTS_TEST_H

#include <sys/socket.h>
#include <time.h>

#include "genl.h"
#include "../../tools/ubc/events.h"

/* A listener of the events group: 0 or -errno. */
static inline int listen_open(struct ubc_nl *l)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int ret = ubc_nl_open(l, 1 << 16);

	if (ret)
		return ret;
	ret = ubc_nl_subscribe(l);
	if (!ret)
		setsockopt(mnl_socket_get_fd(l->sock), SOL_SOCKET, SO_RCVTIMEO,
			   &tv, sizeof(tv));
	return ret;
}

struct seen {
	uint32_t id;
	unsigned int n;		/* notifications about @id */
	struct ubc_event ev[64];
};

static inline int seen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct ubc_event ev;

	if (ubc_event_parse(nlh, &ev) || ev.id != s->id)
		return MNL_CB_OK;
	if (s->n < 64)
		s->ev[s->n] = ev;
	s->n++;
	return MNL_CB_OK;
}

/* Collect notifications about @s->id for @ms milliseconds. */
static inline void collect(struct ubc_nl *l, struct seen *s, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(l->sock, l->buf, l->bufsize);

		if (len > 0)
			mnl_cb_run(l->buf, len, 0, 0, seen_cb, s);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			return;
	}
}

#endif
