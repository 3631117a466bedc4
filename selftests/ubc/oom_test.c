// SPDX-License-Identifier: GPL-2.0
/*
 * physpages (6), swappages (24), oomguarpages (8), the OOM killer's order
 * and the burst warning (UBC_A_BURSTS).
 *
 *  - physpages is the RSS of the compartment's processes, computed when
 *    read: it follows an allocation and a free, an mm shared by two
 *    processes counts once, host tasks never count, it drops to 0 when the
 *    processes are gone; maxheld keeps the peak; oomguarpages = physpages +
 *    swappages + page tables (what the kernel's OOM badness counts: a
 *    member with 4096 page-table pages and almost no RSS shows them);
 *    nothing is ever refused (failcnt 0).
 *  - A new compartment has no guarantee (vmguarpages and oomguarpages
 *    barriers 0), and an unlimited barrier is none either.
 *  - Under memory pressure (tests that need the small-memory VM that
 *    make check boots for them; skipped in larger VMs): a compartment in
 *    burst gets burst warnings before any OOM kill, one within its guarantee
 *    does not; in a global OOM a compartment within its guarantee survives
 *    while a bursting one is killed, even when the guaranteed one is the
 *    largest (5 times in a row); the largest overdraft goes first; an OOM of
 *    host tasks still kills the host's hog; a compartment without a
 *    guarantee (default, or unlimited) running the machine out of memory
 *    loses its hog while an idle host process survives; every kill adds
 *    exactly one to the victim compartment's oomguarpages failcnt.
 *
 * Compartment ids: 20000..20999.
 */
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_events.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)
#define MB_PAGES(mb)	((uint64_t)(mb) * 256)	/* 4 KiB pages */
/* Per-thread and per-CPU batching of the kernel's RSS counters. */
#define SLACK		256
#define SMALL_VM_MB	600	/* pressure tests run below this MemTotal */
#define GUAR		MB_PAGES(64)	/* a finite guarantee, fits in the VM */

/* |got - want| <= SLACK, in signed arithmetic. */
#define ASSERT_NEAR(want, got) do {					\
	int64_t __w = (int64_t)(want), __g = (int64_t)(got);		\
	ASSERT_TRUE(__g >= __w - SLACK && __g <= __w + SLACK)		\
		TH_LOG("%s = %lld, want %s = %lld +- %d", #got,		\
		       (long long)__g, #want, (long long)__w, SLACK);	\
} while (0)

/* ---- /proc ---- */


/* kswapd runs plus direct reclaim stalls so far (/proc/vmstat). */
static long reclaim_events(void)
{
	char key[64];
	long v, sum = 0;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, "pageoutrun") || !strncmp(key, "allocstall", 10))
			sum += v;
	if (f)
		fclose(f);
	return sum;
}

/*
 * Pages a user allocation can take before every zone is at its low
 * watermark and kswapd is woken: per zone, free - low - the largest
 * lowmem protection (/proc/zoneinfo).
 */
static long headroom_pages(void)
{
	long v, free = -1, low = 0, prot = 0, sum = 0;
	char key[64];
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fscanf(f, "%63s", key) == 1) {
		if (!strcmp(key, "free") && fscanf(f, "%ld", &v) == 1) {
			free = v;	/* "pages free N" */
			prot = 0;
		} else if (!strcmp(key, "low") && fscanf(f, "%ld", &v) == 1) {
			low = v;
		} else if (!strcmp(key, "protection:") && free >= 0) {
			/* "protection: (0, 2921, 3874, 3874)" */
			while (fscanf(f, " (%ld,", &v) == 1 ||
			       fscanf(f, " %ld,", &v) == 1 ||
			       fscanf(f, " %ld)", &v) == 1)
				if (v > prot)
					prot = v;
			if (free > low + prot)
				sum += free - low - prot;
			free = -1;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

static void set_oom_score_adj(int adj)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "w");

	if (f) {
		fprintf(f, "%d\n", adj);
		fclose(f);
	}
}

/* ---- a member: a child process that allocates on command ---- */

