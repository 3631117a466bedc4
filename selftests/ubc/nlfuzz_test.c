// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz_test: a bounded fuzzer of the "ubc" generic netlink family.
 *
 * Random and mutated requests of every command (NEW, DEL, SET, GET, ENTER,
 * and unknown ones) with every attribute of include/uapi/linux/ubc.h and
 * unknown ones: wrong lengths and types, nesting too deep or flat,
 * reply-only attributes, out-of-range values, duplicated attributes,
 * every nlmsg flag and genl header field, truncated and overlong messages,
 * messages that run into the next one, dumps; pid 0, pid 1 (init), pid 2
 * and other kernel threads, pids that do not exist; ids 0, UINT32_MAX and
 * others nobody created. It runs three ways: as root on the host, as an
 * unprivileged user (nobody, the socket opened after dropping privileges)
 * and as root inside a compartment. Around it: pid cases, interrupted and
 * abandoned dumps.
 *
 * Asserts:
 *  - every refusal is a negative errno and carries an extack message
 *    (NLMSGERR_ATTR_MSG). The only refusals allowed without one are those
 *    the 6.1 genl core makes before any policy or ubc code runs and for
 *    which it sets no message (genl_family_rcv_msg(): a message shorter
 *    than the genl header, EINVAL; an unknown command or a dump of a
 *    command without dumpit, EOPNOTSUPP; __netlink_dump_start(): a second
 *    dump on a socket whose dump still runs, EBUSY): each is checked by
 *    the echoed request, which the fuzz socket gets in full (no
 *    NETLINK_CAP_ACK);
 *  - refused requests change no compartment: a dump taken by a host root
 *    handle (ids, dying flag, barrier and limit of every resource, numproc
 *    held) after every request sent as root, and before and after the
 *    whole run of the other two modes, equals the one before;
 *  - as an unprivileged user and from inside a compartment every mutating
 *    request is refused (GET's answer is not asserted: who may read is
 *    being decided, issue 10 item 5);
 *  - no kernel warning: the taint flags do not gain TAINT_WARN (the VM
 *    also runs with panic_on_warn and its verdict scans the console).
 *
 * Deterministic: the seed is fixed (printed; UBC_NLFUZZ_SEED=N overrides
 * it for a reproduction; a failure names the request's index), and so is
 * the number of requests per mode, scaled down on the debug kernel to stay
 * within two minutes a lane.
 * Random requests that would move a task that is not one of the fuzzer's
 * own sleepers (pid 0, init, the fuzzer's parents) are never sent: those
 * pids are tested on purpose, against compartments that must refuse them.
 *
 * Compartment ids 31000..31499, and whatever random NEWs create, which
 * is destroyed afterwards.
 */
#include "kselftest_harness.h"
#include "ubc_test.h"

/* The last command with a handler; the *_NTF commands after it have none. */
#define UBC_REQ_CMD_MAX	UBC_CMD_ENTER

#include <stdarg.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#define POOL_BASE	31000	/* ids the fuzzer favours */
#define POOL_N		8
#define JAIL_ID		31010	/* numproc 0:0: refuses every ENTER */
#define DUMP_BASE	31100	/* dump tests */
/*
 * Enough compartments for several dump parts: reading one part makes the
 * kernel fill the next at once (netlink_recvmsg()), and ubc ends a dump in
 * the part that holds its last compartment, so an interruption shows only
 * in a part filled after the change, the third or later.
 */
#define DUMP_N		64
#define INSIDE_ID	31200	/* the fuzzer's compartment (inside mode) */
#define PID_BASE	31300	/* pid cases */
#define SLEEPERS	3

#define DEFAULT_SEED	0x75bc2026u

/* ---- random numbers: xorshift64*, reproducible from the seed ---- */

static uint64_t rstate;

static uint64_t rnd(void)
{
	rstate ^= rstate >> 12;
	rstate ^= rstate << 25;
	rstate ^= rstate >> 27;
	return rstate * 0x2545f4914f6cdd1dULL;
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static int chance(int percent)
{
	return (int)rn(100) < percent;
}

static uint64_t seed(void)
{
	const char *s = getenv("UBC_NLFUZZ_SEED");

	return s ? strtoull(s, NULL, 0) : DEFAULT_SEED;
}

/*
 * Requests per mode. As root every request is followed by a dump (about
 * 1 ms on stock 6.1 under TCG), so that mode sends fewer. The debug
 * kernel (KASAN, lockdep) is a hundred times slower at this: about 50 ms
 * a root request and 6 ms another, measured on a loaded build machine.
 * The whole test stays within two minutes a lane (stock 6.1: about 12 s).
 */
static int iterations(int as_root)
{
	if (debug_kernel())
		return as_root ? 400 : 2500;
	return as_root ? 8000 : 40000;
}

/* ---- pids ---- */

static pid_t sleepers[SLEEPERS];
static pid_t kthreads[8];
static int nkthreads;

static void find_kthreads(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	nkthreads = 0;
	while (d && (de = readdir(d)) && nkthreads < 8) {
		char buf[512];
		const char *rest = proc_stat_fields(de->d_name, buf, sizeof(buf));
		long ppid;

		if (rest && sscanf(rest, " %*c %ld", &ppid) == 1 && ppid == 2)
			kthreads[nkthreads++] = atoi(de->d_name);
	}
	if (d)
		closedir(d);
}

static void start_sleepers(void)
{
	int i;

	for (i = 0; i < SLEEPERS; i++) {
		sleepers[i] = fork();
		if (sleepers[i] == 0) {
			pause();
			_exit(0);
		}
	}
}

static void stop_sleepers(void)
{
	int i;

	for (i = 0; i < SLEEPERS; i++)
		if (sleepers[i] > 0) {
			kill(sleepers[i], SIGKILL);
			reap(sleepers[i]);
			sleepers[i] = 0;
		}
}

/* A pid ENTER may name in a random request: the sleepers or a refused one. */
static uint32_t safe_pid(void)
{
	switch (rn(6)) {
	case 0:
		return 2;	/* kthreadd */
	case 1:
		return nkthreads ? (uint32_t)kthreads[rn(nkthreads)] : 2;
	case 2:
		return 0x7fffffff;	/* past any pid_max */
	case 3:
		return 0xffffffffu;	/* -1 as a pid_t */
	default:
		return (uint32_t)sleepers[rn(SLEEPERS)];
	}
}

static int pid_is_safe(uint32_t pid)
{
	int i;

	if (pid == 2 || pid > 4194304)	/* PID_MAX_LIMIT */
		return 1;
	for (i = 0; i < nkthreads; i++)
		if (pid == (uint32_t)kthreads[i])
			return 1;
	for (i = 0; i < SLEEPERS; i++)
		if (pid == (uint32_t)sleepers[i])
			return 1;
	return 0;
}

/* ---- building requests ---- */

struct msgbuf {
	uint8_t b[8192];
	size_t len;
};

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int room(struct msgbuf *m, size_t n)
{
	return m->len + align4(n) <= sizeof(m->b) - 64;
}

static void put_attr(struct msgbuf *m, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);

	if (!room(m, NLA_HDRLEN + len))
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	memset(m->b + m->len + NLA_HDRLEN + len, 0,
	       align4(NLA_HDRLEN + len) - NLA_HDRLEN - len);
	m->len += align4(NLA_HDRLEN + len);
}

static size_t nest_start(struct msgbuf *m, uint16_t type)
{
	size_t at = m->len;

	put_attr(m, type, NULL, 0);
	return at;
}

static void nest_end(struct msgbuf *m, size_t at)
{
	struct nlattr *a = (struct nlattr *)(m->b + at);

	a->nla_len = (uint16_t)(m->len - at);
}

static uint64_t interesting_u64(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 5, 10, 100, 4096, 1ULL << 31, 1ULL << 32,
		UBC_UNLIMITED - 1, UBC_UNLIMITED, UBC_UNLIMITED + 1,
		~0ULL, ~0ULL - 1,
	};

	return chance(80) ? v[rn(sizeof(v) / sizeof(v[0]))] : rnd();
}

static uint32_t interesting_id(void)
{
	static const uint32_t v[] = {
		0, 1, 0x7fffffff, 0x80000000u, 0xffffffffu, 0xfffffffeu,
		JAIL_ID,
	};

	if (chance(75))
		return POOL_BASE + rn(POOL_N);
	if (chance(85))
		return v[rn(sizeof(v) / sizeof(v[0]))];
	return (uint32_t)rnd();
}

static uint32_t interesting_res(void)
{
	static const uint32_t v[] = { 4, 20, 21, 22, 25, 26, 255, 0xffffffffu };

	return chance(85) ? rn(UBC_RESOURCES) : v[rn(sizeof(v) / sizeof(v[0]))];
}

/* An attribute type: mostly the wanted one, sometimes flagged or unknown. */
static uint16_t mutate_type(uint16_t type, uint16_t max)
{
	if (chance(90))
		return type;
	switch (rn(5)) {
	case 0:
		return type | NLA_F_NESTED;
	case 1:
		return type | NLA_F_NET_BYTEORDER;
	case 2:
		return max + 1 + rn(4);
	case 3:
		return 0;
	default:
		return (uint16_t)rnd();
	}
}

/* A scalar payload: mostly the right size, sometimes not. */
static void put_scalar(struct msgbuf *m, uint16_t type, uint64_t v, int size)
{
	static const int sizes[] = { 0, 1, 2, 3, 4, 5, 8, 12, 16 };
	uint8_t junk[64];

	if (chance(88)) {
		put_attr(m, type, &v, size);
		return;
	}
	if (chance(70)) {
		put_attr(m, type, &v, sizes[rn(sizeof(sizes) / sizeof(sizes[0]))]);
		return;
	}
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd();
	put_attr(m, type, junk, rn(sizeof(junk)));
}

static void put_res_entry(struct msgbuf *m, int depth)
{
	size_t nest = nest_start(m, mutate_type(UBC_A_RESOURCE, UBC_A_MAX));
	int i, n = chance(90) ? 3 : rn(7);

	static const uint16_t order[] = {
		UBC_RES_A_ID, UBC_RES_A_BARRIER, UBC_RES_A_LIMIT,
	};

	for (i = 0; i < n; i++) {
		/* mostly ID, BARRIER, LIMIT in turn; sometimes any field */
		uint16_t t = chance(85) ? order[i % 3] : (uint16_t)rn(UBC_RES_A_MAX + 3);

		t = mutate_type(t, UBC_RES_A_MAX);
		switch (t) {
		case UBC_RES_A_ID:
			put_scalar(m, t, interesting_res(), 4);
			break;
		case UBC_RES_A_NAME:
			put_attr(m, t, "numproc", chance(50) ? 8 : 7);
			break;
		case UBC_RES_A_UNIT:
			put_scalar(m, t, rn(5), 1);
			break;
		default:
			if (depth < 4 && chance(3))
				put_res_entry(m, depth + 1);	/* nested too deep */
			else
				put_scalar(m, t, interesting_u64(), 8);
			break;
		}
	}
	nest_end(m, nest);
}

static void put_resources(struct msgbuf *m)
{
	size_t nest = nest_start(m, mutate_type(UBC_A_RESOURCES, UBC_A_MAX));
	int i, n = chance(10) ? 0 : 1 + rn(chance(90) ? 3 : 24);

	for (i = 0; i < n && room(m, 128); i++) {
		if (chance(4))
			put_scalar(m, mutate_type(UBC_A_ID, UBC_A_MAX),
				   interesting_id(), 4);	/* flat, not nested */
		else
			put_res_entry(m, 0);
	}
	nest_end(m, nest);
}

/*
 * One request: nlmsghdr, genlmsghdr, attributes. Mostly well formed for
 * one of the real commands, so that deep paths are reached; then mutated.
 */
static void gen_request(struct msgbuf *m, uint16_t family, uint32_t seq)
{
	static const uint16_t flag_sets[] = {
		NLM_F_REQUEST | NLM_F_ACK,
		NLM_F_REQUEST | NLM_F_ACK,
		NLM_F_REQUEST | NLM_F_ACK,
		NLM_F_REQUEST,
		NLM_F_REQUEST | NLM_F_DUMP,
		NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK,
		NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO,
		NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
		NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE,
		NLM_F_REQUEST | NLM_F_ROOT,
		NLM_F_REQUEST | NLM_F_MATCH | NLM_F_ACK,
		NLM_F_REQUEST | NLM_F_ATOMIC | NLM_F_ACK,
		NLM_F_ACK,
		0,
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g;
	uint8_t cmd;
	int i, nattrs;

	memset(m->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = chance(97) ? family : (uint16_t)rn(NLMSG_MIN_TYPE);
	nlh->nlmsg_flags = chance(90) ? flag_sets[rn(sizeof(flag_sets) / sizeof(flag_sets[0]))]
				      : (uint16_t)rnd();
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = chance(95) ? 0 : (uint32_t)rnd();
	g = (struct genlmsghdr *)(m->b + NLMSG_HDRLEN);
	cmd = chance(90) ? (uint8_t)(UBC_CMD_NEW + rn(UBC_REQ_CMD_MAX)) : (uint8_t)rn(256);
	g->cmd = cmd;
	g->version = chance(90) ? UBC_GENL_VERSION : (uint8_t)rnd();
	g->reserved = chance(95) ? 0 : (uint16_t)rnd();
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;

	nattrs = chance(85) ? 1 + rn(3) : rn(10);
	for (i = 0; i < nattrs && room(m, 256); i++) {
		uint16_t t;

		/* the attributes the command wants, first and in order */
		if (i == 0 && chance(85))
			t = UBC_A_ID;
		else if (i == 1 && chance(80))
			t = cmd == UBC_CMD_ENTER ? UBC_A_PID : UBC_A_RESOURCES;
		else
			t = rn(UBC_A_MAX + 4);
		t = mutate_type(t, UBC_A_MAX);
		switch (t & NLA_TYPE_MASK) {
		case UBC_A_ID:
			put_scalar(m, t, interesting_id(), 4);
			break;
		case UBC_A_PID:
			put_scalar(m, t, safe_pid(), 4);
			break;
		case UBC_A_RESOURCES:
			if (t & NLA_F_NESTED || t == UBC_A_RESOURCES || chance(50))
				put_resources(m);
			else
				put_scalar(m, t, interesting_u64(), 8);
			break;
		case UBC_A_RESOURCE:
			put_res_entry(m, 0);	/* at the wrong level */
			break;
		case UBC_A_FLAGS:
			put_scalar(m, t, rnd(), 4);
			break;
		default:
			put_scalar(m, t, interesting_u64(), 8);
			break;
		}
	}
	nlh->nlmsg_len = (uint32_t)m->len;

	/* Mutations of the finished message. */
	if (chance(6)) {	/* flip a few bits after the headers */
		int k, flips = 1 + rn(4);

		for (k = 0; k < flips && m->len > NLMSG_HDRLEN + GENL_HDRLEN; k++) {
			size_t at = NLMSG_HDRLEN + GENL_HDRLEN +
				    rn(m->len - NLMSG_HDRLEN - GENL_HDRLEN);

			m->b[at] ^= (uint8_t)(1u << rn(8));
		}
	}
	if (chance(4)) {	/* a wrong length in the netlink header */
		switch (rn(5)) {
		case 0:
			nlh->nlmsg_len = rn(NLMSG_HDRLEN + GENL_HDRLEN + 1);
			break;
		case 1:
			nlh->nlmsg_len -= rn(9);
			break;
		case 2:
			nlh->nlmsg_len += rn(64);	/* past the end */
			break;
		default:
			nlh->nlmsg_len = (uint32_t)rnd();
			break;
		}
	}
	if (chance(3)) {	/* cut the buffer, or send trailing garbage */
		if (chance(50) && m->len > 1) {
			m->len = rn(m->len);
		} else {
			int k, extra = 1 + rn(40);

			for (k = 0; k < extra; k++)
				m->b[m->len++] = (uint8_t)rnd();
		}
	}
}

/*
 * Walks @m as netlink_rcv_skb() and genl do. Counts the messages the
 * kernel processes (a request of type >= NLMSG_MIN_TYPE; others are only
 * acked), notes the sequence numbers of those that may mutate (a ubc
 * command other than GET, not a dump), and checks every pid ENTER would
 * read (an attribute of UBC_A_PID's type with at least 4 bytes). Returns
 * 0 if every such pid is safe to move, -1 otherwise.
 */
struct walk {
	int processed, nmut;
	uint32_t mut_seq[16];
};

static int walk_request(const struct msgbuf *m, uint16_t family, struct walk *w)
{
	size_t off = 0;

	memset(w, 0, sizeof(*w));
	while (m->len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const void *)(m->b + off);
		size_t len = nlh->nlmsg_len, msglen, a;
		const struct genlmsghdr *g;

		if (len < NLMSG_HDRLEN || len > m->len - off)
			break;
		if ((nlh->nlmsg_flags & NLM_F_REQUEST) && nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			w->processed++;
		g = (const void *)(m->b + off + NLMSG_HDRLEN);
		if (nlh->nlmsg_type == family && len >= NLMSG_HDRLEN + GENL_HDRLEN &&
		    g->cmd != UBC_CMD_GET && w->nmut < 16)
			w->mut_seq[w->nmut++] = nlh->nlmsg_seq;
		if (nlh->nlmsg_type == family && len >= NLMSG_HDRLEN + GENL_HDRLEN) {
			for (a = NLMSG_HDRLEN + GENL_HDRLEN;
			     g->cmd == UBC_CMD_ENTER && len - a >= NLA_HDRLEN;) {
				const struct nlattr *at = (const void *)(m->b + off + a);
				uint32_t pid;

				if (at->nla_len < NLA_HDRLEN || at->nla_len > len - a)
					break;
				if ((at->nla_type & NLA_TYPE_MASK) == UBC_A_PID &&
				    at->nla_len >= NLA_HDRLEN + 4) {
					memcpy(&pid, (const uint8_t *)at + NLA_HDRLEN, 4);
					if (!pid_is_safe(pid))
						return -1;
				}
				a += align4(at->nla_len);
			}
		}
		msglen = align4(len);
		if (msglen > m->len - off)
			msglen = m->len - off;
		off += msglen;
	}
	return 0;
}

/* ---- the fuzz socket ---- */

struct fuzz {
	struct mnl_socket *sock;
	uint16_t family;
	uint8_t rbuf[65536];
	/* results of the last send */
	unsigned int errors, acks, replies, no_msg;
	unsigned int nacked;
	struct nlmsghdr acked[16];	/* echoed headers of the success acks */
	char bad[512];		/* the first violation seen */
};

static int fuzz_open(struct fuzz *f, uint16_t family)
{
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->family = family;
	f->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!f->sock)
		return -errno;
	/* extended acks on; no NETLINK_CAP_ACK: errors echo the request */
	if (mnl_socket_setsockopt(f->sock, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_bind(f->sock, 0, MNL_SOCKET_AUTOPID)) {
		mnl_socket_close(f->sock);
		f->sock = NULL;
		return -errno;
	}
	return 0;
}

static void fuzz_close(struct fuzz *f)
{
	if (f->sock)
		mnl_socket_close(f->sock);
	f->sock = NULL;
}

static int has_extack_msg(const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > mnl_nlmsg_get_payload_len(nlh))
		return 0;
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_get_payload_len(a) > 1)
			return 1;
	return 0;
}

/*
 * Whether the genl core refuses the echoed request @req (its full
 * nlmsg_len bytes) with @err before it reaches a policy or ubc, setting
 * no extack message (net/netlink/genetlink.c, 6.1).
 */
static int core_refusal(const struct nlmsghdr *req, size_t avail, int err)
{
	const struct genlmsghdr *g = (const void *)((const uint8_t *)req + NLMSG_HDRLEN);
	int dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (err == -EINVAL && req->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 1;	/* shorter than the genl header */
	if (err == -EBUSY && dump)
		return 1;	/* __netlink_dump_start(): a dump still runs */
	if (avail < NLMSG_HDRLEN + GENL_HDRLEN || err != -EOPNOTSUPP)
		return 0;
	if (g->cmd < UBC_CMD_NEW || g->cmd > UBC_REQ_CMD_MAX)
		return 1;	/* genl_get_cmd(): also the notifications' commands */
	return dump && g->cmd != UBC_CMD_GET;	/* no dumpit */
}

static void note_bad(struct fuzz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_bad(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->bad, sizeof(f->bad), fmt, ap);
	va_end(ap);
}

/* Checks one NLMSG_ERROR or NLMSG_DONE reply. */
static void check_status(struct fuzz *f, const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	int err;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		err = 0;
		if (plen >= sizeof(int))
			memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
		if (!err) {
			f->acks++;
			return;
		}
		f->errors++;
		if (err > -1 || err < -4095)
			note_bad(f, "dump ended with %d, not an errno", err);
		else if (!has_extack_msg(nlh, MNL_ALIGN(sizeof(int))))
			note_bad(f, "dump ended with %s without an extack message",
				 strerror(-err));
		return;
	}
	if (plen < sizeof(struct nlmsgerr)) {
		note_bad(f, "short NLMSG_ERROR (%zu bytes)", plen);
		return;
	}
	{
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		size_t echoed = plen - sizeof(*e) + sizeof(e->msg);
		size_t off;

		err = e->error;
		if (!err) {
			if (f->nacked < 16)
				f->acked[f->nacked++] = e->msg;
			f->acks++;
			return;
		}
		f->errors++;
		if (err > -1 || err < -4095) {
			note_bad(f, "refusal %d is not an errno", err);
			return;
		}
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
		if (has_extack_msg(nlh, off))
			return;
		if (core_refusal(&e->msg, echoed, err)) {
			f->no_msg++;
			return;
		}
		{
			const struct genlmsghdr *g = (const void *)(&e->msg + 1);

			note_bad(f, "refusal %s (%d) without an extack message: cmd %u, flags 0x%x, len %u",
				 strerror(-err), err,
				 echoed >= NLMSG_HDRLEN + GENL_HDRLEN ? g->cmd : 0,
				 e->msg.nlmsg_flags, e->msg.nlmsg_len);
		}
	}
}

/*
 * Sends @m and reads every answer. Netlink runs a request in the sender's
 * sendmsg() and the next part of a dump in recvmsg(), so once a
 * non-blocking read finds nothing, the kernel has said all it will.
 */
static void fuzz_send(struct fuzz *f, const struct msgbuf *m)
{
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	int guard;

	f->errors = f->acks = f->replies = f->nacked = 0;
	if (sendto(mnl_socket_get_fd(f->sock), m->b, m->len, 0,
		   (struct sockaddr *)&nladdr, sizeof(nladdr)) < 0) {
		/* an empty message (ENODATA), one larger than the socket buffer
		 * (EMSGSIZE): netlink_sendmsg() took nothing */
		if (errno != EINVAL && errno != ENODATA && errno != EMSGSIZE &&
		    errno != ENOBUFS)
			note_bad(f, "sendto: %s", strerror(errno));
	}
	for (guard = 0; guard < 100000; guard++) {
		ssize_t n = recv(mnl_socket_get_fd(f->sock), f->rbuf, sizeof(f->rbuf),
				 MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			note_bad(f, "recv: %s", strerror(errno));
			return;
		}
		len = (int)n;
		for (nlh = (const void *)f->rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
				check_status(f, nlh);
			} else if (nlh->nlmsg_type == f->family) {
				struct ubc_info info;

				f->replies++;
				ubc_parse_info(nlh, &info);
				if (info.bad)
					note_bad(f, "malformed reply: %s", info.why);
			}
		}
	}
	note_bad(f, "endless replies");
}

