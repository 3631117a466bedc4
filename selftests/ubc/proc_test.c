// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/user_beancounters: mode, OpenVZ 2.6.32's layout byte for byte
 * (formats rebuilt here from 042stab's printf formats), the host's block
 * first, agreement with netlink GET and dump, consistent output for any
 * read size, and visibility (unprivileged callers and root without
 * CAP_SYS_ADMIN: no; callers inside a compartment: their own only).
 *
 * Compartment ids: 14000..14999.
 */
#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_worker.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)

/* Reads and strictly parses the file; asserts it is well formed. */
#define READ_PROC(text, pf) do {					\
	size_t __len;							\
	int __err;							\
	text = read_all(PROC_UBC, 1 << 20, &__len, &__err);		\
	ASSERT_NE(NULL, text) TH_LOG("read %s: %s", PROC_UBC,		\
				     strerror(__err));			\
	proc_parse(text, pf);						\
	ASSERT_FALSE((pf)->bad) TH_LOG("%s", (pf)->why);		\
} while (0)

/*
 * The block of @id equals a GET of @id, value for value, except that the
 * reader's own open /proc file adds @open_files to numfile.held while the
 * block is read (the reader is inside the compartment: the file is charged),
 * and its read buffer raises privvmpages while the block is made; kmemsize
 * and dcachesize move on their own, and physpages, swappages and
 * oomguarpages are measured at each read.
 */
static void check_layout_vs_get_open(struct __test_metadata *_metadata,
				     struct ubc_nl *h, const struct proc_block *b,
				     enum proc_layout layout,
				     long long open_files)
{
	struct ubc_info info;
	unsigned int r;

	ASSERT_EQ(proc_layout_rows(layout), b->nrows);
	ASSERT_GET(h, b->id, &info);
	for (r = 0; r < UBC_RESOURCES; r++) {
		const struct proc_row *row = &b->rows[r];
		const struct ubc_res *res = &info.res[r];

		if (!proc_layout_has(layout, r))
			continue;
		ASSERT_STREQ(ubc_resource_name(r), row->name);
		if (!ubc_resource_valid(r)) {
			/* OpenVZ's ub_show_dummy(): 0 0 unlimited unlimited 0 */
			ASSERT_EQ(0, row->held + row->maxheld + row->failcnt)
				TH_LOG("dummy row %u of %u", r, b->id);
			ASSERT_EQ(U, row->barrier);
			ASSERT_EQ(U, row->limit);
			continue;
		}
		ASSERT_TRUE(res->seen);
		/*
		 * Kernel memory moves on its own between the two reads (an
		 * inside reader's seq_file buffer, RCU frees of exited
		 * tasks' objects): only the bounds must agree.
		 */
		if (r == UBC_KMEMSIZE || r == UBC_DCACHESIZE) {
			EXPECT_EQ(res->barrier, row->barrier);
			EXPECT_EQ(res->limit, row->limit);
			EXPECT_LE(row->held, row->maxheld);
			continue;
		}
		if (r == UBC_PHYSPAGES || r == UBC_SWAPPAGES ||
		    r == UBC_OOMGUARPAGES) {
			/* measured at each read (oom.c): the GET came later */
			EXPECT_LE(row->maxheld, res->maxheld) TH_LOG("%u %s",
						b->id, row->name);
		} else if (open_files && r == UBC_PRIVVMPAGES) {
			/*
			 * The reader inside held its read buffer while the
			 * block was made: privvmpages was higher then.
			 */
			EXPECT_LE(res->held, row->held);
			EXPECT_LE(row->maxheld, res->maxheld);
		} else if (open_files && r == UBC_SHMPAGES) {
			/*
			 * Writing the text into the worker's shared page
			 * after the block was made adds shmem pages, charged
			 * to the task that adds them (vm.rst).
			 */
			EXPECT_LE(row->held, res->held);
			EXPECT_LE(row->maxheld, res->maxheld);
		} else {
			EXPECT_EQ(res->held + (r == UBC_NUMFILE ? open_files : 0),
				  row->held) TH_LOG("%u %s", b->id, row->name);
			EXPECT_EQ(res->maxheld, row->maxheld)
				TH_LOG("%u %s", b->id, row->name);
		}
		EXPECT_EQ(res->barrier, row->barrier) TH_LOG("%u %s", b->id,
							     row->name);
		EXPECT_EQ(res->limit, row->limit) TH_LOG("%u %s", b->id,
							 row->name);
		EXPECT_EQ(res->failcnt, row->failcnt) TH_LOG("%u %s", b->id,
							     row->name);
	}
}

