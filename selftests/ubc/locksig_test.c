// SPDX-License-Identifier: GPL-2.0
/*
 * numflock (10) and numsiginfo (12).
 *
 * numflock counts the struct file_lock objects a compartment's tasks
 * allocate: a flock(2) lock is one; an fcntl(2) POSIX or OFD lock is one
 * (its request structure is not counted), plus the spare of a lock call
 * during the call; lock requests past the barrier fail with ENOLCK (so at
 * barrier B: B locks of any kind); records past the limit (splits, spares)
 * are refused in the allocator, a split with ENOLCK; unlocking a whole
 * file never fails. numsiginfo counts queued siginfo structures
 * charged to the sending task's compartment until dequeued: sigqueue(3),
 * rt_sigqueueinfo(2) and timer_create(2) past the barrier fail with EAGAIN;
 * kill(2) of a real-time signal is delivered without its information;
 * classic signals are refused (information lost) only past the limit.
 * Each refusal adds exactly one to failcnt; frees by other processes
 * (a host process unlocking or closing an inherited file, a host process
 * dequeuing a signal a compartment task sent) return the charge; host tasks
 * are never charged; churn leaves no drift.
 *
 * With UBC_LOCKSIG_HOLD=1 in the environment the binary instead takes locks,
 * queues signals and creates a timer, reports "held" on stdout and sleeps
 * (the VM's unload test runs it inside a compartment).
 *
 * Compartment ids: 18000..18999.
 */
#include <sys/file.h>
#include <sys/syscall.h>
#include <linux/aio_abi.h>

#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_worker.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)
#define NUMFLOCK UBC_NUMFLOCK
#define NUMSIGINFO UBC_NUMSIGINFO

#define LS_FDS		64
#define LS_TIMERS	32
#define LS_SIGS		512

/* Worker-side state, and results shared with the test (MAP_SHARED). */
struct ls_shared {
	pid_t target;		/* 'S': where to send */
	int shared_fd;		/* fd the worker inherited from the test */
	int nrecv;		/* 'w': signals received */
	int signo[LS_SIGS];	/* 'w': each one's number, sender, value */
	int pid[LS_SIGS];
	int code[LS_SIGS];
	int value[LS_SIGS];
};

static struct ls_shared *ls;
static char ls_path[64];
static int ls_fds[LS_FDS], ls_nfds, ls_nflock, ls_nposix, ls_nofd;
static timer_t ls_timers[LS_TIMERS];
static int ls_ntimers;

#define SIG_Q	(SIGRTMIN)	/* sigqueue() */
#define SIG_I	(SIGRTMIN + 1)	/* rt_sigqueueinfo() */
#define SIG_K	(SIGRTMIN + 2)	/* kill() of an rt signal */
#define SIG_T	(SIGRTMIN + 3)	/* timers */

/* Blocks every signal the tests queue; inherited by the worker. */
static int block_sigs(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIG_Q);
	sigaddset(&s, SIG_I);
	sigaddset(&s, SIG_K);
	sigaddset(&s, SIG_T);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, SIGHUP);
	return sigprocmask(SIG_BLOCK, &s, NULL);
}

/*
 * Dequeues every pending blocked test signal without waiting, recording
 * them in ls; returns how many.
 */
static int drain_sigs(void)
{
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	sigset_t s;
	int n = 0;

	sigemptyset(&s);
	sigaddset(&s, SIG_Q);
	sigaddset(&s, SIG_I);
	sigaddset(&s, SIG_K);
	sigaddset(&s, SIG_T);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, SIGHUP);
	while (sigtimedwait(&s, &si, &zero) > 0) {
		if (n < LS_SIGS) {
			ls->signo[n] = si.si_signo;
			ls->pid[n] = si.si_pid;
			ls->code[n] = si.si_code;
			ls->value[n] = si.si_value.sival_int;
		}
		n++;
	}
	return n;
}

static int ls_range_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

static long ls_rt_sigqueueinfo(pid_t pid, int sig, int val)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = val;
	return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

static int ls_timer_create(timer_t *t)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIG_T;
	return timer_create(CLOCK_MONOTONIC, &ev, t);
}

/*
 * Asynchronous reads: each allocates an aio_kiocb, from a cache SLUB merges
 * with the file_lock cache on 6.12; not a lock.
 */
static void ls_aio(struct wshared *sh, int n)
{
	aio_context_t ctx = 0;
	char buf[1];
	int i;

	if (syscall(SYS_io_setup, 8, &ctx)) {
		wshared_note(sh, -1);
		return;
	}
	for (i = 0; i < n; i++) {
		struct iocb cb, *cbs[1] = { &cb };
		struct io_event ev;

		memset(&cb, 0, sizeof(cb));
		cb.aio_fildes = ls_fds[0];
		cb.aio_lio_opcode = IOCB_CMD_PREAD;
		cb.aio_buf = (uintptr_t)buf;
		cb.aio_nbytes = 1;
		if (syscall(SYS_io_submit, ctx, 1, cbs) != 1 ||
		    syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1) {
			wshared_note(sh, -1);
			continue;
		}
		wshared_note(sh, 0);
	}
	syscall(SYS_io_destroy, ctx);
}

