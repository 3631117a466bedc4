// SPDX-License-Identifier: GPL-2.0
/*
 * numfile (19), numtcpsock (9) and numothersock (17): every struct file a
 * task of a compartment creates is charged one numfile until the file is
 * freed (open, openat, creat, pipe and pipe2 (two), socket, socketpair (two),
 * eventfd, epoll_create1, memfd_create; not dup, not fork); past the numfile
 * barrier the creating call fails with ENFILE. socket() charges numtcpsock
 * for TCP over IPv4/IPv6 and numothersock for everything else; past their
 * barrier it fails with ENOBUFS. Each refusal adds exactly one to failcnt,
 * host tasks are never charged, files made before ENTER are not charged, and
 * a file passed to the host over SCM_RIGHTS keeps a destroyed compartment
 * alive (dying) until the host closes it.
 *
 * Compartment ids: 16000..16999.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "ubc_test.h"
#include "ubc_worker.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)
#define NUMFILE UBC_NUMFILE
#define TCPSOCK UBC_NUMTCPSOCK
#define OTHERSOCK UBC_NUMOTHERSOCK
#define NUMPTY UBC_NUMPTY

/* ---- objects a task can create ---- */

enum obj_kind {
	K_OPEN, K_OPENAT, K_CREAT, K_PIPE, K_PIPE2, K_EVENTFD, K_EPOLL,
	K_MEMFD, K_TCP, K_TCP6, K_UDP, K_UDP6, K_UNIX_STREAM, K_UNIX_DGRAM,
	K_UNIX_SEQPACKET, K_NETLINK, K_PACKET, K_RAW, K_PAIR_STREAM,
	K_PAIR_DGRAM, K_PTY,
	K_NR
};

/* What one object of each kind charges: numfile, numtcpsock, numothersock. */
static const struct {
	const char *name;
	int file, tcp, other;
} kinds[K_NR] = {
	[K_OPEN]		= { "open",			1, 0, 0 },
	[K_OPENAT]		= { "openat",			1, 0, 0 },
	[K_CREAT]		= { "creat",			1, 0, 0 },
	[K_PIPE]		= { "pipe",			2, 0, 0 },
	[K_PIPE2]		= { "pipe2",			2, 0, 0 },
	[K_EVENTFD]		= { "eventfd",			1, 0, 0 },
	[K_EPOLL]		= { "epoll_create1",		1, 0, 0 },
	[K_MEMFD]		= { "memfd_create",		1, 0, 0 },
	[K_TCP]			= { "socket(INET, STREAM)",	1, 1, 0 },
	[K_TCP6]		= { "socket(INET6, STREAM, TCP)", 1, 1, 0 },
	[K_UDP]			= { "socket(INET, DGRAM)",	1, 0, 1 },
	[K_UDP6]		= { "socket(INET6, DGRAM, UDP)", 1, 0, 1 },
	[K_UNIX_STREAM]		= { "socket(UNIX, STREAM)",	1, 0, 1 },
	[K_UNIX_DGRAM]		= { "socket(UNIX, DGRAM)",	1, 0, 1 },
	[K_UNIX_SEQPACKET]	= { "socket(UNIX, SEQPACKET)",	1, 0, 1 },
	[K_NETLINK]		= { "socket(NETLINK, ROUTE)",	1, 0, 1 },
	[K_PACKET]		= { "socket(PACKET, DGRAM)",	1, 0, 1 },
	[K_RAW]			= { "socket(INET, RAW, ICMP)",	1, 0, 1 },
	[K_PAIR_STREAM]		= { "socketpair(UNIX, STREAM)",	2, 0, 2 },
	[K_PAIR_DGRAM]		= { "socketpair(UNIX, DGRAM)",	2, 0, 2 },
	[K_PTY]			= { "open(/dev/ptmx)",		1, 0, 0 },
};

/*
 * Creates one object of @kind: its fds in @fd, returns how many (1 or 2),
 * or -1 with errno set.
 */
static int obj_make(int kind, int fd[2])
{
	char path[64];

	fd[0] = fd[1] = -1;
	switch (kind) {
	case K_OPEN:
		fd[0] = open("/dev/null", O_RDONLY);
		break;
	case K_OPENAT:
		fd[0] = openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	case K_CREAT:
		snprintf(path, sizeof(path), "/tmp/ubc-objects.%d",
			 (int)getpid());
		fd[0] = creat(path, 0600);
		if (fd[0] >= 0)
			unlink(path);
		break;
	case K_PIPE:
		return pipe(fd) ? -1 : 2;
	case K_PIPE2:
		return pipe2(fd, O_CLOEXEC | O_NONBLOCK) ? -1 : 2;
	case K_EVENTFD:
		fd[0] = eventfd(0, EFD_CLOEXEC);
		break;
	case K_EPOLL:
		fd[0] = epoll_create1(EPOLL_CLOEXEC);
		break;
	case K_MEMFD:
		fd[0] = memfd_create("ubc-objects", MFD_CLOEXEC);
		break;
	case K_TCP:
		fd[0] = socket(AF_INET, SOCK_STREAM, 0);
		break;
	case K_TCP6:
		fd[0] = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
		break;
	case K_UDP:
		fd[0] = socket(AF_INET, SOCK_DGRAM, 0);
		break;
	case K_UDP6:
		fd[0] = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
		break;
	case K_UNIX_STREAM:
		fd[0] = socket(AF_UNIX, SOCK_STREAM, 0);
		break;
	case K_UNIX_DGRAM:
		fd[0] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case K_UNIX_SEQPACKET:
		fd[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		break;
	case K_NETLINK:
		fd[0] = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
		break;
	case K_PACKET:
		fd[0] = socket(AF_PACKET, SOCK_DGRAM, 0);
		break;
	case K_RAW:
		fd[0] = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		break;
	case K_PAIR_STREAM:
		return socketpair(AF_UNIX, SOCK_STREAM, 0, fd) ? -1 : 2;
	case K_PAIR_DGRAM:
		return socketpair(AF_UNIX, SOCK_DGRAM, 0, fd) ? -1 : 2;
	case K_PTY:
		fd[0] = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	return fd[0] < 0 ? -1 : 1;
}

static void obj_close(int fd[2], int n)
{
	while (n-- > 0)
		close(fd[n]);
}

/* ---- worker commands (run in the worker, see worker_ext) ---- */

#define OBJ_FDS		1024
#define OBJ_KIDS	16

static int obj_fds[OBJ_FDS];	/* kept fds; -1 for a closed slot */
static int obj_nfds;
static pid_t obj_kids[OBJ_KIDS];
static int obj_nkids;
/* The worker's end of a host-made UNIX socket for 'L' (set before start). */
static int obj_scm_fd = -1;

static void obj_keep(struct wshared *sh, const int *fd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (obj_nfds < OBJ_FDS) {
			obj_fds[obj_nfds++] = fd[i];
		} else {
			close(fd[i]);
			sh->ret = -ENOSPC;
		}
	}
}

static void obj_close_all(void)
{
	while (obj_nfds > 0) {
		int fd = obj_fds[--obj_nfds];

		if (fd >= 0)
			close(fd);
	}
}

/* Sends @n fds in one SCM_RIGHTS message; 0 or -errno. */
static int obj_send(int sock, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} u;
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr m;
	struct cmsghdr *c;

	if (n < 1 || n > 16)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* 'L': sends the last @n kept fds to the host, then closes them here. */
static void obj_pass(struct wshared *sh, int n)
{
	int fds[16], k = 0, i;

	for (i = obj_nfds - 1; i >= 0 && k < n && k < 16; i--)
		if (obj_fds[i] >= 0)
			fds[k++] = obj_fds[i];
	if (k != n) {
		sh->ret = -EINVAL;
		return;
	}
	/* Oldest first: the host receives them in the order they were made. */
	for (i = 0; i < k / 2; i++) {
		int t = fds[i];

		fds[i] = fds[k - 1 - i];
		fds[k - 1 - i] = t;
	}
	sh->ret = obj_send(obj_scm_fd, fds, k);
	if (sh->ret)
		return;
	for (i = obj_nfds - 1; i >= 0 && k > 0; i--) {
		if (obj_fds[i] >= 0) {
			close(obj_fds[i]);
			obj_fds[i] = -1;
			k--;
		}
	}
}

/* 'd': @n duplicates of the first kept fd, by every dup flavour. */
static void obj_dup(struct wshared *sh, int n)
{
	int i;

	if (obj_nfds < 1 || obj_fds[0] < 0) {
		sh->ret = -EBADF;
		return;
	}
	for (i = 0; i < n; i++) {
		int src = obj_fds[0], fd;

		switch (i % 5) {
		case 0:
			fd = dup(src);
			break;
		case 1:
			fd = dup2(src, 600 + i);
			break;
		case 2:
			fd = dup3(src, 600 + i, O_CLOEXEC);
			break;
		case 3:
			fd = fcntl(src, F_DUPFD, 0);
			break;
		default:
			fd = fcntl(src, F_DUPFD_CLOEXEC, 0);
			break;
		}
		wshared_note(sh, fd);
		if (fd >= 0)
			obj_keep(sh, &fd, 1);
	}
}

/*
 * 'F': forks a child (inheriting the compartment) that creates @n objects
 * of kind arg_res, keeps them and sleeps until killed by 'U'. The child
 * reports nok/nfail/err itself; ret is 0 once it is done, or -errno.
 */
static void obj_fork_maker(struct wshared *sh, int n)
{
	int i, spins;
	pid_t p;

	__atomic_store_n(&sh->ret, 1, __ATOMIC_SEQ_CST);
	p = fork();
	if (p == 0) {
		for (i = 0; i < n; i++) {
			int fd[2], r = obj_make(sh->arg_res, fd);

			wshared_note(sh, r);	/* fds stay open */
		}
		__atomic_store_n(&sh->ret, 0, __ATOMIC_SEQ_CST);
		for (;;)
			pause();
	}
	if (p < 0) {
		sh->ret = -errno;
		return;
	}
	if (obj_nkids < OBJ_KIDS)
		obj_kids[obj_nkids++] = p;
	for (spins = 0; spins < 2000; spins++) {
		if (!__atomic_load_n(&sh->ret, __ATOMIC_SEQ_CST))
			return;
		msleep(5);
	}
	sh->ret = -ETIMEDOUT;
}

/* 'U': kills and reaps the children of 'F'. */
static void obj_kill_makers(void)
{
	while (obj_nkids > 0) {
		pid_t p = obj_kids[--obj_nkids];

		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

static int obj_listener = -1;

/* A TCP listener on 127.0.0.1, kept among the fds; its port or -errno. */
static int obj_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 16) || getsockname(fd, (struct sockaddr *)&a, &len)) {
		close(fd);
		return -errno;
	}
	obj_listener = fd;
	obj_fds[obj_nfds++] = fd;
	return ntohs(a.sin_port);
}

