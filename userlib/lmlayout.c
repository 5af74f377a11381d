// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: Windows' structs of <lm.h> against the agents' layouts.
 * No code: the library does not build if a struct a 64-bit Windows-style
 * program reads a result as differs from what the wksta agent writes.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <linux/netapibuf_sysinfo.h>

#include <lm.h>

#if __SIZEOF_POINTER__ == 8
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_100_LAYOUT(WKSTA_INFO_100),
	       "WKSTA_INFO_100 of <lmwksta.h>");
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_101_LAYOUT(WKSTA_INFO_101),
	       "WKSTA_INFO_101 of <lmwksta.h>");
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_102_LAYOUT(WKSTA_INFO_102),
	       "WKSTA_INFO_102 of <lmwksta.h>");
#endif
_Static_assert(MAX_PREFERRED_LENGTH == NETAPIBUF_SYSINFO_PREFMAXLEN_ALL,
	       "MAX_PREFERRED_LENGTH of <lmcons.h>");
_Static_assert(PLATFORM_ID_NT == NETAPIBUF_SYSINFO_PLATFORM_ID_NT,
	       "PLATFORM_ID_NT of <lmcons.h>");
