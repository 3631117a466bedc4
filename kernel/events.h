/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_EVENTS_H
#define _UBC_EVENTS_H

#include <linux/types.h>

struct ubc_comp;
struct task_struct;

/* Any context, lock-free for the caller: recorded, sent from a work. */
void ubc_event_oom(struct ubc_comp *comp, struct task_struct *victim,
		   long overdraft);
void ubc_event_burst(struct ubc_comp *comp);

/* Process context, under ubc_lock: sent at once. @cmd: UBC_CMD_*_NTF. */
void ubc_event_comp(u8 cmd, u32 id);

void ubc_events_start(void);	/* the family is registered */
void ubc_events_stop(void);	/* before it is unregistered */
void ubc_events_exit(void);	/* every hook is gone */

#endif /* _UBC_EVENTS_H */