/*
 * Connects to 127.0.0.1:@port and closes at once: 0 or -errno. With
 * TCP_LINGER2 above 60 s, tcp_close() keeps the orphaned socket itself in
 * FIN_WAIT2 (instead of a TIME_WAIT minisock) until the peer's FIN.
 */
static int obj_connect_close(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, err = 0, linger2 = 120;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_TCP, TCP_LINGER2, &linger2, sizeof(linger2)) ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)))
		err = -errno;
	close(fd);
	return err;
}

static int obj_worker_cmd(struct wshared *sh, char cmd, int arg)
{
	int i, n, fd[2];

	switch (cmd) {
	case 'M':	/* make @arg objects of kind arg_res and keep them */
		sh->ret = 0;
		for (i = 0; i < arg; i++) {
			n = obj_make(sh->arg_res, fd);
			wshared_note(sh, n);
			if (n > 0)
				obj_keep(sh, fd, n);
		}
		return 0;
	case 'H':	/* churn: make and close at once, @arg times */
		for (i = 0; i < arg; i++) {
			n = obj_make(sh->arg_res, fd);
			wshared_note(sh, n);
			if (n > 0)
				obj_close(fd, n);
		}
		return 0;
	case 'W':	/* close every kept fd */
		obj_close_all();
		return 0;
	case 'w':	/* close the kept fd number @arg */
		if (arg >= 0 && arg < obj_nfds && obj_fds[arg] >= 0) {
			close(obj_fds[arg]);
			obj_fds[arg] = -1;
		}
		return 0;
	case 'd':
		sh->ret = 0;
		obj_dup(sh, arg);
		return 0;
	case 'L':
		obj_pass(sh, arg);
		return 0;
	case 'F':
		obj_fork_maker(sh, arg);
		return 0;
	case 'U':
		obj_kill_makers();
		return 0;
	case 'T':	/* a kept TCP listener on 127.0.0.1; ret = its port */
		sh->ret = obj_listen();
		return 0;
	case 'C':	/* connect to 127.0.0.1:@arg, then close (active close) */
		sh->ret = obj_connect_close(arg);
		return 0;
	case 'A':	/* accept @arg connections on the listener, keep them */
		for (i = 0; i < arg; i++) {
			fd[0] = accept(obj_listener, NULL, NULL);
			wshared_note(sh, fd[0]);
			if (fd[0] >= 0)
				obj_keep(sh, fd, 1);
		}
		return 0;
	}
	return -1;
}

__attribute__((constructor)) static void obj_init(void)
{
	worker_ext = obj_worker_cmd;
}

/* ---- test side ---- */

/* Runs worker command @cmd making @n objects of @kind. */
#define WOBJ(w, cmd, kind, n) do {					\
	(w)->sh->arg_res = (kind);					\
	WCMD(w, cmd, n);						\
} while (0)

/* The worker's last command made @ok objects and got @fail @err refusals. */
#define WASSERT_OBJ(w, ok, fail, _err) do {				\
	int __j;							\
	ASSERT_EQ(ok, (w)->sh->nok)					\
		TH_LOG("%s: made", kinds[(w)->sh->arg_res].name);	\
	ASSERT_EQ(fail, (w)->sh->nfail)					\
		TH_LOG("%s: refused (first errno %s)",			\
		       kinds[(w)->sh->arg_res].name,			\
		       strerror((w)->sh->err[0]));			\
	for (__j = 0; __j < (w)->sh->nfail && __j < W_MAX; __j++) {	\
		ASSERT_EQ(_err, (w)->sh->err[__j])			\
			TH_LOG("%s: refusal %d: %s",			\
			       kinds[(w)->sh->arg_res].name, __j,	\
			       strerror((w)->sh->err[__j]));		\
	}								\
} while (0)

/* Makes @n objects of @kind in @w: all succeed. */
#define MAKE(w, kind, n) do {						\
	WOBJ(w, 'M', kind, n);						\
	WASSERT_OBJ(w, n, 0, 0);					\
	ASSERT_EQ(0, (w)->sh->ret);					\
} while (0)

/* Tries @n objects of @kind in @w: every one refused with @err. */
#define REFUSED(w, kind, n, _err) do {					\
	WOBJ(w, 'M', kind, n);						\
	WASSERT_OBJ(w, 0, n, _err);					\
} while (0)

/* held and failcnt of resource @res of @id are exactly these now. */
#define ASSERT_RES(h, _id, _res, _held, _failcnt) do {			\
	struct ubc_info __i;						\
	uint32_t __r = (_res);						\
	ASSERT_GET(h, _id, &__i);					\
	ASSERT_TRUE(__i.res[__r].seen);					\
	ASSERT_EQ((uint64_t)(_held), __i.res[__r].held)			\
		TH_LOG("%s held of %u", ubc_resource_name(__r),		\
		       (unsigned)(_id));				\
	ASSERT_EQ((uint64_t)(_failcnt), __i.res[__r].failcnt)		\
		TH_LOG("%s failcnt of %u", ubc_resource_name(__r),	\
		       (unsigned)(_id));				\
} while (0)

/* maxheld of @res of @id is exactly @want. */
#define ASSERT_MAXHELD(h, _id, _res, _want)				\
	ASSERT_EQ((uint64_t)(_want),					\
		  ubc_field(h, _id, _res, UBC_RES_A_MAXHELD))		\
		TH_LOG("%s maxheld of %u", ubc_resource_name(_res),	\
		       (unsigned)(_id))

/* held of @res of @id reaches @want within DRAIN_MS. */
#define WAIT_RES(h, _id, _res, _want)					\
	ASSERT_EQ((uint64_t)(_want),					\
		  ubc_wait_field(h, _id, _res, UBC_RES_A_HELD, _want,	\
				 DRAIN_MS))					\
		TH_LOG("%s held of %u did not reach %llu",		\
		       ubc_resource_name(_res), (unsigned)(_id),	\
		       (unsigned long long)(_want))

/* Waits for held to settle at @held, then checks held and failcnt. */
#define SETTLE(h, _id, _res, _held, _failcnt) do {			\
	WAIT_RES(h, _id, _res, _held);					\
	ASSERT_RES(h, _id, _res, _held, _failcnt);			\
} while (0)

/* No charge of these three was ever allowed past its limit. */
#define ASSERT_WITHIN_LIMITS(h, _id) do {				\
	static const uint32_t __rs[] = { NUMFILE, TCPSOCK, OTHERSOCK };	\
	struct ubc_info __i;						\
	unsigned int __k;						\
	ASSERT_GET(h, _id, &__i);					\
	for (__k = 0; __k < 3; __k++) {					\
		ASSERT_LE(__i.res[__rs[__k]].maxheld,			\
			  __i.res[__rs[__k]].limit)			\
			TH_LOG("%s maxheld above the limit",		\
			       ubc_resource_name(__rs[__k]));		\
		ASSERT_LE(__i.res[__rs[__k]].held,			\
			  __i.res[__rs[__k]].limit);			\
	}								\
} while (0)

/*
 * Creates @id (unlimited), starts @w, lets it reach its command loop (so
 * that its own files exist, made on the host) and ENTERs it. Returns the
 * numfile baseline of a compartment whose only task is the idle worker.
 */
