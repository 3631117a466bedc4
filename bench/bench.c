// SPDX-License-Identifier: GPL-2.0
/*
 * bench: micro-benchmarks of the system calls ubc hooks, run in the VM by
 * bench/run.sh (make bench). Three modes:
 *
 *   bench calibrate MS           for every operation, the iteration count N
 *                                that makes one timed loop last about MS ms;
 *                                prints "OP N" lines
 *   bench run OP:N...            per OP: a short warm-up, then one loop of
 *                                N iterations timed with CLOCK_MONOTONIC in
 *                                10 chunks of N/10; prints "OP MEAN MIN":
 *                                ns per iteration over the whole loop, and
 *                                in its fastest chunk (the figure least
 *                                disturbed by the host: TCG shares its CPUs)
 *   bench hold files|sockets N   opens N files (or N AF_UNIX sockets) and
 *                                holds them; prints the Slab (/proc/meminfo,
 *                                after vm.stat_refresh), slabinfo and memcg
 *                                deltas: "hold KIND N SLAB_BYTES
 *                                KMALLOC64_OBJS MEMCG_SLAB_BYTES
 *                                KMEM_RECORDS" (MEMCG_SLAB_BYTES -1 outside
 *                                a non-root cgroup v2; KMEM_RECORDS, the
 *                                kmemsize charges ubc tracks more, -1
 *                                without the module)
 *
 * Operations (each iteration creates and destroys one kernel object):
 *   open   open()+close() of a file on tmpfs          (1 struct file)
 *   pipe   pipe2()+close()x2                          (2 files, pipe inode,
 *                                                      pipe_inode_info, bufs)
 *   unix   socket(AF_UNIX, SOCK_STREAM)+close()       (file, socket, sk)
 *   tcp    socket(AF_INET, SOCK_STREAM)+close()       (file, socket, TCP sk)
 *   fork   fork(), child _exit(0), waitpid()          (task, mm, files, ...)
 *   mkdir  mkdir()+rmdir() on tmpfs                   (dentry + shmem inode:
 *          only SLAB_ACCOUNT allocations, no file, no socket, no task)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#define FILE_PATH "/tmp/ubc-bench.file"
#define DIR_PATH "/tmp/ubc-bench.dir"
#define CHUNKS 10

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void op_open(void)
{
	int fd = open(FILE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open");
	close(fd);
}

static void op_pipe(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		die("pipe2");
	close(p[0]);
	close(p[1]);
}

static void op_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket(AF_UNIX)");
	close(fd);
}

static void op_tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket(AF_INET)");
	close(fd);
}

static void op_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid");
}

static void op_mkdir(void)
{
	if (mkdir(DIR_PATH, 0700))
		die("mkdir");
	if (rmdir(DIR_PATH))
		die("rmdir");
}

/*
 * An open() refused by ubc: the compartment's numfile is full (run.sh sets
 * it), so the first call fills it and every later one must fail with
 * ENFILE. On the host (calibration) it fills the fd table instead and
 * measures EMFILE.
 */
static void op_refused(void)
{
	static int filled;
	int fd;

	if (!filled) {
		while ((fd = open(FILE_PATH, O_RDONLY)) >= 0)
			;
		filled = 1;
	}
	fd = open(FILE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || (errno != ENFILE && errno != EMFILE))
		die("refused open");
}

