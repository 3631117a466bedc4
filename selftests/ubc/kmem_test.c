// SPDX-License-Identifier: GPL-2.0
/*
 * kmemsize (0) and dcachesize (18): accounted kernel memory (SLAB_ACCOUNT
 * caches, __GFP_ACCOUNT kmallocs and pages) allocated by a compartment's
 * tasks, and its dentry/inode part. Past the barrier the allocation fails
 * like the kernel's own: open() ENOMEM (filp), pipe() and socket() ENFILE
 * (their inode), mkdir() ENOMEM (the dentry) or, on tmpfs, ENOSPC (the
 * inode: shmem_get_inode()'s answer). Each refused allocation adds
 * one to failcnt; frees by other tasks and in RCU callbacks uncharge the
 * compartment that paid; host tasks are never charged; churn leaves no
 * drift beyond the kernel's per-CPU caches of thread stacks.
 *
 * The child under test is driven through eventfds (never a pipe: a pipe
 * write allocates an accounted page, which would be charged or refused).
 *
 * Compartment ids: 17000..17999.
 */
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>

#include <sys/mount.h>

#include "kselftest_harness.h"
#include "ubc_test.h"

#define NL (&self->nl)
#define KMEM UBC_KMEMSIZE
#define DCACHE UBC_DCACHESIZE
#define U UBC_UNLIMITED
#define MAXFD 4096
#define MAXERR 64

enum { C_OPEN = 1, C_PIPE, C_SOCK, C_MKDIR, C_CLOSE, C_CHURN, C_SEND, C_EXIT,
       C_MAP, C_FAULT };

struct kshared {
	int cmd, arg;
	int nok, nfail;
	int err[MAXERR];
	int nfds, ndirs, nfiles;
	int fds[MAXFD];
};

struct kchild {
	pid_t pid;
	int go, done;		/* eventfds */
	int scm[2];		/* host-made UNIX pair for SCM_RIGHTS */
	struct kshared *sh;
};

static char kdir[64];

static void k_fail(struct kshared *sh)
{
	if (sh->nfail < MAXERR)
		sh->err[sh->nfail] = errno;
	sh->nfail++;
}

static void k_keep(struct kshared *sh, int fd)
{
	if (sh->nfds < MAXFD)
		sh->fds[sh->nfds++] = fd;
	else
		close(fd);
}

static void k_send_all(struct kchild *c)
{
	struct kshared *sh = c->sh;
	int i;

	for (i = 0; i < sh->nfds; i++) {
		char cbuf[CMSG_SPACE(sizeof(int))], b = 'f';
		struct iovec iov = { &b, 1 };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sh->fds[i], sizeof(int));
		if (sendmsg(c->scm[1], &m, 0) == 1)
			sh->nok++;
		else
			k_fail(sh);
		close(sh->fds[i]);
	}
	sh->nfds = 0;
}

static void k_churn(struct kshared *sh, int n)
{
	int i, st;

	for (i = 0; i < n; i++) {
		int fd = open("/dev/null", O_RDONLY);
		pid_t p;

		if (fd >= 0)
			close(fd);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (fd >= 0)
			close(fd);
		p = fork();
		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, &st, 0);
		if (fd < 0 || p < 0)
			k_fail(sh);
		else
			sh->nok++;
	}
}

static void k_child(struct kchild *c)
{
	struct kshared *sh = c->sh;
	char *map = NULL;
	char path[128];
	uint64_t v;
	int i, fd[2];

	close(c->scm[0]);
	for (;;) {
		if (read(c->go, &v, sizeof(v)) != sizeof(v))
			_exit(99);
		sh->nok = sh->nfail = 0;
		switch (sh->cmd) {
		case C_OPEN:
			for (i = 0; i < sh->arg; i++) {
				snprintf(path, sizeof(path), "%s/f%d", kdir,
					 sh->nfiles);
				fd[0] = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
				if (fd[0] < 0) {
					k_fail(sh);
					continue;
				}
				sh->nfiles++;
				sh->nok++;
				k_keep(sh, fd[0]);
			}
			break;
		case C_PIPE:
			for (i = 0; i < sh->arg; i++) {
				if (pipe(fd)) {
					k_fail(sh);
					continue;
				}
				sh->nok++;
				k_keep(sh, fd[0]);
				k_keep(sh, fd[1]);
			}
			break;
		case C_SOCK:
			for (i = 0; i < sh->arg; i++) {
				fd[0] = socket(AF_UNIX, SOCK_DGRAM, 0);
				if (fd[0] < 0) {
					k_fail(sh);
					continue;
				}
				sh->nok++;
				k_keep(sh, fd[0]);
			}
			break;
		case C_MAP: {	/* map arg 2 MiB ranges, MADV_RANDOM, untouched */
			size_t len = (size_t)(sh->arg + 1) << 21;

			map = mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (map == MAP_FAILED) {
				map = NULL;
				k_fail(sh);
				break;
			}
			/*
			 * One new page table per range: no huge pages
			 * (EINVAL: a kernel without THP has none anyway).
			 */
			if ((madvise(map, len, MADV_NOHUGEPAGE) &&
			     errno != EINVAL) ||
			    madvise(map, len, MADV_RANDOM))
				k_fail(sh);
			else
				sh->nok++;
			break;		/* the mapping stays until exit */
		}
		case C_FAULT:	/* touch arg 2 MiB ranges of that map */
			for (i = 0; map && i < sh->arg; i++) {
				map[((size_t)i << 21) + 4096] = 1;
				sh->nok++;
			}
			break;
		case C_MKDIR:
			for (i = 0; i < sh->arg; i++) {
				snprintf(path, sizeof(path), "%s/d%d", kdir,
					 sh->ndirs);
				if (mkdir(path, 0700)) {
					k_fail(sh);
					break;	/* stop at the first refusal */
				}
				sh->ndirs++;
				sh->nok++;
			}
			break;
		case C_CLOSE:
			while (sh->nfds)
				close(sh->fds[--sh->nfds]);
			while (sh->nfiles) {
				snprintf(path, sizeof(path), "%s/f%d", kdir,
					 --sh->nfiles);
				unlink(path);
			}
			while (sh->ndirs) {
				snprintf(path, sizeof(path), "%s/d%d", kdir,
					 --sh->ndirs);
				rmdir(path);
			}
			break;
		case C_CHURN:
			k_churn(sh, sh->arg);
			break;
		case C_SEND:
			k_send_all(c);
			break;
		case C_EXIT:
			_exit(0);
		}
		v = 1;
		if (write(c->done, &v, sizeof(v)) != sizeof(v))
			_exit(98);
	}
}