/* ---- compartment snapshots (host root handle) ---- */

#define SNAP_MAX 256

struct snap_one {
	uint32_t id;
	int dying;
	uint64_t barrier[UBC_RESOURCES], limit[UBC_RESOURCES];
	uint64_t numproc_held;
};

struct snap {
	int n, overflow, err;
	struct snap_one c[SNAP_MAX];
};

static void snap_cb(const struct ubc_info *info, void *arg)
{
	struct snap *s = arg;
	struct snap_one *o;
	unsigned int r;

	if (s->n >= SNAP_MAX) {
		s->overflow = 1;
		return;
	}
	o = &s->c[s->n++];
	memset(o, 0, sizeof(*o));
	o->id = info->id;
	o->dying = !!(info->flags & UBC_F_DYING);
	for (r = 0; r < UBC_RESOURCES; r++) {
		o->barrier[r] = info->res[r].barrier;
		o->limit[r] = info->res[r].limit;
	}
	o->numproc_held = info->res[UBC_NUMPROC].held;
}

static int take_snap(struct ubc_nl *h, struct snap *s)
{
	s->n = s->overflow = 0;
	s->err = ubc_dump(h, snap_cb, s);
	return s->err;
}

/*
 * Compares what a refused request must not change: the live (not dying)
 * compartments, their barriers and limits and numproc held. A dying
 * compartment may drain away meanwhile. 0 if equal, else writes why.
 */