/* Commands of our own: letters ubc_worker.h does not use. */
static int ls_worker_cmd(struct wshared *sh, char cmd, int arg)
{
	union sigval v;
	int i, r;

	sh->ret = 0;
	switch (cmd) {
	case 'O':	/* open @arg more descriptions of the test file */
		for (i = 0; i < arg && ls_nfds < LS_FDS; i++) {
			r = open(ls_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			wshared_note(sh, r);
			if (r >= 0)
				ls_fds[ls_nfds++] = r;
		}
		return 0;
	case 'l':	/* flock(LOCK_SH) on @arg more of them */
		for (i = 0; i < arg; i++) {
			if (ls_nflock >= ls_nfds) {
				sh->ret = -ENOSPC;
				break;
			}
			r = flock(ls_fds[ls_nflock], LOCK_SH | LOCK_NB);
			wshared_note(sh, r);
			if (!r)
				ls_nflock++;
		}
		return 0;
	case 'U':	/* flock(LOCK_UN) on every one */
		for (i = 0; i < ls_nfds; i++)
			wshared_note(sh, flock(ls_fds[i], LOCK_UN));
		ls_nflock = 0;
		return 0;
	case 'p':	/* @arg more POSIX write locks, one byte, never adjacent */
	case 'q':	/* the same as OFD locks */
		for (i = 0; i < arg; i++) {
			int *n = cmd == 'p' ? &ls_nposix : &ls_nofd;

			r = ls_range_lock(ls_fds[0],
					  cmd == 'p' ? F_SETLK : F_OFD_SETLK,
					  F_WRLCK, 2 * *n, 1);
			wshared_note(sh, r);
			if (!r)
				(*n)++;
		}
		return 0;
	case '1':	/* unlock the whole file (POSIX) */
	case '2':	/* (OFD) */
		wshared_note(sh, ls_range_lock(ls_fds[0],
					  cmd == '1' ? F_SETLK : F_OFD_SETLK,
					  F_UNLCK, 0, 0));
		if (cmd == '1')
			ls_nposix = 0;
		else
			ls_nofd = 0;
		return 0;
	case 'M':	/* unlock the middle of a 3-byte POSIX lock (a split) */
		wshared_note(sh, ls_range_lock(ls_fds[0], F_SETLK, F_WRLCK, 100, 3));
		wshared_note(sh, ls_range_lock(ls_fds[0], F_SETLK, F_UNLCK, 101, 1));
		return 0;
	case 'B':	/* whole-file POSIX lock, then @arg one-byte unlocks
			 * in its middle, never adjacent: each one a split */
		r = ls_range_lock(ls_fds[0], F_SETLK, F_WRLCK, 0, 0);
		if (r) {
			sh->ret = -errno;
			return 0;
		}
		for (i = 0; i < arg; i++)
			wshared_note(sh, ls_range_lock(ls_fds[0], F_SETLK,
						  F_UNLCK, 2 * i + 1, 1));
		return 0;
	case 'C':	/* close every description */
		while (ls_nfds > 0)
			close(ls_fds[--ls_nfds]);
		ls_nflock = ls_nposix = ls_nofd = 0;
		return 0;
	case 'h':	/* churn: @arg rounds of flock, POSIX and OFD lock+unlock */
		for (i = 0; i < arg; i++) {
			wshared_note(sh, flock(ls_fds[0], LOCK_EX | LOCK_NB));
			wshared_note(sh, flock(ls_fds[0], LOCK_UN));
			wshared_note(sh, ls_range_lock(ls_fds[0], F_SETLK, F_WRLCK,
						  i % 7, 1 + i % 3));
			wshared_note(sh, ls_range_lock(ls_fds[0], F_SETLK, F_UNLCK,
						  0, 0));
			wshared_note(sh, ls_range_lock(ls_fds[1], F_OFD_SETLK,
						  F_RDLCK, 10 + i % 5, 2));
			wshared_note(sh, ls_range_lock(ls_fds[1], F_OFD_SETLK,
						  F_UNLCK, 0, 0));
		}
		return 0;
	case 'F':	/* flock(LOCK_EX) the inherited fd */
		wshared_note(sh, flock(ls->shared_fd, LOCK_EX | LOCK_NB));
		return 0;
	case 'L':	/* OFD write lock on byte 0 of the inherited fd */
		wshared_note(sh, ls_range_lock(ls->shared_fd, F_OFD_SETLK, F_WRLCK,
					  0, 1));
		return 0;
	case 'Z':	/* close the inherited fd here */
		wshared_note(sh, close(ls->shared_fd));
		return 0;
	case 's':	/* sigqueue(self) @arg times */
	case 'A':	/* sigqueue(ls->target) @arg times */
		for (i = 0; i < arg; i++) {
			v.sival_int = i;
			wshared_note(sh, sigqueue(cmd == 's' ? getpid() : ls->target,
					     SIG_Q, v));
		}
		return 0;
	case 'i':	/* rt_sigqueueinfo(self) @arg times */
		for (i = 0; i < arg; i++)
			wshared_note(sh, ls_rt_sigqueueinfo(getpid(), SIG_I, i));
		return 0;
	case 'j':	/* kill(self) with rt signal SIG_K, @arg times */
		for (i = 0; i < arg; i++)
			wshared_note(sh, kill(getpid(), SIG_K));
		return 0;
	case 'J':	/* kill(self) with classic signal number @arg */
		wshared_note(sh, kill(getpid(), arg));
		return 0;
	case 'w':	/* dequeue everything pending */
		ls->nrecv = drain_sigs();
		return 0;
	case 'H':	/* churn: @arg rounds of sigqueue + dequeue */
		for (i = 0; i < arg; i++) {
			v.sival_int = i;
			wshared_note(sh, sigqueue(getpid(), SIG_Q, v));
			if (drain_sigs() != 1)
				sh->ret = -EIO;
		}
		return 0;
	case 'y':	/* @arg one-byte aio reads of the first description */
		ls_aio(sh, arg);
		return 0;
	case 'T':	/* @arg posix timers */
		for (i = 0; i < arg && ls_ntimers < LS_TIMERS; i++) {
			r = ls_timer_create(&ls_timers[ls_ntimers]);
			wshared_note(sh, r);
			if (!r)
				ls_ntimers++;
		}
		return 0;
	case 'I':	/* delete every timer */
		while (ls_ntimers > 0)
			wshared_note(sh, timer_delete(ls_timers[--ls_ntimers]));
		return 0;
	}
	return -1;
}

/* UBC_LOCKSIG_HOLD=1: hold charges of both kinds until killed. */
static void ls_hold(void)
{
	char path[] = "/tmp/ubc-locksig-hold.XXXXXX";
	union sigval v = { .sival_int = 0 };
	timer_t t;
	int fd, fd2, i;

	if (block_sigs())
		_exit(20);
	fd = mkstemp(path);
	fd2 = open(path, O_RDWR);
	if (fd < 0 || fd2 < 0)
		_exit(21);
	unlink(path);
	if (flock(fd, LOCK_SH) || flock(fd2, LOCK_SH) ||
	    ls_range_lock(fd, F_SETLK, F_WRLCK, 0, 1) ||
	    ls_range_lock(fd2, F_OFD_SETLK, F_WRLCK, 5, 1))
		_exit(22);
	for (i = 0; i < 3; i++)
		if (sigqueue(getpid(), SIGRTMIN, v))
			_exit(23);
	if (ls_timer_create(&t))
		_exit(24);
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}

__attribute__((constructor)) static void ls_init(void)
{
	if (getenv("UBC_LOCKSIG_HOLD"))
		ls_hold();
	worker_ext = ls_worker_cmd;
	ls = shared_mem(sizeof(*ls));
	snprintf(ls_path, sizeof(ls_path), "/tmp/ubc-locksig.%d",
		 (int)getpid());
}

/* ---- test side ---- */

#define HELD(_id, _res)	ubc_field(NL, _id, _res, UBC_RES_A_HELD)

/* held and failcnt of @res of @id are exactly these; held <= limit. */
#define ASSERT_LS(_id, _res, _held, _failcnt) do {			\
	struct ubc_info __i;						\
	uint32_t __r = (_res);						\
	ASSERT_GET(NL, _id, &__i);					\
	ASSERT_EQ((uint64_t)(_held), __i.res[__r].held)			\
		TH_LOG("%s held", ubc_resource_name(__r));		\
	ASSERT_EQ((uint64_t)(_failcnt), __i.res[__r].failcnt)		\
		TH_LOG("%s failcnt", ubc_resource_name(__r));		\
	ASSERT_LE(__i.res[__r].held, __i.res[__r].limit);		\
} while (0)