/* Forks the child (stopped in its command loop): 0 or -1. */
static int kchild_start(struct kchild *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(kdir, sizeof(kdir), "/tmp/ubc-kmem.%d", (int)getpid());
	mkdir(kdir, 0700);
	c->sh = shared_mem(sizeof(*c->sh));
	c->go = eventfd(0, EFD_CLOEXEC);
	c->done = eventfd(0, EFD_CLOEXEC);
	if (!c->sh || c->go < 0 || c->done < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, c->scm))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0)
		k_child(c);
	close(c->scm[1]);
	return 0;
}

/* Runs one command in the child; 0 once done within 500 s. */
static int kcmd_ms(struct kchild *c, int cmd, int arg, int ms)
{
	struct pollfd p = { .fd = c->done, .events = POLLIN };
	uint64_t v = 1;

	c->sh->cmd = cmd;
	c->sh->arg = arg;
	if (write(c->go, &v, sizeof(v)) != sizeof(v))
		return -1;
	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(c->done, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static int kcmd(struct kchild *c, int cmd, int arg)
{
	return kcmd_ms(c, cmd, arg, 500000);
}

#define KCMD(c, cmd, arg)						\
	ASSERT_EQ(0, kcmd(c, cmd, arg)) TH_LOG("child command %d", cmd)

/* @n of @cmd, each refused with errno @want (@what names the call). */
#define KCMD_REFUSED(c, cmd, n, want, what) do {			\
	KCMD(c, cmd, n);						\
	EXPECT_EQ(0, (c)->sh->nok);					\
	ASSERT_EQ(n, (c)->sh->nfail);					\
	for (int _k = 0; _k < (n); _k++) {				\
		EXPECT_EQ(want, (c)->sh->err[_k])			\
			TH_LOG("%s: %s", what, strerror((c)->sh->err[_k])); \
	}								\
} while (0)

static uint64_t held(struct ubc_nl *h, uint32_t id, uint32_t res)
{
	return ubc_field(h, id, res, UBC_RES_A_HELD);
}

static uint64_t failcnt(struct ubc_nl *h, uint32_t id, uint32_t res)
{
	return ubc_field(h, id, res, UBC_RES_A_FAILCNT);
}

/*
 * Polls until held of @res stops changing for 300 ms (RCU frees done) or
 * reaches @want; returns the last value.
 */
static uint64_t settle(struct ubc_nl *h, uint32_t id, uint32_t res,
		       uint64_t want)
{
	uint64_t last = held(h, id, res), v;
	int i, still = 0;

	for (i = 0; i < DRAIN_MS / 10 && last != want; i++) {
		msleep(10);
		v = held(h, id, res);
		still = v == last ? still + 1 : 0;
		last = v;
		if (want == (uint64_t)-1 && still >= 30)
			break;
	}
	return last;
}

/* Tells the child to exit (it acknowledges nothing) and reaps it. */
static int kchild_exit(struct kchild *c)
{
	uint64_t v = 1;

	c->sh->cmd = C_EXIT;
	if (write(c->go, &v, sizeof(v)) != sizeof(v))
		kill(c->pid, SIGKILL);
	return reap(c->pid);
}

static void kchild_stop(struct kchild *c)
{
	kcmd(c, C_CLOSE, 0);
	kchild_exit(c);
	rmdir(kdir);
}

/* The module's tracking statistics; 0 or -1. */
struct kstat {
	long entries, records, bytes, lost;
	int refuses;
};

static int kstat_read(struct kstat *k)
{
	FILE *f = fopen("/sys/module/ubc/parameters/kmem_tracking", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "entries %ld records %ld bytes %ld lost %ld refuses %d",
		   &k->entries, &k->records, &k->bytes, &k->lost, &k->refuses);
	fclose(f);
	return n == 5 ? 0 : -1;
}

/*
 * Barriers refuse where the kernel has should_failslab() and co (6.1) or
 * the memcg charge functions ubc gates (6.12), with a user-fault test.
 */
#define NEED_REFUSAL() do {						\
	struct kstat __k;						\
	memcg_kmem_online();						\
	/* 6.12: refusal is opt-in there (see kmem.rst) */		\
	write_str("/sys/module/ubc/parameters/kmem_refuse_unsure_faults", "1"); \
	ASSERT_EQ(0, kstat_read(&__k));					\
	if (!__k.refuses)						\
		SKIP(return, "this kernel has no gate ubc can use: "	\
		     "kmemsize is counted, never refused");		\
} while (0)

/* Host objects, for host-never-charged checks. */
static void host_work(int n)
{
	char path[128];
	int i, fd[2];

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/host%d", kdir, i);
		fd[0] = open(path, O_RDWR | O_CREAT, 0600);
		if (fd[0] >= 0)
			close(fd[0]);
		unlink(path);
		if (!pipe(fd)) {
			close(fd[0]);
			close(fd[1]);
		}
		fd[0] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd[0] >= 0)
			close(fd[0]);
	}
}

/*
 * An idle compartment holds (close to) nothing; host tasks are never
 * charged; what a child charged is returned when it exits.
 */
