// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * OpenVZ container config files, see conf.h. The grammar follows vzctl
 * 4.11: src/lib/util.c parse_line(), src/lib/config.c parse_ul_sfx(),
 * parse_twoul_sfx(), get_mul(), store_ub(), and ubcstr() for the output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* vzctl's names, in the order its store_ub() writes them. */
static const struct {
	const char *key;
	unsigned int res;
} conf_keys[] = {
	{ "KMEMSIZE", UBC_KMEMSIZE },		{ "LOCKEDPAGES", UBC_LOCKEDPAGES },
	{ "PRIVVMPAGES", UBC_PRIVVMPAGES },	{ "SHMPAGES", UBC_SHMPAGES },
	{ "NUMPROC", UBC_NUMPROC },		{ "PHYSPAGES", UBC_PHYSPAGES },
	{ "VMGUARPAGES", UBC_VMGUARPAGES },	{ "OOMGUARPAGES", UBC_OOMGUARPAGES },
	{ "NUMTCPSOCK", UBC_NUMTCPSOCK },	{ "NUMFLOCK", UBC_NUMFLOCK },
	{ "NUMPTY", UBC_NUMPTY },		{ "NUMSIGINFO", UBC_NUMSIGINFO },
	{ "TCPSNDBUF", UBC_TCPSNDBUF },		{ "TCPRCVBUF", UBC_TCPRCVBUF },
	{ "OTHERSOCKBUF", UBC_OTHERSOCKBUF },	{ "DGRAMRCVBUF", UBC_DGRAMRCVBUF },
	{ "NUMOTHERSOCK", UBC_NUMOTHERSOCK },	{ "NUMFILE", UBC_NUMFILE },
	{ "DCACHESIZE", UBC_DCACHESIZE },	{ "NUMIPTENT", UBC_NUMIPTENT },
	{ "SWAPPAGES", UBC_SWAPPAGES },
	/* aliases vzctl reads (its config[] table) and writes back renamed */
	{ "DCACHE", UBC_DCACHESIZE },		{ "IPTENTRIES", UBC_NUMIPTENT },
};
#define NCANON	21	/* conf_keys[] before the aliases */

/*
 * Every other key of vzctl's config[] table (src/lib/config.c): accepted
 * and skipped. AVNUMPROC is read for validation.
 */
static const char *const other_keys[] = {
	"LOCKDIR", "DUMPDIR", "LOGGING", "LOG_LEVEL", "LOGFILE", "VERBOSE",
	"IPTABLES", "NETFILTER", "CAPABILITY", "IP_ADDRESS", "NETDEV",
	"HOSTNAME", "DESCRIPTION", "NAMESERVER", "IPV6", "SEARCHDOMAIN",
	"DEVICES", "DEVNODES", "PCI", "VE_ROOT", "VE_PRIVATE", "TEMPLATE",
	"MOUNT_OPTS", "VE_LAYOUT", "OSTEMPLATE", "DEF_OSTEMPLATE", "CPUUNITS",
	"CPUUWEIGHT", "CPULIMIT", "CPUS", "CPUMASK", "NODEMASK", "ONBOOT",
	"CONFIGFILE", "ORIGIN_SAMPLE", "DISABLED", "LOCAL_UID", "LOCAL_GID",
	"DISK_QUOTA", "DISKSPACE", "DISKINODES", "QUOTATIME", "QUOTAUGIDLIMIT",
	"MEMINFO", "VETH", "NETIF", "VEID", "NAME", "FEATURES", "IOPRIO",
	"IOLIMIT", "IOPSLIMIT", "BOOTORDER", "STOP_TIMEOUT", "VM_OVERCOMMIT",
	"VIRTUOZZO", "VE0CPUUNITS", "VZFASTBOOT", "NEIGHBOUR_DEVS",
	"ERROR_ON_ARPFAIL", "VZWDOG", "IPTABLES_MODULES", "IP6TABLES",
	"CONFIG_CUSTOMIZED", "VE_STOP_MODE", "SKIP_SYSCTL_SETUP",
	"SKIP_ARPDETECT", "VE_PARALLEL",
};

#define CONF_LONG_MAX	0x7fffffffffffffffULL	/* vzctl's LONG_MAX */

const char *ubc_conf_key(unsigned int r)
{
	unsigned int i;

	for (i = 0; i < NCANON; i++)
		if (conf_keys[i].res == r)
			return conf_keys[i].key;
	return NULL;
}

static int lookup_res(const char *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (!strcmp(conf_keys[i].key, key))
			return conf_keys[i].res;
	return -1;
}

static bool other_key(const char *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(other_keys) / sizeof(other_keys[0]); i++)
		if (!strcmp(other_keys[i], key))
			return true;
	return false;
}

/*
 * vzctl's parse_line() on the NUL-terminated @line, in place: NULL for a
 * blank or comment line; else the value, @key pointing at the key, or
 * NULL with *why set when the line is malformed.
 */
