// SPDX-License-Identifier: GPL-2.0
/*
 * Compartment membership: ENTER (self and by pid), inheritance over fork and
 * exec, ENTER errors, no way out, DEL of a busy compartment, and the
 * permission rules (unprivileged callers, callers lacking CAP_SYS_ADMIN,
 * root in a user namespace, callers inside a compartment): reading needs
 * CAP_SYS_ADMIN from the host (EPERM), any compartment task reads its own.
 * Defaults: a new compartment has no guarantee (vmguarpages and
 * oomguarpages barriers 0); under vm.overcommit_memory=2 a default or
 * unlimited vmguarpages lets nothing past the kernel's commit limit, a
 * finite one does, and guarantees beyond RAM + swap draw a warning.
 *
 * Compartment ids: 13000..13999.
 */
#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_worker.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)

/*
 * Exec helper: the binary re-executed inside a compartment by a worker
 * (UBC_EXEC_HELPER=<id>, UBC_EXEC_HELD=<numproc held expected>). Checks from
 * inside that it is still in <id> and exits 0, or with the number of the
 * failed check.
 */
static void helper_dump_cb(const struct ubc_info *info, void *arg)
{
	uint32_t *ids = arg;

	if (ids[0] < 8)
		ids[1 + ids[0]] = info->id;
	ids[0]++;
}

__attribute__((constructor)) static void exec_helper(void)
{
	const char *v = getenv("UBC_EXEC_HELPER");
	const char *hv = getenv("UBC_EXEC_HELD");
	struct ubc_info info;
	struct proc_file pf;
	struct ubc_nl nl;
	uint32_t ids[9] = { 0 };
	uint32_t id;
	size_t len;
	char *text;
	int err;

	if (!v || !hv)
		return;
	id = strtoul(v, NULL, 10);
	if (ubc_nl_open(&nl, 0))
		_exit(10);
	/* A dump shows this compartment only. */
	if (ubc_dump(&nl, helper_dump_cb, ids) || ids[0] != 1 || ids[1] != id)
		_exit(11);
	/* GET of it works and counts this task. */
	if (ubc_get(&nl, id, &info) || info.bad ||
	    info.res[UBC_NUMPROC].held != strtoul(hv, NULL, 10))
		_exit(12);
	/* Mutations are refused: still inside. */
	if (ubc_create(&nl, id + 500) != -EPERM)
		_exit(13);
	/* /proc shows this compartment only. */
	text = read_all(PROC_UBC, 65536, &len, &err);
	if (!text)
		_exit(14);
	proc_parse(text, &pf);
	if (pf.bad || pf.nblocks != 1 || pf.blocks[0].id != id)
		_exit(15);
	_exit(0);
}

/* A pid of some kernel thread, 0 if none found. */
static pid_t find_kthread(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	while (d && !found && (de = readdir(d))) {
		char buf[512];
		const char *rest = proc_stat_fields(de->d_name, buf, sizeof(buf));
		unsigned int flags;

		/* PF_KTHREAD in the flags field; pid 0 is not a process */
		if (rest && atoi(de->d_name) > 0 &&
		    sscanf(rest, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 &&
		    (flags & 0x00200000))
			found = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static int pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* The worker's dump shows exactly @id. */
#define WASSERT_SEES_ONLY(w, _id) do {					\
	ASSERT_EQ(1, (w)->sh->nids);					\
	ASSERT_EQ((uint32_t)(_id), (w)->sh->ids[0]);			\
} while (0)

static int dump_has(const struct wshared *sh, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < sh->nids && i < W_IDS; i++)
		if (sh->ids[i] == id)
			return 1;
	return 0;
}

TEST_F(ubctest, enter_self)
{
	struct worker w;

	IDS(13000, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 13000));
	ASSERT_EQ(0, worker_start(&w));
	w.sh->arg_id = 13000;
	WCMD(&w, 'e', 0);
	WASSERT_NL(&w, 0);
	ASSERT_NUMPROC(NL, 13000, 1, 1, 0);

	/* Children inherit the compartment. */
	WCMD(&w, 'f', 2);
	WASSERT_SPAWN(&w, 2, 0);
	ASSERT_NUMPROC(NL, 13000, 3, 3, 0);
	WCMD(&w, 'g', 0);
	WASSERT_NL(&w, 0);
	WASSERT_SEES_ONLY(&w, 13000);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 13000, 1);
	WSTOP(&w);
	WAIT_HELD(NL, 13000, 0);
}