static uint64_t obj_member(struct __test_metadata *_metadata,
			   struct ubc_nl *h, uint32_t id, struct worker *w)
{
	uint64_t base;

	ASSERT_NL(h, 0, ubc_create(h, id));
	ASSERT_EQ(0, worker_start(w));
	WOBJ(w, 'M', K_OPEN, 0);
	ASSERT_NL(h, 0, ubc_enter(h, id, w->pid));
	base = ubc_field(h, id, NUMFILE, UBC_RES_A_HELD);
	ASSERT_NE((uint64_t)-1, base);
	ASSERT_RES(h, id, NUMFILE, base, 0);
	ASSERT_RES(h, id, TCPSOCK, 0, 0);
	ASSERT_RES(h, id, OTHERSOCK, 0, 0);
	return base;
}

static void obj_set(struct __test_metadata *_metadata, struct ubc_nl *h,
		    uint32_t id, uint32_t res, uint64_t barrier,
		    uint64_t limit)
{
	ASSERT_NL(h, 0, ubc_set(h, id, res, barrier, limit));
}

/* numfile, numtcpsock, numothersock of @id hold exactly these, no failcnt. */
static void assert_counts(struct __test_metadata *_metadata, struct ubc_nl *h,
			  uint32_t id, uint64_t file, uint64_t tcp,
			  uint64_t other, const char *what)
{
	struct ubc_info info;

	ASSERT_GET(h, id, &info);
	ASSERT_EQ(file, info.res[NUMFILE].held) TH_LOG("%s: numfile", what);
	ASSERT_EQ(tcp, info.res[TCPSOCK].held) TH_LOG("%s: numtcpsock", what);
	ASSERT_EQ(other, info.res[OTHERSOCK].held)
		TH_LOG("%s: numothersock", what);
	ASSERT_EQ(0, info.res[NUMFILE].failcnt) TH_LOG("%s", what);
	ASSERT_EQ(0, info.res[TCPSOCK].failcnt) TH_LOG("%s", what);
	ASSERT_EQ(0, info.res[OTHERSOCK].failcnt) TH_LOG("%s", what);
}

/* Stops @w; with it the compartment's last task: everything is returned. */
static void obj_stop(struct __test_metadata *_metadata, struct ubc_nl *h,
		     uint32_t id, struct worker *w)
{
	WSTOP(w);
	WAIT_HELD(h, id, 0);
	WAIT_RES(h, id, NUMFILE, 0);
	WAIT_RES(h, id, TCPSOCK, 0);
	WAIT_RES(h, id, OTHERSOCK, 0);
}

/* Receives up to @max fds of one SCM_RIGHTS message already queued. */
static int recv_fds(int sock, int *fds, int max)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} u;
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr m;
	struct cmsghdr *c;
	int n = 0;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	if (recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (n + k > max)
			return -1;
		memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
		n += k;
	}
	return n;
}

/* The numfile/numothersock rows of @id in /proc/user_beancounters. */
static void proc_rows(struct __test_metadata *_metadata, uint32_t id,
		      struct proc_row *file, struct proc_row *other)
{
	const struct proc_block *b;
	struct proc_file pf;
	size_t len;
	char *text;
	int err;

	text = read_all(PROC_UBC, 65536, &len, &err);
	ASSERT_NE(NULL, text) TH_LOG("%s: %s", PROC_UBC, strerror(err));
	proc_parse(text, &pf);
	free(text);
	ASSERT_FALSE(pf.bad) TH_LOG("%s", pf.why);
	b = proc_find(&pf, id);
	ASSERT_NE(NULL, b) TH_LOG("%u not in %s", id, PROC_UBC);
	*file = b->rows[NUMFILE];
	*other = b->rows[OTHERSOCK];
	proc_free(&pf);
}

/* ---- tests ---- */

TEST_F_TIMEOUT(ubctest, every_kind_charges, 180)
{
	uint64_t base;
	struct worker w;
	int k;

	IDS(16000, 1);
	base = obj_member(_metadata, NL, 16000, &w);

	for (k = 0; k < K_NR; k++) {
		MAKE(&w, k, 3);
		assert_counts(_metadata, NL, 16000, base + 3 * kinds[k].file,
			      3 * kinds[k].tcp, 3 * kinds[k].other,
			      kinds[k].name);
		WCMD(&w, 'W', 0);
		WAIT_RES(NL, 16000, NUMFILE, base);
		WAIT_RES(NL, 16000, TCPSOCK, 0);
		WAIT_RES(NL, 16000, OTHERSOCK, 0);
		assert_counts(_metadata, NL, 16000, base, 0, 0, kinds[k].name);
	}
	/* The peaks: three pipes (six files), three TCP, three pairs. */
	ASSERT_MAXHELD(NL, 16000, NUMFILE, base + 6);
	ASSERT_MAXHELD(NL, 16000, TCPSOCK, 3);
	ASSERT_MAXHELD(NL, 16000, OTHERSOCK, 6);
	obj_stop(_metadata, NL, 16000, &w);
}

TEST_F(ubctest, dup_does_not_charge)
{
	uint64_t base;
	struct worker w;

	IDS(16010, 1);
	base = obj_member(_metadata, NL, 16010, &w);

	MAKE(&w, K_OPEN, 1);
	ASSERT_RES(NL, 16010, NUMFILE, base + 1, 0);
	WCMD(&w, 'd', 10);
	WASSERT_OBJ(&w, 10, 0, 0);
	ASSERT_EQ(0, w.sh->ret);
	ASSERT_RES(NL, 16010, NUMFILE, base + 1, 0);

	/* The original fd closed, the duplicates still hold the file. */
	WCMD(&w, 'w', 0);
	msleep(100);
	ASSERT_RES(NL, 16010, NUMFILE, base + 1, 0);

	/* Even at the barrier, dup never needs room. */
	obj_set(_metadata, NL, 16010, NUMFILE, base + 1, base + 1);
	/* 'd' duplicates slot 0, closed: keep a live fd in front. */
	WCMD(&w, 'W', 0);
	SETTLE(NL, 16010, NUMFILE, base, 0);
	MAKE(&w, K_OPEN, 1);
	WCMD(&w, 'd', 5);
	WASSERT_OBJ(&w, 5, 0, 0);
	ASSERT_RES(NL, 16010, NUMFILE, base + 1, 0);
	REFUSED(&w, K_OPEN, 1, ENFILE);
	ASSERT_RES(NL, 16010, NUMFILE, base + 1, 1);

	WCMD(&w, 'W', 0);
	SETTLE(NL, 16010, NUMFILE, base, 1);
	ASSERT_MAXHELD(NL, 16010, NUMFILE, base + 1);
	obj_stop(_metadata, NL, 16010, &w);
}

TEST_F(ubctest, fork_shares_files)
{
	uint64_t base;
	struct worker w;

	IDS(16020, 1);
	base = obj_member(_metadata, NL, 16020, &w);

	MAKE(&w, K_OPEN, 3);
	MAKE(&w, K_UDP, 2);
	ASSERT_RES(NL, 16020, NUMFILE, base + 5, 0);
	ASSERT_RES(NL, 16020, OTHERSOCK, 2, 0);

	/* Children share the files: nothing new is charged. */
	WCMD(&w, 'f', 3);
	WASSERT_SPAWN(&w, 3, 0);
	ASSERT_NUMPROC(NL, 16020, 4, 4, 0);
	ASSERT_RES(NL, 16020, NUMFILE, base + 5, 0);
	ASSERT_RES(NL, 16020, OTHERSOCK, 2, 0);

	/* The worker closes its fds: the children still hold the files. */
	WCMD(&w, 'W', 0);
	msleep(100);
	ASSERT_RES(NL, 16020, NUMFILE, base + 5, 0);
	ASSERT_RES(NL, 16020, OTHERSOCK, 2, 0);

	/*
	 * The children exit: the last references go. 'r' also replaces the
	 * worker's release pipe (made on the host at start) by a new one,
	 * made inside: two files.
	 */
	WCMD(&w, 'r', 0);
	WAIT_HELD(NL, 16020, 1);
	SETTLE(NL, 16020, NUMFILE, base + 2, 0);
	SETTLE(NL, 16020, OTHERSOCK, 0, 0);
	ASSERT_MAXHELD(NL, 16020, NUMFILE, base + 5);
	obj_stop(_metadata, NL, 16020, &w);
}

