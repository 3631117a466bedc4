/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_PROC_H
#define _UBC_PROC_H

#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/ubc.h>

struct ubc_comp;

/*
 * OpenVZ 2.6.32's two layouts of a beancounter's rows (kernel/bc/proc.c of
 * 042stab): /proc/user_beancounters prints slots 0..UBC_PROC_COMPAT-1,
 * dummies included (its UB_RESOURCES_COMPAT; swappages, slot 24, is not
 * there); /proc/bc/.../resources prints every real slot, swappages last.
 */
#define UBC_PROC_COMPAT	24

/* One row's numbers as the /proc files print them. */
struct ubc_proc_vals {
	long held, maxheld, barrier, limit, failcnt;
};

void ubc_proc_comp_vals(struct ubc_comp *comp, struct ubc_proc_vals *v);
void ubc_proc_rows(struct seq_file *m, u32 id, bool show_id, bool compat,
		   const struct ubc_proc_vals *v);
int ubc_proc_reader(struct file *file, u32 *own);

/*
 * The iteration of /proc/user_beancounters, shared by the files that list
 * beancounters (procvz.c): SEQ_START_TOKEN first (a header, if any), then
 * UBC_PROC_HOST for a host reader, then each compartment (struct ubc_comp
 * *, dying ones included) the reader may see, ascending; under ubc_lock
 * from start to stop.
 */
#define UBC_PROC_HOST	((void *)2)
int ubc_proc_seq_open(struct file *file, const struct seq_operations *ops);
void *ubc_proc_seq_start(struct seq_file *m, loff_t *pos);
void *ubc_proc_seq_next(struct seq_file *m, void *v, loff_t *pos);
void ubc_proc_seq_stop(struct seq_file *m, void *v);

int ubc_proc_init(void);
void ubc_proc_exit(void);

#endif /* _UBC_PROC_H */