TEST_F(ubctest, idle_baseline_and_host_never_charged)
{
	struct kchild c;
	uint64_t base;

	IDS(17000, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17000));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17000, c.pid));
	base = settle(NL, 17000, KMEM, -1);
	TH_LOG("idle compartment: kmemsize %llu, dcachesize %llu bytes",
	       (unsigned long long)base,
	       (unsigned long long)held(NL, 17000, DCACHE));
	EXPECT_GE(16384ULL, base);
	host_work(200);
	EXPECT_EQ(base, held(NL, 17000, KMEM));
	/* the compartment's own work is charged */
	KCMD(&c, C_OPEN, 10);
	ASSERT_EQ(10, c.sh->nok);
	EXPECT_LT(base + 10 * 200, held(NL, 17000, KMEM));
	EXPECT_LT(0ULL, held(NL, 17000, DCACHE));
	EXPECT_GE(held(NL, 17000, KMEM), held(NL, 17000, DCACHE));
	kchild_stop(&c);
	EXPECT_EQ(0ULL, settle(NL, 17000, KMEM, 0));
	EXPECT_EQ(0ULL, settle(NL, 17000, DCACHE, 0));
	EXPECT_EQ(0ULL, failcnt(NL, 17000, KMEM));
}

/*
 * At the kmemsize barrier: open() fails with ENOMEM, pipe() and socket()
 * with ENFILE (the kernel's answer when the inode cannot be allocated);
 * failcnt counts each refusal once; held stays within the limit; after
 * release held is back at the baseline.
 */
TEST_F(ubctest, kmemsize_refused_exact_errno)
{
	uint64_t base, h, f0;
	struct kchild c;

	NEED_REFUSAL();
	IDS(17010, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17010));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17010, c.pid));
	/* warm up: fd table, first-use caches */
	KCMD(&c, C_OPEN, 4);
	KCMD(&c, C_PIPE, 4);
	KCMD(&c, C_SOCK, 4);
	KCMD(&c, C_CLOSE, 0);
	base = settle(NL, 17010, KMEM, -1);

	KCMD(&c, C_OPEN, 8);
	ASSERT_EQ(8, c.sh->nok);
	h = held(NL, 17010, KMEM);
	ASSERT_LT(base, h);
	ASSERT_NL(NL, 0, ubc_set(NL, 17010, KMEM, h, h));
	f0 = failcnt(NL, 17010, KMEM);

	KCMD_REFUSED(&c, C_OPEN, 3, ENOMEM, "open");
	KCMD_REFUSED(&c, C_PIPE, 2, ENFILE, "pipe");
	KCMD_REFUSED(&c, C_SOCK, 2, ENFILE, "socket");
	EXPECT_EQ(f0 + 7, failcnt(NL, 17010, KMEM));
	EXPECT_GE(h, held(NL, 17010, KMEM));

	/* release: back to the baseline; room again */
	KCMD(&c, C_CLOSE, 0);
	EXPECT_EQ(base, settle(NL, 17010, KMEM, base));
	KCMD(&c, C_OPEN, 2);
	EXPECT_EQ(2, c.sh->nok);
	KCMD(&c, C_CLOSE, 0);
	EXPECT_EQ(f0 + 7, failcnt(NL, 17010, KMEM));
	kchild_stop(&c);
	EXPECT_EQ(0ULL, settle(NL, 17010, KMEM, 0));
}

#define UNSURE "/sys/module/ubc/parameters/kmem_refuse_unsure_faults"

/*
 * kmem_refuse_unsure_faults=0: on a kernel where ubc cannot see every page
 * fault (no in_user_fault and no handle_mm_fault() probe) nothing is
 * refused, the allocation is counted past the barrier, no failcnt;
 * elsewhere (6.1; 6.12 with its probe) the parameter changes nothing and
 * the barrier still refuses.
 */
TEST_F(ubctest, unsure_faults_refusal_is_opt_in)
{
	uint64_t base, h;
	struct kchild c;
	struct kstat k1, k0;

	NEED_REFUSAL();		/* gates exist, parameter 1 */
	ASSERT_EQ(0, kstat_read(&k1));
	ASSERT_EQ(1, k1.refuses);
	ASSERT_EQ(0, write_str(UNSURE, "0"));
	ASSERT_EQ(0, kstat_read(&k0));
	IDS(17015, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17015));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17015, c.pid));
	KCMD(&c, C_OPEN, 4);
	KCMD(&c, C_CLOSE, 0);
	base = settle(NL, 17015, KMEM, -1);
	KCMD(&c, C_OPEN, 4);
	h = held(NL, 17015, KMEM);
	ASSERT_LT(base, h);
	ASSERT_NL(NL, 0, ubc_set(NL, 17015, KMEM, h, h));
	KCMD(&c, C_OPEN, 3);
	if (k0.refuses) {
		TH_LOG("this kernel sees every fault: the parameter changes nothing");
		EXPECT_EQ(3, c.sh->nfail);
		EXPECT_EQ(3ULL, failcnt(NL, 17015, KMEM));
	} else {
		EXPECT_EQ(3, c.sh->nok);
		EXPECT_EQ(0, c.sh->nfail);
		EXPECT_LT(h, held(NL, 17015, KMEM)) TH_LOG("counted past the barrier");
		EXPECT_EQ(0ULL, failcnt(NL, 17015, KMEM));
	}
	ASSERT_EQ(0, write_str(UNSURE, "1"));
	KCMD(&c, C_CLOSE, 0);
	EXPECT_EQ(base, settle(NL, 17015, KMEM, base));
	kchild_stop(&c);
	EXPECT_EQ(0ULL, settle(NL, 17015, KMEM, 0));
}