static void check_block_vs_get_open(struct __test_metadata *_metadata,
				    struct ubc_nl *h, const struct proc_block *b,
				    long long open_files)
{
	check_layout_vs_get_open(_metadata, h, b, PROC_UB, open_files);
}

static void check_block_vs_get(struct __test_metadata *_metadata,
			       struct ubc_nl *h, const struct proc_block *b)
{
	check_block_vs_get_open(_metadata, h, b, 0);
}

/*
 * The exact text of an idle compartment's block in @layout: no usage,
 * barrier/limit from @lims or unlimited (the guarantees' barriers 0), dummy
 * rows 0 0 unlimited unlimited 0 (OpenVZ's ub_show_dummy()).
 */
static void idle_layout(char *buf, size_t size, uint32_t id,
			const struct ubc_lim *lims, unsigned int n,
			enum proc_layout layout)
{
	size_t off = 0;
	unsigned int r, i;
	int first = layout != PROC_BC_ONE;

	buf[0] = '\0';
	for (r = 0; r < UBC_RESOURCES; r++) {
		uint64_t b = U, l = U;

		if (!proc_layout_has(layout, r))
			continue;
		if (ubc_resource_valid(r)) {
			if (r == UBC_VMGUARPAGES || r == UBC_OOMGUARPAGES)
				b = 0;
			for (i = 0; i < n; i++)
				if (lims[i].res == r) {
					b = lims[i].barrier;
					l = lims[i].limit;
				}
		}
		proc_row_line(buf + off, size - off, id, first,
			      ubc_resource_name(r), 0, 0, b, l, 0);
		first = 0;
		off += strlen(buf + off);
	}
}

static void idle_block(char *buf, size_t size, uint32_t id,
		       const struct ubc_lim *lims, unsigned int n)
{
	idle_layout(buf, size, id, lims, n, PROC_UB);
}

/* The text after the host's block of /proc/user_beancounters. */
static const char *after_host_block(const char *text)
{
	const char *p = text;
	unsigned int line;

	/* 2 header lines, then the host's 24 rows */
	for (line = 0; p && line < 2 + PROC_UB_ROWS; line++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return p;
}

TEST_F(ubctest, mode_and_header)
{
	char hdr[256], *text;
	struct proc_file pf;
	struct stat st;

	ASSERT_EQ(0, stat(PROC_UBC, &st)) TH_LOG("%s: %s", PROC_UBC,
						 strerror(errno));
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(0400, st.st_mode & 07777);
	ASSERT_EQ(0, st.st_uid);

	READ_PROC(text, &pf);
	proc_header_line(hdr, sizeof(hdr));
	ASSERT_EQ(0, strncmp(text, PROC_V_HEAD, strlen(PROC_V_HEAD)));
	ASSERT_EQ(0, strncmp(text + strlen(PROC_V_HEAD), hdr, strlen(hdr)));
	/* Spelled out once, so that a shared typo cannot hide. */
	ASSERT_STREQ("       uid  resource                     held"
		     "              maxheld              barrier"
		     "                limit              failcnt\n", hdr);
	proc_free(&pf);
	free(text);
}

TEST_F(ubctest, idle_block_exact)
{
	const struct ubc_lim l[] = {
		{ UBC_NUMPROC, 100, 200 },
		{ UBC_KMEMSIZE, 12345678, 23456789 },
		{ UBC_NUMFILE, 1000, 1000 },
		{ UBC_DCACHESIZE, 0, 0 },
		{ UBC_SWAPPAGES, U - 1, U },
	};
	char want[8192], *text, *at;
	struct proc_file pf;
	const struct proc_block *b;

	IDS(14000, 2);
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 14000, l, 5));
	ASSERT_NL(NL, 0, ubc_create(NL, 14001));

	READ_PROC(text, &pf);
	idle_block(want, sizeof(want), 14000, l, 5);
	at = strstr(text, want);
	ASSERT_NE(NULL, at) TH_LOG("block of 14000 not found byte-exact; "
				   "want:\n%s", want);
	ASSERT_EQ('\n', at[-1]);
	idle_block(want, sizeof(want), 14001, NULL, 0);
	at = strstr(text, want);
	ASSERT_NE(NULL, at) TH_LOG("block of 14001 not found byte-exact; "
				   "want:\n%s", want);
	ASSERT_EQ('\n', at[-1]);
	/* Unlimited is LONG_MAX in %20lu columns: maxheld, barrier, limit, failcnt. */
	ASSERT_NE(NULL, strstr(at, "                    0  9223372036854775807"
				   "  9223372036854775807                    0\n"));

	b = proc_find(&pf, 14000);
	ASSERT_NE(NULL, b);
	check_block_vs_get(_metadata, NL, b);
	ASSERT_EQ(b + 1, proc_find(&pf, 14001));
	check_block_vs_get(_metadata, NL, b + 1);
	proc_free(&pf);
	free(text);
}