#define ASSERT_MAXHELD_LE(_id, _res, _max)				\
	ASSERT_GE((uint64_t)(_max), ubc_field(NL, _id, _res,		\
					      UBC_RES_A_MAXHELD))	\
		TH_LOG("%s maxheld above %llu", ubc_resource_name(_res), \
		       (unsigned long long)(_max))

#define WAIT_LS(_id, _res, _want)					\
	ASSERT_EQ((uint64_t)(_want),					\
		  ubc_wait_field(NL, _id, _res, UBC_RES_A_HELD, _want,	\
				 DRAIN_MS))				\
		TH_LOG("%s held of %u did not reach %llu",		\
		       ubc_resource_name(_res), (unsigned)(_id),	\
		       (unsigned long long)(_want))

/* The worker's last command: @ok successes, @fail refusals with @err. */
#define WASSERT_LS(w, ok, fail, _err) do {				\
	int __j;							\
	ASSERT_EQ(ok, (w)->sh->nok);					\
	ASSERT_EQ(fail, (w)->sh->nfail)					\
		TH_LOG("first errno %s", strerror((w)->sh->err[0]));	\
	for (__j = 0; __j < (w)->sh->nfail && __j < W_MAX; __j++)	\
		ASSERT_EQ(_err, (w)->sh->err[__j])			\
			TH_LOG("refusal %d: %s", __j,			\
			       strerror((w)->sh->err[__j]));		\
	ASSERT_EQ(0, (w)->sh->ret);					\
} while (0)

/* Runs @cmd @arg in @w; every call succeeds. */
#define WOK(w, cmd, arg) do {						\
	WCMD(w, cmd, arg);						\
	ASSERT_EQ(0, (w)->sh->nfail)					\
		TH_LOG("'%c' %d: %s", cmd, (int)(arg),			\
		       strerror((w)->sh->err[0]));			\
	ASSERT_EQ(0, (w)->sh->ret);					\
} while (0)

/*
 * Creates @id with @res at @barrier/@limit, blocks the test signals (the
 * worker inherits the mask), starts @w and ENTERs it. Both resources start
 * at zero.
 */
static void ls_member(struct __test_metadata *_metadata, struct ubc_nl *h,
		      uint32_t id, uint32_t res, uint64_t barrier,
		      uint64_t limit, struct worker *w)
{
	ASSERT_NL(h, 0, ubc_create(h, id));
	ASSERT_NL(h, 0, ubc_set(h, id, res, barrier, limit));
	ASSERT_EQ(0, block_sigs());
	ASSERT_EQ(0, worker_start(w));
	ASSERT_NL(h, 0, ubc_enter(h, id, w->pid));
	ASSERT_EQ(0, ubc_field(h, id, NUMFLOCK, UBC_RES_A_HELD));
	ASSERT_EQ(0, ubc_field(h, id, NUMSIGINFO, UBC_RES_A_HELD));
}

/* ---- numflock ---- */

TEST_F(ubctest, flock_barrier)
{
	struct worker w;

	IDS(18000, 1);
	ls_member(_metadata, NL, 18000, NUMFLOCK, 5, 5, &w);
	WOK(&w, 'O', 8);
	ASSERT_LS(18000, NUMFLOCK, 0, 0);

	/* B flock locks, then ENOLCK, each refusal counted once */
	WCMD(&w, 'l', 8);
	WASSERT_LS(&w, 5, 3, ENOLCK);
	ASSERT_LS(18000, NUMFLOCK, 5, 3);
	ASSERT_MAXHELD_LE(18000, NUMFLOCK, 5);

	/* unlocking at the barrier works and returns everything */
	WOK(&w, 'U', 0);
	ASSERT_LS(18000, NUMFLOCK, 0, 3);

	/* the room is back */
	WCMD(&w, 'l', 6);
	WASSERT_LS(&w, 5, 1, ENOLCK);
	ASSERT_LS(18000, NUMFLOCK, 5, 4);

	/* close() removes the locks */
	WOK(&w, 'C', 0);
	ASSERT_LS(18000, NUMFLOCK, 0, 4);
	ASSERT_MAXHELD_LE(18000, NUMFLOCK, 5);
	WSTOP(&w);
	ASSERT_LS(18000, NUMFLOCK, 0, 4);
	ASSERT_LS(18000, NUMSIGINFO, 0, 0);
}

/*
 * POSIX (@cmd 'p') or OFD ('q') locks: B of them (the call's request
 * structure is not counted), the spare of the last one within the limit.
 */
