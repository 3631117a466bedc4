// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ubc monitor's notifications and ubc export's metrics (events.h).
 *
 * Text lines are "TIME EVENT key=value ...", keys in a fixed order and
 * present only when the notification carried them; comm is printed with
 * every byte outside printable ASCII, '"' and '\' escaped as \xHH, so a
 * line always splits on spaces. JSON objects carry the same keys.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/ubc.h>
#include <ubc/resources.h>

#include "events.h"
#include "print.h"

static const char *const ev_names[] = {
	[UBC_CMD_REFUSED_NTF] = "refused",
	[UBC_CMD_FORCED_NTF] = "forced",
	[UBC_CMD_BURST_NTF] = "burst",
	[UBC_CMD_OOM_NTF] = "oom",
	[UBC_CMD_NEW_NTF] = "new",
	[UBC_CMD_DEL_NTF] = "del",
	[UBC_CMD_DRAINED_NTF] = "drained",
};

static const char *const strengths[] = {
	[UBC_STRENGTH_BARRIER] = "barrier",
	[UBC_STRENGTH_LIMIT] = "limit",
	[UBC_STRENGTH_FORCE] = "force",
};

const char *ubc_event_name(uint8_t cmd)
{
	return cmd < sizeof(ev_names) / sizeof(ev_names[0]) ? ev_names[cmd] : NULL;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -EPROTO;
	*v = mnl_attr_get_u64(a);
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EPROTO;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int get_str(const struct nlattr *a, char *buf, size_t len)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return -EPROTO;
	snprintf(buf, len, "%s", mnl_attr_get_str(a));
	return 0;
}

int ubc_event_parse(const struct nlmsghdr *nlh, struct ubc_event *ev)
{
	const struct genlmsghdr *g;
	const struct nlattr *a;
	int err = 0;

	memset(ev, 0, sizeof(*ev));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	g = mnl_nlmsg_get_payload(nlh);
	if (!ubc_event_name(g->cmd))
		return -EINVAL;
	ev->cmd = g->cmd;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case UBC_EV_A_ID: err = get_u32(a, &ev->id); break;
		case UBC_EV_A_RESOURCE:
			err = get_u32(a, &ev->res);
			ev->has_res = true;
			break;
		case UBC_EV_A_NAME: err = get_str(a, ev->name, sizeof(ev->name)); break;
		case UBC_EV_A_HELD: err = get_u64(a, &ev->held); break;
		case UBC_EV_A_BARRIER: err = get_u64(a, &ev->barrier); break;
		case UBC_EV_A_LIMIT: err = get_u64(a, &ev->limit); break;
		case UBC_EV_A_FAILCNT: err = get_u64(a, &ev->failcnt); break;
		case UBC_EV_A_VAL: err = get_u64(a, &ev->val); break;
		case UBC_EV_A_STRENGTH:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EPROTO;
			ev->strength = mnl_attr_get_u8(a);
			break;
		case UBC_EV_A_PID:
			err = get_u32(a, &ev->pid);
			ev->has_task = true;
			break;
		case UBC_EV_A_TGID: err = get_u32(a, &ev->tgid); break;
		case UBC_EV_A_COMM: err = get_str(a, ev->comm, sizeof(ev->comm)); break;
		case UBC_EV_A_HOOK: err = get_str(a, ev->hook, sizeof(ev->hook)); break;
		case UBC_EV_A_COALESCED: err = get_u64(a, &ev->coalesced); break;
		case UBC_EV_A_LOST: err = get_u64(a, &ev->lost); break;
		case UBC_EV_A_TIME: err = get_u64(a, &ev->time_ns); break;
		case UBC_EV_A_GUARANTEE: err = get_u64(a, &ev->guarantee); break;
		case UBC_EV_A_OVERDRAFT: err = get_u64(a, &ev->overdraft); break;
		case UBC_EV_A_BURSTS: err = get_u64(a, &ev->bursts); break;
		default: break;	/* newer module: ignore what we don't know */
		}
		if (err)
			return err;
	}
	return ev->id ? 0 : -EPROTO;
}

/* comm, escaped: printable ASCII but '"' and '\', else \xHH. */
static void put_comm(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' || ch == ' ')
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
}

/* In JSON, '\' escapes as \u00HH; the same set of bytes. */
static void put_comm_json(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
}

static void put_time(FILE *f, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%06uZ", buf, (unsigned int)(ns % 1000000000 / 1000));
}

struct out {
	FILE *f;
	bool json;
};

static void kv_u64(struct out *o, const char *k, uint64_t v)
{
	if (o->json)
		fprintf(o->f, ",\"%s\":%llu", k, (unsigned long long)v);
	else if (v == UBC_UNLIMITED && (!strcmp(k, "barrier") || !strcmp(k, "limit")))
		fprintf(o->f, " %s=unlimited", k);
	else
		fprintf(o->f, " %s=%llu", k, (unsigned long long)v);
}

static void kv_str(struct out *o, const char *k, const char *v)
{
	if (o->json)
		fprintf(o->f, ",\"%s\":\"%s\"", k, v);
	else
		fprintf(o->f, " %s=%s", k, v);
}

