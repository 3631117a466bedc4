// SPDX-License-Identifier: GPL-2.0
/*
 * OpenVZ 2.6.32's other host files, for vzctl's tools (vzubc, vzlist,
 * vzoversell, vzmemcheck, vzcalc): /proc/bc and /proc/vz/veinfo, in the
 * formats of 042stab's kernel/bc/proc.c and kernel/ve/vecalls.c.
 *
 *  /proc/bc/resources     every beancounter the reader may see, the host
 *                         (0) first: res_show() / __show_resources(), no
 *                         header, no dummy rows, swappages last, "ID:" in
 *                         the uid column of each block's first row
 *  /proc/bc/ID/resources  one beancounter, the same rows without the id
 *                         (bc_resources_show()); ID 0 is the host
 *  /proc/vz/veinfo        "%10u %5u %5u\n" per container: id, class (0),
 *                         numproc held; the host (0) first; no addresses
 *                         (ubc virtualizes no network); live compartments
 *                         only (a destroyed one has stopped, as an OpenVZ
 *                         container leaves ve_list when it stops)
 *
 * Who may read: the rule of /proc/user_beancounters (proc.c,
 * ubc_proc_reader()), decided at open: a host task needs CAP_SYS_ADMIN in
 * the initial user namespace (EPERM), and sees everything; a task inside a
 * compartment sees its own beancounter only (no host line or block), and
 * open() of another id's /proc/bc/ID/resources, 0 included, fails with
 * EPERM. Directories are mode 0500 and files 0400, root's, as in OpenVZ.
 *
 * /proc/bc/ID follows the registry (comp.c): a directory per compartment,
 * dying ones included, made and removed by ubc_procvz_sync(), which the
 * netlink NEW handler calls after creating one and comp.c's release work
 * after erasing one. The directories are ordinary proc entries
 * (proc_mkdir_mode(), proc_create_data(), proc_remove(); pde_data() gives
 * a file its id), which procfs serves by itself: a module on 6.1 and 6.12
 * cannot give a proc directory its own lookup (struct proc_dir_entry is
 * private to fs/proc). Locking: ubc_procvz_lock (mutex) serializes
 * changes to the tree and ubc_bc_dirs; it is taken outside ubc_lock and
 * never under it, and ubc_lock is held only to compare the two id sets:
 * proc_remove() waits for readers inside our show functions
 * (proc_entry_rundown()), and those take ubc_lock.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>
#include <ubc/resources.h>

#include "comp.h"
#include "host.h"
#include "proc.h"
#include "procvz.h"

static struct proc_dir_entry *ubc_bc_root, *ubc_vz_root;
static DEFINE_MUTEX(ubc_procvz_lock);
static DEFINE_XARRAY(ubc_bc_dirs);	/* id -> /proc/bc/ID, ids >= 1 */
static bool ubc_procvz_live;		/* under ubc_procvz_lock */

/* ---- /proc/bc/resources ---- */

static int ubc_bc_all_show(struct seq_file *m, void *v)
{
	struct ubc_proc_vals vals[UBC_RESOURCES];

	if (v == SEQ_START_TOKEN)
		return 0;
	if (v == UBC_PROC_HOST) {
		ubc_host_vals(vals);
		ubc_proc_rows(m, 0, true, false, vals);
	} else {
		ubc_proc_comp_vals(v, vals);
		ubc_proc_rows(m, ((struct ubc_comp *)v)->id, true, false, vals);
	}
	return 0;
}

static const struct seq_operations ubc_bc_all_ops = {
	.start	= ubc_proc_seq_start,
	.next	= ubc_proc_seq_next,
	.stop	= ubc_proc_seq_stop,
	.show	= ubc_bc_all_show,
};

static int ubc_bc_all_open(struct inode *inode, struct file *file)
{
	return ubc_proc_seq_open(file, &ubc_bc_all_ops);
}

static const struct proc_ops ubc_bc_all_fops = {
	.proc_open	= ubc_bc_all_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= seq_release,
};

/* ---- /proc/bc/ID/resources ---- */

static int ubc_bc_one_show(struct seq_file *m, void *v)
{
	struct ubc_proc_vals vals[UBC_RESOURCES];
	u32 id = (unsigned long)m->private;
	struct ubc_comp *comp;
	int err = 0;

	mutex_lock(&ubc_lock);
	if (!id) {
		ubc_host_vals(vals);
	} else {
		comp = ubc_comp_lookup(id);
		if (comp)
			ubc_proc_comp_vals(comp, vals);
		else
			err = -ENOENT;	/* released, directory not yet gone */
	}
	mutex_unlock(&ubc_lock);
	if (!err)
		ubc_proc_rows(m, id, false, false, vals);
	return err;
}

static int ubc_bc_one_open(struct inode *inode, struct file *file)
{
	u32 id = (unsigned long)pde_data(inode), own;
	int err;

	err = ubc_proc_reader(file, &own);
	if (err)
		return err;
	if (own && own != id)
		return -EPERM;
	return single_open(file, ubc_bc_one_show, (void *)(unsigned long)id);
}