struct member {
	pid_t pid;
	int to, from;
};

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int sharer_fn(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/* Touches @mb MiB, @chunk_mb at a time; returns 0 or -1. */
static int touch_mb(long mb, long chunk_mb)
{
	long done;

	for (done = 0; done < mb; done += chunk_mb) {
		long n = chunk_mb * 1024 * 1024;
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		for (long i = 0; i < n; i += 4096)
			p[i] = 1;
	}
	return 0;
}

/*
 * Commands (a byte and an int), each answered by an int:
 *  'a' N  map and touch N MiB at once;       answers 0
 *  'g' N  touch N MiB in 1 MiB steps;          answers 0
 *  'f' 0  unmap what 'a' mapped;               answers 0
 *  'c' 0  start a process sharing this mm (clone(CLONE_VM)); answers its pid
 *  'o' 0  madvise(MADV_PAGEOUT) what 'a' mapped; answers 0 or -errno
 *  't' 0  touch what 'a' mapped again;        answers 0
 *  'p' 0  ping;                                answers 0
 *  'z' N  map N GiB PROT_READ, MAP_NORESERVE, read a byte every 2 MiB:
 *         a page-table page each, RSS ~0 (the zero page); answers 0
 * EOF on the command pipe: exit 0.
 */
static void member_main(int in, int out)
{
	static char stack[65536] __attribute__((aligned(16)));
	char *region = NULL;
	size_t region_len = 0;
	int32_t arg, ans;
	char cmd;

	set_oom_score_adj(0);
	while (!read_full(in, &cmd, 1) && !read_full(in, &arg, sizeof(arg))) {
		ans = 0;
		switch (cmd) {
		case 'a':
			region_len = (size_t)arg << 20;
			region = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (region == MAP_FAILED)
				_exit(2);
			for (size_t i = 0; i < region_len; i += 4096)
				region[i] = 1;
			break;
		case 'g':
			if (touch_mb(arg, 1))
				_exit(2);
			break;
		case 'f':
			if (region)
				munmap(region, region_len);
			region = NULL;
			break;
		case 'o':
			if (madvise(region, region_len, MADV_PAGEOUT))
				ans = -errno;
			break;
		case 't':
			for (size_t i = 0; i < region_len; i += 4096)
				region[i] = 2;
			break;
		case 'c':
			ans = clone(sharer_fn, stack + sizeof(stack),
				    CLONE_VM | SIGCHLD, NULL);
			break;
		case 'z': {
			size_t len = (size_t)arg << 30;
			volatile char *z = mmap(NULL, len, PROT_READ,
						MAP_PRIVATE | MAP_ANONYMOUS |
						MAP_NORESERVE, -1, 0);
			char sum = 0;

			if (z == MAP_FAILED)
				_exit(2);
			for (size_t i = 0; i < len; i += 2u << 20)
				sum += z[i];
			ans = sum;	/* 0: the zero page */
			break;
		}
		}
		if (write(out, &ans, sizeof(ans)) != sizeof(ans))
			_exit(3);
	}
	_exit(0);
}

static int member_start(struct member *m)
{
	int to[2], from[2];

	if (pipe(to) || pipe(from))
		return -1;
	m->pid = fork();
	if (m->pid < 0)
		return -1;
	if (!m->pid) {
		/* only its own pipe ends: another member's EOF must not wait for us */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != to[0] && fd != from[1])
				close(fd);
		member_main(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	m->to = to[1];
	m->from = from[0];
	return 0;
}

/* Sends a command; returns the answer, or -1 if the member died. */
static int member_cmd(struct member *m, char cmd, int32_t arg)
{
	char buf[1 + sizeof(arg)];
	int32_t ans;

	buf[0] = cmd;
	memcpy(buf + 1, &arg, sizeof(arg));
	if (write(m->to, buf, sizeof(buf)) != sizeof(buf))
		return -1;
	return read_full(m->from, &ans, sizeof(ans)) ? -1 : ans;
}

/* Closes the pipes; the member exits (0) unless it died; its exit code. */
static int member_stop(struct member *m)
{
	close(m->to);
	close(m->from);
	return reap(m->pid);
}

/* ---- replies with UBC_A_BURSTS ---- */

struct full_info {
	struct ubc_info info;
	int has_bursts;
	uint64_t bursts;
};

static void build_get(struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_put_u32(nlh, UBC_A_ID, *(uint32_t *)arg);
}

static int full_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct full_info *fi = arg;
	const struct nlattr *a;

	ubc_parse_info(nlh, &fi->info);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == UBC_A_BURSTS &&
		    mnl_attr_get_payload_len(a) == 8) {
			fi->has_bursts = 1;
			fi->bursts = mnl_attr_get_u64(a);
		}
	return MNL_CB_OK;
}

static int get_full(struct ubc_nl *h, uint32_t id, struct full_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	return ubc_request(h, UBC_CMD_GET, 0, build_get, &id, full_cb, fi);
}

#define GET_FULL(h, _id, fi) do {					\
	ASSERT_NL(h, 0, get_full(h, _id, fi));				\
	ASSERT_FALSE((fi)->info.bad) TH_LOG("GET %u: %s",		\
					    (unsigned)(_id), (fi)->info.why); \
	ASSERT_TRUE((fi)->has_bursts) TH_LOG("no UBC_A_BURSTS");	\
} while (0)

#define RES(fi, r)	((fi)->info.res[r])

/* Page tables of a small process, pages: far below this. */
#define PGT_SMALL	512

/*
 * oomguarpages = physpages + swappages + page tables (a few for these
 * small processes), none refused: same reply.
 */