TEST_F(ubctest, busy_block_exact)
{
	char want[256], *text;
	struct proc_file pf;
	const struct proc_block *b;
	struct worker w;

	IDS(14010, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 14010));
	ASSERT_NL(NL, 0, ubc_set(NL, 14010, UBC_NUMPROC, 1, 1));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 14010, w.pid));
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 0, 1);
	ASSERT_NUMPROC(NL, 14010, 1, 1, 1);

	READ_PROC(text, &pf);
	b = proc_find(&pf, 14010);
	ASSERT_NE(NULL, b);
	proc_row_line(want, sizeof(want), 14010, 0, "numproc", 1, 1, 1, 1, 1);
	ASSERT_STREQ(want, b->rows[UBC_NUMPROC].line);
	check_block_vs_get(_metadata, NL, b);
	proc_free(&pf);
	free(text);

	WSTOP(&w);
	WAIT_HELD(NL, 14010, 0);
	READ_PROC(text, &pf);
	b = proc_find(&pf, 14010);
	ASSERT_NE(NULL, b);
	proc_row_line(want, sizeof(want), 14010, 0, "numproc", 0, 1, 1, 1, 1);
	ASSERT_STREQ(want, b->rows[UBC_NUMPROC].line);
	check_block_vs_get(_metadata, NL, b);
	proc_free(&pf);
	free(text);
}

struct idset {
	uint32_t ids[4096];
	unsigned int n;
};

static void collect_ids(const struct ubc_info *info, void *arg)
{
	struct idset *s = arg;

	if (s->n < 4096)
		s->ids[s->n] = info->id;
	s->n++;
}

TEST_F(ubctest, agrees_with_netlink)
{
	struct idset *s = calloc(1, sizeof(*s));
	struct proc_file pf;
	struct worker w;
	unsigned int i;
	char *text;

	ASSERT_NE(NULL, s);
	IDS(14020, 10);
	for (i = 0; i < 10; i++) {
		/* numproc and one other real resource, a different one each */
		unsigned int r = (i * 7) % UBC_RESOURCES;
		struct ubc_lim l[2] = {
			{ UBC_NUMPROC, 10 + i, 20 + i },
		};

		while (!ubc_resource_valid(r) || r == UBC_NUMPROC)
			r = (r + 1) % UBC_RESOURCES;
		l[1] = (struct ubc_lim){ r, i, i * 1000 };
		ASSERT_NL(NL, 0, ubc_create_lims(NL, 14020 + i, l, 2));
	}
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 14025, w.pid));
	WCMD(&w, 't', 2);
	WASSERT_SPAWN(&w, 2, 0);
	ASSERT_NUMPROC(NL, 14025, 3, 3, 0);

	READ_PROC(text, &pf);
	for (i = 0; i < 10; i++) {
		const struct proc_block *b = proc_find(&pf, 14020 + i);

		ASSERT_NE(NULL, b) TH_LOG("%u not listed", 14020 + i);
		check_block_vs_get(_metadata, NL, b);
	}
	/*
	 * Same compartments in the dump as in the file, same order, after
	 * the host's block.
	 */
	ASSERT_NL(NL, 0, ubc_dump(NL, collect_ids, s));
	ASSERT_EQ(s->n + 1, pf.nblocks);
	ASSERT_EQ(0, pf.blocks[0].id);
	for (i = 0; i < s->n && i < 4096; i++) {
		ASSERT_EQ(s->ids[i], pf.blocks[i + 1].id);
	}
	proc_free(&pf);
	free(text);
	free(s);
	WSTOP(&w);
	WAIT_HELD(NL, 14025, 0);
}