static int snap_diff(const struct snap *a, const struct snap *b, char *why,
		     size_t len)
{
	int i, j;
	unsigned int r;

	for (i = 0; i < a->n; i++) {
		const struct snap_one *x = &a->c[i], *y = NULL;

		for (j = 0; j < b->n; j++)
			if (b->c[j].id == x->id)
				y = &b->c[j];
		if (x->dying)
			continue;
		if (!y || y->dying) {
			snprintf(why, len, "compartment %u %s", x->id,
				 y ? "became dying" : "disappeared");
			return 1;
		}
		for (r = 0; r < UBC_RESOURCES; r++)
			if (x->barrier[r] != y->barrier[r] || x->limit[r] != y->limit[r]) {
				snprintf(why, len, "compartment %u resource %u: %lu:%lu became %lu:%lu",
					 x->id, r, (unsigned long)x->barrier[r],
					 (unsigned long)x->limit[r],
					 (unsigned long)y->barrier[r],
					 (unsigned long)y->limit[r]);
				return 1;
			}
		if (x->numproc_held != y->numproc_held) {
			snprintf(why, len, "compartment %u numproc held %lu became %lu",
				 x->id, (unsigned long)x->numproc_held,
				 (unsigned long)y->numproc_held);
			return 1;
		}
	}
	for (j = 0; j < b->n; j++) {
		for (i = 0; i < a->n; i++)
			if (a->c[i].id == b->c[j].id)
				break;
		if (i == a->n) {
			snprintf(why, len, "compartment %u appeared", b->c[j].id);
			return 1;
		}
	}
	return 0;
}