#define ASSERT_MEM_CONSISTENT(fi) do {					\
	ASSERT_LE(RES(fi, UBC_PHYSPAGES).held + RES(fi, UBC_SWAPPAGES).held, \
		  RES(fi, UBC_OOMGUARPAGES).held);			\
	ASSERT_GE(RES(fi, UBC_PHYSPAGES).held + RES(fi, UBC_SWAPPAGES).held + \
		  PGT_SMALL, RES(fi, UBC_OOMGUARPAGES).held);		\
	ASSERT_GE(RES(fi, UBC_PHYSPAGES).maxheld, RES(fi, UBC_PHYSPAGES).held); \
	ASSERT_GE(RES(fi, UBC_OOMGUARPAGES).maxheld,			\
		  RES(fi, UBC_OOMGUARPAGES).held);			\
	ASSERT_EQ(0, RES(fi, UBC_PHYSPAGES).failcnt);			\
	ASSERT_EQ(0, RES(fi, UBC_SWAPPAGES).failcnt);			\
} while (0)

static uint64_t phys(struct ubc_nl *h, uint32_t id)
{
	return ubc_field(h, id, UBC_PHYSPAGES, UBC_RES_A_HELD);
}

/* Creates @id with oomguarpages @barrier, starts @m and ENTERs it. */
static void setup_member(struct __test_metadata *_metadata, struct ubc_nl *h,
			 uint32_t id, uint64_t barrier, struct member *m)
{
	const struct ubc_lim l = { UBC_OOMGUARPAGES, barrier, U };

	ASSERT_NL(h, 0, ubc_create_lims(h, id, &l, 1));
	ASSERT_EQ(0, member_start(m));
	ASSERT_NL(h, 0, ubc_enter(h, id, m->pid));
	ASSERT_EQ(0, member_cmd(m, 'p', 0));
}

/* ---- measured values ---- */

TEST_F(ubctest, physpages_follow_rss_and_return_to_zero)
{
	uint64_t p0, p1, p2;
	struct full_info fi;
	struct member m;

	IDS(20000, 1);
	setup_member(_metadata, NL, 20000, U, &m);
	/* warm up: the code of every command is faulted in once */
	ASSERT_EQ(0, member_cmd(&m, 'a', 1));
	ASSERT_EQ(0, member_cmd(&m, 'f', 0));
	GET_FULL(NL, 20000, &fi);
	ASSERT_MEM_CONSISTENT(&fi);
	p0 = RES(&fi, UBC_PHYSPAGES).held;
	ASSERT_LT(0, p0) TH_LOG("a live process has resident pages");
	ASSERT_EQ(0, RES(&fi, UBC_SWAPPAGES).held) TH_LOG("the VM has no swap");
	ASSERT_EQ(0, fi.bursts);

	ASSERT_EQ(0, member_cmd(&m, 'a', 32));
	GET_FULL(NL, 20000, &fi);
	ASSERT_MEM_CONSISTENT(&fi);
	p1 = RES(&fi, UBC_PHYSPAGES).held;
	ASSERT_GE(p1 + SLACK, p0 + MB_PAGES(32));
	ASSERT_LE(p1, p0 + MB_PAGES(32) + 2 * SLACK) TH_LOG("p0 %lu p1 %lu",
		  (unsigned long)p0, (unsigned long)p1);
	ASSERT_LE(p1, RES(&fi, UBC_PHYSPAGES).maxheld);

	/* /proc/user_beancounters shows the same, computed when read. */
	{
		size_t len;
		int err = 0;
		char *text = read_all(PROC_UBC, 4096, &len, &err);
		struct proc_file pf;
		const struct proc_block *b;

		ASSERT_NE(NULL, text);
		proc_parse(text, &pf);
		b = proc_find(&pf, 20000);
		ASSERT_NE(NULL, b);
		ASSERT_NEAR(p1, b->rows[UBC_PHYSPAGES].held);
		ASSERT_LE(b->rows[UBC_PHYSPAGES].held + b->rows[UBC_SWAPPAGES].held,
			  b->rows[UBC_OOMGUARPAGES].held);
		ASSERT_GE(b->rows[UBC_PHYSPAGES].held + b->rows[UBC_SWAPPAGES].held +
			  PGT_SMALL, b->rows[UBC_OOMGUARPAGES].held);
		ASSERT_LE(p1, b->rows[UBC_PHYSPAGES].maxheld);
		proc_free(&pf);
		free(text);
	}

	ASSERT_EQ(0, member_cmd(&m, 'f', 0));
	/* back to the baseline, give or take pages the commands faulted in */
	p2 = phys(NL, 20000);
	ASSERT_GE(p2 + SLACK, p0);
	ASSERT_LE(p2, p0 + 2 * SLACK) TH_LOG("p0 %lu p2 %lu", (unsigned long)p0,
					     (unsigned long)p2);
	ASSERT_LE(p1, ubc_field(NL, 20000, UBC_PHYSPAGES, UBC_RES_A_MAXHELD));

	ASSERT_EQ(0, member_stop(&m));
	GET_FULL(NL, 20000, &fi);
	ASSERT_MEM_CONSISTENT(&fi);
	ASSERT_EQ(0, RES(&fi, UBC_PHYSPAGES).held);
	ASSERT_EQ(0, RES(&fi, UBC_OOMGUARPAGES).held);
	ASSERT_LE(p1, RES(&fi, UBC_PHYSPAGES).maxheld);
	ASSERT_LE(p1, RES(&fi, UBC_OOMGUARPAGES).maxheld);
	ASSERT_EQ(0, RES(&fi, UBC_OOMGUARPAGES).failcnt);
	ASSERT_EQ(0, fi.bursts) TH_LOG("no memory pressure, no warning");
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20000));
}

