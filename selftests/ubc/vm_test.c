// SPDX-License-Identifier: GPL-2.0
/*
 * privvmpages, lockedpages, shmpages, vmguarpages.
 *
 * privvmpages held is exactly the sum, over the compartment's processes, of
 * their private anonymous mappings (whatever their protection) and private
 * file mappings while writable (checked against /proc/PID/maps); mappings
 * are charged when made, refused with ENOMEM past the barrier (mmap, brk,
 * mremap, mprotect, fork), reserved at the check (processes racing never
 * pass it together), returned by munmap, mprotect and exit.
 * lockedpages is VmLck plus SHM_LOCKed segments; mlock, mlockall and
 * SHM_LOCK fail with ENOMEM past the barrier, MAP_LOCKED and growth after
 * mlockall(MCL_FUTURE) with EAGAIN (sbrk: ENOMEM), reserved at the check
 * (processes locking at once never pass it together). shmpages counts the
 * pages the compartment's tasks add to shmem files; writes past the
 * barrier fail with ENOSPC (reserved at the allocation: concurrent
 * writers never pass it), shmget with ENOSPC, shared anonymous mmap with
 * ENOMEM, UFFDIO_COPY into a shared memfd with ENOMEM (reserved too).
 * vmguarpages lets a guaranteed compartment through strict overcommit.
 *
 * A "member" is a child that enters a compartment and runs one request at
 * a time for the test (op, two arguments; reply: value or -errno). It
 * allocates nothing on the heap, so its own address space only changes
 * when asked to.
 *
 * Compartment ids: 19000..19999.
 */
#include <alloca.h>
#include <limits.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/ioctl.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "ubc_test.h"

#define U UBC_UNLIMITED
#define NL (&self->nl)
#define PG 4096L
#define PRIVVM UBC_PRIVVMPAGES
#define LOCKED UBC_LOCKEDPAGES
#define SHM UBC_SHMPAGES
#define VMGUAR UBC_VMGUARPAGES

/* ---- the member ---- */

struct req {
	char op;
	long a, b;
};

struct member {
	pid_t pid;
	int req, rep;		/* our ends */
};

#define SLOTS 64
#define SHM_DIR "/tmp/ubc-vm-shm"	/* a tmpfs the tests mount */
#define SHM_FILE SHM_DIR "/f"

/* Pages of "Vm<name>:" in /proc/self/status, read without the heap. */
static long status_pages(const char *field)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, field);
	if (!p)
		return -ENOENT;
	return strtol(p + strlen(field), NULL, 10) * 1024 / PG;
}

/*
 * privvmpages of this process as ubc defines it, from /proc/self/maps:
 * private mappings that are writable or anonymous (no file: inode 0 and
 * no name, or [heap] / [stack]; [vdso], [vvar], [vsyscall] are special).
 */
static long maps_privvm(void)
{
	static char buf[1 << 16];
	long pages = 0, len = 0;
	unsigned long lo, hi, ino;
	char perms[8], name[64], *line, *nl;
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len < (long)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %63s", &lo, &hi, perms,
			   &ino, name) < 4)
			return -EIO;
		if (perms[3] != 'p')
			continue;
		if (perms[1] == 'w' ||
		    (!ino && (!name[0] || !strcmp(name, "[heap]") ||
			      !strcmp(name, "[stack]"))))
			pages += (hi - lo) / PG;
	}
	return pages;
}

enum {
	M_PRIV,		/* private, read-write */
	M_RO,		/* private, read-only */
	M_SHARED,	/* shared anonymous, read-write */
	M_LOCKED,	/* private, read-write, MAP_LOCKED */
	M_RO_NR,	/* private, read-only, MAP_NORESERVE */
	M_FILE,		/* private, read-only, of a file (a memfd) */
};

#define LOOPS 64	/* mappings 'X' and 'Y' keep */

/* Grows the stack by @pages pages below the current frame, touching each. */
static void __attribute__((noinline)) stack_grow(long pages)
{
	volatile char *p = alloca(pages * PG);
	long i;

	for (i = pages - 1; i >= 0; i--)
		p[i * PG] = 1;
}

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

/*
 * A memfd of @pages pages mapped MAP_SHARED at *@map and registered with
 * a userfaultfd for missing pages: the userfaultfd, or -errno (-ENOSYS:
 * the kernel has no userfaultfd). The memfd's descriptor goes in *@file.
 */
static int uffd_memfd(long pages, char **map, int *file)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	int ufd, err;

	ufd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (ufd < 0 && errno != ENOSYS)
		ufd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (ufd < 0)
		return -errno;
	*file = memfd_create("ubc-vm-uffd", 0);
	if (*file < 0 || ftruncate(*file, pages * PG))
		goto fail;
	*map = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		    *file, 0);
	if (*map == MAP_FAILED)
		goto fail;
	reg.range.start = (unsigned long)*map;
	reg.range.len = pages * PG;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(ufd, UFFDIO_API, &api) || ioctl(ufd, UFFDIO_REGISTER, &reg))
		goto fail;
	return ufd;
fail:
	err = -errno;
	close(ufd);
	return err;
}

