/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Pure parsing and formatting for the ubc tool: no netlink, no I/O, so that
 * the unit tests can link it on any host.
 */
#ifndef UBC_PARSE_H
#define UBC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ubc/resources.h>

/* One "RES BARRIER[:LIMIT]" pair of "ubc set" / "ubc create". */
struct ubc_setting {
	unsigned int res;
	uint64_t barrier;
	uint64_t limit;
};

int ubc_parse_id(const char *s, uint32_t *id);
int ubc_parse_pid(const char *s, uint32_t *pid);
int ubc_parse_resource(const char *s);
int ubc_parse_value(const char *s, unsigned int unit, unsigned long page_size,
		    uint64_t *v);
int ubc_parse_settings(int argc, char *const argv[], unsigned long page_size,
		       struct ubc_setting set[UBC_RESOURCES], unsigned int *n,
		       char *err, size_t errlen);

const char *ubc_unit_name(unsigned int unit);
const char *ubc_fmt_human(char *buf, size_t len, double bytes);
const char *ubc_fmt_value(char *buf, size_t len, uint64_t v, unsigned int unit,
			  unsigned long page_size, bool raw);
const char *ubc_fmt_percent(char *buf, size_t len, uint64_t held, uint64_t of);

#endif /* UBC_PARSE_H */