TEST_F(ubctest, host_memory_never_counted)
{
	struct member m, host;
	uint64_t p0, p1;

	IDS(20010, 1);
	setup_member(_metadata, NL, 20010, U, &m);
	p0 = phys(NL, 20010);
	ASSERT_EQ(0, member_start(&host));	/* not entered: a host task */
	ASSERT_EQ(0, member_cmd(&host, 'a', 48));
	p1 = phys(NL, 20010);
	ASSERT_NEAR(p0, p1);
	ASSERT_EQ(0, member_stop(&host));
	ASSERT_EQ(0, member_stop(&m));
	ASSERT_EQ(0, phys(NL, 20010));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20010));
}

TEST_F(ubctest, shared_mm_counts_once)
{
	uint64_t p1, p2;
	struct member m;
	int sharer;

	IDS(20020, 1);
	setup_member(_metadata, NL, 20020, U, &m);
	ASSERT_EQ(0, member_cmd(&m, 'a', 32));
	p1 = phys(NL, 20020);
	/* A second process in the compartment on the same mm. */
	sharer = member_cmd(&m, 'c', 0);
	ASSERT_LT(0, sharer);
	ASSERT_EQ(2, ubc_field(NL, 20020, UBC_NUMPROC, UBC_RES_A_HELD));
	p2 = phys(NL, 20020);
	ASSERT_NEAR(p1, p2);	/* not twice */
	ASSERT_EQ(0, kill(sharer, SIGKILL));
	ASSERT_EQ(0, member_stop(&m));
	kill_all_children();	/* the sharer, reparented to us */
	ASSERT_EQ(0, ubc_wait_field(NL, 20020, UBC_NUMPROC, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	ASSERT_EQ(0, phys(NL, 20020));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20020));
}

/*
 * Page tables count in oomguarpages, as in the kernel's OOM badness: a
 * member reading a byte every 2 MiB of an 8 GiB read-only private mapping
 * has 4096 more page-table pages and (the zero page) no more RSS.
 */
TEST_F(ubctest, oomguarpages_counts_page_tables)
{
	struct full_info f0, f1;
	int64_t extra0, extra1;
	struct member m;

	IDS(20050, 1);
	setup_member(_metadata, NL, 20050, U, &m);
	GET_FULL(NL, 20050, &f0);
	extra0 = RES(&f0, UBC_OOMGUARPAGES).held - RES(&f0, UBC_PHYSPAGES).held -
		 RES(&f0, UBC_SWAPPAGES).held;
	ASSERT_LT(0, extra0) TH_LOG("a live process has page tables");
	ASSERT_EQ(0, member_cmd(&m, 'z', 8));
	GET_FULL(NL, 20050, &f1);
	extra1 = RES(&f1, UBC_OOMGUARPAGES).held - RES(&f1, UBC_PHYSPAGES).held -
		 RES(&f1, UBC_SWAPPAGES).held;
	/* 4096 PTE pages, 8 PMD pages, maybe a PUD page */
	ASSERT_LE(extra0 + 4096, extra1) TH_LOG("page tables %lld -> %lld",
		  (long long)extra0, (long long)extra1);
	ASSERT_GE(extra0 + 4096 + 16, extra1);
	/* the zero page is no RSS: the command's own faults, far below 4096 */
	ASSERT_GE(RES(&f0, UBC_PHYSPAGES).held + 4 * SLACK,
		  RES(&f1, UBC_PHYSPAGES).held);
	ASSERT_LE(RES(&f1, UBC_OOMGUARPAGES).held,
		  RES(&f1, UBC_OOMGUARPAGES).maxheld);
	ASSERT_EQ(0, member_stop(&m));
	GET_FULL(NL, 20050, &f1);
	ASSERT_EQ(0, RES(&f1, UBC_OOMGUARPAGES).held);
	ASSERT_EQ(0, RES(&f1, UBC_OOMGUARPAGES).failcnt);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20050));
}

/* Both GET and dump replies carry the counter. */
TEST_F(ubctest, bursts_in_get_and_dump)
{
	struct full_info fi;
	struct ubc_info d;

	IDS(20030, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 20030));
	GET_FULL(NL, 20030, &fi);
	ASSERT_EQ(0, fi.bursts);
	ASSERT_EQ(0, RES(&fi, UBC_PHYSPAGES).held);
	ASSERT_EQ(1, ubc_dump_find(NL, 20030, &d));
	ASSERT_EQ(0, d.res[UBC_PHYSPAGES].held);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20030));
}