static const struct proc_ops ubc_bc_one_fops = {
	.proc_open	= ubc_bc_one_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

static struct proc_dir_entry *ubc_bc_mkdir(u32 id)
{
	struct proc_dir_entry *dir;
	char name[12];

	snprintf(name, sizeof(name), "%u", id);
	dir = proc_mkdir_mode(name, 0500, ubc_bc_root);
	if (dir && !proc_create_data("resources", 0400, dir, &ubc_bc_one_fops,
				     (void *)(unsigned long)id)) {
		proc_remove(dir);
		dir = NULL;
	}
	return dir;
}

/* ---- /proc/vz/veinfo ---- */

static int ubc_veinfo_show(struct seq_file *m, void *v)
{
	struct ubc_comp *comp = v;

	if (v == SEQ_START_TOKEN)
		return 0;
	if (v == UBC_PROC_HOST)
		seq_printf(m, "%10u %5u %5u\n", 0, 0,
			   (unsigned int)ubc_host_numproc());
	else if (!comp->dying)
		seq_printf(m, "%10u %5u %5u\n", comp->id, 0, (unsigned int)
			   atomic_long_read(&comp->res[UBC_NUMPROC].held));
	return 0;
}

static const struct seq_operations ubc_veinfo_ops = {
	.start	= ubc_proc_seq_start,
	.next	= ubc_proc_seq_next,
	.stop	= ubc_proc_seq_stop,
	.show	= ubc_veinfo_show,
};

static int ubc_veinfo_open(struct inode *inode, struct file *file)
{
	return ubc_proc_seq_open(file, &ubc_veinfo_ops);
}

static const struct proc_ops ubc_veinfo_fops = {
	.proc_open	= ubc_veinfo_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= seq_release,
};

/* ---- the tree ---- */

#define UBC_SYNC_BATCH	16

/*
 * Make /proc/bc/ID for every compartment in the registry that has none and
 * remove those whose compartment was erased. Task context, without
 * ubc_lock; may sleep (waits for readers of removed files).
 */
void ubc_procvz_sync(void)
{
	u32 add[UBC_SYNC_BATCH], del[UBC_SYNC_BATCH];
	struct proc_dir_entry *dir;
	unsigned int na, nd, i;
	struct ubc_comp *comp;
	unsigned long idx;
	u32 id;

	mutex_lock(&ubc_procvz_lock);
	while (ubc_procvz_live) {
		na = nd = 0;
		mutex_lock(&ubc_lock);
		id = 1;
		while (na < UBC_SYNC_BATCH && (comp = ubc_comp_next(&id))) {
			if (!xa_load(&ubc_bc_dirs, id))
				add[na++] = id;
			if (id == U32_MAX)
				break;
			id++;
		}
		xa_for_each(&ubc_bc_dirs, idx, dir) {
			if (nd == UBC_SYNC_BATCH)
				break;
			if (!ubc_comp_lookup(idx))
				del[nd++] = idx;
		}
		mutex_unlock(&ubc_lock);
		if (!na && !nd)
			break;
		for (i = 0; i < nd; i++)
			proc_remove(xa_erase(&ubc_bc_dirs, del[i]));
		for (i = 0; i < na; i++) {
			dir = ubc_bc_mkdir(add[i]);
			if (dir && xa_err(xa_store(&ubc_bc_dirs, add[i], dir,
						   GFP_KERNEL))) {
				proc_remove(dir);
				dir = NULL;
			}
			if (!dir) {
				/* the next sync tries again */
				pr_warn_ratelimited("cannot make /proc/bc/%u\n",
						    add[i]);
				goto out;
			}
		}
	}
out:
	mutex_unlock(&ubc_procvz_lock);
}

int ubc_procvz_init(void)
{
	struct proc_dir_entry *host;

	ubc_bc_root = proc_mkdir_mode("bc", 0500, NULL);
	if (!ubc_bc_root)
		return -ENOMEM;
	host = ubc_bc_mkdir(0);
	if (!host ||
	    !proc_create("resources", 0400, ubc_bc_root, &ubc_bc_all_fops))
		goto err_bc;
	ubc_vz_root = proc_mkdir("vz", NULL);
	if (!ubc_vz_root)
		goto err_bc;
	if (!proc_create("veinfo", 0400, ubc_vz_root, &ubc_veinfo_fops))
		goto err_vz;
	mutex_lock(&ubc_procvz_lock);
	ubc_procvz_live = true;
	mutex_unlock(&ubc_procvz_lock);
	return 0;

err_vz:
	proc_remove(ubc_vz_root);
err_bc:
	proc_remove(ubc_bc_root);
	return -ENOMEM;
}

void ubc_procvz_exit(void)
{
	struct proc_dir_entry *dir;
	unsigned long idx;

	mutex_lock(&ubc_procvz_lock);
	ubc_procvz_live = false;
	xa_for_each(&ubc_bc_dirs, idx, dir)
		xa_erase(&ubc_bc_dirs, idx);
	mutex_unlock(&ubc_procvz_lock);
	proc_remove(ubc_vz_root);
	proc_remove(ubc_bc_root);	/* the whole subtree */
}