void ubc_event_print(FILE *f, const struct ubc_event *ev, bool json)
{
	struct out o = { .f = f, .json = json };
	const char *name = ubc_event_name(ev->cmd);

	if (json) {
		fprintf(f, "{\"time\":\"");
		put_time(f, ev->time_ns);
		fprintf(f, "\",\"time_ns\":%llu,\"event\":\"%s\",\"id\":%u",
			(unsigned long long)ev->time_ns, name, ev->id);
	} else {
		put_time(f, ev->time_ns);
		fprintf(f, " %s id=%u", name, ev->id);
	}
	if (ev->has_res) {
		kv_str(&o, "resource", ev->name[0] ? ev->name :
		       ubc_resource_name(ev->res) ?: "?");
		kv_u64(&o, "held", ev->held);
		kv_u64(&o, "barrier", ev->barrier);
		kv_u64(&o, "limit", ev->limit);
		kv_u64(&o, "val", ev->val);
		kv_str(&o, "strength", ev->strength < 3 ? strengths[ev->strength] : "?");
		kv_u64(&o, "failcnt", ev->failcnt);
	}
	if (ev->cmd == UBC_CMD_OOM_NTF) {
		kv_u64(&o, "held", ev->held);
		kv_u64(&o, "guarantee", ev->guarantee);
		kv_u64(&o, "overdraft", ev->overdraft);
		kv_u64(&o, "failcnt", ev->failcnt);
	}
	if (ev->cmd == UBC_CMD_BURST_NTF)
		kv_u64(&o, "bursts", ev->bursts);
	if (ev->has_task) {
		kv_u64(&o, "pid", ev->pid);
		kv_u64(&o, "tgid", ev->tgid);
		if (json) {
			fprintf(f, ",\"comm\":\"");
			put_comm_json(f, ev->comm);
			fputc('"', f);
		} else {
			fprintf(f, " comm=");
			put_comm(f, ev->comm);
		}
	}
	if (ev->hook[0])
		kv_str(&o, "hook", ev->hook);
	if (ev->cmd != UBC_CMD_NEW_NTF && ev->cmd != UBC_CMD_DEL_NTF &&
	    ev->cmd != UBC_CMD_DRAINED_NTF)
		kv_u64(&o, "coalesced", ev->coalesced);
	kv_u64(&o, "lost", ev->lost);
	fputs(json ? "}\n" : "\n", f);
}

static const char *unit_name(uint8_t unit)
{
	switch (unit) {
	case UBC_UNIT_BYTES: return "bytes";
	case UBC_UNIT_PAGES: return "pages";
	case UBC_UNIT_ITEMS: return "items";
	default: return "none";
	}
}

static void metric_head(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric_value(FILE *f, uint64_t v, bool unlimited_inf)
{
	if (unlimited_inf && v >= UBC_UNLIMITED)
		fprintf(f, " +Inf\n");
	else
		fprintf(f, " %llu\n", (unsigned long long)v);
}

enum field { F_HELD, F_MAXHELD, F_BARRIER, F_LIMIT, F_FAILCNT };

static uint64_t field(const struct ubc_res_info *r, enum field w)
{
	switch (w) {
	case F_HELD: return r->held;
	case F_MAXHELD: return r->maxheld;
	case F_BARRIER: return r->barrier;
	case F_LIMIT: return r->limit;
	default: return r->failcnt;
	}
}

void ubc_export(FILE *f, const struct ubc_info *c, size_t n,
		unsigned long page_size, long long lost)
{
	static const struct {
		const char *name, *type, *help;
		enum field w;
	} m[] = {
		{ "ubc_held", "gauge", "What the compartment holds now, in the resource's unit.", F_HELD },
		{ "ubc_maxheld", "gauge", "The most it held since it was created.", F_MAXHELD },
		{ "ubc_barrier", "gauge", "The barrier: held beyond it is burst (+Inf: unlimited).", F_BARRIER },
		{ "ubc_limit", "gauge", "The limit: held never passes it (+Inf: unlimited).", F_LIMIT },
		{ "ubc_failcnt_total", "counter", "Refused charges (oomguarpages: OOM kills).", F_FAILCNT },
	};
	size_t i, k;
	unsigned int r;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		metric_head(f, m[k].name, m[k].type, m[k].help);
		for (i = 0; i < n; i++)
			for (r = 0; r < c[i].nres; r++) {
				const struct ubc_res_info *res = &c[i].res[r];

				fprintf(f, "%s{compartment=\"%u\",resource=\"%s\",unit=\"%s\"}",
					m[k].name, c[i].id, res->name, unit_name(res->unit));
				metric_value(f, field(res, m[k].w),
					     m[k].w == F_BARRIER || m[k].w == F_LIMIT);
			}
	}
	metric_head(f, "ubc_bursts_total", "counter",
		    "Burst warnings: low-memory events met while the compartment was in burst.");
	for (i = 0; i < n; i++)
		fprintf(f, "ubc_bursts_total{compartment=\"%u\"} %llu\n", c[i].id,
			(unsigned long long)c[i].bursts);
	metric_head(f, "ubc_dying", "gauge",
		    "1 while a destroyed compartment's charges drain.");
	for (i = 0; i < n; i++)
		fprintf(f, "ubc_dying{compartment=\"%u\"} %d\n", c[i].id,
			!!(c[i].flags & UBC_F_DYING));
	metric_head(f, "ubc_page_size_bytes", "gauge", "The size of a page, the unit \"pages\".");
	fprintf(f, "ubc_page_size_bytes %lu\n", page_size);
	if (lost >= 0) {
		metric_head(f, "ubc_events_lost_total", "counter",
			    "Events the module could not record or deliver.");
		fprintf(f, "ubc_events_lost_total %lld\n", lost);
	}
}