static void member_main(int rq, int rp)
{
	static void *slot[SLOTS];
	static long slot_pages[SLOTS];
	static void *loop[LOOPS];
	static long loop_pages[LOOPS];
	static pid_t kid;
	static int memfd = -1, pfd = -1;
	static int ufd = -1, ufile = -1;
	static char *umap;
	static long upages;
	static char page[PG];
	struct req r;
	long ret;
	int i, prot, flags, fd;

	for (;;) {
		if (read(rq, &r, sizeof(r)) != sizeof(r))
			_exit(0);
		errno = 0;
		ret = 0;
		switch (r.op) {
		case 'm':	/* mmap a pages of kind b: slot */
			prot = PROT_READ | PROT_WRITE;
			flags = MAP_PRIVATE | MAP_ANONYMOUS;
			if (r.b == M_RO)
				prot = PROT_READ;
			if (r.b == M_SHARED)
				flags = MAP_SHARED | MAP_ANONYMOUS;
			if (r.b == M_LOCKED)
				flags |= MAP_LOCKED;
			if (r.b == M_RO_NR) {
				prot = PROT_READ;
				flags |= MAP_NORESERVE;
			}
			fd = -1;
			if (r.b == M_FILE) {
				if (pfd < 0)
					pfd = memfd_create("ubc-vm-file", 0);
				if (ftruncate(pfd, r.a * PG)) {
					ret = -errno;
					break;
				}
				prot = PROT_READ;
				flags = MAP_PRIVATE;
				fd = pfd;
			}
			for (i = 0; i < SLOTS && slot[i]; i++)
				;
			slot[i] = mmap(NULL, r.a * PG, prot, flags, fd, 0);
			if (slot[i] == MAP_FAILED) {
				slot[i] = NULL;
				ret = -errno;
			} else {
				slot_pages[i] = r.a;
				ret = i;
			}
			break;
		case 'h':	/* munmap the first half of slot a */
			i = slot_pages[r.a] / 2;
			ret = munmap(slot[r.a], i * PG) ? -errno : 0;
			slot[r.a] = (char *)slot[r.a] + i * PG;
			slot_pages[r.a] -= i;
			break;
		case 'X':	/* b times: mmap a pages RW, touch, mprotect RO */
		case 'Y':	/* b times: mmap a pages RW */
			for (i = 0; i < r.b && i < LOOPS; i++) {
				char *p = mmap(NULL, r.a * PG,
					       PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				long j;

				if (p == MAP_FAILED)
					break;
				loop[i] = p;
				loop_pages[i] = r.a;
				if (r.op == 'Y')
					continue;
				for (j = 0; j < r.a; j++)
					p[j * PG] = 1;
				if (mprotect(p, r.a * PG, PROT_READ))
					break;
			}
			/* successes * 1000 + the errno that stopped it */
			ret = i * 1000L + (i < r.b ? errno : 0);
			break;
		case 'Z':	/* munmap what 'X' and 'Y' mapped */
			for (i = 0; i < LOOPS; i++) {
				if (loop[i] && munmap(loop[i], loop_pages[i] * PG))
					ret = -errno;
				loop[i] = NULL;
			}
			break;
		case 'D':	/* the memfd's descriptor */
			if (memfd < 0)
				memfd = memfd_create("ubc-vm", 0);
			ret = memfd;
			break;
		case 'W':	/* write a pages to a new file at SHM_FILE */
			fd = open(SHM_FILE, O_CREAT | O_TRUNC | O_WRONLY, 0600);
			for (i = 0; fd >= 0 && i < r.a; i++)
				if (write(fd, page, PG) != PG)
					break;
			ret = fd < 0 || i < r.a ? -errno : 0;
			if (fd >= 0)
				close(fd);
			break;
		case 'u':	/* munmap slot a */
			ret = munmap(slot[r.a], slot_pages[r.a] * PG) ? -errno : 0;
			slot[r.a] = NULL;
			break;
		case 'p':	/* mprotect slot a read-write (b) or read-only */
			ret = mprotect(slot[r.a], slot_pages[r.a] * PG,
				       r.b ? PROT_READ | PROT_WRITE : PROT_READ) ?
			      -errno : 0;
			break;
		case 'r': {	/* mremap slot a to b pages */
			void *p = mremap(slot[r.a], slot_pages[r.a] * PG,
					 r.b * PG, MREMAP_MAYMOVE);

			if (p == MAP_FAILED) {
				ret = -errno;
			} else {
				slot[r.a] = p;
				slot_pages[r.a] = r.b;
			}
			break;
		}
		case 't':	/* touch b pages of slot a */
			for (i = 0; i < r.b; i++)
				((volatile char *)slot[r.a])[i * PG] = 1;
			break;
		case 'b':	/* sbrk(a pages) */
			ret = sbrk(r.a * PG) == (void *)-1 ? -errno : 0;
			break;
		case 'l':	/* mlock slot a */
			ret = mlock(slot[r.a], slot_pages[r.a] * PG) ? -errno : 0;
			break;
		case 'L':	/* munlock slot a */
			ret = munlock(slot[r.a], slot_pages[r.a] * PG) ? -errno : 0;
			break;
		case 'o':	/* mlock2(MLOCK_ONFAULT) slot a */
			ret = syscall(SYS_mlock2, slot[r.a], slot_pages[r.a] * PG,
				      MLOCK_ONFAULT) ? -errno : 0;
			break;
		case 'A':	/* mlockall(MCL_CURRENT) */
			ret = mlockall(MCL_CURRENT) ? -errno : 0;
			break;
		case 'M':	/* mlockall(MCL_FUTURE) */
			ret = mlockall(MCL_FUTURE) ? -errno : 0;
			break;
		case 'P':	/* b times: mmap a pages MAP_LOCKED */
		case 'Q':	/* b times: mmap a pages, mlock them */
			for (i = 0; i < r.b && i < LOOPS; i++) {
				int lk = r.op == 'P' ? MAP_LOCKED : 0;
				char *p = mmap(NULL, r.a * PG,
					       PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS | lk,
					       -1, 0);

				if (p == MAP_FAILED)
					break;
				if (r.op == 'Q' && mlock(p, r.a * PG)) {
					int e = errno;

					munmap(p, r.a * PG);
					errno = e;
					break;
				}
				loop[i] = p;
				loop_pages[i] = r.a;
			}
			/* successes * 1000 + the errno that stopped it */
			ret = i * 1000L + (i < r.b ? errno : 0);
			break;
		case 'N':	/* munlockall */
			ret = munlockall() ? -errno : 0;
			break;
		case 'f':	/* fork a child that waits */
			kid = fork();
			if (kid == 0) {
				pause();
				_exit(0);
			}
			ret = kid < 0 ? -errno : 0;
			break;
		case 'k':	/* kill and reap it */
			kill(kid, SIGKILL);
			ret = reap(kid);
			break;
		case 's':	/* shmget of a pages: id */
			ret = shmget(IPC_PRIVATE, r.a * PG, IPC_CREAT | 0600);
			if (ret < 0)
				ret = -errno;
			break;
		case 'a': {	/* shmat segment a: slot, b pages */
			void *p = shmat(r.a, NULL, 0);

			for (i = 0; i < SLOTS && slot[i]; i++)
				;
			if (p == (void *)-1) {
				ret = -errno;
			} else {
				slot[i] = p;
				slot_pages[i] = r.b;
				ret = i;
			}
			break;
		}
		case 'd':	/* shmdt slot a */
			ret = shmdt(slot[r.a]) ? -errno : 0;
			slot[r.a] = NULL;
			break;
		case 'R':	/* IPC_RMID segment a */
			ret = shmctl(r.a, IPC_RMID, NULL) ? -errno : 0;
			break;
		case 'K':	/* SHM_LOCK (b) or SHM_UNLOCK segment a */
			ret = shmctl(r.a, r.b ? SHM_LOCK : SHM_UNLOCK, NULL) ?
			      -errno : 0;
			break;
		case 'w':	/* write a pages to the memfd, one at a time */
			if (memfd < 0)
				memfd = memfd_create("ubc-vm", 0);
			for (i = 0; i < r.a; i++) {
				if (write(memfd, page, PG) != PG) {
					ret = -errno;
					break;
				}
				ret = i + 1;
			}
			break;
		case 'e':	/* write a pages to the memfd: written * 1000 + errno */
			if (memfd < 0)
				memfd = memfd_create("ubc-vm", 0);
			for (i = 0; i < r.a; i++)
				if (write(memfd, page, PG) != PG)
					break;
			ret = i * 1000L + (i < r.a ? errno : 0);
			break;
		case 'y': {	/* UFFDIO_COPY a pages: copied * 1000 + errno */
			/*
			 * a < 0: -a pages, each from a fresh source page not
			 * yet faulted in, so that the kernel's copy under
			 * mmap_lock fails and it retries with the page
			 * (shmem_mfill_atomic_pte(): -ENOENT, *pagep set)
			 */
			struct uffdio_copy cp = { .len = PG, .src = (unsigned long)page };
			bool fresh = r.a < 0;
			char *src = NULL;

			if (fresh)
				r.a = -r.a;

			if (ufd < 0) {
				upages = r.b;
				ufd = uffd_memfd(upages, &umap, &ufile);
				if (ufd < 0) {
					ret = ufd;
					break;
				}
			}
			for (i = 0; i < r.a; i++) {
				cp.dst = (unsigned long)umap + i * PG;
				cp.copy = 0;
				if (fresh) {
					src = mmap(NULL, PG, PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS,
						   -1, 0);
					if (src == MAP_FAILED)
						break;
					cp.src = (unsigned long)src;
				}
				fd = ioctl(ufd, UFFDIO_COPY, &cp);
				if (fresh) {
					prot = errno;
					munmap(src, PG);
					errno = prot;
				}
				if (fd)
					break;
				if (cp.copy != PG) {
					errno = EIO;
					break;
				}
			}
			ret = i * 1000L + (i < r.a ? errno : 0);
			/* a refusal must be reported in .copy too */
			if (i < r.a && cp.copy != -(long)errno)
				ret = -EPROTO;
			break;
		}
		case 'U':	/* unmap and close the userfaultfd memfd */
			ret = munmap(umap, upages * PG) || close(ufd) ||
			      close(ufile) ? -errno : 0;
			ufd = ufile = -1;
			break;
		case 'F':	/* fallocate a pages of the memfd from page b */
			if (memfd < 0)
				memfd = memfd_create("ubc-vm", 0);
			ret = fallocate(memfd, 0, r.b * PG, r.a * PG) ? -errno : 0;
			break;
		case 'T':	/* ftruncate the memfd to a pages */
			ret = ftruncate(memfd, r.a * PG) ? -errno : 0;
			lseek(memfd, r.a * PG, SEEK_SET);
			break;
		case 'c':	/* close the memfd */
			ret = close(memfd) ? -errno : 0;
			memfd = -1;
			break;
		case 'g':	/* grow the stack by a pages */
			stack_grow(r.a);
			break;
		case 'x': {	/* vfork + exec exec_noop: its status */
			static char *const argv[] = { "exec_noop", NULL };
			static char *const envp[] = { NULL };
			pid_t c = vfork();

			if (c == 0) {
				execve("/bin/exec_noop", argv, envp);
				_exit(100 + errno);
			}
			ret = c < 0 ? -errno : reap(c);
			break;
		}
		case 'v':	/* privvmpages as ubc counts it */
			ret = maps_privvm();
			break;
		case 'V':	/* VmLck */
			ret = status_pages("VmLck:");
			break;
		case 'q':
			_exit(0);
		}
		if (write(rp, &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
	}
}

static int member_start(struct member *m)
{
	int rq[2], rp[2];

	if (pipe(rq) || pipe(rp))
		return -1;
	m->pid = fork();
	if (m->pid < 0)
		return -1;
	if (m->pid == 0) {
		int fd;

		/* nothing of other members' pipes: their EOF is their end */
		for (fd = 3; fd < 1024; fd++)
			if (fd != rq[0] && fd != rp[1])
				close(fd);
		member_main(rq[0], rp[1]);
		_exit(0);
	}
	close(rq[0]);
	close(rp[1]);
	m->req = rq[1];
	m->rep = rp[0];
	return 0;
}

/* The member's reply to one request (LONG_MIN if it died). */
static long mcall_ret(struct member *m, char op, long a, long b)
{
	struct req r = { op, a, b };
	struct pollfd p = { .fd = m->rep, .events = POLLIN };
	long ret;

	if (write(m->req, &r, sizeof(r)) != sizeof(r))
		return LONG_MIN;
	if (poll(&p, 1, 20000) != 1)
		return LONG_MIN;
	if (read(m->rep, &ret, sizeof(ret)) != sizeof(ret))
		return LONG_MIN;
	return ret;
}

#define M(m, op, a, b) mcall_ret(m, op, a, b)

/* The same request to @n members at once (they run in parallel): replies. */
static void mcall_all(struct member *m, int n, char op, long a, long b,
		      long *ret)
{
	struct req r = { op, a, b };
	int i;

	for (i = 0; i < n; i++)
		ret[i] = write(m[i].req, &r, sizeof(r)) == sizeof(r) ? 0 : LONG_MIN;
	for (i = 0; i < n; i++) {
		struct pollfd p = { .fd = m[i].rep, .events = POLLIN };

		if (ret[i] == LONG_MIN || poll(&p, 1, 60000) != 1 ||
		    read(m[i].rep, &ret[i], sizeof(ret[i])) != sizeof(ret[i]))
			ret[i] = LONG_MIN;
	}
}

/*
 * Optional hooks the module could not place on this kernel (see
 * Documentation/vm.rst): 1 if @name is among them.
 */
static int vm_missing(const char *name)
{
	char buf[256] = "";
	int fd = open("/sys/module/ubc/parameters/vm_missing", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	return strstr(buf, name) != NULL;
}

static int member_stop(struct member *m)
{
	close(m->req);
	close(m->rep);
	return reap(m->pid);
}

/* ---- assertions ---- */

static struct ubc_res res_of(struct ubc_nl *h, uint32_t id, uint32_t res)
{
	struct ubc_info i;
	struct ubc_res none = { 0 };

	if (ubc_get(h, id, &i) || i.bad)
		return none;
	return i.res[res];
}

#define HELD(id, res) ((long)res_of(NL, id, res).held)
#define FAILCNT(id, res) ((long)res_of(NL, id, res).failcnt)

/* held of @res in @id is @want and within the limit (or forced). */
#define ASSERT_HELD(id, res, want) do {					\
	struct ubc_res __r = res_of(NL, id, res);			\
	ASSERT_EQ((long)(want), (long)__r.held)				\
		TH_LOG("%s held of %u", __r.name, (unsigned)(id));	\
} while (0)

#define ASSERT_FAILCNT(id, res, want)					\
	ASSERT_EQ((long)(want), FAILCNT(id, res))			\
		TH_LOG("failcnt of resource %u in %u", (unsigned)(res),	\
		       (unsigned)(id))

/*
 * Creates @id, starts a member in it and gives its address space a first
 * mapping change (the moment ubc opens its account): from then on the
 * compartment's privvmpages is the member's private anonymous and private
 * writable mappings (maps_privvm()). Returns that.
 */
static long setup(struct __test_metadata *_metadata, struct ubc_nl *h,
		  uint32_t id, struct member *m)
{
	long slot, v;

	ASSERT_NL(h, 0, ubc_create(h, id));
	ASSERT_EQ(0, member_start(m));
	ASSERT_NL(h, 0, ubc_enter(h, id, m->pid));
	slot = M(m, 'm', 1, M_PRIV);
	ASSERT_LE(0, slot);
	ASSERT_EQ(0, M(m, 'u', slot, 0));
	v = M(m, 'v', 0, 0);
	ASSERT_LT(0, v);
	ASSERT_EQ(v, (long)res_of(h, id, PRIVVM).held);
	return v;
}

#define SETUP(id, m) setup(_metadata, NL, id, m)

/* One more member in @id (after SETUP): its own privvmpages. */
static long join(struct __test_metadata *_metadata, struct ubc_nl *h,
		 uint32_t id, struct member *m)
{
	long slot, v;

	ASSERT_EQ(0, member_start(m));
	ASSERT_NL(h, 0, ubc_enter(h, id, m->pid));
	slot = M(m, 'm', 1, M_PRIV);
	ASSERT_LE(0, slot);
	ASSERT_EQ(0, M(m, 'u', slot, 0));
	v = M(m, 'v', 0, 0);
	ASSERT_LT(0, v);
	return v;
}

#define JOIN(id, m) join(_metadata, NL, id, m)

/* privvmpages equals the member's maps_privvm() right now. */
#define ASSERT_PRIVVM_IS_VM(id, m) do {					\
	long __v = M(m, 'v', 0, 0);					\
	ASSERT_LT(0, __v);						\
	ASSERT_HELD(id, PRIVVM, __v);					\
} while (0)

/* Stops the member and waits for every vm resource of @id to drain. */
#define STOP(id, m) do {						\
	ASSERT_EQ(0, member_stop(m));					\
	ASSERT_EQ(0, ubc_wait_field(NL, id, PRIVVM, UBC_RES_A_HELD, 0,	\
				    DRAIN_MS));				\
	ASSERT_HELD(id, LOCKED, 0);					\
	ASSERT_HELD(id, SHM, 0);					\
	ASSERT_NL(NL, 0, ubc_destroy(NL, id));				\
} while (0)

/* ---- privvmpages ---- */

TEST_F(ubctest, privvm_mmap_barrier)
{
	struct member m;
	long base, a, b, c;

	IDS(19000, 1);
	base = SETUP(19000, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19000, PRIVVM, base + 64, base + 100));

	a = M(&m, 'm', 32, M_PRIV);
	ASSERT_LE(0, a);
	ASSERT_HELD(19000, PRIVVM, base + 32);
	ASSERT_PRIVVM_IS_VM(19000, &m);
	/* charged when mapped, not when touched */
	ASSERT_EQ(0, M(&m, 't', a, 32));
	ASSERT_HELD(19000, PRIVVM, base + 32);

	/* past the barrier (below the limit): ENOMEM, one failcnt */
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 33, M_PRIV));
	ASSERT_FAILCNT(19000, PRIVVM, 1);
	ASSERT_HELD(19000, PRIVVM, base + 32);

	/* up to the barrier exactly */
	b = M(&m, 'm', 32, M_PRIV);
	ASSERT_LE(0, b);
	ASSERT_HELD(19000, PRIVVM, base + 64);
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 1, M_PRIV));
	ASSERT_FAILCNT(19000, PRIVVM, 2);

	/*
	 * private anonymous memory counts whatever its protection; shared
	 * mappings and read-only private file mappings do not
	 */
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 100, M_RO));
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 100, M_RO_NR));
	ASSERT_FAILCNT(19000, PRIVVM, 4);
	c = M(&m, 'm', 100, M_SHARED);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, M(&m, 'u', c, 0));
	c = M(&m, 'm', 100, M_FILE);
	ASSERT_LE(0, c);
	ASSERT_HELD(19000, PRIVVM, base + 64);
	ASSERT_PRIVVM_IS_VM(19000, &m);
	ASSERT_EQ(0, M(&m, 'u', c, 0));
	ASSERT_HELD(19000, PRIVVM, base + 64);
	ASSERT_FAILCNT(19000, PRIVVM, 4);

	ASSERT_EQ(0, M(&m, 'u', a, 0));
	ASSERT_EQ(0, M(&m, 'u', b, 0));
	ASSERT_HELD(19000, PRIVVM, base);
	ASSERT_PRIVVM_IS_VM(19000, &m);
	ASSERT_EQ(base + 64, (long)res_of(NL, 19000, PRIVVM).maxheld);
	STOP(19000, &m);
}

