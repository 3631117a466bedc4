// SPDX-License-Identifier: GPL-2.0
/*
 * Trust: root inside a compartment cannot switch ubc's enforcement off or
 * take ubc away. While ubc is armed writing 0 to
 * /proc/sys/kernel/ftrace_enabled fails with EBUSY, from inside and from
 * the host, and limits still refuse afterwards; delete_module() from inside
 * fails with EPERM, forced or not, and from the host with EWOULDBLOCK while
 * a compartment holds a task (unless the host set allow_busy_unload);
 * ubc's writable module parameters refuse writers inside with EPERM;
 * hooks_missed is a read-only counter.
 *
 * Compartment ids: 21000..21999.
 */
#include "kselftest_harness.h"
#include "ubc_test.h"

#define NL (&self->nl)

#define FTRACE_SYSCTL	"/proc/sys/kernel/ftrace_enabled"
#define PARAMS		"/sys/module/ubc/parameters/"
#define REFCNT		"/sys/module/ubc/refcnt"

/* What a child inside reports: the first failed check and its errno. */
struct report {
	int check;
	int err;
	char what[320];
};

#define INSIDE_CHECK(r, cond, n, ...) do {				\
	if (!(cond)) {							\
		(r)->check = (n);					\
		(r)->err = errno;					\
		snprintf((r)->what, sizeof((r)->what), __VA_ARGS__);	\
		return (n);						\
	}								\
} while (0)

/* write(2) of @val to @path: 0 or -errno (of open or write). */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Forks a child that enters @id itself (root, inside) and runs @fn; returns
 * @fn's result (0 = every check passed) with the details in @r.
 */
static int run_inside(uint32_t id, int (*fn)(struct report *),
		      struct report *r)
{
	struct report *sh = shared_mem(sizeof(*sh));
	pid_t pid;
	int rc;

	if (!sh)
		return -1;
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct ubc_nl h;

		if (ubc_nl_open(&h, 0) || ubc_enter(&h, id, 0)) {
			sh->check = 100;
			snprintf(sh->what, sizeof(sh->what), "enter %u: %s",
				 id, h.msg);
			_exit(100);
		}
		ubc_nl_close(&h);
		_exit(fn(sh));
	}
	rc = reap(pid);
	*r = *sh;
	munmap(sh, sizeof(*sh));
	return rc;
}

#define ASSERT_INSIDE(id, fn) do {					\
	struct report __r;						\
	int __rc = run_inside((id), (fn), &__r);			\
	ASSERT_EQ(0, __rc)						\
		TH_LOG("inside %u: check %d failed (%s): errno %d (%s)", \
		       (unsigned)(id), __r.check, __r.what, __r.err,	\
		       strerror(__r.err));				\
} while (0)

static int ftrace_inside(struct report *r)
{
	char v[16];
	pid_t pid;

	errno = 0;
	INSIDE_CHECK(r, write_file(FTRACE_SYSCTL, "0") == -EBUSY, 1,
		     "write 0 to " FTRACE_SYSCTL " not refused with EBUSY");
	errno = 0;
	INSIDE_CHECK(r, !read_line(FTRACE_SYSCTL, v, sizeof(v)) &&
		     !strcmp(v, "1"), 2, "ftrace_enabled is '%s'", v);
	/* numproc 1:1 and this task holds it: the fork gate still refuses */
	pid = fork();
	if (!pid)
		_exit(0);
	if (pid > 0)
		reap(pid);
	INSIDE_CHECK(r, pid < 0 && errno == EAGAIN, 3,
		     "fork at the numproc limit: %d", (int)pid);
	return 0;
}

TEST_F(ubctest, ftrace_enabled_cannot_be_cleared)
{
	const struct ubc_lim one = { UBC_NUMPROC, 1, 1 };
	char v[16];

	if (access(FTRACE_SYSCTL, F_OK))
		SKIP(return, FTRACE_SYSCTL " does not exist on this kernel (no dynamic ftrace sysctl)");
	IDS(21000, 1);
	/* whatever happens, teardown switches ftrace back on */
	self->sysctl = FTRACE_SYSCTL;
	snprintf(self->sysctl_old, sizeof(self->sysctl_old), "1");
	ASSERT_EQ(0, read_line(FTRACE_SYSCTL, v, sizeof(v)));
	ASSERT_STREQ("1", v);
	ASSERT_NL(NL, 0, ubc_create_lims(NL, 21000, &one, 1));

	ASSERT_INSIDE(21000, ftrace_inside);
	ASSERT_NUMPROC(NL, 21000, 0, 1, 1);

	/* The host cannot clear it either while ubc is armed. */
	ASSERT_EQ(-EBUSY, write_file(FTRACE_SYSCTL, "0"));
	ASSERT_EQ(0, read_line(FTRACE_SYSCTL, v, sizeof(v)));
	ASSERT_STREQ("1", v);
	/* and the limit still holds for the next tenant */
	ASSERT_INSIDE(21000, ftrace_inside);
	ASSERT_NUMPROC(NL, 21000, 0, 1, 2);
}

static int delete_module_inside(struct report *r)
{
	static const struct { const char *name; int flags; } c[] = {
		{ "ubc", O_NONBLOCK },
		{ "ubc", O_NONBLOCK | O_TRUNC },	/* rmmod -f */
		{ "ubc", 0 },
		{ "no_such_module", O_NONBLOCK },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		long ret;

		errno = 0;
		ret = syscall(SYS_delete_module, c[i].name, c[i].flags);
		INSIDE_CHECK(r, ret == -1 && errno == EPERM, 1 + i,
			     "delete_module(%s, %#x) = %ld", c[i].name,
			     c[i].flags, ret);
	}
	return 0;
}

