// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Host unit tests of the pure parts of ubc (parse.c, print.c), of reply
 * parsing (reply.c; ubc_nl_run() of ../lib/genl.c, which the selftests
 * share) on messages built here, and of the command line of the built
 * tool where it needs no kernel module: usage errors, help, version. TAP on stdout; exit status 1 if any test failed.
 *
 * Usage: ubc-test [PATH-TO-UBC]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "conf.h"
#include "delta.h"
#include "events.h"
#include "genl.h"
#include "parse.h"
#include "print.h"
#include "reply.h"
#include "validate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE 4096UL
#define UNL UBC_UNLIMITED

struct tap {
	unsigned int n;
	unsigned int failed;
};

static bool ok(struct tap *t, bool cond, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool ok(struct tap *t, bool cond, const char *fmt, ...)
{
	va_list ap;

	t->n++;
	t->failed += !cond;
	printf("%sok %u - ", cond ? "" : "not ", t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

static void test_values(struct tap *t)
{
	static const struct {
		const char *s;
		unsigned int unit;
		int ret;
		uint64_t v;
	} cases[] = {
		{ "0", UBC_UNIT_ITEMS, 0, 0 },
		{ "100", UBC_UNIT_ITEMS, 0, 100 },
		{ "007", UBC_UNIT_ITEMS, 0, 7 },
		{ "1K", UBC_UNIT_ITEMS, 0, 1024 },
		{ "1k", UBC_UNIT_BYTES, 0, 1024 },
		{ "3M", UBC_UNIT_BYTES, 0, 3ULL << 20 },
		{ "2G", UBC_UNIT_BYTES, 0, 2ULL << 30 },
		{ "2P", UBC_UNIT_BYTES, 0, 2 * PAGE },
		{ "2p", UBC_UNIT_PAGES, 0, 2 },
		{ "100", UBC_UNIT_PAGES, 0, 100 },
		{ "1M", UBC_UNIT_PAGES, 0, 256 },
		{ "1K", UBC_UNIT_PAGES, 0, 1 },
		{ "5K", UBC_UNIT_PAGES, 0, 2 },
		{ "4G", UBC_UNIT_PAGES, 0, 1ULL << 20 },
		{ "unlimited", UBC_UNIT_ITEMS, 0, UNL },
		{ "Unlimited", UBC_UNIT_PAGES, 0, UNL },
		{ "9223372036854775807", UBC_UNIT_BYTES, 0, UNL },
		{ "9223372036854775808", UBC_UNIT_BYTES, -ERANGE, 0 },
		{ "18446744073709551616", UBC_UNIT_ITEMS, -ERANGE, 0 },
		{ "99999999999999999999999", UBC_UNIT_ITEMS, -ERANGE, 0 },
		{ "8589934592G", UBC_UNIT_BYTES, -ERANGE, 0 },
		{ "8589934591G", UBC_UNIT_BYTES, 0, 8589934591ULL << 30 },
		{ "17179869184G", UBC_UNIT_PAGES, -ERANGE, 0 },
		{ "2251799813685248P", UBC_UNIT_BYTES, -ERANGE, 0 },
		{ "1P", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "-1", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "+1", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ " 1", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "1 ", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "12Q", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "1KK", UBC_UNIT_BYTES, -EINVAL, 0 },
		{ "1KB", UBC_UNIT_BYTES, -EINVAL, 0 },
		{ "0x10", UBC_UNIT_ITEMS, -EINVAL, 0 },
		{ "1.5M", UBC_UNIT_BYTES, -EINVAL, 0 },
		{ "K", UBC_UNIT_BYTES, -EINVAL, 0 },
		{ "unlimitedX", UBC_UNIT_BYTES, -EINVAL, 0 },
		{ "99999999999999999999Q", UBC_UNIT_ITEMS, -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0;
		int ret = ubc_parse_value(cases[i].s, cases[i].unit, PAGE, &v);

		ok(t, ret == cases[i].ret && (ret || v == cases[i].v),
		   "value \"%s\" in %s -> %d %llu", cases[i].s,
		   ubc_unit_name(cases[i].unit), cases[i].ret,
		   (unsigned long long)cases[i].v);
	}
	{
		uint64_t v = 0;

		ok(t, !ubc_parse_value("2P", UBC_UNIT_BYTES, 65536, &v) &&
		   v == 131072, "P follows the page size");
	}
}

static void test_ids(struct tap *t)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t v;
	} ids[] = {
		{ "101", 0, 101 }, { "1", 0, 1 },
		{ "4294967295", 0, 4294967295U }, { "4294967296", -ERANGE, 0 },
		{ "0", -ERANGE, 0 }, { "", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
		{ "1a", -EINVAL, 0 },
	};
	size_t i;
	uint32_t v;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		v = 0;
		ok(t, ubc_parse_id(ids[i].s, &v) == ids[i].ret &&
		   (ids[i].ret || v == ids[i].v), "id \"%s\"", ids[i].s);
	}
	ok(t, !ubc_parse_pid("2147483647", &v) && v == 2147483647,
	   "pid 2147483647");
	ok(t, ubc_parse_pid("0", &v) && ubc_parse_pid("2147483648", &v),
	   "pid 0 and 2147483648 rejected");
}

static void test_resources(struct tap *t)
{
	static const struct {
		const char *s;
		int ret;
	} cases[] = {
		{ "kmemsize", UBC_KMEMSIZE }, { "numproc", UBC_NUMPROC },
		{ "NumProc", UBC_NUMPROC }, { "SWAPPAGES", UBC_SWAPPAGES },
		{ "5", UBC_NUMPROC }, { "0", UBC_KMEMSIZE },
		{ "24", UBC_SWAPPAGES }, { "4", -EINVAL }, { "21", -EINVAL },
		{ "25", -ENOENT }, { "dummy", -ENOENT }, { "", -ENOENT },
		{ "numproc ", -ENOENT }, { "-5", -ENOENT },
		{ "99999999999999999999", -ENOENT },
	};
	unsigned int r, named = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ok(t, ubc_parse_resource(cases[i].s) == cases[i].ret,
		   "resource \"%s\" -> %d", cases[i].s, cases[i].ret);
	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_resource_valid(r))
			named += ubc_parse_resource(ubc_resource_name(r)) == (int)r;
	ok(t, named == 21, "all 21 resource names round-trip");
}

static void test_format(struct tap *t)
{
	static const struct {
		double bytes;
		const char *s;
	} human[] = {
		{ 0, "0" }, { 1023, "1023" }, { 1024, "1.0K" },
		{ 12.3 * 1024 * 1024, "12.3M" }, { 1048575, "1.0M" },
		{ 1536ULL << 30, "1.5T" }, { (double)UNL, "8388608.0T" },
	};
	static const struct {
		uint64_t v;
		unsigned int unit;
		bool raw;
		const char *s;
	} values[] = {
		{ UNL, UBC_UNIT_BYTES, false, "unlimited" },
		{ UNL, UBC_UNIT_ITEMS, false, "unlimited" },
		{ UNL, UBC_UNIT_PAGES, true, "9223372036854775807" },
		{ 2048, UBC_UNIT_BYTES, false, "2.0K" },
		{ 256, UBC_UNIT_PAGES, false, "1.0M" },
		{ 5000, UBC_UNIT_ITEMS, false, "5000" },
		{ 2048, UBC_UNIT_BYTES, true, "2048" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(human); i++)
		ok(t, !strcmp(ubc_fmt_human(buf, sizeof(buf), human[i].bytes),
			      human[i].s), "human %s", human[i].s);
	for (i = 0; i < ARRAY_SIZE(values); i++)
		ok(t, !strcmp(ubc_fmt_value(buf, sizeof(buf), values[i].v,
					    values[i].unit, PAGE, values[i].raw),
			      values[i].s), "value %s", values[i].s);
	ok(t, !strcmp(ubc_fmt_percent(buf, sizeof(buf), 1, 8), "12.5%") &&
	   !strcmp(ubc_fmt_percent(buf, sizeof(buf), 1, 0), "-") &&
	   !strcmp(ubc_fmt_percent(buf, sizeof(buf), 1, UNL), "-"),
	   "percent");
}

/* Split @line at spaces into at most 16 words of @buf. */
static int split(char *buf, size_t len, const char *line, char *argv[16])
{
	int argc = 0;
	char *tok;

	snprintf(buf, len, "%s", line);
	for (tok = strtok(buf, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	return argc;
}

static void test_settings(struct tap *t)
{
	static const struct {
		const char *args;
		const char *err;	/* NULL: parses */
	} cases[] = {
		{ "", NULL },
		{ "numproc 100", NULL },
		{ "numproc 100:200 kmemsize 1M:unlimited 2 10P", NULL },
		{ "numproc 12Q", "\"12Q\": invalid value for numproc (expected a number with optional K, M or G suffix, or \"unlimited\")" },
		{ "kmemsize 1M:x", "\"x\": invalid value for kmemsize (expected a number with optional K, M, G or P suffix, or \"unlimited\")" },
		{ "numproc 200:100", "numproc: barrier 200 is above limit 100" },
		{ "numproc unlimited:100", "numproc: barrier 9223372036854775807 is above limit 100" },
		{ "numproc :5", "\"\": invalid value for numproc (expected a number with optional K, M or G suffix, or \"unlimited\")" },
		{ "numproc 5:", "\"\": invalid value for numproc (expected a number with optional K, M or G suffix, or \"unlimited\")" },
		{ "numproc 1:2:3", "\"2:3\": invalid value for numproc (expected a number with optional K, M or G suffix, or \"unlimited\")" },
		{ "numproc 9223372036854775808", "\"9223372036854775808\": value for numproc is too large (at most 9223372036854775807, or \"unlimited\")" },
		{ "numproc", "numproc: missing BARRIER[:LIMIT]" },
		{ "numproc 1 NUMPROC 2", "numproc: given more than once" },
		{ "numproc 1 5 2", "numproc: given more than once" },
		{ "foo 1", "\"foo\": unknown resource (\"ubc help\" lists them)" },
		{ "4 1", "\"4\": resource slot 4 is unused" },
		{ "numproc 123456789012345678901234567890123", "\"123456789012345678901234567890123\": invalid value for numproc (expected a number with optional K, M or G suffix, or \"unlimited\")" },
	};
	struct ubc_setting set[UBC_RESOURCES];
	char buf[256], err[256], *argv[16];
	unsigned int n;
	size_t i;
	int argc, ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		argc = split(buf, sizeof(buf), cases[i].args, argv);
		err[0] = '\0';
		ret = ubc_parse_settings(argc, argv, PAGE, set, &n, err,
					 sizeof(err));
		if (!ok(t, cases[i].err ? ret == -EINVAL &&
			!strcmp(err, cases[i].err) : !ret,
			"settings \"%s\"", cases[i].args))
			printf("# got %d \"%s\"\n", ret, err);
	}
	argc = split(buf, sizeof(buf), "numproc 100 kmemsize 1M:unlimited privvmpages 1M:512P", argv);
	err[0] = '\0';
	if (!ok(t, !ubc_parse_settings(argc, argv, PAGE, set, &n, err, sizeof(err)) &&
	   n == 3 &&
	   set[0].res == UBC_NUMPROC && set[0].barrier == 100 && set[0].limit == 100 &&
	   set[1].res == UBC_KMEMSIZE && set[1].barrier == 1 << 20 && set[1].limit == UNL &&
	   set[2].res == UBC_PRIVVMPAGES && set[2].barrier == 256 && set[2].limit == 512,
	   "settings values"))
		printf("# %s\n", err);
}

/* Two compartments, the second dying, a failcnt and a quoted name. */
static size_t sample(struct ubc_info c[2])
{
	static const struct ubc_res_info numproc = {
		.id = UBC_NUMPROC, .unit = UBC_UNIT_ITEMS, .name = "numproc",
		.held = 3, .maxheld = 9, .minheld = 1, .barrier = 8,
		.limit = 10, .failcnt = 2,
	};
	static const struct ubc_res_info kmem = {
		.id = UBC_KMEMSIZE, .unit = UBC_UNIT_BYTES, .name = "kmemsize",
		.held = 12 << 20, .maxheld = 13 << 20, .barrier = UNL,
		.limit = UNL,
	};
	static const struct ubc_res_info odd = {
		.id = 99, .unit = UBC_UNIT_PAGES, .name = "we\"ird\\\n",
		.held = 256, .maxheld = 256, .barrier = 512, .limit = 1024,
	};

	memset(c, 0, 2 * sizeof(*c));
	c[0].id = 101;
	c[0].has_bursts = true;	/* c[1]: a module without UBC_A_BURSTS */
	c[0].bursts = 3;
	c[0].nres = 2;
	c[0].res[0] = kmem;
	c[0].res[1] = numproc;
	c[1].id = 4294967295U;
	c[1].flags = UBC_F_DYING;
	c[1].nres = 1;
	c[1].res[0] = odd;
	return 2;
}

enum render { RENDER_LIST, RENDER_SHOW, RENDER_TOP };
static const struct ubc_fails *render_base;
static bool render_deltas, render_changed;

static bool render_pretty;	/* -p: pretty JSON */

static char *render(enum render what, bool json, bool raw, bool color,
		    size_t n)
{
	struct ubc_info c[2];
	struct printer p;
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	pr_init(&p, f, json);
	p.pretty = render_pretty;
	p.raw = raw;
	p.color = color;
	if (n)
		n = sample(c);
	p.base = render_base;
	p.deltas = render_deltas;
	p.changed_only = render_changed;
	if (what == RENDER_LIST)
		ubc_print_list(&p, c, n);
	else if (what == RENDER_TOP)
		ubc_print_top(&p, c, n);
	else
		ubc_print_show(&p, c, n);
	fclose(f);
	return out;
}

/* 1 if python3 -m json.tool accepts @s, 0 if not, -1 without python3. */
static int json_valid(const char *s)
{
	FILE *f;
	int st;

	if (system("python3 -c '' 2>/dev/null"))
		return -1;
	f = popen("python3 -m json.tool >/dev/null 2>&1", "w");
	if (!f)
		return -1;
	fputs(s, f);
	st = pclose(f);
	return WIFEXITED(st) && !WEXITSTATUS(st);
}

static void check_text(struct tap *t, const char *name, char *got,
		       const char *want)
{
	if (!ok(t, !strcmp(got, want), "%s", name))
		printf("# got:\n%s# want:\n%s", got, want);
	free(got);
}

static void check_json(struct tap *t, const char *name, char *got)
{
	int valid = json_valid(got);

	if (valid < 0)
		ok(t, true, "%s # SKIP python3 not found", name);
	else if (!ok(t, valid, "%s", name))
		printf("# %s", got);
	free(got);
}

static void test_print(struct tap *t)
{
	check_text(t, "list text", render(RENDER_LIST, false, false, false, 2),
		   "101\n4294967295 dying\n");
	check_text(t, "list json", render(RENDER_LIST, true, false, false, 2),
		   "[{\"id\":101,\"flags\":[]},{\"id\":4294967295,\"flags\":[\"dying\"]}]\n");
	check_text(t, "list json empty", render(RENDER_LIST, true, false, false, 0),
		   "[]\n");
	check_text(t, "list text empty", render(RENDER_LIST, false, false, false, 0),
		   "");
	check_text(t, "show json", render(RENDER_SHOW, true, false, false, 2),
		   "[{\"id\":101,\"flags\":[],\"resources\":["
		   "{\"name\":\"kmemsize\",\"id\":0,\"unit\":\"bytes\",\"held\":12582912,\"maxheld\":13631488,\"minheld\":0,\"barrier\":9223372036854775807,\"limit\":9223372036854775807,\"failcnt\":0},"
		   "{\"name\":\"numproc\",\"id\":5,\"unit\":\"items\",\"held\":3,\"maxheld\":9,\"minheld\":1,\"barrier\":8,\"limit\":10,\"failcnt\":2}],\"bursts\":3},"
		   "{\"id\":4294967295,\"flags\":[\"dying\"],\"resources\":["
		   "{\"name\":\"we\\\"ird\\\\\\u000a\",\"id\":99,\"unit\":\"pages\",\"held\":256,\"maxheld\":256,\"minheld\":0,\"barrier\":512,\"limit\":1024,\"failcnt\":0}]}]\n");
	check_json(t, "show json is valid JSON",
		   render(RENDER_SHOW, true, false, false, 2));
	check_json(t, "list json is valid JSON",
		   render(RENDER_LIST, true, false, false, 2));
	check_json(t, "empty show json is valid JSON",
		   render(RENDER_SHOW, true, true, true, 0));
	/* -p: python3 -m json.tool's layout (two spaces, ": "), same members */
	render_pretty = true;
	check_text(t, "list pretty json", render(RENDER_LIST, true, false, false, 2),
		   "[\n"
		   "  {\n"
		   "    \"id\": 101,\n"
		   "    \"flags\": []\n"
		   "  },\n"
		   "  {\n"
		   "    \"id\": 4294967295,\n"
		   "    \"flags\": [\n"
		   "      \"dying\"\n"
		   "    ]\n"
		   "  }\n"
		   "]\n");
	check_text(t, "list pretty json empty", render(RENDER_LIST, true, false, false, 0),
		   "[]\n");
	check_json(t, "show pretty json is valid JSON",
		   render(RENDER_SHOW, true, false, false, 2));
	render_pretty = false;
	check_text(t, "show text", render(RENDER_SHOW, false, false, false, 2),
		   "compartment 101 bursts 3\n"
		   "resource            held    maxheld    barrier      limit  failcnt    bar%    lim%\n"
		   "kmemsize           12.0M      13.0M  unlimited  unlimited        0       -       -\n"
		   "numproc                3          9          8         10        2   37.5%   30.0% *\n"
		   "\n"
		   "compartment 4294967295 dying\n"
		   "resource            held    maxheld    barrier      limit  failcnt    bar%    lim%\n"
		   "we\"ird\\\n"
		   "            1.0M       1.0M       2.0M       4.0M        0   50.0%   25.0%\n");
	check_text(t, "show text color", render(RENDER_SHOW, false, false, true, 1),
		   "compartment 101 bursts 3\n"
		   "resource            held    maxheld    barrier      limit  failcnt    bar%    lim%\n"
		   "kmemsize           12.0M      13.0M  unlimited  unlimited        0       -       -\n"
		   "numproc                3          9          8         10 \033[1;31m       2\033[0m   37.5%   30.0%\n"
		   "\n"
		   "compartment 4294967295 dying\n"
		   "resource            held    maxheld    barrier      limit  failcnt    bar%    lim%\n"
		   "we\"ird\\\n"
		   "            1.0M       1.0M       2.0M       4.0M        0   50.0%   25.0%\n");
	check_text(t, "show text raw", render(RENDER_SHOW, false, true, true, 1),
		   "compartment 101 bursts 3\n"
		   "resource                      held              maxheld              barrier                limit  failcnt\n"
		   "kmemsize                  12582912             13631488  9223372036854775807  9223372036854775807        0\n"
		   "numproc                          3                    9                    8                   10        2\n"
		   "\n"
		   "compartment 4294967295 dying\n"
		   "resource                      held              maxheld              barrier                limit  failcnt\n"
		   "we\"ird\\\n"
		   "                       256                  256                  512                 1024        0\n");
}

/* A guarantee of 0 or unlimited is "none" in text, the number elsewhere. */
static char *render_guarantees(bool json, bool raw)
{
	static const struct ubc_res_info res[3] = {
		{ .id = UBC_VMGUARPAGES, .unit = UBC_UNIT_PAGES,
		  .name = "vmguarpages", .barrier = 0, .limit = UNL },
		{ .id = UBC_OOMGUARPAGES, .unit = UBC_UNIT_PAGES,
		  .name = "oomguarpages", .held = 256, .barrier = UNL, .limit = UNL },
		{ .id = UBC_PHYSPAGES, .unit = UBC_UNIT_PAGES,
		  .name = "physpages", .held = 256, .barrier = 0, .limit = UNL },
	};
	static struct ubc_info c;
	struct printer p;
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	memset(&c, 0, sizeof(c));
	c.id = 7;
	c.nres = 3;
	memcpy(c.res, res, sizeof(res));
	pr_init(&p, f, json);
	p.raw = raw;
	p.page_size = 4096;
	ubc_print_show(&p, &c, 1);
	fclose(f);
	return out;
}

static void test_print_guarantees(struct tap *t)
{
	check_text(t, "show text: no guarantee is none",
		   render_guarantees(false, false),
		   "compartment 7\n"
		   "resource            held    maxheld    barrier      limit  failcnt    bar%    lim%\n"
		   "vmguarpages            0          0       none  unlimited        0       -       -\n"
		   "oomguarpages        1.0M          0       none  unlimited        0       -       -\n"
		   "physpages           1.0M          0          0  unlimited        0       -       -\n");
	check_text(t, "show raw: guarantees as numbers",
		   render_guarantees(false, true),
		   "compartment 7\n"
		   "resource                      held              maxheld              barrier                limit  failcnt\n"
		   "vmguarpages                      0                    0                    0  9223372036854775807        0\n"
		   "oomguarpages                   256                    0  9223372036854775807  9223372036854775807        0\n"
		   "physpages                      256                    0                    0  9223372036854775807        0\n");
}

#define SEQ 7

/* Append a message of @type to the @len bytes in @buf. */
static struct nlmsghdr *put_msg(char *buf, size_t *len, uint16_t type,
				uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = SEQ;
	return nlh;
}

static void end_msg(size_t *len, const struct nlmsghdr *nlh)
{
	*len += MNL_ALIGN(nlh->nlmsg_len);
}

/* A UBC_CMD_GET reply for compartment @id, as the kernel sends it. */
static void put_reply(char *buf, size_t *len, uint32_t id, uint16_t flags,
		      bool malformed)
{
	struct nlmsghdr *nlh = put_msg(buf, len, 0x1a, NLM_F_MULTI | flags);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	struct nlattr *all, *one;

	genl->cmd = UBC_CMD_GET;
	genl->version = UBC_GENL_VERSION;
	mnl_attr_put_u32(nlh, UBC_A_ID, id);
	mnl_attr_put_u32(nlh, UBC_A_FLAGS, UBC_F_DYING);
	if (id == 101)	/* 102: as from a module without UBC_A_BURSTS */
		mnl_attr_put_u64(nlh, UBC_A_BURSTS, 5);
	mnl_attr_put_u32(nlh, 99, 1);	/* unknown: ignored */
	all = mnl_attr_nest_start(nlh, UBC_A_RESOURCES);
	one = mnl_attr_nest_start(nlh, UBC_A_RESOURCE);
	mnl_attr_put_u32(nlh, UBC_RES_A_ID, UBC_NUMPROC);
	mnl_attr_put_strz(nlh, UBC_RES_A_NAME, "numproc");
	mnl_attr_put_u8(nlh, UBC_RES_A_UNIT, UBC_UNIT_ITEMS);
	mnl_attr_put_u64(nlh, UBC_RES_A_HELD, 3);
	mnl_attr_put_u64(nlh, UBC_RES_A_MAXHELD, 9);
	mnl_attr_put_u64(nlh, UBC_RES_A_MINHELD, 1);
	mnl_attr_put_u64(nlh, UBC_RES_A_BARRIER, 8);
	mnl_attr_put_u64(nlh, UBC_RES_A_LIMIT, UNL);
	if (malformed)
		mnl_attr_put_u32(nlh, UBC_RES_A_FAILCNT, 2);
	else
		mnl_attr_put_u64(nlh, UBC_RES_A_FAILCNT, 2);
	mnl_attr_put_u32(nlh, 42, 1);	/* unknown: ignored */
	mnl_attr_nest_end(nlh, one);
	one = mnl_attr_nest_start(nlh, UBC_A_RESOURCE);
	mnl_attr_put_u32(nlh, UBC_RES_A_ID, UBC_SWAPPAGES);
	mnl_attr_nest_end(nlh, one);
	mnl_attr_nest_end(nlh, all);
	end_msg(len, nlh);
}

static void put_done(char *buf, size_t *len, int error, const char *msg)
{
	struct nlmsghdr *nlh = put_msg(buf, len, NLMSG_DONE, NLM_F_MULTI);
	int *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));

	*err = error;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	end_msg(len, nlh);
}

/* An ack or error; @capped: without the request's payload, else with 12. */
static void put_error(char *buf, size_t *len, int error, const char *msg,
		      bool capped)
{
	struct nlmsghdr *nlh = put_msg(buf, len, NLMSG_ERROR, 0);
	struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));

	err->error = error;
	err->msg.nlmsg_len = sizeof(err->msg) + (capped ? 0 : 12);
	err->msg.nlmsg_seq = SEQ;
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	else
		memset(mnl_nlmsg_put_extra_header(nlh, 12), 0xff, 12);
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	end_msg(len, nlh);
}

