// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/user_beancounters in OpenVZ 2.6.32's "Version: 2.5" layout, byte
 * for byte (042stab's kernel/bc/proc.c: ub_show(), ub_show_res(),
 * ub_show_dummy()), so existing parsers keep working: a header, then the
 * host's block (id 0, host.c) and one block per compartment in ascending id
 * order, each with one row per slot 0..UBC_PROC_COMPAT-1 (dummies included,
 * swappages not: OpenVZ shows it only in /proc/bc, procvz.c), the id and
 * ':' in the first row's uid column. Unlimited prints as LONG_MAX; a dummy
 * row prints held and maxheld 0, barrier and limit unlimited, failcnt 0.
 * Readable by root only (0400), as in OpenVZ, and with netlink's rule on
 * top (see netlink.c): a task inside a compartment sees only its own
 * compartment (no host block); a host task needs CAP_SYS_ADMIN in the
 * initial user namespace (open fails with EPERM otherwise) and sees all.
 * The decision is taken once, at open. Memory counters are measured from
 * each shown compartment's own tasks, never by walking the host's processes
 * (the host's block counts the host's threads: host.c).
 */
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <ubc/resources.h>

#include "comp.h"
#include "host.h"
#include "oom.h"
#include "proc.h"
#include "task.h"

static const char ubc_head_fmt[] = "%10s  %-12s %20s %20s %20s %20s %20s\n";
static const char ubc_res_fmt[] = "%10s  %-12s %20lu %20lu %20lu %20lu %20lu\n";

/* A compartment's numbers, physpages etc. measured now. Under ubc_lock. */
void ubc_proc_comp_vals(struct ubc_comp *comp, struct ubc_proc_vals *v)
{
	unsigned int r;

	ubc_mem_publish(comp);
	for (r = 0; r < UBC_RESOURCES; r++) {
		const struct ubc_counter *c = &comp->res[r];

		v[r].held = atomic_long_read(&c->held);
		v[r].maxheld = atomic_long_read(&c->maxheld);
		v[r].barrier = READ_ONCE(c->barrier);
		v[r].limit = READ_ONCE(c->limit);
		v[r].failcnt = atomic_long_read(&c->failcnt);
	}
}

static void ubc_proc_row(struct seq_file *m, const char *uid, unsigned int r,
			 const struct ubc_proc_vals *v)
{
	seq_printf(m, ubc_res_fmt, uid, ubc_resource_name(r), v->held,
		   v->maxheld, v->barrier, v->limit, v->failcnt);
}

/*
 * The rows of one beancounter. @compat: /proc/user_beancounters' layout
 * (slots 0..UBC_PROC_COMPAT-1, dummies as OpenVZ's ub_show_dummy() prints
 * them); otherwise /proc/bc's (__show_resources(): real slots below
 * UBC_PROC_COMPAT, then the rest). @show_id puts "ID:" in the first row.
 */
void ubc_proc_rows(struct seq_file *m, u32 id, bool show_id, bool compat,
		   const struct ubc_proc_vals *v)
{
	static const struct ubc_proc_vals dummy = {
		.barrier = LONG_MAX, .limit = LONG_MAX,
	};
	unsigned int r, first = 1;
	char uid[16];

	snprintf(uid, sizeof(uid), "%u:", id);
	for (r = 0; r < (compat ? UBC_PROC_COMPAT : UBC_RESOURCES); r++) {
		bool real = ubc_resource_valid(r);

		if (!real && !compat)
			continue;
		ubc_proc_row(m, show_id && first ? uid : "", r,
			     real ? &v[r] : &dummy);
		first = 0;
	}
}

/*
 * Whom the opener of a beancounter file may see: *own is its compartment's
 * id (only that one), or 0 for a host task, which needs CAP_SYS_ADMIN in
 * the initial user namespace (-EPERM otherwise) and sees all.
 */
int ubc_proc_reader(struct file *file, u32 *own)
{
	*own = ubc_current_id();
	if (!*own && !file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/*
 * Records: the header (SEQ_START_TOKEN, *pos 0), the host (*pos 1, only
 * for a host reader), then one per compartment, *pos being its id + 2. A
 * reader resuming after a partial read continues at the right compartment
 * even if others came or went meanwhile.
 */
static void *ubc_proc_find(struct seq_file *m, loff_t *pos)
{
	u32 visible = (unsigned long)m->private;
	struct ubc_comp *comp;
	u32 id;

	if (*pos == 1) {
		if (!visible)
			return UBC_PROC_HOST;
		*pos = 2;
	}
	if (*pos - 2 > U32_MAX)
		return NULL;
	id = *pos - 2;
	if (visible) {
		/* only its own compartment, at most once */
		if (id > visible)
			return NULL;
		id = visible;
	}
	comp = ubc_comp_next(&id);
	if (!comp || (visible && id != visible))
		return NULL;
	*pos = (loff_t)id + 2;
	return comp;
}

void *ubc_proc_seq_start(struct seq_file *m, loff_t *pos)
	__acquires(&ubc_lock)
{
	mutex_lock(&ubc_lock);
	return *pos ? ubc_proc_find(m, pos) : SEQ_START_TOKEN;
}

void *ubc_proc_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	if (v == SEQ_START_TOKEN)
		*pos = 1;
	else if (v == UBC_PROC_HOST)
		*pos = 2;
	else
		*pos = (loff_t)((struct ubc_comp *)v)->id + 3;
	return ubc_proc_find(m, pos);
}

void ubc_proc_seq_stop(struct seq_file *m, void *v)
	__releases(&ubc_lock)
{
	mutex_unlock(&ubc_lock);
}

static int ubc_proc_show(struct seq_file *m, void *v)
{
	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "Version: 2.5\n");
		seq_printf(m, ubc_head_fmt, "uid", "resource", "held", "maxheld",
			   "barrier", "limit", "failcnt");
	} else {
		struct ubc_proc_vals vals[UBC_RESOURCES];

		if (v == UBC_PROC_HOST) {
			ubc_host_vals(vals);
			ubc_proc_rows(m, 0, true, true, vals);
		} else {
			ubc_proc_comp_vals(v, vals);
			ubc_proc_rows(m, ((struct ubc_comp *)v)->id, true, true,
				      vals);
		}
	}
	return 0;
}

static const struct seq_operations ubc_proc_ops = {
	.start	= ubc_proc_seq_start,
	.next	= ubc_proc_seq_next,
	.stop	= ubc_proc_seq_stop,
	.show	= ubc_proc_show,
};

/* seq_open() for a reader allowed by ubc_proc_reader(), iterating with
 * ubc_proc_seq_start/next/stop. */
int ubc_proc_seq_open(struct file *file, const struct seq_operations *ops)
{
	u32 own;
	int err;

	err = ubc_proc_reader(file, &own);
	if (err)
		return err;
	err = seq_open(file, ops);
	if (err)
		return err;
	/* Whom the opener may see is decided once, at open. */
	((struct seq_file *)file->private_data)->private =
		(void *)(unsigned long)own;
	return 0;
}

static int ubc_proc_open(struct inode *inode, struct file *file)
{
	return ubc_proc_seq_open(file, &ubc_proc_ops);
}

static const struct proc_ops ubc_proc_fops = {
	.proc_open	= ubc_proc_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= seq_release,
};

int ubc_proc_init(void)
{
	return proc_create("user_beancounters", 0400, NULL, &ubc_proc_fops) ?
		0 : -ENOMEM;
}

void ubc_proc_exit(void)
{
	remove_proc_entry("user_beancounters", NULL);
}
