// SPDX-License-Identifier: GPL-2.0
/*
 * numproc (resource 5): every task of a compartment, threads included,
 * counts until it is reaped; fork, clone, clone3 and pthread_create beyond
 * the barrier fail with EAGAIN and each refusal adds exactly one to failcnt;
 * host tasks are never charged; held returns to its baseline.
 *
 * Compartment ids: 12000..12999.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_worker.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)

/* Creates @id with numproc @barrier/@limit, starts @w and ENTERs it. */
static void setup_member(struct __test_metadata *_metadata, struct ubc_nl *h,
			 uint32_t id, uint64_t barrier, uint64_t limit,
			 struct worker *w)
{
	const struct ubc_lim l = { UBC_NUMPROC, barrier, limit };

	ASSERT_NL(h, 0, ubc_create_lims(h, id, &l, 1));
	ASSERT_EQ(0, worker_start(w));
	ASSERT_NUMPROC(h, id, 0, 0, 0);
	ASSERT_NL(h, 0, ubc_enter(h, id, w->pid));
	/* ENTER charges synchronously. */
	ASSERT_NUMPROC(h, id, 1, 1, 0);
}

/* Stops @w (its exit code 0) and waits for @id to drain to zero. */
static void stop_member(struct __test_metadata *_metadata, struct ubc_nl *h,
			uint32_t id, struct worker *w)
{
	WSTOP(w);
	WAIT_HELD(h, id, 0);
}

TEST_F(ubctest, fork_beyond_barrier)
{
	struct worker w;

	IDS(12000, 1);
	setup_member(_metadata, NL, 12000, 4, 4, &w);

	WCMD(&w, 'f', 6);
	WASSERT_SPAWN(&w, 3, 3);
	ASSERT_NUMPROC(NL, 12000, 4, 4, 3);

	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12000, 1);
	ASSERT_NUMPROC(NL, 12000, 1, 4, 3);

	/* The room is back once the children are reaped. */
	WCMD(&w, 'f', 4);
	WASSERT_SPAWN(&w, 3, 1);
	ASSERT_NUMPROC(NL, 12000, 4, 4, 4);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12000, 1);

	stop_member(_metadata, NL, 12000, &w);
	ASSERT_NUMPROC(NL, 12000, 0, 4, 4);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 12000));
}

TEST_F(ubctest, barrier_not_limit)
{
	struct worker w;

	IDS(12010, 1);
	/* Refusals start at the barrier, however high the limit. */
	setup_member(_metadata, NL, 12010, 3, U, &w);
	WCMD(&w, 'f', 5);
	WASSERT_SPAWN(&w, 2, 3);
	ASSERT_NUMPROC(NL, 12010, 3, 3, 3);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12010, 1);
	stop_member(_metadata, NL, 12010, &w);
	ASSERT_NUMPROC(NL, 12010, 0, 3, 3);
}

TEST_F(ubctest, clone_and_clone3)
{
	struct worker w;

	IDS(12020, 1);
	setup_member(_metadata, NL, 12020, 3, 3, &w);

	WCMD(&w, 'c', 4);
	WASSERT_SPAWN(&w, 2, 2);
	ASSERT_NUMPROC(NL, 12020, 3, 3, 2);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12020, 1);

	WCMD(&w, '3', 4);
	if (w.sh->nfail && w.sh->err[0] == ENOSYS) {
		stop_member(_metadata, NL, 12020, &w);
		SKIP(return, "clone3 not available");
	}
	WASSERT_SPAWN(&w, 2, 2);
	ASSERT_NUMPROC(NL, 12020, 3, 3, 4);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12020, 1);

	stop_member(_metadata, NL, 12020, &w);
	ASSERT_NUMPROC(NL, 12020, 0, 3, 4);
}