/* Destroys every compartment that @before did not list (random NEWs). */
static void destroy_new(struct ubc_nl *h, const struct snap *before)
{
	static struct snap now;
	int i, j;

	if (take_snap(h, &now))
		return;
	for (j = 0; j < now.n; j++) {
		for (i = 0; i < before->n; i++)
			if (before->c[i].id == now.c[j].id)
				break;
		if (i == before->n && !now.c[j].dying)
			ubc_destroy_wait(h, now.c[j].id, DRAIN_MS);
	}
}

static unsigned long taint_warn(void)
{
	char buf[64];

	if (read_line("/proc/sys/kernel/tainted", buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10) & (1UL << 9);	/* TAINT_WARN */
}

/* ---- the three ways ---- */

enum mode { AS_ROOT, AS_NOBODY, AS_INSIDE };

struct result {
	int sent, refused, no_msg, accepted, replies;
	double secs;
	char bad[640];
};

/*
 * Runs @n random requests on a fresh fuzz socket. As root, @h (a host
 * root handle) snapshots the compartments after each one; a request that
 * was only refused must leave them as they were. In the other modes every
 * request that can change something must be refused.
 */
static void fuzz_run(struct ubc_nl *h, enum mode mode, int n, struct result *res)
{
	static struct snap before, after;
	static struct fuzz f;
	static struct msgbuf m;
	struct timespec t0, t1;
	struct walk w;
	char why[256];
	int i, ret;
	unsigned int k, j;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = fuzz_open(&f, h ? h->family : 0);
	if (ret) {
		snprintf(res->bad, sizeof(res->bad), "fuzz socket: %s", strerror(-ret));
		return;
	}
	if (!h) {
		struct ubc_nl mine;

		/* the family id, through this task's own socket */
		ret = ubc_nl_open(&mine, 0);
		if (ret) {
			snprintf(res->bad, sizeof(res->bad), "family: %s", strerror(-ret));
			fuzz_close(&f);
			return;
		}
		f.family = mine.family;
		ubc_nl_close(&mine);
	}
	if (mode == AS_ROOT && take_snap(h, &before)) {
		snprintf(res->bad, sizeof(res->bad), "dump: %s", strerror(-before.err));
		fuzz_close(&f);
		return;
	}
	for (i = 0; i < n && !f.bad[0]; i++) {
		do
			gen_request(&m, f.family, (uint32_t)i + 1);
		while (walk_request(&m, f.family, &w));
		fuzz_send(&f, &m);
		res->sent++;
		res->refused += f.errors;
		res->accepted += f.acks;
		res->replies += f.replies;
		if (mode != AS_ROOT) {
			/* a mutating request acknowledged with success from here? */
			for (k = 0; k < f.nacked; k++)
				for (j = 0; j < (unsigned int)w.nmut; j++)
					if (f.acked[k].nlmsg_seq == w.mut_seq[j] &&
					    f.acked[k].nlmsg_type == f.family &&
					    (f.acked[k].nlmsg_flags & NLM_F_REQUEST))
						note_bad(&f, "request %d succeeded %s", i,
							 mode == AS_NOBODY ? "as nobody"
									   : "inside a compartment");
			continue;
		}
		if (take_snap(h, &after)) {
			note_bad(&f, "dump: %s", strerror(-after.err));
			break;
		}
		/* every processed request refused: nothing may have changed */
		if (w.processed && f.errors >= (unsigned int)w.processed && !f.acks &&
		    !f.replies && snap_diff(&before, &after, why, sizeof(why)))
			note_bad(&f, "request %d was refused, yet %s", i, why);
		before = after;
		if (before.n > 64)	/* random NEWs: keep dumps short */
			destroy_new(h, &before), take_snap(h, &before);
	}
	res->no_msg = f.no_msg;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (f.bad[0])
		snprintf(res->bad, sizeof(res->bad), "request %d of seed 0x%llx: %s",
			 i - 1, (unsigned long long)seed(), f.bad);
	fuzz_close(&f);
}

static void print_result(const char *how, const struct result *r)
{
	printf("# %s: %d requests in %.1f s: %d refusals, %d of them by the genl core without a message; %d acks, %d replies\n",
	       how, r->sent, r->secs, r->refused, r->no_msg, r->accepted, r->replies);
}

/* Pool compartments with assorted limits, the jail, sleepers in some. */
static void setup_pool(struct __test_metadata *_metadata, struct ubc_nl *h)
{
	struct ubc_lim jail = { UBC_NUMPROC, 0, 0 };
	int i;

	for (i = 0; i < POOL_N; i += 2)
		ASSERT_NL(h, 0, ubc_create(h, POOL_BASE + i));
	ASSERT_NL(h, 0, ubc_create_lims(h, JAIL_ID, &jail, 1));
	find_kthreads();
	start_sleepers();
	ASSERT_NL(h, 0, ubc_enter(h, POOL_BASE, sleepers[0]));
}

static void clean_all(struct ubc_nl *h, const struct snap *initial)
{
	stop_sleepers();
	destroy_new(h, initial);
	ubc_clean_range(h, POOL_BASE, 500);
}

/* ---- tests ---- */

TEST_F_TIMEOUT(ubctest, fuzz_as_root, 150)
{
	static struct snap initial;
	struct result r;
	unsigned long warn = taint_warn();

	IDS(POOL_BASE, 500);
	ASSERT_EQ(0, take_snap(&self->nl, &initial));
	rstate = seed() ^ 1;
	printf("# seed 0x%llx, %d requests as root, %d in the other modes\n",
	       (unsigned long long)seed(), iterations(1), iterations(0));
	setup_pool(_metadata, &self->nl);
	fuzz_run(&self->nl, AS_ROOT, iterations(1), &r);
	print_result("root", &r);
	clean_all(&self->nl, &initial);
	EXPECT_STREQ("", r.bad);
	EXPECT_LT(0, r.refused);
	EXPECT_LT(0, r.accepted);
	EXPECT_EQ(warn, taint_warn()) TH_LOG("the kernel warned");
}

/* Runs the fuzzer in a child that first becomes @mode; waits for it. */
static void fuzz_child(struct __test_metadata *_metadata, struct ubc_nl *h,
		       enum mode mode)
{
	static struct snap initial, before, after;
	struct result *r = shared_mem(sizeof(*r));
	unsigned long warn = taint_warn();
	char why[256];
	pid_t pid;
	int rc;

	ASSERT_EQ(0, take_snap(h, &initial));
	setup_pool(_metadata, h);
	if (mode == AS_INSIDE)
		ASSERT_NL(h, 0, ubc_create(h, INSIDE_ID));
	ASSERT_EQ(0, take_snap(h, &before));
	rstate = seed() ^ (mode + 1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ubc_nl me;

		if (mode == AS_NOBODY && drop_to_nobody())
			_exit(10);
		if (mode == AS_INSIDE) {
			if (ubc_nl_open(&me, 0) || ubc_enter(&me, INSIDE_ID, 0))
				_exit(11);
			ubc_nl_close(&me);
		}
		fuzz_run(NULL, mode, iterations(0), r);
		_exit(0);
	}
	rc = reap(pid);
	ASSERT_EQ(0, rc) TH_LOG("fuzzer child: exit %d", rc);
	print_result(mode == AS_NOBODY ? "nobody" : "inside", r);
	EXPECT_STREQ("", r->bad);
	EXPECT_LT(0, r->refused);
	ASSERT_EQ(0, take_snap(h, &after));
	if (mode == AS_INSIDE) {
		/* the child was reaped: its numproc went back */
		ASSERT_NE(0, ubc_wait_field(h, INSIDE_ID, UBC_NUMPROC, UBC_RES_A_HELD,
					    0, DRAIN_MS) + 1);
		ASSERT_EQ(0, take_snap(h, &after));
	}
	EXPECT_EQ(0, snap_diff(&before, &after, why, sizeof(why)))
		TH_LOG("refused requests changed compartments: %s", why);
	clean_all(h, &initial);
	EXPECT_EQ(warn, taint_warn()) TH_LOG("the kernel warned");
}

TEST_F_TIMEOUT(ubctest, fuzz_as_nobody, 150)
{
	IDS(POOL_BASE, 500);
	fuzz_child(_metadata, &self->nl, AS_NOBODY);
}

TEST_F_TIMEOUT(ubctest, fuzz_inside_compartment, 150)
{
	IDS(POOL_BASE, 500);
	fuzz_child(_metadata, &self->nl, AS_INSIDE);
}

/* One ENTER through @f; the error (0 if acked) and whether a message came. */
static int enter_raw(struct fuzz *f, uint32_t id, uint32_t pid)
{
	static struct msgbuf m;
	struct nlmsghdr *nlh = (struct nlmsghdr *)m.b;
	struct genlmsghdr *g = (struct genlmsghdr *)(m.b + NLMSG_HDRLEN);

	memset(m.b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = f->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = pid;
	g->cmd = UBC_CMD_ENTER;
	g->version = UBC_GENL_VERSION;
	m.len = NLMSG_HDRLEN + GENL_HDRLEN;
	put_attr(&m, UBC_A_ID, &id, 4);
	put_attr(&m, UBC_A_PID, &pid, 4);
	nlh->nlmsg_len = (uint32_t)m.len;
	fuzz_send(f, &m);
	return f->errors;
}

/*
 * pid 0 (the caller), 1 (init), 2 (kthreadd), another kernel thread,
 * pids past pid_max, a host task into a missing id: each refusal has its
 * errno and a message, and changes nothing.
 */
TEST_F(ubctest, enter_special_pids)
{
	struct ubc_lim jail = { UBC_NUMPROC, 0, 0 };
	static struct snap before, after;
	static struct fuzz f;
	struct {
		uint32_t id, pid;
		int err;
		const char *what;
	} cases[] = {
		{ PID_BASE + 1, 1, -EAGAIN, "init into a compartment with numproc 0" },
		{ PID_BASE + 1, 0, -EAGAIN, "the caller into a compartment with numproc 0" },
		{ PID_BASE, 2, -EPERM, "kthreadd" },
		{ PID_BASE, 0, -EPERM, "another kernel thread" },
		{ PID_BASE, 0x7fffffff, -ESRCH, "a pid past pid_max" },
		{ PID_BASE, 0xffffffffu, -ESRCH, "pid -1" },
		{ PID_BASE + 9, 1, -ENOENT, "init into a missing compartment" },
		{ 0, 1, -EINVAL, "init into id 0" },
		{ 0xffffffffu, 0, -ENOENT, "the caller into UINT32_MAX" },
	};
	char why[256];
	unsigned int i;
	pid_t pid;

	IDS(PID_BASE, 10);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, PID_BASE));
	ASSERT_NL(&self->nl, 0, ubc_create_lims(&self->nl, PID_BASE + 1, &jail, 1));
	find_kthreads();
	ASSERT_LT(0, nkthreads) TH_LOG("no kernel thread but kthreadd found");
	cases[3].pid = kthreads[nkthreads - 1];
	ASSERT_EQ(0, fuzz_open(&f, self->nl.family));
	ASSERT_EQ(0, take_snap(&self->nl, &before));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f.bad[0] = 0;
		enter_raw(&f, cases[i].id, cases[i].pid);
		EXPECT_STREQ("", f.bad) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(1, f.errors) TH_LOG("%s: not refused", cases[i].what);
		EXPECT_EQ(0, f.no_msg) TH_LOG("%s: no extack message", cases[i].what);
		ASSERT_EQ(0, take_snap(&self->nl, &after));
		EXPECT_EQ(0, snap_diff(&before, &after, why, sizeof(why)))
			TH_LOG("%s: %s", cases[i].what, why);
	}
	/* the exact errnos, through the ordinary helper */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		EXPECT_NL(&self->nl, cases[i].err,
			  ubc_enter(&self->nl, cases[i].id, cases[i].pid));
	fuzz_close(&f);

	/* pid 0 moves the caller itself: a child, which then cannot leave */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ubc_nl me;

		if (ubc_nl_open(&me, 0) || ubc_enter(&me, PID_BASE, 0))
			_exit(1);
		/* inside now: a second ENTER is refused */
		_exit(ubc_enter(&me, PID_BASE, 0) == -EPERM && me.has_msg ? 0 : 2);
	}
	EXPECT_EQ(0, reap(pid));
}

