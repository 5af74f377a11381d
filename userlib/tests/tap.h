/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host tests' TAP output: ok() prints one "ok N - ..." or
 * "not ok N - ..." line and counts it; tap_quiet (in a forked child)
 * counts without printing.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUF_TESTS_TAP_H
#define NETAPIBUF_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tests, failures;
static bool tap_quiet;

__attribute__((format(printf, 2, 3)))
static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failures++;
	if (tap_quiet)
		return cond;
	va_start(ap, fmt);
	printf("%sok %d - ", cond ? "" : "not ", tests);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	return cond;
}

#endif /* NETAPIBUF_TESTS_TAP_H */
