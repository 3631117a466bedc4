// SPDX-License-Identifier: GPL-2.0
/*
 * kmemsize, dcachesize: not implemented yet.
 */
#include "part.h"

const struct ubc_part ubc_kmem_part = {
	.name = "kmem",
};
