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
 * wmain has the forms main has (Microsoft's "main function and
 * command-line arguments"): (), (argc, argv) and (argc, argv, envp),
 * envp the environment in wide strings, NULL-terminated.  A C wmain of
 * any form is one symbol; it is called as main is called by the C
 * runtime, with all three arguments, which a definition with fewer
 * ignores (the SysV calling conventions pass them in registers and the
 * caller cleans up).  In C++ <lm.h> gives (argc, argv) C linkage; the
 * other two forms are overloads with C++ linkage, found here under
 * their Itanium C++ ABI names.  An environment entry the locale cannot
 * convert and that is not UTF-8 is left out of envp.
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

extern int netapibuf_wmain_w32(int argc, wchar_t **argv, wchar_t **envp)
	__attribute__((weak));
extern int netapibuf_wmain_w16(int argc, uint16_t **argv, uint16_t **envp)
	__attribute__((weak));
extern int wmain(int argc, wchar_t **argv, wchar_t **envp)
	__attribute__((weak));

/* C++: int wmain() and int wmain(int, wchar_t **, wchar_t **). */
extern int nab_cxx_wmain_w32_void(void)
	__asm__("_Z19netapibuf_wmain_w32v") __attribute__((weak));
extern int nab_cxx_wmain_w32_envp(int argc, wchar_t **argv, wchar_t **envp)
	__asm__("_Z19netapibuf_wmain_w32iPPwS0_") __attribute__((weak));
extern int nab_cxx_wmain_w16_void(void)
	__asm__("_Z19netapibuf_wmain_w16v") __attribute__((weak));
extern int nab_cxx_wmain_w16_envp(int argc, uint16_t **argv, uint16_t **envp)
	__asm__("_Z19netapibuf_wmain_w16iPPwS0_") __attribute__((weak));

extern char **environ;

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

/* One string in the width the program's wmain takes. */
static void *arg_wide(const char *s, int w16)
{
	return w16 ? (void *)arg_w16(s) : (void *)arg_w32(s);
}

/*
 * The environment as wide strings, NULL-terminated; entries that cannot
 * be converted are left out.  NULL when out of memory.
 */
static void **env_wide(int w16)
{
	size_t n = 0, i, j = 0;
	void **wenv;

	while (environ && environ[n])
		n++;
	wenv = calloc(n + 1, sizeof(*wenv));
	for (i = 0; wenv && i < n; i++) {
		wenv[j] = arg_wide(environ[i], w16);
		if (wenv[j])
			j++;
	}
	return wenv;
}

int main(int argc, char *argv[])
{
	int w16 = netapibuf_wmain_w16 || nab_cxx_wmain_w16_void ||
		  nab_cxx_wmain_w16_envp;
	void **wargv, **wenv;
	int i;

	if (!netapibuf_wmain_w32 && !netapibuf_wmain_w16 && !wmain &&
	    !nab_cxx_wmain_w32_void && !nab_cxx_wmain_w32_envp &&
	    !nab_cxx_wmain_w16_void && !nab_cxx_wmain_w16_envp) {
		fputs("libnetapibuf_wmain: the program defines neither main nor wmain\n",
		      stderr);
		return 127;
	}
	setlocale(LC_ALL, "");
	wargv = calloc((size_t)argc + 1, sizeof(*wargv));
	if (!wargv)
		goto nomem;
	for (i = 0; i < argc; i++) {
		wargv[i] = arg_wide(argv[i], w16);
		if (!wargv[i]) {
			fprintf(stderr, "%s: argument %d is not valid in this locale\n",
				argv[0], i);
			return 127;
		}
	}
	wenv = env_wide(w16);
	if (!wenv)
		goto nomem;
	if (nab_cxx_wmain_w16_envp)
		return nab_cxx_wmain_w16_envp(argc, (uint16_t **)wargv,
					      (uint16_t **)wenv);
	if (netapibuf_wmain_w16)
		return netapibuf_wmain_w16(argc, (uint16_t **)wargv,
					   (uint16_t **)wenv);
	if (nab_cxx_wmain_w16_void)
		return nab_cxx_wmain_w16_void();
	if (nab_cxx_wmain_w32_envp)
		return nab_cxx_wmain_w32_envp(argc, (wchar_t **)wargv,
					      (wchar_t **)wenv);
	if (netapibuf_wmain_w32)
		return netapibuf_wmain_w32(argc, (wchar_t **)wargv,
					   (wchar_t **)wenv);
	if (nab_cxx_wmain_w32_void)
		return nab_cxx_wmain_w32_void();
	return wmain(argc, (wchar_t **)wargv, (wchar_t **)wenv);
nomem:
	fputs("libnetapibuf_wmain: out of memory\n", stderr);
	return 127;
}
