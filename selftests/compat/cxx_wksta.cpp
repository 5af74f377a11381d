// SPDX-License-Identifier: GPL-2.0
/*
 * C++ with Windows' headers, as open-source code with a Windows
 * NetWkstaGetInfo path writes it: reinterpret_cast of the result to
 * LPWKSTA_INFO_10x, std::wstring from LMSTR, a guard that frees the
 * buffer.  Prints with wprintf("%ls") after setlocale, as win_wksta.
 *
 * Usage: cxx_wksta; prints one "key=value" line per field.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include <clocale>
#include <cstdio>
#include <cwchar>
#include <string>
#include <LMAPIbuf.h>	/* the Windows SDK's file names */
#include <LMWksta.h>

namespace {

struct NetBuffer {
	LPBYTE p;
	NetBuffer() : p(NULL) {}
	~NetBuffer() { if (p) NetApiBufferFree(p); }
};

bool workstation(DWORD level)
{
	NetBuffer buf;
	NET_API_STATUS st = NetWkstaGetInfo(NULL, level, &buf.p);

	if (st != NERR_Success) {
		std::wprintf(L"level%lu.status=%lu\n",
			     static_cast<unsigned long>(level),
			     static_cast<unsigned long>(st));
		return false;
	}
	LPWKSTA_INFO_100 w = reinterpret_cast<LPWKSTA_INFO_100>(buf.p);
	std::wstring name(w->wki100_computername);
	std::wstring domain(w->wki100_langroup);
	std::wprintf(L"level%lu.name=%ls\n", static_cast<unsigned long>(level),
		     name.c_str());
	std::wprintf(L"level%lu.domain=%ls\n",
		     static_cast<unsigned long>(level), domain.c_str());
	if (level >= 101) {
		LPWKSTA_INFO_101 w101 = reinterpret_cast<LPWKSTA_INFO_101>(buf.p);
		std::wstring lanroot(w101->wki101_lanroot);
		std::wprintf(L"level%lu.lanroot=[%ls]\n",
			     static_cast<unsigned long>(level), lanroot.c_str());
	}
	if (level == 102) {
		LPWKSTA_INFO_102 w102 = reinterpret_cast<LPWKSTA_INFO_102>(buf.p);
		std::wprintf(L"level102.users=%lu\n",
			     static_cast<unsigned long>(w102->wki102_logged_on_users));
	}
	return true;
}

} // namespace

int main()
{
	std::setlocale(LC_ALL, "C.UTF-8");
	bool ok = workstation(100) && workstation(101) && workstation(102);
	return ok ? 0 : 1;
}
