/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the ubc selftests: the fixture (a netlink handle, a reserved
 * range of compartment ids that is destroyed on teardown, every child killed
 * and reaped), error assertions that also demand an extack message, process
 * helpers (pipes, privilege dropping) and a /proc/user_beancounters parser.
 *
 * Include after kselftest_harness.h. Each ASSERT_*() and EXPECT_*() of the
 * harness is two statements (the check, then its TH_LOG/bail handler):
 * brace a loop body that holds one, or the handler runs after the loop.
 */
#ifndef _UBC_TEST_H
#define _UBC_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "ubc_nl.h"

#define PROC_UBC	"/proc/user_beancounters"
#define DRAIN_MS	3000	/* RCU-deferred uncharges: poll this long */

/* ---- time ---- */

/*
 * The debug lane's kernel (KASAN, lockdep, kmemleak; release "*-ubcdebug")
 * runs forks and allocations many times slower under TCG: churn tests
 * scale their rounds by this, keeping thousands on the stock kernels.
 */
static inline int debug_kernel(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.release, "ubcdebug") != NULL;
}

static inline void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- children ---- */

/*
 * /proc/@pid/stat of a numeric @pid, read into @buf: the fields after the
 * command name (state, ppid, ...), or NULL if @pid is not a pid or is gone.
 */
static inline const char *proc_stat_fields(const char *pid, char *buf,
					   size_t size)
{
	char path[300], *rp;
	int fd, n;

	if (pid[0] < '0' || pid[0] > '9')
		return NULL;
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return rp ? rp + 1 : NULL;
}

/* Kills and reaps every child (the fixture makes us a subreaper). */
static inline void kill_all_children(void)
{
	pid_t me = getpid();
	int round;

	for (round = 0; round < 300; round++) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		int st;
		pid_t p;

		while (d && (de = readdir(d))) {
			char buf[512];
			const char *rest = proc_stat_fields(de->d_name, buf,
							    sizeof(buf));
			long ppid;

			if (!rest || sscanf(rest, " %*c %ld", &ppid) != 1)
				continue;
			if (ppid == me)
				kill(atoi(de->d_name), SIGKILL);
		}
		if (d)
			closedir(d);
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			return;
		msleep(10);
	}
}