/*
 * Swap: a zram device of 64 MiB (the modules come with the lane's kernel,
 * see vm.sh; /lib/ubc-swap/order lists them in load order). Undone on
 * teardown; the modules stay loaded.
 */
#define SWAP_DEV "/dev/zram0"

static void swap_off(void)
{
	swapoff(SWAP_DEV);
	write_str("/sys/block/zram0/reset", "1");
}

/* 0 when swap is on; -ENOENT when this kernel has no zram (skip). */
static int swap_on(void)
{
	char name[64], cmd[256];
	FILE *f;

	if (access("/sys/block/zram0", F_OK)) {
		f = fopen("/lib/ubc-swap/order", "r");
		if (!f)
			return -ENOENT;
		while (fscanf(f, "%63s", name) == 1) {
			snprintf(cmd, sizeof(cmd),
				 "grep -q '^%s ' /proc/modules || insmod /lib/ubc-swap/%s.ko",
				 name, name);
			if (system(cmd)) {
				fclose(f);
				return -EIO;
			}
		}
		fclose(f);
	}
	if (write_str("/sys/block/zram0/disksize", "64M"))
		return -EIO;
	if (system("mkswap " SWAP_DEV " >/dev/null && swapon " SWAP_DEV))
		return -EIO;
	return 0;
}

/* kB of "VmSwap:" of @pid, in pages. */
static long vmswap_pages(pid_t pid)
{
	char path[64], key[64];
	long v = -1, kb;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fscanf(f, "%63s %ld", key, &kb) >= 1)
		if (!strcmp(key, "VmSwap:"))
			v = kb / 4;
		else
			fscanf(f, "%*[^\n]");
	if (f)
		fclose(f);
	return v;
}

/*
 * The kernel's mm counters are approximate where ubc (like the OOM killer's
 * badness) reads them: 6.1 batches up to 64 rss events per task in
 * current->rss_stat; 6.12 reads a percpu_counter without its per-CPU
 * parts (batch 64 with 2 CPUs), while VmSwap sums them. Pages.
 */
#define COUNTER_LAG	128

/*
 * swappages: a member's pages paged out (MADV_PAGEOUT, no memory pressure
 * needed) move from physpages to swappages, the mm's swap entries (VmSwap,
 * within the counters' lag); touched again they come back; at exit both
 * are 0.
 */
TEST_F(ubctest, swappages_follow_swap_entries)
{
	struct full_info fi;
	struct member m;
	uint64_t p1, sw;
	int err;

	err = swap_on();
	if (err == -ENOENT)
		SKIP(return, "no zram module for this kernel (see vm.sh)");
	self->undo = swap_off;
	ASSERT_EQ(0, err) TH_LOG("zram swap could not be set up");
	IDS(20040, 1);
	setup_member(_metadata, NL, 20040, U, &m);
	ASSERT_EQ(0, member_cmd(&m, 'a', 32));
	GET_FULL(NL, 20040, &fi);
	ASSERT_MEM_CONSISTENT(&fi);
	ASSERT_EQ(0, RES(&fi, UBC_SWAPPAGES).held);
	p1 = RES(&fi, UBC_PHYSPAGES).held;

	ASSERT_EQ(0, member_cmd(&m, 'o', 0));
	GET_FULL(NL, 20040, &fi);
	ASSERT_MEM_CONSISTENT(&fi);
	sw = RES(&fi, UBC_SWAPPAGES).held;
	ASSERT_GE(COUNTER_LAG, labs(vmswap_pages(m.pid) - (long)sw));
	ASSERT_LE(MB_PAGES(32) * 9 / 10, sw) TH_LOG("%lu of 8192 pages swapped",
						      (unsigned long)sw);
	ASSERT_GE(p1 - sw + SLACK, RES(&fi, UBC_PHYSPAGES).held);
	ASSERT_LE(sw, RES(&fi, UBC_SWAPPAGES).maxheld);
	ASSERT_EQ(0, RES(&fi, UBC_SWAPPAGES).failcnt);

	/* Swapped in again: the entries are gone, the pages resident. */
	ASSERT_EQ(0, member_cmd(&m, 't', 0));
	GET_FULL(NL, 20040, &fi);
	ASSERT_MEM_CONSISTENT(&fi);
	ASSERT_GE(COUNTER_LAG, labs(vmswap_pages(m.pid) -
				    (long)RES(&fi, UBC_SWAPPAGES).held));
	ASSERT_GE(COUNTER_LAG, RES(&fi, UBC_SWAPPAGES).held);
	ASSERT_LE(p1, RES(&fi, UBC_PHYSPAGES).held + SLACK);
	ASSERT_LE(sw, RES(&fi, UBC_SWAPPAGES).maxheld);

	/* out again, then exit: nothing is left */
	ASSERT_EQ(0, member_cmd(&m, 'o', 0));
	ASSERT_LT(0, ubc_field(NL, 20040, UBC_SWAPPAGES, UBC_RES_A_HELD));
	ASSERT_EQ(0, member_stop(&m));
	GET_FULL(NL, 20040, &fi);
	ASSERT_EQ(0, RES(&fi, UBC_SWAPPAGES).held);
	ASSERT_EQ(0, RES(&fi, UBC_PHYSPAGES).held);
	ASSERT_EQ(0, RES(&fi, UBC_OOMGUARPAGES).held);
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20040));
}