TEST_F(ubctest, privvm_brk_mremap_mprotect)
{
	struct member m;
	long base, a, ro;

	IDS(19010, 1);
	base = SETUP(19010, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19010, PRIVVM, base + 64, base + 64));

	/* brk */
	ASSERT_EQ(0, M(&m, 'b', 16, 0));
	ASSERT_PRIVVM_IS_VM(19010, &m);
	ASSERT_EQ(base + 16, HELD(19010, PRIVVM));
	ASSERT_EQ(-ENOMEM, M(&m, 'b', 64, 0));
	ASSERT_FAILCNT(19010, PRIVVM, 1);
	ASSERT_EQ(0, M(&m, 'b', -16, 0));
	ASSERT_HELD(19010, PRIVVM, base);

	/* mremap growth */
	a = M(&m, 'm', 16, M_PRIV);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, M(&m, 'r', a, 48));
	ASSERT_HELD(19010, PRIVVM, base + 48);
	ASSERT_EQ(-ENOMEM, M(&m, 'r', a, 80));
	ASSERT_FAILCNT(19010, PRIVVM, 2);
	ASSERT_EQ(0, M(&m, 'r', a, 8));
	ASSERT_HELD(19010, PRIVVM, base + 8);
	ASSERT_PRIVVM_IS_VM(19010, &m);

	/*
	 * mprotect of a private file mapping: adding write charges (its
	 * pages become copies), removing it returns
	 */
	ro = M(&m, 'm', 40, M_FILE);
	ASSERT_LE(0, ro);
	ASSERT_HELD(19010, PRIVVM, base + 8);
	ASSERT_EQ(0, M(&m, 'p', ro, 1));
	ASSERT_HELD(19010, PRIVVM, base + 48);
	ASSERT_PRIVVM_IS_VM(19010, &m);
	ASSERT_EQ(0, M(&m, 'p', ro, 0));
	ASSERT_HELD(19010, PRIVVM, base + 8);
	ASSERT_EQ(0, M(&m, 'u', ro, 0));
	ro = M(&m, 'm', 60, M_FILE);
	ASSERT_LE(0, ro);
	ASSERT_EQ(-ENOMEM, M(&m, 'p', ro, 1));
	ASSERT_FAILCNT(19010, PRIVVM, 3);
	ASSERT_HELD(19010, PRIVVM, base + 8);
	ASSERT_PRIVVM_IS_VM(19010, &m);
	ASSERT_EQ(0, M(&m, 'u', ro, 0));

	/* of anonymous memory: charged when mapped, whatever mprotect does */
	ro = M(&m, 'm', 40, M_RO);
	ASSERT_LE(0, ro);
	ASSERT_HELD(19010, PRIVVM, base + 48);
	ASSERT_EQ(0, M(&m, 'p', ro, 1));
	ASSERT_HELD(19010, PRIVVM, base + 48);
	ASSERT_EQ(0, M(&m, 't', ro, 40));
	ASSERT_EQ(0, M(&m, 'p', ro, 0));
	ASSERT_HELD(19010, PRIVVM, base + 48);
	/* read-only anonymous mremap growth is charged and refused */
	ASSERT_EQ(-ENOMEM, M(&m, 'r', ro, 60));
	ASSERT_FAILCNT(19010, PRIVVM, 4);
	ASSERT_EQ(0, M(&m, 'r', ro, 56));
	ASSERT_HELD(19010, PRIVVM, base + 64);
	ASSERT_PRIVVM_IS_VM(19010, &m);
	ASSERT_EQ(0, M(&m, 'u', ro, 0));
	ASSERT_EQ(0, M(&m, 'u', a, 0));
	ASSERT_HELD(19010, PRIVVM, base);
	STOP(19010, &m);
}

