// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ubc: manage user beancounter compartments through the "ubc" generic
 * netlink family. The ABI is include/uapi/linux/ubc.h.
 */
#define _GNU_SOURCE	/* asprintf() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "conf.h"
#include "delta.h"
#include "events.h"
#include "genl.h"
#include "parse.h"
#include "print.h"
#include "reply.h"
#include "validate.h"

#include <ubc/version.h>

#define DUMP_TRIES	4

enum {
	EXIT_USAGE = 2,
};

struct ctx {
	const char *cmd;	/* for messages: "ubc: CMD: ..." */
	bool json;
	bool pretty;	/* JSON on several lines, indented */
	bool raw;
	bool verbose;	/* apply, restore: list the keys skipped */
	bool force;	/* apply, set: even what validation calls an error */
	unsigned long page_size;
	struct ubc_nl nl;
};

static int usage_error(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ubc: %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* "ubc: CMD: [WHAT: ]MESSAGE (strerror)" or "ubc: CMD: [WHAT: ]strerror". */
static int kernel_error(const struct ctx *c, const char *what, int err)
{
	fprintf(stderr, "ubc: %s: ", c->cmd);
	if (what)
		fprintf(stderr, "%s: ", what);
	if (c->nl.has_msg)
		fprintf(stderr, "%s (%s)\n", c->nl.msg, strerror(-err));
	else
		fprintf(stderr, "%s\n", strerror(-err));
	return EXIT_FAILURE;
}

static int connect_ubc(struct ctx *c)
{
	int ret = ubc_nl_open(&c->nl, 0);

	if (ret == -ENOENT) {
		fprintf(stderr, "ubc: the ubc kernel module is not loaded (generic netlink family \"%s\" not found); load it with insmod ubc.ko or modprobe ubc\n",
			UBC_GENL_NAME);
		return EXIT_FAILURE;
	}
	if (ret)
		return kernel_error(c, "cannot reach generic netlink family \"" UBC_GENL_NAME "\"", ret);
	return 0;
}

static struct nlmsghdr *ubc_msg(struct ctx *c, void *buf, uint8_t cmd,
				uint16_t flags, uint32_t id)
{
	struct nlmsghdr *nlh = ubc_nl_msg(&c->nl, buf, cmd, flags);

	if (id)
		mnl_attr_put_u32(nlh, UBC_A_ID, id);
	return nlh;
}

/* Send a mutating request and wait for its ack. */
static int ubc_do(struct ctx *c, struct nlmsghdr *nlh)
{
	int ret = ubc_nl_talk(&c->nl, nlh, NULL, NULL);

	if (ret)
		return kernel_error(c, NULL, ret);
	if (c->nl.has_msg)
		fprintf(stderr, "ubc: %s: warning: %s\n", c->cmd, c->nl.msg);
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	const struct ubc_info *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* All compartments, sorted by id; a dump that raced is retried. */
static int dump_all(struct ctx *c, struct info_list *l)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	int ret, try;

	for (try = 1; ; try++) {
		l->n = 0;
		ret = ubc_nl_talk(&c->nl, ubc_msg(c, buf, UBC_CMD_GET, NLM_F_DUMP, 0),
			      info_cb, l);
		if (ret) {
			l->n = 0;
			return kernel_error(c, NULL, ret);
		}
		if (!c->nl.dump_intr)
			break;
		if (try == DUMP_TRIES) {
			fprintf(stderr, "ubc: %s: warning: compartments kept changing during the dump, the output may be inconsistent\n",
				c->cmd);
			break;
		}
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_info);
	return 0;
}

/* ----- commands ----- */

static int parse_id(const struct ctx *c, const char *s, uint32_t *id)
{
	if (ubc_parse_id(s, id))
		return usage_error(c, "\"%s\": invalid compartment id (expected 1 to %u)",
				   s, UINT32_MAX);
	return 0;
}

static int guard(struct ctx *c, uint32_t id, const char *path,
		 const struct ubc_conf_value chg[UBC_RESOURCES],
		 const struct ubc_conf_value *avnumproc, bool *exists);

/*
 * ID [RES BARRIER[:LIMIT] ...] into a NEW or SET request; SET only once
 * guard() let the change pass.
 */
static int settings_msg(struct ctx *c, int argc, char **argv, uint8_t cmd,
			void *buf, struct nlmsghdr **nlhp)
{
	struct ubc_conf_value chg[UBC_RESOURCES] = { { 0 } };
	struct ubc_setting set[UBC_RESOURCES];
	struct nlattr *all, *one;
	struct nlmsghdr *nlh;
	char err[256];
	unsigned int i, n;
	uint32_t id;
	int ret;

	ret = parse_id(c, argv[0], &id);
	if (ret)
		return ret;
	if (ubc_parse_settings(argc - 1, argv + 1, c->page_size, set, &n,
			       err, sizeof(err)))
		return usage_error(c, "%s", err);
	for (i = 0; i < n; i++)
		chg[set[i].res] = (struct ubc_conf_value){ .set = true,
			.barrier = set[i].barrier, .limit = set[i].limit };
	ret = connect_ubc(c);
	if (!ret && cmd == UBC_CMD_SET)
		ret = guard(c, id, NULL, chg, NULL, NULL);
	if (ret)
		return ret;
	nlh = ubc_msg(c, buf, cmd, 0, id);
	if (n) {
		all = mnl_attr_nest_start(nlh, UBC_A_RESOURCES);
		for (i = 0; i < n; i++) {
			one = mnl_attr_nest_start(nlh, UBC_A_RESOURCE);
			mnl_attr_put_u32(nlh, UBC_RES_A_ID, set[i].res);
			mnl_attr_put_u64(nlh, UBC_RES_A_BARRIER, set[i].barrier);
			mnl_attr_put_u64(nlh, UBC_RES_A_LIMIT, set[i].limit);
			mnl_attr_nest_end(nlh, one);
		}
		mnl_attr_nest_end(nlh, all);
	}
	*nlhp = nlh;
	return 0;
}

static int cmd_create(struct ctx *c, int argc, char **argv)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret;

	if (argc < 1)
		return usage_error(c, "missing compartment id");
	ret = settings_msg(c, argc, argv, UBC_CMD_NEW, buf, &nlh);
	return ret ?: ubc_do(c, nlh);
}