static const struct op {
	const char *name;
	void (*fn)(void);
} ops[] = {
	{ "open", op_open },
	{ "pipe", op_pipe },
	{ "unix", op_unix },
	{ "tcp", op_tcp },
	{ "fork", op_fork },
	{ "mkdir", op_mkdir },
	{ "refused", op_refused },	/* run.sh: its own section */
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static const struct op *find_op(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPS; i++)
		if (strlen(ops[i].name) == len && !strncmp(ops[i].name, name, len))
			return &ops[i];
	return NULL;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Nanoseconds of one timed loop of n iterations. */
static double timed_loop(const struct op *op, long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		op->fn();
	return now_ns() - t0;
}

static void setup(void)
{
	int fd = open(FILE_PATH, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		die("create " FILE_PATH);
	close(fd);
	rmdir(DIR_PATH);
}

static int calibrate(double ms)
{
	for (size_t i = 0; i < NOPS; i++) {
		long n = 8;
		double t;

		timed_loop(&ops[i], 8);		/* warm-up */
		while ((t = timed_loop(&ops[i], n)) < ms * 1e6 / 4)
			n *= 2;
		n = (long)(n * (ms * 1e6 / t));
		printf("%s %ld\n", ops[i].name, n > CHUNKS ? n : CHUNKS);
	}
	return 0;
}

static int run(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *colon = strchr(argv[i], ':');
		const struct op *op = colon ? find_op(argv[i], colon - argv[i]) : NULL;
		long n = colon ? atol(colon + 1) : 0, chunk = n / CHUNKS;
		double total = 0, best = 0;

		if (!op || chunk <= 0) {
			fprintf(stderr, "bench: bad operation '%s' (OP:N, N >= %d)\n",
				argv[i], CHUNKS);
			return 2;
		}
		timed_loop(op, n / 20 + 1);	/* warm-up: caches, slabs */
		for (int c = 0; c < CHUNKS; c++) {
			double t = timed_loop(op, chunk);

			total += t;
			if (!c || t < best)
				best = t;
		}
		printf("%s %.1f %.1f\n", op->name, total / (chunk * CHUNKS), best / chunk);
		fflush(stdout);
	}
	return 0;
}

/* Slab: of /proc/meminfo in bytes, after folding the per-CPU counters. */
static long slab_bytes(void)
{
	char line[256];
	long kb = -1;
	FILE *f;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror("bench: vm.stat_refresh");
		close(fd);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* active objects of a /proc/slabinfo cache, or -1 */
static long slab_objs(const char *cache)
{
	char line[512], name[64];
	long active = -1, a;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &a) == 2 && !strcmp(name, cache))
			active = a;
	fclose(f);
	return active;
}

/* "slab" of memory.stat of our cgroup v2, bytes; -1 in the root or unknown */
static long memcg_slab(void)
{
	char line[512], path[600];
	long v = -1, x;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "0::/", 4) || line[4] == '\n') {
		fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.stat", line + 3);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "slab %ld", &x) == 1)
			v = x;
	fclose(f);
	return v;
}

/* "records" of ubc's kmem_tracking (kmemsize charges tracked now), or -1 */
static long kmem_records(void)
{
	FILE *f = fopen("/sys/module/ubc/parameters/kmem_tracking", "r");
	long e, r = -1;

	if (!f)
		return -1;
	if (fscanf(f, "entries %ld records %ld", &e, &r) != 2)
		r = -1;
	fclose(f);
	return r;
}

static int hold(const char *kind, long n)
{
	struct rlimit rl = { n + 64, n + 64 };
	int sockets = !strcmp(kind, "sockets");
	int *fds = calloc(n, sizeof(*fds));
	long slab0, slab1, k0, k1, m0, m1, r0, r1;

	if (!fds)
		die("calloc");
	if (!sockets && strcmp(kind, "files")) {
		fprintf(stderr, "bench: hold files|sockets N\n");
		return 2;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");
	sleep(1);	/* let RCU frees of earlier runs settle */
	k0 = slab_objs("kmalloc-64");
	slab0 = slab_bytes();
	m0 = memcg_slab();
	r0 = kmem_records();
	for (long i = 0; i < n; i++) {
		fds[i] = sockets ? socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)
				 : open(FILE_PATH, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			die(sockets ? "socket" : "open");
	}
	slab1 = slab_bytes();
	m1 = memcg_slab();
	k1 = slab_objs("kmalloc-64");
	r1 = kmem_records();
	printf("hold %s %ld %ld %ld %ld %ld\n", kind, n, slab1 - slab0, k1 - k0,
	       m0 < 0 || m1 < 0 ? -1 : m1 - m0,
	       r0 < 0 || r1 < 0 ? -1 : r1 - r0);
	for (long i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/*
 * Run on CPU 0 only, children too: under TCG a wake-up across vCPUs (fork's
 * child, the parent's wait) costs an inter-processor interrupt whose delay
 * depends on how the host schedules QEMU's threads, the main source of noise.
 */
static void pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	setup();
	pin();
	if (!strcmp(argv[1], "calibrate") && argc == 3)
		return calibrate(atof(argv[2]));
	if (!strcmp(argv[1], "run"))
		return run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "hold") && argc == 4)
		return hold(argv[2], atol(argv[3]));
usage:
	fprintf(stderr, "usage: bench calibrate MS | run OP:N... | hold files|sockets N\n");
	return 2;
}
