// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" multicast group (kernel/events.c), read with the parser
 * ubc monitor uses (tools/ubc/events.c): one refused-ntf per refusal when
 * they are sparse, naming the refusing task and hook; a flood from two
 * processes on two CPUs coalesced into few notifications whose counts sum
 * to failcnt's rise, nothing lost; new, del and drained in that order;
 * listening refused to a task without CAP_SYS_ADMIN and to a compartment's
 * root. numproc is the refused resource (fork: EAGAIN).
 *
 * Compartment ids: 15300..15399.
 */
#include <linux/capability.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_events.h"

#define NL (&self->nl)

/* shared: forks that succeeded, other errors, errno, refusers done */
static int *stats;

/*
 * A child entered into @id that tries @forks forks, @gap_ms apart, once
 * refuser_go(*go) is called, and exits with the number refused with EAGAIN.
 */
static pid_t refuser_start(struct ubc_nl *h, uint32_t id, int forks,
			   int gap_ms, int *gofd)
{
	int go[2];
	pid_t pid;
	char c;

	if (pipe(go))
		return -1;
	pid = fork();
	if (pid == 0) {
		int i, refused = 0;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(255);
		for (i = 0; i < forks; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0) {
				waitpid(p, NULL, 0);
				if (stats)
					__atomic_add_fetch(&stats[0], 1, __ATOMIC_SEQ_CST);
			} else if (errno == EAGAIN) {
				refused++;
			} else if (stats) {
				__atomic_add_fetch(&stats[1], 1, __ATOMIC_SEQ_CST);
				stats[2] = errno;
			}
			if (gap_ms)
				msleep(gap_ms);
		}
		/*
		 * Stay until the test releases us (EOF on go): a refuser that
		 * left early would give its slot to the other one's forks.
		 */
		if (stats)
			__atomic_add_fetch(&stats[3], 1, __ATOMIC_SEQ_CST);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(refused > 254 ? 254 : refused);
	}
	close(go[0]);
	if (pid > 0 && ubc_enter(h, id, pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	*gofd = go[1];
	return pid;
}

static void refuser_go(int gofd)
{
	if (write(gofd, "g", 1) != 1)
		perror("refuser_go");
}

/* Let it exit once its forks are done. */
static void refuser_release(int gofd)
{
	close(gofd);
}

static pid_t refuser(struct ubc_nl *h, uint32_t id, int forks, int gap_ms)
{
	int gofd;
	pid_t pid = refuser_start(h, id, forks, gap_ms, &gofd);

	refuser_go(gofd);
	refuser_release(gofd);
	return pid;
}

static int exit_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(ubctest, sparse_refusals_one_event_each)
{
	const struct ubc_lim lim = { UBC_NUMPROC, 1, 1 };
	struct ubc_nl l;
	struct seen *s = calloc(1, sizeof(*s));
	unsigned int i, refused = 0;
	pid_t pid;

	IDS(15300, 1);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, listen_open(&l));
	s->id = 15300;
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 15300, &lim, 1));
	pid = refuser(NL, 15300, 3, 1300);
	ASSERT_LT(0, pid);
	ASSERT_EQ(3, exit_code(pid));
	WAIT_HELD(NL, 15300, 0);
	ASSERT_EQ(3, ubc_field(NL, 15300, UBC_NUMPROC, UBC_RES_A_FAILCNT));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 15300));
	collect(&l, s, 1500);
	ubc_nl_close(&l);

	ASSERT_LE(6, s->n);
	ASSERT_GE(64, s->n);
	EXPECT_EQ(UBC_CMD_NEW_NTF, s->ev[0].cmd);
	for (i = 0; i < s->n && i < 64; i++) {
		struct ubc_event *ev = &s->ev[i];

		if (ev->cmd != UBC_CMD_REFUSED_NTF)
			continue;
		refused++;
		EXPECT_EQ(UBC_NUMPROC, ev->res);
		EXPECT_STREQ("numproc", ev->name);
		EXPECT_EQ(0, ev->coalesced);
		EXPECT_EQ((uint32_t)pid, ev->pid);
		EXPECT_EQ((uint32_t)pid, ev->tgid);
		EXPECT_STREQ("events_test", ev->comm);
		EXPECT_NE(0, ev->hook[0]);
		EXPECT_EQ(1, ev->held);
		EXPECT_EQ(1, ev->barrier);
		EXPECT_EQ(1, ev->limit);
		EXPECT_EQ(1, ev->val);
		EXPECT_EQ(refused, ev->failcnt);
		EXPECT_EQ(0, ev->lost);
		EXPECT_NE(0, ev->time_ns);
		TH_LOG("refused %u: hook %s", refused, ev->hook);
	}
	EXPECT_EQ(3, refused);
	/* del, then drained once the last charge is back */
	ASSERT_EQ(6, s->n);
	EXPECT_EQ(UBC_CMD_DEL_NTF, s->ev[4].cmd);
	EXPECT_EQ(UBC_CMD_DRAINED_NTF, s->ev[5].cmd);
	free(s);
}