TEST_F(ubctest, enter_by_pid)
{
	struct worker w;

	IDS(13010, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 13010));
	ASSERT_NL(NL, 0, ubc_create(NL, 13011));
	ASSERT_EQ(0, worker_start(&w));

	/* Outside, the worker sees every compartment. */
	WCMD(&w, 'P', 0);
	WASSERT_NL(&w, 0);
	ASSERT_TRUE(dump_has(w.sh, 13010) && dump_has(w.sh, 13011));

	ASSERT_NL(NL, 0, ubc_enter(NL, 13010, w.pid));
	ASSERT_NUMPROC(NL, 13010, 1, 1, 0);
	ASSERT_NUMPROC(NL, 13011, 0, 0, 0);
	WCMD(&w, 'P', 0);
	WASSERT_NL(&w, 0);
	WASSERT_SEES_ONLY(&w, 13010);
	/* A child forked now is inside too. */
	WCMD(&w, 'g', 0);
	WASSERT_NL(&w, 0);
	WASSERT_SEES_ONLY(&w, 13010);
	WSTOP(&w);
	WAIT_HELD(NL, 13010, 0);
	ASSERT_NUMPROC(NL, 13010, 0, 2, 0);
}

TEST_F(ubctest, exec_keeps_compartment)
{
	struct worker w;

	IDS(13020, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 13020));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 13020, w.pid));

	/* fork + exec: the helper sees itself and the worker counted. */
	w.sh->arg_id = 13020;
	w.sh->arg_res = 2;
	WCMD(&w, 'X', 0);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("exec helper failed check %d",
				       w.sh->ret);
	WAIT_HELD(NL, 13020, 1);

	/* The entered task itself execs. */
	w.sh->arg_res = 1;
	ASSERT_EQ(0, worker_exec_self(&w)) TH_LOG("exec helper failed");
	WAIT_HELD(NL, 13020, 0);
	ASSERT_NUMPROC(NL, 13020, 0, 2, 0);
}

TEST_F(ubctest, enter_already_inside)
{
	struct worker w;

	IDS(13030, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 13030));
	ASSERT_NL(NL, 0, ubc_create(NL, 13031));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 13030, w.pid));

	ASSERT_NL(NL, -EPERM, ubc_enter(NL, 13031, w.pid));
	ASSERT_NL(NL, -EPERM, ubc_enter(NL, 13030, w.pid));
	ASSERT_NUMPROC(NL, 13030, 1, 1, 0);
	ASSERT_NUMPROC(NL, 13031, 0, 0, 0);
	WSTOP(&w);
	WAIT_HELD(NL, 13030, 0);
}

TEST_F(ubctest, enter_errors)
{
	struct worker w;
	pid_t kt;
	int max;

	IDS(13040, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 13040));
	ASSERT_EQ(0, worker_start(&w));

	/* No such compartment. */
	ASSERT_NL(NL, -ENOENT, ubc_enter(NL, 13041, w.pid));
	/* No such process: pid_max is never a valid pid. */
	max = pid_max();
	ASSERT_GT(max, 0);
	ASSERT_NL(NL, -ESRCH, ubc_enter(NL, 13040, max));
	/* Kernel threads cannot be moved. */
	kt = find_kthread();
	ASSERT_GT(kt, 0) TH_LOG("no kernel thread found");
	ASSERT_NL(NL, -EPERM, ubc_enter(NL, 13040, kt));
	ASSERT_NUMPROC(NL, 13040, 0, 0, 0);

	/* None of that moved the worker: it can still enter. */
	ASSERT_NL(NL, 0, ubc_enter(NL, 13040, w.pid));
	ASSERT_NUMPROC(NL, 13040, 1, 1, 0);
	WSTOP(&w);
	WAIT_HELD(NL, 13040, 0);
}