TEST_F(ubctest, privvm_fork_and_exit)
{
	struct member m;
	long base;

	IDS(19020, 1);
	base = SETUP(19020, &m);

	/* fork duplicates the mappings: the child's copy is charged */
	ASSERT_EQ(0, M(&m, 'f', 0, 0));
	ASSERT_HELD(19020, PRIVVM, 2 * base);
	ASSERT_EQ(128 + SIGKILL, M(&m, 'k', 0, 0));
	ASSERT_HELD(19020, PRIVVM, base);

	/* no room for a second copy: fork fails with ENOMEM */
	ASSERT_NL(NL, 0, ubc_set(NL, 19020, PRIVVM, 2 * base - 1, U));
	ASSERT_EQ(-ENOMEM, M(&m, 'f', 0, 0));
	ASSERT_FAILCNT(19020, PRIVVM, 1);
	ASSERT_HELD(19020, PRIVVM, base);
	ASSERT_NL(NL, 0, ubc_set(NL, 19020, PRIVVM, 2 * base, U));
	ASSERT_EQ(0, M(&m, 'f', 0, 0));
	ASSERT_HELD(19020, PRIVVM, 2 * base);
	ASSERT_EQ(128 + SIGKILL, M(&m, 'k', 0, 0));

	/* exit returns everything */
	STOP(19020, &m);
}

TEST_F(ubctest, privvm_stack_grows_to_the_limit)
{
	struct member m;
	long base, stk;

	IDS(19050, 1);
	base = SETUP(19050, &m);
	/* no room below the barrier; 300 pages up to the limit */
	ASSERT_NL(NL, 0, ubc_set(NL, 19050, PRIVVM, base, base + 300));
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 1, M_PRIV));
	ASSERT_FAILCNT(19050, PRIVVM, 1);
	/* stack growth must not fail half-way: it may use the limit */
	stk = M(&m, 'v', 0, 0);
	ASSERT_EQ(0, M(&m, 'g', 200, 0));
	ASSERT_LT(stk + 150, M(&m, 'v', 0, 0));
	ASSERT_PRIVVM_IS_VM(19050, &m);
	ASSERT_LT(base, HELD(19050, PRIVVM));	/* above the barrier, visible */
	ASSERT_GE(base + 300, HELD(19050, PRIVVM));
	ASSERT_FAILCNT(19050, PRIVVM, 1);
	/* past the limit the stack cannot grow: SIGSEGV */
	ASSERT_EQ(LONG_MIN, M(&m, 'g', 400, 0));
	ASSERT_EQ(128 + SIGSEGV, member_stop(&m));
	ASSERT_LE(2, FAILCNT(19050, PRIVVM));
	ASSERT_GE(base + 300, (long)res_of(NL, 19050, PRIVVM).maxheld);
	ASSERT_EQ(0, ubc_wait_field(NL, 19050, PRIVVM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 19050));
}

/*
 * exec may use the limit: the mappings of the new image are made after
 * the point of no return, where a refusal can only kill. The member's
 * vfork child shares its mm, so the member's charge stays while the child
 * builds its new one. The program, exec_noop, maps nothing itself: past
 * the barrier any program's own mmap or brk would be refused.
 */
TEST_F(ubctest, privvm_exec_to_the_limit)
{
	struct member m;
	long base, a;

	IDS(19055, 1);
	base = SETUP(19055, &m);
	a = M(&m, 'm', 256, M_PRIV);
	ASSERT_LE(0, a);
	base += 256;
	ASSERT_HELD(19055, PRIVVM, base);
	/* no room below the barrier; 8 MiB up to the limit */
	ASSERT_NL(NL, 0, ubc_set(NL, 19055, PRIVVM, base, base + 2048));
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 1, M_PRIV));
	ASSERT_FAILCNT(19055, PRIVVM, 1);
	/* exec past the barrier, within the limit: runs */
	ASSERT_EQ(0, M(&m, 'x', 0, 0));
	ASSERT_FAILCNT(19055, PRIVVM, 1);
	ASSERT_HELD(19055, PRIVVM, base);
	ASSERT_LT(base, (long)res_of(NL, 19055, PRIVVM).maxheld)
		TH_LOG("the new image was charged above the barrier");
	/* no room up to the limit either: the new image is refused */
	ASSERT_NL(NL, 0, ubc_set(NL, 19055, PRIVVM, base, base));
	ASSERT_EQ(128 + SIGSEGV, M(&m, 'x', 0, 0));
	ASSERT_LE(2, FAILCNT(19055, PRIVVM));
	ASSERT_HELD(19055, PRIVVM, base);
	ASSERT_PRIVVM_IS_VM(19055, &m);
	ASSERT_EQ(0, M(&m, 'u', a, 0));
	ASSERT_HELD(19055, PRIVVM, base - 256);
	STOP(19055, &m);
}

TEST_F(ubctest, host_never_charged)
{
	struct member m;
	long base, i;
	void *p;

	IDS(19030, 1);
	base = SETUP(19030, &m);
	for (i = 0; i < 20; i++) {
		p = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, mlock(p, 4 * PG));
		ASSERT_EQ(0, munmap(p, 64 * PG));
	}
	ASSERT_HELD(19030, PRIVVM, base);
	ASSERT_HELD(19030, LOCKED, 0);
	ASSERT_HELD(19030, SHM, 0);
	ASSERT_FAILCNT(19030, PRIVVM, 0);
	STOP(19030, &m);
}

TEST_F(ubctest, privvm_churn_no_drift)
{
	struct member m;
	long base, i, s;

	IDS(19040, 1);
	base = SETUP(19040, &m);
	for (i = 0; i < 200; i++) {
		s = M(&m, 'm', 1 + i % 17, i % 3 ? M_PRIV : M_RO);
		ASSERT_LE(0, s);
		if (i % 5 == 0)
			ASSERT_EQ(0, M(&m, 'p', s, i % 2));
		if (i % 7 == 0)
			ASSERT_EQ(0, M(&m, 'r', s, 3 + i % 11));
		ASSERT_EQ(0, M(&m, 'u', s, 0));
		if (i % 13 == 0) {
			ASSERT_EQ(0, M(&m, 'b', 3, 0));
			ASSERT_EQ(0, M(&m, 'b', -3, 0));
		}
	}
	ASSERT_HELD(19040, PRIVVM, base);
	ASSERT_PRIVVM_IS_VM(19040, &m);
	STOP(19040, &m);
}


/*
 * Finding 3 of issue 10: mmap RW, touch, mprotect RO, repeat. Anonymous
 * memory stays privvmpages when PROT_WRITE goes, so the loop stops at the
 * barrier with ENOMEM; three processes race through it at once.
 */
