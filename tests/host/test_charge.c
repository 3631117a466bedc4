// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of the charge core (kernel/charge.c), TAP output. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "charge.h"

int host_warnings;
static int tests, failures;

#define CHECK(cond, ...) do {						\
	tests++;							\
	if (cond) {							\
		printf("ok %d - ", tests);				\
	} else {							\
		failures++;						\
		printf("not ok %d - ", tests);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define HELD(c)		atomic_long_read(&(c)->held)
#define MAXHELD(c)	atomic_long_read(&(c)->maxheld)
#define MINHELD(c)	atomic_long_read(&(c)->minheld)
#define FAILCNT(c)	atomic_long_read(&(c)->failcnt)

/* What the charge core reported (events.c's role in the module). */
static long ev_refused, ev_forced, ev_last_val, ev_last_held;
static unsigned long ev_last_ip;

void ubc_counter_event(struct ubc_counter *c, enum ubc_counter_ev ev,
		       long val, long held, enum ubc_strict strict,
		       unsigned long ip)
{
	(void)c;
	(void)strict;
	__atomic_add_fetch(ev == UBC_COUNTER_REFUSED ? &ev_refused : &ev_forced,
			   1, __ATOMIC_SEQ_CST);
	ev_last_val = val;
	ev_last_held = held;
	ev_last_ip = ip;
}

static void test_bounds(void)
{
	struct ubc_counter c;

	ubc_counter_init(&c, 0);
	CHECK(c.barrier == LONG_MAX && c.limit == LONG_MAX && HELD(&c) == 0,
	      "new counter is unlimited and empty");
	ubc_counter_set(&c, 10, 20);
	CHECK(ubc_counter_charge(&c, 10, UBC_BARRIER) == 0 && HELD(&c) == 10,
	      "charge up to the barrier succeeds");
	CHECK(ubc_counter_charge(&c, 1, UBC_BARRIER) == -ENOMEM &&
	      HELD(&c) == 10 && FAILCNT(&c) == 1,
	      "ordinary charge past the barrier is refused, failcnt 1, held unchanged");
	CHECK(ubc_counter_charge(&c, 10, UBC_LIMIT) == 0 && HELD(&c) == 20,
	      "limit charge passes the barrier up to the limit");
	CHECK(ubc_counter_charge(&c, 1, UBC_LIMIT) == -ENOMEM && FAILCNT(&c) == 2,
	      "limit charge past the limit is refused, failcnt 2");
	CHECK(ubc_counter_charge(&c, 5, UBC_FORCE) == 0 && HELD(&c) == 25 &&
	      FAILCNT(&c) == 2, "forced charge is never refused and is counted");
	CHECK(MAXHELD(&c) == 25, "maxheld follows held (25)");
	ubc_counter_uncharge(&c, 25);
	CHECK(HELD(&c) == 0 && MINHELD(&c) == 0 && MAXHELD(&c) == 25,
	      "uncharge returns to 0, maxheld kept");
	CHECK(ubc_counter_charge(&c, LONG_MAX, UBC_FORCE) == 0 &&
	      ubc_counter_charge(&c, 1, UBC_LIMIT) == -ENOMEM &&
	      HELD(&c) == LONG_MAX, "overflowing charge is refused, not wrapped");
	ubc_counter_uncharge(&c, LONG_MAX);
	ubc_counter_set(&c, 0, 0);
	CHECK(ubc_counter_charge(&c, 1, UBC_BARRIER) == -ENOMEM &&
	      ubc_counter_charge(&c, 0, UBC_BARRIER) == 0,
	      "barrier 0 refuses every positive charge, accepts 0");
}

static void test_limit_below_held(void)
{
	struct ubc_counter c;

	ubc_counter_init(&c, 0);
	ubc_counter_charge(&c, 50, UBC_BARRIER);
	ubc_counter_set(&c, 10, 20);
	CHECK(HELD(&c) == 50 && ubc_counter_charge(&c, 1, UBC_LIMIT) == -ENOMEM,
	      "limit lowered below held: held kept, next charge refused");
	ubc_counter_uncharge(&c, 45);
	CHECK(HELD(&c) == 5 && MINHELD(&c) == 0 &&
	      ubc_counter_charge(&c, 5, UBC_BARRIER) == 0,
	      "after usage drops charges succeed again");
}

static void test_check(void)
{
	struct ubc_counter c;

	ubc_counter_init(&c, 0);
	ubc_counter_set(&c, 2, 3);
	ubc_counter_charge(&c, 2, UBC_BARRIER);
	CHECK(ubc_counter_check(&c, 1, UBC_BARRIER) == -ENOMEM &&
	      FAILCNT(&c) == 1 && HELD(&c) == 2 && MAXHELD(&c) == 2,
	      "check past the barrier: refused, failcnt 1, held and maxheld untouched");
	CHECK(ubc_counter_check(&c, 1, UBC_LIMIT) == 0 &&
	      ubc_counter_check(&c, 2, UBC_LIMIT) == -ENOMEM && FAILCNT(&c) == 2,
	      "check against the limit: 1 fits, 2 does not");
	CHECK(ubc_counter_check(&c, 100, UBC_FORCE) == 0 && FAILCNT(&c) == 2,
	      "forced check always fits");
	ubc_counter_uncharge(&c, 2);
	CHECK(ubc_counter_check(&c, 2, UBC_BARRIER) == 0 && HELD(&c) == 0,
	      "after uncharge the check fits again");
}

static void test_underflow(void)
{
	struct ubc_counter c;
	int before = host_warnings;

	ubc_counter_init(&c, 0);
	ubc_counter_charge(&c, 3, UBC_BARRIER);
	ubc_counter_uncharge(&c, 5);
	CHECK(HELD(&c) == 0 && host_warnings == before + 1,
	      "uncharge below zero warns once and clamps held at 0");
}

#define THREADS	8
#define ITERS	200000

struct worker {
	struct ubc_counter *c;
	unsigned int seed;
	long refused;
	long forced;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	long mine = 0;

	for (int i = 0; i < ITERS; i++) {
		unsigned int r = rand_r(&w->seed);
		long val = 1 + r % 4;

		if (mine > 0 && (r & 0x100)) {
			ubc_counter_uncharge(w->c, mine);
			mine = 0;
			continue;
		}
		enum ubc_strict s = (r >> 10) % 3;
		if (ubc_counter_charge(w->c, val, s) == 0)
			mine += val;
		else
			w->refused++;
		if (s == UBC_FORCE)
			w->forced++;
	}
	if (mine)
		ubc_counter_uncharge(w->c, mine);
	return NULL;
}

static void test_concurrent(void)
{
	struct ubc_counter c;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	long refused = 0;
	int before = host_warnings;

	ubc_counter_init(&c, 0);
	ubc_counter_set(&c, 40, 60);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .c = &c, .seed = i + 1 };
		pthread_create(&t[i], NULL, worker_fn, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		refused += w[i].refused;
	}
	CHECK(HELD(&c) == 0, "concurrent charge/uncharge: held back at 0");
	CHECK(FAILCNT(&c) == refused,
	      "concurrent: failcnt %ld equals refusals seen by callers %ld",
	      FAILCNT(&c), refused);
	CHECK(refused > 0, "concurrent: the bounds were actually hit (%ld)", refused);
	CHECK(host_warnings == before, "concurrent: no underflow warning");
	CHECK(MINHELD(&c) == 0 && MAXHELD(&c) > 60 - 1,
	      "concurrent: minheld 0, maxheld %ld reached the limit region",
	      MAXHELD(&c));
}

