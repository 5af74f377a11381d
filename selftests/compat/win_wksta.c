// SPDX-License-Identifier: GPL-2.0
/*
 * Windows style, written from Microsoft's NetWkstaGetInfo documentation
 * and its sample: UNICODE, <lm.h>, LPWKSTA_INFO_10x casts, wprintf of
 * wide strings, NetApiBufferFree.  What a port changes is what
 * netapibuf(7) lists: no <windows.h>, main instead of wmain (argv is
 * narrow: converted with mbstowcs), and setlocale so that wprintf can
 * print non-ASCII.  It keeps glibc's wprintf (NETAPIBUF_NO_MSVC_WPRINTF):
 * %ls for wide strings, %s for argv's narrow ones, only wprintf on stdout
 * (glibc's stream is wide or narrow), as a port written before <lm.h>
 * mapped wprintf would; ms_netwkstagetinfo.c is the other way.
 *
 * Usage: win_wksta [\\SERVER]; prints one "key=value" line per field.
 */
#ifndef UNICODE
#define UNICODE
#endif
#define NETAPIBUF_NO_MSVC_WPRINTF
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <Lm.h>	/* as Microsoft's documentation spells it */

int main(int argc, char *argv[])
{
	static wchar_t server[256];
	LPWSTR pszServerName = NULL;
	DWORD levels[] = { 100, 101, 102 };
	NET_API_STATUS nStatus;
	LPBYTE pBuf;
	int i, failed = 0;

	setlocale(LC_ALL, "C.UTF-8");
	if (argc > 2) {
		fwprintf(stderr, L"Usage: %s [\\\\ServerName]\n", argv[0]);
		exit(1);
	}
	if (argc == 2) {
		if (mbstowcs(server, argv[1], 255) == (size_t)-1)
			exit(1);
		pszServerName = server;
	}

	for (i = 0; i < 3; i++) {
		pBuf = NULL;
		nStatus = NetWkstaGetInfo(pszServerName, levels[i], &pBuf);
		if (nStatus != NERR_Success) {
			wprintf(L"level%lu.status=%lu\n",
				(unsigned long)levels[i],
				(unsigned long)nStatus);
			failed = 1;
			continue;
		}
		/* The fields every level has, through level 100's type. */
		{
			LPWKSTA_INFO_100 p = (LPWKSTA_INFO_100)pBuf;

			wprintf(L"level%lu.platform=%lu\n",
				(unsigned long)levels[i],
				(unsigned long)p->wki100_platform_id);
			wprintf(L"level%lu.name=%ls\n",
				(unsigned long)levels[i],
				p->wki100_computername);
			wprintf(L"level%lu.domain=%ls\n",
				(unsigned long)levels[i], p->wki100_langroup);
			wprintf(L"level%lu.version=%lu.%lu\n",
				(unsigned long)levels[i],
				(unsigned long)p->wki100_ver_major,
				(unsigned long)p->wki100_ver_minor);
		}
		if (levels[i] == 101) {
			LPWKSTA_INFO_101 p = (LPWKSTA_INFO_101)pBuf;

			wprintf(L"level101.lanroot=[%ls]\n", p->wki101_lanroot);
		}
		if (levels[i] == 102) {
			PWKSTA_INFO_102 p = (PWKSTA_INFO_102)pBuf;

			wprintf(L"level102.name=%ls\n", p->wki102_computername);
			wprintf(L"level102.lanroot=[%ls]\n", p->wki102_lanroot);
			wprintf(L"level102.users=%lu\n",
				(unsigned long)p->wki102_logged_on_users);
		}
		if (NetApiBufferFree(pBuf) != NERR_Success)
			failed = 1;
	}

	/* What Windows answers for a level it does not know. */
	pBuf = NULL;
	nStatus = NetWkstaGetInfo(NULL, 7, &pBuf);
	wprintf(L"level7.status=%lu\n", (unsigned long)nStatus);
	if (nStatus != ERROR_INVALID_LEVEL || pBuf)
		failed = 1;
	return failed;
}