TEST_F(ubctest, privvm_mprotect_loop_refused)
{
	struct member m[3];
	long base, lim, ret[3], total = 0, sum = 0;
	int i;

	IDS(19060, 1);
	base = SETUP(19060, &m[0]);
	for (i = 1; i < 3; i++)
		base += JOIN(19060, &m[i]);
	ASSERT_HELD(19060, PRIVVM, base);
	lim = base + 2048;
	ASSERT_NL(NL, 0, ubc_set(NL, 19060, PRIVVM, lim, lim));
	mcall_all(m, 3, 'X', 1024, 50, ret);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(ENOMEM, ret[i] % 1000) TH_LOG("member %d: %ld", i, ret[i]);
		total += ret[i] / 1000;
	}
	ASSERT_EQ(2, total);
	ASSERT_EQ(3, FAILCNT(19060, PRIVVM));
	ASSERT_HELD(19060, PRIVVM, base + 2048);
	ASSERT_GE(lim, (long)res_of(NL, 19060, PRIVVM).maxheld);
	for (i = 0; i < 3; i++)
		sum += M(&m[i], 'v', 0, 0);
	ASSERT_HELD(19060, PRIVVM, sum);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, M(&m[i], 'Z', 0, 0));
	}
	ASSERT_HELD(19060, PRIVVM, base);
	for (i = 1; i < 3; i++) {
		ASSERT_EQ(0, member_stop(&m[i]));
	}
	STOP(19060, &m[0]);
}

/*
 * Finding 2 of issue 10: a PROT_READ|MAP_PRIVATE|MAP_ANONYMOUS|
 * MAP_NORESERVE region is private anonymous memory: charged when mapped,
 * returned piece by piece, copied by fork, and 64 GiB of it is refused at
 * the barrier.
 */
TEST_F(ubctest, privvm_readonly_noreserve)
{
	struct member m;
	long base, s;

	IDS(19070, 1);
	base = SETUP(19070, &m);
	s = M(&m, 'm', 1000, M_RO_NR);
	ASSERT_LE(0, s);
	ASSERT_HELD(19070, PRIVVM, base + 1000);
	ASSERT_PRIVVM_IS_VM(19070, &m);
	ASSERT_EQ(0, M(&m, 'h', s, 0));
	ASSERT_HELD(19070, PRIVVM, base + 500);
	ASSERT_EQ(0, M(&m, 'f', 0, 0));
	ASSERT_HELD(19070, PRIVVM, 2 * (base + 500));
	ASSERT_EQ(128 + SIGKILL, M(&m, 'k', 0, 0));
	ASSERT_HELD(19070, PRIVVM, base + 500);
	ASSERT_NL(NL, 0, ubc_set(NL, 19070, PRIVVM, base + 1000, base + 1000));
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 16L << 20, M_RO_NR));	/* 64 GiB */
	ASSERT_FAILCNT(19070, PRIVVM, 1);
	ASSERT_HELD(19070, PRIVVM, base + 500);
	ASSERT_EQ(0, M(&m, 'u', s, 0));
	ASSERT_HELD(19070, PRIVVM, base);
	STOP(19070, &m);
}

/*
 * Finding 5 of issue 10 (may_expand_vm): four processes of one compartment
 * map 16 pages at a time, at once, under a tight barrier: the room is
 * reserved at the check, so together they never pass it; every failure
 * is ENOMEM; all of it returns.
 */
TEST_F(ubctest, privvm_parallel_reserve)
{
	struct member m[4];
	long base, lim, ret[4], total, maxheld;
	int i, round;

	IDS(19080, 1);
	base = SETUP(19080, &m[0]);
	for (i = 1; i < 4; i++)
		base += JOIN(19080, &m[i]);
	lim = base + 512;
	ASSERT_NL(NL, 0, ubc_set(NL, 19080, PRIVVM, lim, lim));
	for (round = 0; round < 30; round++) {
		total = 0;
		mcall_all(m, 4, 'Y', 16, 64, ret);
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(ENOMEM, ret[i] % 1000)
				TH_LOG("member %d: %ld", i, ret[i]);
			total += ret[i] / 1000;
		}
		/* concurrent charges near the bound may both fail */
		ASSERT_GE(32, total);
		ASSERT_LE(24, total);
		ASSERT_HELD(19080, PRIVVM, base + 16 * total);
		maxheld = res_of(NL, 19080, PRIVVM).maxheld;
		ASSERT_GE(lim, maxheld);
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(0, M(&m[i], 'Z', 0, 0));
		}
		ASSERT_HELD(19080, PRIVVM, base);
	}
	ASSERT_LE(120, FAILCNT(19080, PRIVVM));
	for (i = 1; i < 4; i++) {
		ASSERT_EQ(0, member_stop(&m[i]));
	}
	STOP(19080, &m[0]);
}

/*
 * Forks at once reserve their child's copy at the fork gate: of four
 * identical members forking together with room for two and a half copies,
 * exactly the copies that fit are made, the others fail with ENOMEM (the
 * old check-then-charge let every fork through the check, then charged
 * them all). maxheld never passes the limit; killing the children returns
 * held to the members' own.
 */
TEST_F(ubctest, privvm_parallel_forks)
{
	struct member m[4];
	long v[4], base, lim, ret[4], held, fails = 0, vmax = 0;
	int i, round, ok;

	IDS(19090, 1);
	base = v[0] = SETUP(19090, &m[0]);
	for (i = 1; i < 4; i++) {
		v[i] = JOIN(19090, &m[i]);
		base += v[i];
	}
	ASSERT_HELD(19090, PRIVVM, base);
	for (i = 0; i < 4; i++)
		vmax = v[i] > vmax ? v[i] : vmax;
	lim = base + 2 * vmax + vmax / 2;
	ASSERT_NL(NL, 0, ubc_set(NL, 19090, PRIVVM, lim, lim));
	for (round = 0; round < 20; round++) {
		mcall_all(m, 4, 'f', 0, 0, ret);
		held = HELD(19090, PRIVVM);
		ASSERT_GE(lim, (long)res_of(NL, 19090, PRIVVM).maxheld);
		ok = 0;
		for (i = 0; i < 4; i++) {
			if (ret[i] == 0) {
				ok++;
				continue;
			}
			ASSERT_EQ(-ENOMEM, ret[i]) TH_LOG("member %d", i);
			/* refused: its copy did not fit in what the round kept */
			ASSERT_LT(lim, held + v[i]) TH_LOG("member %d", i);
			fails++;
		}
		ASSERT_LE(2, ok);
		ASSERT_GE(3, ok);
		/* only the children that exist are charged (their copies) */
		for (i = 0; i < 4; i++)
			if (ret[i] == 0)
				held -= v[i];
		ASSERT_EQ(base, held);
		for (i = 0; i < 4; i++)
			if (ret[i] == 0) {
				ASSERT_EQ(128 + SIGKILL, M(&m[i], 'k', 0, 0));
			}
		ASSERT_EQ(base, ubc_wait_field(NL, 19090, PRIVVM, UBC_RES_A_HELD,
					    base, DRAIN_MS))
			TH_LOG("round %d: forks %ld %ld %ld %ld of %ld %ld %ld %ld",
			       round, ret[0], ret[1], ret[2], ret[3],
			       v[0], v[1], v[2], v[3]);
	}
	ASSERT_FAILCNT(19090, PRIVVM, fails);
	for (i = 1; i < 4; i++) {
		ASSERT_EQ(0, member_stop(&m[i]));
	}
	STOP(19090, &m[0]);
}

/*
 * A fork refused after its privvmpages reservation (copy_semundo()) by a
 * later step of copy_process(): kmemsize's limit, raised step by step from
 * what the member holds, refuses the fork's allocations one after another
 * (task_struct, files, signal, mm, vmas, page tables...). Every refused
 * fork returns the reservation: privvmpages held stays at the member's own
 * and its failcnt at 0; the first fork that fits is charged its copy. (A
 * kernel that refuses no kmemsize here, see kmem.rst, skips.)
 */
TEST_F(ubctest, privvm_fork_failing_late_returns_reservation)
{
	struct member m;
	long base, kheld, step, ret = -ENOMEM;
	int refused = 0;

	IDS(19095, 1);
	memcg_kmem_online();	/* 6.12 refuses kmemsize only then */
	base = SETUP(19095, &m);
	kheld = HELD(19095, UBC_KMEMSIZE);
	for (step = 0; step <= 256 && ret; step++) {
		long lim = kheld + step * 512;

		ASSERT_NL(NL, 0, ubc_set(NL, 19095, UBC_KMEMSIZE, lim, lim));
		ret = M(&m, 'f', 0, 0);
		if (ret) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("kmemsize %ld", lim);
			ASSERT_HELD(19095, PRIVVM, base);
			refused++;
		}
	}
	ASSERT_EQ(0, ret) TH_LOG("no fork fit in kmemsize %ld + 128 KiB", kheld);
	if (!refused) {
		ASSERT_EQ(128 + SIGKILL, M(&m, 'k', 0, 0));
		STOP(19095, &m);
		SKIP(return, "kmemsize refused no allocation of fork");
	}
	ASSERT_HELD(19095, PRIVVM, 2 * base);
	ASSERT_FAILCNT(19095, PRIVVM, 0);
	ASSERT_EQ(128 + SIGKILL, M(&m, 'k', 0, 0));
	ASSERT_EQ(base, ubc_wait_field(NL, 19095, PRIVVM, UBC_RES_A_HELD,
				       base, DRAIN_MS));
	STOP(19095, &m);
}