static int run_buf(struct ubc_nl *nl, char *buf, size_t len, struct info_list *l)
{
	memset(nl, 0, sizeof(*nl));
	l->n = 0;
	errno = 0;
	return ubc_nl_run(nl, buf, len, SEQ, info_cb, l);
}

static void test_replies(struct tap *t)
{
	static char buf[16384] __attribute__((aligned(8)));
	struct info_list l = { 0 };
	const struct ubc_res_info *r;
	struct ubc_nl nl;
	size_t len = 0;
	int ret;

	put_reply(buf, &len, 101, 0, false);
	put_reply(buf, &len, 102, 0, false);
	put_done(buf, &len, 0, NULL);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_STOP && l.n == 2 && !nl.dump_intr, "dump of two replies");
	r = &l.v[0].res[0];
	ok(t, l.v[0].id == 101 && l.v[0].flags == UBC_F_DYING &&
	   l.v[0].nres == 2 && l.v[1].id == 102, "reply: id, flags, resources");
	ok(t, l.v[0].has_bursts && l.v[0].bursts == 5 && !l.v[1].has_bursts &&
	   !l.v[1].bursts, "reply: bursts, when the module sends it");
	ok(t, r->id == UBC_NUMPROC && !strcmp(r->name, "numproc") &&
	   r->unit == UBC_UNIT_ITEMS && r->held == 3 && r->maxheld == 9 &&
	   r->minheld == 1 && r->barrier == 8 && r->limit == UNL &&
	   r->failcnt == 2, "reply: resource values");
	r = &l.v[0].res[1];
	ok(t, r->id == UBC_SWAPPAGES && !strcmp(r->name, "swappages") &&
	   r->unit == UBC_UNIT_PAGES, "reply: name and unit fall back to resources.h");

	len = 0;
	put_reply(buf, &len, 101, 0, false);
	put_reply(buf, &len, 102, NLM_F_DUMP_INTR, false);
	put_done(buf, &len, 0, NULL);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_STOP && l.n == 2 && nl.dump_intr,
	   "NLM_F_DUMP_INTR is noted and the dump read to its end");

	len = 0;
	put_reply(buf, &len, 101, 0, true);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_OK && nl.proto_err, "malformed reply: noted, read on");
	len = 0;
	put_reply(buf, &len, 101, 0, true);
	put_reply(buf, &len, 102, 0, false);
	put_done(buf, &len, 0, NULL);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_ERROR && errno == EPROTO && nl.err == -EPROTO &&
	   nl.proto_err && nl.nmsgs == 2 && l.n == 1,
	   "malformed reply: the dump read to its end, then EPROTO");

	len = 0;
	put_reply(buf, &len, 101, 0, false);
	((struct nlmsghdr *)buf)->nlmsg_seq = SEQ - 1;
	put_reply(buf, &len, 102, 0, false);
	put_done(buf, &len, 0, NULL);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_STOP && l.n == 1 && l.v[0].id == 102 &&
	   nl.nmsgs == 1, "a stale answer (other seq) is skipped");

	len = 0;
	put_reply(buf, &len, 101, 0, false);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_OK && l.n == 1, "reply without ack: read on");

	len = 0;
	put_error(buf, &len, 0, NULL, true);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_STOP && !nl.has_msg, "ack");

	len = 0;
	put_error(buf, &len, -EINVAL, "limit must not be below barrier", true);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_ERROR && errno == EINVAL &&
	   !strcmp(nl.msg, "limit must not be below barrier"),
	   "error with extack message (capped)");

	len = 0;
	put_error(buf, &len, -EBUSY, "compartment has tasks", false);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_ERROR && errno == EBUSY && nl.err == -EBUSY &&
	   !strcmp(nl.msg, "compartment has tasks") && nl.has_offs &&
	   nl.offs == 20, "error with extack message and offset (not capped)");

	len = 0;
	put_error(buf, &len, -EPERM, NULL, true);
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_ERROR && errno == EPERM && !nl.has_msg,
	   "error without extack");

	len = 0;
	put_reply(buf, &len, 101, 0, false);
	put_done(buf, &len, -ENOBUFS, "dump failed");
	ret = run_buf(&nl, buf, len, &l);
	ok(t, ret == MNL_CB_ERROR && errno == ENOBUFS &&
	   !strcmp(nl.msg, "dump failed"), "NLMSG_DONE with an error");
	free(l.v);
}


