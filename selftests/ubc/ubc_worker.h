/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A worker: a forked child process that the test drives step by step over a
 * pipe (one command, one acknowledgement), reporting results in shared
 * memory. The test can ENTER it into a compartment by pid, or tell it to
 * enter itself, then make it fork, clone, create threads, leave zombies,
 * issue netlink requests or read /proc/user_beancounters from inside.
 *
 * Include after ubc_test.h.
 */
#ifndef _UBC_WORKER_H
#define _UBC_WORKER_H

#include <pthread.h>
#include <sched.h>

#define W_MAX		256	/* children or threads a worker keeps */
#define W_TEXT		65536	/* bytes of /proc text a worker reports */
#define W_IDS		1024	/* ids a worker's dump reports */

struct wshared {
	/* Arguments, set by the test before a command. */
	uint32_t arg_id;
	uint32_t arg_pid;
	uint32_t arg_res;
	uint64_t arg_barrier, arg_limit;
	char arg_path[128];	/* 'V': the file to read ("": PROC_UBC) */

	/* Results of the last command. */
	int nok, nfail;		/* fork/clone/thread successes, refusals */
	int err[W_MAX];		/* errno of each refusal */
	int ret;		/* netlink result (0/-errno) or other result */
	int has_msg;
	char msg[256];
	struct ubc_info info;	/* 'G' */
	unsigned int nids;	/* 'P': compartment ids of a dump */
	uint32_t ids[W_IDS];
	size_t textlen;		/* 'V': /proc text, or ret = -errno */
	char text[W_TEXT];
};

struct worker {
	pid_t pid;
	struct chan c;
	struct wshared *sh;
};

struct wcmd {
	char cmd;
	int arg;
};

/*
 * Optional extension: a test may set this (before worker_start()) to add
 * commands of its own. It runs in the worker for every command worker_main()
 * does not know, after nok and nfail were cleared; it returns 0 when it
 * handled @cmd (the command is then acknowledged) or -1 (the worker exits
 * 97, as for any unknown command).
 */
static int (*worker_ext)(struct wshared *sh, char cmd, int arg);

/* ---- child side ---- */

struct wstate {
	struct wshared *sh;
	int relr, relw;		/* sleepers and threads wait for EOF on relr */
	pid_t kids[W_MAX];	/* sleeping children */
	int nkids;
	pid_t zombies[W_MAX];	/* exited, not reaped */
	int nzombies;
	pthread_t thr[W_MAX];
	int nthr;
	struct ubc_nl nl;
	int nl_open;
};

static void *w_thread(void *arg)
{
	wait_eof((int)(long)arg);
	return NULL;
}

/* Counts one call's result: success, or failure with its errno. */
static inline void wshared_note(struct wshared *sh, long r)
{
	if (r >= 0) {
		sh->nok++;
	} else {
		if (sh->nfail < W_MAX)
			sh->err[sh->nfail] = errno;
		sh->nfail++;
	}
}

static void w_note(struct wstate *s, long r)
{
	wshared_note(s->sh, r);
}

/* Child side of fork-like calls: sleep until released. */
static void w_sleeper(struct wstate *s)
{
	close(s->relw);
	wait_eof(s->relr);
	_exit(0);
}

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls;
};

static void w_spawn(struct wstate *s, char how, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		long r;

		if (how == 't') {
			pthread_t t;
			int e = pthread_create(&t, NULL, w_thread,
					       (void *)(long)s->relr);

			if (!e && s->nthr < W_MAX)
				s->thr[s->nthr++] = t;
			errno = e;
			w_note(s, e ? -1 : 0);
			continue;
		}
		if (how == 'c') {
			r = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
		} else if (how == '3') {
			struct clone_args_v0 a;

			memset(&a, 0, sizeof(a));
			a.exit_signal = SIGCHLD;
			r = syscall(SYS_clone3, &a, sizeof(a));
		} else {
			r = fork();
		}
		if (r == 0)
			w_sleeper(s);
		if (r > 0 && s->nkids < W_MAX)
			s->kids[s->nkids++] = (pid_t)r;
		w_note(s, r);
	}
}

static void w_release(struct wstate *s)
{
	int i, p[2];

	close(s->relw);
	for (i = 0; i < s->nkids; i++)
		waitpid(s->kids[i], NULL, 0);
	for (i = 0; i < s->nthr; i++)
		pthread_join(s->thr[i], NULL);
	s->nkids = s->nthr = 0;
	close(s->relr);
	/*
	 * A fresh release pipe for later sleepers. It may be refused inside a
	 * compartment at its numfile barrier: then later sleepers exit at once
	 * (EOF on -1), which no test at the barrier relies on.
	 */
	if (pipe(p))
		p[0] = p[1] = -1;
	s->relr = p[0];
	s->relw = p[1];
}

static void w_zombies(struct wstate *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		siginfo_t si;
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		w_note(s, p);
		if (p < 0)
			continue;
		/* Wait until it has exited, without reaping it. */
		waitid(P_PID, p, &si, WEXITED | WNOWAIT);
		if (s->nzombies < W_MAX)
			s->zombies[s->nzombies++] = p;
	}
}