TEST_F_TIMEOUT(ubctest, any_read_size, 120)
{
	static const size_t chunks[] = { 1, 7, 113, 4095, 4096, 65536 };
	struct proc_file pf;
	char *whole, *part;
	size_t wlen, plen;
	unsigned int i;
	int err;

	IDS(14100, 40);
	for (i = 0; i < 40; i++) {
		ASSERT_NL(NL, 0, ubc_create(NL, 14100 + i));
		ASSERT_NL(NL, 0, ubc_set(NL, 14100 + i, UBC_NUMPROC, i, i));
	}
	whole = read_all(PROC_UBC, 1 << 20, &wlen, &err);
	ASSERT_NE(NULL, whole);
	proc_parse(whole, &pf);
	ASSERT_FALSE(pf.bad) TH_LOG("%s", pf.why);
	ASSERT_GE(pf.nblocks, 40);
	/* Bigger than a page many times over: seq_file must restart. */
	ASSERT_GT(wlen, 40 * 24 * 100);
	/*
	 * The host's block (first) is measured at each read and moves; the
	 * rest must come out the same for every read size.
	 */
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct proc_file pp;
		const char *w1, *p1;

		part = read_all(PROC_UBC, chunks[i], &plen, &err);
		ASSERT_NE(NULL, part);
		proc_parse(part, &pp);
		ASSERT_FALSE(pp.bad) TH_LOG("chunk %zu: %s", chunks[i], pp.why);
		ASSERT_EQ(pf.nblocks, pp.nblocks);
		ASSERT_EQ(0, pp.blocks[0].id);
		proc_free(&pp);
		w1 = after_host_block(whole);
		p1 = after_host_block(part);
		ASSERT_NE(NULL, w1);
		ASSERT_NE(NULL, p1);
		ASSERT_EQ(wlen - (w1 - whole), plen - (p1 - part))
			TH_LOG("chunk %zu", chunks[i]);
		ASSERT_EQ(0, strcmp(w1, p1)) TH_LOG("chunk %zu differs",
						    chunks[i]);
		free(part);
	}
	proc_free(&pf);
	free(whole);
}

TEST_F(ubctest, unprivileged_cannot_read)
{
	struct worker w;

	ASSERT_EQ(0, worker_start(&w));
	WCMD(&w, 'u', 0);
	ASSERT_EQ(0, w.sh->ret);
	WCMD(&w, 'V', 0);
	ASSERT_EQ(-EACCES, w.sh->ret);
	WSTOP(&w);
}

/* Root by uid, file readable, but without CAP_SYS_ADMIN: EPERM at open. */
TEST_F(ubctest, root_without_cap_sys_admin_cannot_read)
{
	struct worker w;

	ASSERT_EQ(0, worker_start(&w));
	WCMD(&w, 'a', 0);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("could not drop CAP_SYS_ADMIN: %s",
				       strerror(-w.sh->ret));
	WCMD(&w, 'V', 0);
	ASSERT_EQ(-EPERM, w.sh->ret);
	WSTOP(&w);
}

TEST_F(ubctest, inside_sees_own_only)
{
	char hdr[256], want[256];
	struct proc_file pf;
	struct worker w;

	IDS(14200, 3);
	ASSERT_NL(NL, 0, ubc_create(NL, 14200));
	ASSERT_NL(NL, 0, ubc_create(NL, 14201));
	ASSERT_NL(NL, 0, ubc_create(NL, 14202));
	ASSERT_EQ(0, worker_start(&w));
	w.sh->arg_id = 14201;
	WCMD(&w, 'e', 0);
	WASSERT_NL(&w, 0);

	WCMD(&w, 'V', 0);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("read from inside: %s",
				       strerror(-w.sh->ret));
	proc_parse(w.sh->text, &pf);
	ASSERT_FALSE(pf.bad) TH_LOG("%s", pf.why);
	ASSERT_EQ(1, pf.nblocks);
	ASSERT_EQ(14201, pf.blocks[0].id);
	proc_header_line(hdr, sizeof(hdr));
	ASSERT_EQ(0, strncmp(w.sh->text, PROC_V_HEAD, strlen(PROC_V_HEAD)));
	ASSERT_EQ(0, strncmp(w.sh->text + strlen(PROC_V_HEAD), hdr,
			     strlen(hdr)));
	proc_row_line(want, sizeof(want), 14201, 0, "numproc", 1, 1, U, U, 0);
	ASSERT_STREQ(want, pf.blocks[0].rows[UBC_NUMPROC].line);
	/* the worker's open /proc/user_beancounters is its one charged file */
	check_block_vs_get_open(_metadata, NL, &pf.blocks[0], 1);
	/* 2 header lines + 24 rows, nothing else: no host block. */
	ASSERT_EQ(strlen(PROC_V_HEAD) + strlen(hdr) + 24 * strlen(want),
		  w.sh->textlen);
	proc_free(&pf);
	WSTOP(&w);
	WAIT_HELD(NL, 14201, 0);
}

