/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Resource names and units, shared by the module, the ubc tool and the tests
 * so that the three can never disagree. Not uapi: the kernel reports names
 * and units in every reply (UBC_RES_A_NAME, UBC_RES_A_UNIT).
 */
#ifndef _UBC_RESOURCES_H
#define _UBC_RESOURCES_H

#include <linux/ubc.h>

/* OpenVZ's name for slot @r, "dummy" for an unused slot, NULL past the end. */
static inline const char *ubc_resource_name(unsigned int r)
{
	static const char *const names[UBC_RESOURCES] = {
		[UBC_KMEMSIZE]		= "kmemsize",
		[UBC_LOCKEDPAGES]	= "lockedpages",
		[UBC_PRIVVMPAGES]	= "privvmpages",
		[UBC_SHMPAGES]		= "shmpages",
		[4]			= "dummy",
		[UBC_NUMPROC]		= "numproc",
		[UBC_PHYSPAGES]		= "physpages",
		[UBC_VMGUARPAGES]	= "vmguarpages",
		[UBC_OOMGUARPAGES]	= "oomguarpages",
		[UBC_NUMTCPSOCK]	= "numtcpsock",
		[UBC_NUMFLOCK]		= "numflock",
		[UBC_NUMPTY]		= "numpty",
		[UBC_NUMSIGINFO]	= "numsiginfo",
		[UBC_TCPSNDBUF]		= "tcpsndbuf",
		[UBC_TCPRCVBUF]		= "tcprcvbuf",
		[UBC_OTHERSOCKBUF]	= "othersockbuf",
		[UBC_DGRAMRCVBUF]	= "dgramrcvbuf",
		[UBC_NUMOTHERSOCK]	= "numothersock",
		[UBC_DCACHESIZE]	= "dcachesize",
		[UBC_NUMFILE]		= "numfile",
		[20]			= "dummy",
		[21]			= "dummy",
		[22]			= "dummy",
		[UBC_NUMIPTENT]		= "numiptent",
		[UBC_SWAPPAGES]		= "swappages",
	};

	return r < UBC_RESOURCES ? names[r] : (const char *)0;
}

/* enum ubc_unit of slot @r; UBC_UNIT_NONE for a dummy slot or past the end. */
static inline unsigned int ubc_resource_unit(unsigned int r)
{
	static const unsigned char units[UBC_RESOURCES] = {
		[UBC_KMEMSIZE]		= UBC_UNIT_BYTES,
		[UBC_LOCKEDPAGES]	= UBC_UNIT_PAGES,
		[UBC_PRIVVMPAGES]	= UBC_UNIT_PAGES,
		[UBC_SHMPAGES]		= UBC_UNIT_PAGES,
		[UBC_NUMPROC]		= UBC_UNIT_ITEMS,
		[UBC_PHYSPAGES]		= UBC_UNIT_PAGES,
		[UBC_VMGUARPAGES]	= UBC_UNIT_PAGES,
		[UBC_OOMGUARPAGES]	= UBC_UNIT_PAGES,
		[UBC_NUMTCPSOCK]	= UBC_UNIT_ITEMS,
		[UBC_NUMFLOCK]		= UBC_UNIT_ITEMS,
		[UBC_NUMPTY]		= UBC_UNIT_ITEMS,
		[UBC_NUMSIGINFO]	= UBC_UNIT_ITEMS,
		[UBC_TCPSNDBUF]		= UBC_UNIT_BYTES,
		[UBC_TCPRCVBUF]		= UBC_UNIT_BYTES,
		[UBC_OTHERSOCKBUF]	= UBC_UNIT_BYTES,
		[UBC_DGRAMRCVBUF]	= UBC_UNIT_BYTES,
		[UBC_NUMOTHERSOCK]	= UBC_UNIT_ITEMS,
		[UBC_DCACHESIZE]	= UBC_UNIT_BYTES,
		[UBC_NUMFILE]		= UBC_UNIT_ITEMS,
		[UBC_NUMIPTENT]		= UBC_UNIT_ITEMS,
		[UBC_SWAPPAGES]		= UBC_UNIT_PAGES,
	};

	return r < UBC_RESOURCES ? units[r] : UBC_UNIT_NONE;
}

/* True for a slot that holds a real resource. */
static inline int ubc_resource_valid(unsigned int r)
{
	return ubc_resource_unit(r) != UBC_UNIT_NONE;
}

#endif /* _UBC_RESOURCES_H */
