/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The charge core: one beancounter (held, maxheld, minheld, barrier, limit,
 * failcnt) and the try-charge / uncharge primitives every resource uses.
 *
 * Plain C with no dependency beyond atomics, so the same file is built into
 * the module and into the host unit tests (tests/host/).
 */
#ifndef _UBC_CHARGE_H
#define _UBC_CHARGE_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/limits.h>
#else
#include "host_shim.h"
#endif

/*
 * How hard a charge may push:
 * UBC_BARRIER  ordinary requests: refused once held would pass the barrier.
 * UBC_LIMIT    requests that must not fail half-way (OpenVZ's UB_HARD
 *              counterpart): refused only past the limit.
 * UBC_FORCE    never refused, always counted (held may exceed the limit).
 */
enum ubc_strict {
	UBC_BARRIER,
	UBC_LIMIT,
	UBC_FORCE,
};

struct ubc_counter {
	atomic_long_t held;
	atomic_long_t maxheld;
	atomic_long_t minheld;
	atomic_long_t failcnt;
	long barrier;		/* READ_ONCE/WRITE_ONCE; see ubc_counter_set() */
	long limit;
	unsigned int index;	/* its resource: res[index] of its compartment */
};

void ubc_counter_init(struct ubc_counter *c, unsigned int index);
int ubc_counter_charge(struct ubc_counter *c, long val, enum ubc_strict strict);
int ubc_counter_check(struct ubc_counter *c, long val, enum ubc_strict strict);
void ubc_counter_uncharge(struct ubc_counter *c, long val);
void ubc_counter_set(struct ubc_counter *c, long barrier, long limit);
void ubc_counter_fail(struct ubc_counter *c, long val, enum ubc_strict strict);
int ubc_counter_recharge(struct ubc_counter *c, long val, enum ubc_strict strict);
void ubc_counter_count_fail(struct ubc_counter *c);
void ubc_counter_forgive(struct ubc_counter *c);

/*
 * Who hears of refusals and of forced charges past the limit: events.c in
 * the module (the "events" multicast group), a recorder in the host tests.
 * Called from any context with the counter's new failcnt (refusals) or held
 * (forced), @ip the charge core's caller. Must not sleep or take a lock a
 * hook could hold.
 */
enum ubc_counter_ev {
	UBC_COUNTER_REFUSED,
	UBC_COUNTER_FORCED,
};

void ubc_counter_event(struct ubc_counter *c, enum ubc_counter_ev ev,
		       long val, long held, enum ubc_strict strict,
		       unsigned long ip);

static inline long ubc_counter_held(const struct ubc_counter *c)
{
	return atomic_long_read(&c->held);
}

#endif /* _UBC_CHARGE_H */