static int cmd_set(struct ctx *c, int argc, char **argv)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret;

	if (argc < 1)
		return usage_error(c, "missing compartment id");
	if (argc < 3)
		return usage_error(c, "missing RES BARRIER[:LIMIT]");
	ret = settings_msg(c, argc, argv, UBC_CMD_SET, buf, &nlh);
	return ret ?: ubc_do(c, nlh);
}

static int cmd_destroy(struct ctx *c, int argc, char **argv)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	uint32_t id;
	int ret;

	if (argc != 1)
		return usage_error(c, "expected exactly one compartment id");
	ret = parse_id(c, argv[0], &id) ?: connect_ubc(c);
	return ret ?: ubc_do(c, ubc_msg(c, buf, UBC_CMD_DEL, 0, id));
}

/* UBC_CMD_ENTER for @pid, 0 being the calling process. */
static int enter(struct ctx *c, uint32_t id, uint32_t pid)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret = connect_ubc(c);

	if (ret)
		return ret;
	nlh = ubc_msg(c, buf, UBC_CMD_ENTER, 0, id);
	mnl_attr_put_u32(nlh, UBC_A_PID, pid);
	return ubc_do(c, nlh);
}

static int cmd_enter(struct ctx *c, int argc, char **argv)
{
	uint32_t id, pid;
	int ret;

	if (argc != 2)
		return usage_error(c, "expected a compartment id and a pid");
	ret = parse_id(c, argv[0], &id);
	if (ret)
		return ret;
	if (ubc_parse_pid(argv[1], &pid))
		return usage_error(c, "\"%s\": invalid pid (expected 1 to %d)",
				   argv[1], INT32_MAX);
	return enter(c, id, pid);
}

static int cmd_exec(struct ctx *c, int argc, char **argv)
{
	uint32_t id;
	int ret, i = 1;

	if (argc < 1)
		return usage_error(c, "missing compartment id");
	ret = parse_id(c, argv[0], &id);
	if (ret)
		return ret;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	else if (i < argc && argv[i][0] == '-')
		return usage_error(c, "\"%s\": put \"--\" before a command that starts with '-'",
				   argv[i]);
	if (i >= argc)
		return usage_error(c, "missing command");
	ret = enter(c, id, 0);
	if (ret)
		return ret;
	ubc_nl_close(&c->nl);
	execvp(argv[i], argv + i);
	ret = errno;
	fprintf(stderr, "ubc: exec: %s: %s\n", argv[i], strerror(ret));
	return ret == ENOENT ? 127 : 126;
}

/* One option of the global set (-j, -p, -r; long or combined short ones). */
static int read_option(struct ctx *c, const char *o)
{
	if (!strcmp(o, "--json")) {
		c->json = true;
		return 0;
	}
	if (!strcmp(o, "--pretty")) {
		c->json = c->pretty = true;
		return 0;
	}
	if (!strcmp(o, "--raw")) {
		c->raw = true;
		return 0;
	}
	if (!strcmp(o, "--verbose")) {
		c->verbose = true;
		return 0;
	}
	if (!strcmp(o, "--force")) {
		c->force = true;
		return 0;
	}
	if (o[1] == '-')
		return usage_error(c, "unknown option \"%s\"", o);
	for (o++; *o; o++) {
		if (*o == 'j')
			c->json = true;
		else if (*o == 'p')
			c->json = c->pretty = true;
		else if (*o == 'r')
			c->raw = true;
		else if (*o == 'v')
			c->verbose = true;
		else if (*o == 'f')
			c->force = true;
		else
			return usage_error(c, "unknown option \"-%c\"", *o);
	}
	return 0;
}

/*
 * The global options after COMMAND, as before it: leading ones for every
 * command; with @anywhere (list, show: their arguments never start with
 * '-') also between and after the arguments, which keep their order. "--"
 * ends the options.
 */
static int read_options(struct ctx *c, int *argc, char ***argv, bool anywhere)
{
	char **in = *argv, **out = *argv;
	int i, n = *argc, ret;

	for (i = 0; i < n; i++) {
		if (!strcmp(in[i], "--")) {
			i++;
			break;
		}
		if (in[i][0] == '-' && in[i][1]) {
			ret = read_option(c, in[i]);
			if (ret)
				return ret;
			continue;
		}
		if (!anywhere)
			break;
		*out++ = in[i];
	}
	for (; i < n; i++)
		*out++ = in[i];
	*argc = out - *argv;
	return 0;
}

static void printer_for(const struct ctx *c, struct printer *p)
{
	pr_init(p, stdout, c->json);
	p->pretty = c->pretty;
	p->raw = c->raw;
	p->page_size = c->page_size;
	p->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

static int cmd_list(struct ctx *c, int argc, char **argv)
{
	struct info_list l = { 0 };
	struct printer p;
	int ret;

	ret = read_options(c, &argc, &argv, true);
	if (ret)
		return ret;
	if (argc)
		return usage_error(c, "unexpected argument \"%s\"", argv[0]);
	ret = connect_ubc(c) ?: dump_all(c, &l);
	if (!ret) {
		printer_for(c, &p);
		ubc_print_list(&p, l.v, l.n);
	}
	free(l.v);
	return ret;
}

/* ---- config files: apply, save, restore ---- */

#define CONF_MAX_SIZE	(1 << 20)
#define UBC_CONF_DIR	"/etc/ubc"

/*
 * The whole of @path into a malloc()ed buffer. 0, or -errno (-EFBIG above
 * CONF_MAX_SIZE); *text NULL and 0 on -ENOENT.
 */
static int read_file(const char *path, char **text, size_t *len)
{
	char *buf = malloc(CONF_MAX_SIZE + 1);
	size_t n;
	FILE *f;
	int err;

	*text = NULL;
	*len = 0;
	if (!buf)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		free(buf);
		return err;
	}
	n = fread(buf, 1, CONF_MAX_SIZE + 1, f);
	err = ferror(f) ? -EIO : n > CONF_MAX_SIZE ? -EFBIG : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*text = buf;
	*len = n;
	return 0;
}

