// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Part of tests/wprintf, built with -fshort-wchar: <lm.h> binds fwprintf
 * to the UTF-16 entry point; precision counts UTF-16 units and does not
 * split a surrogate pair.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <lm.h>

#include "wprintf-tests.h"

_Static_assert(sizeof(wchar_t) == 2, "built with -fshort-wchar");

int w16_names(FILE *f)
{
	/* U+1F600 is a pair: %.3s takes it and x, %.2s of "x\U0001F600" x. */
	return fwprintf(f, L"%s|%5s|%.3s|%c|%S|%d", L"h\u00f4te-\U0001F600",
			L"ab", L"\U0001F600xy", L'\u00e9', "n", 7);
}

/* @units: 'a' and a high surrogate, unterminated. */
int w16_unterminated(FILE *f, const void *units)
{
	return fwprintf(f, L"[%.2s][%.1s]", (const wchar_t *)units,
			(const wchar_t *)units);
}