static void w_churn(struct wstate *s, char how, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (how == 'K') {
			pthread_t t;
			int e = pthread_create(&t, NULL, w_thread,
					       (void *)(long)-1);

			/* A thread waiting on fd -1 returns at once. */
			if (!e)
				pthread_join(t, NULL);
			errno = e;
			w_note(s, e ? -1 : 0);
		} else {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
			w_note(s, p);
		}
	}
}

static void w_nl_result(struct wstate *s, int ret)
{
	s->sh->ret = ret;
	s->sh->has_msg = s->nl.has_msg;
	memcpy(s->sh->msg, s->nl.msg, sizeof(s->sh->msg));
}

static void w_dump_cb(const struct ubc_info *info, void *arg)
{
	struct wshared *sh = arg;

	if (sh->nids < W_IDS)
		sh->ids[sh->nids] = info->id;
	sh->nids++;
}

static int w_open(struct wstate *s)
{
	int ret;

	if (s->nl_open)
		ubc_nl_close(&s->nl);
	s->nl_open = 0;
	ret = ubc_nl_open(&s->nl, 0);
	if (!ret)
		s->nl_open = 1;
	return ret;
}

static void w_netlink(struct wstate *s, char cmd)
{
	struct wshared *sh = s->sh;
	int ret;

	if (!s->nl_open && (ret = w_open(s))) {
		sh->ret = ret;
		sh->has_msg = 0;
		sh->msg[0] = '\0';
		return;
	}
	switch (cmd) {
	case 'N':
		ret = ubc_create(&s->nl, sh->arg_id);
		break;
	case 'D':
		ret = ubc_destroy(&s->nl, sh->arg_id);
		break;
	case 'S':
		ret = ubc_set(&s->nl, sh->arg_id, sh->arg_res,
			      sh->arg_barrier, sh->arg_limit);
		break;
	case 'E':
		ret = ubc_enter(&s->nl, sh->arg_id, sh->arg_pid);
		break;
	case 'G':
		ret = ubc_get(&s->nl, sh->arg_id, &sh->info);
		break;
	default: /* 'P' */
		sh->nids = 0;
		ret = ubc_dump(&s->nl, w_dump_cb, sh);
		break;
	}
	w_nl_result(s, ret);
}

static void w_read_proc(struct wshared *sh)
{
	size_t len = 0;
	int err;
	char *t = read_all(sh->arg_path[0] ? sh->arg_path : PROC_UBC, 65536,
			   &len, &err);

	sh->textlen = 0;
	sh->text[0] = '\0';
	if (!t) {
		sh->ret = -err;
		return;
	}
	sh->ret = 0;
	if (len >= W_TEXT) {
		sh->ret = -EFBIG;
		len = W_TEXT - 1;
	}
	memcpy(sh->text, t, len);
	sh->text[len] = '\0';
	sh->textlen = len;
	free(t);
}

/* Forks a child that dumps from there (inherits the compartment). */
static void w_child_dump(struct wstate *s)
{
	pid_t p = fork();

	if (p == 0) {
		struct ubc_nl nl;
		int ret = ubc_nl_open(&nl, 0);

		s->sh->nids = 0;
		if (!ret)
			ret = ubc_dump(&nl, w_dump_cb, s->sh);
		s->sh->ret = ret;
		_exit(0);
	}
	if (p < 0) {
		s->sh->ret = -errno;
		return;
	}
	waitpid(p, NULL, 0);
}

/*
 * Execs this very binary as "exec helper" (see UBC_EXEC_HELPER in the test
 * that uses it) with arg_id, arg_res passed in the environment.
 */
static void w_exec_helper(struct wshared *sh)
{
	char id[32], held[32];
	char *argv[] = { "ubc-exec-helper", NULL };
	char *envp[] = { id, held, NULL };

	snprintf(id, sizeof(id), "UBC_EXEC_HELPER=%u", sh->arg_id);
	snprintf(held, sizeof(held), "UBC_EXEC_HELD=%u", sh->arg_res);
	execve("/proc/self/exe", argv, envp);
	_exit(96);
}