/* Exit code of @pid (128 + signal if killed), -1 on error. */
static inline int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* Anonymous memory shared with forked children (results). */
static inline void *shared_mem(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * A pair of pipes between the test and one child: the child posts progress
 * bytes on up, the test answers on down. A child that reads EOF on down (the
 * test died) exits.
 */
struct chan {
	int up[2];
	int down[2];
};

static inline int chan_init(struct chan *c)
{
	if (pipe2(c->up, O_CLOEXEC))
		return -1;
	if (pipe2(c->down, O_CLOEXEC)) {
		close(c->up[0]);
		close(c->up[1]);
		return -1;
	}
	return 0;
}

/* In the child after fork. */
static inline void chan_child(struct chan *c)
{
	close(c->up[0]);
	close(c->down[1]);
}

/* In the parent after fork. */
static inline void chan_parent(struct chan *c)
{
	close(c->up[1]);
	close(c->down[0]);
}

static inline void chan_put(int fd, char v)
{
	while (write(fd, &v, 1) < 0 && errno == EINTR)
		;
}

/* Next byte from @fd within @ms, or -1 (timeout, EOF). */
static inline int chan_get(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char v;
	int n;

	do {
		n = poll(&p, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	if (read(fd, &v, 1) != 1)
		return -1;
	return (unsigned char)v;
}

/* Child side: waits for the test's go; exits if the test went away. */
static inline void chan_wait_go(struct chan *c)
{
	if (chan_get(c->down[0], -1) < 0)
		_exit(99);
}

/* Blocks until EOF on @fd (a "release" pipe whose writer closes it). */
static inline void wait_eof(int fd)
{
	char b;

	for (;;) {
		ssize_t n = read(fd, &b, 1);

		if (n == 0 || (n < 0 && errno != EINTR))
			return;
	}
}

/* ---- privileges ---- */

static inline int cap_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};

	return syscall(SYS_capget, &h, d);
}

/* 1 if @cap is in the effective set, 0 if not, -1 on error. */
static inline int cap_effective(int cap)
{
	struct __user_cap_data_struct d[2];

	if (cap_get(d))
		return -1;
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

/* 1 if no capability at all is permitted or effective. */
static inline int caps_all_clear(void)
{
	struct __user_cap_data_struct d[2];

	if (cap_get(d))
		return 0;
	return !(d[0].effective | d[1].effective |
		 d[0].permitted | d[1].permitted);
}

/* Becomes nobody/nogroup with no capabilities. 0 or -errno. */
static inline int drop_to_nobody(void)
{
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -errno;
	if (!caps_all_clear() || cap_effective(CAP_SYS_ADMIN) != 0)
		return -EPERM;
	return 0;
}

/* Stays root but loses @cap (effective, permitted, inheritable, bset). */
static inline int drop_one_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1u << (cap % 32);

	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
		return -errno;
	if (cap_get(d))
		return -errno;
	d[cap / 32].effective &= ~bit;
	d[cap / 32].permitted &= ~bit;
	d[cap / 32].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (cap_effective(cap) != 0)
		return -EPERM;
	return 0;
}

/* ---- /proc/user_beancounters, /proc/bc ---- */

/*
 * OpenVZ 2.6.32's formats (042stab kernel/bc/proc.c: head_fmt, res_fmt,
 * with "%u:" in the uid column of a block's first row). Layouts:
 * PROC_UB    /proc/user_beancounters: two header lines, then per block the
 *            slots 0..23, dummies included, swappages (24) not;
 * PROC_BC    /proc/bc/resources: no header, per block the real slots,
 *            swappages last, "ID:" on each block's first row;
 * PROC_BC_ONE /proc/bc/ID/resources: one block, the same rows, no id.
 */
#define PROC_V_HEAD	"Version: 2.5\n"
#define PROC_HDR_FMT	"%10s  %-12s %20s %20s %20s %20s %20s\n"
#define PROC_ROW_FMT	"%10s  %-12s %20lu %20lu %20lu %20lu %20lu\n"
#define PROC_UB_ROWS	24
#define PROC_BC_ROWS	21	/* UBC_RESOURCES without the 4 dummies */
#define PROC_BC_RES	"/proc/bc/resources"
#define PROC_VEINFO	"/proc/vz/veinfo"
#define PROC_VEINFO_FMT	"%10u %5u %5u\n"

enum proc_layout { PROC_UB, PROC_BC, PROC_BC_ONE };

struct proc_row {
	char name[16];
	uint64_t held, maxheld, barrier, limit, failcnt;
	char line[256];
};

/* rows[] is indexed by slot; a slot the layout does not print is zero. */
struct proc_block {
	uint32_t id;
	unsigned int nrows;
	struct proc_row rows[UBC_RESOURCES];
};

struct proc_file {
	int bad;
	char why[256];
	unsigned int nblocks;
	struct proc_block *blocks;	/* malloc'ed */
};

static inline void proc_header_line(char *buf, size_t size)
{
	snprintf(buf, size, PROC_HDR_FMT, "uid", "resource", "held",
		 "maxheld", "barrier", "limit", "failcnt");
}

static inline void proc_row_line(char *buf, size_t size, uint32_t id,
				 int first, const char *name, uint64_t held,
				 uint64_t maxheld, uint64_t barrier,
				 uint64_t limit, uint64_t failcnt)
{
	char idstr[16] = "";

	if (first)
		snprintf(idstr, sizeof(idstr), "%u:", id);
	snprintf(buf, size, PROC_ROW_FMT, idstr, name,
		 (unsigned long)held, (unsigned long)maxheld,
		 (unsigned long)barrier, (unsigned long)limit,
		 (unsigned long)failcnt);
}

/* The slot of the @k-th row of a block in @layout, or -1 past the end. */
static inline int proc_layout_slot(enum proc_layout layout, unsigned int k)
{
	unsigned int r, n = 0;

	if (layout == PROC_UB)
		return k < PROC_UB_ROWS ? (int)k : -1;
	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_resource_valid(r) && n++ == k)
			return (int)r;
	return -1;
}

static inline unsigned int proc_layout_rows(enum proc_layout layout)
{
	return layout == PROC_UB ? PROC_UB_ROWS : PROC_BC_ROWS;
}

/* Whether slot @r is printed in @layout. */
static inline int proc_layout_has(enum proc_layout layout, unsigned int r)
{
	return layout == PROC_UB ? r < PROC_UB_ROWS : ubc_resource_valid(r);
}

