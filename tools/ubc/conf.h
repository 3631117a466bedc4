/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * OpenVZ container config files (vzctl's /etc/vz/conf/CTID.conf format) for
 * "ubc apply", "ubc save" and "ubc restore". Pure: text in, text out, so
 * that test.c checks it on the host.
 *
 * A line is KEY=VALUE or KEY="VALUE", parsed as vzctl's parse_line() does
 * (backslash escapes removed, blank and # lines skipped, surrounding space
 * trimmed, the quoted value ending at the last quote). A UBC value is
 * "B:L" or "B" (then L = B), each a number or "unlimited", as vzctl's
 * parse_twoul_sfx(): in the resource's unit, with an optional one-letter
 * suffix for byte and page resources (K, M, G, T multiply by 1024^n, P by
 * the page size, B by 1; a page resource's bytes are divided by the page
 * size, truncating), and a fraction only before a suffix ("2.5M").
 * Stricter than vzctl, which skips or truncates with a warning: a
 * malformed line, a bad value, a value above LONG_MAX, a barrier above its
 * limit, a resource given twice and a key vzctl does not know are errors.
 */
#ifndef UBC_CONF_H
#define UBC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ubc/resources.h>

struct ubc_conf_value {
	bool set;
	unsigned int line;	/* where, for messages */
	uint64_t barrier, limit;
};

struct ubc_conf_key {
	char name[32];
	unsigned int line;
};

struct ubc_conf {
	struct ubc_conf_value res[UBC_RESOURCES];	/* by resource id */
	/* AVNUMPROC: vzcfgvalidate's expected average, not a resource. */
	struct ubc_conf_value avnumproc;
	/* vzctl keys that are not beancounters, skipped (ubc apply -v). */
	struct ubc_conf_key *ignored;
	unsigned int nignored;
};

/* vzctl's name of resource @r (KMEMSIZE, ...), NULL for a dummy slot. */
const char *ubc_conf_key(unsigned int r);

/*
 * Parses @len bytes of @text, the contents of @path (for messages). On
 * error returns -EINVAL with "PATH:LINE: KEY: what" in @err and @c empty;
 * -ENOMEM. ubc_conf_free() releases @c in every case.
 */
int ubc_conf_parse(struct ubc_conf *c, const char *path, const char *text,
		   size_t len, unsigned long page_size, char *err,
		   size_t errlen);
void ubc_conf_free(struct ubc_conf *c);

/* vzctl's ubcstr(): "B" if B == L, else "B:L"; "unlimited" for LONG_MAX. */
const char *ubc_conf_fmt_pair(char *buf, size_t len, uint64_t barrier,
			      uint64_t limit);

/*
 * The config text for the values of @vals (every resource with .set), as
 * vzctl's store_ub() writes them, merged into @old (@oldlen bytes of an
 * existing file, NULL for none): a line of a resource's key (or alias) is
 * replaced in place, later lines of the same key dropped, every other line
 * kept byte for byte, keys the file lacked appended. Without @old: a
 * header comment and one line per resource. Returns a malloc()ed string,
 * NULL without memory.
 */
char *ubc_conf_format(const char *old, size_t oldlen,
		      const struct ubc_conf_value vals[UBC_RESOURCES]);

#endif /* UBC_CONF_H */
