// SPDX-License-Identifier: GPL-2.0
/*
 * ubc: OpenVZ-style user beancounters for a stock Linux kernel.
 *
 * Init and exit only; exit is the mirror of init. Unloading is allowed at
 * any time: every hook is removed first, then tasks in compartments carry
 * on as host tasks and every compartment is destroyed.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "comp.h"
#include "netlink.h"
#include "objects.h"
#include "proc.h"
#include "task.h"

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