/* Reads one recv() worth of a dump; counts messages, notes DUMP_INTR/DONE. */
struct dump_state {
	int msgs, intr, done, err, parts;
	uint32_t last_id, dup;
	char bad[160];
};

static void dump_read(int fd, struct dump_state *d)
{
	static uint8_t buf[32768];
	const struct nlmsghdr *nlh;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	int len;

	if (n < 0) {
		snprintf(d->bad, sizeof(d->bad), "recv: %s", strerror(errno));
		d->done = 1;
		return;
	}
	d->parts++;
	len = (int)n;
	for (nlh = (const void *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			d->intr = 1;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			memcpy(&d->err, mnl_nlmsg_get_payload(nlh), sizeof(int));
			d->done = 1;
		} else if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			d->err = e->error;
			d->done = 1;
		} else {
			struct ubc_info info;

			ubc_parse_info(nlh, &info);
			if (info.bad)
				snprintf(d->bad, sizeof(d->bad), "%s", info.why);
			if (d->msgs && info.id <= d->last_id)
				d->dup++;	/* ids must ascend, once each */
			d->last_id = info.id;
			d->msgs++;
		}
	}
}

static int dump_start(struct fuzz *f)
{
	char buf[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = f->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 77;
	g->cmd = UBC_CMD_GET;
	g->version = UBC_GENL_VERSION;
	return mnl_socket_sendto(f->sock, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

/*
 * A dump of more compartments than one part holds: complete, in order;
 * interrupted by a create and a destroy between two parts it says so with
 * NLM_F_DUMP_INTR and still ends cleanly; a second dump on a socket whose
 * dump still runs is refused (EBUSY, the netlink core).
 */
TEST_F(ubctest, dump_restart_and_interrupt)
{
	static struct fuzz f;
	struct dump_state d;
	int i, dumps;

	IDS(DUMP_BASE, DUMP_N + 2);
	for (i = 0; i < DUMP_N; i++)
		ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, DUMP_BASE + i));
	ASSERT_EQ(0, fuzz_open(&f, self->nl.family));

	/* undisturbed */
	memset(&d, 0, sizeof(d));
	ASSERT_EQ(0, dump_start(&f));
	while (!d.done)
		dump_read(mnl_socket_get_fd(f.sock), &d);
	EXPECT_STREQ("", d.bad);
	EXPECT_EQ(0, d.err);
	EXPECT_EQ(0, d.intr);
	EXPECT_EQ(0, d.dup);
	EXPECT_LE(DUMP_N, d.msgs);
	EXPECT_LT(2, d.parts) TH_LOG("the dump fit in one part: not a restart test");

	/* interrupted: one part, then a create and a destroy, then the rest */
	memset(&d, 0, sizeof(d));
	ASSERT_EQ(0, dump_start(&f));
	dump_read(mnl_socket_get_fd(f.sock), &d);
	ASSERT_EQ(0, d.done);
	ASSERT_NL(&self->nl, 0, ubc_create(&self->nl, DUMP_BASE + DUMP_N));
	ASSERT_NL(&self->nl, 0, ubc_destroy(&self->nl, DUMP_BASE + DUMP_N - 1));
	/* a doit request on the same socket while its dump runs */
	/* and a second dump on it: the core refuses it */
	{
		static struct msgbuf m;
		struct nlmsghdr *nlh = (struct nlmsghdr *)m.b;
		struct genlmsghdr *g = (struct genlmsghdr *)(m.b + NLMSG_HDRLEN);

		memset(m.b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
		nlh->nlmsg_type = f.family;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = 78;
		g->cmd = UBC_CMD_GET;
		g->version = UBC_GENL_VERSION;
		m.len = NLMSG_HDRLEN + GENL_HDRLEN;
		nlh->nlmsg_len = (uint32_t)m.len;
		ASSERT_LE(0, sendto(mnl_socket_get_fd(f.sock), m.b, m.len, 0,
				    (struct sockaddr *)&(struct sockaddr_nl){ .nl_family = AF_NETLINK },
				    sizeof(struct sockaddr_nl)));
	}
	while (!d.done)
		dump_read(mnl_socket_get_fd(f.sock), &d);
	EXPECT_STREQ("", d.bad);
	/* the first status read may be the refused second dump's */
	if (d.err == -EBUSY) {
		d.done = 0;
		while (!d.done)
			dump_read(mnl_socket_get_fd(f.sock), &d);
	}
	EXPECT_EQ(0, d.err);
	EXPECT_EQ(1, d.intr) TH_LOG("compartments came and went, no NLM_F_DUMP_INTR");
	EXPECT_EQ(0, d.dup);
	fuzz_close(&f);

	/* abandoned dumps: one part read, then the socket closed */
	dumps = debug_kernel() ? 20 : 100;
	for (i = 0; i < dumps; i++) {
		ASSERT_EQ(0, fuzz_open(&f, self->nl.family));
		memset(&d, 0, sizeof(d));
		ASSERT_EQ(0, dump_start(&f));
		if (i % 2)
			dump_read(mnl_socket_get_fd(f.sock), &d);
		fuzz_close(&f);
	}
	/* the family still answers */
	EXPECT_EQ(DUMP_N, ubc_dump_count_range(&self->nl, DUMP_BASE, DUMP_N + 1));
}

TEST_HARNESS_MAIN