TEST_F(ubctest, cannot_leave)
{
	struct worker w;

	IDS(13050, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 13050));
	ASSERT_NL(NL, 0, ubc_create(NL, 13051));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 13050, w.pid));

	/* Not to the host, not elsewhere, not by itself. */
	ASSERT_NL(NL, -EINVAL, ubc_enter(NL, 0, w.pid));
	ASSERT_NL(NL, -EPERM, ubc_enter(NL, 13051, w.pid));
	w.sh->arg_id = 13051;
	WCMD(&w, 'e', 0);
	WASSERT_NL(&w, -EPERM);
	/* Destroying its compartment does not free it either. */
	ASSERT_NL(NL, -EBUSY, ubc_destroy(NL, 13050));

	ASSERT_NUMPROC(NL, 13050, 1, 1, 0);
	ASSERT_NUMPROC(NL, 13051, 0, 0, 0);
	WCMD(&w, 'P', 0);
	WASSERT_NL(&w, 0);
	WASSERT_SEES_ONLY(&w, 13050);
	WSTOP(&w);
	WAIT_HELD(NL, 13050, 0);
}

/*
 * Waits until process @pid has @n threads. pthread_join() returns when the
 * thread clears its tid (mm_release()), before it leaves the thread list;
 * ENTER counts every thread still on the list.
 */
static int wait_threads(pid_t pid, int n)
{
	char path[64], line[128];
	int i, cur = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	for (i = 0; i < 500; i++) {
		f = fopen(path, "r");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Threads: %d", &cur) == 1)
				break;
		fclose(f);
		if (cur == n)
			return 0;
		usleep(10000);
	}
	return cur;
}

TEST_F(ubctest, enter_charges_every_thread)
{
	struct worker w;
	uint64_t failcnt;

	IDS(13060, 1);
	ASSERT_EQ(0, worker_start(&w));
	WCMD(&w, 't', 3);		/* 4 tasks, uncharged on the host */
	WASSERT_SPAWN(&w, 3, 0);
	{
		const struct ubc_lim l = { UBC_NUMPROC, 3, 3 };

		ASSERT_NL(NL, 0, ubc_create_lims(NL, 13060, &l, 1));
	}
	ASSERT_NL(NL, -EAGAIN, ubc_enter(NL, 13060, w.pid));
	{
		struct ubc_info info;

		ASSERT_GET(NL, 13060, &info);
		ASSERT_EQ(0, info.res[UBC_NUMPROC].held);
		ASSERT_EQ(0, info.res[UBC_NUMPROC].maxheld);
	}
	/* Nothing moved: the worker still sees every compartment. */
	WCMD(&w, 'P', 0);
	WASSERT_NL(&w, 0);
	ASSERT_TRUE(dump_has(w.sh, 13060));
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 1, 0);
	ASSERT_EQ(0, ubc_field(NL, 13060, UBC_NUMPROC, UBC_RES_A_HELD));
	WCMD(&w, 'r', 0);
	ASSERT_EQ(0, wait_threads(w.pid, 1));
	WCMD(&w, 't', 3);
	WASSERT_SPAWN(&w, 3, 0);

	ASSERT_NL(NL, 0, ubc_set(NL, 13060, UBC_NUMPROC, 4, 4));
	ASSERT_NL(NL, 0, ubc_enter(NL, 13060, w.pid));
	failcnt = ubc_field(NL, 13060, UBC_NUMPROC, UBC_RES_A_FAILCNT);
	ASSERT_NUMPROC(NL, 13060, 4, 4, failcnt);
	WCMD(&w, 't', 1);
	WASSERT_SPAWN(&w, 0, 1);
	ASSERT_NUMPROC(NL, 13060, 4, 4, failcnt + 1);
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 13060, 1);
	WSTOP(&w);
	WAIT_HELD(NL, 13060, 0);
}

