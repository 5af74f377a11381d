/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmwksta.h> - Windows' NetWkstaGetInfo.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Windows' convention: LMSTR is a wchar_t string, in whatever width the
 * compiler gives wchar_t (4 bytes, or 2 with -fshort-wchar); the result's
 * strings come in that width, chosen when the program is compiled.  A
 * file that includes this header cannot include <netapi.h> (Samba's
 * convention, UTF-8): see NetWkstaGetInfo(3).
 *
 * NetWkstaGetInfo(servername, level, &buf)
 *	servername: NULL, L"", L"localhost", L"127.0.0.1" or this machine's
 *	nodename, with or without leading backslashes; any other name is
 *	ERROR_BAD_NETPATH.  level 100, 101 or 102: buf is one
 *	WKSTA_INFO_10x with its strings after it in the same buffer, freed
 *	with NetApiBufferFree(); any other level is ERROR_INVALID_LEVEL.
 *	The statuses are those of <netapi.h>'s NetWkstaGetInfo.
 */
#ifndef NETAPIBUF_LMWKSTA_H
#define NETAPIBUF_LMWKSTA_H

#include <netapibuf_lm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * wki10x_computername: the nodename of the caller's UTS namespace;
 * wki10x_langroup: its domainname (NIS domain, "(none)" when unset);
 * wki10x_ver_major/minor: the kernel's version (6 and 1 for Linux 6.1);
 * wki10x_platform_id: PLATFORM_ID_NT; wki10x_lanroot: L"" (no LAN Manager
 * root directory on Linux, as Samba answers); wki102_logged_on_users: the
 * users with a login session in utmp(5).
 */
typedef struct _WKSTA_INFO_100 {
	DWORD wki100_platform_id;
	LMSTR wki100_computername;
	LMSTR wki100_langroup;
	DWORD wki100_ver_major;
	DWORD wki100_ver_minor;
} WKSTA_INFO_100, *PWKSTA_INFO_100, *LPWKSTA_INFO_100;

typedef struct _WKSTA_INFO_101 {
	DWORD wki101_platform_id;
	LMSTR wki101_computername;
	LMSTR wki101_langroup;
	DWORD wki101_ver_major;
	DWORD wki101_ver_minor;
	LMSTR wki101_lanroot;
} WKSTA_INFO_101, *PWKSTA_INFO_101, *LPWKSTA_INFO_101;

typedef struct _WKSTA_INFO_102 {
	DWORD wki102_platform_id;
	LMSTR wki102_computername;
	LMSTR wki102_langroup;
	DWORD wki102_ver_major;
	DWORD wki102_ver_minor;
	LMSTR wki102_lanroot;
	DWORD wki102_logged_on_users;
} WKSTA_INFO_102, *PWKSTA_INFO_102, *LPWKSTA_INFO_102;

NET_API_STATUS NET_API_FUNCTION
NetWkstaGetInfo(LMSTR servername, DWORD level, LPBYTE *bufptr)
	NETAPIBUF_LM_ENTRY(NetWkstaGetInfo);

#ifdef __cplusplus
}
#endif

#endif /* NETAPIBUF_LMWKSTA_H */
