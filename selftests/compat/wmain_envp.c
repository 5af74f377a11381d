// SPDX-License-Identifier: GPL-2.0
/*
 * wmain with the environment, as Microsoft documents it ("main function
 * and command-line arguments": int wmain(int argc, wchar_t *argv[],
 * wchar_t *envp[])), and no main: libnetapibuf_wmain.a supplies main and
 * passes argv and envp as wide strings.  Built as C (4- and 2-byte
 * wchar_t) and, the same file, as C++, where this form keeps C++ linkage.
 *
 * Usage: wmain_envp [\\SERVER]; prints env=NAB_COMPAT_ENV's value, found
 * through envp, and name=the computer name.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include <lm.h>

int wmain(int argc, wchar_t *argv[], wchar_t *envp[])
{
	static const wchar_t key[] = L"NAB_COMPAT_ENV=";
	LPWKSTA_INFO_100 pBuf = NULL;
	NET_API_STATUS nStatus;
	size_t k;
	int i;

	/* No wcsncmp: with -fshort-wchar glibc's would read 4-byte units. */
	for (i = 0; envp[i]; i++) {
		for (k = 0; key[k] && envp[i][k] == key[k]; k++)
			;
		if (!key[k])
			wprintf(L"env=%s\n", envp[i] + k);
	}
	nStatus = NetWkstaGetInfo(argc > 1 ? argv[1] : NULL, 100,
				  (LPBYTE *)&pBuf);
	if (nStatus != NERR_Success) {
		wprintf(L"status=%u\n", nStatus);
		return 1;
	}
	wprintf(L"name=%s\n", pBuf->wki100_computername);
	return NetApiBufferFree(pBuf) != NERR_Success;
}