TEST_F(ubctest, flood_coalesced_counts_sum_to_failcnt)
{
	struct ubc_nl l;
	struct seen *s = calloc(1, sizeof(*s));
	unsigned int i, notes = 0;
	uint64_t events = 0, failcnt;
	int refused = 0;
	pid_t a, b;

	IDS(15310, 1);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, listen_open(&l));
	s->id = 15310;
	int go_a, go_b;

	stats = shared_mem(4096);
	ASSERT_NE(NULL, stats);

	ASSERT_NL(NL, 0, ubc_create(NL, 15310));
	/* two refusers on two CPUs at numproc 2:2: every fork refused */
	a = refuser_start(NL, 15310, 250, 0, &go_a);
	b = refuser_start(NL, 15310, 250, 0, &go_b);
	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	ASSERT_NL(NL, 0, ubc_set(NL, 15310, UBC_NUMPROC, 2, 2));
	refuser_go(go_a);
	refuser_go(go_b);
	for (i = 0; i < 6000 && __atomic_load_n(&stats[3], __ATOMIC_SEQ_CST) < 2; i++)
		msleep(10);
	refuser_release(go_a);
	refuser_release(go_b);
	refused = exit_code(a);
	refused += exit_code(b);
	WAIT_HELD(NL, 15310, 0);
	failcnt = ubc_field(NL, 15310, UBC_NUMPROC, UBC_RES_A_FAILCNT);
	collect(&l, s, 2500);
	ubc_nl_close(&l);

	for (i = 0; i < s->n && i < 64; i++) {
		if (s->ev[i].cmd != UBC_CMD_REFUSED_NTF)
			continue;
		notes++;
		events += 1 + s->ev[i].coalesced;
		EXPECT_EQ(0, s->ev[i].lost);
	}
	TH_LOG("%d refusals seen by the callers, failcnt %llu, %u notifications for %llu events",
	       refused, (unsigned long long)failcnt, notes,
	       (unsigned long long)events);
	TH_LOG("forks that succeeded %d, failed otherwise %d (errno %d)",
	       stats[0], stats[1], stats[2]);
	EXPECT_EQ(0, stats[0]);		/* the limit is a ceiling */
	EXPECT_EQ(500, refused + stats[1]);
	EXPECT_EQ((uint64_t)refused, failcnt);
	EXPECT_EQ(failcnt, events);
	EXPECT_LE(1, notes);
	EXPECT_GT(20, notes);		/* coalesced, not one per refusal */
	ASSERT_NL(NL, 0, ubc_destroy(NL, 15310));
	free(s);
}

/* Drop CAP_SYS_ADMIN from every set of the calling process. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1U << CAP_SYS_ADMIN);
	data[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	data[0].inheritable &= ~(1U << CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data);
}

TEST_F(ubctest, listening_needs_host_sys_admin)
{
	struct ubc_nl l;
	int go[2];
	pid_t pid;
	char c;

	IDS(15320, 1);
	/* without CAP_SYS_ADMIN (root otherwise): EPERM */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (drop_sys_admin())
			_exit(2);
		_exit(listen_open(&l) == -EPERM ? 0 : 1);
	}
	EXPECT_EQ(0, exit_code(pid));

	/* a compartment's root, all capabilities: EPERM too */
	ASSERT_NL(NL, 0, ubc_create(NL, 15320));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(listen_open(&l) == -EPERM ? 0 : 1);
	}
	close(go[0]);
	ASSERT_NL(NL, 0, ubc_enter(NL, 15320, pid));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	EXPECT_EQ(0, exit_code(pid));
	WAIT_HELD(NL, 15320, 0);

	/* the host's root still may */
	ASSERT_EQ(0, listen_open(&l));
	ubc_nl_close(&l);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 15320));
}

TEST_HARNESS_MAIN
