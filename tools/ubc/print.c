// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Text and JSON output of "ubc list" and "ubc show" through one print path.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "parse.h"
#include "print.h"

#define COLOR_FAIL	"\033[1;31m"
#define COLOR_RESET	"\033[0m"

void pr_init(struct printer *p, FILE *f, bool json)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->json = json;
	p->page_size = 4096;
	p->first[0] = true;
}

static bool pr_want(const struct printer *p, enum pr_type t)
{
	return p->json ? t != PR_TEXT : t != PR_JSON;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Pretty JSON: a new line, indented by two spaces per level. */
static void json_newline(struct printer *p, unsigned int depth)
{
	if (p->pretty)
		fprintf(p->f, "\n%*s", 2 * depth, "");
}

/* Comma before all but the first member, then "key": inside an object. */
static void json_member(struct printer *p, const char *key)
{
	if (!p->first[p->depth])
		fputc(',', p->f);
	if (p->depth)
		json_newline(p, p->depth);
	p->first[p->depth] = false;
	if (key) {
		json_string(p->f, key);
		fputs(p->pretty ? ": " : ":", p->f);
	}
}

/* Open a JSON object ('{') or array ('['); text output has no containers. */
void pr_open(struct printer *p, enum pr_type t, const char *key, char bracket)
{
	if (!p->json || !pr_want(p, t) || p->depth + 1 >= PR_DEPTH)
		return;
	json_member(p, key);
	fputc(bracket, p->f);
	p->first[++p->depth] = true;
}

void pr_close(struct printer *p, enum pr_type t, char bracket)
{
	if (!p->json || !pr_want(p, t) || !p->depth)
		return;
	p->depth--;
	if (!p->first[p->depth + 1])	/* not empty */
		json_newline(p, p->depth);
	fputc(bracket, p->f);
}

void pr_str(struct printer *p, enum pr_type t, const char *key,
	    const char *fmt, const char *s)
{
	if (!pr_want(p, t))
		return;
	if (p->json) {
		json_member(p, key);
		json_string(p->f, s);
	} else if (fmt) {
		fprintf(p->f, fmt, s);
	}
}

/* JSON: the number @v. Text: @text (@v in decimal if NULL) through @fmt. */
void pr_cell(struct printer *p, enum pr_type t, const char *key,
	     const char *fmt, const char *text, uint64_t v)
{
	char buf[32];

	if (!pr_want(p, t))
		return;
	if (p->json) {
		json_member(p, key);
		fprintf(p->f, "%" PRIu64, v);
		return;
	}
	if (!fmt)
		return;
	if (!text) {
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		text = buf;
	}
	fprintf(p->f, fmt, text);
}

void pr_u64(struct printer *p, enum pr_type t, const char *key,
	    const char *fmt, uint64_t v)
{
	pr_cell(p, t, key, fmt, NULL, v);
}

void pr_text(struct printer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->json)
		return;
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

/* Close the output: JSON ends with a newline. */
void pr_end(struct printer *p)
{
	if (p->json)
		fputc('\n', p->f);
}

static void print_flags(struct printer *p, uint32_t flags, const char *fmt)
{
	pr_open(p, PR_JSON, "flags", '[');
	if (flags & UBC_F_DYING)
		pr_str(p, PR_ANY, NULL, fmt, "dying");
	pr_close(p, PR_JSON, ']');
}

/* "101" or "101 dying" per line; JSON [{"id":101,"flags":[]},...]. */
void ubc_print_list(struct printer *p, const struct ubc_info *c, size_t n)
{
	size_t i;

	pr_open(p, PR_JSON, NULL, '[');
	for (i = 0; i < n; i++) {
		pr_open(p, PR_JSON, NULL, '{');
		pr_u64(p, PR_ANY, "id", "%s", c[i].id);
		print_flags(p, c[i].flags, " %s");
		pr_text(p, "\n");
		pr_close(p, PR_JSON, '}');
	}
	pr_close(p, PR_JSON, ']');
	pr_end(p);
}

static void print_value(struct printer *p, enum pr_type t, const char *key,
			const char *fmt, const struct ubc_res_info *r, uint64_t v)
{
	char buf[32];
	const char *text = ubc_fmt_value(buf, sizeof(buf), v, r->unit,
					 p->page_size, p->raw);

	pr_cell(p, t, key, fmt, text, v);
}

/*
 * The barrier of a guarantee (vmguarpages, oomguarpages): 0 and unlimited
 * guarantee nothing (the module treats both as none), which the text table
 * says as "none"; raw and JSON output keep the number.
 */
static void print_barrier(struct printer *p, const char *fmt,
			  const struct ubc_res_info *r)
{
	bool guar = r->id == UBC_VMGUARPAGES || r->id == UBC_OOMGUARPAGES;

	if (guar && !p->raw && (!r->barrier || r->barrier == UBC_UNLIMITED))
		pr_cell(p, PR_ANY, "barrier", fmt, "none", r->barrier);
	else
		print_value(p, PR_ANY, "barrier", fmt, r, r->barrier);
}

static void print_resource(struct printer *p, const struct ubc_res_info *r)
{
	const char *vfmt = p->raw ? " %20s" : " %10s";
	bool fail = r->failcnt && !p->raw;
	char buf[32];

	pr_open(p, PR_JSON, NULL, '{');
	pr_str(p, PR_ANY, "name", "%-13s", r->name);
	pr_u64(p, PR_JSON, "id", NULL, r->id);
	pr_str(p, PR_JSON, "unit", NULL, ubc_unit_name(r->unit));
	print_value(p, PR_ANY, "held", vfmt, r, r->held);
	print_value(p, PR_ANY, "maxheld", vfmt, r, r->maxheld);
	print_value(p, PR_JSON, "minheld", vfmt, r, r->minheld);
	print_barrier(p, vfmt, r);
	print_value(p, PR_ANY, "limit", vfmt, r, r->limit);
	pr_u64(p, PR_ANY, "failcnt", fail && p->color ?
	       " " COLOR_FAIL "%8s" COLOR_RESET : " %8s", r->failcnt);
	if (!p->raw) {
		pr_str(p, PR_TEXT, NULL, " %7s",
		       ubc_fmt_percent(buf, sizeof(buf), r->held, r->barrier));
		pr_str(p, PR_TEXT, NULL, " %7s",
		       ubc_fmt_percent(buf, sizeof(buf), r->held, r->limit));
	}
	if (fail && !p->color)
		pr_text(p, " *");
	pr_text(p, "\n");
	pr_close(p, PR_JSON, '}');
}

static void print_header(struct printer *p)
{
	const char *vfmt = p->raw ? " %20s" : " %10s";
	static const char *const cols[] = {
		"held", "maxheld", "barrier", "limit",
	};
	unsigned int i;

	pr_text(p, "%-13s", "resource");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		pr_str(p, PR_TEXT, NULL, vfmt, cols[i]);
	pr_text(p, " %8s", "failcnt");
	if (!p->raw)
		pr_text(p, " %7s %7s", "bar%", "lim%");
	pr_text(p, "\n");
}

/*
 * Per compartment a line "compartment ID[ dying][ bursts N]", the column
 * header and a line per resource. JSON
 * [{"id":..,"flags":[..],"resources":[{..},..][,"bursts":N]},..].
 */
void ubc_print_show(struct printer *p, const struct ubc_info *c, size_t n)
{
	size_t i;
	unsigned int r;

	pr_open(p, PR_JSON, NULL, '[');
	for (i = 0; i < n; i++) {
		pr_open(p, PR_JSON, NULL, '{');
		if (i)
			pr_text(p, "\n");
		pr_u64(p, PR_ANY, "id", "compartment %s", c[i].id);
		print_flags(p, c[i].flags, " %s");
		if (c[i].has_bursts)
			pr_u64(p, PR_TEXT, NULL, " bursts %s", c[i].bursts);
		pr_text(p, "\n");
		print_header(p);
		pr_open(p, PR_JSON, "resources", '[');
		for (r = 0; r < c[i].nres; r++)
			print_resource(p, &c[i].res[r]);
		pr_close(p, PR_JSON, ']');
		if (c[i].has_bursts)
			pr_u64(p, PR_JSON, "bursts", NULL, c[i].bursts);
		pr_close(p, PR_JSON, '}');
	}
	pr_close(p, PR_JSON, ']');
	pr_end(p);
}
