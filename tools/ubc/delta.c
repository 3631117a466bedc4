// SPDX-License-Identifier: GPL-2.0 OR MIT
/* failcnt deltas, see delta.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

static int cmp_entry(const void *a, const void *b)
{
	const struct ubc_fail_entry *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->res > y->res) - (x->res < y->res);
}

int ubc_fails_take(struct ubc_fails *s, const struct ubc_info *c, size_t n)
{
	size_t i, total = 0;
	unsigned int r;

	s->n = 0;
	for (i = 0; i < n; i++)
		total += c[i].nres;
	s->v = calloc(total ? total : 1, sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		for (r = 0; r < c[i].nres; r++)
			s->v[s->n++] = (struct ubc_fail_entry){
				c[i].id, c[i].res[r].id, c[i].res[r].failcnt };
	qsort(s->v, s->n, sizeof(*s->v), cmp_entry);
	return 0;
}

int ubc_fails_parse(struct ubc_fails *s, const char *text, size_t len)
{
	size_t off = 0, cap = 0;
	struct ubc_fail_entry e, *p;

	s->v = NULL;
	s->n = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = (nl ? (size_t)(nl - text) : len) - off;
		char line[96], tail;
		unsigned long long id, res, fc;

		if (n < sizeof(line)) {
			memcpy(line, text + off, n);
			line[n] = '\0';
			if (sscanf(line, "%llu %llu %llu%c", &id, &res, &fc,
				   &tail) == 3 && id <= UINT32_MAX &&
			    res <= UINT32_MAX) {
				e = (struct ubc_fail_entry){ id, res, fc };
				if (s->n == cap) {
					cap = cap ? cap * 2 : 64;
					p = realloc(s->v, cap * sizeof(*p));
					if (!p) {
						ubc_fails_free(s);
						return -ENOMEM;
					}
					s->v = p;
				}
				s->v[s->n++] = e;
			}
		}
		off += n + 1;
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_entry);
	return 0;
}

char *ubc_fails_format(const struct ubc_fails *s)
{
	size_t i, cap = s->n * 48 + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < s->n; i++)
		len += snprintf(out + len, cap - len, "%" PRIu32 " %" PRIu32 " %" PRIu64 "\n",
				s->v[i].id, s->v[i].res, s->v[i].failcnt);
	return out;
}

void ubc_fails_free(struct ubc_fails *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

uint64_t ubc_fails_delta(const struct ubc_fails *s, uint32_t id, uint32_t res,
			 uint64_t failcnt)
{
	struct ubc_fail_entry key = { id, res, 0 }, *e = NULL;

	if (s && s->n)
		e = bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_entry);
	if (!e || e->failcnt > failcnt)
		return failcnt;
	return failcnt - e->failcnt;
}