static void ls_fcntl_barrier(struct __test_metadata *_metadata,
			     struct ubc_nl *h, uint32_t id, char cmd,
			     char unlock)
{
	struct worker w;

	ls_member(_metadata, h, id, NUMFLOCK, 5, 6, &w);
	WOK(&w, 'O', 1);

	WCMD(&w, cmd, 7);
	WASSERT_LS(&w, 5, 2, ENOLCK);
	{
		struct ubc_info i;

		ASSERT_GET(h, id, &i);
		ASSERT_EQ(5, i.res[NUMFLOCK].held);
		ASSERT_EQ(2, i.res[NUMFLOCK].failcnt);
		/* the spares of one call: at most the limit */
		ASSERT_LE(i.res[NUMFLOCK].maxheld, 6);
		ASSERT_LE(5, i.res[NUMFLOCK].maxheld);
	}
	/* unlock everything at once, at the barrier: never refused */
	WOK(&w, unlock, 0);
	ASSERT_EQ(0, ubc_field(h, id, NUMFLOCK, UBC_RES_A_HELD));
	ASSERT_EQ(2, ubc_field(h, id, NUMFLOCK, UBC_RES_A_FAILCNT));

	/* the room is back */
	WCMD(&w, cmd, 6);
	WASSERT_LS(&w, 5, 1, ENOLCK);
	ASSERT_EQ(5, ubc_field(h, id, NUMFLOCK, UBC_RES_A_HELD));
	ASSERT_EQ(3, ubc_field(h, id, NUMFLOCK, UBC_RES_A_FAILCNT));

	/* close() drops them too (POSIX: any close; OFD: the last) */
	WOK(&w, 'C', 0);
	ASSERT_EQ(0, ubc_field(h, id, NUMFLOCK, UBC_RES_A_HELD));
	WSTOP(&w);
	ASSERT_EQ(0, ubc_field(h, id, NUMFLOCK, UBC_RES_A_HELD));
	ASSERT_EQ(3, ubc_field(h, id, NUMFLOCK, UBC_RES_A_FAILCNT));
}

TEST_F(ubctest, posix_lock_barrier)
{
	IDS(18010, 1);
	ls_fcntl_barrier(_metadata, NL, 18010, 'p', '1');
}

TEST_F(ubctest, ofd_lock_barrier)
{
	IDS(18020, 1);
	ls_fcntl_barrier(_metadata, NL, 18020, 'q', '2');
}

/*
 * Splitting a lock by an unlock in its middle needs a record (and the
 * call's spares): allowed up to the limit, the barrier-to-limit gap.
 */
TEST_F(ubctest, unlock_split_within_limit)
{
	struct worker w;

	IDS(18030, 1);
	ls_member(_metadata, NL, 18030, NUMFLOCK, 2, 4, &w);
	WOK(&w, 'O', 1);
	/* one lock of 3 bytes (held 1), then unlock byte 101: two records */
	WOK(&w, 'M', 0);
	ASSERT_EQ(2, HELD(18030, NUMFLOCK));
	/* the spares of the calls went past the barrier, not the limit */
	ASSERT_LT(2, ubc_field(NL, 18030, NUMFLOCK, UBC_RES_A_MAXHELD));
	ASSERT_MAXHELD_LE(18030, NUMFLOCK, 4);
	/* at the barrier now: a new lock is refused */
	WCMD(&w, 'p', 1);
	WASSERT_LS(&w, 0, 1, ENOLCK);
	ASSERT_LS(18030, NUMFLOCK, 2, 1);
	WOK(&w, '1', 0);
	ASSERT_LS(18030, NUMFLOCK, 0, 1);
	WSTOP(&w);
}

/*
 * 1 if file_lock records are charged forced on this kernel (no slab gate
 * sees them: 6.12), 0 if refused in the allocator; see locksig.rst.
 */
static int ls_flock_forced(void)
{
	char buf[16];

	if (read_line("/sys/module/ubc/parameters/numflock_forced", buf,
		      sizeof(buf)))
		return -1;
	return atoi(buf);
}

/*
 * Issue 10, finding 4: one whole-file POSIX lock, then 1000 one-byte
 * unlocks in its middle, under numflock 10:10. Each split needs a record;
 * the records (and each call's spare) are refused in the
 * allocator at the limit, so held never passes 10 and the splitting
 * F_SETLK gets ENOLCK; each refused call counts one refused allocation
 * (its split record) in failcnt. Closing returns everything.
 */
TEST_F_TIMEOUT(ubctest, unlock_split_loop_stays_at_limit, 120)
{
	struct worker w;
	struct ubc_info i;
	int forced;

	IDS(18035, 1);
	ls_member(_metadata, NL, 18035, NUMFLOCK, 10, 10, &w);
	WOK(&w, 'O', 1);
	WCMD(&w, 'B', 1000);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("whole-file lock: %s",
				       strerror(-w.sh->ret));
	ASSERT_LT(0, w.sh->nok);
	ASSERT_LT(0, w.sh->nfail);
	ASSERT_EQ(1000, w.sh->nok + w.sh->nfail);
	{
		int j;

		for (j = 0; j < w.sh->nfail && j < W_MAX; j++) {
			ASSERT_EQ(ENOLCK, w.sh->err[j])
				TH_LOG("refusal %d: %s", j,
				       strerror(w.sh->err[j]));
		}
	}
	forced = ls_flock_forced();
	ASSERT_LE(0, forced);
	ASSERT_GET(NL, 18035, &i);
	ASSERT_LE(i.res[NUMFLOCK].held, 10);
	/* forced records: one spare past the limit during a call at most */
	ASSERT_LE(i.res[NUMFLOCK].maxheld, 10 + forced)
		TH_LOG("numflock maxheld %llu above the limit (forced %d)",
		       (unsigned long long)i.res[NUMFLOCK].maxheld, forced);
	/* the lock and its pieces: one record each */
	ASSERT_EQ((uint64_t)w.sh->nok + 1, i.res[NUMFLOCK].held);
	ASSERT_LE((uint64_t)w.sh->nfail, i.res[NUMFLOCK].failcnt);
	WOK(&w, 'C', 0);
	ASSERT_LS(18035, NUMFLOCK, 0, i.res[NUMFLOCK].failcnt);
	WSTOP(&w);
	ASSERT_LS(18035, NUMFLOCK, 0, i.res[NUMFLOCK].failcnt);
}