static int file_error(const struct ctx *c, const char *path, int err)
{
	fprintf(stderr, "ubc: %s: %s: %s\n", c->cmd, path,
		err == -EFBIG ? "larger than 1 MiB, not a config file" :
		strerror(-err));
	return EXIT_FAILURE;
}

/* Reads and parses @path; messages for every problem. */
static int load_conf(const struct ctx *c, const char *path,
		     struct ubc_conf *conf)
{
	char err[512];
	size_t len;
	char *text;
	int ret;

	ret = read_file(path, &text, &len);
	if (ret)
		return file_error(c, path, ret);
	ret = ubc_conf_parse(conf, path, text, len, c->page_size, err,
			     sizeof(err));
	free(text);
	if (ret == -ENOMEM)
		return file_error(c, path, ret);
	if (ret) {
		fprintf(stderr, "ubc: %s: %s\n", c->cmd, err);
		return EXIT_FAILURE;
	}
	return 0;
}

/*
 * What ubc does not do with a config: keys that are not beancounters
 * (with -v), and the limits of the measured resources, which OpenVZ's
 * vswap kernels enforced and ubc only reports.
 */
static void conf_notes(const struct ctx *c, const char *path,
		       const struct ubc_conf *conf)
{
	static const unsigned int measured[] = { UBC_PHYSPAGES, UBC_SWAPPAGES };
	unsigned int i;

	for (i = 0; c->verbose && i < conf->nignored; i++)
		fprintf(stderr, "ubc: %s: %s:%u: %s: not a beancounter, ignored\n",
			c->cmd, path, conf->ignored[i].line,
			conf->ignored[i].name);
	if (c->verbose && conf->avnumproc.set)
		fprintf(stderr, "ubc: %s: %s:%u: AVNUMPROC: used by validation only\n",
			c->cmd, path, conf->avnumproc.line);
	for (i = 0; i < sizeof(measured) / sizeof(measured[0]); i++) {
		const struct ubc_conf_value *v = &conf->res[measured[i]];

		if (v->set && v->limit != UBC_UNLIMITED)
			fprintf(stderr, "ubc: %s: warning: %s:%u: %s: the limit is recorded but not enforced: ubc measures %s, it does not limit it (see ubc(8))\n",
				c->cmd, path, v->line,
				ubc_conf_key(measured[i]),
				ubc_resource_name(measured[i]));
	}
}

static unsigned int conf_count(const struct ubc_conf *conf)
{
	unsigned int r, n = 0;

	for (r = 0; r < UBC_RESOURCES; r++)
		n += conf->res[r].set;
	return n;
}

static struct nlmsghdr *conf_msg(struct ctx *c, void *buf, uint8_t cmd,
				 uint32_t id, const struct ubc_conf *conf)
{
	struct nlmsghdr *nlh = ubc_msg(c, buf, cmd, 0, id);
	struct nlattr *all, *one;
	unsigned int r;

	if (!conf_count(conf))
		return nlh;
	all = mnl_attr_nest_start(nlh, UBC_A_RESOURCES);
	for (r = 0; r < UBC_RESOURCES; r++) {
		if (!conf->res[r].set)
			continue;
		one = mnl_attr_nest_start(nlh, UBC_A_RESOURCE);
		mnl_attr_put_u32(nlh, UBC_RES_A_ID, r);
		mnl_attr_put_u64(nlh, UBC_RES_A_BARRIER, conf->res[r].barrier);
		mnl_attr_put_u64(nlh, UBC_RES_A_LIMIT, conf->res[r].limit);
		mnl_attr_nest_end(nlh, one);
	}
	mnl_attr_nest_end(nlh, all);
	return nlh;
}

/* The end of a NEW or SET: its error, or the kernel's warning. */
static int applied(const struct ctx *c, const char *what, int ret)
{
	if (ret)
		return kernel_error(c, what, ret);
	if (c->nl.has_msg)
		fprintf(stderr, "ubc: %s: warning: %s: %s\n", c->cmd, what,
			c->nl.msg);
	return 0;
}

/*
 * @conf into compartment @id in one request, so all or nothing: NEW when
 * it does not exist (resources the file lacks start as "ubc create" sets
 * them), else SET (those keep their values).
 */
static int apply_conf(struct ctx *c, uint32_t id, const char *path,
		      const struct ubc_conf *conf)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	char what[64];
	int ret;

	bool exists;

	conf_notes(c, path, conf);
	ret = guard(c, id, path, conf->res, &conf->avnumproc, &exists);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "%s: compartment %u", path, id);
	if (!exists) {
		ret = ubc_nl_talk(&c->nl, conf_msg(c, buf, UBC_CMD_NEW, id, conf),
				  NULL, NULL);
		if (ret != -EEXIST)	/* else created meanwhile: SET it */
			return applied(c, what, ret);
	}
	if (!conf_count(conf))
		return 0;	/* nothing to change */
	ret = ubc_nl_talk(&c->nl, conf_msg(c, buf, UBC_CMD_SET, id, conf),
			  NULL, NULL);
	return applied(c, what, ret);
}

static int cmd_apply(struct ctx *c, int argc, char **argv)
{
	struct ubc_conf conf = { 0 };
	uint32_t id;
	int ret;

	if (argc != 2)
		return usage_error(c, "expected a compartment id and a config file");
	ret = parse_id(c, argv[0], &id);
	if (ret)
		return ret;
	ret = load_conf(c, argv[1], &conf) ?: connect_ubc(c) ?:
	      apply_conf(c, id, argv[1], &conf);
	ubc_conf_free(&conf);
	return ret;
}

