// SPDX-License-Identifier: GPL-2.0
/*
 * numflock, numsiginfo: not implemented yet.
 */
#include "part.h"

const struct ubc_part ubc_locksig_part = {
	.name = "locksig",
};