/* ---- failcnt deltas (delta.c) and their output ---- */

static void test_delta(struct tap *t)
{
	struct ubc_fails s = { 0 }, s2 = { 0 };
	struct ubc_info c[2];
	size_t n = sample(c);
	char *text, *out;

	ok(t, !ubc_fails_take(&s, c, n) && s.n == 3, "snapshot of every row");
	text = ubc_fails_format(&s);
	ok(t, text && !strcmp(text, "101 0 0\n101 5 2\n4294967295 99 0\n"),
	   "state file: ID RES FAILCNT lines, sorted (%s)", text ? text : "");
	ok(t, text && !ubc_fails_parse(&s2, text, strlen(text)) && s2.n == 3 &&
	   ubc_fails_delta(&s2, 101, 5, 2) == 0, "parsed back");
	ubc_fails_free(&s2);
	free(text);
	ok(t, ubc_fails_delta(&s, 101, 5, 7) == 5 &&
	   ubc_fails_delta(&s, 101, 5, 1) == 1 &&
	   ubc_fails_delta(&s, 102, 5, 4) == 4 &&
	   ubc_fails_delta(NULL, 101, 5, 4) == 4,
	   "delta: since then; all of it when new or recreated (lower)");
	text = "junk\n1 2\n7 5 3 x\n7 5 3\n99999999999 5 1\n";
	ok(t, !ubc_fails_parse(&s2, text, strlen(text)) &&
	   s2.n == 1 && ubc_fails_delta(&s2, 7, 5, 4) == 1,
	   "a damaged state file: bad lines skipped");
	ubc_fails_free(&s2);

	render_deltas = true;
	render_base = NULL;
	out = render(RENDER_SHOW, false, true, false, 2);
	ok(t, strstr(out, " failcnt   +fail\n") &&
	   strstr(out, "        2      +2\n") &&
	   strstr(out, "        0       -\n"),
	   "show --relative: a +fail column, + since the last look");
	free(out);
	out = render(RENDER_SHOW, true, false, false, 2);
	ok(t, strstr(out, "\"failcnt\":2,\"failcnt_delta\":2}") != NULL,
	   "json: failcnt_delta");
	check_json(t, "show --relative json is valid JSON", out);
	render_changed = true;
	render_base = &s;
	check_text(t, "--changed, nothing new: nothing shown",
		   render(RENDER_SHOW, false, false, false, 2), "");
	check_text(t, "--changed json, nothing new: []",
		   render(RENDER_SHOW, true, false, false, 2), "[]\n");
	render_base = NULL;
	out = render(RENDER_SHOW, false, true, false, 2);
	ok(t, strstr(out, "compartment 101 bursts 3\n") && strstr(out, "numproc") &&
	   !strstr(out, "kmemsize") && !strstr(out, "4294967295"),
	   "--changed: only the refused row and its compartment");
	free(out);
	render_changed = false;
	render_deltas = false;
	out = render(RENDER_TOP, true, false, false, 2);
	ok(t, strstr(out, "[{\"id\":101,\"name\":\"numproc\",") == out &&
	   strstr(out, "},{\"id\":4294967295,\"name\":\"we") &&
	   strstr(out, "},{\"id\":101,\"name\":\"kmemsize\""),
	   "top: refused first, then by share of the limit (%s)", out);
	check_json(t, "top json is valid JSON", out);	/* frees it */
	render_base = &s;
	out = render(RENDER_TOP, false, true, false, 2);
	ok(t, strstr(out, "        id resource      ") == out &&
	   strstr(out, "\n       101 numproc      ") && strstr(out, "+fail\n"),
	   "top text: a row per resource in use");
	free(out);
	render_base = NULL;
	ubc_fails_free(&s);
}

