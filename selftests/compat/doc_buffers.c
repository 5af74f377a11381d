/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Written from learn.microsoft.com's pages for NetApiBufferAllocate,
 * NetApiBufferFree, NetApiBufferReallocate, NetApiBufferSize and
 * NetWkstaGetInfo alone, as Windows code is: <lm.h> (UNICODE), Windows'
 * types and codes, wprintf("%s") of LMSTR, the system's result sized and
 * reallocated like any buffer.  Built with a 4- and a 2-byte wchar_t.
 *
 * Prints one "what=ok" (or "=FAIL") line per documented behaviour and the
 * computer name and domain; exits 1 if anything failed.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include <lm.h>
#include <string.h>

static int failed;

static void check(const char *what, BOOL ok)
{
	printf("%s=%s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failed = 1;
}

int main(void)
{
	LPBYTE pBuf = NULL, pNew = NULL;
	LPVOID pv = NULL;
	LPWKSTA_INFO_100 pWksta = NULL;
	DWORD dwSize = 0, i;
	NET_API_STATUS nStatus;
	PDWORD pdw = &dwSize;
	LPDWORD lpdw = &dwSize;
	WORD w = 1;
	BYTE b = 2;
	LPWSTR pszName;
	LPCWSTR pszConst = L"const";
	TCHAR tsz[] = TEXT("tchar");
	LPTSTR ptsz = tsz;

	nStatus = NetApiBufferAllocate(100, (LPVOID *)&pBuf);
	check("allocate", nStatus == NERR_Success && pBuf != NULL);
	for (i = 0; i < 100; i++)
		if (pBuf[i])
			break;
	check("allocate.zero", i == 100);
	nStatus = NetApiBufferSize(pBuf, pdw);
	check("size", nStatus == NERR_Success && dwSize == 100);
	memset(pBuf, 'x', 100);
	nStatus = NetApiBufferReallocate(pBuf, 5000, (LPVOID *)&pNew);
	check("reallocate", nStatus == NERR_Success && pNew != NULL);
	check("reallocate.kept", pNew[0] == 'x' && pNew[99] == 'x' &&
	      pNew[100] == 0 && pNew[4999] == 0);
	nStatus = NetApiBufferSize(pNew, lpdw);
	check("reallocate.size", nStatus == NERR_Success && dwSize == 5000);
	check("free", NetApiBufferFree(pNew) == NERR_Success);
	check("free.null", NetApiBufferFree(NULL) == NERR_Success);
	check("allocate.nullptr",
	      NetApiBufferAllocate(1, NULL) == ERROR_INVALID_PARAMETER);

	/* A result of the system, sized and resized like any buffer. */
	nStatus = NetWkstaGetInfo(NULL, 100, (LPBYTE *)&pWksta);
	check("wksta", nStatus == NERR_Success && pWksta != NULL);
	if (pWksta) {
		dwSize = 0;
		nStatus = NetApiBufferSize(pWksta, &dwSize);
		check("wksta.size", nStatus == NERR_Success &&
		      dwSize >= sizeof(WKSTA_INFO_100));
		pszName = pWksta->wki100_computername;
		wprintf(L"wksta.name=%s\n", pszName);
		wprintf(L"wksta.domain=%ls\n", pWksta->wki100_langroup);
		check("wksta.platform",
		      pWksta->wki100_platform_id == PLATFORM_ID_NT);
		check("wksta.namelen", pszName[0] != 0);
		nStatus = NetApiBufferReallocate(pWksta, dwSize * 2, &pv);
		check("wksta.reallocate", nStatus == NERR_Success);
		check("wksta.free", NetApiBufferFree(pv) == NERR_Success);
	}
	nStatus = NetWkstaGetInfo(NULL, 99, &pBuf);
	check("wksta.level", nStatus == ERROR_INVALID_LEVEL);
	check("constants", MAX_PREFERRED_LENGTH == (DWORD)-1 &&
	      ERROR_MORE_DATA == 234 && NERR_Success == 0 &&
	      ERROR_ACCESS_DENIED == 5 && ERROR_NOT_ENOUGH_MEMORY == 8 &&
	      CNLEN == 15 && UNLEN == 256 && w == 1 && b == 2 &&
	      TRUE && !FALSE);
	wprintf(L"strings=%s %s %c%S\n", pszConst, ptsz, L'!', "narrow");
	return failed;
}
