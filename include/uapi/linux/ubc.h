/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ubc: OpenVZ-style user beancounters for a stock Linux kernel.
 *
 * Generic netlink family "ubc", version 1 (UBC_GENL_NAME, UBC_GENL_VERSION).
 * The family's enums (commands, attributes, resources, units) are generated
 * from Documentation/netlink/specs/ubc.yaml into linux/ubc_generated.h
 * ("make gen"; never edit that file); this header adds the two constants a
 * generated header cannot spell the same way, and documents the commands.
 *
 * A compartment is a set of tasks identified by a u32 id (1..UINT32_MAX; 0 is
 * the host and is reserved). Each compartment has one beancounter per
 * resource (enum ubc_resource, OpenVZ's numbering), each with held, maxheld,
 * minheld, barrier, limit and failcnt. Values are u64 in the resource's unit
 * (enum ubc_unit); "unlimited" is UBC_UNLIMITED (LONG_MAX), as OpenVZ prints
 * it. barrier <= limit <= UBC_UNLIMITED always holds.
 *
 * Every request that is refused carries an extended ack message naming the
 * offending attribute. Mutating commands (NEW, DEL, SET, ENTER) need
 * CAP_SYS_ADMIN in the initial user namespace and a caller that is not inside
 * a compartment (EPERM otherwise). Reading (GET, dump) needs CAP_SYS_ADMIN
 * in the initial user namespace from a host task (EPERM otherwise, in a
 * dump's NLMSG_DONE); a caller inside a compartment, whatever its
 * capabilities, sees only its own compartment: GET of any other id fails
 * with ENOENT, as for a missing one, and a dump holds its own alone.
 *
 * Commands
 * --------
 *
 * UBC_CMD_NEW: create a compartment.
 *   UBC_A_ID              u32, required, not 0
 *   UBC_A_RESOURCES       nested, optional: initial barrier/limit, see SET
 *   Errors: EEXIST (id in use, also while a destroyed compartment with the
 *   same id still drains its charges), EINVAL (bad resource values).
 *   Resources not given start unlimited (barrier = limit = UBC_UNLIMITED),
 *   except the barriers of the guarantees, vmguarpages and oomguarpages,
 *   which start at 0: no guarantee. A guarantee barrier of UBC_UNLIMITED
 *   is no guarantee either (accepted, with an extack warning).
 *
 * UBC_CMD_DEL: destroy a compartment.
 *   UBC_A_ID              u32, required
 *   Errors: ENOENT (no such compartment), EBUSY (the compartment still has
 *   tasks: numproc.held > 0). A compartment without tasks is removed from the
 *   id space of NEW/SET/ENTER at once; if objects it paid for are still
 *   alive, it stays visible (GET, dump, /proc/user_beancounters) with
 *   UBC_A_FLAGS & UBC_F_DYING until the last charge is returned.
 *
 * UBC_CMD_SET: set barrier and limit of one or more resources atomically
 *   (either all given resources change or none does).
 *   UBC_A_ID              u32, required
 *   UBC_A_RESOURCES       nested, required, holds one or more:
 *     UBC_A_RESOURCE      nested:
 *       UBC_RES_A_ID      u32, required: enum ubc_resource, not a dummy slot
 *       UBC_RES_A_BARRIER u64, required, <= UBC_UNLIMITED
 *       UBC_RES_A_LIMIT   u64, required, <= UBC_UNLIMITED, >= barrier
 *   A resource may appear at most once. Setting a limit below the current
 *   held value is allowed, as in OpenVZ: further charges are refused until
 *   usage drops. When the finite guarantees of all compartments together
 *   exceed RAM + swap, the request succeeds with an extack warning.
 *
 * UBC_CMD_GET: get one compartment (doit, UBC_A_ID required) or dump all
 *   (NLM_F_DUMP, no attributes). Dumps are restartable and set
 *   NLM_F_DUMP_INTR when compartments were created or destroyed meanwhile.
 *   Reply (one message per compartment):
 *   UBC_A_ID              u32
 *   UBC_A_FLAGS           u32, UBC_F_*
 *   UBC_A_BURSTS          u64: burst warnings, the number of low-memory
 *                         events (free memory below the low watermark:
 *                         kswapd woken, or global direct reclaim, or a
 *                         global OOM) met while the compartment was in
 *                         burst, i.e. held some resource above its barrier
 *                         (physpages or oomguarpages past its guarantee,
 *                         typically); at most one per 100 ms. A growing
 *                         value warns before the OOM killer has to act.
 *   UBC_A_RESOURCES       nested, one UBC_A_RESOURCE per resource in
 *                         ubc_resource order (dummy slots omitted):
 *     UBC_A_RESOURCE      nested:
 *       UBC_RES_A_ID      u32
 *       UBC_RES_A_NAME    string, OpenVZ's name ("numproc")
 *       UBC_RES_A_UNIT    u8, enum ubc_unit
 *       UBC_RES_A_HELD, UBC_RES_A_MAXHELD, UBC_RES_A_MINHELD,
 *       UBC_RES_A_BARRIER, UBC_RES_A_LIMIT, UBC_RES_A_FAILCNT   u64
 *   physpages (resident pages), swappages (swap entries) and oomguarpages
 *   (both, plus page tables: the kernel's OOM badness) of the compartment's
 *   processes are computed at the time of the reply, from its own tasks;
 *   their maxheld is the largest value replies and OOMs observed.
 *   oomguarpages' barrier is the OOM guarantee (0 or UBC_UNLIMITED: none):
 *   in a global OOM, processes of compartments within it are spared while
 *   any other can be killed, compartments past it or without one go first
 *   (largest overdraft first), and its failcnt counts OOM kills in the
 *   compartment. A dump ends within the request when the compartments it
 *   shows fit in one buffer (NLMSG_DONE in the same datagram).
 *
 * UBC_CMD_ENTER: move a running process (all its threads) into a
 *   compartment. Children forked afterwards inherit it. A task can never
 *   leave its compartment.
 *   UBC_A_ID              u32, required
 *   UBC_A_PID             u32, required: a pid in the caller's pid
 *                         namespace, 0 for the calling process itself
 *   Errors: ENOENT (no such compartment), ESRCH (no such process), EPERM
 *   (the process is already in a compartment, or is a kernel thread),
 *   EAGAIN (the process' threads would exceed the numproc barrier).
 *
 * Notifications
 * -------------
 *
 * Multicast group "events" (UBC_MCGRP_EVENTS): binding needs CAP_SYS_ADMIN
 * in the initial user namespace and a task outside every compartment
 * (EPERM otherwise); notifications go to the initial network namespace.
 * Commands, their attributes from enum ubc_event_attr (UBC_EV_A_*):
 *   UBC_CMD_REFUSED_NTF  a charge was refused (failcnt counted it)
 *   UBC_CMD_FORCED_NTF   a charge the kernel cannot fail passed the limit
 *     ID, RESOURCE, NAME, HELD, BARRIER, LIMIT, FAILCNT, VAL (the amount
 *     asked), STRENGTH (enum ubc_strength), PID, TGID, COMM (absent in
 *     interrupt context), HOOK (the ubc function that asked), COALESCED,
 *     LOST, TIME
 *   UBC_CMD_BURST_NTF    a burst warning: ID, BURSTS, COALESCED, LOST, TIME
 *   UBC_CMD_OOM_NTF      an OOM kill in the compartment: ID, HELD,
 *     GUARANTEE, OVERDRAFT, FAILCNT, PID, TGID, COMM (the victim),
 *     COALESCED, LOST, TIME
 *   UBC_CMD_NEW_NTF, UBC_CMD_DEL_NTF, UBC_CMD_DRAINED_NTF  a compartment
 *     was created, destroyed, freed of its last charge: ID, LOST, TIME
 * The first event of a (command, compartment, resource) is sent at once;
 * later ones on the same CPU within a second of the last notification are
 * folded into one sent about a second later: COALESCED counts the events
 * folded in beyond the first, whose task, hook and TIME (CLOCK_REALTIME ns)
 * it reports. LOST counts events lost since the module was loaded (no room
 * to record, no memory, a listener's buffer full). Documentation/events.rst.
 */
#ifndef _UAPI_LINUX_UBC_H
#define _UAPI_LINUX_UBC_H

#include <linux/ubc_generated.h>

/* "Unlimited", printed by /proc/user_beancounters as 9223372036854775807. */
#define UBC_UNLIMITED		0x7fffffffffffffffULL

/* UBC_A_FLAGS */
#define UBC_F_DYING	(1U << 0)	/* destroyed, charges still draining */

#endif /* _UAPI_LINUX_UBC_H */