/* ---- config files (conf.c) ---- */

static int conf_str(struct ubc_conf *c, const char *text, char *err,
		    size_t errlen)
{
	return ubc_conf_parse(c, "t.conf", text, strlen(text), PAGE, err,
			      errlen);
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "r");

	*len = 0;
	if (!f)
		return NULL;
	buf = malloc(1 << 16);
	if (buf)
		*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

static bool res_is(const struct ubc_conf *c, unsigned int r, uint64_t b,
		   uint64_t l)
{
	return c->res[r].set && c->res[r].barrier == b && c->res[r].limit == l;
}

/* Each bad line: its error names the file, line and key; nothing kept. */
static void conf_bad(struct tap *t, const char *text, const char *want)
{
	struct ubc_conf c;
	char err[512] = "";
	int ret = conf_str(&c, text, err, sizeof(err));
	unsigned int r, set = 0;

	for (r = 0; r < UBC_RESOURCES; r++)
		set += c.res[r].set;
	ok(t, ret == -EINVAL && !strcmp(err, want) && !set && !c.nignored,
	   "config %s -> \"%s\" (got \"%s\")", text, want, err);
	ubc_conf_free(&c);
}

static void test_conf(struct tap *t)
{
	struct ubc_conf c, c2;
	char err[512], pair[64], path[512], *text, *out, *out2;
	const char *fresh, *old;
	size_t len;
	unsigned int r, n;
	int ret;

	snprintf(path, sizeof(path), "%s/ve-basic.conf-sample", UBC_VZCONF_DIR);
	text = slurp(path, &len);
	ok(t, text != NULL, "read %s", path);
	ret = text ? ubc_conf_parse(&c, path, text, len, PAGE, err,
				    sizeof(err)) : -1;
	ok(t, !ret, "ve-basic parses (%s)", ret ? err : "");
	for (r = 0, n = 0; r < UBC_RESOURCES; r++)
		n += c.res[r].set;
	ok(t, n == 20 && !c.res[UBC_SWAPPAGES].set, "ve-basic: 20 resources");
	ok(t, res_is(&c, UBC_KMEMSIZE, 14372700, 14790164) &&
	   res_is(&c, UBC_PHYSPAGES, 0, UNL) &&
	   res_is(&c, UBC_VMGUARPAGES, 33792, UNL) &&
	   res_is(&c, UBC_NUMPROC, 240, 240) &&
	   res_is(&c, UBC_NUMIPTENT, 128, 128) &&
	   c.res[UBC_NUMIPTENT].line == 39, "ve-basic: values and lines");
	ok(t, c.avnumproc.set && c.avnumproc.barrier == 180,
	   "ve-basic: AVNUMPROC kept for validation");
	ok(t, c.nignored == 5 && !strcmp(c.ignored[0].name, "DISKSPACE") &&
	   c.ignored[0].line == 42 && !strcmp(c.ignored[4].name, "NETFILTER"),
	   "ve-basic: the 5 other keys listed as ignored");

	/* save merged into the sample: its other lines kept byte for byte */
	out = ubc_conf_format(text, len, c.res);
	out2 = out ? ubc_conf_format(out, strlen(out), c.res) : NULL;
	ok(t, out && strstr(out, "\nNUMPROC=\"240\"\nPHYSPAGES=\"0:unlimited\"\n") &&
	   strstr(out, "\nKMEMSIZE=\"14372700:14790164\"\n") &&
	   strstr(out, "\n# UBC parameters (in form of barrier:limit)\n") &&
	   strstr(out, "\nDISKSPACE=\"2G:2.2G\"\n") &&
	   strstr(out, "\nNUMIPTENT=\"128\"\n") &&
	   !strcmp(strstr(out, "\nNUMIPTENT=\"128\"\n") + 17,
		   strstr(text, "\nNUMIPTENT=\"128:128\"\n") + 21) &&
	   strlen(out) == len - 46, "ve-basic saved into itself: "
	   "vzctl's B:B written as B, every other line kept");
	ok(t, out2 && !strcmp(out, out2), "and saved again: byte for byte");
	free(out2);
	free(out);
	ubc_conf_free(&c);
	free(text);

	snprintf(path, sizeof(path), "%s/ve-vswap-256m.conf-sample", UBC_VZCONF_DIR);
	text = slurp(path, &len);
	ret = text ? ubc_conf_parse(&c, path, text, len, PAGE, err,
				    sizeof(err)) : -1;
	ok(t, !ret && res_is(&c, UBC_PHYSPAGES, 0, 65536) &&
	   res_is(&c, UBC_SWAPPAGES, 0, 131072) && !c.res[UBC_KMEMSIZE].set,
	   "ve-vswap-256m: 256M ram, 512M swap in pages");
	ubc_conf_free(&c);
	free(text);

	ret = conf_str(&c, "# c\n\n  KMEMSIZE=\"2.5M\"  \nLOCKEDPAGES=1G:unlimited\n"
		       "PRIVVMPAGES=\"8P:40960B\"\nTCPSNDBUF=\"8P:1T\"\nNUMPROC=\"2\\40\"\n"
		       "DCACHE=\"1k\"\nIPTENTRIES=7\nSHMPAGES=\"unlimited\"\n"
		       "NUMFILE=\"0\"", err, sizeof(err));
	ok(t, !ret && res_is(&c, UBC_KMEMSIZE, 2621440, 2621440) &&
	   res_is(&c, UBC_LOCKEDPAGES, 262144, UNL) &&
	   res_is(&c, UBC_PRIVVMPAGES, 8, 10) &&
	   res_is(&c, UBC_TCPSNDBUF, 32768, 1ULL << 40) &&
	   res_is(&c, UBC_NUMPROC, 240, 240) &&
	   res_is(&c, UBC_DCACHESIZE, 1024, 1024) &&
	   res_is(&c, UBC_NUMIPTENT, 7, 7) &&
	   res_is(&c, UBC_SHMPAGES, UNL, UNL) &&
	   res_is(&c, UBC_NUMFILE, 0, 0),
	   "suffixes, fractions, escapes, aliases, unquoted, no final newline (%s)",
	   ret ? err : "");
	ubc_conf_free(&c);
	conf_bad(t, "PRIVVMPAGES=\"8P:5B\"",
		 "t.conf:1: PRIVVMPAGES: barrier is above limit");
	conf_bad(t, "NUMPROC=\"1K\"", "t.conf:1: NUMPROC: a count takes no suffix");
	conf_bad(t, "NUMPROC=\"1.5\"",
		 "t.conf:1: NUMPROC: a fraction needs a suffix (\"2.5M\")");
	conf_bad(t, "KMEMSIZE=\"9223372036854775808\"",
		 "t.conf:1: KMEMSIZE: value above 9223372036854775807 (LONG_MAX, \"unlimited\")");
	conf_bad(t, "KMEMSIZE=\"8192P\"\nTCPSNDBUF=\"99999999999999999999\"",
		 "t.conf:2: TCPSNDBUF: value above 9223372036854775807 (LONG_MAX, \"unlimited\")");
	conf_bad(t, "KMEMSIZE=\"9E\"",
		 "t.conf:1: KMEMSIZE: unknown suffix (K, M, G, T, P or B)");
	conf_bad(t, "KMEMSIZE=\"-1\"",
		 "t.conf:1: KMEMSIZE: expected a number or \"unlimited\"");
	conf_bad(t, "KMEMSIZE=\"\"",
		 "t.conf:1: KMEMSIZE: expected a number or \"unlimited\"");
	conf_bad(t, "KMEMSIZE=\"1:2:3\"", "t.conf:1: KMEMSIZE: more than barrier:limit");
	conf_bad(t, "KMEMSIZE=\"1M5\"", "t.conf:1: KMEMSIZE: junk after the number");
	conf_bad(t, "NUMPROC=1\n# x\nNUMPROC=2", "t.conf:3: NUMPROC: resource given twice");
	conf_bad(t, "NUMPROC=1\nDCACHESIZE=1\nDCACHE=2",
		 "t.conf:3: DCACHE: resource given twice");
	conf_bad(t, "CPUUNITS=1\nKMEMSIZ=1",
		 "t.conf:2: KMEMSIZ: unknown parameter (not a vzctl config key)");
	conf_bad(t, "NUMPROC = 5",
		 "t.conf:1: NUMPROC : unknown parameter (not a vzctl config key)");
	conf_bad(t, "\nNUMPROC 5", "t.conf:2: '=' not found");
	conf_bad(t, "NUMPROC=\"5", "t.conf:1: unmatched quotes");
	ret = ubc_conf_parse(&c, "t.conf", "A\0B", 3, PAGE, err, sizeof(err));
	ok(t, ret == -EINVAL && !strcmp(err, "t.conf: not a text file (NUL byte)"),
	   "a NUL byte: not a text file");
	ubc_conf_free(&c);

	ok(t, !strcmp(ubc_conf_fmt_pair(pair, sizeof(pair), 5, 5), "5") &&
	   !strcmp(ubc_conf_fmt_pair(pair, sizeof(pair), 0, UNL), "0:unlimited") &&
	   !strcmp(ubc_conf_fmt_pair(pair, sizeof(pair), UNL, UNL), "unlimited") &&
	   !strcmp(ubc_conf_fmt_pair(pair, sizeof(pair), 1, 2), "1:2"),
	   "pairs as vzctl's ubcstr()");

	/* a fresh file, then a round trip: parse(format) == values, bytes kept */
	memset(&c, 0, sizeof(c));
	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_conf_key(r))
			c.res[r] = (struct ubc_conf_value){ .set = true,
				.barrier = r * 1000, .limit = r == 3 ? UNL : r * 1001 };
	out = ubc_conf_format(NULL, 0, c.res);
	fresh = "# UBC parameters (in form of barrier:limit)\n"
		"KMEMSIZE=\"0\"\nLOCKEDPAGES=\"1000:1001\"\n";
	ok(t, out && !strncmp(out, fresh, strlen(fresh)) &&
	   strstr(out, "\nSHMPAGES=\"3000:unlimited\"\n") &&
	   strstr(out, "\nNUMFILE=\"19000:19019\"\nDCACHESIZE=\"18000:18018\"\n"
		   "NUMIPTENT=\"23000:23023\"\nSWAPPAGES=\"24000:24024\"\n"),
	   "fresh file: header, vzctl's order");
	ret = out ? conf_str(&c2, out, err, sizeof(err)) : -1;
	for (r = 0, n = 0; !ret && r < UBC_RESOURCES; r++)
		n += c2.res[r].set == c.res[r].set &&
		     c2.res[r].barrier == c.res[r].barrier &&
		     c2.res[r].limit == c.res[r].limit;
	ok(t, !ret && n == UBC_RESOURCES, "fresh file parses back to the values");
	out2 = out ? ubc_conf_format(out, strlen(out), c2.res) : NULL;
	ok(t, out2 && !strcmp(out, out2), "save over a saved file: byte for byte");
	free(out2);
	ubc_conf_free(&c2);
	free(out);

	/* merge: first line replaced, its later duplicate dropped, rest kept */
	memset(&c2, 0, sizeof(c2));
	c2.res[UBC_NUMPROC] = (struct ubc_conf_value){ .set = true, .barrier = 9,
						       .limit = 9 };
	c2.res[UBC_DCACHESIZE] = (struct ubc_conf_value){ .set = true, .barrier = 1,
							  .limit = 2 };
	old = "A=1\nNUMPROC=\"1\"\n# NUMPROC=\"3\"\nDCACHE=5\nNUMPROC=4\nB=2";
	out = ubc_conf_format(old, strlen(old), c2.res);
	ok(t, out && !strcmp(out, "A=1\nNUMPROC=\"9\"\n# NUMPROC=\"3\"\n"
			     "DCACHESIZE=\"1:2\"\nB=2\n"),
	   "merge into a file: in place, aliases renamed, duplicates dropped (%s)",
	   out ? out : "NULL");
	free(out);
}