/* @text to @path through a temporary file renamed over it. */
static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *tmp;
	int fd, err = 0;

	if (asprintf(&tmp, "%s.ubc-tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	if (write(fd, text, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

static int cmd_save(struct ctx *c, int argc, char **argv)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	struct ubc_conf_value vals[UBC_RESOURCES] = { { 0 } };
	struct info_list l = { 0 };
	const char *path = argc > 1 ? argv[1] : NULL;
	char *old = NULL, *text = NULL, what[32];
	size_t oldlen = 0;
	unsigned int i;
	uint32_t id;
	int ret;

	if (argc < 1 || argc > 2)
		return usage_error(c, "expected a compartment id and at most one file");
	ret = parse_id(c, argv[0], &id) ?: connect_ubc(c);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "compartment %u", id);
	ret = ubc_nl_talk(&c->nl, ubc_msg(c, buf, UBC_CMD_GET, 0, id),
			  info_cb, &l);
	if (ret || l.n != 1) {
		free(l.v);
		return kernel_error(c, what, ret ?: -EPROTO);
	}
	for (i = 0; i < l.v[0].nres; i++) {
		const struct ubc_res_info *r = &l.v[0].res[i];

		if (ubc_conf_key(r->id))
			vals[r->id] = (struct ubc_conf_value){
				.set = true, .barrier = r->barrier,
				.limit = r->limit };
	}
	free(l.v);
	if (path) {
		ret = read_file(path, &old, &oldlen);
		if (ret && ret != -ENOENT)
			return file_error(c, path, ret);
	}
	text = ubc_conf_format(old, oldlen, vals);
	free(old);
	if (!text)
		return file_error(c, path ?: "-", -ENOMEM);
	if (path)
		ret = write_file(path, text);
	else if (fputs(text, stdout) == EOF || fflush(stdout))
		ret = -errno;
	free(text);
	return ret ? file_error(c, path ?: "standard output", ret) : 0;
}

/* "ID.conf" with ID a valid compartment id. */
static bool conf_name(const char *name, uint32_t *id)
{
	const char *dot = strrchr(name, '.');
	char num[16];

	if (!dot || strcmp(dot, ".conf") || dot == name ||
	    (size_t)(dot - name) >= sizeof(num))
		return false;
	memcpy(num, name, dot - name);
	num[dot - name] = '\0';
	return !ubc_parse_id(num, id);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmd_restore(struct ctx *c, int argc, char **argv)
{
	const char *dir = argc ? argv[0] : UBC_CONF_DIR;
	unsigned int n = 0, cap = 0, i, failed = 0;
	uint32_t *ids = NULL, id, *p;
	struct dirent *de;
	char path[4096];
	DIR *d;
	int ret;

	if (argc > 1)
		return usage_error(c, "expected at most one directory");
	d = opendir(dir);
	if (!d)
		return file_error(c, dir, -errno);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!conf_name(de->d_name, &id)) {
			if (c->verbose)
				fprintf(stderr, "ubc: restore: %s/%s: not named ID.conf, skipped\n",
					dir, de->d_name);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			p = realloc(ids, cap * sizeof(*ids));
			if (!p) {
				closedir(d);
				free(ids);
				return file_error(c, dir, -ENOMEM);
			}
			ids = p;
		}
		ids[n++] = id;
	}
	closedir(d);
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u32);
	ret = n ? connect_ubc(c) : 0;
	if (ret) {
		free(ids);
		return ret;
	}
	for (i = 0; i < n; i++) {
		struct ubc_conf conf = { 0 };

		snprintf(path, sizeof(path), "%s/%u.conf", dir, ids[i]);
		if (load_conf(c, path, &conf) || apply_conf(c, ids[i], path, &conf))
			failed++;
		ubc_conf_free(&conf);
	}
	free(ids);
	printf("ubc: restore: %u of %u compartments from %s restored\n",
	       n - failed, n, dir);
	return failed ? EXIT_FAILURE : 0;
}

/* ---- show and top: once, or watching ---- */

struct view {
	double every;		/* -w SECONDS: refresh period, 0 for once */
	unsigned long count;	/* --count N: refreshes, 0 for no end */
	bool changed;		/* --changed */
	bool relative;		/* --relative */
	bool reset;		/* --reset */
	bool top;
};

static volatile sig_atomic_t view_stop;

static void on_stop(int sig)
{
	(void)sig;
	view_stop = 1;
}

/* "2", "0.5": 0.1 to 86400 seconds. */
static int parse_period(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || !(*v >= 0.1 && *v <= 86400) ?
	       -EINVAL : 0;
}

/*
 * Takes show's and top's own options out of argv (anywhere, as the
 * global ones); the rest stays for read_options().
 */
static int view_options(struct ctx *c, int *argc, char **argv,
			struct view *v)
{
	int i, n = 0;

	for (i = 0; i < *argc; i++) {
		const char *o = argv[i], *val = NULL;

		if (!strcmp(o, "--")) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(o, "-w") || !strcmp(o, "--watch") ||
		    !strcmp(o, "--count")) {
			if (i + 1 >= *argc)
				return usage_error(c, "%s needs a value", o);
			val = argv[++i];
		} else if (!strncmp(o, "--watch=", 8) || !strncmp(o, "--count=", 8)) {
			val = o + 8;
		}
		if (val && o[2] == 'c') {
			char *end;

			errno = 0;
			v->count = strtoul(val, &end, 10);
			if (errno || end == val || *end || !v->count ||
			    *val == '-')
				return usage_error(c, "\"%s\": invalid --count (expected 1 or more)", val);
		} else if (val) {
			if (parse_period(val, &v->every))
				return usage_error(c, "\"%s\": invalid period for -w (expected 0.1 to 86400 seconds)", val);
		} else if (!strcmp(o, "--changed") && !v->top) {
			v->changed = true;
		} else if (!strcmp(o, "--relative") && !v->top) {
			v->relative = true;
		} else if (!strcmp(o, "--reset") && !v->top) {
			v->reset = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	*argc = n;
	if (v->count && !v->every)
		return usage_error(c, "--count needs -w");
	return 0;
}

/* Where --relative and --changed keep the last look. */
static const char *state_path(char *buf, size_t len)
{
	const char *dir = getenv("UBC_STATE_DIR");

	if (!dir || !*dir)
		dir = "/run/ubc";
	mkdir(dir, 0700);
	snprintf(buf, len, "%s/failcnt", dir);
	return buf;
}

static void state_load(struct ubc_fails *s)
{
	char path[4096], *text;
	size_t len;

	s->v = NULL;
	s->n = 0;
	if (!read_file(state_path(path, sizeof(path)), &text, &len)) {
		ubc_fails_parse(s, text, len);
		free(text);
	}
}

static int state_save(const struct ctx *c, const struct ubc_fails *s)
{
	char path[4096], *text = ubc_fails_format(s);
	int ret;

	if (!text)
		return file_error(c, "failcnt state", -ENOMEM);
	ret = write_file(state_path(path, sizeof(path)), text);
	free(text);
	return ret ? file_error(c, path, ret) : 0;
}

/* The compartments of argv (validated ids), or all of them. */
static int fetch(struct ctx *c, int argc, char **argv, struct info_list *l)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	int i, ret, status = 0;
	char what[32];
	uint32_t id;