/* ---- lockedpages ---- */

/* A fresh private mapping of @pages pages in @m: its slot. */
static long priv_map(struct member *m, long pages)
{
	return M(m, 'm', pages, M_PRIV);
}

TEST_F(ubctest, locked_mlock_mlockall)
{
	struct member m;
	long a, b, c;

	IDS(19100, 1);
	SETUP(19100, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19100, LOCKED, 16, 32));
	a = M(&m, 'm', 8, M_PRIV);
	b = M(&m, 'm', 16, M_PRIV);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);

	ASSERT_EQ(0, M(&m, 'l', a, 0));
	ASSERT_HELD(19100, LOCKED, 8);
	ASSERT_EQ(8, M(&m, 'V', 0, 0));
	/* 8 + 16 > 16: ENOMEM (mlock(2): over the lock limit) */
	ASSERT_EQ(-ENOMEM, M(&m, 'l', b, 0));
	ASSERT_FAILCNT(19100, LOCKED, 1);
	ASSERT_HELD(19100, LOCKED, 8);
	/* locking the locked again costs nothing */
	ASSERT_EQ(0, M(&m, 'l', a, 0));
	ASSERT_HELD(19100, LOCKED, 8);
	ASSERT_EQ(0, M(&m, 'L', a, 0));
	ASSERT_HELD(19100, LOCKED, 0);
	ASSERT_EQ(0, M(&m, 'l', b, 0));
	ASSERT_HELD(19100, LOCKED, 16);
	/* munmap of a locked mapping returns its pages */
	ASSERT_EQ(0, M(&m, 'u', b, 0));
	ASSERT_HELD(19100, LOCKED, 0);

	/* mlockall(MCL_CURRENT) of far more than 16 pages */
	ASSERT_EQ(-ENOMEM, M(&m, 'A', 0, 0));
	ASSERT_FAILCNT(19100, LOCKED, 2);
	ASSERT_HELD(19100, LOCKED, 0);
	ASSERT_NL(NL, 0, ubc_set(NL, 19100, LOCKED, U, U));
	ASSERT_EQ(0, M(&m, 'A', 0, 0));
	ASSERT_HELD(19100, LOCKED, M(&m, 'V', 0, 0));
	ASSERT_LT(8, HELD(19100, LOCKED));
	ASSERT_EQ(0, M(&m, 'N', 0, 0));
	ASSERT_HELD(19100, LOCKED, 0);

	/* mlock2(MLOCK_ONFAULT) is charged and refused like mlock */
	ASSERT_NL(NL, 0, ubc_set(NL, 19100, LOCKED, 16, 32));
	ASSERT_EQ(-ENOMEM, M(&m, 'o', priv_map(&m, 24), 0));
	ASSERT_FAILCNT(19100, LOCKED, 3);
	ASSERT_EQ(0, M(&m, 'o', a, 0));
	ASSERT_HELD(19100, LOCKED, 8);
	ASSERT_EQ(8, M(&m, 'V', 0, 0));
	ASSERT_EQ(0, M(&m, 'L', a, 0));
	ASSERT_HELD(19100, LOCKED, 0);

	/* MAP_LOCKED past the barrier: EAGAIN, as for RLIMIT_MEMLOCK */
	ASSERT_EQ(-EAGAIN, M(&m, 'm', 40, M_LOCKED));
	ASSERT_FAILCNT(19100, LOCKED, 4);
	ASSERT_HELD(19100, LOCKED, 0);
	c = M(&m, 'm', 16, M_LOCKED);
	ASSERT_LE(0, c);
	ASSERT_HELD(19100, LOCKED, 16);
	ASSERT_EQ(16, M(&m, 'V', 0, 0));
	ASSERT_EQ(-EAGAIN, M(&m, 'm', 1, M_LOCKED));
	ASSERT_FAILCNT(19100, LOCKED, 5);
	ASSERT_EQ(0, M(&m, 'u', c, 0));
	ASSERT_HELD(19100, LOCKED, 0);

	/* exit of a process with locked pages */
	ASSERT_EQ(0, M(&m, 'l', a, 0));
	ASSERT_HELD(19100, LOCKED, 8);
	STOP(19100, &m);
}

/*
 * After mlockall(MCL_FUTURE) every growth is locked: mmap, sbrk and
 * mremap past the barrier are refused as RLIMIT_MEMLOCK refuses them
 * (EAGAIN; sbrk: ENOMEM), one failcnt each, and nothing is charged.
 */
TEST_F(ubctest, locked_future_growth_refused)
{
	struct member m;
	long a, b;

	IDS(19120, 1);
	SETUP(19120, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19120, LOCKED, 24, 32));
	ASSERT_EQ(0, M(&m, 'M', 0, 0));
	a = M(&m, 'm', 8, M_PRIV);
	ASSERT_LE(0, a);
	ASSERT_HELD(19120, LOCKED, 8);
	b = M(&m, 'm', 16, M_PRIV);
	ASSERT_LE(0, b);
	ASSERT_HELD(19120, LOCKED, 24);
	ASSERT_FAILCNT(19120, LOCKED, 0);
	/* a new mapping */
	ASSERT_EQ(-EAGAIN, M(&m, 'm', 1, M_PRIV));
	ASSERT_FAILCNT(19120, LOCKED, 1);
	/* the heap */
	ASSERT_EQ(-ENOMEM, M(&m, 'b', 4, 0));
	ASSERT_FAILCNT(19120, LOCKED, 2);
	/* a locked mapping growing */
	ASSERT_EQ(-EAGAIN, M(&m, 'r', a, 12));
	ASSERT_FAILCNT(19120, LOCKED, 3);
	ASSERT_HELD(19120, LOCKED, 24);
	ASSERT_EQ(0, M(&m, 'u', b, 0));
	ASSERT_HELD(19120, LOCKED, 8);
	/* within the room again, all three work */
	ASSERT_EQ(0, M(&m, 'r', a, 12));
	ASSERT_HELD(19120, LOCKED, 12);
	ASSERT_EQ(0, M(&m, 'b', 4, 0));
	ASSERT_HELD(19120, LOCKED, 16);
	b = M(&m, 'm', 8, M_PRIV);
	ASSERT_LE(0, b);
	ASSERT_HELD(19120, LOCKED, 24);
	ASSERT_EQ(0, M(&m, 'N', 0, 0));
	ASSERT_HELD(19120, LOCKED, 0);
	ASSERT_FAILCNT(19120, LOCKED, 3);
	ASSERT_EQ(0, M(&m, 'b', -4, 0));
	STOP(19120, &m);
}

/*
 * Four processes lock at once, by MAP_LOCKED and by mlock, 8 pages at a
 * time, under 64:64: the room is reserved at the check, so together they
 * never pass it; every refusal is the errno the kernel gives for
 * RLIMIT_MEMLOCK (EAGAIN, ENOMEM); all of it returns.
 */
TEST_F(ubctest, locked_parallel_reserve)
{
	struct member m[4];
	long ret[4], total, maxheld;
	int i, round, op;

	IDS(19130, 1);
	SETUP(19130, &m[0]);
	for (i = 1; i < 4; i++)
		JOIN(19130, &m[i]);
	ASSERT_NL(NL, 0, ubc_set(NL, 19130, LOCKED, 64, 64));
	for (round = 0; round < 20; round++) {
		op = round % 2 ? 'Q' : 'P';
		total = 0;
		mcall_all(m, 4, op, 8, 16, ret);
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(op == 'P' ? EAGAIN : ENOMEM, ret[i] % 1000)
				TH_LOG("member %d (%c): %ld", i, op, ret[i]);
			total += ret[i] / 1000;
		}
		ASSERT_GE(8, total);
		ASSERT_LE(4, total);
		ASSERT_HELD(19130, LOCKED, 8 * total);
		maxheld = res_of(NL, 19130, LOCKED).maxheld;
		ASSERT_GE(64, maxheld);
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(0, M(&m[i], 'Z', 0, 0));
		}
		ASSERT_HELD(19130, LOCKED, 0);
	}
	ASSERT_LE(80, FAILCNT(19130, LOCKED));
	for (i = 1; i < 4; i++) {
		ASSERT_EQ(0, member_stop(&m[i]));
	}
	STOP(19130, &m[0]);
}

