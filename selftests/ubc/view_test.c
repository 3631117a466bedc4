// SPDX-License-Identifier: GPL-2.0
/*
 * ubc(8)'s watching views against the module: "ubc show -w" refreshing in
 * place on a terminal (a pty) and appended through a pipe, ending at
 * --count or cleanly at SIGINT; "--relative" failcnt deltas kept across
 * invocations; "--changed" showing only rows with new refusals; "ubc top".
 * Refusals are real: forks past a numproc limit of 1.
 *
 * Compartment ids: 15200..15299.
 */
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ubc_test.h"

#define NL (&self->nl)
#define STATE_DIR "/tmp/view_test.state"
#define OUT_MAX (1 << 16)

/*
 * Runs ubc with @argv (NULL-terminated, argv[0] "ubc") on a pty, its
 * output into @out; with @int_ms, SIGINT after that many ms. Returns the
 * wait status, or -1.
 */
static int run_pty(char *const argv[], char *out, size_t len, int int_ms)
{
	struct timespec t0, t;
	size_t n = 0;
	int master, st;
	bool sent = false;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0)
		return -1;
	if (!pid) {
		execvp("ubc", argv);
		_exit(127);
	}
	fcntl(master, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r = read(master, out + n, len - 1 - n);

		if (r > 0) {
			n += r;
			continue;
		}
		if (r < 0 && errno != EAGAIN)
			break;		/* EIO: the child closed the pty */
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (int_ms && !sent && (t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 >= int_ms) {
			kill(pid, SIGINT);
			sent = true;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			while ((r = read(master, out + n, len - 1 - n)) > 0)
				n += r;
			out[n] = '\0';
			close(master);
			return st;
		}
		msleep(10);
	}
	out[n] = '\0';
	close(master);
	return waitpid(pid, &st, 0) == pid ? st : -1;
}

/* "sh -c CMD" through a pipe (not a terminal): output and wait status. */
static int run_pipe(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	return pclose(f);
}

static unsigned int count(const char *s, const char *what)
{
	unsigned int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/*
 * @k forks refused in @id (numproc limit 1, held by a child that entered):
 * returns how many were refused, or -1.
 */
static int refuse_forks(uint32_t id, int k)
{
	pid_t pid = fork();
	int st, i;

	if (pid < 0)
		return -1;
	if (!pid) {
		struct ubc_nl h;
		int refused = 0;

		if (ubc_nl_open(&h, 0) || ubc_enter(&h, id, 0))
			_exit(255);
		ubc_nl_close(&h);
		for (i = 0; i < k; i++) {
			pid_t c = fork();

			if (!c)
				_exit(0);
			if (c < 0 && errno == EAGAIN)
				refused++;
			else if (c > 0)
				waitpid(c, NULL, 0);
		}
		_exit(refused);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 255 ? -1 : WEXITSTATUS(st);
}

/* failcnt_delta of resource @name in one -j snapshot, or -1. */
static long json_delta(const char *out, const char *name)
{
	char key[64];
	const char *p, *d;

	snprintf(key, sizeof(key), "\"name\":\"%s\"", name);
	p = strstr(out, key);
	d = p ? strstr(p, "\"failcnt_delta\":") : NULL;
	return d ? atol(d + 16) : -1;
}

static void reset_state(void)
{
	setenv("UBC_STATE_DIR", STATE_DIR, 1);
	unlink(STATE_DIR "/failcnt");
}

TEST_F(ubctest, watch_on_a_terminal_refreshes_in_place)
{
	char *out = malloc(OUT_MAX), id[16];
	int st;

	ASSERT_NE(NULL, out);
	IDS(15200, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 15200));
	snprintf(id, sizeof(id), "15200");
	st = run_pty((char *[]){ "ubc", "show", "-w", "0.2", "--count", "3",
				 id, NULL }, out, OUT_MAX, 0);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("status %d: %s", st, out);
	EXPECT_EQ(3, count(out, "\033[H\033[2J")) TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, "ubc show, every 0.2s: "));
	EXPECT_EQ(3, count(out, "compartment 15200"));
	EXPECT_EQ(0, count(out, "# ubc show"));
	free(out);
}

TEST_F(ubctest, watch_ends_cleanly_at_sigint)
{
	char *out = malloc(OUT_MAX);
	int st;

	ASSERT_NE(NULL, out);
	IDS(15201, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 15201));
	st = run_pty((char *[]){ "ubc", "show", "-w", "0.2", "15201", NULL },
		     out, OUT_MAX, 900);
	ASSERT_TRUE(WIFEXITED(st)) TH_LOG("status %d", st);
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_LE(2, count(out, "compartment 15201")) TH_LOG("%s", out);
	free(out);
}

TEST_F(ubctest, watch_through_a_pipe_appends)
{
	char *out = malloc(OUT_MAX), *line;
	unsigned int lines = 0;

	ASSERT_NE(NULL, out);
	IDS(15202, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 15202));
	ASSERT_EQ(0, run_pipe("ubc show -w 0.2 --count 2 15202", out, OUT_MAX));
	EXPECT_EQ(0, count(out, "\033["));
	EXPECT_EQ(2, count(out, "# ubc show, every 0.2s: "));
	EXPECT_EQ(2, count(out, "compartment 15202"));
	/* -j: one JSON document a line, as "ubc -j show" prints it */
	ASSERT_EQ(0, run_pipe("ubc -p show -w 0.2 --count 2 15202", out, OUT_MAX));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		lines++;
		EXPECT_EQ(0, strncmp(line, "[{\"id\":15202,", 13)) TH_LOG("%s", line);
		EXPECT_EQ(']', line[strlen(line) - 1]);
	}
	EXPECT_EQ(2, lines);
	free(out);
}