	l->n = 0;
	if (!argc)
		return dump_all(c, l);
	for (i = 0; i < argc; i++) {
		ubc_parse_id(argv[i], &id);
		ret = ubc_nl_talk(&c->nl, ubc_msg(c, buf, UBC_CMD_GET, 0, id),
				  info_cb, l);
		if (ret) {
			snprintf(what, sizeof(what), "compartment %u", id);
			status = kernel_error(c, what, ret);
		}
	}
	return status;
}

static void sleep_for(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (!view_stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int view(struct ctx *c, struct view *v, int argc, char **argv)
{
	struct ubc_fails base = { 0 }, now = { 0 };
	struct info_list l = { 0 };
	bool tty = isatty(STDOUT_FILENO), keep = v->relative || v->changed;
	struct sigaction sa = { .sa_handler = on_stop };
	unsigned long k;
	struct printer p;
	char stamp[64];
	int i, ret;

	ret = read_options(c, &argc, &argv, true);
	for (i = 0; !ret && i < argc; i++)
		ret = parse_id(c, argv[i], &(uint32_t){ 0 });
	if (ret)
		return ret;
	if (v->top && tty && !v->every)
		v->every = 2;	/* as top(1): refresh until interrupted */
	if (v->reset) {
		char path[4096];

		if (unlink(state_path(path, sizeof(path))) && errno != ENOENT)
			return file_error(c, path, -errno);
		if (!keep)
			return 0;
	}
	ret = connect_ubc(c);
	if (ret)
		return ret;
	if (keep)
		state_load(&base);
	if (v->every) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	for (k = 0; !view_stop && (!v->count || k < v->count); k++) {
		ret = fetch(c, argc, argv, &l);
		if (ret && (ret == EXIT_USAGE || !l.n))
			break;
		if (ubc_fails_take(&now, l.v, l.n)) {
			ret = file_error(c, "snapshot", -ENOMEM);
			break;
		}
		if (v->every) {
			time_t t = time(NULL);

			strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S %Z",
				 localtime(&t));
			if (tty)
				printf("\033[H\033[2J");
			if (!c->json)
				printf("%subc %s, every %gs: %s\n\n",
				       tty ? "" : "# ", v->top ? "top" : "show",
				       v->every, stamp);
		}
		printer_for(c, &p);
		if (v->every && c->json)
			p.pretty = false;	/* one JSON document a line */
		p.base = v->top && !k ? &now : &base;
		p.deltas = keep || v->top;
		p.changed_only = v->changed;
		if (v->top)
			ubc_print_top(&p, l.v, l.n);
		else
			ubc_print_show(&p, l.v, l.n);
		fflush(stdout);
		if (keep && state_save(c, &now)) {
			ret = EXIT_FAILURE;
			break;
		}
		ubc_fails_free(&base);
		base = now;
		now = (struct ubc_fails){ 0 };
		if (!v->every)
			break;
		if (!v->count || k + 1 < v->count)
			sleep_for(v->every);
	}
	ubc_fails_free(&base);
	ubc_fails_free(&now);
	free(l.v);
	return ret;
}

static int cmd_show(struct ctx *c, int argc, char **argv)
{
	struct view v = { 0 };

	return view_options(c, &argc, argv, &v) ?: view(c, &v, argc, argv);
}

static int cmd_top(struct ctx *c, int argc, char **argv)
{
	struct view v = { .top = true };

	return view_options(c, &argc, argv, &v) ?: view(c, &v, argc, argv);
}

/* ---- validation (vzcfgvalidate's rules, validate.c) ---- */

/* RAM and swap of the host, in pages, as vzctl's get_mem()/get_swap(). */
static void host_mem(const struct ctx *c, uint64_t *ram, uint64_t *swap)
{
	struct sysinfo si;

	*ram = *swap = 0;
	if (sysinfo(&si))
		return;
	*ram = (uint64_t)si.totalram * si.mem_unit / c->page_size;
	*swap = (uint64_t)si.totalswap * si.mem_unit / c->page_size;
}

/*
 * Barriers and limits of compartment @id into @vals; for an id that does
 * not exist (*exists false) the values "ubc create" starts with.
 */
static int current_values(struct ctx *c, uint32_t id,
			  struct ubc_conf_value vals[UBC_RESOURCES],
			  bool *exists)
{
	char buf[UBC_NL_REQ_SIZE] __attribute__((aligned(8)));
	struct info_list l = { 0 };
	char what[32];
	unsigned int r, i;
	int ret;

	ret = ubc_nl_talk(&c->nl, ubc_msg(c, buf, UBC_CMD_GET, 0, id), info_cb,
			  &l);
	*exists = !ret;
	for (r = 0; r < UBC_RESOURCES; r++) {
		bool guar = r == UBC_VMGUARPAGES || r == UBC_OOMGUARPAGES;

		vals[r] = (struct ubc_conf_value){
			.set = ubc_conf_key(r) != NULL,
			.barrier = guar ? 0 : UBC_UNLIMITED,
			.limit = UBC_UNLIMITED };
	}
	for (i = 0; !ret && l.n == 1 && i < l.v[0].nres; i++) {
		const struct ubc_res_info *x = &l.v[0].res[i];

		if (ubc_conf_key(x->id)) {
			vals[x->id].barrier = x->barrier;
			vals[x->id].limit = x->limit;
		}
	}
	free(l.v);
	if (ret && ret != -ENOENT) {
		snprintf(what, sizeof(what), "compartment %u", id);
		return kernel_error(c, what, ret);
	}
	return 0;
}

struct guard_report {
	const struct ctx *c;
	const char *path;
	uint32_t id;
	uint64_t changed;	/* resources the command sets */
	unsigned int blocking;
};

static void guard_cb(void *arg, enum ubc_level level, uint64_t res,
		     const char *msg)
{
	struct guard_report *g = arg;

	if (level != UBC_ERROR || !(res & g->changed))
		return;
	g->blocking++;
	fprintf(stderr, "ubc: %s: %s%scompartment %u: %s%s\n", g->c->cmd,
		g->path ? g->path : "", g->path ? ": " : "", g->id,
		g->c->force ? "forced past: " : "", msg);
}

/*
 * vzcfgvalidate's rules on what compartment @id becomes with @chg: an
 * Error about a resource @chg changes (a value it already has, or that a
 * new compartment starts with, is no change) refuses it (exit 1) unless -f.
 * *@exists_out (if not NULL): whether @id exists, from the same GET.
 * Other findings are "ubc validate"'s to print.
 */
static int guard(struct ctx *c, uint32_t id, const char *path,
		 const struct ubc_conf_value chg[UBC_RESOURCES],
		 const struct ubc_conf_value *avnumproc, bool *exists_out)
{
	struct ubc_conf_value vals[UBC_RESOURCES];
	struct guard_report g = { .c = c, .path = path, .id = id };
	struct ubc_validate v = { .res = vals, .avnumproc = avnumproc,
				  .vswap = -1, .report = guard_cb, .arg = &g };
	unsigned int r;
	bool exists;
	int ret;

	ret = current_values(c, id, vals, &exists);
	if (ret)
		return ret;
	if (exists_out)
		*exists_out = exists;
	for (r = 0; r < UBC_RESOURCES; r++) {
		if (!chg[r].set || (vals[r].barrier == chg[r].barrier &&
				    vals[r].limit == chg[r].limit))
			continue;	/* unchanged: not the command's doing */
		vals[r].barrier = chg[r].barrier;
		vals[r].limit = chg[r].limit;
		g.changed |= 1ULL << r;
	}
	host_mem(c, &v.ram_pages, &v.swap_pages);
	ubc_validate(&v);
	if (!g.blocking || c->force)
		return 0;
	fprintf(stderr, "ubc: %s: %s%scompartment %u: refused, %u error%s as vzcfgvalidate sees them (\"ubc validate\"); -f applies anyway\n",
		c->cmd, path ? path : "", path ? ": " : "", id, g.blocking,
		g.blocking == 1 ? "" : "s");
	return EXIT_FAILURE;
}

static void validate_cb(void *arg, enum ubc_level level, uint64_t res,
			const char *msg)
{
	(void)arg;
	(void)level;
	(void)res;
	fprintf(stderr, "%s\n", msg);
}

/* Sums of the guarantees of every compartment but @id. */
static int other_guarantees(struct ctx *c, uint32_t id, uint64_t *vm,
			    uint64_t *oom)
{
	struct info_list l = { 0 };
	size_t i;
	unsigned int k;
	int ret = dump_all(c, &l);

	*vm = *oom = 0;
	for (i = 0; !ret && i < l.n; i++) {
		if (l.v[i].id == id)
			continue;
		for (k = 0; k < l.v[i].nres; k++) {
			const struct ubc_res_info *x = &l.v[i].res[k];
			uint64_t *sum = x->id == UBC_VMGUARPAGES ? vm :
					x->id == UBC_OOMGUARPAGES ? oom : NULL;

			if (sum && x->barrier != UBC_UNLIMITED)
				*sum = *sum + x->barrier < *sum ? UINT64_MAX :
				       *sum + x->barrier;
		}
	}
	free(l.v);
	return ret;
}

enum { EXIT_INVALID = 2 };	/* vzcfgvalidate's "validation failed" */

static int cmd_validate(struct ctx *c, int argc, char **argv)
{
	struct ubc_conf_value vals[UBC_RESOURCES];
	struct ubc_validate v = { .vswap = -1, .report = validate_cb };
	struct ubc_conf conf = { 0 };
	struct stat st;
	bool exists;
	uint32_t id;
	int ret;

	if (argc != 1)
		return usage_error(c, "expected one config file or compartment id");
	host_mem(c, &v.ram_pages, &v.swap_pages);
	if (!stat(argv[0], &st) || ubc_parse_id(argv[0], &id)) {
		ret = load_conf(c, argv[0], &conf);
		if (ret)
			return ret;
		v.res = conf.res;
		v.avnumproc = &conf.avnumproc;
	} else {
		ret = connect_ubc(c) ?: current_values(c, id, vals, &exists);
		if (!ret && !exists) {
			fprintf(stderr, "ubc: validate: compartment %u: no such compartment (and no file \"%s\")\n",
				id, argv[0]);
			ret = EXIT_FAILURE;
		}
		if (!ret && other_guarantees(c, id, &v.others_vmguar,
					     &v.others_oomguar))
			ret = EXIT_FAILURE;
		if (ret)
			return ret;
		v.res = vals;
	}
	ret = ubc_validate(&v) ? 0 : EXIT_INVALID;
	if (!ret)
		fprintf(stderr, "Validation completed: success\n");
	ubc_conf_free(&conf);
	return ret;
}

/* ---- events and metrics: monitor, export (events.c) ---- */

struct monitor {
	bool json;
	bool all_res;
	bool res[UBC_RESOURCES];
	uint32_t *ids;
	size_t nids;
	unsigned long count;	/* events to print before exiting, 0: no end */
	unsigned long printed;
};

static bool monitor_wants(const struct monitor *m, const struct ubc_event *ev)
{
	size_t i;

	if (!m->all_res && (!ev->has_res || ev->res >= UBC_RESOURCES ||
			    !m->res[ev->res]))
		return false;
	if (!m->nids)
		return true;
	for (i = 0; i < m->nids; i++)
		if (m->ids[i] == ev->id)
			return true;
	return false;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *m = data;
	struct ubc_event ev;

	if (ubc_event_parse(nlh, &ev))
		return MNL_CB_OK;	/* not an event: another command's reply */
	if (!monitor_wants(m, &ev))
		return MNL_CB_OK;
	ubc_event_print(stdout, &ev, m->json);
	fflush(stdout);
	if (m->count && ++m->printed >= m->count)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static int monitor_options(struct ctx *c, int *argc, char **argv,
			   struct monitor *m)
{
	int i, n = 0, r;

	m->all_res = true;
	for (i = 0; i < *argc; i++) {
		const char *o = argv[i], *val = NULL;

		if (!strcmp(o, "--resource") || !strcmp(o, "--count")) {
			if (i + 1 >= *argc)
				return usage_error(c, "%s needs a value", o);
			val = argv[++i];
		} else if (!strncmp(o, "--resource=", 11)) {
			val = o + 11;
			o = "--resource";
		} else if (!strncmp(o, "--count=", 8)) {
			val = o + 8;
			o = "--count";
		}
		if (val && !strcmp(o, "--resource")) {
			r = ubc_parse_resource(val);
			if (r < 0)
				return usage_error(c, "\"%s\": unknown resource", val);
			m->all_res = false;
			m->res[r] = true;
		} else if (val) {
			char *end;

			errno = 0;
			m->count = strtoul(val, &end, 10);
			if (errno || end == val || *end || !m->count || *val == '-')
				return usage_error(c, "\"%s\": invalid --count (expected 1 or more)", val);
		} else {
			argv[n++] = argv[i];
		}
	}
	*argc = n;
	return 0;
}

static int cmd_monitor(struct ctx *c, int argc, char **argv)
{
	struct monitor m = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	int i, ret;
	ssize_t len;

	ret = monitor_options(c, &argc, argv, &m) ?:
	      read_options(c, &argc, &argv, true);
	if (ret)
		return ret;
	m.json = c->json;
	m.ids = calloc(argc ? argc : 1, sizeof(*m.ids));
	if (!m.ids)
		return kernel_error(c, NULL, -ENOMEM);
	for (i = 0; i < argc; i++) {
		ret = parse_id(c, argv[i], &m.ids[m.nids++]);
		if (ret)
			goto out;
	}
	ret = connect_ubc(c);
	if (ret)
		goto out;
	ret = ubc_nl_subscribe(&c->nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "ubc: monitor: the loaded module has no \"%s\" multicast group (older than this tool?)\n",
			UBC_MCGRP_EVENTS);
		ret = EXIT_FAILURE;
		goto out;
	}
	if (ret) {
		ret = kernel_error(c, "cannot listen to events (CAP_SYS_ADMIN on the host is needed)", ret);
		goto out;
	}
	/* no SA_RESTART: SIGINT and SIGTERM end the recv() below */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!view_stop) {
		len = mnl_socket_recvfrom(c->nl.sock, c->nl.buf, c->nl.bufsize);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {	/* our receive buffer overflowed */
				fprintf(stderr, "ubc: monitor: events lost (receive buffer full)\n");
				continue;
			}
			ret = kernel_error(c, "receive", -errno);
			goto out;
		}
		if (mnl_cb_run(c->nl.buf, len, 0, 0, monitor_cb, &m) == MNL_CB_STOP)
			break;
	}
	ret = 0;