TEST_F(ubctest, child_charges_its_compartment)
{
	uint64_t base;
	struct worker w;

	IDS(16030, 1);
	base = obj_member(_metadata, NL, 16030, &w);

	WOBJ(&w, 'F', K_OPEN, 4);
	ASSERT_EQ(0, w.sh->ret);
	WASSERT_OBJ(&w, 4, 0, 0);
	WOBJ(&w, 'F', K_PAIR_STREAM, 2);
	ASSERT_EQ(0, w.sh->ret);
	WASSERT_OBJ(&w, 2, 0, 0);
	ASSERT_NUMPROC(NL, 16030, 3, 3, 0);
	ASSERT_RES(NL, 16030, NUMFILE, base + 8, 0);
	ASSERT_RES(NL, 16030, OTHERSOCK, 4, 0);

	/* A child's limit is its compartment's. */
	obj_set(_metadata, NL, 16030, NUMFILE, base + 9, base + 9);
	WOBJ(&w, 'F', K_OPEN, 3);
	ASSERT_EQ(0, w.sh->ret);
	WASSERT_OBJ(&w, 1, 2, ENFILE);
	ASSERT_RES(NL, 16030, NUMFILE, base + 9, 2);

	/* Killed children return everything. */
	WCMD(&w, 'U', 0);
	WAIT_HELD(NL, 16030, 1);
	SETTLE(NL, 16030, NUMFILE, base, 2);
	SETTLE(NL, 16030, OTHERSOCK, 0, 0);
	ASSERT_WITHIN_LIMITS(NL, 16030);
	obj_stop(_metadata, NL, 16030, &w);
}

TEST_F_TIMEOUT(ubctest, numfile_barrier, 90)
{
	static const int creators[] = {
		K_OPENAT, K_CREAT, K_PIPE, K_PIPE2, K_EVENTFD, K_EPOLL,
		K_MEMFD,
	};
	static const int sockets[] = {
		K_TCP, K_UDP, K_UNIX_STREAM, K_NETLINK, K_PAIR_STREAM,
	};
	uint64_t base, fc;
	struct worker w;
	unsigned int i;

	IDS(16040, 1);
	base = obj_member(_metadata, NL, 16040, &w);
	obj_set(_metadata, NL, 16040, NUMFILE, base + 3, base + 3);

	WOBJ(&w, 'M', K_OPEN, 5);
	WASSERT_OBJ(&w, 3, 2, ENFILE);
	ASSERT_RES(NL, 16040, NUMFILE, base + 3, 2);
	ASSERT_MAXHELD(NL, 16040, NUMFILE, base + 3);

	/* Every way of making a file is refused, one failcnt each. */
	fc = 2;
	for (i = 0; i < sizeof(creators) / sizeof(creators[0]); i++) {
		REFUSED(&w, creators[i], 1, ENFILE);
		fc++;
		SETTLE(NL, 16040, NUMFILE, base + 3, fc);
	}
	/* Sockets too; their socket charge is returned with them. */
	for (i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++) {
		REFUSED(&w, sockets[i], 1, ENFILE);
		fc++;
		SETTLE(NL, 16040, NUMFILE, base + 3, fc);
		SETTLE(NL, 16040, TCPSOCK, 0, 0);
		SETTLE(NL, 16040, OTHERSOCK, 0, 0);
	}
	ASSERT_MAXHELD(NL, 16040, NUMFILE, base + 3);

	/* Room again once files are closed. */
	WCMD(&w, 'W', 0);
	SETTLE(NL, 16040, NUMFILE, base, fc);
	MAKE(&w, K_PIPE, 1);
	MAKE(&w, K_UDP, 1);
	ASSERT_RES(NL, 16040, NUMFILE, base + 3, fc);
	ASSERT_RES(NL, 16040, OTHERSOCK, 1, 0);
	ASSERT_WITHIN_LIMITS(NL, 16040);
	obj_stop(_metadata, NL, 16040, &w);
}

TEST_F(ubctest, numfile_second_file_refused)
{
	uint64_t base;
	struct worker w;

	IDS(16050, 1);
	base = obj_member(_metadata, NL, 16050, &w);
	obj_set(_metadata, NL, 16050, NUMFILE, base + 3, base + 3);
	MAKE(&w, K_OPEN, 2);
	ASSERT_RES(NL, 16050, NUMFILE, base + 2, 0);

	/* One file fits, the second does not: one refusal, nothing kept. */
	REFUSED(&w, K_PIPE, 1, ENFILE);
	SETTLE(NL, 16050, NUMFILE, base + 2, 1);
	REFUSED(&w, K_PIPE2, 1, ENFILE);
	SETTLE(NL, 16050, NUMFILE, base + 2, 2);
	REFUSED(&w, K_PAIR_STREAM, 1, ENFILE);
	SETTLE(NL, 16050, NUMFILE, base + 2, 3);
	SETTLE(NL, 16050, OTHERSOCK, 0, 0);
	REFUSED(&w, K_PAIR_DGRAM, 1, ENFILE);
	SETTLE(NL, 16050, NUMFILE, base + 2, 4);
	SETTLE(NL, 16050, OTHERSOCK, 0, 0);

	/* The last slot is still there. */
	MAKE(&w, K_EVENTFD, 1);
	ASSERT_RES(NL, 16050, NUMFILE, base + 3, 4);
	ASSERT_MAXHELD(NL, 16050, NUMFILE, base + 3);
	WCMD(&w, 'W', 0);
	SETTLE(NL, 16050, NUMFILE, base, 4);
	MAKE(&w, K_PIPE, 1);
	ASSERT_RES(NL, 16050, NUMFILE, base + 2, 4);
	ASSERT_WITHIN_LIMITS(NL, 16050);
	obj_stop(_metadata, NL, 16050, &w);
}

TEST_F(ubctest, objects_barrier_not_limit)
{
	uint64_t base;
	struct worker w;

	IDS(16060, 1);
	base = obj_member(_metadata, NL, 16060, &w);
	/* Refusals start at the barrier, however high the limit. */
	obj_set(_metadata, NL, 16060, NUMFILE, base + 2, U);
	obj_set(_metadata, NL, 16060, TCPSOCK, 1, U);
	obj_set(_metadata, NL, 16060, OTHERSOCK, 1, U);

	WOBJ(&w, 'M', K_OPEN, 4);
	WASSERT_OBJ(&w, 2, 2, ENFILE);
	ASSERT_RES(NL, 16060, NUMFILE, base + 2, 2);
	WCMD(&w, 'W', 0);
	SETTLE(NL, 16060, NUMFILE, base, 2);

	WOBJ(&w, 'M', K_TCP, 3);
	WASSERT_OBJ(&w, 1, 2, ENOBUFS);
	ASSERT_RES(NL, 16060, TCPSOCK, 1, 2);
	WOBJ(&w, 'M', K_UDP, 3);
	WASSERT_OBJ(&w, 1, 2, ENOBUFS);
	ASSERT_RES(NL, 16060, OTHERSOCK, 1, 2);
	SETTLE(NL, 16060, NUMFILE, base + 2, 2);

	WCMD(&w, 'W', 0);
	SETTLE(NL, 16060, NUMFILE, base, 2);
	SETTLE(NL, 16060, TCPSOCK, 0, 2);
	SETTLE(NL, 16060, OTHERSOCK, 0, 2);
	ASSERT_MAXHELD(NL, 16060, NUMFILE, base + 2);
	ASSERT_MAXHELD(NL, 16060, TCPSOCK, 1);
	ASSERT_MAXHELD(NL, 16060, OTHERSOCK, 1);
	obj_stop(_metadata, NL, 16060, &w);
}

TEST_F(ubctest, objects_limit_below_held)
{
	uint64_t base;
	struct worker w;

	IDS(16070, 1);
	base = obj_member(_metadata, NL, 16070, &w);
	MAKE(&w, K_OPEN, 4);
	MAKE(&w, K_UNIX_DGRAM, 2);
	ASSERT_RES(NL, 16070, NUMFILE, base + 6, 0);

	/* Allowed, as in OpenVZ: held stays, further charges fail. */
	obj_set(_metadata, NL, 16070, OTHERSOCK, 1, 1);
	ASSERT_RES(NL, 16070, OTHERSOCK, 2, 0);
	REFUSED(&w, K_UNIX_DGRAM, 1, ENOBUFS);
	ASSERT_RES(NL, 16070, OTHERSOCK, 2, 1);
	SETTLE(NL, 16070, NUMFILE, base + 6, 0);
	obj_set(_metadata, NL, 16070, NUMFILE, base + 1, base + 1);
	ASSERT_RES(NL, 16070, NUMFILE, base + 6, 0);
	REFUSED(&w, K_OPEN, 1, ENFILE);
	ASSERT_RES(NL, 16070, NUMFILE, base + 6, 1);
	ASSERT_RES(NL, 16070, OTHERSOCK, 2, 1);

	WCMD(&w, 'W', 0);
	SETTLE(NL, 16070, NUMFILE, base, 1);
	SETTLE(NL, 16070, OTHERSOCK, 0, 1);
	MAKE(&w, K_OPEN, 1);
	REFUSED(&w, K_OPEN, 1, ENFILE);
	ASSERT_RES(NL, 16070, NUMFILE, base + 1, 2);
	ASSERT_MAXHELD(NL, 16070, NUMFILE, base + 6);
	obj_stop(_metadata, NL, 16070, &w);
}