/* ---- under pressure: the small-memory VM only ---- */

#define NEED_SMALL_VM() do {						\
	long __kb = meminfo("MemTotal");				\
	if (__kb <= 0 || __kb / 1024 > SMALL_VM_MB)			\
		SKIP(return, "needs the small-memory VM (MemTotal %ld MiB); " \
		     "make check boots one for these tests", __kb / 1024); \
	set_oom_score_adj(-1000);	/* the test itself is never chosen */ \
} while (0)

static long avail_mb(void)
{
	return meminfo("MemAvailable") / 1024;
}

/*
 * Low free memory, no OOM: a host process allocates until every zone is at
 * its low watermark (kswapd wakes), then frees. The bursting compartment is
 * warned, the guaranteed one is not, and nobody is killed.
 */
TEST_F_TIMEOUT(ubctest, burst_warning_before_oom, 300)
{
	struct full_info a0, b0, fa, fb;
	static struct seen seen_b;
	struct seen *sb = &seen_b;
	uint64_t bursts = 0, last = 0;
	struct member a, b;
	struct ubc_nl l;
	pid_t hog;
	int i, st;

	NEED_SMALL_VM();
	IDS(20100, 2);
	setup_member(_metadata, NL, 20100, GUAR, &a);		/* guaranteed */
	setup_member(_metadata, NL, 20101, 256, &b);		/* 1 MiB */
	ASSERT_EQ(0, member_cmd(&a, 'a', 8));
	ASSERT_EQ(0, member_cmd(&b, 'a', 8));
	GET_FULL(NL, 20100, &a0);
	GET_FULL(NL, 20101, &b0);
	ASSERT_LT(RES(&b0, UBC_OOMGUARPAGES).barrier,
		  RES(&b0, UBC_OOMGUARPAGES).held) TH_LOG("b is in burst");

	/*
	 * A wide gap between the min and low watermarks (10% of memory
	 * instead of min/4, some 570 KiB in this VM), so that crossing the low one
	 * can never reach the min one and direct reclaim: /proc/zoneinfo's
	 * free count is not exactly what the watermark check uses (6.12
	 * leaves the highatomic reserve out of it), and one such error in
	 * the hog below once ended in an OOM kill instead of a warning.
	 */
	SYSCTL_SET("/proc/sys/vm/watermark_scale_factor", "1000");
	ASSERT_EQ(0, listen_open(&l));

	hog = fork();
	ASSERT_LE(0, hog);
	if (!hog) {
		long head = headroom_pages(), ev = reclaim_events(), done;

		set_oom_score_adj(1000);	/* if anything, us */
		fprintf(stderr, "# hog: headroom %ld pages\n", head);
		/*
		 * To 2 MiB above the low watermarks at once, then 64 KiB
		 * steps until every zone is at its low watermark or reclaim
		 * started; never deeper (direct reclaim, OOM).
		 */
		if (head > 512 && touch_mb((head - 512) / 256, 1))
			_exit(2);
		for (done = 0; done < 16 * 256; done += 16) {
			char *p;

			if (headroom_pages() <= 0 || reclaim_events() != ev)
				break;
			p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				_exit(2);
			for (int j = 0; j < 65536; j += 4096)
				p[j] = 1;
		}
		/* 1 MiB more: below the low watermark in every zone */
		touch_mb(1, 1);
		fprintf(stderr, "# hog: %ld KiB more, headroom %ld\n", done * 4, headroom_pages());
		msleep(500);	/* hold: let the warning be counted */
		_exit(0);
	}
	ASSERT_EQ(0, reap(hog));

	for (i = 0; i < 300; i++) {
		GET_FULL(NL, 20101, &fb);
		if (fb.bursts > b0.bursts)
			break;
		msleep(10);
	}
	ASSERT_LT(b0.bursts, fb.bursts) TH_LOG("the bursting compartment was not warned");
	GET_FULL(NL, 20100, &fa);
	ASSERT_EQ(a0.bursts, fa.bursts) TH_LOG("a compartment within its guarantee was warned");

	/* burst-ntf for B, counting what GET counts; none for A */
	sb->id = 20101;
	collect(&l, sb, 1500);
	for (i = 0; i < (int)sb->n && i < 64; i++)
		if (sb->ev[i].cmd == UBC_CMD_BURST_NTF) {
			bursts += 1 + sb->ev[i].coalesced;
			last = sb->ev[i].bursts;
		}
	ubc_nl_close(&l);
	EXPECT_EQ(fb.bursts - b0.bursts, bursts);
	EXPECT_EQ(fb.bursts, last);
	/* Warned before the OOM killer acted: nobody was killed. */
	ASSERT_EQ(0, RES(&fa, UBC_OOMGUARPAGES).failcnt);
	ASSERT_EQ(0, RES(&fb, UBC_OOMGUARPAGES).failcnt);
	ASSERT_EQ(0, waitpid(a.pid, &st, WNOHANG));
	ASSERT_EQ(0, waitpid(b.pid, &st, WNOHANG));
	ASSERT_EQ(0, member_stop(&a));
	ASSERT_EQ(0, member_stop(&b));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20100));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20101));
}

