/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ubc.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_UBC_GENERATED_H
#define _UAPI_LINUX_UBC_GENERATED_H

#define UBC_GENL_NAME		"ubc"
#define UBC_GENL_VERSION	1

/**
 * enum ubc_resource - OpenVZ's resource numbers, so configurations and scripts
 *   carry over; 4, 20, 21 and 22 are unused ("dummy") slots.
 * @UBC_RESOURCES: the number of slots, dummies included (not a resource)
 */
enum ubc_resource {
	UBC_KMEMSIZE,
	UBC_LOCKEDPAGES,
	UBC_PRIVVMPAGES,
	UBC_SHMPAGES,
	UBC_NUMPROC = 5,
	UBC_PHYSPAGES,
	UBC_VMGUARPAGES,
	UBC_OOMGUARPAGES,
	UBC_NUMTCPSOCK,
	UBC_NUMFLOCK,
	UBC_NUMPTY,
	UBC_NUMSIGINFO,
	UBC_TCPSNDBUF,
	UBC_TCPRCVBUF,
	UBC_OTHERSOCKBUF,
	UBC_DGRAMRCVBUF,
	UBC_NUMOTHERSOCK,
	UBC_DCACHESIZE,
	UBC_NUMFILE,
	UBC_NUMIPTENT = 23,
	UBC_SWAPPAGES,
	UBC_RESOURCES,
};

/**
 * enum ubc_unit - The unit of a resource's values.
 * @UBC_UNIT_NONE: a dummy slot
 * @UBC_UNIT_BYTES: bytes
 * @UBC_UNIT_PAGES: pages (of the kernel's PAGE_SIZE)
 * @UBC_UNIT_ITEMS: objects (tasks, files, sockets, locks, ...)
 */
enum ubc_unit {
	UBC_UNIT_NONE,
	UBC_UNIT_BYTES,
	UBC_UNIT_PAGES,
	UBC_UNIT_ITEMS,
};

/**
 * enum ubc_strength - How hard a refused or forced charge pushed (OpenVZ's
 *   strictness).
 * @UBC_STRENGTH_BARRIER: an ordinary request: refused past the barrier
 * @UBC_STRENGTH_LIMIT: a request that must not fail half-way: refused past the
 *   limit
 * @UBC_STRENGTH_FORCE: never refused (the kernel cannot fail it), counted
 */
enum ubc_strength {
	UBC_STRENGTH_BARRIER,
	UBC_STRENGTH_LIMIT,
	UBC_STRENGTH_FORCE,
};

enum ubc_attr {
	UBC_A_UNSPEC,
	UBC_A_ID,
	UBC_A_FLAGS,
	UBC_A_RESOURCES,
	UBC_A_RESOURCE,
	UBC_A_PID,
	UBC_A_PAD,
	UBC_A_BURSTS,

	__UBC_A_MAX,
	UBC_A_MAX = (__UBC_A_MAX - 1)
};

enum ubc_event_attr {
	UBC_EV_A_UNSPEC,
	UBC_EV_A_ID,
	UBC_EV_A_RESOURCE,
	UBC_EV_A_NAME,
	UBC_EV_A_HELD,
	UBC_EV_A_BARRIER,
	UBC_EV_A_LIMIT,
	UBC_EV_A_FAILCNT,
	UBC_EV_A_VAL,
	UBC_EV_A_STRENGTH,
	UBC_EV_A_PID,
	UBC_EV_A_TGID,
	UBC_EV_A_COMM,
	UBC_EV_A_HOOK,
	UBC_EV_A_COALESCED,
	UBC_EV_A_LOST,
	UBC_EV_A_TIME,
	UBC_EV_A_GUARANTEE,
	UBC_EV_A_OVERDRAFT,
	UBC_EV_A_BURSTS,
	UBC_EV_A_PAD,

	__UBC_EV_A_MAX,
	UBC_EV_A_MAX = (__UBC_EV_A_MAX - 1)
};

enum ubc_res_attr {
	UBC_RES_A_UNSPEC,
	UBC_RES_A_ID,
	UBC_RES_A_NAME,
	UBC_RES_A_UNIT,
	UBC_RES_A_HELD,
	UBC_RES_A_MAXHELD,
	UBC_RES_A_MINHELD,
	UBC_RES_A_BARRIER,
	UBC_RES_A_LIMIT,
	UBC_RES_A_FAILCNT,
	UBC_RES_A_PAD,

	__UBC_RES_A_MAX,
	UBC_RES_A_MAX = (__UBC_RES_A_MAX - 1)
};

enum ubc_cmd {
	UBC_CMD_UNSPEC,
	UBC_CMD_NEW,
	UBC_CMD_DEL,
	UBC_CMD_SET,
	UBC_CMD_GET,
	UBC_CMD_ENTER,
	UBC_CMD_REFUSED_NTF,
	UBC_CMD_FORCED_NTF,
	UBC_CMD_BURST_NTF,
	UBC_CMD_OOM_NTF,
	UBC_CMD_NEW_NTF,
	UBC_CMD_DEL_NTF,
	UBC_CMD_DRAINED_NTF,

	__UBC_CMD_MAX,
	UBC_CMD_MAX = (__UBC_CMD_MAX - 1)
};

#define UBC_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_UBC_GENERATED_H */
