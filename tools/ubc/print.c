// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Text and JSON output of "ubc list" and "ubc show" through one print path.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"
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

/* "+N", or "-" for no new refusal; JSON "failcnt_delta": N. */
static void print_delta(struct printer *p, const char *fmt, uint64_t d)
{
	char buf[32];

	snprintf(buf, sizeof(buf), d ? "+%" PRIu64 : "-", d);
	pr_cell(p, PR_ANY, "failcnt_delta", fmt, buf, d);
}

static void print_resource(struct printer *p, uint32_t id,
			   const struct ubc_res_info *r)
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
	if (p->deltas)
		print_delta(p, " %7s", ubc_fails_delta(p->base, id, r->id,
							 r->failcnt));
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
	if (p->deltas)
		pr_text(p, " %7s", "+fail");
	pr_text(p, "\n");
}

/*
 * Per compartment a line "compartment ID[ dying][ bursts N]", the column
 * header and a line per resource. JSON
 * [{"id":..,"flags":[..],"resources":[{..},..][,"bursts":N]},..].
 */
/* Whether a row of @c has refusals since p->base. */
static bool changed(const struct printer *p, const struct ubc_info *c)
{
	unsigned int r;

	for (r = 0; r < c->nres; r++)
		if (ubc_fails_delta(p->base, c->id, c->res[r].id,
				    c->res[r].failcnt))
			return true;
	return false;
}

void ubc_print_show(struct printer *p, const struct ubc_info *c, size_t n)
{
	size_t i, shown = 0;
	unsigned int r;

	pr_open(p, PR_JSON, NULL, '[');
	for (i = 0; i < n; i++) {
		if (p->changed_only && !changed(p, &c[i]))
			continue;
		pr_open(p, PR_JSON, NULL, '{');
		if (shown++)
			pr_text(p, "\n");
		pr_u64(p, PR_ANY, "id", "compartment %s", c[i].id);
		print_flags(p, c[i].flags, " %s");
		if (c[i].has_bursts)
			pr_u64(p, PR_TEXT, NULL, " bursts %s", c[i].bursts);
		pr_text(p, "\n");
		print_header(p);
		pr_open(p, PR_JSON, "resources", '[');
		for (r = 0; r < c[i].nres; r++)
			if (!p->changed_only ||
			    ubc_fails_delta(p->base, c[i].id, c[i].res[r].id,
					    c[i].res[r].failcnt))
				print_resource(p, c[i].id, &c[i].res[r]);
		pr_close(p, PR_JSON, ']');
		if (c[i].has_bursts)
			pr_u64(p, PR_JSON, "bursts", NULL, c[i].bursts);
		pr_close(p, PR_JSON, '}');
	}
	pr_close(p, PR_JSON, ']');
	pr_end(p);
}

struct top_row {
	uint32_t id;
	const struct ubc_res_info *r;
	uint64_t delta;
	double of_limit, of_barrier;
};

static double ratio(uint64_t held, uint64_t of)
{
	return !of || of == UBC_UNLIMITED ? 0 : (double)held / of;
}

/*
 * New refusals first, then the fullest against the limit, the barrier,
 * then the most refused.
 */
static int cmp_top(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	if (x->of_limit != y->of_limit)
		return x->of_limit > y->of_limit ? -1 : 1;
	if (x->of_barrier != y->of_barrier)
		return x->of_barrier > y->of_barrier ? -1 : 1;
	if (x->r->failcnt != y->r->failcnt)
		return x->r->failcnt > y->r->failcnt ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->r->id > y->r->id) - (x->r->id < y->r->id);
}

/*
 * One row per (compartment, resource) in use or refused, sorted as
 * cmp_top(): "ID resource held barrier limit bar% lim% failcnt +fail".
 * JSON [{"id":..,"name":..,...,"failcnt_delta":N},..].
 */
void ubc_print_top(struct printer *p, const struct ubc_info *c, size_t n)
{
	const char *vfmt = p->raw ? " %20s" : " %10s";
	struct top_row *rows;
	size_t i, k = 0, total = 0;
	unsigned int r;
	char buf[32];

	for (i = 0; i < n; i++)
		total += c[i].nres;
	rows = calloc(total ? total : 1, sizeof(*rows));
	if (!rows)
		return;
	for (i = 0; i < n; i++)
		for (r = 0; r < c[i].nres; r++) {
			const struct ubc_res_info *x = &c[i].res[r];

			if (!x->held && !x->failcnt)
				continue;
			rows[k++] = (struct top_row){
				.id = c[i].id, .r = x,
				.delta = ubc_fails_delta(p->base, c[i].id, x->id,
							 x->failcnt),
				.of_limit = ratio(x->held, x->limit),
				.of_barrier = ratio(x->held, x->barrier) };
		}
	qsort(rows, k, sizeof(*rows), cmp_top);
	pr_text(p, "%10s %-13s", "id", "resource");
	pr_str(p, PR_TEXT, NULL, vfmt, "held");
	pr_str(p, PR_TEXT, NULL, vfmt, "barrier");
	pr_str(p, PR_TEXT, NULL, vfmt, "limit");
	pr_text(p, " %7s %7s %8s %7s\n", "bar%", "lim%", "failcnt", "+fail");
	pr_open(p, PR_JSON, NULL, '[');
	for (i = 0; i < k; i++) {
		const struct ubc_res_info *x = rows[i].r;

		pr_open(p, PR_JSON, NULL, '{');
		pr_u64(p, PR_ANY, "id", "%10s ", rows[i].id);
		pr_str(p, PR_ANY, "name", "%-13s", x->name);
		pr_str(p, PR_JSON, "unit", NULL, ubc_unit_name(x->unit));
		print_value(p, PR_ANY, "held", vfmt, x, x->held);
		print_barrier(p, vfmt, x);
		print_value(p, PR_ANY, "limit", vfmt, x, x->limit);
		pr_str(p, PR_TEXT, NULL, " %7s",
		       ubc_fmt_percent(buf, sizeof(buf), x->held, x->barrier));
		pr_str(p, PR_TEXT, NULL, " %7s",
		       ubc_fmt_percent(buf, sizeof(buf), x->held, x->limit));
		pr_u64(p, PR_ANY, "failcnt", " %8s", x->failcnt);
		print_delta(p, " %7s", rows[i].delta);
		pr_text(p, "\n");
		pr_close(p, PR_JSON, '}');
	}
	pr_close(p, PR_JSON, ']');
	pr_end(p);
	free(rows);
}
