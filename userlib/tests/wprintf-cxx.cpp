// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Part of tests/wprintf: in C++, std::wprintf and ::fwprintf are
 * netapibuf's after <lm.h>, whatever the standard headers included after
 * it (<iostream> and <cwchar> #undef the C names in libstdc++).
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <lm.h>
#include <cwchar>
#include <iostream>
#include <string>

#include "wprintf-tests.h"

extern "C" int cxx_names(FILE *f)
{
	int a = std::fwprintf(f, L"std:%s|", L"\u00e9");
	int b = ::fwprintf(f, L"global:%s|", L"x");
	int c = fwprintf(f, L"%S", "n");

	return a < 0 || b < 0 || c < 0 ? -1 : a + b + c;
}
