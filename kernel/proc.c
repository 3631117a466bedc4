// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/user_beancounters in OpenVZ's "Version: 2.5" layout, byte for byte,
 * so existing parsers keep working: a header, then per compartment (in
 * ascending id order) one row per resource slot 0..24, dummy slots included,
 * the id on the first row only. Unlimited prints as LONG_MAX. Readable by
 * root only (0400), as in OpenVZ, and with netlink's rule on top (see
 * netlink.c): a task inside a compartment sees only its own compartment; a
 * host task needs CAP_SYS_ADMIN in the initial user namespace (open fails
 * with EPERM otherwise) and sees all; the host (id 0) has no rows. The
 * decision is taken once, at open. Memory counters are measured from each
 * shown compartment's own tasks, never by walking the host's processes.
 */
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <ubc/resources.h>

#include "comp.h"
#include "oom.h"
#include "proc.h"
#include "task.h"

static const char ubc_head_fmt[] = "%10s  %-12s %20s %20s %20s %20s %20s\n";
static const char ubc_res_fmt[] = "%10s%c %-12s %20lu %20lu %20lu %20lu %20lu\n";

static void ubc_proc_show_comp(struct seq_file *m, struct ubc_comp *comp)
{
	char id[12];
	unsigned int r;

	snprintf(id, sizeof(id), "%u", comp->id);
	ubc_mem_publish(comp);
	for (r = 0; r < UBC_RESOURCES; r++) {
		struct ubc_counter *c = &comp->res[r];
		bool real = ubc_resource_valid(r);

		seq_printf(m, ubc_res_fmt, r ? "" : id, r ? ' ' : ':',
			   ubc_resource_name(r),
			   real ? atomic_long_read(&c->held) : 0L,
			   real ? atomic_long_read(&c->maxheld) : 0L,
			   real ? READ_ONCE(c->barrier) : 0L,
			   real ? READ_ONCE(c->limit) : 0L,
			   real ? atomic_long_read(&c->failcnt) : 0L);
	}
}

/*
 * Records: the header (SEQ_START_TOKEN, *pos 0), then one per compartment,
 * *pos being its id + 1. A reader resuming after a partial read continues
 * at the right compartment even if others came or went meanwhile.
 */
static void *ubc_proc_find(struct seq_file *m, loff_t *pos)
{
	u32 visible = (unsigned long)m->private;
	struct ubc_comp *comp;
	u32 id;

	if (*pos - 1 > U32_MAX)
		return NULL;
	id = *pos - 1;
	if (visible) {
		/* only its own compartment, at most once */
		if (id > visible)
			return NULL;
		id = visible;
	}
	comp = ubc_comp_next(&id);
	if (!comp || (visible && id != visible))
		return NULL;
	*pos = (loff_t)id + 1;
	return comp;
}

static void *ubc_proc_start(struct seq_file *m, loff_t *pos)
	__acquires(&ubc_lock)
{
	mutex_lock(&ubc_lock);
	return *pos ? ubc_proc_find(m, pos) : SEQ_START_TOKEN;
}

static void *ubc_proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	*pos = v == SEQ_START_TOKEN ? 1 : (loff_t)((struct ubc_comp *)v)->id + 2;
	return ubc_proc_find(m, pos);
}

static void ubc_proc_stop(struct seq_file *m, void *v)
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
		ubc_proc_show_comp(m, v);
	}
	return 0;
}

static const struct seq_operations ubc_proc_ops = {
	.start	= ubc_proc_start,
	.next	= ubc_proc_next,
	.stop	= ubc_proc_stop,
	.show	= ubc_proc_show,
};

static int ubc_proc_open(struct inode *inode, struct file *file)
{
	u32 own = ubc_current_id();
	int err;

	if (!own && !file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	err = seq_open(file, &ubc_proc_ops);
	if (err)
		return err;
	/* Whom the opener may see is decided once, at open. */
	((struct seq_file *)file->private_data)->private =
		(void *)(unsigned long)own;
	return 0;
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
