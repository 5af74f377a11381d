// SPDX-License-Identifier: GPL-2.0
/*
 * C++ with int wmain() and no main, a form Microsoft documents: an
 * overload of the wmain <lm.h> declares, with C++ linkage, which
 * libnetapibuf_wmain.a's main must still find and call.
 *
 * Prints name=the computer name.
 */
#include <LM.h>

int wmain()
{
	LPBYTE buf = nullptr;

	if (NetWkstaGetInfo(nullptr, 100, &buf) != NERR_Success)
		return 1;
	std::wprintf(L"name=%s\n",
		     reinterpret_cast<LPWKSTA_INFO_100>(buf)->wki100_computername);
	return NetApiBufferFree(buf) != NERR_Success;
}