/*
 * A page fault is not refused at the barrier, also on a MADV_RANDOM mapping
 * (where 6.12 has no in_lru_fault either): touching new 2 MiB ranges needs
 * page tables, which are charged past the barrier, up to the limit (the
 * barrier-to-limit gap absorbs faults); a refusal would make the fault
 * retry forever and the command time out.
 */
TEST_F(ubctest, page_fault_at_barrier_forced)
{
	uint64_t h, f0;
	struct kchild c;

	NEED_REFUSAL();
	IDS(17016, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17016));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17016, c.pid));
	KCMD(&c, C_OPEN, 2);
	KCMD(&c, C_MAP, 8);
	ASSERT_EQ(1, c.sh->nok);
	h = held(NL, 17016, KMEM);
	ASSERT_NL(NL, 0, ubc_set(NL, 17016, KMEM, h, h + 64 * 4096));
	f0 = failcnt(NL, 17016, KMEM);
	ASSERT_EQ(0, kcmd_ms(&c, C_FAULT, 8, 60000))
		TH_LOG("the faults did not finish: refused and retried?");
	EXPECT_EQ(8, c.sh->nok);
	EXPECT_LE(h + 8 * 4096, held(NL, 17016, KMEM))
		TH_LOG("8 page tables charged past the barrier");
	EXPECT_EQ(f0, failcnt(NL, 17016, KMEM));
	/* an ordinary allocation is still refused */
	KCMD(&c, C_OPEN, 1);
	EXPECT_EQ(1, c.sh->nfail);
	EXPECT_EQ(f0 + 1, failcnt(NL, 17016, KMEM));
	KCMD(&c, C_CLOSE, 0);
	kchild_stop(&c);
	EXPECT_EQ(0ULL, settle(NL, 17016, KMEM, 0));
}

/* ---- workers racing inside one compartment ---- */

#define NWORK	4

struct krace {
	int nok, nfail, nbad, bad;	/* bad: an errno other than expected */
};

/*
 * Forks @n workers that wait on @go (an EFD_SEMAPHORE eventfd), then run
 * @fn(@i, @arg) and exit with its result; the test enters them by pid.
 */
static int kworkers_start(int n, int go, int (*fn)(int, void *), void *arg,
			  pid_t *pid)
{
	uint64_t v;
	int i;

	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			return -1;
		if (pid[i] == 0) {
			if (read(go, &v, sizeof(v)) != sizeof(v))
				_exit(99);
			_exit(fn(i, arg));
		}
	}
	return 0;
}

static int kworkers_go(int go, uint64_t n)
{
	return write(go, &n, sizeof(n)) == sizeof(n) ? 0 : -1;
}

/*
 * Reads one byte every 2 MiB of a PROT_READ private anonymous span: every
 * read maps the zero page (RSS ~0, nothing for privvmpages) but needs a
 * new page table, 16384 of them (64 MiB) for the 32 GiB span.
 */
#define SPAN		(32ULL << 30)

static int k_read_span(int i, void *arg)
{
	size_t len = arg ? *(size_t *)arg : SPAN, off;
	volatile char *p;
	char sum = 0;

	(void)i;
	p = mmap(NULL, len, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	for (off = 0; off < len; off += 2 << 20)
		sum += p[off];
	return sum ? 3 : 0;
}

/*
 * Finding 2 (page tables escaped kmemsize): page tables of user faults
 * are charged up to the kmemsize limit; the fault that would pass it is
 * a compartment-local OOM: the faulting process is killed (SIGKILL, the
 * kernel's own answer to VM_FAULT_OOM with a fatal signal pending: no
 * retry, no spin) and failcnt counts it. Two workers at once; held never
 * above the limit, back to 0 once they are gone; a host task doing the
 * same is neither limited nor killed.
 */
TEST_F_TIMEOUT(ubctest, fault_page_tables_stop_at_limit_by_kill, 600)
{
	const uint64_t lim = 8 << 20;
	size_t host_span = 4ULL << 30;	/* 2048 page tables: 8 MiB */
	pid_t pid[2], hp;
	int go, i;

	NEED_REFUSAL();
	IDS(17030, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17030));
	ASSERT_NL(NL, 0, ubc_set(NL, 17030, KMEM, lim, lim));
	go = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	ASSERT_LE(0, go);
	ASSERT_EQ(0, kworkers_start(2, go, k_read_span, NULL, pid));
	for (i = 0; i < 2; i++)
		ASSERT_NL(NL, 0, ubc_enter(NL, 17030, pid[i]));
	ASSERT_EQ(0, kworkers_go(go, 2));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(128 + SIGKILL, reap(pid[i]))
			TH_LOG("worker %d was not killed at the limit", i);
	}
	EXPECT_GE(lim, ubc_field(NL, 17030, KMEM, UBC_RES_A_MAXHELD))
		TH_LOG("kmemsize passed its limit");
	EXPECT_LT(0ULL, failcnt(NL, 17030, KMEM));
	EXPECT_EQ(0ULL, settle(NL, 17030, KMEM, 0));

	/* the host: the same reads, past 8 MiB of page tables, unharmed */
	hp = fork();
	ASSERT_LE(0, hp);
	if (hp == 0)
		_exit(k_read_span(0, &host_span));
	EXPECT_EQ(0, reap(hp));
	host_work(10);
	close(go);
}

/*
 * Opens pipes and /dev/null files until refused, then stays at the
 * barrier for @churn steps (close one, open a pipe and a file again: every
 * attempt races the other workers' for the last bytes), then closes all.
 */
#define RACE_ROUNDS	100
#define RACE_MAX	200
#define RACE_CHURN	20

static void k_race_fail(struct krace *r)
{
	r->nfail++;
	if (errno != ENFILE && errno != ENOMEM) {
		r->nbad++;
		r->bad = errno;
	}
}