/* Forks a child that execs the helper; ret is its exit code. */
static void w_fork_exec(struct wstate *s)
{
	pid_t p = fork();
	int st;

	if (p == 0)
		w_exec_helper(s->sh);
	if (p < 0) {
		s->sh->ret = -errno;
		return;
	}
	waitpid(p, &st, 0);
	s->sh->ret = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void worker_main(struct worker *w)
{
	struct wstate s;
	int p[2];

	memset(&s, 0, sizeof(s));
	s.sh = w->sh;
	if (pipe(p))
		_exit(98);
	s.relr = p[0];
	s.relw = p[1];
	chan_child(&w->c);
	for (;;) {
		struct wshared *sh = s.sh;
		struct wcmd c;
		ssize_t n = read(w->c.down[0], &c, sizeof(c));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(c))
			_exit(99);	/* the test went away */
		sh->nok = sh->nfail = 0;
		switch (c.cmd) {
		case 'f': case 'c': case '3': case 't':
			w_spawn(&s, c.cmd, c.arg);
			break;
		case 'r':
			w_release(&s);
			break;
		case 'z':
			w_zombies(&s, c.arg);
			break;
		case 'R':
			while (s.nzombies)
				waitpid(s.zombies[--s.nzombies], NULL, 0);
			break;
		case 'k': case 'K':
			w_churn(&s, c.cmd, c.arg);
			break;
		case 'e':	/* enter arg_id by UBC_A_PID 0 */
			sh->arg_pid = 0;
			w_netlink(&s, 'E');
			break;
		case 'N': case 'D': case 'S': case 'E': case 'G': case 'P':
			w_netlink(&s, c.cmd);
			break;
		case 'g':
			w_child_dump(&s);
			break;
		case 'o':
			sh->ret = w_open(&s);
			break;
		case 'u':
			sh->ret = drop_to_nobody();
			break;
		case 'a':
			sh->ret = drop_one_cap(CAP_SYS_ADMIN);
			if (!sh->ret && cap_effective(CAP_NET_ADMIN) != 1)
				sh->ret = -ENOTSUP;
			break;
		case 'n':
			sh->ret = unshare(CLONE_NEWUSER) ? -errno : 0;
			break;
		case 'V':
			w_read_proc(sh);
			break;
		case 'X':
			w_fork_exec(&s);
			break;
		case 'Y':	/* the worker itself becomes the helper */
			w_exec_helper(sh);
			break;
		case 'x':
			w_release(&s);
			while (s.nzombies)
				waitpid(s.zombies[--s.nzombies], NULL, 0);
			_exit(0);
		default:
			if (!worker_ext || worker_ext(sh, c.cmd, c.arg))
				_exit(97);
			break;
		}
		chan_put(w->c.up[1], 'k');
	}
}

/* ---- test side ---- */

/* Forks the worker. 0 or -1. */
static inline int worker_start(struct worker *w)
{
	memset(w, 0, sizeof(*w));
	w->sh = shared_mem(sizeof(*w->sh));
	if (!w->sh || chan_init(&w->c))
		return -1;
	w->pid = fork();
	if (w->pid < 0)
		return -1;
	if (w->pid == 0)
		worker_main(w);
	chan_parent(&w->c);
	return 0;
}

/* Runs one command; 0 when acknowledged within @ms, -1 otherwise. */
static inline int worker_cmd_ms(struct worker *w, char cmd, int arg, int ms)
{
	struct wcmd c = { cmd, arg };

	if (write(w->c.down[1], &c, sizeof(c)) != sizeof(c))
		return -1;
	return chan_get(w->c.up[0], ms) == 'k' ? 0 : -1;
}

static inline int worker_cmd(struct worker *w, char cmd, int arg)
{
	return worker_cmd_ms(w, cmd, arg, 20000);
}

/* Sends the worker's last command @cmd and reaps it: its exit code. */
static inline int worker_last(struct worker *w, char cmd)
{
	struct wcmd c = { cmd, 0 };
	int ret;

	if (write(w->c.down[1], &c, sizeof(c)) != sizeof(c))
		kill(w->pid, SIGKILL);
	ret = reap(w->pid);
	close(w->c.down[1]);
	close(w->c.up[0]);
	return ret;
}

/* Releases everything, exits and reaps the worker: its exit code. */
static inline int worker_stop(struct worker *w)
{
	return worker_last(w, 'x');
}

/* Makes the worker exec the helper itself; returns the helper's exit code. */
static inline int worker_exec_self(struct worker *w)
{
	return worker_last(w, 'Y');
}

/* Asserting forms. */
#define WCMD(w, cmd, arg)						\
	ASSERT_EQ(0, worker_cmd(w, cmd, arg))				\
		TH_LOG("worker command '%c' %d failed", cmd, (int)(arg))

#define WSTOP(w)							\
	ASSERT_EQ(0, worker_stop(w)) TH_LOG("worker exit status")

/* The worker's last netlink request returned @want (and an extack msg). */
#define WASSERT_NL(w, want) do {					\
	int __want = (want);						\
	ASSERT_EQ(__want, (w)->sh->ret)					\
		TH_LOG("worker: want %d (%s) got %d (%s), extack '%s'",	\
		       __want, strerror(-__want), (w)->sh->ret,		\
		       strerror(-(w)->sh->ret), (w)->sh->msg);		\
	if (__want) {							\
		ASSERT_TRUE((w)->sh->has_msg && (w)->sh->msg[0])	\
			TH_LOG("worker: error %d without extack message", \
			       __want);					\
	}								\
} while (0)

/* Spawned @ok, refused @fail, every refusal EAGAIN. */
#define WASSERT_SPAWN(w, ok, fail) do {					\
	int __i;							\
	ASSERT_EQ(ok, (w)->sh->nok);					\
	ASSERT_EQ(fail, (w)->sh->nfail);				\
	for (__i = 0; __i < (w)->sh->nfail && __i < W_MAX; __i++) {	\
		ASSERT_EQ(EAGAIN, (w)->sh->err[__i])			\
			TH_LOG("refusal %d: %s", __i,			\
			       strerror((w)->sh->err[__i]));		\
	}								\
} while (0)

#endif /* _UBC_WORKER_H */
