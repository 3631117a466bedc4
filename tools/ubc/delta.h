/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * failcnt deltas: a snapshot of every (compartment, resource) failcnt, to
 * compare a later one with, kept across invocations as a small text file
 * ("ubc show --relative", "--changed"; vzubc -r's idea). Pure, for test.c.
 * The file is lines "ID RESOURCE-ID FAILCNT"; a line that does not parse
 * is skipped, so a damaged file only makes deltas absolute.
 */
#ifndef UBC_DELTA_H
#define UBC_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "print.h"

struct ubc_fail_entry {
	uint32_t id;
	uint32_t res;
	uint64_t failcnt;
};

struct ubc_fails {
	struct ubc_fail_entry *v;	/* sorted by (id, res) */
	size_t n;
};

/* From a snapshot; 0 or -ENOMEM. */
int ubc_fails_take(struct ubc_fails *s, const struct ubc_info *c, size_t n);
/* From the state file's text; 0 or -ENOMEM. */
int ubc_fails_parse(struct ubc_fails *s, const char *text, size_t len);
/* The state file's text (malloc()ed), NULL without memory. */
char *ubc_fails_format(const struct ubc_fails *s);
void ubc_fails_free(struct ubc_fails *s);

/*
 * Refusals of (@id, @res) since @s was taken: @failcnt minus the count
 * then, or all of @failcnt when @s did not have it or had more (the id
 * was destroyed and created again).
 */
uint64_t ubc_fails_delta(const struct ubc_fails *s, uint32_t id, uint32_t res,
			 uint64_t failcnt);

#endif /* UBC_DELTA_H */
