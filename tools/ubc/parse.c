// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Pure parsing and formatting for the ubc tool. Everything here is a
 * function of its arguments so that test.c can check it on the host.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/*
 * Leading decimal digits of *s, advancing *s past them. -EINVAL if there
 * are none; *overflow is set if they do not fit in a u64 (the digits are
 * still consumed so that the caller can tell junk from a huge number).
 */
static int parse_digits(const char **s, uint64_t *v, bool *overflow)
{
	const char *p = *s;
	uint64_t n = 0;

	*overflow = false;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (n > (UINT64_MAX - d) / 10)
			*overflow = true;
		n = n * 10 + d;
	}
	*s = p;
	*v = n;
	return 0;
}

/* A whole string of decimal digits in [min, max]. */
static int parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	bool overflow;

	if (parse_digits(&s, v, &overflow) || *s)
		return -EINVAL;
	if (overflow || *v < min || *v > max)
		return -ERANGE;
	return 0;
}

/* A compartment id: 1..UINT32_MAX, 0 being the host. */
int ubc_parse_id(const char *s, uint32_t *id)
{
	uint64_t v;
	int ret = parse_range(s, 1, UINT32_MAX, &v);

	if (!ret)
		*id = v;
	return ret;
}

/* A process id: 1..INT32_MAX. */
int ubc_parse_pid(const char *s, uint32_t *pid)
{
	uint64_t v;
	int ret = parse_range(s, 1, INT32_MAX, &v);

	if (!ret)
		*pid = v;
	return ret;
}

/*
 * A resource by OpenVZ name (case-insensitive) or number. Returns its
 * number, -ENOENT if there is no such resource, -EINVAL for an unused slot.
 */
int ubc_parse_resource(const char *s)
{
	uint64_t v;
	unsigned int r;

	if (!parse_range(s, 0, UINT64_MAX, &v)) {
		if (v >= UBC_RESOURCES)
			return -ENOENT;
		return ubc_resource_valid(v) ? (int)v : -EINVAL;
	}
	for (r = 0; r < UBC_RESOURCES; r++)
		if (ubc_resource_valid(r) && !strcasecmp(s, ubc_resource_name(r)))
			return r;
	return -ENOENT;
}

/*
 * A barrier or limit in the unit of the resource: decimal digits with an
 * optional suffix (case-insensitive), or "unlimited".
 *   K, M, G  x 1024, 1024^2, 1024^3. For a page resource the product is a
 *            byte count, converted to pages rounding up.
 *   P        pages: x page_size for a byte resource, x 1 for a page
 *            resource, invalid for an item resource.
 * Returns -EINVAL for malformed input, -ERANGE above UBC_UNLIMITED.
 */
