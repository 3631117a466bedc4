/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' requests to the ubc family and parsed GET/dump replies, on
 * the socket shared with ubc(8) (tools/lib/genl.h: struct ubc_nl, with the
 * errno, extended ack and shape of the last answer).
 */
#ifndef _UBC_NL_H
#define _UBC_NL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>
#include "genl.h"
#include <linux/ubc.h>
#include <ubc/resources.h>

/* Resources reported in a GET reply: all slots but the 4 dummies. */
#define UBC_NR_REAL	21


struct ubc_res {
	int seen;		/* this resource appeared in the reply */
	unsigned int fields;	/* bitmask (1 << UBC_RES_A_*) of fields seen */
	uint32_t id;
	char name[32];
	uint8_t unit;
	uint64_t held, maxheld, minheld, barrier, limit, failcnt;
};

struct ubc_info {
	int has_id, has_flags;
	uint32_t id;
	uint32_t flags;
	unsigned int nres;		/* UBC_A_RESOURCE entries in the reply */
	uint32_t order[32];		/* resource ids in reply order */
	struct ubc_res res[UBC_RESOURCES];
	int bad;			/* reply not well formed, see why */
	char why[160];
};

/* Every UBC_RES_A_* field a GET reply must carry per resource. */
#define UBC_RES_ALL_FIELDS						\
	((1u << UBC_RES_A_ID) | (1u << UBC_RES_A_NAME) |		\
	 (1u << UBC_RES_A_UNIT) | (1u << UBC_RES_A_HELD) |		\
	 (1u << UBC_RES_A_MAXHELD) | (1u << UBC_RES_A_MINHELD) |	\
	 (1u << UBC_RES_A_BARRIER) | (1u << UBC_RES_A_LIMIT) |		\
	 (1u << UBC_RES_A_FAILCNT))

/* One barrier/limit pair for NEW or SET. */
struct ubc_lim {
	uint32_t res;
	uint64_t barrier;
	uint64_t limit;
};

/* Builds the attributes of a request after the genl header. */
typedef void (*ubc_build_t)(struct nlmsghdr *nlh, void *arg);
/* Called for every reply message (not for acks); returns MNL_CB_OK. */
typedef int (*ubc_reply_t)(const struct nlmsghdr *nlh, void *arg);
/* Called for every compartment of a dump. */
typedef void (*ubc_dump_t)(const struct ubc_info *info, void *arg);

/*
 * Sends one request of @cmd with @flags (NLM_F_REQUEST is added; NLM_F_ACK
 * too unless NLM_F_DUMP is set), attributes built by @build, and reads until
 * the ack/error or NLMSG_DONE. Returns 0 or the negative errno.
 */
int ubc_request(struct ubc_nl *h, uint8_t cmd, uint16_t flags,
		ubc_build_t build, void *barg, ubc_reply_t cb, void *carg);

int ubc_create(struct ubc_nl *h, uint32_t id);
int ubc_create_lims(struct ubc_nl *h, uint32_t id,
		    const struct ubc_lim *lims, unsigned int n);
int ubc_destroy(struct ubc_nl *h, uint32_t id);
int ubc_set(struct ubc_nl *h, uint32_t id, uint32_t res,
	    uint64_t barrier, uint64_t limit);
int ubc_set_lims(struct ubc_nl *h, uint32_t id,
		 const struct ubc_lim *lims, unsigned int n);
int ubc_get(struct ubc_nl *h, uint32_t id, struct ubc_info *out);
int ubc_dump(struct ubc_nl *h, ubc_dump_t cb, void *arg);
int ubc_enter(struct ubc_nl *h, uint32_t id, uint32_t pid);

/* Parses one GET/dump reply message into @out (out->bad on anomalies). */
void ubc_parse_info(const struct nlmsghdr *nlh, struct ubc_info *out);

/* Value of one field of @res in a GET of @id, or (uint64_t)-1 on error. */
uint64_t ubc_field(struct ubc_nl *h, uint32_t id, uint32_t res, int attr);

/*
 * Polls (every 10 ms, up to @ms) until field @attr of resource @res of
 * compartment @id equals @want. Returns the last value seen, or
 * (uint64_t)-1 when the GET failed.
 */
uint64_t ubc_wait_field(struct ubc_nl *h, uint32_t id, uint32_t res,
			int attr, uint64_t want, int ms);

/*
 * 1 if a dump lists @id (its entry copied to @out if not NULL), 0 if not,
 * or the dump's negative errno.
 */
int ubc_dump_find(struct ubc_nl *h, uint32_t id, struct ubc_info *out);
/* How many ids of [base, base + n) a dump lists, or negative errno. */
int ubc_dump_count_range(struct ubc_nl *h, uint32_t base, uint32_t n);

/*
 * Polls until @id is entirely gone: GET says ENOENT and no dump lists it
 * (a dying compartment may linger in dumps until its charges drained).
 * Returns -ENOENT when gone, 0 if still there after @ms, or an error.
 */
int ubc_wait_gone(struct ubc_nl *h, uint32_t id, int ms);
/* Polls until no dump lists an id of [base, base + n): 0, >0 left, <0. */
int ubc_wait_range_gone(struct ubc_nl *h, uint32_t base, uint32_t n, int ms);

/*
 * Destroys @id, retrying EBUSY (charges draining) for up to @ms.
 * Returns 0, -ENOENT, or the last error.
 */
int ubc_destroy_wait(struct ubc_nl *h, uint32_t id, int ms);

#endif /* _UBC_NL_H */