TEST_F(ubctest, numtcpsock_barrier)
{
	uint64_t base;
	struct worker w;

	IDS(16080, 1);
	base = obj_member(_metadata, NL, 16080, &w);
	obj_set(_metadata, NL, 16080, TCPSOCK, 2, 2);

	WOBJ(&w, 'M', K_TCP, 3);
	WASSERT_OBJ(&w, 2, 1, ENOBUFS);
	ASSERT_RES(NL, 16080, TCPSOCK, 2, 1);
	REFUSED(&w, K_TCP6, 2, ENOBUFS);
	ASSERT_RES(NL, 16080, TCPSOCK, 2, 3);
	/* No file was left charged by the refused sockets. */
	SETTLE(NL, 16080, NUMFILE, base + 2, 0);
	ASSERT_MAXHELD(NL, 16080, NUMFILE, base + 2);

	/* Other sockets do not count against numtcpsock. */
	MAKE(&w, K_UDP, 1);
	MAKE(&w, K_UDP6, 1);
	MAKE(&w, K_UNIX_STREAM, 1);
	ASSERT_RES(NL, 16080, OTHERSOCK, 3, 0);
	ASSERT_RES(NL, 16080, TCPSOCK, 2, 3);
	ASSERT_RES(NL, 16080, NUMFILE, base + 5, 0);

	WCMD(&w, 'W', 0);
	SETTLE(NL, 16080, TCPSOCK, 0, 3);
	SETTLE(NL, 16080, OTHERSOCK, 0, 0);
	SETTLE(NL, 16080, NUMFILE, base, 0);
	/* The room is back. */
	MAKE(&w, K_TCP6, 2);
	ASSERT_RES(NL, 16080, TCPSOCK, 2, 3);
	ASSERT_MAXHELD(NL, 16080, TCPSOCK, 2);
	ASSERT_WITHIN_LIMITS(NL, 16080);
	obj_stop(_metadata, NL, 16080, &w);
}

TEST_F(ubctest, numothersock_barrier)
{
	static const int others[] = {
		K_UDP, K_UDP6, K_UNIX_STREAM, K_UNIX_DGRAM, K_UNIX_SEQPACKET,
		K_NETLINK, K_PACKET, K_RAW,
	};
	uint64_t base, fc;
	struct worker w;
	unsigned int i;

	IDS(16090, 1);
	base = obj_member(_metadata, NL, 16090, &w);
	obj_set(_metadata, NL, 16090, OTHERSOCK, 3, 3);

	MAKE(&w, K_UNIX_STREAM, 2);
	ASSERT_RES(NL, 16090, OTHERSOCK, 2, 0);
	/* A pair needs two: the second is refused, the first returned. */
	REFUSED(&w, K_PAIR_STREAM, 1, ENOBUFS);
	SETTLE(NL, 16090, OTHERSOCK, 2, 1);
	REFUSED(&w, K_PAIR_DGRAM, 1, ENOBUFS);
	SETTLE(NL, 16090, OTHERSOCK, 2, 2);
	SETTLE(NL, 16090, NUMFILE, base + 2, 0);

	MAKE(&w, K_NETLINK, 1);
	ASSERT_RES(NL, 16090, OTHERSOCK, 3, 2);
	fc = 2;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		REFUSED(&w, others[i], 1, ENOBUFS);
		fc++;
		ASSERT_RES(NL, 16090, OTHERSOCK, 3, fc);
	}
	SETTLE(NL, 16090, NUMFILE, base + 3, 0);
	ASSERT_MAXHELD(NL, 16090, OTHERSOCK, 3);

	/* TCP is not an "other" socket; plain files are not sockets. */
	MAKE(&w, K_TCP, 2);
	MAKE(&w, K_OPEN, 1);
	ASSERT_RES(NL, 16090, TCPSOCK, 2, 0);
	ASSERT_RES(NL, 16090, OTHERSOCK, 3, fc);
	ASSERT_RES(NL, 16090, NUMFILE, base + 6, 0);

	WCMD(&w, 'W', 0);
	SETTLE(NL, 16090, OTHERSOCK, 0, fc);
	SETTLE(NL, 16090, TCPSOCK, 0, 0);
	SETTLE(NL, 16090, NUMFILE, base, 0);
	MAKE(&w, K_PAIR_DGRAM, 1);
	MAKE(&w, K_PACKET, 1);
	ASSERT_RES(NL, 16090, OTHERSOCK, 3, fc);
	ASSERT_WITHIN_LIMITS(NL, 16090);
	obj_stop(_metadata, NL, 16090, &w);
}

TEST_F(ubctest, host_objects_never_charged)
{
	struct worker w, h;
	uint64_t base;
	int k, i, fds[64], nfds = 0;

	IDS(16100, 1);
	base = obj_member(_metadata, NL, 16100, &w);
	obj_set(_metadata, NL, 16100, NUMFILE, 0, 0);
	obj_set(_metadata, NL, 16100, TCPSOCK, 0, 0);
	obj_set(_metadata, NL, 16100, OTHERSOCK, 0, 0);

	/* The test itself (a host task) makes every kind of object. */
	for (k = 0; k < K_NR; k++) {
		int fd[2], n = obj_make(k, fd);

		ASSERT_LT(0, n) TH_LOG("host %s: %s", kinds[k].name,
				       strerror(errno));
		for (i = 0; i < n; i++)
			fds[nfds++] = fd[i];
	}
	/* So does a worker that never entered. */
	ASSERT_EQ(0, worker_start(&h));
	for (k = 0; k < K_NR; k++) {
		MAKE(&h, k, 2);
	}
	msleep(100);
	ASSERT_RES(NL, 16100, NUMFILE, base, 0);
	ASSERT_RES(NL, 16100, TCPSOCK, 0, 0);
	ASSERT_RES(NL, 16100, OTHERSOCK, 0, 0);
	ASSERT_MAXHELD(NL, 16100, NUMFILE, base);

	/* Closing them returns nothing to the compartment either. */
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	WCMD(&h, 'W', 0);
	WSTOP(&h);
	msleep(100);
	ASSERT_RES(NL, 16100, NUMFILE, base, 0);
	ASSERT_RES(NL, 16100, TCPSOCK, 0, 0);
	ASSERT_RES(NL, 16100, OTHERSOCK, 0, 0);

	/* The member is limited all along. */
	REFUSED(&w, K_OPEN, 1, ENFILE);
	ASSERT_RES(NL, 16100, NUMFILE, base, 1);
	obj_stop(_metadata, NL, 16100, &w);
}

TEST_F(ubctest, files_before_enter_not_charged)
{
	struct worker a, b;
	uint64_t base;

	IDS(16110, 2);
	ASSERT_NL(NL, 0, ubc_create(NL, 16110));
	ASSERT_NL(NL, 0, ubc_create(NL, 16111));
	ASSERT_EQ(0, worker_start(&a));
	ASSERT_EQ(0, worker_start(&b));
	WOBJ(&a, 'M', K_OPEN, 0);
	/* b makes files on the host, then enters with them. */
	MAKE(&b, K_OPEN, 10);
	MAKE(&b, K_PIPE, 2);
	MAKE(&b, K_TCP, 2);
	MAKE(&b, K_UDP, 3);
	ASSERT_NL(NL, 0, ubc_enter(NL, 16110, a.pid));
	ASSERT_NL(NL, 0, ubc_enter(NL, 16111, b.pid));

	/* Both hold what an idle worker holds: nothing of b's extras. */
	base = ubc_field(NL, 16110, NUMFILE, UBC_RES_A_HELD);
	ASSERT_NE((uint64_t)-1, base);
	ASSERT_RES(NL, 16111, NUMFILE, base, 0);
	ASSERT_RES(NL, 16111, TCPSOCK, 0, 0);
	ASSERT_RES(NL, 16111, OTHERSOCK, 0, 0);

	/* Closing them inside returns nothing: never charged. */
	WCMD(&b, 'W', 0);
	msleep(100);
	ASSERT_RES(NL, 16111, NUMFILE, base, 0);
	ASSERT_RES(NL, 16111, TCPSOCK, 0, 0);
	ASSERT_RES(NL, 16111, OTHERSOCK, 0, 0);
	ASSERT_MAXHELD(NL, 16111, NUMFILE, base);

	/* What is made inside counts as usual. */
	MAKE(&b, K_OPEN, 1);
	MAKE(&b, K_TCP, 1);
	ASSERT_RES(NL, 16111, NUMFILE, base + 2, 0);
	ASSERT_RES(NL, 16111, TCPSOCK, 1, 0);
	WCMD(&b, 'W', 0);
	SETTLE(NL, 16111, NUMFILE, base, 0);
	SETTLE(NL, 16111, TCPSOCK, 0, 0);
	obj_stop(_metadata, NL, 16110, &a);
	obj_stop(_metadata, NL, 16111, &b);
}

