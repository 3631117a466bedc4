// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vzcfgvalidate's rules, see validate.h. The order of the checks and the
 * text of each message are vzctl 4.11's src/validate.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "validate.h"

#define LMAX	0x7fffffffffffffffULL	/* vzctl's LONG_MAX, "unlimited" */
#define BIT(r)	(1ULL << (r))

static void say(struct ubc_validate *v, enum ubc_level level, uint64_t res,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void say(struct ubc_validate *v, enum ubc_level level, uint64_t res,
		const char *fmt, ...)
{
	static const char *const prefix[] = {
		[UBC_RECOMMENDATION] = "Recommendation: ",
		[UBC_WARNING] = "Warning: ",
		[UBC_ERROR] = "Error: ",
	};
	char msg[320];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s", prefix[level]);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	if (level == UBC_ERROR)
		v->errors++;
	else if (level == UBC_WARNING)
		v->warnings++;
	else
		v->recommendations++;
	if (v->report)
		v->report(v->arg, level, res, msg);
}

static const struct ubc_conf_value *R(const struct ubc_validate *v,
				      unsigned int r)
{
	return &v->res[r];
}

static bool present(struct ubc_validate *v, unsigned int r)
{
	if (R(v, r)->set)
		return true;
	say(v, UBC_ERROR, BIT(r), "parameter %s not found",
	    ubc_resource_name(r));
	return false;
}

/* CHECK_B: barrier equal to limit. */
static void check_b(struct ubc_validate *v, unsigned int r)
{
	const struct ubc_conf_value *x = R(v, r);

	if (present(v, r) && x->barrier != x->limit)
		say(v, UBC_ERROR, BIT(r),
		    "barrier should be equal to limit for %s (currently, %" PRIu64 ":%" PRIu64 ")",
		    ubc_resource_name(r), x->barrier, x->limit);
}

/* CHECK_BL: barrier at most limit. */
static void check_bl(struct ubc_validate *v, unsigned int r)
{
	const struct ubc_conf_value *x = R(v, r);

	if (present(v, r) && x->barrier > x->limit)
		say(v, UBC_ERROR, BIT(r),
		    "barrier should be <= limit for %s (currently, %" PRIu64 ":%" PRIu64 ")",
		    ubc_resource_name(r), x->barrier, x->limit);
}

/* A guarantee's limit must be unlimited. */
static void check_unl(struct ubc_validate *v, unsigned int r)
{
	if (present(v, r) && R(v, r)->limit != LMAX)
		say(v, UBC_ERROR, BIT(r),
		    "limit should be = %llu for %s (currently, %" PRIu64 ")",
		    LMAX, ubc_resource_name(r), R(v, r)->limit);
}

/* vzctl's "2.5 * 1024 * n", when n is not unlimited. */
static bool per_sock(uint64_t n, uint64_t *val)
{
	if (n == LMAX || n > LMAX / 2560)
		return false;
	*val = n * 2560;
	return true;
}

/* lim - bar of @buf at least 2.5 KiB per socket of @socks. */
static void check_gap(struct ubc_validate *v, enum ubc_level level,
		      unsigned int buf, unsigned int socks)
{
	const struct ubc_conf_value *b = R(v, buf);
	const char *name = ubc_resource_name(buf);
	uint64_t val;

	if (b->limit == LMAX || !per_sock(R(v, socks)->barrier, &val))
		return;
	if (b->limit - b->barrier < val)
		say(v, level, BIT(buf) | BIT(socks),
		    "%s.lim-%s.bar should be > %" PRIu64 " (currently, %" PRIu64 "-%" PRIu64 "=%" PRIu64 ")",
		    name, name, val, b->limit, b->barrier, b->limit - b->barrier);
}

/* bar at least @min (level @lvl), else below @rec a recommendation. */
static void check_min(struct ubc_validate *v, unsigned int r, uint64_t min,
		      uint64_t rec)
{
	const char *name = ubc_resource_name(r);
	uint64_t bar = R(v, r)->barrier;

	if (bar < min)
		say(v, UBC_WARNING, BIT(r),
		    "%s.bar should be > %" PRIu64 " (currently, %" PRIu64 ")",
		    name, min, bar);
	else if (bar < rec)
		say(v, UBC_RECOMMENDATION, BIT(r),
		    "%s.bar should be > %" PRIu64 " (currently, %" PRIu64 ")",
		    name, rec, bar);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > LMAX - b ? LMAX : a + b;
}

/* ubc's own: guarantees against RAM + swap, alone and summed. */
static void check_guarantees(struct ubc_validate *v)
{
	static const unsigned int g[] = { UBC_VMGUARPAGES, UBC_OOMGUARPAGES };
	uint64_t total = add_sat(v->ram_pages, v->swap_pages), others;
	unsigned int i;

	if (!total)
		return;
	for (i = 0; i < 2; i++) {
		const struct ubc_conf_value *x = R(v, g[i]);
		const char *name = ubc_resource_name(g[i]);

		if (!x->set || x->barrier == LMAX)
			continue;
		others = i ? v->others_oomguar : v->others_vmguar;
		if (x->barrier > total)
			say(v, UBC_WARNING, BIT(g[i]),
			    "%s.bar should be <= %" PRIu64 ", RAM + swap (currently, %" PRIu64 ")",
			    name, total, x->barrier);
		else if (add_sat(others, x->barrier) > total)
			say(v, UBC_WARNING, BIT(g[i]),
			    "%s.bar of all compartments should be <= %" PRIu64 ", RAM + swap (currently, %" PRIu64 ")",
			    name, total, add_sat(others, x->barrier));
	}
}

static void validate_vswap(struct ubc_validate *v)
{
	static const unsigned int r[] = { UBC_PHYSPAGES, UBC_SWAPPAGES };
	uint64_t max[] = { v->ram_pages, v->swap_pages };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		const struct ubc_conf_value *x = R(v, r[i]);
		const char *name = ubc_resource_name(r[i]);

		if (!present(v, r[i]))
			continue;
		if (x->barrier)
			say(v, UBC_ERROR, BIT(r[i]),
			    "%s.bar should be = 0 (currently, %" PRIu64 ")",
			    name, x->barrier);
		if (x->limit > max[i])
			say(v, UBC_WARNING, BIT(r[i]),
			    "%s.lim should be <= %" PRIu64 " (currently, %" PRIu64 ")",
			    name, max[i], x->limit);
	}
}