TEST_F(ubctest, relative_deltas_across_invocations)
{
	char *out = malloc(OUT_MAX);
	int st;

	ASSERT_NE(NULL, out);
	IDS(15203, 1);
	reset_state();
	ASSERT_NL(NL, 0, ubc_create(NL, 15203));
	ASSERT_NL(NL, 0, ubc_set(NL, 15203, UBC_NUMPROC, 1, 1));
	ASSERT_EQ(3, refuse_forks(15203, 3));
	/* first look: all of failcnt is new */
	ASSERT_EQ(0, run_pipe("ubc -j show --relative 15203", out, OUT_MAX));
	EXPECT_EQ(3, json_delta(out, "numproc")) TH_LOG("%s", out);
	EXPECT_EQ(0, json_delta(out, "numfile"));
	ASSERT_EQ(0, run_pipe("ubc -j show --relative 15203", out, OUT_MAX));
	EXPECT_EQ(0, json_delta(out, "numproc")) TH_LOG("%s", out);
	ASSERT_EQ(2, refuse_forks(15203, 2));
	/* on a terminal: the +fail column */
	st = run_pty((char *[]){ "ubc", "-r", "show", "--relative", "15203",
				 NULL }, out, OUT_MAX, 0);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "  failcnt   +fail")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "        5      +2")) TH_LOG("%s", out);
	ASSERT_EQ(0, run_pipe("ubc -j show --relative 15203", out, OUT_MAX));
	EXPECT_EQ(0, json_delta(out, "numproc"));
	/* --reset: absolute again */
	ASSERT_EQ(0, run_pipe("ubc show --reset", out, OUT_MAX));
	ASSERT_EQ(0, run_pipe("ubc -j show --relative 15203", out, OUT_MAX));
	EXPECT_EQ(5, json_delta(out, "numproc"));
	WAIT_HELD(NL, 15203, 0);
	ASSERT_NUMPROC(NL, 15203, 0, 1, 5);
	free(out);
}

TEST_F(ubctest, changed_shows_only_new_refusals)
{
	char *out = malloc(OUT_MAX);
	int st;

	ASSERT_NE(NULL, out);
	IDS(15204, 2);
	reset_state();
	ASSERT_NL(NL, 0, ubc_create(NL, 15204));
	ASSERT_NL(NL, 0, ubc_create(NL, 15205));
	ASSERT_NL(NL, 0, ubc_set(NL, 15204, UBC_NUMPROC, 1, 1));
	ASSERT_NL(NL, 0, ubc_set(NL, 15205, UBC_NUMPROC, 1, 1));
	ASSERT_EQ(1, refuse_forks(15205, 1));
	ASSERT_EQ(0, run_pipe("ubc show --changed 15204 15205", out, OUT_MAX));
	ASSERT_EQ(0, run_pipe("ubc show --changed 15204 15205", out, OUT_MAX));
	EXPECT_STREQ("", out) TH_LOG("nothing new, yet: %s", out);
	ASSERT_EQ(2, refuse_forks(15204, 2));
	st = run_pty((char *[]){ "ubc", "show", "--changed", "15204", "15205",
				 NULL }, out, OUT_MAX, 0);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("%s", out);
	EXPECT_EQ(1, count(out, "compartment 15204")) TH_LOG("%s", out);
	EXPECT_EQ(0, count(out, "compartment 15205")) TH_LOG("%s", out);
	EXPECT_EQ(1, count(out, "\nnumproc ")) TH_LOG("%s", out);
	EXPECT_EQ(0, count(out, "kmemsize"));
	EXPECT_EQ(1, count(out, "+2"));
	WAIT_HELD(NL, 15204, 0);
	WAIT_HELD(NL, 15205, 0);
	free(out);
}

TEST_F(ubctest, top_sorts_new_refusals_first)
{
	char *out = malloc(OUT_MAX);
	int st;

	ASSERT_NE(NULL, out);
	IDS(15206, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 15206));
	ASSERT_NL(NL, 0, ubc_set(NL, 15206, UBC_NUMPROC, 1, 1));
	ASSERT_EQ(1, refuse_forks(15206, 1));
	/* through a pipe: one snapshot, no deltas on the first look */
	ASSERT_EQ(0, run_pipe("ubc -j top 15206", out, OUT_MAX));
	EXPECT_EQ(0, strncmp(out, "[{\"id\":15206,\"name\":\"numproc\",", 30))
		TH_LOG("the only refused row comes first: %s", out);
	EXPECT_EQ(0, json_delta(out, "numproc"));
	/* on a terminal: refreshes */
	st = run_pty((char *[]){ "ubc", "top", "-w", "0.2", "--count", "2",
				 "15206", NULL }, out, OUT_MAX, 0);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("%s", out);
	EXPECT_EQ(2, count(out, "ubc top, every 0.2s: "));
	EXPECT_EQ(2, count(out, "     15206 numproc "));
	WAIT_HELD(NL, 15206, 0);
	free(out);
}

TEST_F(ubctest, view_bad_options)
{
	char out[512];

	EXPECT_EQ(2 << 8, run_pipe("ubc show -w 0 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "invalid period for -w"));
	EXPECT_EQ(2 << 8, run_pipe("ubc show --count 2 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "--count needs -w"));
	EXPECT_EQ(2 << 8, run_pipe("ubc show -w 1 --count 0 2>&1", out, sizeof(out)));
	EXPECT_EQ(2 << 8, run_pipe("ubc top --changed 2>&1", out, sizeof(out)));
	EXPECT_EQ(2 << 8, run_pipe("ubc show -w 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "-w needs a value"));
}

TEST_HARNESS_MAIN