/*
 * One round: A within its guarantee holds 60% of the available memory, more
 * than B will ever reach; B, past its guarantee, grows until memory runs
 * out. The kernel alone would kill A, the largest; ubc kills B.
 */
static void guarantee_round(struct __test_metadata *_metadata,
			    struct ubc_nl *h, uint32_t ida, uint32_t idb)
{
	struct full_info fa, fb;
	struct member a, b;
	long avail = avail_mb(), amb = avail * 6 / 10;
	int st;

	ASSERT_LT(64, avail);
	setup_member(_metadata, h, ida, MB_PAGES(amb + 16), &a);
	setup_member(_metadata, h, idb, 256, &b);
	ASSERT_EQ(0, member_cmd(&a, 'a', amb));
	/* B asks for all that is left: only an OOM kill can stop it. */
	ASSERT_EQ(-1, member_cmd(&b, 'g', avail)) TH_LOG("B was not killed");
	ASSERT_EQ(128 + SIGKILL, member_stop(&b));
	ASSERT_EQ(0, waitpid(a.pid, &st, WNOHANG)) TH_LOG("A was killed");
	ASSERT_EQ(0, member_cmd(&a, 'p', 0));

	GET_FULL(h, ida, &fa);
	GET_FULL(h, idb, &fb);
	ASSERT_EQ(1, RES(&fb, UBC_OOMGUARPAGES).failcnt);
	ASSERT_EQ(0, RES(&fa, UBC_OOMGUARPAGES).failcnt);
	ASSERT_LE(1, fb.bursts) TH_LOG("the OOM found B in burst");
	ASSERT_EQ(0, fa.bursts);
	/* B never got as large as A: the order came from the guarantee. */
	ASSERT_LT(RES(&fb, UBC_PHYSPAGES).maxheld, RES(&fa, UBC_PHYSPAGES).held);
	ASSERT_GE(RES(&fa, UBC_OOMGUARPAGES).barrier, RES(&fa, UBC_OOMGUARPAGES).held);
	ASSERT_EQ(0, RES(&fb, UBC_PHYSPAGES).held) TH_LOG("B's memory is back");

	ASSERT_EQ(0, member_stop(&a));
	ASSERT_EQ(0, phys(h, ida));
	ASSERT_NL(h, 0, ubc_destroy(h, ida));
	ASSERT_NL(h, 0, ubc_destroy(h, idb));
}

TEST_F_TIMEOUT(ubctest, oom_spares_guarantee_5_times, 900)
{
	int round;

	NEED_SMALL_VM();
	IDS(20200, 10);
	for (round = 0; round < 5; round++) {
		TH_LOG("round %d, %ld MiB available", round, avail_mb());
		guarantee_round(_metadata, NL, 20200 + 2 * round,
				20201 + 2 * round);
	}
}