/* ---- the host's block ---- */

/* Threads of the system as /proc lists them: every /proc/PID/task entry. */
static long count_threads(void)
{
	DIR *d = opendir("/proc"), *t;
	struct dirent *e, *f;
	char path[300];
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		t = opendir(path);
		if (!t)
			continue;
		while ((f = readdir(t)))
			if (f->d_name[0] != '.')
				n++;
		closedir(t);
	}
	closedir(d);
	return n;
}

static void sum_numproc(const struct ubc_info *info, void *arg)
{
	*(uint64_t *)arg += info->res[UBC_NUMPROC].held;
}

/* The host's block (id 0) as /proc/user_beancounters or /proc/bc show it. */
static void check_host_block(struct __test_metadata *_metadata,
			     struct ubc_nl *h, const struct proc_block *b,
			     enum proc_layout layout)
{
	uint64_t in_comps = 0;
	long threads, mem = meminfo("MemTotal");
	unsigned int r;

	ASSERT_EQ(0, b->id);
	ASSERT_EQ(proc_layout_rows(layout), b->nrows);
	for (r = 0; r < UBC_RESOURCES; r++) {
		const struct proc_row *row = &b->rows[r];

		if (!proc_layout_has(layout, r))
			continue;
		ASSERT_STREQ(ubc_resource_name(r), row->name);
		/* host: barriers and limits unlimited, nothing ever refused */
		EXPECT_EQ(U, row->barrier) TH_LOG("host %s", row->name);
		EXPECT_EQ(U, row->limit) TH_LOG("host %s", row->name);
		EXPECT_EQ(0, row->failcnt) TH_LOG("host %s", row->name);
		EXPECT_LE(row->held, row->maxheld) TH_LOG("host %s", row->name);
		if (!ubc_resource_valid(r))
			EXPECT_EQ(0, row->held + row->maxheld);
	}
	/* numproc: the system's threads minus the compartments' */
	ASSERT_NL(h, 0, ubc_dump(h, sum_numproc, &in_comps));
	threads = count_threads();
	ASSERT_GT(threads, 0);
	EXPECT_GT(b->rows[UBC_NUMPROC].held, 0);
	EXPECT_LE(b->rows[UBC_NUMPROC].held, threads + 32)
		TH_LOG("host numproc %lu, %ld threads",
		       (unsigned long)b->rows[UBC_NUMPROC].held, threads);
	EXPECT_GE(b->rows[UBC_NUMPROC].held + 32, threads - in_comps)
		TH_LOG("host numproc %lu, %ld threads, %lu in compartments",
		       (unsigned long)b->rows[UBC_NUMPROC].held, threads,
		       (unsigned long)in_comps);
	/* memory: something in use, never more than the machine has */
	ASSERT_GT(mem, 0);
	EXPECT_GT(b->rows[UBC_PHYSPAGES].held, 0);
	EXPECT_LE(b->rows[UBC_PHYSPAGES].held, (uint64_t)mem / 4);
	EXPECT_GT(b->rows[UBC_KMEMSIZE].held, 0);
	EXPECT_LE(b->rows[UBC_KMEMSIZE].held, (uint64_t)mem * 1024);
	EXPECT_GT(b->rows[UBC_PRIVVMPAGES].held, 0);
	EXPECT_EQ(b->rows[UBC_PHYSPAGES].held + b->rows[UBC_SWAPPAGES].held,
		  b->rows[UBC_OOMGUARPAGES].held);
}

TEST_F(ubctest, host_block_first)
{
	char hdr[256], *text;
	struct proc_file pf;

	IDS(14300, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 14300));
	READ_PROC(text, &pf);
	ASSERT_GE(pf.nblocks, 2);
	check_host_block(_metadata, NL, &pf.blocks[0], PROC_UB);
	ASSERT_EQ(14300, pf.blocks[1].id);
	/* OpenVZ's "%10s  %-12s" with "0:": spelled out once */
	proc_header_line(hdr, sizeof(hdr));
	ASSERT_EQ(0, strncmp(text + strlen(PROC_V_HEAD) + strlen(hdr),
			     "        0:  kmemsize     ", 25));
	ASSERT_STREQ("            dummy                           0"
		     "                    0  9223372036854775807"
		     "  9223372036854775807                    0\n",
		     pf.blocks[1].rows[4].line);
	proc_free(&pf);
	free(text);
}

TEST_HARNESS_MAIN
