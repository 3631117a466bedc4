// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/user_beancounters, /proc/bc and /proc/vz/veinfo: modes, OpenVZ
 * 2.6.32's layouts byte for byte (formats rebuilt here from 042stab's
 * printf formats), the host's block first, agreement with netlink GET and
 * dump, consistent output for any read size, /proc/bc/ID following the
 * compartments, and visibility (unprivileged callers and root without
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

/* ---- /proc/bc ---- */

static char *read_layout(struct __test_metadata *_metadata, const char *path,
			 struct proc_file *pf, enum proc_layout layout,
			 uint32_t id)
{
	size_t len;
	int err;
	char *text = read_all(path, 4096, &len, &err);

	if (!text) {
		TH_LOG("read %s: %s", path, strerror(err));
		return NULL;
	}
	proc_parse_layout(text, pf, layout, id);
	if (pf->bad)
		TH_LOG("%s: %s", path, pf->why);
	return text;
}

#define READ_LAYOUT(text, path, pf, layout, id) do {			\
	text = read_layout(_metadata, path, pf, layout, id);		\
	ASSERT_NE(NULL, text);						\
	ASSERT_FALSE((pf)->bad);					\
} while (0)

static void bc_path(char *buf, size_t size, uint32_t id)
{
	snprintf(buf, size, "/proc/bc/%u/resources", id);
}

TEST_F(ubctest, bc_resources_agree_with_netlink)
{
	const struct ubc_lim l[] = {
		{ UBC_NUMPROC, 100, 200 },
		{ UBC_NUMFILE, 1000, 2000 },
		{ UBC_SWAPPAGES, 5, 6 },
	};
	struct idset *s = calloc(1, sizeof(*s));
	struct proc_file pf, one;
	char path[64], *text, *t1;
	struct worker w;
	unsigned int i;

	ASSERT_NE(NULL, s);
	IDS(14310, 3);
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 14310, l, 3));
	ASSERT_NL(NL, 0, ubc_create(NL, 14311));
	ASSERT_NL(NL, 0, ubc_create(NL, 14312));
	ASSERT_NL(NL, 0, ubc_set(NL, 14312, UBC_NUMPROC, 3, 3));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 14312, w.pid));
	WCMD(&w, 't', 4);
	WASSERT_SPAWN(&w, 2, 2);	/* numproc failcnt 2 */
	ASSERT_NUMPROC(NL, 14312, 3, 3, 2);

	READ_LAYOUT(text, PROC_BC_RES, &pf, PROC_BC, 0);
	check_host_block(_metadata, NL, &pf.blocks[0], PROC_BC);
	for (i = 0; i < 3; i++) {
		const struct proc_block *b = proc_find(&pf, 14310 + i);

		ASSERT_NE(NULL, b) TH_LOG("%u not in %s", 14310 + i,
					  PROC_BC_RES);
		check_layout_vs_get_open(_metadata, NL, b, PROC_BC, 0);
		/* the same numbers in /proc/bc/ID/resources */
		bc_path(path, sizeof(path), 14310 + i);
		READ_LAYOUT(t1, path, &one, PROC_BC_ONE, 14310 + i);
		ASSERT_EQ(1, one.nblocks);
		check_layout_vs_get_open(_metadata, NL, &one.blocks[0],
					 PROC_BC_ONE, 0);
		proc_free(&one);
		free(t1);
	}
	/* every compartment, as the dump lists them, after the host */
	ASSERT_NL(NL, 0, ubc_dump(NL, collect_ids, s));
	ASSERT_EQ(s->n + 1, pf.nblocks);
	for (i = 0; i < s->n && i < 4096; i++)
		ASSERT_EQ(s->ids[i], pf.blocks[i + 1].id);
	proc_free(&pf);
	free(text);

	READ_LAYOUT(t1, "/proc/bc/0/resources", &one, PROC_BC_ONE, 0);
	check_host_block(_metadata, NL, &one.blocks[0], PROC_BC_ONE);
	proc_free(&one);
	free(t1);

	free(s);
	WSTOP(&w);
	WAIT_HELD(NL, 14312, 0);
}

