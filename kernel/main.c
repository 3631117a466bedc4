// SPDX-License-Identifier: GPL-2.0
/*
 * ubc: OpenVZ-style user beancounters for a stock Linux kernel.
 *
 * Init, arming and exit only; exit is the mirror of init.
 *
 * Loading checks that every kernel function and event ubc hooks exists
 * (refusing to load otherwise, naming what is missing) but attaches
 * nothing: the hooks are armed when the first compartment is created, so a
 * loaded but unused module costs the kernel nothing. Unloading is refused
 * (EWOULDBLOCK) while a compartment holds a task (task.c holds a module
 * reference then), unless forced (rmmod -f) or the host set the parameter
 * allow_busy_unload; a task inside a compartment cannot unload modules at
 * all. An unload removes every hook first, then tasks in compartments
 * carry on as host tasks, charged objects are forgotten and every
 * compartment is freed.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "comp.h"
#include "events.h"
#include "main.h"
#include "netlink.h"
#include "probe.h"
#include "proc.h"
#include "procvz.h"
#include "part.h"
#include <ubc/version.h>

static const struct ubc_part *const ubc_parts[] = {
	&ubc_tasks_part,
	&ubc_objects_part,
	&ubc_kmem_part,
	&ubc_locksig_part,
	&ubc_vm_part,
	&ubc_oom_part,
	&ubc_events_part,
};

static bool ubc_armed;	/* under ubc_lock */

static void ubc_parts_disarm(unsigned int n)
{
	while (n--)
		if (ubc_parts[n]->disarm)
			ubc_parts[n]->disarm();
	ubc_probes_quiesce();
}

/* Attach every hook; under ubc_lock, before the first compartment exists. */
int ubc_arm(void)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&ubc_lock);
	if (ubc_armed)
		return 0;
	for (i = 0; i < ARRAY_SIZE(ubc_parts); i++) {
		err = ubc_parts[i]->arm ? ubc_parts[i]->arm() : 0;
		if (err) {
			pr_err("cannot arm %s (error %d)\n", ubc_parts[i]->name, err);
			ubc_parts_disarm(i);
			return err;
		}
	}
	ubc_armed = true;
	return 0;
}

static void ubc_disarm(void)
{
	mutex_lock(&ubc_lock);
	if (ubc_armed) {
		ubc_parts_disarm(ARRAY_SIZE(ubc_parts));
		ubc_armed = false;
	}
	mutex_unlock(&ubc_lock);
}

static void ubc_parts_exit(unsigned int n)
{
	while (n--)
		if (ubc_parts[n]->exit)
			ubc_parts[n]->exit();
}

static int __init ubc_init(void)
{
	unsigned int i;
	int err;

	err = ubc_comps_init();
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(ubc_parts); i++) {
		err = ubc_parts[i]->init ? ubc_parts[i]->init() : 0;
		if (err)
			goto err_parts;
	}
	err = ubc_proc_init();
	if (err)
		goto err_parts;
	err = ubc_procvz_init();
	if (err)
		goto err_proc;
	err = ubc_genl_init();
	if (err)
		goto err_procvz;
	pr_info("loaded: generic netlink family \"%s\" v%d, /proc/user_beancounters, /proc/bc, /proc/vz/veinfo\n",
		UBC_GENL_NAME, UBC_GENL_VERSION);
	return 0;

err_procvz:
	ubc_procvz_exit();
err_proc:
	ubc_proc_exit();
err_parts:
	ubc_parts_exit(i);
	ubc_comps_exit();
	return err;
}

static void __exit ubc_exit(void)
{
	ubc_genl_exit();
	ubc_procvz_exit();
	ubc_proc_exit();
	ubc_disarm();
	ubc_events_exit();
	ubc_parts_exit(ARRAY_SIZE(ubc_parts));
	ubc_comps_exit();
	pr_info("unloaded\n");
}

module_init(ubc_init);
module_exit(ubc_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(UBC_VERSION);
MODULE_DESCRIPTION("OpenVZ-style user beancounters");
MODULE_AUTHOR("The ubc authors");
MODULE_ALIAS_GENL_FAMILY(UBC_GENL_NAME);