/* ---- validation (validate.c) ---- */

struct findings {
	unsigned int n;
	char msg[8][320];
	enum ubc_level level[8];
};

static void find_cb(void *arg, enum ubc_level level, uint64_t res,
		    const char *msg)
{
	struct findings *f = arg;

	(void)res;
	if (f->n < 8) {
		snprintf(f->msg[f->n], sizeof(f->msg[0]), "%s", msg);
		f->level[f->n] = level;
	}
	f->n++;
}

/*
 * ve-basic with @edit appended (its keys replacing the sample's lines):
 * validation passes as @pass says, with exactly @want as its one finding
 * (NULL: none).
 */
static void val_case_n(struct tap *t, const char *base, const char *edit,
		       bool pass, unsigned int n, const char *want)
{
	struct ubc_conf c, e;
	struct findings f = { 0 };
	struct ubc_validate v = { .vswap = -1, .report = find_cb, .arg = &f,
				  .ram_pages = 262144, .swap_pages = 0 };
	char err[512];
	unsigned int r;
	bool ok_;

	if (conf_str(&c, base, err, sizeof(err)) ||
	    conf_str(&e, edit, err, sizeof(err))) {
		ok(t, false, "validate %s: parse: %s", edit, err);
		return;
	}
	for (r = 0; r < UBC_RESOURCES; r++)
		if (e.res[r].set)
			c.res[r] = e.res[r];
	v.res = c.res;
	v.avnumproc = &c.avnumproc;
	ok_ = ubc_validate(&v) == pass &&
	      f.n == n && (!want || !strcmp(f.msg[0], want));
	ok(t, ok_, "validate %s + %s: %s, %u finding%s%s%s",
	   strlen(base) > 40 ? "ve-basic" : base, edit, pass ? "passes" : "fails",
	   n, n == 1 ? "" : "s", want ? ": " : "", want ? want : "");
	if (!ok_)
		for (r = 0; r < f.n && r < 8; r++)
			printf("# got: %s\n", f.msg[r]);
	ubc_conf_free(&c);
	ubc_conf_free(&e);
}