TEST_F(ubctest, bc_exact_format)
{
	const struct ubc_lim l[] = {
		{ UBC_KMEMSIZE, 12345678, 23456789 },
		{ UBC_SWAPPAGES, 1, 2 },
	};
	char want[8192], path[64], *text, *at;
	struct proc_file pf;

	IDS(14320, 1);
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 14320, l, 2));
	bc_path(path, sizeof(path), 14320);
	READ_LAYOUT(text, path, &pf, PROC_BC_ONE, 14320);
	idle_layout(want, sizeof(want), 14320, l, 2, PROC_BC_ONE);
	ASSERT_STREQ(want, text);
	/* no id, no dummy, swappages last; spelled out once */
	ASSERT_EQ(0, strncmp(text, "            kmemsize                        0"
				   "                    0             12345678"
				   "             23456789                    0\n"
				   "            lockedpages ", 146));
	ASSERT_NE(NULL, strstr(text, "\n            swappages                       0"
				     "                    0                    1"
				     "                    2                    0\n"));
	ASSERT_EQ(NULL, strstr(text, "dummy"));
	proc_free(&pf);
	free(text);

	READ_LAYOUT(text, PROC_BC_RES, &pf, PROC_BC, 0);
	idle_layout(want, sizeof(want), 14320, l, 2, PROC_BC);
	at = strstr(text, want);
	ASSERT_NE(NULL, at) TH_LOG("block of 14320 not found; want:\n%s", want);
	ASSERT_EQ('\n', at[-1]);
	ASSERT_EQ(0, strncmp(at, "    14320:  kmemsize ", 21));
	ASSERT_EQ(0, strncmp(text, "        0:  kmemsize ", 21));
	proc_free(&pf);
	free(text);
}

static int dir_lists(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	closedir(d);
	return found;
}

/* Polls until @path does not exist (stat ENOENT); 0 when gone. */
static int wait_path_gone(const char *path, int ms)
{
	struct stat st;

	for (; ms > 0; ms -= 10) {
		if (stat(path, &st) && errno == ENOENT)
			return 0;
		usleep(10000);
	}
	return -1;
}

TEST_F(ubctest, bc_dirs_follow_compartments)
{
	struct stat st;
	char path[64];

	ASSERT_EQ(0, stat("/proc/bc", &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0500, st.st_mode & 07777);
	ASSERT_EQ(0, stat(PROC_BC_RES, &st));
	ASSERT_EQ(0400, st.st_mode & 07777);
	ASSERT_EQ(0, stat("/proc/bc/0/resources", &st));
	ASSERT_EQ(0400, st.st_mode & 07777);
	ASSERT_EQ(0, st.st_uid);

	IDS(14330, 2);
	ASSERT_EQ(-1, stat("/proc/bc/14330", &st));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_NL(NL, 0, ubc_create(NL, 14330));
	ASSERT_NL(NL, 0, ubc_create(NL, 14331));
	/* there when create returns */
	ASSERT_EQ(0, stat("/proc/bc/14330", &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0500, st.st_mode & 07777);
	bc_path(path, sizeof(path), 14330);
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0400, st.st_mode & 07777);
	ASSERT_EQ(1, dir_lists("/proc/bc", "14330"));
	ASSERT_EQ(1, dir_lists("/proc/bc", "14331"));
	ASSERT_EQ(1, dir_lists("/proc/bc", "0"));
	ASSERT_EQ(1, dir_lists("/proc/bc", "resources"));
	ASSERT_EQ(1, dir_lists("/proc/bc/14330", "resources"));

	/* destroyed: gone once released, from the tree and the listings */
	ASSERT_NL(NL, 0, ubc_destroy(NL, 14330));
	ASSERT_EQ(-ENOENT, ubc_wait_gone(NL, 14330, DRAIN_MS));
	ASSERT_EQ(0, wait_path_gone("/proc/bc/14330", DRAIN_MS));
	ASSERT_EQ(0, dir_lists("/proc/bc", "14330"));
	ASSERT_EQ(-1, open(path, O_RDONLY));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(1, dir_lists("/proc/bc", "14331"));
	{
		struct proc_file pf;
		char *text;

		READ_LAYOUT(text, PROC_BC_RES, &pf, PROC_BC, 0);
		ASSERT_EQ(NULL, proc_find(&pf, 14330));
		ASSERT_NE(NULL, proc_find(&pf, 14331));
		proc_free(&pf);
		free(text);
	}
	/* the id comes back with a new compartment */
	ASSERT_NL(NL, 0, ubc_create(NL, 14330));
	ASSERT_EQ(0, stat(path, &st));
}

/* ---- /proc/vz/veinfo ---- */

struct veline {
	uint32_t id;
	unsigned int class, numproc;
};

/* Parses veinfo strictly: every line re-renders byte-exact. */
static int parse_veinfo(const char *text, struct veline *v, int max)
{
	const char *p = text;
	int n = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[128], render[128];
		unsigned long id;
		unsigned int c, np;

		if (!nl || nl - p >= (long)sizeof(line))
			return -1;
		memcpy(line, p, nl - p + 1);
		line[nl - p + 1] = '\0';
		p = nl + 1;
		if (sscanf(line, "%lu %u %u", &id, &c, &np) != 3 ||
		    id > UINT32_MAX)
			return -1;
		snprintf(render, sizeof(render), PROC_VEINFO_FMT,
			 (unsigned int)id, c, np);
		if (strcmp(render, line) || n == max)
			return -1;
		v[n++] = (struct veline){ (uint32_t)id, c, np };
	}
	return n;
}

