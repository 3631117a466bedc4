// SPDX-License-Identifier: GPL-2.0
/*
 * ubc: OpenVZ-style user beancounters for a stock Linux kernel.
 *
 * Init, arming and exit only; exit is the mirror of init.
 *
 * Loading checks that every kernel function and event ubc hooks exists
 * (refusing to load otherwise, naming what is missing) but attaches
 * nothing: the hooks are armed when the first compartment is created, so a
 * loaded but unused module costs the kernel nothing. Unloading is allowed
 * at any time: every hook is removed first, then tasks in compartments
 * carry on as host tasks, charged objects are forgotten and every
 * compartment is freed.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "comp.h"
#include "main.h"
#include "netlink.h"
#include "objects.h"
#include "probe.h"
#include "proc.h"
#include "task.h"

static bool ubc_armed;	/* under ubc_lock */

/* Attach every hook; under ubc_lock, before the first compartment exists. */
int ubc_arm(void)
{
	int err;

	lockdep_assert_held(&ubc_lock);
	if (ubc_armed)
		return 0;
	err = ubc_tasks_arm();
	if (err)
		return err;
	err = ubc_objects_arm();
	if (err) {
		ubc_tasks_disarm();
		ubc_probes_quiesce();
		return err;
	}
	ubc_armed = true;
	return 0;
}

static void ubc_disarm(void)
{
	mutex_lock(&ubc_lock);
	if (ubc_armed) {
		ubc_objects_disarm();
		ubc_tasks_disarm();
		ubc_probes_quiesce();
		ubc_armed = false;
	}
	mutex_unlock(&ubc_lock);
}

static int __init ubc_init(void)
{
	int err;

	err = ubc_comps_init();
	if (err)
		return err;
	err = ubc_tasks_init();
	if (err)
		goto err_comps;
	err = ubc_objects_init();
	if (err)
		goto err_tasks;
	err = ubc_proc_init();
	if (err)
		goto err_objects;
	err = ubc_genl_init();
	if (err)
		goto err_proc;
	pr_info("loaded: generic netlink family \"%s\" v%d, /proc/user_beancounters\n",
		UBC_GENL_NAME, UBC_GENL_VERSION);
	return 0;

err_proc:
	ubc_proc_exit();
err_objects:
	ubc_objects_exit();
err_tasks:
	ubc_tasks_exit();
err_comps:
	ubc_comps_exit();
	return err;
}

static void __exit ubc_exit(void)
{
	ubc_genl_exit();
	ubc_proc_exit();
	ubc_disarm();
	ubc_objects_exit();
	ubc_tasks_exit();
	ubc_comps_exit();
	pr_info("unloaded\n");
}

module_init(ubc_init);
module_exit(ubc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("OpenVZ-style user beancounters");
MODULE_AUTHOR("The ubc authors");
MODULE_ALIAS_GENL_FAMILY(UBC_GENL_NAME);
