// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink ABI, pinned: every name include/uapi/linux/ubc.h exported
 * before the family was generated from Documentation/netlink/specs/ubc.yaml
 * (ubc_generated.h), with its value, and the types of the two constants the
 * header defines by hand. A spec edit that renames, renumbers or retypes
 * any of them fails to compile here. New names may be added freely.
 */
#include <stdio.h>
#include <string.h>

#include <linux/ubc.h>

#define SAME_TYPE(a, t) __builtin_types_compatible_p(__typeof__(a), t)

_Static_assert(SAME_TYPE(UBC_UNLIMITED, unsigned long long), "UBC_UNLIMITED type");
_Static_assert(SAME_TYPE(UBC_F_DYING, unsigned int), "UBC_F_DYING type");
_Static_assert(UBC_A_BURSTS == 7ULL, "UBC_A_BURSTS");
_Static_assert(UBC_A_FLAGS == 2ULL, "UBC_A_FLAGS");
_Static_assert(UBC_A_ID == 1ULL, "UBC_A_ID");
_Static_assert(UBC_A_MAX == 7ULL, "UBC_A_MAX");
_Static_assert(UBC_A_PAD == 6ULL, "UBC_A_PAD");
_Static_assert(UBC_A_PID == 5ULL, "UBC_A_PID");
_Static_assert(UBC_A_RESOURCE == 4ULL, "UBC_A_RESOURCE");
_Static_assert(UBC_A_RESOURCES == 3ULL, "UBC_A_RESOURCES");
_Static_assert(UBC_A_UNSPEC == 0ULL, "UBC_A_UNSPEC");
_Static_assert(UBC_CMD_DEL == 2ULL, "UBC_CMD_DEL");
_Static_assert(UBC_CMD_ENTER == 5ULL, "UBC_CMD_ENTER");
_Static_assert(UBC_CMD_GET == 4ULL, "UBC_CMD_GET");
_Static_assert(UBC_CMD_MAX == 12ULL, "UBC_CMD_MAX");
_Static_assert(UBC_CMD_REFUSED_NTF == 6ULL, "UBC_CMD_REFUSED_NTF");
_Static_assert(UBC_CMD_DRAINED_NTF == 12ULL, "UBC_CMD_DRAINED_NTF");
_Static_assert(UBC_CMD_NEW == 1ULL, "UBC_CMD_NEW");
_Static_assert(UBC_CMD_SET == 3ULL, "UBC_CMD_SET");
_Static_assert(UBC_CMD_UNSPEC == 0ULL, "UBC_CMD_UNSPEC");
_Static_assert(UBC_DCACHESIZE == 18ULL, "UBC_DCACHESIZE");
_Static_assert(UBC_DGRAMRCVBUF == 16ULL, "UBC_DGRAMRCVBUF");
_Static_assert(UBC_F_DYING == 1ULL, "UBC_F_DYING");
_Static_assert(UBC_GENL_VERSION == 1ULL, "UBC_GENL_VERSION");
_Static_assert(UBC_KMEMSIZE == 0ULL, "UBC_KMEMSIZE");
_Static_assert(UBC_LOCKEDPAGES == 1ULL, "UBC_LOCKEDPAGES");
_Static_assert(UBC_NUMFILE == 19ULL, "UBC_NUMFILE");
_Static_assert(UBC_NUMFLOCK == 10ULL, "UBC_NUMFLOCK");
_Static_assert(UBC_NUMIPTENT == 23ULL, "UBC_NUMIPTENT");
_Static_assert(UBC_NUMOTHERSOCK == 17ULL, "UBC_NUMOTHERSOCK");
_Static_assert(UBC_NUMPROC == 5ULL, "UBC_NUMPROC");
_Static_assert(UBC_NUMPTY == 11ULL, "UBC_NUMPTY");
_Static_assert(UBC_NUMSIGINFO == 12ULL, "UBC_NUMSIGINFO");
_Static_assert(UBC_NUMTCPSOCK == 9ULL, "UBC_NUMTCPSOCK");
_Static_assert(UBC_OOMGUARPAGES == 8ULL, "UBC_OOMGUARPAGES");
_Static_assert(UBC_OTHERSOCKBUF == 15ULL, "UBC_OTHERSOCKBUF");
_Static_assert(UBC_PHYSPAGES == 6ULL, "UBC_PHYSPAGES");
_Static_assert(UBC_PRIVVMPAGES == 2ULL, "UBC_PRIVVMPAGES");
_Static_assert(UBC_RESOURCES == 25ULL, "UBC_RESOURCES");
_Static_assert(UBC_RES_A_BARRIER == 7ULL, "UBC_RES_A_BARRIER");
_Static_assert(UBC_RES_A_FAILCNT == 9ULL, "UBC_RES_A_FAILCNT");
_Static_assert(UBC_RES_A_HELD == 4ULL, "UBC_RES_A_HELD");
_Static_assert(UBC_RES_A_ID == 1ULL, "UBC_RES_A_ID");
_Static_assert(UBC_RES_A_LIMIT == 8ULL, "UBC_RES_A_LIMIT");
_Static_assert(UBC_RES_A_MAX == 10ULL, "UBC_RES_A_MAX");
_Static_assert(UBC_RES_A_MAXHELD == 5ULL, "UBC_RES_A_MAXHELD");
_Static_assert(UBC_RES_A_MINHELD == 6ULL, "UBC_RES_A_MINHELD");
_Static_assert(UBC_RES_A_NAME == 2ULL, "UBC_RES_A_NAME");
_Static_assert(UBC_RES_A_PAD == 10ULL, "UBC_RES_A_PAD");
_Static_assert(UBC_RES_A_UNIT == 3ULL, "UBC_RES_A_UNIT");
_Static_assert(UBC_RES_A_UNSPEC == 0ULL, "UBC_RES_A_UNSPEC");
_Static_assert(UBC_SHMPAGES == 3ULL, "UBC_SHMPAGES");
_Static_assert(UBC_SWAPPAGES == 24ULL, "UBC_SWAPPAGES");
_Static_assert(UBC_TCPRCVBUF == 14ULL, "UBC_TCPRCVBUF");
_Static_assert(UBC_TCPSNDBUF == 13ULL, "UBC_TCPSNDBUF");
_Static_assert(UBC_UNIT_BYTES == 1ULL, "UBC_UNIT_BYTES");
_Static_assert(UBC_UNIT_ITEMS == 3ULL, "UBC_UNIT_ITEMS");
_Static_assert(UBC_UNIT_NONE == 0ULL, "UBC_UNIT_NONE");
_Static_assert(UBC_UNIT_PAGES == 2ULL, "UBC_UNIT_PAGES");
_Static_assert(UBC_UNLIMITED == 9223372036854775807ULL, "UBC_UNLIMITED");
_Static_assert(UBC_VMGUARPAGES == 7ULL, "UBC_VMGUARPAGES");
_Static_assert(__UBC_A_MAX == 8ULL, "__UBC_A_MAX");
_Static_assert(__UBC_CMD_MAX == 13ULL, "__UBC_CMD_MAX");
_Static_assert(__UBC_RES_A_MAX == 11ULL, "__UBC_RES_A_MAX");

int main(void)
{
	int ok = !strcmp(UBC_GENL_NAME, "ubc");

	printf("TAP version 13\n1..1\n%s 1 - uapi names and values unchanged\n",
	       ok ? "ok" : "not ok");
	return !ok;
}