/* Reads the whole file with reads of at most @chunk bytes. */
static inline char *read_all(const char *path, size_t chunk, size_t *lenp,
			     int *errp)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*errp = 0;
	if (fd < 0 || !buf) {
		*errp = fd < 0 ? errno : ENOMEM;
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < chunk) {
			char *nb;

			cap = cap * 2 + chunk;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				*errp = ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*errp = errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	if (*errp) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static inline void proc_bad(struct proc_file *pf, const char *why,
			    const char *line)
{
	if (!pf->bad)
		snprintf(pf->why, sizeof(pf->why), "%s: '%.160s'", why, line);
	pf->bad = 1;
}

/*
 * Parses @text strictly in @layout: for PROC_UB the two header lines
 * byte-exact; then blocks of rows; each row must re-render byte-exact with
 * PROC_ROW_FMT from the values parsed out of it; ids must ascend, 0 (the
 * host) only first; every block must have the layout's rows, named like
 * the slots in order. PROC_BC_ONE: one block without id, given @one_id.
 */
static inline void proc_parse_layout(const char *text, struct proc_file *pf,
				     enum proc_layout layout, uint32_t one_id)
{
	const unsigned int want_rows = proc_layout_rows(layout);
	const unsigned int skip = layout == PROC_UB ? 2 : 0;
	const char *p = text;
	char hdr[256], line[256];
	unsigned int lineno = 0, cap = 0;
	struct proc_block *cur = NULL;

	memset(pf, 0, sizeof(*pf));
	proc_header_line(hdr, sizeof(hdr));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (n >= sizeof(line)) {
			proc_bad(pf, "line too long", p);
			return;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		lineno++;
		if (!nl) {
			proc_bad(pf, "last line lacks newline", line);
			return;
		}
		if (lineno == 1 && skip) {
			if (strcmp(line, PROC_V_HEAD))
				proc_bad(pf, "bad version line", line);
			continue;
		}
		if (lineno == 2 && skip) {
			if (strcmp(line, hdr))
				proc_bad(pf, "bad header line", line);
			continue;
		}
		{
			struct proc_row r;
			char render[256], *end;
			unsigned long v[5];
			int first, used = 0, slot;
			unsigned long id = 0;

			memset(&r, 0, sizeof(r));
			if (n < 13) {
				proc_bad(pf, "short row", line);
				return;
			}
			{
				const char *s = line;

				while (*s == ' ')
					s++;
				first = *s >= '0' && *s <= '9';
				if (first) {
					errno = 0;
					id = strtoul(s, &end, 10);
					if (*end != ':' || errno ||
					    id > UINT32_MAX) {
						proc_bad(pf, "bad id", line);
						return;
					}
					s = end + 1;
				}
				if (sscanf(s, "%15s %lu %lu %lu %lu %lu%n",
					   r.name, &v[0], &v[1], &v[2], &v[3],
					   &v[4], &used) != 6) {
					proc_bad(pf, "unparsable row", line);
					return;
				}
			}
			if (layout == PROC_BC_ONE) {
				if (first) {
					proc_bad(pf, "id in a one-id file", line);
					return;
				}
				first = !cur;
				id = one_id;
			}
			r.held = v[0];
			r.maxheld = v[1];
			r.barrier = v[2];
			r.limit = v[3];
			r.failcnt = v[4];
			proc_row_line(render, sizeof(render), (uint32_t)id,
				      first && layout != PROC_BC_ONE, r.name,
				      r.held, r.maxheld, r.barrier, r.limit,
				      r.failcnt);
			if (strcmp(render, line)) {
				proc_bad(pf, "row not in OpenVZ's format", line);
				return;
			}
			snprintf(r.line, sizeof(r.line), "%s", line);
			if (first) {
				if (cur && cur->nrows != want_rows) {
					proc_bad(pf, "block with wrong row count",
						 line);
					return;
				}
				if (id == 0 && cur) {
					proc_bad(pf, "host (id 0) not first", line);
					return;
				}
				if (cur && id <= cur->id) {
					proc_bad(pf, "ids not ascending", line);
					return;
				}
				if (pf->nblocks == cap) {
					struct proc_block *nb;

					cap = cap ? cap * 2 : 16;
					nb = realloc(pf->blocks,
						     cap * sizeof(*nb));
					if (!nb) {
						proc_bad(pf, "no memory", line);
						return;
					}
					pf->blocks = nb;
				}
				cur = &pf->blocks[pf->nblocks++];
				memset(cur, 0, sizeof(*cur));
				cur->id = (uint32_t)id;
			} else if (!cur) {
				proc_bad(pf, "row before first id", line);
				return;
			}
			slot = proc_layout_slot(layout, cur->nrows);
			if (slot < 0) {
				proc_bad(pf, "too many rows in block", line);
				return;
			}
			if (strcmp(r.name, ubc_resource_name(slot))) {
				proc_bad(pf, "row name not the slot's", line);
				return;
			}
			cur->rows[slot] = r;
			cur->nrows++;
		}
	}
	if (lineno < skip)
		proc_bad(pf, "no header", text);
	if (cur && cur->nrows != want_rows)
		proc_bad(pf, "last block with wrong row count", "");
}

static inline void proc_parse(const char *text, struct proc_file *pf)
{
	proc_parse_layout(text, pf, PROC_UB, 0);
}

static inline void proc_free(struct proc_file *pf)
{
	free(pf->blocks);
	pf->blocks = NULL;
}

static inline const struct proc_block *proc_find(const struct proc_file *pf,
						 uint32_t id)
{
	unsigned int i;

	for (i = 0; i < pf->nblocks; i++)
		if (pf->blocks[i].id == id)
			return &pf->blocks[i];
	return NULL;
}

/* ---- assertions ---- */

/*
 * Asserts that @expr (a ubc_* call on handle @h) returned @want (0 or a
 * negative errno); for an error also that the reply carried a non-empty
 * extack message.
 */
#define ASSERT_NL(h, want, expr) do {					\
	int __want = (want);						\
	int __got = (expr);						\
	ASSERT_EQ(__want, __got)					\
		TH_LOG("%s: want %d (%s) got %d (%s), extack '%s'",	\
		       #expr, __want, strerror(-__want), __got,		\
		       strerror(-__got), (h)->msg);			\
	if (__want) {							\
		ASSERT_TRUE((h)->has_msg && (h)->msg[0])		\
			TH_LOG("%s: error %d without extack message",	\
			       #expr, __got);				\
	}								\
} while (0)

#define EXPECT_NL(h, want, expr) do {					\
	int __want = (want);						\
	int __got = (expr);						\
	EXPECT_EQ(__want, __got)					\
		TH_LOG("%s: want %d (%s) got %d (%s), extack '%s'",	\
		       #expr, __want, strerror(-__want), __got,		\
		       strerror(-__got), (h)->msg);			\
	if (__want && __want == __got) {				\
		EXPECT_TRUE((h)->has_msg && (h)->msg[0])		\
			TH_LOG("%s: error %d without extack message",	\
			       #expr, __got);				\
	}								\
} while (0)

/* Asserts a GET of @id succeeds with a well-formed reply into @info. */
#define ASSERT_GET(h, _id, info) do {					\
	uint32_t __id = (_id);						\
	ASSERT_NL(h, 0, ubc_get(h, __id, info));			\
	ASSERT_FALSE((info)->bad) TH_LOG("GET %u: %s", __id,		\
					 (info)->why);			\
	ASSERT_EQ(__id, (info)->id);					\
} while (0)

