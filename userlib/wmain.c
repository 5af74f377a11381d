// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf_wmain.a: main() for a program that defines only wmain(),
 * as Windows programs do (MinGW's -municode does the same).  pkg-config's
 * Libs list the archive after -lnetapibuf: the linker takes this object
 * only when nothing else defines main, so a program with its own main()
 * never sees it.
 *
 * <lm.h> renames wmain to netapibuf_wmain_w32 or _w16 for the program's
 * wchar_t width (and gives it C linkage in C++); a wmain defined without
 * the header is taken as 4 bytes wide.  Arguments are converted from the
 * locale's multibyte encoding after setlocale(LC_ALL, ""), which stays
 * set, so the program's wide output prints in the user's locale; an
 * argument the locale cannot convert (the C locale) is read as UTF-8.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "utf8.h"

extern int netapibuf_wmain_w32(int argc, wchar_t **argv) __attribute__((weak));
extern int netapibuf_wmain_w16(int argc, uint16_t **argv) __attribute__((weak));
extern int wmain(int argc, wchar_t **argv) __attribute__((weak));

/* @s decoded as UTF-8, or NULL if it is not (nab_utf8_decode()). */
static wchar_t *utf8_w32(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	wchar_t *w = calloc(strlen(s) + 1, sizeof(*w));
	size_t j = 0, n;

	while (w && *p) {
		n = nab_utf8_decode(p, &w[j++]);
		if (!n) {
			free(w);
			return NULL;
		}
		p += n;
	}
	return w;
}

/* One argument as UTF-32 (4-byte wchar_t), or NULL. */
static wchar_t *arg_w32(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);
	wchar_t *w;

	if (n == (size_t)-1)	/* the C locale: names are UTF-8 */
		return utf8_w32(s);
	w = calloc(n + 1, sizeof(*w));
	if (w)
		mbstowcs(w, s, n + 1);
	return w;
}

/* One argument as UTF-16 (2-byte wchar_t), or NULL. */
static uint16_t *arg_w16(const char *s)
{
	wchar_t *w = arg_w32(s);
	uint16_t *u;
	size_t i, j, n;

	if (!w)
		return NULL;
	n = wcslen(w);
	u = calloc(2 * n + 1, sizeof(*u));
	for (i = 0, j = 0; u && i < n; i++) {
		uint32_t c = (uint32_t)w[i];

		if (c >= 0x10000) {
			c -= 0x10000;
			u[j++] = (uint16_t)(0xd800 | (c >> 10));
			u[j++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		} else {
			u[j++] = (uint16_t)c;
		}
	}
	free(w);
	return u;
}

int main(int argc, char *argv[])
{
	void **wargv;
	int i;

	if (!netapibuf_wmain_w32 && !netapibuf_wmain_w16 && !wmain) {
		fputs("libnetapibuf_wmain: the program defines neither main nor wmain\n",
		      stderr);
		return 127;
	}
	setlocale(LC_ALL, "");
	wargv = calloc((size_t)argc + 1, sizeof(*wargv));
	if (!wargv)
		goto nomem;
	for (i = 0; i < argc; i++) {
		wargv[i] = netapibuf_wmain_w16 ? (void *)arg_w16(argv[i]) :
						 (void *)arg_w32(argv[i]);
		if (!wargv[i]) {
			fprintf(stderr, "%s: argument %d is not valid in this locale\n",
				argv[0], i);
			return 127;
		}
	}
	if (netapibuf_wmain_w16)
		return netapibuf_wmain_w16(argc, (uint16_t **)wargv);
	if (netapibuf_wmain_w32)
		return netapibuf_wmain_w32(argc, (wchar_t **)wargv);
	return wmain(argc, (wchar_t **)wargv);
nomem:
	fputs("libnetapibuf_wmain: out of memory\n", stderr);
	return 127;
}