TEST_F_TIMEOUT(ubctest, exit_returns_everything, 60)
{
	uint64_t base;
	struct worker w;
	int k;

	IDS(16120, 1);
	base = obj_member(_metadata, NL, 16120, &w);
	for (k = 0; k < K_NR; k++) {
		MAKE(&w, k, 2);
	}
	{
		uint64_t f = base, t = 0, o = 0;

		for (k = 0; k < K_NR; k++) {
			f += 2 * kinds[k].file;
			t += 2 * kinds[k].tcp;
			o += 2 * kinds[k].other;
		}
		ASSERT_RES(NL, 16120, NUMFILE, f, 0);
		ASSERT_RES(NL, 16120, TCPSOCK, t, 0);
		ASSERT_RES(NL, 16120, OTHERSOCK, o, 0);
	}
	/* The worker exits holding all of it. */
	obj_stop(_metadata, NL, 16120, &w);
	ASSERT_RES(NL, 16120, NUMFILE, 0, 0);
	ASSERT_RES(NL, 16120, TCPSOCK, 0, 0);
	ASSERT_RES(NL, 16120, OTHERSOCK, 0, 0);
	/* Nothing left behind: destroyed, it goes away. */
	ASSERT_NL(NL, 0, ubc_destroy_wait(NL, 16120, DRAIN_MS));
	ASSERT_DRAINS(NL, 16120);
}

/* Checks a dying @id holds exactly @file numfile and @other numothersock. */
static void assert_dying(struct __test_metadata *_metadata, struct ubc_nl *h,
			 uint32_t id, uint64_t file, uint64_t other)
{
	struct proc_row pfile, pother;
	struct ubc_info info;

	ASSERT_GET(h, id, &info);
	ASSERT_TRUE(info.flags & UBC_F_DYING) TH_LOG("GET: not dying");
	ASSERT_EQ(file, info.res[NUMFILE].held);
	ASSERT_EQ(other, info.res[OTHERSOCK].held);
	ASSERT_EQ(0, info.res[UBC_NUMPROC].held);
	ASSERT_EQ(1, ubc_dump_find(h, id, &info));
	ASSERT_TRUE(info.flags & UBC_F_DYING) TH_LOG("dump: not dying");
	ASSERT_EQ(file, info.res[NUMFILE].held);
	ASSERT_EQ(other, info.res[OTHERSOCK].held);
	proc_rows(_metadata, id, &pfile, &pother);
	ASSERT_EQ(file, pfile.held);
	ASSERT_EQ(other, pother.held);
}

/* The id of a dying compartment is not free, nor can it be used. */
static void assert_id_taken(struct __test_metadata *_metadata,
			    struct ubc_nl *h, uint32_t id)
{
	struct worker w2;

	ASSERT_NL(h, -EEXIST, ubc_create(h, id));
	ASSERT_NL(h, -ENOENT, ubc_set(h, id, NUMFILE, 10, 10));
	ASSERT_EQ(0, worker_start(&w2));
	ASSERT_NL(h, -ENOENT, ubc_enter(h, id, w2.pid));
	WSTOP(&w2);
}

TEST_F_TIMEOUT(ubctest, scm_rights_outlives_compartment, 60)
{
	struct ubc_info info;
	uint64_t base;
	struct worker w;
	int sv[2], fds[4];
	struct stat st;

	IDS(16130, 1);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	obj_scm_fd = sv[1];	/* made on the host, inherited by the worker */
	base = obj_member(_metadata, NL, 16130, &w);
	MAKE(&w, K_MEMFD, 1);
	MAKE(&w, K_UDP, 1);
	ASSERT_RES(NL, 16130, NUMFILE, base + 2, 0);
	ASSERT_RES(NL, 16130, OTHERSOCK, 1, 0);

	/* Passed to the host, closed in the worker: still charged. */
	WCMD(&w, 'L', 2);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("sendmsg: %s", strerror(-w.sh->ret));
	ASSERT_EQ(2, recv_fds(sv[0], fds, 4));
	msleep(100);
	ASSERT_RES(NL, 16130, NUMFILE, base + 2, 0);
	ASSERT_RES(NL, 16130, OTHERSOCK, 1, 0);

	/* The compartment's tasks go; the host's files keep it charged. */
	WSTOP(&w);
	WAIT_HELD(NL, 16130, 0);
	SETTLE(NL, 16130, NUMFILE, 2, 0);
	SETTLE(NL, 16130, OTHERSOCK, 1, 0);
	ASSERT_NL(NL, 0, ubc_destroy_wait(NL, 16130, DRAIN_MS));
	msleep(100);
	assert_dying(_metadata, NL, 16130, 2, 1);
	assert_id_taken(_metadata, NL, 16130);

	/* The files work as before. */
	ASSERT_EQ(0, fstat(fds[0], &st));
	ASSERT_EQ(0, fstat(fds[1], &st));
	ASSERT_TRUE(S_ISSOCK(st.st_mode));

	/* One file closed: one charge back, still dying. */
	ASSERT_EQ(0, close(fds[0]));
	WAIT_RES(NL, 16130, NUMFILE, 1);
	assert_dying(_metadata, NL, 16130, 1, 1);
	assert_id_taken(_metadata, NL, 16130);

	/* The last one closed: the compartment is gone, its id free. */
	ASSERT_EQ(0, close(fds[1]));
	ASSERT_DRAINS(NL, 16130);
	ASSERT_NL(NL, 0, ubc_create(NL, 16130));
	ASSERT_GET(NL, 16130, &info);
	ASSERT_EQ(0, info.flags);
	ASSERT_EQ(0, info.res[NUMFILE].held);
	ASSERT_EQ(0, info.res[NUMFILE].maxheld);
	ASSERT_EQ(0, info.res[OTHERSOCK].held);
	close(sv[0]);
	close(sv[1]);
}

TEST_F_TIMEOUT(ubctest, scm_rights_in_flight, 60)
{
	uint64_t base;
	struct worker w;
	int sv[2];

	IDS(16140, 1);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	obj_scm_fd = sv[1];
	base = obj_member(_metadata, NL, 16140, &w);
	MAKE(&w, K_OPEN, 1);
	MAKE(&w, K_NETLINK, 1);
	ASSERT_RES(NL, 16140, NUMFILE, base + 2, 0);

	/* Sent but never received: the message holds the files. */
	WCMD(&w, 'L', 2);
	ASSERT_EQ(0, w.sh->ret) TH_LOG("sendmsg: %s", strerror(-w.sh->ret));
	WSTOP(&w);
	WAIT_HELD(NL, 16140, 0);
	SETTLE(NL, 16140, NUMFILE, 2, 0);
	SETTLE(NL, 16140, OTHERSOCK, 1, 0);
	ASSERT_NL(NL, 0, ubc_destroy_wait(NL, 16140, DRAIN_MS));
	msleep(100);
	assert_dying(_metadata, NL, 16140, 2, 1);
	assert_id_taken(_metadata, NL, 16140);

	/* Closing the receiving socket drops the message and its files. */
	ASSERT_EQ(0, close(sv[1]));
	msleep(100);
	assert_dying(_metadata, NL, 16140, 2, 1);
	ASSERT_EQ(0, close(sv[0]));
	ASSERT_DRAINS(NL, 16140);
	ASSERT_NL(NL, 0, ubc_create(NL, 16140));
	ASSERT_RES(NL, 16140, NUMFILE, 0, 0);
}

/*
 * A TCP socket closed first by the compartment's side lives on without a
 * file (FIN_WAIT2, orphaned) until its peer closes too; it keeps the
 * destroyed compartment, dying, until then. When the peer's FIN arrives the
 * socket goes to TIME_WAIT, whose minisock (allocated in softirq, charged
 * to nobody) replaces the socket, which is freed: the charge comes back.
 */
TEST_F_TIMEOUT(ubctest, tcp_orphan_outlives_compartment, 60)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct ubc_info info;
	struct worker w;
	int lfd, acc;
	uint64_t base;

	IDS(16190, 1);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 4));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &len));
	base = obj_member(_metadata, NL, 16190, &w);

	WCMD(&w, 'C', ntohs(a.sin_port));
	ASSERT_EQ(0, w.sh->ret) TH_LOG("connect: %s", strerror(-w.sh->ret));
	acc = accept(lfd, NULL, NULL);
	ASSERT_LE(0, acc);
	/* file closed, socket orphaned but alive: numtcpsock still 1 */
	SETTLE(NL, 16190, NUMFILE, base, 0);
	ASSERT_RES(NL, 16190, TCPSOCK, 1, 0);

	WSTOP(&w);
	WAIT_HELD(NL, 16190, 0);
	ASSERT_NL(NL, 0, ubc_destroy_wait(NL, 16190, DRAIN_MS));
	msleep(100);
	ASSERT_GET(NL, 16190, &info);
	ASSERT_TRUE(info.flags & UBC_F_DYING);
	ASSERT_EQ(1, info.res[TCPSOCK].held);
	ASSERT_EQ(0, info.res[NUMFILE].held);
	assert_id_taken(_metadata, NL, 16190);

	/* The host closes its end: TIME_WAIT, the socket is freed. */
	ASSERT_EQ(0, close(acc));
	ASSERT_DRAINS(NL, 16190);
	close(lfd);
}