/*
 * Racers: @n processes of compartment @id, forked by the test and ENTERed
 * by pid, that start @fn together on the test's go, report done, and keep
 * what they hold until released (EOF); results summed in shared memory.
 */
#define RACERS		4

struct race {
	int ok, fail, other;	/* successes, expected refusals, others */
	int other_err;		/* errno of the first "other" */
	int unlock_refused;	/* whole-range fcntl() unlocks refused */
};

struct racers {
	pid_t pid[RACERS];
	int n;
	int go[2], rel[2], done[2];
	struct race *r;
};

static void race_note2(struct race *r, long ret, int err1, int err2)
{
	if (ret >= 0) {
		__atomic_add_fetch(&r->ok, 1, __ATOMIC_SEQ_CST);
	} else if (errno == err1 || errno == err2) {
		__atomic_add_fetch(&r->fail, 1, __ATOMIC_SEQ_CST);
	} else if (!__atomic_fetch_add(&r->other, 1, __ATOMIC_SEQ_CST)) {
		r->other_err = errno;
	}
}

static int racers_start(struct ubc_nl *h, uint32_t id, struct racers *rs,
			int n, void (*fn)(struct race *r, int i, int arg),
			int arg)
{
	int i;
	char b;

	memset(rs, 0, sizeof(*rs));
	rs->r = shared_mem(sizeof(*rs->r));
	if (!rs->r || pipe(rs->go) || pipe(rs->rel) || pipe(rs->done))
		return -1;
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return -1;
		if (!p) {
			close(rs->go[1]);
			close(rs->rel[1]);
			close(rs->done[0]);
			if (read(rs->go[0], &b, 1) != 1)
				_exit(99);
			fn(rs->r, i, arg);
			b = 'd';
			if (write(rs->done[1], &b, 1) != 1)
				_exit(98);
			wait_eof(rs->rel[0]);
			_exit(0);
		}
		rs->pid[rs->n++] = p;
		if (ubc_enter(h, id, p))
			return -1;
	}
	close(rs->go[0]);
	close(rs->rel[0]);
	close(rs->done[1]);
	return 0;
}

static int racers_go(struct racers *rs)
{
	int i;
	char b = 'g';

	for (i = 0; i < rs->n; i++)
		if (write(rs->go[1], &b, 1) != 1)
			return -1;
	for (i = 0; i < rs->n; i++)
		if (chan_get(rs->done[0], 120000) < 0)
			return -1;
	return 0;
}

static int racers_stop(struct racers *rs)
{
	int i, bad = 0;

	close(rs->go[1]);
	close(rs->rel[1]);
	close(rs->done[0]);
	for (i = 0; i < rs->n; i++)
		if (reap(rs->pid[i]))
			bad = -1;
	munmap(rs->r, sizeof(*rs->r));
	return bad;
}

static void race_unlock(struct race *r, long ret)
{
	if (ret && errno == ENOLCK)
		__atomic_add_fetch(&r->unlock_refused, 1, __ATOMIC_SEQ_CST);
	else
		race_note2(r, ret, 0, 0);
}

/*
 * @arg rounds of flock, a POSIX lock split three times and an OFD lock
 * split once, then every lock released; racer @i has its own bytes.
 * ENOLCK (a lock or split refused) and ENOMEM (flock()'s record refused
 * by the allocator, when racing for the last unit) are refusals.
 */
static void race_locks(struct race *r, int i, int arg)
{
	int a = open(ls_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int b = open(ls_path, O_RDWR | O_CLOEXEC);
	off_t base = 1000 * i;

	if (a < 0 || b < 0) {
		race_note2(r, -1, 0, 0);
		return;
	}
	while (arg--) {
		race_note2(r, flock(a, LOCK_SH | LOCK_NB), ENOLCK, ENOMEM);
		race_note2(r, ls_range_lock(a, F_SETLK, F_WRLCK, base, 100),
			   ENOLCK, ENOLCK);
		race_note2(r, ls_range_lock(a, F_SETLK, F_UNLCK, base + 10, 1),
			   ENOLCK, ENOLCK);
		race_note2(r, ls_range_lock(a, F_SETLK, F_UNLCK, base + 20, 1),
			   ENOLCK, ENOLCK);
		race_note2(r, ls_range_lock(a, F_SETLK, F_UNLCK, base + 30, 1),
			   ENOLCK, ENOLCK);
		race_note2(r, ls_range_lock(b, F_OFD_SETLK, F_RDLCK,
					    base + 500, 100), ENOLCK, ENOLCK);
		race_note2(r, ls_range_lock(b, F_OFD_SETLK, F_UNLCK,
					    base + 550, 1), ENOLCK, ENOLCK);
		/*
		 * whole-range unlocks need no record: never refused, except
		 * fcntl() ones at the limit in the forced mode (6.12)
		 */
		race_unlock(r, ls_range_lock(a, F_SETLK, F_UNLCK, 0, 0));
		race_unlock(r, ls_range_lock(b, F_OFD_SETLK, F_UNLCK, 0, 0));
		race_note2(r, flock(a, LOCK_UN), 0, 0);
	}
	/* keep one split lock each while the others still race */
	race_note2(r, ls_range_lock(a, F_SETLK, F_WRLCK, base, 100), ENOLCK,
		   ENOLCK);
	race_note2(r, ls_range_lock(a, F_SETLK, F_UNLCK, base + 50, 1), ENOLCK,
		   ENOLCK);
}

/*
 * Concurrent lockers (issue 10, finding 4): four processes take flock,
 * POSIX and OFD locks and split them, at numflock 4:6. Every record is
 * refused in the allocator at the limit, new requests at the barrier: the
 * limit holds for them all together (maxheld <= 6), refusals are counted,
 * and everything is returned when they exit.
 */
TEST_F_TIMEOUT(ubctest, lockers_race_stays_within_limit, 300)
{
	struct racers rs;
	struct ubc_info i;
	int forced, slack;

	IDS(18038, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 18038));
	ASSERT_NL(NL, 0, ubc_set(NL, 18038, NUMFLOCK, 4, 6));
	ASSERT_EQ(0, racers_start(NL, 18038, &rs, RACERS, race_locks, 200));
	ASSERT_EQ(0, racers_go(&rs));
	ASSERT_EQ(0, rs.r->other) TH_LOG("lock: %s", strerror(rs.r->other_err));
	ASSERT_LT(0, rs.r->fail);
	/* forced records: the bound of locksig.rst, calls in flight */
	forced = ls_flock_forced();
	ASSERT_LE(0, forced);
	slack = forced ? 1 + 2 * (RACERS - 1) : 0;
	if (!forced)
		ASSERT_EQ(0, rs.r->unlock_refused);
	ASSERT_GET(NL, 18038, &i);
	ASSERT_LE(i.res[NUMFLOCK].maxheld, 6 + slack)
		TH_LOG("numflock maxheld %llu above the limit (forced %d)",
		       (unsigned long long)i.res[NUMFLOCK].maxheld, forced);
	ASSERT_LE(i.res[NUMFLOCK].held, 6 + slack);
	ASSERT_LT(0, i.res[NUMFLOCK].failcnt);
	ASSERT_EQ(0, racers_stop(&rs));
	WAIT_LS(18038, NUMFLOCK, 0);
	ASSERT_MAXHELD_LE(18038, NUMFLOCK, 6 + slack);
	unlink(ls_path);
}