static const struct veline *find_ve(const struct veline *v, int n,
				    uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

TEST_F(ubctest, veinfo_lists_host_and_compartments)
{
	struct veline *v = calloc(8192, sizeof(*v));
	const struct veline *e;
	struct stat st;
	struct worker w;
	size_t len;
	char *text;
	int n, i, err;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, stat(PROC_VEINFO, &st));
	ASSERT_EQ(0400, st.st_mode & 07777);
	IDS(14340, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 14340));
	ASSERT_NL(NL, 0, ubc_create(NL, 14341));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 14341, w.pid));
	WCMD(&w, 't', 2);
	WASSERT_SPAWN(&w, 2, 0);
	ASSERT_NUMPROC(NL, 14341, 3, 3, 0);

	text = read_all(PROC_VEINFO, 7, &len, &err);
	ASSERT_NE(NULL, text) TH_LOG("%s: %s", PROC_VEINFO, strerror(err));
	n = parse_veinfo(text, v, 8192);
	ASSERT_GE(n, 3) TH_LOG("veinfo:\n%s", text);
	/* the host first, then ascending ids */
	ASSERT_EQ(0, v[0].id);
	ASSERT_GT(v[0].numproc, 0);
	for (i = 1; i < n; i++)
		ASSERT_LT(v[i - 1].id, v[i].id);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, v[i].class);
	e = find_ve(v, n, 14340);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, e->numproc);
	e = find_ve(v, n, 14341);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(3, e->numproc);
	ASSERT_NE(NULL, strstr(text, "\n     14341     0     3\n"));
	ASSERT_EQ(0, strncmp(text, "         0     0 ", 17));
	free(text);

	ASSERT_NL(NL, 0, ubc_destroy(NL, 14340));
	ASSERT_EQ(-ENOENT, ubc_wait_gone(NL, 14340, DRAIN_MS));
	text = read_all(PROC_VEINFO, 4096, &len, &err);
	ASSERT_NE(NULL, text);
	n = parse_veinfo(text, v, 8192);
	ASSERT_GE(n, 2);
	ASSERT_EQ(NULL, find_ve(v, n, 14340));
	ASSERT_NE(NULL, find_ve(v, n, 14341));
	free(text);
	free(v);
	WSTOP(&w);
	WAIT_HELD(NL, 14341, 0);
}

/* ---- visibility ---- */