static int k_race_open(struct krace *r, int *fds, int *n, int max, int pipe_too)
{
	int fd[2];

	if (*n + 2 > max)
		return 0;
	if (pipe_too) {
		if (pipe(fd)) {
			k_race_fail(r);
			return -1;
		}
		fds[(*n)++] = fd[0];
		fds[(*n)++] = fd[1];
		r->nok++;
		if (*n + 2 > max)
			return 0;
	}
	fd[0] = open("/dev/null", O_RDONLY);
	if (fd[0] < 0) {
		k_race_fail(r);
		return -1;
	}
	fds[(*n)++] = fd[0];
	r->nok++;
	return 0;
}

static int k_race_round(struct krace *r, int *fds, int max, int churn)
{
	int n = 0, j;

	while (n + 2 <= max && !k_race_open(r, fds, &n, max, 1))
		;
	for (j = 0; j < churn && n; j++) {
		close(fds[--n]);
		k_race_open(r, fds, &n, max, j % 2);
	}
	while (n)
		close(fds[--n]);
	return 0;
}

struct krace_arg {
	struct krace *r;
	int ready, go;		/* eventfds: warmed up; race */
};

static int k_race(int i, void *arg)
{
	struct krace_arg *a = arg;
	struct krace *r = a->r + i;
	int fds[RACE_MAX], k;
	uint64_t v = 1;

	/*
	 * A short round before the barrier is set (the limit is set above
	 * its peak): stack and shared memory faulted in.
	 */
	k_race_round(r, fds, 16, 0);
	memset(r, 0, sizeof(*r));
	if (write(a->ready, &v, sizeof(v)) != sizeof(v) ||
	    read(a->go, &v, sizeof(v)) != sizeof(v))
		return 99;
	for (k = 0; k < RACE_ROUNDS; k++)
		k_race_round(r, fds, RACE_MAX, RACE_CHURN);
	return 0;
}

/*
 * Finding 5 for kmemsize (check at the gate, charge later): NWORK workers
 * of one compartment open pipes and files at the barrier (= limit) at
 * once. Room is reserved at the gate and the reservation committed by the
 * allocation's event, so racing allocations cannot all pass: maxheld
 * never passes the limit; every refusal is ENFILE or ENOMEM; failcnt
 * counts them; held back at the baseline afterwards.
 */
TEST_F_TIMEOUT(ubctest, concurrent_opens_reserve_at_gate, 600)
{
	struct krace *r = shared_mem(NWORK * sizeof(*r));
	uint64_t base, warm, lim, f0, n, v;
	struct krace_arg a;
	pid_t pid[NWORK];
	int go, i, nok = 0, nfail = 0;

	NEED_REFUSAL();
	ASSERT_NE(NULL, r);
	IDS(17035, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17035));
	go = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	ASSERT_LE(0, go);
	a.r = r;
	a.ready = eventfd(0, EFD_CLOEXEC);
	a.go = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	ASSERT_LE(0, a.ready);
	ASSERT_LE(0, a.go);
	ASSERT_EQ(0, kworkers_start(NWORK, go, k_race, &a, pid));
	for (i = 0; i < NWORK; i++)
		ASSERT_NL(NL, 0, ubc_enter(NL, 17035, pid[i]));
	/* each worker warms up first (one round, unlimited) */
	ASSERT_EQ(0, kworkers_go(go, NWORK));
	for (n = 0; n < NWORK; n += v) {
		ASSERT_EQ(sizeof(v), read(a.ready, &v, sizeof(v)));
	}
	base = settle(NL, 17035, KMEM, -1);
	/* above the warm-up's peak (objects are twice as big under KASAN) */
	warm = ubc_field(NL, 17035, KMEM, UBC_RES_A_MAXHELD);
	lim = (warm > base ? warm : base) + 48 * 1024;
	ASSERT_NL(NL, 0, ubc_set(NL, 17035, KMEM, lim, lim));
	f0 = failcnt(NL, 17035, KMEM);
	ASSERT_EQ(0, kworkers_go(a.go, NWORK));
	for (i = 0; i < NWORK; i++) {
		EXPECT_EQ(0, reap(pid[i])) TH_LOG("worker %d", i);
		EXPECT_EQ(0, r[i].nbad)
			TH_LOG("worker %d: refused with %s", i, strerror(r[i].bad));
		nok += r[i].nok;
		nfail += r[i].nfail;
	}
	TH_LOG("%d opened, %d refusals; maxheld %llu, limit %llu", nok, nfail,
	       (unsigned long long)ubc_field(NL, 17035, KMEM, UBC_RES_A_MAXHELD),
	       (unsigned long long)lim);
	EXPECT_LT(0, nok);
	EXPECT_LT(0, nfail);
	EXPECT_LE(f0 + nfail, failcnt(NL, 17035, KMEM));
	EXPECT_GE(lim, ubc_field(NL, 17035, KMEM, UBC_RES_A_MAXHELD))
		TH_LOG("kmemsize passed its limit");
	EXPECT_EQ(0ULL, settle(NL, 17035, KMEM, 0));
	close(go);
	close(a.ready);
	close(a.go);
}

#define MISSED "/sys/module/ubc/parameters/kmem_fault_probe_missed"

static long missed_read(void)
{
	char buf[32], *end;
	long v;

	if (read_line(MISSED, buf, sizeof(buf)))
		return -1;
	v = strtol(buf, &end, 10);
	return *end || end == buf ? -1 : v;
}

/* Does this kernel follow faults with ubc's handle_mm_fault() probe? */
static int fault_probe_kernel(void)
{
	struct utsname u;
	int maj, min;

	return !uname(&u) && sscanf(u.release, "%d.%d", &maj, &min) == 2 &&
	       (maj > 6 || (maj == 6 && min >= 11));
}

static int k_write_missed(int i, void *arg)
{
	(void)i;
	(void)arg;
	return write_str(MISSED, "0") ? 0 : 1;	/* 0: refused, as it must */
}