/*
 * @arg sigqueue() SIG_Q to itself (blocked), keeping at most 3 queued: the
 * oldest is dequeued whenever 3 are queued or one is refused (EAGAIN), so
 * the racers keep the compartment at its bound and every send races the
 * others for the last units.
 */
static void race_sigq(struct race *r, int i, int arg)
{
	struct timespec zero = { 0, 0 };
	union sigval v = { .sival_int = i };
	int queued = 0;
	siginfo_t si;
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIG_Q);
	while (arg--) {
		int ret = sigqueue(getpid(), SIG_Q, v);

		race_note2(r, ret, EAGAIN, EAGAIN);
		if (!ret)
			queued++;
		if ((queued >= 3 || ret) && queued &&
		    sigtimedwait(&s, &si, &zero) > 0)
			queued--;
	}
}

/*
 * Concurrent senders (issue 10, the gate of numsiginfo): four processes
 * queue to themselves (each sender holds its own target's siglock, so
 * nothing serialises them) at numsiginfo 8:8, at the bound. The gate
 * reserves: maxheld never passes 8, EAGAIN refusals are counted, and
 * everything is returned.
 */
TEST_F_TIMEOUT(ubctest, sigqueue_race_stays_within_limit, 300)
{
	struct racers rs;
	struct ubc_info i;

	IDS(18098, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 18098));
	ASSERT_NL(NL, 0, ubc_set(NL, 18098, NUMSIGINFO, 8, 8));
	ASSERT_EQ(0, block_sigs());
	ASSERT_EQ(0, racers_start(NL, 18098, &rs, RACERS, race_sigq, 3000));
	ASSERT_EQ(0, racers_go(&rs));
	ASSERT_EQ(0, rs.r->other) TH_LOG("sigqueue: %s",
					 strerror(rs.r->other_err));
	ASSERT_LT(0, rs.r->fail);
	ASSERT_GET(NL, 18098, &i);
	ASSERT_LE(i.res[NUMSIGINFO].maxheld, 8)
		TH_LOG("numsiginfo maxheld %llu above the limit",
		       (unsigned long long)i.res[NUMSIGINFO].maxheld);
	ASSERT_EQ((uint64_t)rs.r->fail, i.res[NUMSIGINFO].failcnt);
	ASSERT_LE(i.res[NUMSIGINFO].held, 8);
	ASSERT_EQ(0, racers_stop(&rs));
	WAIT_LS(18098, NUMSIGINFO, 0);
	ASSERT_MAXHELD_LE(18098, NUMSIGINFO, 8);
}

/* A host process releases locks a compartment task took on a shared file. */
TEST_F(ubctest, flock_freed_by_host)
{
	struct worker w;
	char path[] = "/tmp/ubc-locksig-shared.XXXXXX";
	int fd;

	IDS(18040, 1);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ls->shared_fd = fd;
	ls_member(_metadata, NL, 18040, NUMFLOCK, U, U, &w);

	/* flock and OFD lock on the inherited description, then closed there */
	WOK(&w, 'F', 0);
	WOK(&w, 'L', 0);
	ASSERT_LS(18040, NUMFLOCK, 2, 0);
	WOK(&w, 'Z', 0);
	ASSERT_LS(18040, NUMFLOCK, 2, 0);

	/* the host unlocks them: the compartment gets them back */
	ASSERT_EQ(0, flock(fd, LOCK_UN));
	ASSERT_LS(18040, NUMFLOCK, 1, 0);
	ASSERT_EQ(0, ls_range_lock(fd, F_OFD_SETLK, F_UNLCK, 0, 0));
	ASSERT_LS(18040, NUMFLOCK, 0, 0);

	/* again, now released by the host's last close */
	WSTOP(&w);
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 18040, w.pid));
	WOK(&w, 'F', 0);
	WOK(&w, 'L', 0);
	WOK(&w, 'Z', 0);
	ASSERT_LS(18040, NUMFLOCK, 2, 0);
	/* the host's own lock on it is not charged */
	ASSERT_EQ(0, ls_range_lock(fd, F_SETLK, F_WRLCK, 10, 1));
	ASSERT_LS(18040, NUMFLOCK, 2, 0);
	ASSERT_EQ(0, close(fd));
	ASSERT_LS(18040, NUMFLOCK, 0, 0);
	WSTOP(&w);
	ASSERT_LS(18040, NUMFLOCK, 0, 0);
}

/* Objects sharing the file_lock cache (aio requests on 6.12) are not locks. */
TEST_F(ubctest, flock_counts_only_locks)
{
	struct worker w;

	IDS(18080, 1);
	ls_member(_metadata, NL, 18080, NUMFLOCK, U, U, &w);
	WOK(&w, 'O', 1);
	WOK(&w, 'y', 200);
	ASSERT_EQ(200, w.sh->nok);
	ASSERT_LS(18080, NUMFLOCK, 0, 0);
	ASSERT_MAXHELD_LE(18080, NUMFLOCK, 0);
	WOK(&w, 'l', 1);
	ASSERT_LS(18080, NUMFLOCK, 1, 0);
	WSTOP(&w);
	ASSERT_LS(18080, NUMFLOCK, 0, 0);
}