/* The worker reads @path: returns 0 (text in w->sh) or -errno. */
static int w_read(struct worker *w, const char *path)
{
	snprintf(w->sh->arg_path, sizeof(w->sh->arg_path), "%s", path);
	if (worker_cmd(w, 'V', 0))
		return -EIO;
	return w->sh->ret;
}

TEST_F(ubctest, inside_sees_own_bc_and_veinfo_only)
{
	struct proc_file pf;
	struct veline v[4];
	char path[64];
	struct worker w;

	IDS(14350, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 14350));
	ASSERT_NL(NL, 0, ubc_create(NL, 14351));
	ASSERT_EQ(0, worker_start(&w));
	w.sh->arg_id = 14351;
	WCMD(&w, 'e', 0);
	WASSERT_NL(&w, 0);

	/* /proc/bc/resources: its own block alone, no host */
	ASSERT_EQ(0, w_read(&w, PROC_BC_RES));
	proc_parse_layout(w.sh->text, &pf, PROC_BC, 0);
	ASSERT_FALSE(pf.bad) TH_LOG("%s", pf.why);
	ASSERT_EQ(1, pf.nblocks);
	ASSERT_EQ(14351, pf.blocks[0].id);
	/* its open file is its one charged file */
	check_layout_vs_get_open(_metadata, NL, &pf.blocks[0], PROC_BC, 1);
	proc_free(&pf);

	/* its own /proc/bc/ID; any other id, the host's included: EPERM */
	bc_path(path, sizeof(path), 14351);
	ASSERT_EQ(0, w_read(&w, path));
	proc_parse_layout(w.sh->text, &pf, PROC_BC_ONE, 14351);
	ASSERT_FALSE(pf.bad) TH_LOG("%s", pf.why);
	check_layout_vs_get_open(_metadata, NL, &pf.blocks[0], PROC_BC_ONE, 1);
	proc_free(&pf);
	bc_path(path, sizeof(path), 14350);
	ASSERT_EQ(-EPERM, w_read(&w, path));
	ASSERT_EQ(-EPERM, w_read(&w, "/proc/bc/0/resources"));
	ASSERT_EQ(-ENOENT, w_read(&w, "/proc/bc/4294967295/resources"));

	/* veinfo: its own line */
	ASSERT_EQ(0, w_read(&w, PROC_VEINFO));
	ASSERT_EQ(1, parse_veinfo(w.sh->text, v, 4)) TH_LOG("%s", w.sh->text);
	ASSERT_EQ(14351, v[0].id);
	ASSERT_EQ(1, v[0].numproc);

	/* /proc/user_beancounters: no host block (inside_sees_own_only) */
	ASSERT_EQ(0, w_read(&w, PROC_UBC));
	proc_parse(w.sh->text, &pf);
	ASSERT_FALSE(pf.bad) TH_LOG("%s", pf.why);
	ASSERT_EQ(1, pf.nblocks);
	ASSERT_EQ(14351, pf.blocks[0].id);
	proc_free(&pf);
	WSTOP(&w);
	WAIT_HELD(NL, 14351, 0);
}

TEST_F(ubctest, bc_and_veinfo_need_cap_sys_admin)
{
	struct worker w;

	ASSERT_EQ(0, worker_start(&w));
	WCMD(&w, 'a', 0);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("could not drop CAP_SYS_ADMIN: %s",
				       strerror(-w.sh->ret));
	ASSERT_EQ(-EPERM, w_read(&w, PROC_BC_RES));
	ASSERT_EQ(-EPERM, w_read(&w, "/proc/bc/0/resources"));
	ASSERT_EQ(-EPERM, w_read(&w, PROC_VEINFO));
	WSTOP(&w);

	ASSERT_EQ(0, worker_start(&w));
	WCMD(&w, 'u', 0);
	ASSERT_EQ(0, w.sh->ret);
	ASSERT_EQ(-EACCES, w_read(&w, PROC_BC_RES));
	ASSERT_EQ(-EACCES, w_read(&w, PROC_VEINFO));
	WSTOP(&w);
}

TEST_HARNESS_MAIN