static void val_case(struct tap *t, const char *base, const char *edit,
		     bool pass, const char *want)
{
	val_case_n(t, base, edit, pass, want ? 1 : 0, want);
}

static void test_validate(struct tap *t)
{
	char path[512], *basic;
	size_t len;

	snprintf(path, sizeof(path), "%s/ve-basic.conf-sample", UBC_VZCONF_DIR);
	basic = slurp(path, &len);
	if (!basic) {
		ok(t, false, "read %s", path);
		return;
	}
	val_case(t, basic, "", true, NULL);
	val_case(t, basic, "NUMPROC=\"240:250\"", false,
		 "Error: barrier should be equal to limit for numproc (currently, 240:250)");
	val_case(t, basic, "VMGUARPAGES=\"33792:40000\"", false,
		 "Error: limit should be = 9223372036854775807 for vmguarpages (currently, 40000)");
	val_case(t, basic, "KMEMSIZE=\"1000000:2000000\"", false,
		 "Error: kmemsize.bar should be > 10997760 (currently, 1000000)");
	val_case(t, basic, "TCPSNDBUF=\"1720320:1800000\"", false,
		 "Error: tcpsndbuf.lim-tcpsndbuf.bar should be > 921600 (currently, 1800000-1720320=79680)");
	val_case(t, basic, "TCPRCVBUF=\"1720320:1800000\"", false,
		 "Warning: tcprcvbuf.lim-tcprcvbuf.bar should be > 921600 (currently, 1800000-1720320=79680)");
	val_case(t, basic, "DGRAMRCVBUF=\"100000\"", true,
		 "Recommendation: dgramrcvbuf.bar should be > 132096 (currently, 100000)");
	val_case(t, basic, "DGRAMRCVBUF=\"1000\"", false,
		 "Warning: dgramrcvbuf.bar should be > 32768 (currently, 1000)");
	val_case(t, basic, "NUMFILE=\"100\"", false,
		 "Warning: numfile should be > 5760 (currently, 100)");
	val_case(t, basic, "PRIVVMPAGES=\"30000:69632\"", false,
		 "Warning: privvmpages.bar should be > 33792 (currently, 30000)");
	val_case(t, basic, "PHYSPAGES=\"5:unlimited\"", false,
		 "Error: barrier should be = 0 for physpages (currently, 5)");
	val_case(t, basic, "OOMGUARPAGES=\"300000:unlimited\"", false,
		 "Warning: oomguarpages.bar should be <= 262144, RAM + swap (currently, 300000)");
	/* unlimited operands: the formula counts as met */
	val_case(t, basic, "TCPSNDBUF=\"1720320:unlimited\"\nNUMTCPSOCK=\"unlimited\"",
		 true, NULL);
	val_case_n(t, "NUMPROC=\"10\"", "", false, 14,
		   "Error: parameter numtcpsock not found");
	/* vswap: physpages' limit decides the mode */
	val_case(t, "PHYSPAGES=\"0:65536\"\nSWAPPAGES=\"0:0\"", "", true, NULL);
	val_case(t, "PHYSPAGES=\"1:65536\"\nSWAPPAGES=\"0:0\"", "", false,
		 "Error: physpages.bar should be = 0 (currently, 1)");
	val_case(t, "PHYSPAGES=\"0:65536\"\nSWAPPAGES=\"0:10\"", "", false,
		 "Warning: swappages.lim should be <= 0 (currently, 10)");
	val_case(t, "PHYSPAGES=\"0:65536\"", "", false,
		 "Error: parameter swappages not found");
	free(basic);
}