static int module_loaded(void)
{
	size_t len;
	int err;
	char *m = read_all("/proc/modules", 4096, &len, &err);
	int found;

	if (!m)
		return -1;
	found = !strncmp(m, "ubc ", 4) || strstr(m, "\nubc ") != NULL;
	free(m);
	return found;
}

static long refcnt(void)
{
	char v[32];

	if (read_line(REFCNT, v, sizeof(v)))
		return -1;
	return atol(v);
}

/* refcnt reaches @want within DRAIN_MS (entries go in RCU callbacks). */
static long wait_refcnt(long want)
{
	long r = -1;
	int i;

	for (i = 0; i <= DRAIN_MS / 10; i++) {
		r = refcnt();
		if (r == want)
			break;
		msleep(10);
	}
	return r;
}

TEST_F(ubctest, delete_module_refused_inside)
{
	IDS(21010, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 21010));
	ASSERT_INSIDE(21010, delete_module_inside);
	ASSERT_EQ(1, module_loaded());
	ASSERT_NUMPROC(NL, 21010, 0, 1, 0);
}

static void busy_unload_off(void)
{
	write_file(PARAMS "allow_busy_unload", "0");
}

TEST_F(ubctest, delete_module_busy_from_host)
{
	struct chan c;
	char v[8];
	pid_t pid;

	IDS(21020, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 21020));
	ASSERT_EQ(0, wait_refcnt(0)) TH_LOG("ubc pinned with no task inside");
	ASSERT_EQ(0, chan_init(&c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct ubc_nl h;

		chan_child(&c);
		if (ubc_nl_open(&h, 0) || ubc_enter(&h, 21020, 0))
			_exit(1);
		chan_put(c.up[1], 'e');
		wait_eof(c.down[0]);
		_exit(0);
	}
	chan_parent(&c);
	ASSERT_EQ('e', chan_get(c.up[0], 5000));
	ASSERT_NUMPROC(NL, 21020, 1, 1, 0);

	/* A task inside pins the module: a plain unload is refused. */
	ASSERT_EQ(1, refcnt());
	errno = 0;
	ASSERT_EQ(-1, syscall(SYS_delete_module, "ubc", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(1, module_loaded());
	ASSERT_NUMPROC(NL, 21020, 1, 1, 0);

	/* The host may allow it (not done here: the pin is dropped only). */
	self->undo = busy_unload_off;
	ASSERT_EQ(0, write_file(PARAMS "allow_busy_unload", "1"));
	ASSERT_EQ(0, read_line(PARAMS "allow_busy_unload", v, sizeof(v)));
	ASSERT_STREQ("Y", v);
	ASSERT_EQ(0, refcnt());
	ASSERT_EQ(0, write_file(PARAMS "allow_busy_unload", "0"));
	ASSERT_EQ(1, refcnt());

	/* The last task gone, the pin goes. */
	close(c.down[1]);
	ASSERT_EQ(0, reap(pid));
	WAIT_HELD(NL, 21020, 0);
	ASSERT_EQ(0, wait_refcnt(0));
	close(c.up[0]);
}

static int params_inside(struct report *r)
{
	static const char *const rw[] = {
		PARAMS "allow_busy_unload",
		PARAMS "kmem_refuse_unsure_faults",
	};
	unsigned int i;
	char v0[32], v[32];
	int ret;

	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		const char *flip;

		/* whatever the host set (kmem_test may leave Y), flip it */
		errno = 0;
		INSIDE_CHECK(r, !read_line(rw[i], v0, sizeof(v0)) &&
			     (!strcmp(v0, "N") || !strcmp(v0, "Y")), 1 + 3 * i,
			     "%s reads '%s'", rw[i], v0);
		flip = strcmp(v0, "N") ? "0" : "1";
		ret = write_file(rw[i], flip);
		errno = -ret;
		INSIDE_CHECK(r, ret == -EPERM, 2 + 3 * i,
			     "write %s to %s: %d", flip, rw[i], ret);
		errno = 0;
		INSIDE_CHECK(r, !read_line(rw[i], v, sizeof(v)) &&
			     !strcmp(v, v0), 3 + 3 * i,
			     "%s reads '%s' after the refused write, was '%s'",
			     rw[i], v, v0);
	}
	ret = write_file(PARAMS "hooks_missed", "0");
	errno = -ret;
	INSIDE_CHECK(r, ret == -EACCES, 20, "write to hooks_missed: %d", ret);
	return 0;
}

TEST_F(ubctest, parameters_refuse_writers_inside)
{
	char v[32], *end;

	IDS(21030, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 21030));
	ASSERT_INSIDE(21030, params_inside);

	/* hooks_missed: a number, read-only for the host too */
	ASSERT_EQ(0, read_line(PARAMS "hooks_missed", v, sizeof(v)));
	errno = 0;
	strtoul(v, &end, 10);
	ASSERT_TRUE(v[0] && !*end && !errno) TH_LOG("hooks_missed '%s'", v);
	ASSERT_EQ(-EACCES, write_file(PARAMS "hooks_missed", "0"));
	ASSERT_NUMPROC(NL, 21030, 0, 1, 0);
}

TEST_HARNESS_MAIN