/*
 * Finding 11 (part): the faults the handle_mm_fault() kretprobe (6.12)
 * missed are reported in kmem_fault_probe_missed: 0 on a run without
 * misses, and then the barriers refuse; a task inside a compartment
 * cannot acknowledge misses (EPERM), the host can.
 */
TEST_F(ubctest, fault_probe_missed_reported)
{
	struct kstat k;
	pid_t pid;
	int go;

	NEED_REFUSAL();
	ASSERT_EQ(0, missed_read());
	ASSERT_EQ(0, kstat_read(&k));
	EXPECT_EQ(1, k.refuses);
	IDS(17040, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17040));
	go = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	ASSERT_LE(0, go);
	ASSERT_EQ(0, kworkers_start(1, go, k_write_missed, NULL, &pid));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17040, pid));
	ASSERT_EQ(0, kworkers_go(go, 1));
	EXPECT_EQ(0, reap(pid)) TH_LOG("a compartment task acknowledged misses");
	EXPECT_EQ(0, write_str(MISSED, "0"));
	EXPECT_EQ(0, missed_read());
	close(go);
}

/* Threads blocked in userfaultfd faults: each holds a probe instance. */
#define UFFD_THREADS	4200

struct kuffd {
	int ready, go;		/* eventfds: all threads started; release */
	int nthreads;
};

static void *k_uffd_touch(void *p)
{
	return (void *)(long)*(volatile char *)p;
}

static int k_uffd_block(int i, void *arg)
{
	struct kuffd *a = arg;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	size_t len = (size_t)UFFD_THREADS * 4096;
	static pthread_t th[UFFD_THREADS];
	pthread_attr_t at;
	uint64_t v = 1;
	char *map;
	int uffd, t, n = 0;

	(void)i;
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return 2;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return 3;
	reg.range.start = (unsigned long)map;
	reg.range.len = len;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return 4;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 65536);
	for (t = 0; t < UFFD_THREADS; t++)
		if (!pthread_create(&th[t], &at, k_uffd_touch,
				    map + (size_t)t * 4096))
			n++;
		else
			th[t] = 0;
	a->nthreads = n;
	if (write(a->ready, &v, sizeof(v)) != sizeof(v) ||
	    read(a->go, &v, sizeof(v)) != sizeof(v))
		return 5;
	close(uffd);	/* wakes every blocked fault: retried, zero page */
	for (t = 0; t < UFFD_THREADS; t++)
		if (th[t])
			pthread_join(th[t], NULL);
	return 0;
}

/*
 * Finding 11 (part): faults blocked in userfaultfd exhaust the 6.12
 * handle_mm_fault() kretprobe's 4096 instances; a fault it cannot see must
 * not be refused (it would spin): from the first miss on, nothing is
 * refused (refuses 0), the misses are reported, and once the host
 * acknowledges them (after the blocked faults are over) refusal resumes.
 */
TEST_F_TIMEOUT(ubctest, fault_probe_exhausted_falls_back_to_forced, 600)
{
	struct kuffd *a = shared_mem(sizeof(*a));
	uint64_t v = 1;
	struct kstat k;
	long missed = 0;
	pid_t pid;
	int go, i;

	NEED_REFUSAL();
	if (!fault_probe_kernel())
		SKIP(return, "this kernel has in_user_fault: no fault probe");
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, missed_read());
	IDS(17045, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17045));
	a->ready = eventfd(0, EFD_CLOEXEC);
	a->go = eventfd(0, EFD_CLOEXEC);
	go = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	ASSERT_LE(0, go);
	ASSERT_EQ(0, kworkers_start(1, go, k_uffd_block, a, &pid));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17045, pid));
	ASSERT_EQ(0, kworkers_go(go, 1));
	ASSERT_EQ(sizeof(v), read(a->ready, &v, sizeof(v)));
	TH_LOG("%d threads blocked in userfaultfd faults", a->nthreads);
	for (i = 0; i < 3000 && missed <= 0; i++) {
		msleep(10);
		missed = missed_read();
	}
	EXPECT_LT(0, missed) TH_LOG("the probe never ran out of instances");
	ASSERT_EQ(0, kstat_read(&k));
	EXPECT_EQ(0, k.refuses) TH_LOG("refusing with faults unseen");
	v = 1;
	EXPECT_EQ(sizeof(v), write(a->go, &v, sizeof(v)));
	EXPECT_EQ(0, reap(pid));
	/* the blocked faults are over: the host acknowledges the misses */
	EXPECT_EQ(0, write_str(MISSED, "0"));
	ASSERT_EQ(0, kstat_read(&k));
	EXPECT_EQ(1, k.refuses);
	EXPECT_EQ(0ULL, settle(NL, 17045, KMEM, 0));
	close(go);
}

/*
 * dcachesize: mkdir() until the barrier, which fails with ENOMEM (the
 * dentry); one refusal counted in dcachesize, none in kmemsize; held
 * within the barrier; rmdir returns it all.
 */