TEST_F(ubctest, flock_host_never_charged)
{
	struct worker w;
	char path[] = "/tmp/ubc-locksig-host.XXXXXX";
	int fd, fd2;

	IDS(18050, 1);
	ls_member(_metadata, NL, 18050, NUMFLOCK, 0, 0, &w);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	fd2 = open(path, O_RDWR);
	ASSERT_LE(0, fd2);
	unlink(path);
	/* barrier 0: the compartment can take no lock, the host all */
	WOK(&w, 'O', 1);
	WCMD(&w, 'l', 1);
	WASSERT_LS(&w, 0, 1, ENOLCK);
	WCMD(&w, 'p', 1);
	WASSERT_LS(&w, 0, 1, ENOLCK);
	ASSERT_EQ(0, flock(fd, LOCK_SH));
	ASSERT_EQ(0, ls_range_lock(fd, F_SETLK, F_WRLCK, 0, 1));
	ASSERT_EQ(0, ls_range_lock(fd2, F_OFD_SETLK, F_WRLCK, 4, 1));
	ASSERT_LS(18050, NUMFLOCK, 0, 2);
	close(fd);
	close(fd2);
	WSTOP(&w);
	ASSERT_LS(18050, NUMFLOCK, 0, 2);
}

TEST_F(ubctest, flock_exit_returns_everything)
{
	struct worker w;

	IDS(18060, 1);
	ls_member(_metadata, NL, 18060, NUMFLOCK, U, U, &w);
	WOK(&w, 'O', 6);
	WOK(&w, 'l', 3);
	WOK(&w, 'p', 4);
	ASSERT_LS(18060, NUMFLOCK, 7, 0);
	ASSERT_EQ(0, kill(w.pid, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, reap(w.pid));
	ASSERT_LS(18060, NUMFLOCK, 0, 0);
}

TEST_F_TIMEOUT(ubctest, flock_churn, 300)
{
	struct worker w;

	IDS(18070, 1);
	ls_member(_metadata, NL, 18070, NUMFLOCK, 4, 4, &w);
	WOK(&w, 'O', 2);
	/* slow on the debug kernel: allow minutes */
	ASSERT_EQ(0, worker_cmd_ms(&w, 'h', 3000, 250000));
	ASSERT_EQ(0, w.sh->nfail) TH_LOG("%s", strerror(w.sh->err[0]));
	ASSERT_EQ(6 * 3000, w.sh->nok);
	ASSERT_LS(18070, NUMFLOCK, 0, 0);
	ASSERT_MAXHELD_LE(18070, NUMFLOCK, 4);
	WOK(&w, 'C', 0);
	WSTOP(&w);
	ASSERT_LS(18070, NUMFLOCK, 0, 0);
}

/* ---- numsiginfo ---- */

TEST_F(ubctest, sigqueue_barrier)
{
	struct worker w;
	int i, nk = 0;

	IDS(18100, 1);
	ls_member(_metadata, NL, 18100, NUMSIGINFO, 5, 5, &w);

	/* sigqueue: B of them, then EAGAIN */
	WCMD(&w, 's', 8);
	WASSERT_LS(&w, 5, 3, EAGAIN);
	ASSERT_LS(18100, NUMSIGINFO, 5, 3);
	/* rt_sigqueueinfo: EAGAIN */
	WCMD(&w, 'i', 2);
	WASSERT_LS(&w, 0, 2, EAGAIN);
	ASSERT_LS(18100, NUMSIGINFO, 5, 5);
	/* kill() of an rt signal: delivered, its information dropped */
	WOK(&w, 'j', 1);
	ASSERT_LS(18100, NUMSIGINFO, 5, 6);
	ASSERT_MAXHELD_LE(18100, NUMSIGINFO, 5);

	/* dequeuing returns everything */
	WOK(&w, 'w', 0);
	ASSERT_EQ(6, ls->nrecv);
	for (i = 0; i < 6; i++) {
		if (ls->signo[i] == SIG_K) {
			nk++;
			ASSERT_EQ(0, ls->pid[i]);
			ASSERT_EQ(SI_USER, ls->code[i]);
		} else {
			ASSERT_EQ(SIG_Q, ls->signo[i]);
			ASSERT_EQ(w.pid, ls->pid[i]);
			ASSERT_EQ(SI_QUEUE, ls->code[i]);
		}
	}
	ASSERT_EQ(1, nk);
	ASSERT_LS(18100, NUMSIGINFO, 0, 6);

	/* the room is back */
	WCMD(&w, 'i', 6);
	WASSERT_LS(&w, 5, 1, EAGAIN);
	ASSERT_LS(18100, NUMSIGINFO, 5, 7);
	WOK(&w, 'w', 0);
	ASSERT_EQ(5, ls->nrecv);
	ASSERT_LS(18100, NUMSIGINFO, 0, 7);
	WSTOP(&w);
	ASSERT_LS(18100, NUMSIGINFO, 0, 7);
}

/* Classic signals pass the barrier, up to the limit. */
TEST_F(ubctest, classic_signals_up_to_limit)
{
	struct worker w;
	int i;

	IDS(18110, 1);
	ls_member(_metadata, NL, 18110, NUMSIGINFO, 2, 4, &w);
	WCMD(&w, 's', 3);
	WASSERT_LS(&w, 2, 1, EAGAIN);
	ASSERT_LS(18110, NUMSIGINFO, 2, 1);
	WOK(&w, 'J', SIGUSR1);
	WOK(&w, 'J', SIGUSR2);
	ASSERT_LS(18110, NUMSIGINFO, 4, 1);
	/* past the limit: delivered without information */
	WOK(&w, 'J', SIGHUP);
	ASSERT_LS(18110, NUMSIGINFO, 4, 2);
	ASSERT_MAXHELD_LE(18110, NUMSIGINFO, 4);
	WOK(&w, 'w', 0);
	ASSERT_EQ(5, ls->nrecv);
	for (i = 0; i < 5; i++) {
		int want = ls->signo[i] == SIGHUP ? 0 : w.pid;

		ASSERT_EQ(want, ls->pid[i]);
	}
	ASSERT_LS(18110, NUMSIGINFO, 0, 2);
	WSTOP(&w);
}

/* A signal a compartment task queues to a host process, dequeued there. */
TEST_F(ubctest, sigqueue_to_host)
{
	struct worker w;
	int round, i;

	IDS(18120, 1);
	ls->target = getpid();
	ls_member(_metadata, NL, 18120, NUMSIGINFO, 300, 300, &w);
	for (round = 0; round < 3; round++) {
		WOK(&w, 'A', 200);
		ASSERT_LS(18120, NUMSIGINFO, 200, 0);
		ASSERT_EQ(200, drain_sigs());
		for (i = 0; i < 200; i++) {
			ASSERT_EQ(w.pid, ls->pid[i]);
			ASSERT_EQ(SIG_Q, ls->signo[i]);
		}
		ASSERT_LS(18120, NUMSIGINFO, 0, 0);
	}
	/* at the barrier towards the host too */
	WCMD(&w, 'A', 302);
	WASSERT_LS(&w, 300, 2, EAGAIN);
	ASSERT_LS(18120, NUMSIGINFO, 300, 2);
	ASSERT_EQ(300, drain_sigs());
	ASSERT_LS(18120, NUMSIGINFO, 0, 2);
	/* a host process exits with them pending: flushed, returned */
	{
		pid_t p = fork();

		ASSERT_LE(0, p);
		if (p == 0) {
			/* the child has the parent's mask: they stay queued */
			ls->target = getpid();
			for (;;)
				pause();
		}
		for (i = 0; i < 1000 && ls->target != p; i++)
			msleep(5);
		ASSERT_EQ(p, ls->target);
		WOK(&w, 'A', 10);
		ASSERT_LS(18120, NUMSIGINFO, 10, 2);
		kill(p, SIGKILL);
		ASSERT_EQ(128 + SIGKILL, reap(p));
		ASSERT_LS(18120, NUMSIGINFO, 0, 2);
	}
	WSTOP(&w);
}

TEST_F(ubctest, sigqueue_host_never_charged)
{
	struct worker w;
	union sigval v = { .sival_int = 7 };
	int i;

	IDS(18130, 1);
	ls_member(_metadata, NL, 18130, NUMSIGINFO, 0, 0, &w);
	/* the host queues to the compartment task: nobody is charged */
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, sigqueue(w.pid, SIG_Q, v));
	}
	ASSERT_LS(18130, NUMSIGINFO, 0, 0);
	/* the compartment itself can queue nothing */
	WCMD(&w, 's', 1);
	WASSERT_LS(&w, 0, 1, EAGAIN);
	ASSERT_LS(18130, NUMSIGINFO, 0, 1);
	WOK(&w, 'w', 0);
	ASSERT_EQ(20, ls->nrecv);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(getpid(), ls->pid[i]);
	}
	ASSERT_LS(18130, NUMSIGINFO, 0, 1);
	WSTOP(&w);
}