TEST_F(ubctest, destroy_busy_then_gone)
{
	struct ubc_info info;
	struct worker w;

	IDS(13070, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 13070));
	ASSERT_NL(NL, 0, ubc_set(NL, 13070, UBC_NUMPROC, 10, 10));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_NL(NL, 0, ubc_enter(NL, 13070, w.pid));

	ASSERT_NL(NL, -EBUSY, ubc_destroy(NL, 13070));
	/* Still fully alive. */
	ASSERT_GET(NL, 13070, &info);
	ASSERT_EQ(0, info.flags);
	ASSERT_EQ(10, info.res[UBC_NUMPROC].barrier);
	WCMD(&w, 'f', 1);
	WASSERT_SPAWN(&w, 1, 0);
	ASSERT_NUMPROC(NL, 13070, 2, 2, 0);
	ASSERT_NL(NL, -EBUSY, ubc_destroy(NL, 13070));
	WCMD(&w, 'r', 0);
	WSTOP(&w);

	/* Once the tasks are reaped (and RCU ran), DEL succeeds. */
	ASSERT_NL(NL, 0, ubc_destroy_wait(NL, 13070, DRAIN_MS));
	ASSERT_NL(NL, -ENOENT, ubc_set(NL, 13070, UBC_NUMPROC, 1, 1));
	{
		struct worker w2;

		ASSERT_EQ(0, worker_start(&w2));
		ASSERT_NL(NL, -ENOENT, ubc_enter(NL, 13070, w2.pid));
		WSTOP(&w2);
	}
	ASSERT_DRAINS(NL, 13070);
	ASSERT_NL(NL, -ENOENT, ubc_destroy(NL, 13070));

	/* The id is free again and starts from scratch. */
	ASSERT_NL(NL, 0, ubc_create(NL, 13070));
	ASSERT_NUMPROC(NL, 13070, 0, 0, 0);
	ASSERT_GET(NL, 13070, &info);
	ASSERT_EQ(U, info.res[UBC_NUMPROC].barrier);
	ASSERT_EQ(0, info.flags);
}

/*
 * Runs NEW (of a fresh id), SET, DEL and ENTER of existing compartments
 * from worker @w and expects EPERM for all; nothing changes.
 */
static void expect_mutations_refused(struct __test_metadata *_metadata,
				     struct ubc_nl *h, struct worker *w,
				     uint32_t existing, uint32_t fresh)
{
	struct ubc_info info;

	w->sh->arg_id = fresh;
	WCMD(w, 'N', 0);
	WASSERT_NL(w, -EPERM);
	w->sh->arg_id = existing;
	w->sh->arg_res = UBC_NUMPROC;
	w->sh->arg_barrier = w->sh->arg_limit = 1;
	WCMD(w, 'S', 0);
	WASSERT_NL(w, -EPERM);
	WCMD(w, 'D', 0);
	WASSERT_NL(w, -EPERM);
	w->sh->arg_pid = 0;
	WCMD(w, 'E', 0);
	WASSERT_NL(w, -EPERM);

	ASSERT_NL(h, -ENOENT, ubc_get(h, fresh, &info));
	ASSERT_GET(h, existing, &info);
	ASSERT_EQ(5, info.res[UBC_NUMPROC].barrier);
	ASSERT_EQ(5, info.res[UBC_NUMPROC].limit);
	ASSERT_EQ(0, info.res[UBC_NUMPROC].held);
	ASSERT_EQ(0, info.flags);
}

static void perm_setup(struct __test_metadata *_metadata, struct ubc_nl *h,
		       uint32_t id, struct worker *w)
{
	const struct ubc_lim l = { UBC_NUMPROC, 5, 5 };

	ASSERT_NL(h, 0, ubc_create_lims(h, id, &l, 1));
	ASSERT_EQ(0, worker_start(w));
}

TEST_F(ubctest, perm_unprivileged)
{
	struct worker w;

	IDS(13080, 2);
	perm_setup(_metadata, NL, 13080, &w);
	WCMD(&w, 'u', 0);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("could not drop to nobody: %s",
				       strerror(-w.sh->ret));
	WCMD(&w, 'o', 0);
	ASSERT_EQ(0, w.sh->ret);
	expect_mutations_refused(_metadata, NL, &w, 13080, 13081);
	/* Reading needs CAP_SYS_ADMIN too (api_test has the details). */
	w.sh->arg_id = 13080;
	WCMD(&w, 'G', 0);
	WASSERT_NL(&w, -EPERM);
	WSTOP(&w);
}