TEST_F(ubctest, locked_shm_lock)
{
	struct member m;
	long id;

	IDS(19110, 1);
	SETUP(19110, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19110, LOCKED, 8, 8));
	id = M(&m, 's', 8, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, M(&m, 'K', id, 1));
	ASSERT_HELD(19110, LOCKED, 8);
	ASSERT_EQ(0, M(&m, 'K', id, 0));
	ASSERT_HELD(19110, LOCKED, 0);
	ASSERT_NL(NL, 0, ubc_set(NL, 19110, LOCKED, 7, 7));
	/* shmctl(2): ENOMEM when locking would pass the limit */
	ASSERT_EQ(-ENOMEM, M(&m, 'K', id, 1));
	ASSERT_FAILCNT(19110, LOCKED, 1);
	ASSERT_HELD(19110, LOCKED, 0);
	ASSERT_NL(NL, 0, ubc_set(NL, 19110, LOCKED, 8, 8));
	ASSERT_EQ(0, M(&m, 'K', id, 1));
	ASSERT_HELD(19110, LOCKED, 8);
	/* removing a locked segment unlocks it */
	ASSERT_EQ(0, M(&m, 'R', id, 0));
	ASSERT_HELD(19110, LOCKED, 0);
	STOP(19110, &m);
}

/* ---- shmpages ---- */

TEST_F(ubctest, shm_tmpfs_write)
{
	struct member m;

	if (vm_missing("shmem_alloc"))
		SKIP(return, "this kernel inlines the shmem page allocation");
	IDS(19200, 1);
	SETUP(19200, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19200, SHM, 16, 32));
	ASSERT_EQ(8, M(&m, 'w', 8, 0));
	ASSERT_HELD(19200, SHM, 8);
	/* page by page: 8 more fit, the 9th is refused with ENOSPC */
	ASSERT_EQ(-ENOSPC, M(&m, 'w', 9, 0));
	ASSERT_HELD(19200, SHM, 16);
	ASSERT_FAILCNT(19200, SHM, 1);
	/* truncation returns pages */
	ASSERT_EQ(0, M(&m, 'T', 4, 0));
	ASSERT_HELD(19200, SHM, 4);
	ASSERT_EQ(12, M(&m, 'w', 12, 0));
	ASSERT_HELD(19200, SHM, 16);
	/* fallocate(2): ENOSPC too */
	ASSERT_EQ(-ENOSPC, M(&m, 'F', 4, 16));
	ASSERT_FAILCNT(19200, SHM, 2);
	ASSERT_EQ(0, M(&m, 'T', 8, 0));
	ASSERT_HELD(19200, SHM, 8);
	ASSERT_EQ(0, M(&m, 'F', 8, 8));
	ASSERT_HELD(19200, SHM, 16);
	/* the file's end returns the rest */
	ASSERT_EQ(0, M(&m, 'c', 0, 0));
	ASSERT_EQ(0, ubc_wait_field(NL, 19200, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	ASSERT_FAILCNT(19200, SHM, 2);
	STOP(19200, &m);
}

/*
 * Four processes write their memfds at once, page by page, under 256:256:
 * each page is reserved at the allocation gate and committed when it
 * enters the file, so together they never pass the bound (the gate that
 * only checked let each writer pass it by a page); every refusal is
 * ENOSPC; closing the files returns everything.
 */
TEST_F(ubctest, shm_parallel_writers)
{
	struct member m[4];
	long ret[4], total, maxheld;
	int i, round;

	if (vm_missing("shmem_alloc"))
		SKIP(return, "this kernel inlines the shmem page allocation");
	IDS(19250, 1);
	SETUP(19250, &m[0]);
	for (i = 1; i < 4; i++)
		JOIN(19250, &m[i]);
	ASSERT_NL(NL, 0, ubc_set(NL, 19250, SHM, 256, 256));
	for (round = 0; round < 20; round++) {
		total = 0;
		mcall_all(m, 4, 'e', 300, 0, ret);
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(ENOSPC, ret[i] % 1000)
				TH_LOG("member %d: %ld", i, ret[i]);
			total += ret[i] / 1000;
		}
		ASSERT_GE(256, total);
		ASSERT_LE(250, total);
		ASSERT_HELD(19250, SHM, total);
		maxheld = res_of(NL, 19250, SHM).maxheld;
		ASSERT_GE(256, maxheld);
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(0, M(&m[i], 'c', 0, 0));
		}
		ASSERT_EQ(0, ubc_wait_field(NL, 19250, SHM, UBC_RES_A_HELD, 0,
					    DRAIN_MS));
	}
	ASSERT_LE(80, FAILCNT(19250, SHM));
	for (i = 1; i < 4; i++) {
		ASSERT_EQ(0, member_stop(&m[i]));
	}
	STOP(19250, &m[0]);
}

/*
 * userfaultfd's UFFDIO_COPY into a MAP_SHARED memfd adds shmem pages
 * without the allocation gate (shmem_mfill_atomic_pte()): reserved there
 * too, refused with ENOMEM (uffdio_copy.copy = -ENOMEM) at the barrier;
 * two members copying at once never pass it together; closing returns.
 */