TEST_F(ubctest, timer_create_barrier)
{
	struct worker w;

	IDS(18140, 1);
	ls_member(_metadata, NL, 18140, NUMSIGINFO, 3, 3, &w);
	WCMD(&w, 'T', 5);
	WASSERT_LS(&w, 3, 2, EAGAIN);
	ASSERT_LS(18140, NUMSIGINFO, 3, 2);
	WOK(&w, 'I', 0);
	ASSERT_LS(18140, NUMSIGINFO, 0, 2);
	WOK(&w, 'T', 2);
	ASSERT_LS(18140, NUMSIGINFO, 2, 2);
	/* exit deletes the timers */
	WSTOP(&w);
	ASSERT_LS(18140, NUMSIGINFO, 0, 2);
}

TEST_F(ubctest, siginfo_exit_returns_everything)
{
	struct worker w;

	IDS(18150, 1);
	ls_member(_metadata, NL, 18150, NUMSIGINFO, U, U, &w);
	WOK(&w, 's', 40);
	WOK(&w, 'i', 10);
	WOK(&w, 'T', 4);
	ASSERT_LS(18150, NUMSIGINFO, 54, 0);
	ASSERT_EQ(0, kill(w.pid, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, reap(w.pid));
	WAIT_LS(18150, NUMSIGINFO, 0);
}

TEST_F_TIMEOUT(ubctest, siginfo_churn, 300)
{
	struct worker w;

	IDS(18160, 1);
	ls_member(_metadata, NL, 18160, NUMSIGINFO, 1, 1, &w);
	ASSERT_EQ(0, worker_cmd_ms(&w, 'H', 5000, 250000));
	ASSERT_EQ(0, w.sh->nfail) TH_LOG("%s", strerror(w.sh->err[0]));
	ASSERT_EQ(0, w.sh->ret);
	ASSERT_EQ(5000, w.sh->nok);
	ASSERT_LS(18160, NUMSIGINFO, 0, 0);
	ASSERT_MAXHELD_LE(18160, NUMSIGINFO, 1);
	WSTOP(&w);
	ASSERT_LS(18160, NUMSIGINFO, 0, 0);
}

/* A destroyed compartment lingers until the host dequeues its signal. */
TEST_F(ubctest, siginfo_outlives_compartment)
{
	struct worker w;

	IDS(18170, 1);
	ls->target = getpid();
	ls_member(_metadata, NL, 18170, NUMSIGINFO, U, U, &w);
	WOK(&w, 'A', 3);
	WSTOP(&w);
	ASSERT_LS(18170, NUMSIGINFO, 3, 0);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 18170));
	{
		struct ubc_info i;

		ASSERT_GET(NL, 18170, &i);
		ASSERT_TRUE(i.flags & UBC_F_DYING);
		ASSERT_EQ(3, i.res[NUMSIGINFO].held);
	}
	ASSERT_EQ(3, drain_sigs());
	ASSERT_DRAINS(NL, 18170);
}

TEST_HARNESS_MAIN
