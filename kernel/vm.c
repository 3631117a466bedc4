// SPDX-License-Identifier: GPL-2.0
/*
 * privvmpages, lockedpages, shmpages, vmguarpages: not implemented yet.
 */
#include "part.h"

const struct ubc_part ubc_vm_part = {
	.name = "vm",
};