/* Without forced charges held never exceeds the limit, even transiently. */
struct bounded {
	struct ubc_counter *c;
	unsigned int seed;
	long over;
};

static void *bounded_fn(void *arg)
{
	struct bounded *b = arg;

	for (int i = 0; i < ITERS; i++) {
		long val = 1 + rand_r(&b->seed) % 8;

		if (ubc_counter_charge(b->c, val, UBC_LIMIT) == 0) {
			if (HELD(b->c) > b->c->limit + 8 * THREADS)
				b->over++;
			ubc_counter_uncharge(b->c, val);
		}
	}
	return NULL;
}

static void test_never_past_bound(void)
{
	struct ubc_counter c;
	struct bounded b[THREADS];
	pthread_t t[THREADS];
	long over = 0;

	ubc_counter_init(&c, 0);
	ubc_counter_set(&c, 16, 32);
	for (int i = 0; i < THREADS; i++) {
		b[i] = (struct bounded){ .c = &c, .seed = 100 + i };
		pthread_create(&t[i], NULL, bounded_fn, &b[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		over += b[i].over;
	}
	CHECK(MAXHELD(&c) <= 32, "successful limit charges never exceed the limit (maxheld %ld)",
	      MAXHELD(&c));
	CHECK(over == 0 && HELD(&c) == 0, "no transient overshoot beyond in-flight rollbacks, held 0");
}

/* Every refusal is reported once, forced charges only past the limit. */
static void test_events(void)
{
	struct ubc_counter c;
	long r0 = ev_refused, f0 = ev_forced;

	ubc_counter_init(&c, 7);
	CHECK(c.index == 7, "the counter knows its resource index");
	ubc_counter_set(&c, 10, 20);
	ubc_counter_charge(&c, 8, UBC_BARRIER);
	CHECK(ubc_counter_charge(&c, 3, UBC_BARRIER) == -ENOMEM &&
	      ev_refused == r0 + 1 && ev_last_val == 3 && ev_last_held == 8 &&
	      ev_last_ip != 0,
	      "a refused charge is reported once with its value and held");
	CHECK(ubc_counter_check(&c, 3, UBC_BARRIER) == -ENOMEM &&
	      ev_refused == r0 + 2 && FAILCNT(&c) == 2,
	      "a refused check is reported and counted");
	CHECK(ubc_counter_charge(&c, 10, UBC_FORCE) == 0 && ev_forced == f0,
	      "a forced charge up to the limit is not reported");
	CHECK(ubc_counter_charge(&c, 3, UBC_FORCE) == 0 && ev_forced == f0 + 1 &&
	      ev_last_held == 21,
	      "a forced charge past the limit is reported (held %ld)", ev_last_held);
	ubc_counter_uncharge(&c, 21);
	ubc_counter_fail(&c, 4, UBC_LIMIT);
	CHECK(FAILCNT(&c) == 3 && ev_refused == r0 + 3 && ev_last_val == 4,
	      "ubc_counter_fail counts and reports a caller's refusal");
	CHECK(ubc_counter_recharge(&c, 30, UBC_LIMIT) == -ENOMEM &&
	      FAILCNT(&c) == 3 && ev_refused == r0 + 3,
	      "a refused retry counts nothing more");
	CHECK(ubc_counter_recharge(&c, 5, UBC_LIMIT) == 0 && FAILCNT(&c) == 2 &&
	      HELD(&c) == 5, "a successful retry takes its refusal back");
	ubc_counter_count_fail(&c);
	CHECK(FAILCNT(&c) == 3 && ev_refused == r0 + 3,
	      "ubc_counter_count_fail counts without a refusal report");
	ubc_counter_uncharge(&c, 5);
	CHECK(HELD(&c) == 0, "events: held back at 0");
}

int main(void)
{
	printf("TAP version 13\n");
	test_bounds();
	test_limit_below_held();
	test_check();
	test_underflow();
	test_concurrent();
	test_never_past_bound();
	test_events();
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