TEST_F(ubctest, dcachesize_mkdir_refused)
{
	uint64_t base, kbase, d;
	struct kchild c;

	NEED_REFUSAL();
	IDS(17020, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17020));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17020, c.pid));
	KCMD(&c, C_MKDIR, 4);
	KCMD(&c, C_CLOSE, 0);
	base = settle(NL, 17020, DCACHE, -1);
	kbase = settle(NL, 17020, KMEM, -1);
	ASSERT_NL(NL, 0, ubc_set(NL, 17020, DCACHE, base + 65536,
				 base + 65536));
	KCMD(&c, C_MKDIR, 5000);
	TH_LOG("%d directories until the barrier", c.sh->nok);
	ASSERT_LT(10, c.sh->nok);
	ASSERT_EQ(1, c.sh->nfail);
	/* ENOMEM when the dentry is refused, ENOSPC (tmpfs) for the inode */
	EXPECT_TRUE(c.sh->err[0] == ENOMEM || c.sh->err[0] == ENOSPC)
		TH_LOG("mkdir: %s", strerror(c.sh->err[0]));
	EXPECT_EQ(1ULL, failcnt(NL, 17020, DCACHE));
	EXPECT_EQ(0ULL, failcnt(NL, 17020, KMEM));
	d = held(NL, 17020, DCACHE);
	EXPECT_GE(base + 65536, d);
	EXPECT_LT(base + 65536 - 4096, d);
	/*
	 * Every dentry and inode charge is a kmemsize charge too. Compared in
	 * one reply, as absolute values: a delta of kmemsize against kbase
	 * also sees objects of before kbase that RCU frees meanwhile.
	 */
	{
		struct ubc_info info;

		ASSERT_NL(NL, 0, ubc_get(NL, 17020, &info));
		EXPECT_LE(info.res[DCACHE].held, info.res[KMEM].held);
	}
	KCMD(&c, C_CLOSE, 0);
	EXPECT_EQ(base, settle(NL, 17020, DCACHE, base));
	EXPECT_EQ(kbase, settle(NL, 17020, KMEM, kbase));
	kchild_stop(&c);
	EXPECT_EQ(0ULL, settle(NL, 17020, DCACHE, 0));
}

/* One fd received over SCM_RIGHTS on @sock, or -1. */
static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, MSG_DONTWAIT) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Objects passed to the host and freed there (files freed in RCU
 * callbacks, sockets, SCM_RIGHTS lists) uncharge the compartment that
 * paid, after its last task is gone.
 */
TEST_F(ubctest, freed_by_host_uncharges_owner)
{
	int got[256], n = 0, i;
	uint64_t base, h;
	struct kchild c;

	IDS(17030, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17030));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17030, c.pid));
	KCMD(&c, C_SOCK, 4);
	KCMD(&c, C_SEND, 0);
	for (i = 0; i < 4; i++)
		close(recv_fd(c.scm[0]));
	base = settle(NL, 17030, KMEM, -1);

	KCMD(&c, C_SOCK, 64);
	ASSERT_EQ(64, c.sh->nok);
	KCMD(&c, C_PIPE, 32);
	ASSERT_EQ(32, c.sh->nok);
	KCMD(&c, C_SEND, 0);
	ASSERT_EQ(128, c.sh->nok);
	h = held(NL, 17030, KMEM);
	ASSERT_LT(base + 64 * 512, h);
	/* the child exits; the compartment is destroyed and lingers */
	ASSERT_EQ(0, kchild_exit(&c));
	for (n = 0; n < 128; n++) {
		got[n] = recv_fd(c.scm[0]);
		ASSERT_LE(0, got[n]) TH_LOG("fd %d not received", n);
	}
	/* the child is gone, the host holds what it paid for */
	EXPECT_LT(base + 64 * 512, held(NL, 17030, KMEM));
	for (i = 0; i < n; i++)
		close(got[i]);
	close(c.scm[0]);
	rmdir(kdir);
	/*
	 * Files are freed in RCU callbacks, sockets by the host's close.
	 * base was taken while the child lived: what the child itself held
	 * (a page table, say) went with it, so held ends at or below base
	 * (0 when nothing else is cached), far below what was passed.
	 */
	h = settle(NL, 17030, KMEM, 0);
	EXPECT_GE(base, h);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 17030));
	ASSERT_DRAINS(NL, 17030);
}

/*
 * Thousands of open/close, socket/close and fork/exit leave held where it
 * was, give or take the kernel's per-CPU cache of two thread stacks
 * (stacks the compartment allocated may be kept there for reuse).
 */
TEST_F_TIMEOUT(ubctest, churn_leaves_no_drift, 600)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t base, after, slack;
	struct kchild c;

	IDS(17040, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17040));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17040, c.pid));
	KCMD(&c, C_CHURN, 50);
	base = settle(NL, 17040, KMEM, -1);
	KCMD(&c, C_CHURN, 1000);
	ASSERT_EQ(1000, c.sh->nok);
	/* the churn was charged while it ran */
	EXPECT_LT(base + 4096, ubc_field(NL, 17040, KMEM, UBC_RES_A_MAXHELD));
	slack = 2 * (ncpu > 0 ? ncpu : 1) * 16384;
	after = settle(NL, 17040, KMEM, base);
	TH_LOG("kmemsize before %llu after %llu bytes",
	       (unsigned long long)base, (unsigned long long)after);
	EXPECT_GE(base + slack, after);
	EXPECT_LE(base, after + slack);
	EXPECT_EQ(0ULL, failcnt(NL, 17040, KMEM));
	kchild_stop(&c);
	EXPECT_GE(slack, settle(NL, 17040, KMEM, 0));
}

/* Tracking memory per charged object, from the module's statistics. */
TEST_F(ubctest, tracking_bytes_per_object)
{
	struct kstat k0, k1;
	struct kchild c;
	double per;

	IDS(17050, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 17050));
	ASSERT_EQ(0, kchild_start(&c));
	ASSERT_NL(NL, 0, ubc_enter(NL, 17050, c.pid));
	ASSERT_EQ(0, kstat_read(&k0));
	KCMD(&c, C_OPEN, 1000);
	ASSERT_EQ(1000, c.sh->nok);
	ASSERT_EQ(0, kstat_read(&k1));
	ASSERT_LT(k0.records + 1000, k1.records);
	per = (double)(k1.bytes - k0.bytes) / (k1.records - k0.records);
	TH_LOG("%ld charged objects in %ld entries: %ld bytes, %.1f bytes per object",
	       k1.records - k0.records, k1.entries - k0.entries,
	       k1.bytes - k0.bytes, per);
	EXPECT_EQ(k0.lost, k1.lost);
	EXPECT_GE(8.0, per);
	kchild_stop(&c);
}