/* check_param(): what validate() needs before any rule. */
static bool required(struct ubc_validate *v)
{
	static const unsigned int need[] = {
		UBC_NUMPROC, UBC_NUMTCPSOCK, UBC_NUMOTHERSOCK,
		UBC_OOMGUARPAGES, UBC_VMGUARPAGES, UBC_KMEMSIZE,
		UBC_TCPSNDBUF, UBC_TCPRCVBUF, UBC_OTHERSOCKBUF,
		UBC_DGRAMRCVBUF, UBC_PRIVVMPAGES, UBC_NUMFILE,
		UBC_DCACHESIZE, UBC_PHYSPAGES, UBC_NUMPTY,
	};
	bool ok = true;
	unsigned int i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		ok &= present(v, need[i]);
	return ok;
}

static void validate_ubc(struct ubc_validate *v)
{
	uint64_t avnumproc, val, val1;
	const struct ubc_conf_value *x;

	if (!required(v))
		return;
	avnumproc = v->avnumproc && v->avnumproc->set ?
		    v->avnumproc->barrier : R(v, UBC_NUMPROC)->barrier / 2;
	if (!(v->avnumproc && v->avnumproc->set) &&
	    R(v, UBC_NUMPROC)->barrier == LMAX)
		avnumproc = LMAX;	/* no average of an unlimited count */
	/* primary */
	check_b(v, UBC_NUMPROC);
	check_b(v, UBC_NUMTCPSOCK);
	check_b(v, UBC_NUMOTHERSOCK);
	check_unl(v, UBC_VMGUARPAGES);
	/* secondary */
	check_bl(v, UBC_KMEMSIZE);
	check_bl(v, UBC_TCPSNDBUF);
	check_bl(v, UBC_TCPRCVBUF);
	check_bl(v, UBC_OTHERSOCKBUF);
	check_bl(v, UBC_DGRAMRCVBUF);
	check_unl(v, UBC_OOMGUARPAGES);
	check_bl(v, UBC_PRIVVMPAGES);
	/* auxiliary */
	check_bl(v, UBC_LOCKEDPAGES);
	check_b(v, UBC_SHMPAGES);
	x = R(v, UBC_PHYSPAGES);
	if (x->barrier)
		say(v, UBC_ERROR, BIT(UBC_PHYSPAGES),
		    "barrier should be = 0 for physpages (currently, %" PRIu64 ")",
		    x->barrier);
	check_unl(v, UBC_PHYSPAGES);
	check_b(v, UBC_NUMFILE);
	check_bl(v, UBC_NUMFLOCK);
	check_b(v, UBC_NUMPTY);
	check_b(v, UBC_NUMSIGINFO);
	check_bl(v, UBC_DCACHESIZE);
	check_b(v, UBC_NUMIPTENT);

	/* formulas */
	x = R(v, UBC_NUMFILE);
	if (x->barrier != LMAX && x->barrier <= LMAX / 384 &&
	    R(v, UBC_DCACHESIZE)->limit < x->barrier * 384)
		say(v, UBC_WARNING, BIT(UBC_NUMFILE) | BIT(UBC_DCACHESIZE),
		    "dcachesize.lim should be > %" PRIu64 " (currently, %" PRIu64 ")",
		    x->barrier * 384, R(v, UBC_DCACHESIZE)->limit);
	if (avnumproc != LMAX && avnumproc <= LMAX / 2 / 40960 &&
	    R(v, UBC_DCACHESIZE)->limit != LMAX) {
		val = add_sat(40960 * avnumproc, R(v, UBC_DCACHESIZE)->limit);
		if (R(v, UBC_KMEMSIZE)->barrier < val)
			say(v, UBC_ERROR, BIT(UBC_KMEMSIZE) | BIT(UBC_NUMPROC) |
			    BIT(UBC_DCACHESIZE),
			    "kmemsize.bar should be > %" PRIu64 " (currently, %" PRIu64 ")",
			    val, R(v, UBC_KMEMSIZE)->barrier);
	}
	if (R(v, UBC_PRIVVMPAGES)->barrier < R(v, UBC_VMGUARPAGES)->barrier)
		say(v, UBC_WARNING, BIT(UBC_PRIVVMPAGES) | BIT(UBC_VMGUARPAGES),
		    "privvmpages.bar should be > %" PRIu64 " (currently, %" PRIu64 ")",
		    R(v, UBC_VMGUARPAGES)->barrier,
		    R(v, UBC_PRIVVMPAGES)->barrier);
	check_gap(v, UBC_ERROR, UBC_TCPSNDBUF, UBC_NUMTCPSOCK);
	check_gap(v, UBC_ERROR, UBC_OTHERSOCKBUF, UBC_NUMOTHERSOCK);
	check_gap(v, UBC_WARNING, UBC_TCPRCVBUF, UBC_NUMTCPSOCK);
	if (R(v, UBC_TCPRCVBUF)->barrier < 65536)
		say(v, UBC_WARNING, BIT(UBC_TCPRCVBUF),
		    "tcprcvbuf.bar should be > 65536 (currently, %" PRIu64 ")",
		    R(v, UBC_TCPRCVBUF)->barrier);
	if (R(v, UBC_TCPSNDBUF)->barrier < 65536)
		say(v, UBC_WARNING, BIT(UBC_TCPSNDBUF),
		    "tcpsndbuf.bar should be > 65536 (currently, %" PRIu64 ")",
		    R(v, UBC_TCPSNDBUF)->barrier);
	check_min(v, UBC_DGRAMRCVBUF, 32768, 132096);
	check_min(v, UBC_OTHERSOCKBUF, 32768, 132096);
	val = avnumproc <= LMAX / 32 ? avnumproc * 32 : LMAX;
	val1 = add_sat(add_sat(R(v, UBC_NUMTCPSOCK)->barrier,
			       R(v, UBC_NUMOTHERSOCK)->barrier),
		       R(v, UBC_NUMPTY)->barrier);
	if (val1 > val)
		val = val1;
	if (val != LMAX && R(v, UBC_NUMFILE)->barrier < val)
		say(v, UBC_WARNING, BIT(UBC_NUMFILE) | BIT(UBC_NUMPROC) |
		    BIT(UBC_NUMTCPSOCK) | BIT(UBC_NUMOTHERSOCK) | BIT(UBC_NUMPTY),
		    "numfile should be > %" PRIu64 " (currently, %" PRIu64 ")",
		    val, R(v, UBC_NUMFILE)->barrier);
}

bool ubc_validate(struct ubc_validate *v)
{
	int vswap = v->vswap;

	v->errors = v->warnings = v->recommendations = 0;
	if (vswap < 0) {	/* is_vswap_config(), INT_MAX hack included */
		const struct ubc_conf_value *p = R(v, UBC_PHYSPAGES);

		vswap = p->set && p->limit != LMAX && p->limit != 0x7fffffff;
	}
	if (vswap)
		validate_vswap(v);
	else
		validate_ubc(v);
	check_guarantees(v);
	return !v->errors && !v->warnings;
}