TEST_F_TIMEOUT(ubctest, objects_churn, 600)
{
	static const int churned[] = {
		K_OPEN, K_PIPE, K_EVENTFD, K_TCP, K_UDP, K_UNIX_STREAM,
		K_PAIR_STREAM,
	};
	uint64_t base;
	struct worker w;
	unsigned int i;

	IDS(16150, 1);
	base = obj_member(_metadata, NL, 16150, &w);
	for (i = 0; i < sizeof(churned) / sizeof(churned[0]); i++) {
		int k = churned[i];

		w.sh->arg_res = k;
		ASSERT_EQ(0, worker_cmd_ms(&w, 'H', 3000, 250000))
			TH_LOG("churn %s", kinds[k].name);
		WASSERT_OBJ(&w, 3000, 0, 0);
		/* No drift. */
		SETTLE(NL, 16150, NUMFILE, base, 0);
		SETTLE(NL, 16150, TCPSOCK, 0, 0);
		SETTLE(NL, 16150, OTHERSOCK, 0, 0);
	}
	ASSERT_LE(base + 2, ubc_field(NL, 16150, NUMFILE, UBC_RES_A_MAXHELD));
	ASSERT_LE(1, ubc_field(NL, 16150, TCPSOCK, UBC_RES_A_MAXHELD));
	ASSERT_LE(2, ubc_field(NL, 16150, OTHERSOCK, UBC_RES_A_MAXHELD));

	/* Still fully usable after all that. */
	MAKE(&w, K_OPEN, 2);
	MAKE(&w, K_TCP, 1);
	ASSERT_RES(NL, 16150, NUMFILE, base + 3, 0);
	ASSERT_RES(NL, 16150, TCPSOCK, 1, 0);
	obj_stop(_metadata, NL, 16150, &w);
	ASSERT_NL(NL, 0, ubc_destroy_wait(NL, 16150, DRAIN_MS));
	ASSERT_DRAINS(NL, 16150);
}

TEST_F_TIMEOUT(ubctest, objects_churn_at_barrier, 300)
{
	uint64_t base, fc;
	struct worker w;

	/*
	 * Right at the barrier: a create may be refused while the previous
	 * object's uncharge is still pending, but every refusal is counted,
	 * nothing passes the barrier, and nothing leaks.
	 */
	IDS(16160, 1);
	base = obj_member(_metadata, NL, 16160, &w);
	obj_set(_metadata, NL, 16160, NUMFILE, base + 2, base + 2);
	obj_set(_metadata, NL, 16160, TCPSOCK, 1, 1);
	obj_set(_metadata, NL, 16160, OTHERSOCK, 2, 2);

	w.sh->arg_res = K_PIPE;
	ASSERT_EQ(0, worker_cmd_ms(&w, 'H', 1000, 250000));
	ASSERT_EQ(1000, w.sh->nok + w.sh->nfail);
	WASSERT_OBJ(&w, w.sh->nok, w.sh->nfail, ENFILE);
	fc = w.sh->nfail;
	SETTLE(NL, 16160, NUMFILE, base, fc);
	ASSERT_MAXHELD(NL, 16160, NUMFILE, base + 2);
	/* Sockets need files too: let numfile refuse nothing below. */
	obj_set(_metadata, NL, 16160, NUMFILE, U, U);

	w.sh->arg_res = K_TCP;
	ASSERT_EQ(0, worker_cmd_ms(&w, 'H', 1000, 250000));
	ASSERT_EQ(1000, w.sh->nok + w.sh->nfail);
	WASSERT_OBJ(&w, w.sh->nok, w.sh->nfail, ENOBUFS);
	SETTLE(NL, 16160, TCPSOCK, 0, w.sh->nfail);
	SETTLE(NL, 16160, NUMFILE, base, fc);

	w.sh->arg_res = K_PAIR_STREAM;
	ASSERT_EQ(0, worker_cmd_ms(&w, 'H', 1000, 250000));
	ASSERT_EQ(1000, w.sh->nok + w.sh->nfail);
	WASSERT_OBJ(&w, w.sh->nok, w.sh->nfail, ENOBUFS);
	SETTLE(NL, 16160, OTHERSOCK, 0, w.sh->nfail);
	SETTLE(NL, 16160, NUMFILE, base, fc);

	ASSERT_MAXHELD(NL, 16160, TCPSOCK, 1);
	ASSERT_MAXHELD(NL, 16160, OTHERSOCK, 2);
	obj_stop(_metadata, NL, 16160, &w);
}

/* A host client connected to 127.0.0.1:@port (never charged). */
static int tcp_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F_TIMEOUT(ubctest, accept_charges_numtcpsock, 90)
{
	uint64_t base;
	struct worker w;
	int port, c[3], i;

	IDS(16170, 1);
	base = obj_member(_metadata, NL, 16170, &w);
	obj_set(_metadata, NL, 16170, TCPSOCK, 3, 3);

	WCMD(&w, 'T', 0);
	port = w.sh->ret;
	ASSERT_GT(port, 0) TH_LOG("listen: %s", strerror(-port));
	ASSERT_RES(NL, 16170, TCPSOCK, 1, 0);
	for (i = 0; i < 3; i++) {
		c[i] = tcp_connect(port);
		ASSERT_LE(0, c[i]) TH_LOG("connect: %s", strerror(errno));
	}
	/* listener + 2 accepted reach the barrier; the third is refused */
	WCMD(&w, 'A', 3);
	ASSERT_EQ(2, w.sh->nok);
	ASSERT_EQ(1, w.sh->nfail);
	ASSERT_EQ(ENOBUFS, w.sh->err[0]);
	ASSERT_RES(NL, 16170, TCPSOCK, 3, 1);
	ASSERT_MAXHELD(NL, 16170, TCPSOCK, 3);
	/* each accepted socket has its file: listener + 2 */
	ASSERT_RES(NL, 16170, NUMFILE, base + 3, 0);
	/* the refused connection stayed queued: room again, it is accepted */
	close(c[0]);
	c[0] = -1;
	WCMD(&w, 'w', 1);
	SETTLE(NL, 16170, TCPSOCK, 2, 1);
	WCMD(&w, 'A', 1);
	ASSERT_EQ(1, w.sh->nok);
	ASSERT_EQ(0, w.sh->nfail);
	ASSERT_RES(NL, 16170, TCPSOCK, 3, 1);

	/* peers close first, so the accepted sockets need no TIME_WAIT */
	for (i = 1; i < 3; i++)
		close(c[i]);
	WCMD(&w, 'W', 0);
	SETTLE(NL, 16170, TCPSOCK, 0, 1);
	SETTLE(NL, 16170, NUMFILE, base, 0);
	ASSERT_WITHIN_LIMITS(NL, 16170);
	obj_stop(_metadata, NL, 16170, &w);
}

TEST_F(ubctest, numpty_barrier)
{
	uint64_t base;
	struct worker w;

	IDS(16180, 1);
	base = obj_member(_metadata, NL, 16180, &w);
	ASSERT_RES(NL, 16180, NUMPTY, 0, 0);
	obj_set(_metadata, NL, 16180, NUMPTY, 2, 2);

	WOBJ(&w, 'M', K_PTY, 3);
	WASSERT_OBJ(&w, 2, 1, ENOSPC);
	ASSERT_RES(NL, 16180, NUMPTY, 2, 1);
	ASSERT_MAXHELD(NL, 16180, NUMPTY, 2);
	/* the refused open's file was freed again */
	SETTLE(NL, 16180, NUMFILE, base + 2, 0);

	/* the last close of a pair returns its charge */
	WCMD(&w, 'w', 0);
	SETTLE(NL, 16180, NUMPTY, 1, 1);
	WOBJ(&w, 'M', K_PTY, 1);
	WASSERT_OBJ(&w, 1, 0, 0);
	ASSERT_RES(NL, 16180, NUMPTY, 2, 1);
	WCMD(&w, 'W', 0);
	SETTLE(NL, 16180, NUMPTY, 0, 1);
	SETTLE(NL, 16180, NUMFILE, base, 0);
	ASSERT_WITHIN_LIMITS(NL, 16180);
	obj_stop(_metadata, NL, 16180, &w);
}

/*
 * Racers: @n processes of compartment @id, forked by the test and ENTERed
 * by pid, that start @fn together on the test's go and keep what they made
 * until released (EOF on their release pipe), then exit 0, or 1 on an
 * unexpected error. Results are summed in shared memory.
 */
#define RACERS		4

struct race {
	int ok, fail, other;	/* successes, expected refusals, others */
	int other_err;		/* errno of the first "other" */
};

struct racers {
	pid_t pid[RACERS];
	int n;
	int go[2], rel[2], done[2];
	struct race *r;
};

static void race_note(struct race *r, long ret, int expected_err)
{
	if (ret >= 0) {
		__atomic_add_fetch(&r->ok, 1, __ATOMIC_SEQ_CST);
	} else if (errno == expected_err) {
		__atomic_add_fetch(&r->fail, 1, __ATOMIC_SEQ_CST);
	} else {
		if (!__atomic_fetch_add(&r->other, 1, __ATOMIC_SEQ_CST))
			r->other_err = errno;
	}
}

