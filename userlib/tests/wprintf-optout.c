// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Part of tests/wprintf: NETAPIBUF_NO_MSVC_WPRINTF keeps glibc's
 * fwprintf, which reads %s as a narrow string.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#define NETAPIBUF_NO_MSVC_WPRINTF
#include <lm.h>

#include "wprintf-tests.h"

#ifdef fwprintf
#error "NETAPIBUF_NO_MSVC_WPRINTF: fwprintf is still a macro"
#endif

int optout_narrow(FILE *f)
{
	return fwprintf(f, L"%s", "glibc");
}
