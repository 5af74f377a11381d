/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of tests/wprintf built otherwise: -fshort-wchar, the opt-out,
 * C++.  Each writes to @f and returns what its call returned.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef WPRINTF_TESTS_H
#define WPRINTF_TESTS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif
int w16_names(FILE *f);
int w16_unterminated(FILE *f, const void *units);
int optout_narrow(FILE *f);
int cxx_names(FILE *f);
#ifdef __cplusplus
}
#endif

#endif