/* Run "UBC ARGS 2>&1"; return its exit status and first output line. */
static int run(const char *ubc, const char *args, char *out, size_t len)
{
	char cmd[512];
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 </dev/null", ubc, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(out, len, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(struct tap *t, const char *ubc)
{
	static const struct {
		const char *args;
		int status;
		const char *line;	/* first line of stdout and stderr */
	} cases[] = {
		{ "--help", 0, "Usage: ubc [-j] [-p] [-r] [-v] [-f] COMMAND [ARG]..." },
		{ "help", 0, "Usage: ubc [-j] [-p] [-r] [-v] [-f] COMMAND [ARG]..." },
		{ "-h", 0, "Usage: ubc [-j] [-p] [-r] [-v] [-f] COMMAND [ARG]..." },
		{ "help set", 0, "Usage: ubc set ID RES BARRIER[:LIMIT]..." },
		{ "show --help", 0, "Usage: ubc show [OPTION]... [ID]..." },
		{ "-V", 0, "ubc 0.1 (generic netlink family \"ubc\" version 1)" },
		{ "", 2, "Usage: ubc [-j] [-p] [-r] [-v] [-f] COMMAND [ARG]..." },
		{ "bogus", 2, "ubc: unknown command \"bogus\"" },
		{ "-x list", 2, "ubc: unknown option \"-x\"" },
		{ "--bogus list", 2, "ubc: unknown option \"--bogus\"" },
		{ "help bogus", 2, "ubc: help: \"bogus\": unknown command" },
		{ "set 101 numproc 12Q", 2, "ubc: set: \"12Q\": invalid value for numproc (expected a number with optional K, M or G suffix, or \"unlimited\")" },
		{ "set 101 kmemsize 12Q", 2, "ubc: set: \"12Q\": invalid value for kmemsize (expected a number with optional K, M, G or P suffix, or \"unlimited\")" },
		{ "set 101 numproc 200:100", 2, "ubc: set: numproc: barrier 200 is above limit 100" },
		{ "set 101 numproc", 2, "ubc: set: missing RES BARRIER[:LIMIT]" },
		{ "set 101", 2, "ubc: set: missing RES BARRIER[:LIMIT]" },
		{ "set", 2, "ubc: set: missing compartment id" },
		{ "set 0 numproc 1", 2, "ubc: set: \"0\": invalid compartment id (expected 1 to 4294967295)" },
		{ "create", 2, "ubc: create: missing compartment id" },
		{ "create 101 numproc", 2, "ubc: create: numproc: missing BARRIER[:LIMIT]" },
		{ "create 101 dummy 1", 2, "ubc: create: \"dummy\": unknown resource (\"ubc help\" lists them)" },
		{ "destroy", 2, "ubc: destroy: expected exactly one compartment id" },
		{ "destroy 1x", 2, "ubc: destroy: \"1x\": invalid compartment id (expected 1 to 4294967295)" },
		{ "enter 101", 2, "ubc: enter: expected a compartment id and a pid" },
		{ "enter 101 0", 2, "ubc: enter: \"0\": invalid pid (expected 1 to 2147483647)" },
		{ "exec 101", 2, "ubc: exec: missing command" },
		{ "exec 101 --", 2, "ubc: exec: missing command" },
		{ "exec 101 -x", 2, "ubc: exec: \"-x\": put \"--\" before a command that starts with '-'" },
		{ "list 101", 2, "ubc: list: unexpected argument \"101\"" },
		{ "list -x", 2, "ubc: list: unknown option \"-x\"" },
		{ "list 101 -j", 2, "ubc: list: unexpected argument \"101\"" },
		{ "-jpr list -q", 2, "ubc: list: unknown option \"-q\"" },
		{ "-p --bogus list", 2, "ubc: unknown option \"--bogus\"" },
		{ "create -j", 2, "ubc: create: missing compartment id" },
		{ "create -y 101", 2, "ubc: create: unknown option \"-y\"" },
		{ "set -r 101", 2, "ubc: set: missing RES BARRIER[:LIMIT]" },
		{ "exec -j 101 --", 2, "ubc: exec: missing command" },
		{ "show 101 -p abc", 2, "ubc: show: \"abc\": invalid compartment id (expected 1 to 4294967295)" },
		{ "show 101 -- -j", 2, "ubc: show: \"-j\": invalid compartment id (expected 1 to 4294967295)" },
		{ "show -jx", 2, "ubc: show: unknown option \"-x\"" },
		{ "show --bogus", 2, "ubc: show: unknown option \"--bogus\"" },
		{ "show -j 101 abc", 2, "ubc: show: \"abc\": invalid compartment id (expected 1 to 4294967295)" },
	};
	char out[512], args[64];
	size_t i;
	int st;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		st = run(ubc, cases[i].args, out, sizeof(out));
		if (!ok(t, st == cases[i].status && !strcmp(out, cases[i].line),
			"ubc %s: exit %d, \"%s\"", cases[i].args,
			cases[i].status, cases[i].line))
			printf("# got exit %d, \"%s\"\n", st, out);
	}

	/* Without the module every kernel command must say how to load it. */
	if (!access("/sys/module/ubc", F_OK)) {
		ok(t, true, "module hint # SKIP the ubc module is loaded");
		return;
	}
	for (i = 0; i < 3; i++) {
		snprintf(args, sizeof(args), "%s", (const char *[]){
			"list", "show -j", "set 101 numproc 1" }[i]);
		st = run(ubc, args, out, sizeof(out));
		if (!ok(t, st == 1 && !strcmp(out, "ubc: the ubc kernel module is not loaded (generic netlink family \"ubc\" not found); load it with insmod ubc.ko or modprobe ubc"),
			"ubc %s without the module: exit 1 and a hint", args))
			printf("# got exit %d, \"%s\"\n", st, out);
	}
}