static char *split_line(char *line, char **key, const char **why)
{
	char *p1 = line, *p2 = line, *sp, *ep, *eq, *q;
	bool esc = false;

	*why = NULL;
	for (; *p2; p2++) {		/* unescapestr() */
		if (*p2 == '\\' && !esc) {
			esc = true;
			continue;
		}
		*p1++ = *p2;
		esc = false;
	}
	*p1 = '\0';
	for (sp = line; *sp == ' ' || (*sp >= '\t' && *sp <= '\r'); sp++)
		;
	if (!*sp || *sp == '#')
		return NULL;
	ep = sp + strlen(sp);
	while (ep > sp && (ep[-1] == ' ' || (ep[-1] >= '\t' && ep[-1] <= '\r')))
		*--ep = '\0';
	eq = strchr(sp, '=');
	if (!eq) {
		*why = "'=' not found";
		return NULL;
	}
	*eq++ = '\0';
	*key = sp;
	if (*eq != '"')
		return eq;
	q = strrchr(++eq, '"');
	if (!q) {
		*why = "unmatched quotes";
		return NULL;
	}
	*q = '\0';
	return eq;
}

static uint64_t suffix_mult(char c, unsigned long page_size)
{
	switch (c) {
	case 'T': case 't': return 1ULL << 40;
	case 'G': case 'g': return 1ULL << 30;
	case 'M': case 'm': return 1ULL << 20;
	case 'K': case 'k': return 1ULL << 10;
	case 'P': case 'p': return page_size;
	case 'B': case 'b': return 1;
	}
	return 0;
}

/*
 * One number of a value, parse_ul_sfx() style, ending at ':' or the end
 * (*end). 0, -EINVAL (why in *why) or -ERANGE.
 */
static int parse_number(const char *s, const char **end, unsigned int unit,
			unsigned long page_size, uint64_t *v, const char **why)
{
	const char *p = s, *frac = NULL;
	unsigned __int128 n = 0;
	uint64_t mult = 1, div = 1;

	if (!strncmp(s, "unlimited", 9)) {
		*v = CONF_LONG_MAX;
		*end = s + 9;
		return 0;
	}
	if (*p < '0' || *p > '9') {
		*why = "expected a number or \"unlimited\"";
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > UINT64_MAX)
			return -ERANGE;
	}
	if (*p == '.') {
		frac = p;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p && *p != ':') {
		if (unit == UBC_UNIT_ITEMS) {
			*why = "a count takes no suffix";
			return -EINVAL;
		}
		mult = suffix_mult(*p, page_size);
		if (!mult) {
			*why = "unknown suffix (K, M, G, T, P or B)";
			return -EINVAL;
		}
		if (unit == UBC_UNIT_PAGES)
			div = page_size;
		p++;
	} else if (frac) {
		*why = "a fraction needs a suffix (\"2.5M\")";
		return -EINVAL;
	}
	if (*p && *p != ':') {
		*why = "junk after the number";
		return -EINVAL;
	}
	if (frac) {
		long double d = strtold(s, NULL) * mult / div;

		if (d > (long double)CONF_LONG_MAX)
			return -ERANGE;
		n = (uint64_t)d;
	} else {
		n = n * mult / div;
	}
	if (n > CONF_LONG_MAX)
		return -ERANGE;
	*v = (uint64_t)n;
	*end = p;
	return 0;
}

/* "B[:L]" of resource @r into @v; 0 or -EINVAL/-ERANGE with *why. */
static int parse_pair(const char *s, unsigned int r, unsigned long page_size,
		      struct ubc_conf_value *v, const char **why)
{
	unsigned int unit = ubc_resource_unit(r);
	const char *end;
	int ret;

	ret = parse_number(s, &end, unit, page_size, &v->barrier, why);
	if (ret)
		return ret;
	v->limit = v->barrier;
	if (*end == ':') {
		ret = parse_number(end + 1, &end, unit, page_size, &v->limit,
				   why);
		if (ret)
			return ret;
		if (*end) {
			*why = "more than barrier:limit";
			return -EINVAL;
		}
	}
	if (v->barrier > v->limit) {
		*why = "barrier is above limit";
		return -EINVAL;
	}
	return 0;
}

static int add_ignored(struct ubc_conf *c, const char *key, unsigned int line)
{
	struct ubc_conf_key *k;

	if (!(c->nignored % 16)) {
		k = realloc(c->ignored, (c->nignored + 16) * sizeof(*k));
		if (!k)
			return -ENOMEM;
		c->ignored = k;
	}
	k = &c->ignored[c->nignored++];
	snprintf(k->name, sizeof(k->name), "%s", key);
	k->line = line;
	return 0;
}