/*
 * The bytes compartment @id's records hold (kmem_tracked), or -1 each
 * when the file is missing or @id has no line (then 0 and 0).
 */
static int ktracked_read(uint32_t id, long *kmem, long *dcache)
{
	FILE *f = fopen("/sys/module/ubc/parameters/kmem_tracked", "r");
	unsigned int i;
	long k, d;

	*kmem = *dcache = -1;
	if (!f)
		return -1;
	*kmem = *dcache = 0;
	while (fscanf(f, "%u %ld %ld", &i, &k, &d) == 3)
		if (i == id) {
			*kmem = k;
			*dcache = d;
		}
	fclose(f);
	return 0;
}

/*
 * What stress-ng --dentry does: files with long names (external names,
 * __d_alloc()'s kmalloc) created and unlinked in a directory, lookups of
 * names that do not exist (negative dentries), and /proc lookups (proc
 * dentries and inodes the kernel keeps cached after the task is gone).
 */
/*
 * Files each churn worker keeps: 2 x 256 positive dentries with external
 * names and their inodes (about 1 KiB each) pass the 192 KiB barrier for
 * sure (64 each left it unreached on 6.1, failcnt 0); the negative dentries do
 * not count, the VM's /tmp (rootfs, shmem) never caches them
 * (simple_lookup(): always_delete_dentry()).
 */
#define KCHURN_FILES	256

static int k_dentry_churn(int w, void *arg)
{
	char path[512], name[256];
	int i, fd;
	struct stat st;

	(void)arg;
	memset(name, 'n', 200);
	name[200] = 0;
	for (i = 0; i < 1500; i++) {
		snprintf(path, sizeof(path), "%s/w%d-%d-%s", kdir, w, i % KCHURN_FILES,
			 name);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof(path), "%s/none-%d-%d-%s", kdir, w, i,
			 i & 1 ? name : "");
		stat(path, &st);
		snprintf(path, sizeof(path), "/proc/%d/status", (int)getpid());
		stat(path, &st);
		/* the test's own: cached while it lives, after the workers */
		snprintf(path, sizeof(path), "/proc/%d/task/%d/%s",
			 (int)getppid(), (int)getppid(),
			 (const char *[]){ "comm", "stat", "wchan", "cmdline" }[i % 4]);
		stat(path, &st);
		if (!(i % 7)) {
			snprintf(path, sizeof(path), "%s/w%d-%d-%s", kdir, w,
				 (i + 13) % KCHURN_FILES, name);
			unlink(path);
		}
	}
	for (i = 0; i < KCHURN_FILES; i++) {
		snprintf(path, sizeof(path), "%s/w%d-%d-%s", kdir, w, i, name);
		unlink(path);
	}
	return 0;
}

/*
 * Every kmemsize and dcachesize charge has a record: once a
 * compartment's tasks are gone, its held equals what its records hold
 * (kmem_tracked), through dentry churn at the dcachesize barrier (two
 * workers racing, refusals) and without a barrier. What stays charged
 * after the tasks are gone are objects the kernel still caches; destroy
 * hands them to the host, and the id is free again at once.
 */
TEST_F_TIMEOUT(ubctest, dentry_churn_every_charge_has_record, 600)
{
	static const uint64_t bar[2] = { 196608, U };
	long tk, td;
	pid_t pid[2];
	int go, i, r;

	NEED_REFUSAL();
	IDS(17060, 1);
	snprintf(kdir, sizeof(kdir), "/tmp/ubc-kmem.%d", (int)getpid());
	mkdir(kdir, 0700);
	for (r = 0; r < 2; r++) {
		uint64_t hk, hd;

		ASSERT_NL(NL, 0, ubc_create(NL, 17060));
		ASSERT_NL(NL, 0, ubc_set(NL, 17060, DCACHE, bar[r],
					 bar[r] == U ? U : bar[r] + 65536));
		go = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
		ASSERT_LE(0, go);
		ASSERT_EQ(0, kworkers_start(2, go, k_dentry_churn, NULL, pid));
		for (i = 0; i < 2; i++)
			ASSERT_NL(NL, 0, ubc_enter(NL, 17060, pid[i]));
		ASSERT_EQ(0, kworkers_go(go, 2));
		for (i = 0; i < 2; i++)
			EXPECT_EQ(0, reap(pid[i]));
		close(go);
		if (bar[r] != U)
			EXPECT_LT(0ULL, failcnt(NL, 17060, DCACHE));
		settle(NL, 17060, KMEM, -1);
		/* held and records in one quiet moment: nothing runs there */
		for (i = 0; i < 50; i++) {
			hk = held(NL, 17060, KMEM);
			hd = held(NL, 17060, DCACHE);
			ASSERT_EQ(0, ktracked_read(17060, &tk, &td));
			if (hk == held(NL, 17060, KMEM) &&
			    hd == held(NL, 17060, DCACHE))
				break;
		}
		TH_LOG("barrier %s: held kmemsize %llu dcachesize %llu, records %ld %ld",
		       r ? "none" : "192 KiB", (unsigned long long)hk,
		       (unsigned long long)hd, tk, td);
		EXPECT_EQ((long)hk, tk);
		EXPECT_EQ((long)hd, td);
		if (!r)	/* the test's /proc entries, first looked up here */
			EXPECT_LT(0ULL, hd);
		/* destroy returns the rest: the id is free again */
		EXPECT_EQ(0, ubc_destroy_wait(NL, 17060, DRAIN_MS));
		EXPECT_EQ(-ENOENT, ubc_wait_gone(NL, 17060, DRAIN_MS));
		ASSERT_EQ(0, ktracked_read(17060, &tk, &td));
		EXPECT_EQ(0L, tk);
		EXPECT_EQ(0L, td);
	}
	rmdir(kdir);
}

TEST_HARNESS_MAIN