out:
	free(m.ids);
	return ret;
}

/* /sys/module/ubc/parameters/events_lost, or -1. */
static long long events_lost(void)
{
	long long v = -1;
	FILE *f = fopen("/sys/module/ubc/parameters/events_lost", "re");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int cmd_export(struct ctx *c, int argc, char **argv)
{
	struct info_list l = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (argc > 1)
		return usage_error(c, "expected at most one output file");
	ret = connect_ubc(c) ?: dump_all(c, &l);
	if (ret)
		goto out;
	if (!argc) {
		ubc_export(stdout, l.v, l.n, c->page_size, events_lost());
		goto out;
	}
	/* atomically (write_file()): node_exporter must never read half a file */
	f = open_memstream(&text, &len);
	if (!f) {
		ret = kernel_error(c, NULL, -errno);
		goto out;
	}
	ubc_export(f, l.v, l.n, c->page_size, events_lost());
	if (fclose(f)) {
		ret = kernel_error(c, NULL, -ENOMEM);
		goto out;
	}
	ret = write_file(argv[0], text);
	if (ret)
		ret = file_error(c, argv[0], ret);
out:
	free(text);
	free(l.v);
	return ret;
}

static int cmd_help(struct ctx *c, int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
	const char *args;
	const char *help;
	const char *opts;	/* its own options, for "ubc COMMAND --help" */
	bool own_options;	/* reads every option itself, anywhere */
} commands[] = {
	{ .name = "create", .fn = cmd_create, .args = "ID [RES BARRIER[:LIMIT]]...",
	  .help = "create compartment ID; resources not given are unlimited, guarantees none" },
	{ .name = "destroy", .fn = cmd_destroy, .args = "ID",
	  .help = "destroy compartment ID, which must have no tasks" },
	{ .name = "list", .fn = cmd_list, .args = "",
	  .help = "list compartment ids, with \"dying\" while charges drain" },
	{ .name = "set", .fn = cmd_set, .args = "ID RES BARRIER[:LIMIT]...",
	  .help = "set barriers and limits, all or none; LIMIT defaults to BARRIER" },
	{ .name = "show", .fn = cmd_show, .args = "[OPTION]... [ID]...",
	  .help = "show beancounters and bursts of the given or of all compartments",
	  .opts = "  -w, --watch SECONDS  refresh every SECONDS (in place on a terminal,\n"
	  "                       appended otherwise; with -j a JSON document a line)\n"
	  "  --count N            with -w: N refreshes, then exit\n"
	  "  --relative           a +fail column: refusals since the last --relative\n"
	  "                       or --changed look (kept in $UBC_STATE_DIR, /run/ubc)\n"
	  "  --changed            only the rows with refusals since that look\n"
	  "  --reset              forget the last look\n",
	  .own_options = true },
	{ .name = "top", .fn = cmd_top, .args = "[OPTION]... [ID]...",
	  .help = "every beancounter in use, new refusals first, then the fullest against its limit",
	  .opts = "  -w, --watch SECONDS  refresh every SECONDS (2 on a terminal, else once)\n"
	  "  --count N            with -w: N refreshes, then exit\n",
	  .own_options = true },
	{ .name = "exec", .fn = cmd_exec, .args = "ID [--] CMD [ARG]...",
	  .help = "run CMD inside compartment ID" },
	{ .name = "enter", .fn = cmd_enter, .args = "ID PID",
	  .help = "move process PID (all its threads) into compartment ID" },
	{ .name = "apply", .fn = cmd_apply, .args = "ID FILE",
	  .help = "apply an OpenVZ container config (KMEMSIZE=\"B:L\"...), all or nothing; create ID if missing" },
	{ .name = "save", .fn = cmd_save, .args = "ID [FILE]",
	  .help = "write ID's barriers and limits as an OpenVZ config, into FILE's other lines if it exists" },
	{ .name = "restore", .fn = cmd_restore, .args = "[DIR]",
	  .help = "apply every ID.conf of DIR (" UBC_CONF_DIR "), reporting each failure" },
	{ .name = "validate", .fn = cmd_validate, .args = "FILE|ID",
	  .help = "vzcfgvalidate's consistency rules on a config or a compartment: 0 passed, 2 failed" },
	{ .name = "monitor", .fn = cmd_monitor, .args = "[OPTION]... [ID]...",
	  .help = "print refusals, forced charges, bursts, OOM kills and compartment changes as they happen",
	  .opts = "  --resource RES       only events of RES (repeatable)\n"
	  "  --count N            exit after N events\n"
	  "  (-j: one JSON object a line; SIGINT or SIGTERM ends it)\n",
	  .own_options = true },
	{ .name = "export", .fn = cmd_export, .args = "[FILE]",
	  .help = "every beancounter in Prometheus' text format, into FILE atomically (node_exporter's textfile collector)" },
	{ .name = "help", .fn = cmd_help, .args = "[COMMAND]",
	  .help = "print this help, or the help of COMMAND" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void command_usage(FILE *f, const struct command *cmd, int width)
{
	char synopsis[128];

	snprintf(synopsis, sizeof(synopsis), "%s %s", cmd->name, cmd->args);
	fprintf(f, "  %-*s  %s\n", width, synopsis, cmd->help);
}

static void usage(FILE *f)
{
	int len, width = 0;
	unsigned int r, n = 0;
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		len = strlen(commands[i].name) + 1 + strlen(commands[i].args);
		if (len > width)
			width = len;
	}
	fprintf(f, "Usage: ubc [-j] [-p] [-r] [-v] [-f] COMMAND [ARG]...\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		command_usage(f, &commands[i], width);
	fprintf(f, "\nOptions:\n"
		"  -j, --json     JSON output of list, show and monitor\n"
		"  -p, --pretty   JSON output on several lines, indented (implies -j)\n"
		"  -r, --raw      show: exact integers in the resource's unit\n"
		"  -v, --verbose  apply, restore: list the config keys that are skipped\n"
		"  -f, --force    apply, set, restore: even what validate calls an error\n"
		"  (the options may also follow COMMAND, and, for list and show,\n"
		"  come anywhere among its arguments)\n"
		"  -h, --help     print this help; \"ubc COMMAND --help\" for one command\n"
		"  -V, --version  print the version\n"
		"\nValues: N[K|M|G|P] or \"unlimited\": K, M, G multiply by 1024, 1024^2,\n"
		"1024^3 (bytes), P counts pages; see ubc(8).\n"
		"\nResources:");
	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_resource_valid(r))
			fprintf(f, "%s %s", n++ % 7 ? "" : "\n ",
				ubc_resource_name(r));
	fprintf(f, "\n");
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	const struct command *cmd;

	if (!argc) {
		usage(stdout);
		return 0;
	}
	if (argc > 1)
		return usage_error(c, "expected at most one command");
	cmd = find_command(argv[0]);
	if (!cmd)
		return usage_error(c, "\"%s\": unknown command", argv[0]);
	fprintf(stdout, "Usage: ubc %s %s\n  %s\n", cmd->name, cmd->args, cmd->help);
	if (cmd->opts)
		fprintf(stdout, "\nOptions:\n%s", cmd->opts);
	return 0;
}

/*
 * The tool's version, and the loaded module's (MODULE_VERSION, from the
 * same include/ubc/version.h): a mismatch is said, not refused.
 */
static int print_version(void)
{
	char mod[64] = "";
	FILE *f;

	printf("ubc %s (generic netlink family \"%s\" version %d)\n",
	       UBC_VERSION, UBC_GENL_NAME, UBC_GENL_VERSION);
	f = fopen("/sys/module/ubc/version", "re");
	if (f && fgets(mod, sizeof(mod), f)) {
		mod[strcspn(mod, "\n")] = '\0';
		printf("module ubc %s\n", mod);
		if (strcmp(mod, UBC_VERSION))
			fprintf(stderr, "ubc: warning: the loaded module is version %s, this tool %s\n",
				mod, UBC_VERSION);
	}
	if (f)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "raw", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { .cmd = "ubc", .page_size = sysconf(_SC_PAGESIZE) };
	const struct command *cmd;
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jprvfhV", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.json = c.pretty = true;
			break;
		case 'r':
			c.raw = true;
			break;
		case 'v':
			c.verbose = true;
			break;
		case 'f':
			c.force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return print_version();
		default:
			if (optopt)
				fprintf(stderr, "ubc: unknown option \"-%c\"\n", optopt);
			else
				fprintf(stderr, "ubc: unknown option \"%s\"\n",
					argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "ubc: unknown command \"%s\"\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	c.cmd = cmd->name;
	argc -= optind + 1;
	argv += optind + 1;
	if (argc && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")))
		return cmd_help(&c, 1, (char *[]){ (char *)cmd->name });
	if (cmd->fn != cmd_help && !cmd->own_options) {
		ret = read_options(&c, &argc, &argv, false);
		if (ret)
			return ret;
	}
	ret = cmd->fn(&c, argc, argv);
	ubc_nl_close(&c.nl);
	return ret;
}
