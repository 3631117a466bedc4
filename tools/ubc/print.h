/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One print path for text and JSON, in the manner of iproute2's print_*():
 * every field is printed once, as PR_ANY (text and JSON), PR_JSON (JSON
 * only) or PR_TEXT (text only). Pure: writes to a FILE *, no netlink.
 */
#ifndef UBC_PRINT_H
#define UBC_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define UBC_MAX_RES	64	/* resources kept per compartment */
#define UBC_NAME_LEN	32

struct ubc_fails;

struct ubc_res_info {
	uint32_t id;
	uint8_t unit;
	char name[UBC_NAME_LEN];
	uint64_t held, maxheld, minheld, barrier, limit, failcnt;
};

/* One compartment as reported by UBC_CMD_GET. */
struct ubc_info {
	uint32_t id;
	uint32_t flags;
	bool has_bursts;	/* UBC_A_BURSTS was present (newer module) */
	uint64_t bursts;
	unsigned int nres;
	struct ubc_res_info res[UBC_MAX_RES];
};

enum pr_type {
	PR_ANY,
	PR_JSON,
	PR_TEXT,
};

#define PR_DEPTH	8

struct printer {
	FILE *f;
	bool json;
	bool pretty;		/* JSON: one member a line, indented by two */
	bool raw;		/* exact integers, no decoration */
	bool color;		/* highlight with ANSI bold red, else with '*' */
	unsigned long page_size;
	/* show: failcnt deltas against @base (delta.h), or only those rows */
	const struct ubc_fails *base;
	bool deltas;
	bool changed_only;
	unsigned int depth;
	bool first[PR_DEPTH];
};

void pr_init(struct printer *p, FILE *f, bool json);
void pr_open(struct printer *p, enum pr_type t, const char *key, char bracket);
void pr_close(struct printer *p, enum pr_type t, char bracket);
void pr_str(struct printer *p, enum pr_type t, const char *key,
	    const char *fmt, const char *s);
void pr_u64(struct printer *p, enum pr_type t, const char *key,
	    const char *fmt, uint64_t v);
void pr_cell(struct printer *p, enum pr_type t, const char *key,
	     const char *fmt, const char *text, uint64_t v);
void pr_text(struct printer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pr_end(struct printer *p);

void ubc_print_list(struct printer *p, const struct ubc_info *c, size_t n);
void ubc_print_show(struct printer *p, const struct ubc_info *c, size_t n);
void ubc_print_top(struct printer *p, const struct ubc_info *c, size_t n);

#endif /* UBC_PRINT_H */
