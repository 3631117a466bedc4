/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The version of ubc: the module's MODULE_VERSION (/sys/module/ubc/version)
 * and "ubc --version", from this one place.
 */
#ifndef _UBC_VERSION_H
#define _UBC_VERSION_H

#define UBC_VERSION "0.1"

#endif /* _UBC_VERSION_H */
