/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A part: one group of hooks with one job (tasks and numproc, object
 * counts, kernel memory, ...). main.c initialises the parts in table order
 * at load, arms them in that order when the first compartment is created,
 * and disarms and exits them in reverse order.
 *
 * init:   prepare hooks (a missing kernel function fails the load), set up
 *         tables; nothing is attached yet. May sleep.
 * arm:    attach the hooks; under ubc_lock. Undo everything on failure.
 * disarm: detach the hooks; under ubc_lock. The caller then waits for
 *         running hooks to finish (ubc_probes_quiesce()) before any exit.
 * exit:   drop remaining charges and free everything; hooks are gone.
 * Any of them may be NULL.
 */
#ifndef _UBC_PART_H
#define _UBC_PART_H

struct ubc_part {
	const char *name;
	int (*init)(void);
	int (*arm)(void);
	void (*disarm)(void);
	void (*exit)(void);
};

extern const struct ubc_part ubc_tasks_part;	/* task.c: tasks, numproc */
extern const struct ubc_part ubc_objects_part;	/* objects.c: numfile, sockets, numpty */
extern const struct ubc_part ubc_kmem_part;	/* kmem.c: kmemsize, dcachesize */
extern const struct ubc_part ubc_locksig_part;	/* locksig.c: numflock, numsiginfo */
extern const struct ubc_part ubc_vm_part;	/* vm.c: privvm, locked, shm, vmguar pages */
extern const struct ubc_part ubc_oom_part;
extern const struct ubc_part ubc_events_part;	/* oom.c: phys, swap, oomguar pages */

#endif /* _UBC_PART_H */