TEST_F(ubctest, perm_socket_opened_by_root)
{
	struct worker w;

	IDS(13082, 2);
	perm_setup(_metadata, NL, 13082, &w);
	/* Open as root, then lose every capability: the sender counts. */
	WCMD(&w, 'o', 0);
	ASSERT_EQ(0, w.sh->ret);
	WCMD(&w, 'u', 0);
	ASSERT_EQ(0, w.sh->ret);
	expect_mutations_refused(_metadata, NL, &w, 13082, 13083);
	WSTOP(&w);
}

TEST_F(ubctest, perm_root_without_cap_sys_admin)
{
	struct worker w;

	IDS(13084, 2);
	perm_setup(_metadata, NL, 13084, &w);
	/* Still uid 0 and CAP_NET_ADMIN, but no CAP_SYS_ADMIN. */
	WCMD(&w, 'a', 0);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("could not drop CAP_SYS_ADMIN: %s",
				       strerror(-w.sh->ret));
	WCMD(&w, 'o', 0);
	ASSERT_EQ(0, w.sh->ret);
	expect_mutations_refused(_metadata, NL, &w, 13084, 13085);
	WSTOP(&w);
}

TEST_F(ubctest, perm_user_namespace_root)
{
	struct worker w;

	IDS(13086, 2);
	perm_setup(_metadata, NL, 13086, &w);
	WCMD(&w, 'n', 0);
	if (w.sh->ret) {
		WSTOP(&w);
		SKIP(return, "unshare(CLONE_NEWUSER): %s",
		     strerror(-w.sh->ret));
	}
	/* Full capabilities, but not in the initial user namespace. */
	WCMD(&w, 'o', 0);
	ASSERT_EQ(0, w.sh->ret);
	expect_mutations_refused(_metadata, NL, &w, 13086, 13087);
	WSTOP(&w);
}

TEST_F(ubctest, perm_inside_compartment)
{
	struct worker w, other;

	IDS(13090, 4);
	ASSERT_NL(NL, 0, ubc_create(NL, 13090));
	ASSERT_NL(NL, 0, ubc_set(NL, 13090, UBC_NUMPROC, 5, 5));
	ASSERT_NL(NL, 0, ubc_create(NL, 13091));
	ASSERT_NL(NL, 0, ubc_set(NL, 13091, UBC_NUMPROC, 5, 5));
	ASSERT_NL(NL, 0, ubc_create(NL, 13092));
	ASSERT_EQ(0, worker_start(&w));
	ASSERT_EQ(0, worker_start(&other));
	w.sh->arg_id = 13090;
	WCMD(&w, 'e', 0);
	WASSERT_NL(&w, 0);
	ASSERT_NUMPROC(NL, 13090, 1, 1, 0);

	/* Root, but inside: no NEW, SET, DEL, ENTER, of any id. */
	expect_mutations_refused(_metadata, NL, &w, 13091, 13093);
	w.sh->arg_id = 13090;
	w.sh->arg_res = UBC_NUMPROC;
	w.sh->arg_barrier = w.sh->arg_limit = 1;
	WCMD(&w, 'S', 0);
	WASSERT_NL(&w, -EPERM);
	WCMD(&w, 'D', 0);
	WASSERT_NL(&w, -EPERM);
	w.sh->arg_id = 13092;
	w.sh->arg_pid = other.pid;
	WCMD(&w, 'E', 0);
	WASSERT_NL(&w, -EPERM);
	ASSERT_NUMPROC(NL, 13092, 0, 0, 0);
	ASSERT_NUMPROC(NL, 13090, 1, 1, 0);
	{
		struct ubc_info info;

		ASSERT_GET(NL, 13090, &info);
		ASSERT_EQ(5, info.res[UBC_NUMPROC].barrier);
	}
	/* The other worker was not moved. */
	ASSERT_NL(NL, 0, ubc_enter(NL, 13092, other.pid));
	ASSERT_NUMPROC(NL, 13092, 1, 1, 0);

	/* It sees its own compartment only. */
	w.sh->arg_id = 13091;
	WCMD(&w, 'G', 0);
	WASSERT_NL(&w, -ENOENT);
	w.sh->arg_id = 13093;
	WCMD(&w, 'G', 0);
	WASSERT_NL(&w, -ENOENT);
	w.sh->arg_id = 13090;
	WCMD(&w, 'G', 0);
	WASSERT_NL(&w, 0);
	ASSERT_FALSE(w.sh->info.bad) TH_LOG("%s", w.sh->info.why);
	ASSERT_EQ(13090, w.sh->info.id);
	ASSERT_EQ(1, w.sh->info.res[UBC_NUMPROC].held);
	ASSERT_EQ(5, w.sh->info.res[UBC_NUMPROC].barrier);
	WCMD(&w, 'P', 0);
	WASSERT_NL(&w, 0);
	WASSERT_SEES_ONLY(&w, 13090);

	WSTOP(&w);
	WSTOP(&other);
	WAIT_HELD(NL, 13090, 0);
	WAIT_HELD(NL, 13092, 0);
}