static int racers_start(struct ubc_nl *h, uint32_t id, struct racers *rs, int n,
			void (*fn)(struct race *r, int i, int arg), int arg)
{
	int i;
	char b;

	memset(rs, 0, sizeof(*rs));
	rs->r = shared_mem(sizeof(*rs->r));
	if (!rs->r || pipe(rs->go) || pipe(rs->rel) || pipe(rs->done))
		return -1;
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return -1;
		if (!p) {
			close(rs->go[1]);
			close(rs->rel[1]);
			close(rs->done[0]);
			if (read(rs->go[0], &b, 1) != 1)
				_exit(99);
			fn(rs->r, i, arg);
			b = 'd';
			if (write(rs->done[1], &b, 1) != 1)
				_exit(98);
			wait_eof(rs->rel[0]);
			_exit(0);
		}
		rs->pid[rs->n++] = p;
		if (ubc_enter(h, id, p))
			return -1;
	}
	close(rs->go[0]);
	close(rs->rel[0]);
	close(rs->done[1]);
	return 0;
}

/* Lets them run; returns once each finished its work (still holding). */
static int racers_go(struct racers *rs)
{
	int i;
	char b = 'g';

	for (i = 0; i < rs->n; i++)
		if (write(rs->go[1], &b, 1) != 1)
			return -1;
	for (i = 0; i < rs->n; i++)
		if (chan_get(rs->done[0], 60000) < 0)
			return -1;
	return 0;
}

/* Releases them and reaps them: 0 if every one exited 0. */
static int racers_stop(struct racers *rs)
{
	int i, bad = 0;

	close(rs->go[1]);
	close(rs->rel[1]);
	close(rs->done[0]);
	for (i = 0; i < rs->n; i++)
		if (reap(rs->pid[i]))
			bad = -1;
	munmap(rs->r, sizeof(*rs->r));
	return bad;
}

static int race_listener = -1;

/*
 * Accepts on race_listener (blocking, SO_RCVTIMEO) until no connection
 * comes for a while; keeps every accepted fd. ENOBUFS (over the barrier)
 * is retried after a short sleep, up to @arg times.
 */
static void race_accept(struct race *r, int i, int arg)
{
	(void)i;
	int tries = 0;

	for (;;) {
		int fd = accept(race_listener, NULL, NULL);

		race_note(r, fd, ENOBUFS);
		if (fd >= 0)
			continue;
		if (errno != ENOBUFS || ++tries >= arg)
			break;
		msleep(20);
	}
	/* the timeout that ended the loop is not a refusal */
	if (errno == EAGAIN)
		__atomic_sub_fetch(&r->other, 1, __ATOMIC_SEQ_CST);
}

/*
 * Concurrent accept() (issue 10, finding 5): four processes of one
 * compartment block in accept() on a loopback listener, then connections
 * arrive, many more than the limit. The gate reserves what it admits, so
 * only limit accepts can be in flight: maxheld <= limit, the others get
 * ENOBUFS (failcnt), and the queued connections stay queued.
 */
TEST_F_TIMEOUT(ubctest, accept_race_stays_within_limit, 120)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 1 };
	socklen_t len = sizeof(a);
	struct racers rs;
	int c[24], i, port;
	struct ubc_info info;

	IDS(16190, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 16190));
	obj_set(_metadata, NL, 16190, TCPSOCK, 3, 3);
	/* the listener is the host's: only accepted sockets are charged */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	race_listener = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, race_listener);
	ASSERT_EQ(0, bind(race_listener, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(race_listener, 64));
	ASSERT_EQ(0, getsockname(race_listener, (struct sockaddr *)&a, &len));
	ASSERT_EQ(0, setsockopt(race_listener, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	port = ntohs(a.sin_port);

	ASSERT_EQ(0, racers_start(NL, 16190, &rs, RACERS,
				  race_accept, 20));
	{
		char b = 'g';

		for (i = 0; i < RACERS; i++)
			ASSERT_EQ(1, write(rs.go[1], &b, 1));
	}
	/* let all four block in accept(), past the gate */
	msleep(300);
	for (i = 0; i < 24; i++) {
		c[i] = tcp_connect(port);
		ASSERT_LE(0, c[i]) TH_LOG("connect: %s", strerror(errno));
	}
	for (i = 0; i < RACERS; i++)
		ASSERT_LE(0, chan_get(rs.done[0], 60000));
	ASSERT_EQ(0, rs.r->other) TH_LOG("accept: %s", strerror(rs.r->other_err));
	ASSERT_EQ(3, rs.r->ok);
	ASSERT_LT(0, rs.r->fail);
	ASSERT_GET(NL, 16190, &info);
	ASSERT_LE(info.res[TCPSOCK].maxheld, 3)
		TH_LOG("numtcpsock maxheld %llu above the limit",
		       (unsigned long long)info.res[TCPSOCK].maxheld);
	ASSERT_EQ(3, info.res[TCPSOCK].held);
	ASSERT_EQ((uint64_t)rs.r->fail, info.res[TCPSOCK].failcnt);

	/* peers close first; then the accepters close theirs and exit */
	for (i = 0; i < 24; i++)
		close(c[i]);
	ASSERT_EQ(0, racers_stop(&rs));
	close(race_listener);
	race_listener = -1;
	SETTLE(NL, 16190, TCPSOCK, 0, info.res[TCPSOCK].failcnt);
	ASSERT_WITHIN_LIMITS(NL, 16190);
}

/* @arg non-blocking accept()s with nothing queued: each EAGAIN. */
static void race_accept_empty(struct race *r, int i, int arg)
{
	(void)i;
	while (arg--)
		race_note(r, accept4(race_listener, NULL, NULL, SOCK_NONBLOCK),
			  EAGAIN);
}

/*
 * An accept() that fails after the gate returns its reservation before
 * it returns (do_accept() puts newsock's file: sock_close()): thousands
 * of EAGAIN from a non-blocking listener with nothing queued, from four
 * processes at once (each holds one unit during its call: the barrier is
 * 4), never meet the barrier and leave held at 0.
 */
TEST_F_TIMEOUT(ubctest, accept_failure_returns_reservation, 120)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct racers rs;
	struct ubc_info info;

	IDS(16192, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 16192));
	obj_set(_metadata, NL, 16192, TCPSOCK, RACERS, RACERS);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	race_listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, race_listener);
	ASSERT_EQ(0, bind(race_listener, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(race_listener, 4));

	ASSERT_EQ(0, racers_start(NL, 16192, &rs, RACERS,
				  race_accept_empty, 1000));
	ASSERT_EQ(0, racers_go(&rs));
	ASSERT_EQ(0, rs.r->other) TH_LOG("accept: %s", strerror(rs.r->other_err));
	ASSERT_EQ(0, rs.r->ok);
	ASSERT_EQ(RACERS * 1000, rs.r->fail);
	ASSERT_GET(NL, 16192, &info);
	ASSERT_EQ(0, info.res[TCPSOCK].held);
	ASSERT_EQ(0, info.res[TCPSOCK].failcnt);
	ASSERT_LE(info.res[TCPSOCK].maxheld, RACERS);
	ASSERT_EQ(0, racers_stop(&rs));
	close(race_listener);
	race_listener = -1;
	ASSERT_RES(NL, 16192, TCPSOCK, 0, 0);
}

/* Opens and closes /dev/ptmx @arg times, keeping one open at a time. */
static void race_pty(struct race *r, int i, int arg)
{
	(void)i;
	while (arg--) {
		int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);

		race_note(r, fd, ENOSPC);
		if (fd >= 0)
			close(fd);
	}
}

/*
 * Concurrent /dev/ptmx opens (issue 10, finding 5's pattern in
 * ubc_pty_alloc): four processes open and close ptys as fast as they can
 * under numpty 2:2. The gate reserves, so maxheld never passes 2; some
 * opens are refused with ENOSPC, and everything is returned.
 */
TEST_F_TIMEOUT(ubctest, pty_race_stays_within_limit, 180)
{
	struct racers rs;
	struct ubc_info info;

	IDS(16194, 1);
	ASSERT_NL(NL, 0, ubc_create(NL, 16194));
	obj_set(_metadata, NL, 16194, NUMPTY, 2, 2);
	ASSERT_EQ(0, racers_start(NL, 16194, &rs, RACERS,
				  race_pty, 300));
	ASSERT_EQ(0, racers_go(&rs));
	ASSERT_EQ(0, rs.r->other) TH_LOG("open: %s", strerror(rs.r->other_err));
	ASSERT_EQ(RACERS * 300, rs.r->ok + rs.r->fail);
	ASSERT_LT(0, rs.r->fail);
	ASSERT_GET(NL, 16194, &info);
	ASSERT_LE(info.res[NUMPTY].maxheld, 2)
		TH_LOG("numpty maxheld %llu above the limit",
		       (unsigned long long)info.res[NUMPTY].maxheld);
	ASSERT_EQ((uint64_t)rs.r->fail, info.res[NUMPTY].failcnt);
	ASSERT_EQ(0, racers_stop(&rs));
	SETTLE(NL, 16194, NUMPTY, 0, info.res[NUMPTY].failcnt);
}

TEST_HARNESS_MAIN