/* numproc of @id is exactly held/maxheld/failcnt now. */
#define ASSERT_NUMPROC(h, _id, _held, _maxheld, _failcnt) do {		\
	struct ubc_info __i;						\
	ASSERT_GET(h, _id, &__i);					\
	ASSERT_EQ((uint64_t)(_held), __i.res[UBC_NUMPROC].held)		\
		TH_LOG("numproc held of %u", (unsigned)(_id));		\
	ASSERT_EQ((uint64_t)(_maxheld), __i.res[UBC_NUMPROC].maxheld)	\
		TH_LOG("numproc maxheld of %u", (unsigned)(_id));	\
	ASSERT_EQ((uint64_t)(_failcnt), __i.res[UBC_NUMPROC].failcnt)	\
		TH_LOG("numproc failcnt of %u", (unsigned)(_id));	\
} while (0)

/* numproc held of @id reaches @want within DRAIN_MS (RCU uncharge). */
#define WAIT_HELD(h, _id, _want)					\
	ASSERT_EQ((uint64_t)(_want),					\
		  ubc_wait_field(h, _id, UBC_NUMPROC, UBC_RES_A_HELD,	\
				 _want, DRAIN_MS))			\
		TH_LOG("numproc held of %u did not drain to %u",	\
		       (unsigned)(_id), (unsigned)(_want))

/* ---- the fixture ---- */

FIXTURE(ubctest) {
	struct ubc_nl nl;
	uint32_t base;		/* ids [base, base + n) belong to this test */
	uint32_t n;
	const char *sysctl;	/* restored to sysctl_old on teardown */
	char sysctl_old[64];
	void (*undo)(void);	/* run on teardown, if set */
};