/* A refused-ntf as the kernel builds it (kernel/events.c). */
static struct nlmsghdr *put_event(char *buf, const char *comm)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	nlh->nlmsg_type = 0x1a;
	genl->cmd = UBC_CMD_REFUSED_NTF;
	genl->version = UBC_GENL_VERSION;
	mnl_attr_put_u32(nlh, UBC_EV_A_ID, 101);
	mnl_attr_put_u32(nlh, UBC_EV_A_RESOURCE, UBC_NUMPROC);
	mnl_attr_put_strz(nlh, UBC_EV_A_NAME, "numproc");
	mnl_attr_put_u64(nlh, UBC_EV_A_HELD, 5);
	mnl_attr_put_u64(nlh, UBC_EV_A_BARRIER, 5);
	mnl_attr_put_u64(nlh, UBC_EV_A_LIMIT, UNL);
	mnl_attr_put_u64(nlh, UBC_EV_A_FAILCNT, 3);
	mnl_attr_put_u64(nlh, UBC_EV_A_VAL, 1);
	mnl_attr_put_u8(nlh, UBC_EV_A_STRENGTH, UBC_STRENGTH_BARRIER);
	mnl_attr_put_u32(nlh, UBC_EV_A_PID, 42);
	mnl_attr_put_u32(nlh, UBC_EV_A_TGID, 41);
	mnl_attr_put_strz(nlh, UBC_EV_A_COMM, comm);
	mnl_attr_put_strz(nlh, UBC_EV_A_HOOK, "ubc_task_fork");
	mnl_attr_put_u64(nlh, UBC_EV_A_COALESCED, 2);
	mnl_attr_put_u64(nlh, UBC_EV_A_LOST, 0);
	mnl_attr_put_u64(nlh, UBC_EV_A_TIME, 1764780000123456789ULL);
	return nlh;
}

static char *event_text(const struct ubc_event *ev, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ubc_event_print(f, ev, json);
	fclose(f);
	return out;
}

static void test_events(struct tap *t)
{
	char buf[4096] __attribute__((aligned(8)));
	struct ubc_info c = { .id = 7, .bursts = 2, .nres = 2, .res = {
		{ .id = UBC_NUMPROC, .unit = UBC_UNIT_ITEMS, .name = "numproc",
		  .held = 3, .maxheld = 9, .barrier = 8, .limit = UNL, .failcnt = 2 },
		{ .id = UBC_PRIVVMPAGES, .unit = UBC_UNIT_PAGES, .name = "privvmpages",
		  .held = 100, .barrier = 200, .limit = 300 } } };
	struct ubc_event ev;
	struct nlmsghdr *nlh;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	nlh = put_event(buf, "sh");
	ok(t, !ubc_event_parse(nlh, &ev) && ev.id == 101 && ev.res == UBC_NUMPROC &&
	   ev.has_task && ev.pid == 42 && ev.coalesced == 2,
	   "events: a refused-ntf parses");
	check_text(t, "events: text line", event_text(&ev, false),
		   "2025-12-03T16:40:00.123456Z refused id=101 resource=numproc held=5 barrier=5 limit=unlimited val=1 strength=barrier failcnt=3 pid=42 tgid=41 comm=sh hook=ubc_task_fork coalesced=2 lost=0\n");
	check_text(t, "events: JSON object", event_text(&ev, true),
		   "{\"time\":\"2025-12-03T16:40:00.123456Z\",\"time_ns\":1764780000123456789,\"event\":\"refused\",\"id\":101,\"resource\":\"numproc\",\"held\":5,\"barrier\":5,\"limit\":9223372036854775807,\"val\":1,\"strength\":\"barrier\",\"failcnt\":3,\"pid\":42,\"tgid\":41,\"comm\":\"sh\",\"hook\":\"ubc_task_fork\",\"coalesced\":2,\"lost\":0}\n");
	nlh = put_event(buf, "a \"b\"\\\n");
	ubc_event_parse(nlh, &ev);
	check_json(t, "events: JSON with a hostile comm is valid", event_text(&ev, true));
	out = event_text(&ev, false);
	ok(t, strstr(out, " comm=a\\x20\\x22b\\x22\\x5c\\x0a hook=") != NULL,
	   "events: text escapes comm so a line splits on spaces (%s)", out);
	free(out);
	mnl_attr_put_u32(nlh, UBC_EV_A_HELD, 0);	/* a u64 of 4 bytes */
	ok(t, ubc_event_parse(nlh, &ev) == -EPROTO, "events: a malformed notification is refused");
	nlh = put_event(buf, "sh");
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = UBC_CMD_GET;
	ok(t, ubc_event_parse(nlh, &ev) == -EINVAL, "events: a get reply is no event");

	f = open_memstream(&out, &len);
	ubc_export(f, &c, 1, 4096, 5);
	fclose(f);
	ok(t, strstr(out, "# TYPE ubc_held gauge\nubc_held{compartment=\"7\",resource=\"numproc\",unit=\"items\"} 3\n") &&
	   strstr(out, "ubc_limit{compartment=\"7\",resource=\"numproc\",unit=\"items\"} +Inf\n") &&
	   strstr(out, "ubc_limit{compartment=\"7\",resource=\"privvmpages\",unit=\"pages\"} 300\n") &&
	   strstr(out, "# TYPE ubc_failcnt_total counter\nubc_failcnt_total{compartment=\"7\",resource=\"numproc\",unit=\"items\"} 2\n") &&
	   strstr(out, "ubc_bursts_total{compartment=\"7\"} 2\n") &&
	   strstr(out, "ubc_events_lost_total 5\n") &&
	   strstr(out, "ubc_page_size_bytes 4096\n"),
	   "export: Prometheus text with gauges, counters and +Inf for unlimited");
	free(out);
}

int main(int argc, char **argv)
{
	struct tap t = { 0 };

	test_values(&t);
	test_ids(&t);
	test_resources(&t);
	test_format(&t);
	test_settings(&t);
	test_print(&t);
	test_print_guarantees(&t);
	test_replies(&t);
	test_delta(&t);
	test_conf(&t);
	test_validate(&t);
	test_events(&t);
	if (argc > 1)
		test_cli(&t, argv[1]);
	printf("1..%u\n", t.n);
	printf("# %u passed, %u failed\n", t.n - t.failed, t.failed);
	return t.failed ? 1 : 0;
}