int ubc_parse_value(const char *s, unsigned int unit, unsigned long page_size,
		    uint64_t *v)
{
	uint64_t n, mult = 1;
	bool overflow, to_pages = false;

	if (!strcasecmp(s, "unlimited")) {
		*v = UBC_UNLIMITED;
		return 0;
	}
	if (parse_digits(&s, &n, &overflow))
		return -EINVAL;
	switch (*s) {
	case 'k': case 'K':
		mult = 1ULL << 10;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		break;
	case 'p': case 'P':
		if (unit == UBC_UNIT_ITEMS)
			return -EINVAL;
		if (unit == UBC_UNIT_BYTES)
			mult = page_size;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (*s && *++s)
		return -EINVAL;
	to_pages = unit == UBC_UNIT_PAGES && mult > 1;
	if (overflow || n > UINT64_MAX / mult)
		return -ERANGE;
	n *= mult;
	if (to_pages)
		n = n / page_size + !!(n % page_size);
	if (n > UBC_UNLIMITED)
		return -ERANGE;
	*v = n;
	return 0;
}

static int value_error(char *err, size_t errlen, const char *s, unsigned int r,
		       int ret)
{
	const char *name = ubc_resource_name(r);

	if (ret == -ERANGE)
		snprintf(err, errlen,
			 "\"%s\": value for %s is too large (at most %llu, or \"unlimited\")",
			 s, name, UBC_UNLIMITED);
	else
		snprintf(err, errlen,
			 "\"%s\": invalid value for %s (expected a number with optional %s suffix, or \"unlimited\")",
			 s, name, ubc_resource_unit(r) == UBC_UNIT_ITEMS ?
			 "K, M or G" : "K, M, G or P");
	return -EINVAL;
}

/* "BARRIER[:LIMIT]" for resource @r; a barrier alone is also the limit. */
static int parse_pair(const char *s, unsigned int r, unsigned long page_size,
		      struct ubc_setting *set, char *err, size_t errlen)
{
	unsigned int unit = ubc_resource_unit(r);
	const char *colon = strchr(s, ':');
	char barrier[32];
	int ret;

	if (!colon)
		colon = s + strlen(s);
	if ((size_t)(colon - s) >= sizeof(barrier))
		return value_error(err, errlen, s, r, -EINVAL);
	memcpy(barrier, s, colon - s);
	barrier[colon - s] = '\0';
	ret = ubc_parse_value(barrier, unit, page_size, &set->barrier);
	if (ret)
		return value_error(err, errlen, barrier, r, ret);
	set->limit = set->barrier;
	if (*colon) {
		ret = ubc_parse_value(colon + 1, unit, page_size, &set->limit);
		if (ret)
			return value_error(err, errlen, colon + 1, r, ret);
	}
	if (set->barrier > set->limit) {
		snprintf(err, errlen, "%s: barrier %" PRIu64 " is above limit %" PRIu64,
			 ubc_resource_name(r), set->barrier, set->limit);
		return -EINVAL;
	}
	set->res = r;
	return 0;
}

/*
 * "RES BARRIER[:LIMIT] ..." of "ubc set" and "ubc create" into set[0..*n).
 * On error returns -EINVAL with a message for the user in @err.
 */
int ubc_parse_settings(int argc, char *const argv[], unsigned long page_size,
		       struct ubc_setting set[UBC_RESOURCES], unsigned int *n,
		       char *err, size_t errlen)
{
	bool seen[UBC_RESOURCES] = { false };
	int i, r;

	for (*n = 0, i = 0; i < argc; i += 2) {
		r = ubc_parse_resource(argv[i]);
		if (r == -EINVAL) {
			snprintf(err, errlen, "\"%s\": resource slot %s is unused",
				 argv[i], argv[i]);
			return r;
		}
		if (r < 0) {
			snprintf(err, errlen,
				 "\"%s\": unknown resource (\"ubc help\" lists them)",
				 argv[i]);
			return -EINVAL;
		}
		if (seen[r]) {
			snprintf(err, errlen, "%s: given more than once",
				 ubc_resource_name(r));
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "%s: missing BARRIER[:LIMIT]",
				 ubc_resource_name(r));
			return -EINVAL;
		}
		if (parse_pair(argv[i + 1], r, page_size, &set[*n], err, errlen))
			return -EINVAL;
		seen[r] = true;
		(*n)++;
	}
	return 0;
}

const char *ubc_unit_name(unsigned int unit)
{
	switch (unit) {
	case UBC_UNIT_BYTES:
		return "bytes";
	case UBC_UNIT_PAGES:
		return "pages";
	case UBC_UNIT_ITEMS:
		return "items";
	}
	return "none";
}

/* "512", "12.3K", "1.0M", ... up to T (P would read as pages). */
const char *ubc_fmt_human(char *buf, size_t len, double bytes)
{
	static const char suffix[] = "KMGT";
	unsigned int i = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%.0f", bytes);
		return buf;
	}
	bytes /= 1024;
	while (bytes >= 1023.95 && i < sizeof(suffix) - 2) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%c", bytes, suffix[i]);
	return buf;
}

/*
 * A value of the show table: the exact integer if @raw, else "unlimited",
 * human bytes for byte and page resources, the plain number for items.
 */
const char *ubc_fmt_value(char *buf, size_t len, uint64_t v, unsigned int unit,
			  unsigned long page_size, bool raw)
{
	if (!raw && v == UBC_UNLIMITED)
		return "unlimited";
	if (!raw && unit == UBC_UNIT_BYTES)
		return ubc_fmt_human(buf, len, v);
	if (!raw && unit == UBC_UNIT_PAGES)
		return ubc_fmt_human(buf, len, (double)v * page_size);
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* @held as a percentage of @of, "-" when @of is 0 or unlimited. */
const char *ubc_fmt_percent(char *buf, size_t len, uint64_t held, uint64_t of)
{
	if (!of || of == UBC_UNLIMITED)
		return "-";
	snprintf(buf, len, "%.1f%%", 100.0 * held / of);
	return buf;
}