/* Reads the first line of @path into @buf (newline cut); 0 or -errno. */
static inline int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return ret;
}

static inline int write_str(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * memcg kmem accounting online, as on any host with a non-root memory
 * cgroup (systemd): on 6.12 ubc refuses through memcg's charge functions,
 * which run only then. The VM has no cgroup of its own: make one (it
 * stays; the tasks stay in the root cgroup, which memcg never charges).
 */
static inline void memcg_kmem_online(void)
{
	const char *root = "/sys/fs/cgroup";
	char path[128];

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	if (access(path, F_OK))
		mount("none", root, "cgroup2", 0, NULL);
	write_str(path, "+memory");
	snprintf(path, sizeof(path), "%s/ubc-kmem-online", root);
	mkdir(path, 0755);
}


/*
 * Sets one sysctl (a /proc/sys path) for this test; teardown puts the old
 * value back, whether the test passed or not. One per test.
 */
#define SYSCTL_SET(_path, _val) do {					\
	ASSERT_EQ(NULL, self->sysctl);					\
	ASSERT_EQ(0, read_line((_path), self->sysctl_old,		\
			       sizeof(self->sysctl_old)));		\
	self->sysctl = (_path);						\
	ASSERT_EQ(0, write_str((_path), (_val))) TH_LOG("%s", (_path));	\
} while (0)

FIXTURE_SETUP(ubctest)
{
	int ret;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ret = ubc_nl_open(&self->nl, 0);
	ASSERT_EQ(0, ret) TH_LOG("generic netlink family '%s' not usable: %s",
				 UBC_GENL_NAME, strerror(-ret));
}

/* Destroys whatever is left in [base, base + n); best effort. */
static inline void ubc_clean_range(struct ubc_nl *h, uint32_t base,
				   uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		ubc_destroy_wait(h, base + i, DRAIN_MS);
	ubc_wait_range_gone(h, base, n, DRAIN_MS);
}

/*
 * After a successful DEL of @id: polls until it is gone. While it lingers
 * it must be marked dying, in GET and dump alike. Then the id is free.
 */
#define ASSERT_DRAINS(h, _id) do {					\
	uint32_t __id = (_id);						\
	struct ubc_info __g, __d;					\
	int __i, __get, __before, __after = 1, __msg = 0;		\
	for (__i = 0; __i <= DRAIN_MS / 10; __i++) {			\
		__before = ubc_dump_find(h, __id, &__d);		\
		ASSERT_LE(0, __before);					\
		if (__before) {						\
			ASSERT_TRUE(__d.flags & UBC_F_DYING)		\
				TH_LOG("%u in dump after DEL, not dying", \
				       __id);				\
		}							\
		__get = ubc_get(h, __id, &__g);				\
		__msg = (h)->has_msg && (h)->msg[0];			\
		if (__get == 0) {					\
			ASSERT_TRUE(__g.flags & UBC_F_DYING)		\
				TH_LOG("%u in GET after DEL, not dying", \
				       __id);				\
		} else {						\
			ASSERT_EQ(-ENOENT, __get);			\
		}							\
		__after = ubc_dump_find(h, __id, NULL);			\
		ASSERT_LE(0, __after);					\
		if (__get == -ENOENT && !__after)			\
			break;						\
		EXPECT_FALSE(__get == -ENOENT && __before && __after)	\
			TH_LOG("%u: dying, listed by dump, but GET "	\
			       "says ENOENT", __id);			\
		msleep(10);						\
	}								\
	ASSERT_EQ(0, __after) TH_LOG("%u did not drain", __id);		\
	ASSERT_TRUE(__msg) TH_LOG("ENOENT without extack message");	\
} while (0)

FIXTURE_TEARDOWN(ubctest)
{
	kill_all_children();
	if (self->undo)
		self->undo();
	if (self->sysctl && write_str(self->sysctl, self->sysctl_old))
		TH_LOG("could not restore %s to %s", self->sysctl,
		       self->sysctl_old);
	if (self->n)
		ubc_clean_range(&self->nl, self->base, self->n);
	ubc_nl_close(&self->nl);
}

/*
 * Claims ids [base, base + n) for this test: anything left there by an
 * earlier, aborted run is destroyed first; teardown destroys them again.
 */
#define IDS(_base, _n) do {						\
	self->base = (_base);						\
	self->n = (_n);							\
	ubc_clean_range(&self->nl, self->base, self->n);		\
} while (0)

/* A field of /proc/meminfo in KiB, or -1. */
static inline long meminfo(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

#endif /* _UBC_TEST_H */