TEST_F(ubctest, pthread_create)
{
	struct worker w;

	IDS(12030, 1);
	setup_member(_metadata, NL, 12030, 5, 5, &w);

	WCMD(&w, 't', 6);
	WASSERT_SPAWN(&w, 4, 2);
	ASSERT_NUMPROC(NL, 12030, 5, 5, 2);

	/* A process cannot be forked either while the threads use it up. */
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 0, 1);
	ASSERT_NUMPROC(NL, 12030, 5, 5, 3);

	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12030, 1);
	stop_member(_metadata, NL, 12030, &w);
	ASSERT_NUMPROC(NL, 12030, 0, 5, 3);
}

TEST_F(ubctest, held_counts_threads_children_zombies)
{
	struct worker w;

	IDS(12040, 1);
	setup_member(_metadata, NL, 12040, U, U, &w);

	WCMD(&w, 't', 2);
	WASSERT_SPAWN(&w, 2, 0);
	ASSERT_NUMPROC(NL, 12040, 3, 3, 0);
	WCMD(&w, 'f', 2);
	WASSERT_SPAWN(&w, 2, 0);
	ASSERT_NUMPROC(NL, 12040, 5, 5, 0);
	WCMD(&w, 'c', 1);
	WASSERT_SPAWN(&w, 1, 0);
	ASSERT_NUMPROC(NL, 12040, 6, 6, 0);

	/* Exited but not reaped: still charged. */
	WCMD(&w, 'z', 2);
	WASSERT_SPAWN(&w, 2, 0);
	msleep(100);
	ASSERT_NUMPROC(NL, 12040, 8, 8, 0);

	/* Reaped: uncharged. */
	WCMD(&w, 'R', 0);
	WAIT_HELD(NL, 12040, 6);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12040, 1);
	ASSERT_NUMPROC(NL, 12040, 1, 8, 0);
	stop_member(_metadata, NL, 12040, &w);
	ASSERT_NUMPROC(NL, 12040, 0, 8, 0);
}

TEST_F(ubctest, zombie_holds_its_slot)
{
	struct worker w;

	IDS(12050, 1);
	setup_member(_metadata, NL, 12050, 2, 2, &w);

	WCMD(&w, 'z', 1);
	WASSERT_SPAWN(&w, 1, 0);
	ASSERT_NUMPROC(NL, 12050, 2, 2, 0);
	msleep(100);
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 0, 1);
	ASSERT_NUMPROC(NL, 12050, 2, 2, 1);

	WCMD(&w, 'R', 0);
	WAIT_HELD(NL, 12050, 1);
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 1, 0);
	ASSERT_NUMPROC(NL, 12050, 2, 2, 1);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12050, 1);
	stop_member(_metadata, NL, 12050, &w);
}

static void *host_thread(void *arg)
{
	return arg;
}

TEST_F(ubctest, host_never_charged)
{
	const struct ubc_lim zero = { UBC_NUMPROC, 0, 0 };
	pthread_t t[5];
	struct worker w;
	int i;

	IDS(12060, 2);
	setup_member(_metadata, NL, 12060, 1, 1, &w);
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 12061, &zero, 1));

	/* The host forks and creates threads freely... */
	for (i = 0; i < 20; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		ASSERT_GT(p, 0) TH_LOG("host fork %d: %s", i, strerror(errno));
		ASSERT_EQ(0, reap(p));
	}
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, pthread_create(&t[i], NULL, host_thread, NULL));
	}
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	}

	/* ... and no compartment notices. */
	msleep(100);
	ASSERT_NUMPROC(NL, 12060, 1, 1, 0);
	ASSERT_NUMPROC(NL, 12061, 0, 0, 0);

	/* A worker still outside any compartment is not limited either. */
	{
		struct worker h;

		ASSERT_EQ(0, worker_start(&h));
		WCMD(&h, 'f', 3);
		WASSERT_SPAWN(&h, 3, 0);
		WCMD(&h, 't', 3);
		WASSERT_SPAWN(&h, 3, 0);
		ASSERT_NUMPROC(NL, 12060, 1, 1, 0);
		ASSERT_NUMPROC(NL, 12061, 0, 0, 0);
		WSTOP(&h);
	}
	stop_member(_metadata, NL, 12060, &w);
	ASSERT_NUMPROC(NL, 12060, 0, 1, 0);
}

