// SPDX-License-Identifier: GPL-2.0
/*
 * physpages, swappages, oomguarpages: not implemented yet.
 */
#include "part.h"

const struct ubc_part ubc_oom_part = {
	.name = "oom",
};