/* Two compartments past their guarantee: the larger overdraft goes first. */
TEST_F_TIMEOUT(ubctest, oom_largest_overdraft_first, 300)
{
	struct full_info f1, f2;
	struct member b1, b2;
	long avail = avail_mb();
	static struct seen s;
	unsigned int i, ooms = 0;
	struct ubc_nl l;
	pid_t victim;
	int st;

	NEED_SMALL_VM();
	IDS(20300, 2);
	ASSERT_LT(64, avail);
	/* B1: 40% held, overdraft ~40%; B2: barrier 30%, grows to ~60%. */
	setup_member(_metadata, NL, 20300, 256, &b1);
	setup_member(_metadata, NL, 20301, MB_PAGES(avail * 3 / 10), &b2);
	ASSERT_EQ(0, listen_open(&l));
	ASSERT_EQ(0, member_cmd(&b1, 'a', avail * 4 / 10));
	ASSERT_EQ(0, member_cmd(&b2, 'g', avail * 7 / 10))
		TH_LOG("B2 (larger, smaller overdraft) was killed");
	victim = b1.pid;
	ASSERT_EQ(128 + SIGKILL, member_stop(&b1));
	ASSERT_EQ(0, waitpid(b2.pid, &st, WNOHANG));
	GET_FULL(NL, 20300, &f1);
	GET_FULL(NL, 20301, &f2);
	ASSERT_EQ(1, RES(&f1, UBC_OOMGUARPAGES).failcnt);
	ASSERT_EQ(0, RES(&f2, UBC_OOMGUARPAGES).failcnt);

	/* the kill's oom-ntf names the victim, the guarantee and failcnt 1 */
	s.id = 20300;
	collect(&l, &s, 1500);
	ubc_nl_close(&l);
	for (i = 0; i < s.n && i < 64; i++) {
		if (s.ev[i].cmd != UBC_CMD_OOM_NTF)
			continue;
		ooms++;
		EXPECT_EQ((uint32_t)victim, s.ev[i].pid);
		EXPECT_EQ(256, s.ev[i].guarantee);
		EXPECT_EQ(1, s.ev[i].failcnt);
		EXPECT_LT(0, s.ev[i].overdraft);
		EXPECT_EQ(0, s.ev[i].coalesced);
		TH_LOG("oom-ntf: victim %u (%s), held %llu, overdraft %llu, lost %llu",
		       s.ev[i].pid, s.ev[i].comm, (unsigned long long)s.ev[i].held,
		       (unsigned long long)s.ev[i].overdraft,
		       (unsigned long long)s.ev[i].lost);
	}
	EXPECT_EQ(1, ooms);
	ASSERT_EQ(0, member_stop(&b2));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20300));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 20301));
}

/* Host tasks alone run out of memory: the host's hog is killed, as before. */
TEST_F_TIMEOUT(ubctest, host_oom_unchanged, 300)
{
	struct member a, hog;
	struct full_info fa;
	int st, pass;

	NEED_SMALL_VM();
	IDS(20400, 1);
	for (pass = 0; pass < 2; pass++) {
		/* pass 0: an idle compartment within its guarantee exists */
		if (!pass) {
			setup_member(_metadata, NL, 20400, GUAR, &a);
			ASSERT_EQ(0, member_cmd(&a, 'a', 8));
		}
		ASSERT_EQ(0, member_start(&hog));
		ASSERT_EQ(-1, member_cmd(&hog, 'g', avail_mb() + 64));
		ASSERT_EQ(128 + SIGKILL, member_stop(&hog));
		if (!pass) {
			ASSERT_EQ(0, waitpid(a.pid, &st, WNOHANG));
			GET_FULL(NL, 20400, &fa);
			ASSERT_EQ(0, RES(&fa, UBC_OOMGUARPAGES).failcnt);
			ASSERT_EQ(0, member_stop(&a));
			ASSERT_NL(NL, 0, ubc_destroy(NL, 20400));
		}
	}
}

/*
 * A compartment without a guarantee (created with defaults; then with an
 * unlimited oomguarpages barrier, which is none either) runs the machine
 * out of memory while an idle host process holds 40 MiB: the OOM killer
 * takes the compartment's hog, never the host process.
 */
TEST_F_TIMEOUT(ubctest, oom_no_guarantee_before_host, 600)
{
	struct member hog, host;
	struct full_info fi;
	int st, pass;

	NEED_SMALL_VM();
	IDS(20500, 2);
	ASSERT_EQ(0, member_start(&host));	/* not entered: a host task */
	ASSERT_EQ(0, member_cmd(&host, 'a', 40));
	for (pass = 0; pass < 2; pass++) {
		uint32_t id = 20500 + pass;

		if (!pass) {
			ASSERT_NL(NL, 0, ubc_create(NL, id));
		} else {
			const struct ubc_lim l = { UBC_OOMGUARPAGES, U, U };

			ASSERT_NL(NL, 0, ubc_create_lims(NL, id, &l, 1));
		}
		ASSERT_EQ(0, member_start(&hog));
		ASSERT_NL(NL, 0, ubc_enter(NL, id, hog.pid));
		ASSERT_EQ(-1, member_cmd(&hog, 'g', avail_mb() + 64))
			TH_LOG("pass %d: the hog was not killed", pass);
		ASSERT_EQ(128 + SIGKILL, member_stop(&hog));
		ASSERT_EQ(0, waitpid(host.pid, &st, WNOHANG))
			TH_LOG("pass %d: the idle host process was killed", pass);
		ASSERT_EQ(0, member_cmd(&host, 'p', 0));
		GET_FULL(NL, id, &fi);
		ASSERT_EQ(pass ? U : 0, RES(&fi, UBC_OOMGUARPAGES).barrier);
		ASSERT_EQ(1, RES(&fi, UBC_OOMGUARPAGES).failcnt);
		ASSERT_EQ(0, RES(&fi, UBC_PHYSPAGES).held);
		ASSERT_NL(NL, 0, ubc_destroy(NL, id));
	}
	ASSERT_EQ(0, member_stop(&host));
}

TEST_HARNESS_MAIN