TEST_F(ubctest, shm_userfaultfd_copy)
{
	struct member m[2];
	long ret[2], v;
	int i, round;

	if (vm_missing("shmem_mfill"))
		SKIP(return, "this kernel has no shmem_mfill_atomic_pte to gate");
	IDS(19270, 1);
	SETUP(19270, &m[0]);
	JOIN(19270, &m[1]);
	ASSERT_NL(NL, 0, ubc_set(NL, 19270, SHM, 64, 64));
	v = M(&m[0], 'y', 65, 80);
	if (v == -ENOSYS || v == -EPERM)
		SKIP(goto out, "no userfaultfd here (%ld)", v);
	/* exactly 64 pages fit, the 65th is refused with ENOMEM */
	ASSERT_EQ(64 * 1000L + ENOMEM, v);
	ASSERT_HELD(19270, SHM, 64);
	ASSERT_FAILCNT(19270, SHM, 1);
	ASSERT_GE(64, res_of(NL, 19270, SHM).maxheld);
	ASSERT_EQ(0, M(&m[0], 'U', 0, 0));
	ASSERT_EQ(0, ubc_wait_field(NL, 19270, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	/*
	 * the same from source pages not faulted in: each copy takes the
	 * kernel's retry with the page (never refused, it keeps the first
	 * attempt's reservation), the count is the same
	 */
	ASSERT_EQ(64 * 1000L + ENOMEM, M(&m[0], 'y', -65, 80));
	ASSERT_HELD(19270, SHM, 64);
	ASSERT_FAILCNT(19270, SHM, 2);
	ASSERT_GE(64, res_of(NL, 19270, SHM).maxheld);
	ASSERT_EQ(0, M(&m[0], 'U', 0, 0));
	ASSERT_EQ(0, ubc_wait_field(NL, 19270, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	/* racing: each copies 64 pages of its own memfd, 64 fit in all */
	for (round = 0; round < 10; round++) {
		mcall_all(m, 2, 'y', round & 1 ? -64 : 64, 64, ret);
		v = 0;
		for (i = 0; i < 2; i++) {
			ASSERT_TRUE(ret[i] % 1000 == 0 || ret[i] % 1000 == ENOMEM)
				TH_LOG("member %d: %ld", i, ret[i]);
			v += ret[i] / 1000;
		}
		ASSERT_EQ(64, v);
		ASSERT_HELD(19270, SHM, 64);
		ASSERT_GE(64, res_of(NL, 19270, SHM).maxheld);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, M(&m[i], 'U', 0, 0));
		}
		ASSERT_EQ(0, ubc_wait_field(NL, 19270, SHM, UBC_RES_A_HELD, 0,
					    DRAIN_MS));
	}
	ASSERT_LE(12, FAILCNT(19270, SHM));
out:
	ASSERT_EQ(0, member_stop(&m[1]));
	STOP(19270, &m[0]);
}

TEST_F(ubctest, shm_sysv_and_shared_anon)
{
	struct member m;
	long id, s;

	IDS(19210, 1);
	SETUP(19210, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19210, SHM, 16, 16));
	/* shmget(2): ENOSPC when the segment cannot fit */
	ASSERT_EQ(-ENOSPC, M(&m, 's', 17, 0));
	ASSERT_FAILCNT(19210, SHM, 1);
	id = M(&m, 's', 12, 0);
	ASSERT_LE(0, id);
	ASSERT_HELD(19210, SHM, 0);
	s = M(&m, 'a', id, 12);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, M(&m, 't', s, 10));
	ASSERT_HELD(19210, SHM, 10);
	ASSERT_EQ(0, M(&m, 'R', id, 0));
	ASSERT_HELD(19210, SHM, 10);	/* still attached */
	ASSERT_EQ(0, M(&m, 'd', s, 0));
	ASSERT_EQ(0, ubc_wait_field(NL, 19210, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));

	/* shared anonymous memory */
	ASSERT_EQ(-ENOMEM, M(&m, 'm', 17, M_SHARED));
	ASSERT_FAILCNT(19210, SHM, 2);
	s = M(&m, 'm', 16, M_SHARED);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, M(&m, 't', s, 16));
	ASSERT_HELD(19210, SHM, 16);
	ASSERT_EQ(0, M(&m, 'u', s, 0));
	ASSERT_EQ(0, ubc_wait_field(NL, 19210, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));

	/* the host removing the compartment's segment returns its pages */
	id = M(&m, 's', 4, 0);
	ASSERT_LE(0, id);
	s = M(&m, 'a', id, 4);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, M(&m, 't', s, 4));
	ASSERT_EQ(0, M(&m, 'd', s, 0));
	ASSERT_HELD(19210, SHM, 4);
	ASSERT_EQ(0, shmctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, ubc_wait_field(NL, 19210, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	ASSERT_HELD(19210, PRIVVM, M(&m, 'v', 0, 0));
	STOP(19210, &m);
}


/* A host write of @pages pages at page @at of @path: 0 or -errno. */
static int host_write(const char *path, long at, long pages)
{
	static char page[PG];
	int fd = open(path, O_WRONLY), err = 0;
	long i;

	if (fd < 0)
		return -errno;
	for (i = 0; i < pages && !err; i++)
		if (pwrite(fd, page, PG, (at + i) * PG) != PG)
			err = -errno;
	close(fd);
	return err;
}

/*
 * Finding 9 of issue 10: a host process writing into a compartment's
 * memfd or SysV segment is neither refused by the compartment's barrier
 * nor charged to it (a page is charged to whoever adds it).
 */
TEST_F(ubctest, shm_host_writers_not_charged)
{
	struct member m;
	char path[64];
	long fd, id, i;
	char *p;

	if (vm_missing("shmem_alloc"))
		SKIP(return, "this kernel inlines the shmem page allocation");
	IDS(19220, 1);
	SETUP(19220, &m);
	ASSERT_NL(NL, 0, ubc_set(NL, 19220, SHM, 4, 4));
	ASSERT_EQ(4, M(&m, 'w', 4, 0));
	ASSERT_HELD(19220, SHM, 4);
	fd = M(&m, 'D', 0, 0);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", m.pid, fd);
	ASSERT_EQ(0, host_write(path, 4, 32));
	ASSERT_HELD(19220, SHM, 4);
	ASSERT_FAILCNT(19220, SHM, 0);
	/* the compartment's own next page is still refused */
	ASSERT_EQ(-ENOSPC, M(&m, 'F', 1, 40));
	ASSERT_FAILCNT(19220, SHM, 1);
	ASSERT_HELD(19220, SHM, 4);
	/* the file's end returns the compartment's share */
	ASSERT_EQ(0, M(&m, 'c', 0, 0));
	ASSERT_EQ(0, ubc_wait_field(NL, 19220, SHM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));

	/* a SysV segment the compartment made, touched by the host */
	ASSERT_NL(NL, 0, ubc_set(NL, 19220, SHM, 0, 0));
	ASSERT_NL(NL, 0, ubc_set(NL, 19220, SHM, 16, 16));
	id = M(&m, 's', 16, 0);
	ASSERT_LE(0, id);
	ASSERT_NL(NL, 0, ubc_set(NL, 19220, SHM, 0, 0));
	p = shmat(id, NULL, 0);
	ASSERT_NE((void *)-1, p);
	for (i = 0; i < 16; i++)
		p[i * PG] = 1;		/* SIGBUS before the fix */
	ASSERT_HELD(19220, SHM, 0);
	ASSERT_FAILCNT(19220, SHM, 1);
	ASSERT_EQ(0, shmdt(p));
	ASSERT_EQ(0, shmctl(id, IPC_RMID, NULL));
	ASSERT_HELD(19220, SHM, 0);
	STOP(19220, &m);
}

/*
 * Finding 9 of issue 10: a tmpfs file outliving its compartment does not
 * keep the compartment (and its id) forever: destroying it hands the
 * file's pages to the host, and the id can be created again at once.
 */
TEST_F(ubctest, shm_leftover_goes_to_host)
{
	struct member m;
	int err = -EEXIST, i;

	IDS(19230, 1);
	mkdir(SHM_DIR, 0700);
	ASSERT_EQ(0, mount("tmpfs", SHM_DIR, "tmpfs", 0, "size=16m"));
	SETUP(19230, &m);
	ASSERT_EQ(0, M(&m, 'W', 8, 0));
	ASSERT_HELD(19230, SHM, 8);
	ASSERT_EQ(0, member_stop(&m));
	ASSERT_EQ(0, ubc_wait_field(NL, 19230, PRIVVM, UBC_RES_A_HELD, 0,
				    DRAIN_MS));
	ASSERT_HELD(19230, SHM, 8);	/* the file is still there */
	ASSERT_NL(NL, 0, ubc_destroy(NL, 19230));
	/* its pages are the host's now: the compartment goes, the id is free */
	for (i = 0; i < DRAIN_MS / 10 && err == -EEXIST; i++) {
		err = ubc_create(NL, 19230);
		if (err == -EEXIST)
			usleep(10000);
	}
	ASSERT_EQ(0, err);
	ASSERT_HELD(19230, SHM, 0);
	/* the host writing more and removing the file charges nobody */
	ASSERT_EQ(0, host_write(SHM_FILE, 8, 8));
	ASSERT_EQ(0, unlink(SHM_FILE));
	ASSERT_HELD(19230, SHM, 0);
	ASSERT_EQ(0, umount(SHM_DIR));
	ASSERT_NL(NL, 0, ubc_destroy(NL, 19230));
}

/* ---- vmguarpages ---- */

static long read_long(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int write_long(const char *path, long v)
{
	char buf[64];
	int fd = open(path, O_WRONLY);
	int n, ret;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	ret = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return ret;
}

static long meminfo_kb(const char *field)
{
	char buf[8192], *p;
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

#define OC_MEM	"/proc/sys/vm/overcommit_memory"
#define OC_KB	"/proc/sys/vm/overcommit_kbytes"
#define OC_RATIO "/proc/sys/vm/overcommit_ratio"

TEST_F(ubctest, vmguar_strict_overcommit)
{
	struct member g, n;
	long mem, kb, ratio, committed, rg, rn, after, unmapped, final;

	IDS(19300, 2);
	SETUP(19300, &g);
	SETUP(19301, &n);
	/* 19300 is guaranteed 64 MB of privvmpages, 19301 nothing */
	ASSERT_NL(NL, 0, ubc_set(NL, 19300, VMGUAR, 16384 + HELD(19300, PRIVVM), U));
	ASSERT_NL(NL, 0, ubc_set(NL, 19301, VMGUAR, 0, U));

	mem = read_long(OC_MEM);
	kb = read_long(OC_KB);
	ratio = read_long(OC_RATIO);
	ASSERT_LE(0, mem);
	/*
	 * Strict, with 8 MB of room left. Switching to mode 2 folds the
	 * per-CPU parts of Committed_AS and shrinks their batch (a few MB
	 * on this VM), so it is read after the switch.
	 */
	ASSERT_EQ(0, write_long(OC_MEM, 2));
	committed = meminfo_kb("Committed_AS:");
	write_long(OC_KB, committed + 8192);
	rn = M(&n, 'm', 8192, M_PRIV);		/* 32 MB */
	rg = M(&g, 'm', 8192, M_PRIV);
	after = meminfo_kb("Committed_AS:");
	unmapped = rg >= 0 ? M(&g, 'u', rg, 0) : -1;
	final = meminfo_kb("Committed_AS:");
	/* restore before asserting */
	write_long(OC_MEM, mem);
	if (kb > 0)
		write_long(OC_KB, kb);
	else
		write_long(OC_RATIO, ratio);

	ASSERT_LT(0, committed);
	ASSERT_EQ(-ENOMEM, rn);
	ASSERT_LE(0, rg);
	ASSERT_EQ(0, unmapped);
	/* the guaranteed mapping is in Committed_AS, and leaves it */
	ASSERT_LE(committed + 32768 - 8192, after);
	ASSERT_GE(committed + 8192, final);
	ASSERT_HELD(19300, PRIVVM, M(&g, 'v', 0, 0));
	ASSERT_HELD(19301, PRIVVM, M(&n, 'v', 0, 0));
	ASSERT_EQ(0, (long)res_of(NL, 19300, VMGUAR).held);
	STOP(19300, &g);
	STOP(19301, &n);
}

TEST_HARNESS_MAIN
