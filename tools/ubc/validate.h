/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * vzcfgvalidate's consistency rules (vzctl 4.11 src/validate.c: validate(),
 * validate_vswap()) on one set of beancounters, with its messages word for
 * word. Pure, for test.c.
 *
 * Where a rule's operand is unlimited (LONG_MAX) ubc counts the rule as
 * met: vzctl's arithmetic overflows there, and "unlimited" is ubc's default
 * for every resource but the guarantees. Added to vzctl's rules: each
 * guarantee, and the sum of all compartments' guarantees, at most RAM +
 * swap (warnings).
 */
#ifndef UBC_VALIDATE_H
#define UBC_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

enum ubc_level {
	UBC_RECOMMENDATION,	/* printed, does not fail validation */
	UBC_WARNING,		/* fails validation (exit 2) */
	UBC_ERROR,		/* fails it, and apply/set refuse it */
};

struct ubc_validate {
	/* input */
	const struct ubc_conf_value *res;	/* [UBC_RESOURCES] */
	const struct ubc_conf_value *avnumproc;	/* may be unset */
	int vswap;			/* 1, 0, or -1: physpages.lim decides */
	uint64_t ram_pages, swap_pages;
	/* guarantees of the other compartments (sum, pages), 0 for a file */
	uint64_t others_vmguar, others_oomguar;
	/* called for each finding; @res: the resources the rule reads */
	void (*report)(void *arg, enum ubc_level level, uint64_t res,
		       const char *msg);
	void *arg;
	/* output */
	unsigned int errors, warnings, recommendations;
};

/* Runs every rule; returns true when validation passed (vzcfgvalidate 0). */
bool ubc_validate(struct ubc_validate *v);

#endif /* UBC_VALIDATE_H */