TEST_F(ubctest, limit_below_held)
{
	struct worker w;

	IDS(12070, 1);
	setup_member(_metadata, NL, 12070, U, U, &w);
	WCMD(&w, 'f', 2);
	WASSERT_SPAWN(&w, 2, 0);
	ASSERT_NUMPROC(NL, 12070, 3, 3, 0);

	/* Allowed, as in OpenVZ; further charges are refused. */
	ASSERT_NL(NL, 0, ubc_set(NL, 12070, UBC_NUMPROC, 1, 1));
	ASSERT_NUMPROC(NL, 12070, 3, 3, 0);
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 0, 1);
	ASSERT_NUMPROC(NL, 12070, 3, 3, 1);

	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12070, 1);
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 0, 1);
	ASSERT_NUMPROC(NL, 12070, 1, 3, 2);

	ASSERT_NL(NL, 0, ubc_set(NL, 12070, UBC_NUMPROC, 2, 2));
	WCMD(&w, 'f', 2);
	WASSERT_SPAWN(&w, 1, 1);
	ASSERT_NUMPROC(NL, 12070, 2, 3, 3);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 12070, 1);
	stop_member(_metadata, NL, 12070, &w);
	ASSERT_NUMPROC(NL, 12070, 0, 3, 3);
}

TEST_F(ubctest, enter_respects_barrier)
{
	const struct ubc_lim zero = { UBC_NUMPROC, 0, 0 };
	struct worker w;

	IDS(12080, 2);
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 12080, &zero, 1));
	ASSERT_NL(NL, 0, ubc_create(NL, 12081));
	ASSERT_EQ(0, worker_start(&w));

	ASSERT_NL(NL, -EAGAIN, ubc_enter(NL, 12080, w.pid));
	{
		struct ubc_info info;

		ASSERT_GET(NL, 12080, &info);
		ASSERT_EQ(0, info.res[UBC_NUMPROC].held);
		ASSERT_EQ(0, info.res[UBC_NUMPROC].maxheld);
	}
	/* Not moved: it can still enter another compartment. */
	ASSERT_NL(NL, 0, ubc_enter(NL, 12081, w.pid));
	ASSERT_NUMPROC(NL, 12081, 1, 1, 0);
	stop_member(_metadata, NL, 12081, &w);
}

TEST_F_TIMEOUT(ubctest, churn, 600)
{
	int n = debug_kernel() ? 600 : 2000;
	struct worker w;

	IDS(12090, 1);
	setup_member(_metadata, NL, 12090, U, U, &w);

	ASSERT_EQ(0, worker_cmd_ms(&w, 'k', n, 400000));
	WASSERT_SPAWN(&w, n, 0);
	WAIT_HELD(NL, 12090, 1);
	ASSERT_EQ(0, ubc_field(NL, 12090, UBC_NUMPROC, UBC_RES_A_FAILCNT));
	ASSERT_GE(ubc_field(NL, 12090, UBC_NUMPROC, UBC_RES_A_MAXHELD), 2);

	ASSERT_EQ(0, worker_cmd_ms(&w, 'K', 500, 250000));
	WASSERT_SPAWN(&w, 500, 0);
	WAIT_HELD(NL, 12090, 1);

	/* No drift: the compartment can be churned again and again. */
	ASSERT_EQ(0, worker_cmd_ms(&w, 'k', 200, 250000));
	WASSERT_SPAWN(&w, 200, 0);
	WAIT_HELD(NL, 12090, 1);
	ASSERT_EQ(0, ubc_field(NL, 12090, UBC_NUMPROC, UBC_RES_A_FAILCNT));

	stop_member(_metadata, NL, 12090, &w);
	ASSERT_EQ(0, ubc_field(NL, 12090, UBC_NUMPROC, UBC_RES_A_FAILCNT));
	/* Nothing left behind: it can be destroyed and drains away. */
	ASSERT_NL(NL, 0, ubc_destroy(NL, 12090));
	ASSERT_EQ(-ENOENT, ubc_wait_gone(NL, 12090, DRAIN_MS));
}