/*
 * mmap(@gib GiB, private writable) from a child on the host (@id 0) or
 * entered into @id; returns 0 or the errno.
 */
static int mmap_errno_in(struct __test_metadata *_metadata, struct ubc_nl *h,
			 uint32_t id, long gib)
{
	int go[2], res[2], err = -1;
	pid_t pid;

	if (pipe(go) || pipe(res))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		char c;
		void *p;

		close(go[1]);
		close(res[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		p = mmap(NULL, (size_t)gib << 30, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		err = p == MAP_FAILED ? errno : 0;
		if (write(res[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	if (id)
		EXPECT_NL(h, 0, ubc_enter(h, id, pid));
	if (write(go[1], "g", 1) != 1 || read(res[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(go[1]);
	close(res[0]);
	EXPECT_EQ(0, reap(pid));
	return err;
}

TEST_F(ubctest, default_no_guarantee_strict_overcommit)
{
	const uint64_t page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct ubc_info info;
	long limit_kb, comm_kb, gib;

	IDS(13100, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 13100));
	ASSERT_GET(NL, 13100, &info);
	ASSERT_EQ(0, info.res[UBC_VMGUARPAGES].barrier);
	ASSERT_EQ(U, info.res[UBC_VMGUARPAGES].limit);
	ASSERT_EQ(0, info.res[UBC_OOMGUARPAGES].barrier);
	ASSERT_EQ(U, info.res[UBC_OOMGUARPAGES].limit);

	SYSCTL_SET("/proc/sys/vm/overcommit_memory", "2");
	limit_kb = meminfo("CommitLimit");
	comm_kb = meminfo("Committed_AS");
	ASSERT_LT(0, limit_kb);
	/* a mapping sure to pass the commit limit, and that a guarantee can cover */
	gib = (limit_kb - comm_kb) / (1024 * 1024) + 1;
	ASSERT_EQ(ENOMEM, mmap_errno_in(_metadata, NL, 0, gib)) TH_LOG("host");
	ASSERT_EQ(ENOMEM, mmap_errno_in(_metadata, NL, 13100, gib))
		TH_LOG("a default compartment passed strict overcommit");

	/* unlimited is no guarantee either; SET says so */
	ASSERT_NL(NL, 0, ubc_set(NL, 13100, UBC_VMGUARPAGES, U, U));
	ASSERT_TRUE(NL->has_msg && strstr(NL->msg, "no guarantee"))
		TH_LOG("extack '%s'", NL->msg);
	ASSERT_EQ(ENOMEM, mmap_errno_in(_metadata, NL, 13100, gib))
		TH_LOG("an unlimited vmguarpages passed strict overcommit");

	/* a finite guarantee does; beyond RAM + swap, SET warns */
	ASSERT_NL(NL, 0, ubc_set(NL, 13100, UBC_VMGUARPAGES,
				 (gib << 20) / page_kb + 4096, U));
	if ((long)(gib << 20) > meminfo("MemTotal") + meminfo("SwapFree")) {
		ASSERT_TRUE(NL->has_msg && strstr(NL->msg, "RAM + swap"))
			TH_LOG("extack '%s'", NL->msg);
	}
	ASSERT_EQ(0, mmap_errno_in(_metadata, NL, 13100, gib))
		TH_LOG("a finite vmguarpages did not pass strict overcommit");
	ASSERT_EQ(ENOMEM, mmap_errno_in(_metadata, NL, 0, gib)) TH_LOG("host after");
	WAIT_HELD(NL, 13100, 0);
}

TEST_HARNESS_MAIN