/* One line, NUL-terminated in place. */
static int parse_one(struct ubc_conf *c, char *text, unsigned int line,
		     unsigned long page_size, const char **key,
		     const char **why)
{
	struct ubc_conf_value v = { .set = true, .line = line };
	char *k, *val;
	int r, ret;

	*key = NULL;
	val = split_line(text, &k, why);
	if (!val)
		return *why ? -EINVAL : 0;
	*key = k;
	r = lookup_res(k);
	if (r < 0 && !strcmp(k, "AVNUMPROC")) {
		ret = parse_pair(val, UBC_NUMPROC, page_size, &v, why);
		if (!ret)
			c->avnumproc = v;
		return ret;
	}
	if (r < 0) {
		if (other_key(k))
			return add_ignored(c, k, line);
		*why = "unknown parameter (not a vzctl config key)";
		return -EINVAL;
	}
	if (c->res[r].set) {
		*why = "resource given twice";
		return -EINVAL;
	}
	ret = parse_pair(val, r, page_size, &v, why);
	if (!ret)
		c->res[r] = v;
	return ret;
}

int ubc_conf_parse(struct ubc_conf *c, const char *path, const char *text,
		   size_t len, unsigned long page_size, char *err,
		   size_t errlen)
{
	unsigned int line = 0;
	const char *why, *key;
	size_t off = 0;
	char *buf;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file (NUL byte)", path);
		return -EINVAL;
	}
	while (off < len && !ret) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = (nl ? (size_t)(nl - text) : len) - off;

		line++;
		buf = malloc(n + 1);
		if (!buf)
			return -ENOMEM;
		memcpy(buf, text + off, n);
		buf[n] = '\0';
		ret = parse_one(c, buf, line, page_size, &key, &why);
		if (ret == -ERANGE)
			why = "value above 9223372036854775807 (LONG_MAX, \"unlimited\")";
		if (ret && ret != -ENOMEM)
			snprintf(err, errlen, "%s:%u: %s%s%s", path, line,
				 key ? key : "", key ? ": " : "", why);
		free(buf);
		off += n + 1;
	}
	if (ret) {
		ubc_conf_free(c);
		memset(c, 0, sizeof(*c));
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	return 0;
}

void ubc_conf_free(struct ubc_conf *c)
{
	free(c->ignored);
	c->ignored = NULL;
	c->nignored = 0;
}

static char *fmt_num(char *p, char *e, uint64_t v)
{
	if (v == CONF_LONG_MAX)
		return p + snprintf(p, e - p, "unlimited");
	return p + snprintf(p, e - p, "%" PRIu64, v);
}

const char *ubc_conf_fmt_pair(char *buf, size_t len, uint64_t barrier,
			      uint64_t limit)
{
	char *p = buf, *e = buf + len;

	p = fmt_num(p, e, barrier);
	if (barrier != limit && p < e - 1) {
		*p++ = ':';
		fmt_num(p, e, limit);
	}
	return buf;
}

struct out {
	char *s;
	size_t len, cap;
	bool nomem;
};

static void put(struct out *o, const char *s, size_t n)
{
	char *p;

	if (o->nomem)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;

		p = realloc(o->s, cap);
		if (!p) {
			o->nomem = true;
			return;
		}
		o->s = p;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void put_res(struct out *o, unsigned int r,
		    const struct ubc_conf_value *v)
{
	char line[128], pair[64];
	int n;

	n = snprintf(line, sizeof(line), "%s=\"%s\"\n", ubc_conf_key(r),
		     ubc_conf_fmt_pair(pair, sizeof(pair), v->barrier,
				       v->limit));
	put(o, line, n);
}

char *ubc_conf_format(const char *old, size_t oldlen,
		      const struct ubc_conf_value vals[UBC_RESOURCES])
{
	bool done[UBC_RESOURCES] = { false };
	struct out o = { 0 };
	size_t off = 0;
	unsigned int i;

	put(&o, "", 0);
	if (!old) {
		static const char head[] =
			"# UBC parameters (in form of barrier:limit)\n";

		put(&o, head, sizeof(head) - 1);
	}
	while (old && off < oldlen) {
		const char *nl = memchr(old + off, '\n', oldlen - off);
		size_t n = (nl ? (size_t)(nl - old) + 1 : oldlen) - off;
		const char *why;
		char *buf = malloc(n + 1), *key, *val;
		int r = -1;

		if (!buf) {
			free(o.s);
			return NULL;
		}
		memcpy(buf, old + off, n);
		buf[n] = '\0';
		val = split_line(buf, &key, &why);
		if (val)
			r = lookup_res(key);
		free(buf);
		if (r >= 0 && vals[r].set) {
			if (!done[r])
				put_res(&o, r, &vals[r]);
			done[r] = true;
		} else {
			put(&o, old + off, n);
			if (!nl)
				put(&o, "\n", 1);
		}
		off += n;
	}
	for (i = 0; i < NCANON; i++) {
		unsigned int r = conf_keys[i].res;

		if (vals[r].set && !done[r])
			put_res(&o, r, &vals[r]);
	}
	if (o.nomem) {
		free(o.s);
		return NULL;
	}
	return o.s;
}