TEST_F_TIMEOUT(ubctest, churn_at_barrier, 300)
{
	int n = debug_kernel() ? 200 : 500;
	struct worker w;
	uint64_t failcnt;

	/*
	 * Churn right at the barrier: with the barrier 2 a fork may be
	 * refused while the previous child's uncharge is still pending in
	 * RCU, but every refusal is counted and nothing leaks.
	 */
	IDS(12100, 1);
	setup_member(_metadata, NL, 12100, 2, 2, &w);
	ASSERT_EQ(0, worker_cmd_ms(&w, 'k', n, 250000));
	ASSERT_EQ(n, w.sh->nok + w.sh->nfail);
	WASSERT_SPAWN(&w, w.sh->nok, w.sh->nfail);	/* all EAGAIN */
	failcnt = ubc_field(NL, 12100, UBC_NUMPROC, UBC_RES_A_FAILCNT);
	ASSERT_EQ((uint64_t)w.sh->nfail, failcnt);
	WAIT_HELD(NL, 12100, 1);
	ASSERT_EQ(2, ubc_field(NL, 12100, UBC_NUMPROC, UBC_RES_A_MAXHELD));
	stop_member(_metadata, NL, 12100, &w);
	ASSERT_NUMPROC(NL, 12100, 0, 2, failcnt);
}

/*
 * ENTER of a process whose threads are exiting: a thread that turns
 * EXIT_DEAD (exit_notify(), under tasklist_lock, not under the siglock
 * ENTER holds) between ENTER's count and its tracking loop must not keep
 * its charge. The threads of a process are released together and exit one
 * after another over some 20 ms (each autoreaped: EXIT_DEAD), while the
 * test enters the process; again and again. After every round held is
 * back at 0.
 */
static int exiting_go = -1;

static void *exit_later(void *arg)
{
	char b;

	while (read(exiting_go, &b, 1) < 0 && errno == EINTR)
		;
	usleep((long)arg * 100);
	return NULL;
}

static void exiting_threads_child(struct chan *c, int go[2], long n)
{
	long i;

	chan_child(c);
	close(go[1]);
	exiting_go = go[0];
	for (i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, exit_later, (void *)i))
			_exit(1);
		pthread_detach(t);
	}
	chan_put(c->up[1], 'r');
	wait_eof(c->down[0]);
	_exit(0);
}

TEST_F_TIMEOUT(ubctest, enter_while_threads_exit, 600)
{
	int rounds = debug_kernel() ? 30 : 150, i;
	long threads = debug_kernel() ? 100 : 200;

	IDS(12110, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 12110));
	for (i = 0; i < rounds; i++) {
		struct chan c;
		int go[2];
		pid_t pid;

		ASSERT_EQ(0, chan_init(&c));
		ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			exiting_threads_child(&c, go, threads);
		chan_parent(&c);
		close(go[0]);
		ASSERT_EQ('r', chan_get(c.up[0], 60000))
			TH_LOG("round %d: the child did not start %ld threads",
			       i, threads);
		close(go[1]);	/* the threads start exiting */
		usleep((i % 10) * 1000);
		ASSERT_NL(NL, 0, ubc_enter(NL, 12110, pid));
		close(c.down[1]);
		ASSERT_EQ(0, reap(pid));
		close(c.up[0]);
		ASSERT_EQ(0, ubc_wait_field(NL, 12110, UBC_NUMPROC,
					    UBC_RES_A_HELD, 0, DRAIN_MS))
			TH_LOG("round %d: numproc did not return to 0", i);
	}
	ASSERT_EQ(0, ubc_field(NL, 12110, UBC_NUMPROC, UBC_RES_A_FAILCNT));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 12110));
	ASSERT_EQ(-ENOENT, ubc_wait_gone(NL, 12110, DRAIN_MS));
}

TEST_HARNESS_MAIN
