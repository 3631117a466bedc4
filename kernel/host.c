// SPDX-License-Identifier: GPL-2.0
/*
 * The host's beancounter, id 0, for /proc/user_beancounters, /proc/bc and
 * /proc/vz/veinfo (OpenVZ's ub0 / ve0). ubc charges nothing to the host:
 * its numbers are derived when read, from what the kernel counts for the
 * whole machine, minus the sum of every compartment's held (dying ones
 * included), never below 0. Where the kernel keeps no global count that a
 * module can read on both 6.1 and 6.12, held is 0. Per resource (G is the
 * global count; Documentation/proc.rst has the same table):
 *
 *   kmemsize      slab (NR_SLAB_RECLAIMABLE_B + NR_SLAB_UNRECLAIMABLE_B),
 *                 kernel stacks (NR_KERNEL_STACK_KB) and page tables
 *                 (NR_PAGETABLE), in bytes: vm_node_stat, exported
 *   lockedpages   NR_MLOCK (vm_zone_stat)
 *   privvmpages   vm_memory_committed() (exported, GPL): Committed_AS
 *   shmpages      NR_SHMEM (vm_node_stat)
 *   numproc       the threads of the system: for_each_process_thread()
 *                 under RCU (nr_threads is not exported), idle tasks not
 *                 counted, kernel threads counted (OpenVZ's ub0 counts
 *                 them too)
 *   physpages     totalram_pages() - NR_FREE_PAGES: RAM in use
 *   oomguarpages  the host's physpages + swappages, as OpenVZ's
 *                 oomguarpages counts resident plus swapped pages
 *   swappages,    0: total_swap_pages, nr_files, the dentry, pty, lock and
 *   numfile,      siginfo counts are not exported; the socket buffer
 *   dcachesize,   resources and numiptent are configurable only and read
 *   numflock,     0 in every compartment too; vmguarpages is a guarantee
 *   numpty, ...   with no usage of its own
 *
 * Barriers and limits are unlimited (LONG_MAX); failcnt is 0 (ubc refuses
 * the host nothing); maxheld is the largest held a read has shown since the
 * module was loaded (ubc_host_maxheld, under ubc_lock).
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/vmstat.h>
#include <ubc/resources.h>

#include "comp.h"
#include "host.h"
#include "oom.h"

static long ubc_host_maxheld[UBC_RESOURCES];	/* under ubc_lock */

static long ubc_host_threads(void)
{
	struct task_struct *g, *t;
	long n = 0;

	rcu_read_lock();
	for_each_process_thread(g, t)
		n++;
	rcu_read_unlock();
	return n;
}

/* The global counts, G in the table above; 0 where none is known. */
static void ubc_host_global(long *g)
{
	long used;

	g[UBC_KMEMSIZE] =
		(global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		 global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		 global_node_page_state(NR_PAGETABLE)) * PAGE_SIZE +
		global_node_page_state(NR_KERNEL_STACK_KB) * 1024;
	g[UBC_LOCKEDPAGES] = global_zone_page_state(NR_MLOCK);
	g[UBC_PRIVVMPAGES] = vm_memory_committed();
	g[UBC_SHMPAGES] = global_node_page_state(NR_SHMEM);
	g[UBC_NUMPROC] = ubc_host_threads();
	used = totalram_pages() - global_zone_page_state(NR_FREE_PAGES);
	g[UBC_PHYSPAGES] = max(used, 0L);
}

/* numproc only (for /proc/vz/veinfo): no memory measure. Under ubc_lock. */
long ubc_host_numproc(void)
{
	struct ubc_comp *comp;
	long n = 0;
	u32 id = 0;

	lockdep_assert_held(&ubc_lock);
	while ((comp = ubc_comp_next(&id))) {
		n += atomic_long_read(&comp->res[UBC_NUMPROC].held);
		if (id == U32_MAX)
			break;
		id++;
	}
	n = ubc_host_threads() - n;
	return max(n, 0L);
}

void ubc_host_vals(struct ubc_proc_vals *v)
{
	long g[UBC_RESOURCES] = { 0 }, sum[UBC_RESOURCES] = { 0 };
	struct ubc_comp *comp;
	unsigned int r;
	u32 id = 0;

	lockdep_assert_held(&ubc_lock);
	while ((comp = ubc_comp_next(&id))) {
		ubc_mem_publish(comp);
		for (r = 0; r < UBC_RESOURCES; r++)
			sum[r] += atomic_long_read(&comp->res[r].held);
		if (id == U32_MAX)
			break;
		id++;
	}
	ubc_host_global(g);
	for (r = 0; r < UBC_RESOURCES; r++)
		v[r].held = g[r] > sum[r] ? g[r] - sum[r] : 0;
	v[UBC_OOMGUARPAGES].held = v[UBC_PHYSPAGES].held +
				   v[UBC_SWAPPAGES].held;
	for (r = 0; r < UBC_RESOURCES; r++) {
		v[r].maxheld = ubc_host_maxheld[r] =
			max(ubc_host_maxheld[r], v[r].held);
		v[r].barrier = LONG_MAX;
		v[r].limit = LONG_MAX;
		v[r].failcnt = 0;
	}
}
