// SPDX-License-Identifier: GPL-2.0
/*
 * C++ written from Microsoft's documentation of the same calls, as modern
 * C++ code holds their buffers: std::unique_ptr with a deleter that calls
 * NetApiBufferFree (a functor, and the function itself), std::wstring
 * and std::wstring_view of LMSTR, std::span over a buffer (C++20),
 * std::wprintf with %s, nullptr for the server, constexpr and
 * static_assert on the constants.
 *
 * Prints one "what=ok" (or "=FAIL") line per check and name=, domain=;
 * exits 1 if anything failed.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include <lm.h>
#include <memory>
#include <string>
#if __cplusplus >= 201703L
#include <string_view>
#endif
#if __cplusplus >= 202002L
#include <span>
#endif
#include <iostream>	// beside <lm.h>'s wprintf

namespace {

struct NetApiDeleter {
	void operator()(void *p) const noexcept { NetApiBufferFree(p); }
};

template <typename T>
using net_ptr = std::unique_ptr<T, NetApiDeleter>;

int failed;

void check(const char *what, bool ok)
{
	std::printf("%s=%s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failed = 1;
}

} // namespace

int main()
{
	LPBYTE raw = nullptr;
	NET_API_STATUS st = NetWkstaGetInfo(nullptr, 102, &raw);
	check("wksta", st == NERR_Success);
	if (st != NERR_Success)
		return 1;
	net_ptr<WKSTA_INFO_102> info(reinterpret_cast<LPWKSTA_INFO_102>(raw));
#if __cplusplus >= 201703L
	std::wstring_view name(info->wki102_computername);
	check("name.view", !name.empty());
#endif
	std::wstring domain = info->wki102_langroup;
	std::wprintf(L"name=%s\n", info->wki102_computername);
	std::wprintf(L"domain=%ls\n", domain.c_str());
	wprintf(L"platform=%u\n", static_cast<unsigned>(info->wki102_platform_id));

	// A second style: unique_ptr with the function as the deleter.
	LPVOID pv = nullptr;
	st = NetApiBufferAllocate(16 * sizeof(DWORD), &pv);
	check("allocate", st == NERR_Success);
	std::unique_ptr<DWORD, decltype(&NetApiBufferFree)> dw(
		static_cast<DWORD *>(pv), &NetApiBufferFree);
#if __cplusplus >= 202002L
	std::span<DWORD> words(dw.get(), 16);
	bool zero = true;
	for (DWORD d : words)
		zero = zero && d == 0;
	check("allocate.zero", zero);
#endif
	DWORD size = 0;
	check("size", NetApiBufferSize(dw.get(), &size) == NERR_Success &&
	      size == 16 * sizeof(DWORD));
	LPVOID grown = nullptr;
	st = NetApiBufferReallocate(dw.release(), 4096, &grown);
	check("reallocate", st == NERR_Success && grown != nullptr);
	check("free", NetApiBufferFree(grown) == NERR_Success);
	switch (NetWkstaGetInfo(nullptr, 7, &raw)) {
	case NERR_Success:
		check("level7", false);
		break;
	case ERROR_INVALID_LEVEL:
		check("level7", true);
		break;
	case ERROR_MORE_DATA:
	default:
		check("level7", false);
	}
	constexpr DWORD pref = MAX_PREFERRED_LENGTH;
	static_assert(pref == 0xFFFFFFFFu, "MAX_PREFERRED_LENGTH");
	static_assert(sizeof(DWORD) == 4, "DWORD");
	return failed;
}
