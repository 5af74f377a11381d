/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <netapibuf_lm.h> - what Windows' info headers share; included by
 * <lmwksta.h>, <lmaccess.h>, <lmserver.h> and <lmshare.h>, not by programs.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * A file speaks one convention: Windows' (these headers, <lm.h>: LMSTR
 * strings are wchar_t) or Samba's (<netapi.h>: strings are UTF-8 char,
 * the same function names with other types).  Including both is a compile
 * error here or in <netapi.h>, whichever comes second.
 *
 * NETAPIBUF_WCHAR_SIZE is the program's sizeof(wchar_t), known to the
 * preprocessor: the calls that return strings are bound to the library's
 * entry point for that width, so the strings come back in it.
 */
#ifndef NETAPIBUF_LM_H
#define NETAPIBUF_LM_H

#if defined(NETAPIBUF_NETAPI_H) || defined(__LIB_NETAPI_H__)
#error "netapibuf: Windows' <lm.h> headers (LMSTR is wchar_t) and Samba's <netapi.h> (UTF-8 char strings) in one file: include either <lm.h>/<lmwksta.h>/<lmaccess.h>/<lmserver.h>/<lmshare.h> or <netapi.h>; <netapibuf.h>, <lmapibuf.h>, <lmcons.h> and <lmerr.h> go with either"
#endif

#define NETAPIBUF_CONVENTION_WINDOWS	1

#include <lmcons.h>
#include <lmerr.h>

#if defined(__SIZEOF_WCHAR_T__)
#define NETAPIBUF_WCHAR_SIZE	__SIZEOF_WCHAR_T__
#else
#include <wchar.h>
#if WCHAR_MAX > 0xffff
#define NETAPIBUF_WCHAR_SIZE	4
#else
#define NETAPIBUF_WCHAR_SIZE	2
#endif
#endif

/* The library's entry point of a call for this wchar_t width. */
#if NETAPIBUF_WCHAR_SIZE == 4
#define NETAPIBUF_LM_ENTRY(name)	__asm__("netapibuf_" #name "_w32")
#elif NETAPIBUF_WCHAR_SIZE == 2
#define NETAPIBUF_LM_ENTRY(name)	__asm__("netapibuf_" #name "_w16")
#else
#error "netapibuf: wchar_t is neither 2 nor 4 bytes wide"
#endif

/*
 * The wide printf family with the format semantics of Microsoft's C
 * runtime, which Windows code is written for: %s and %c take a wchar_t
 * string and character, %S and %C (and %hs, %hc) narrow ones, where
 * glibc reads %s as narrow.  wprintf, fwprintf, vwprintf and vfwprintf
 * become the library's netapibuf_wprintf(3) calls for the program's
 * wchar_t width; the stream may have been written by printf before, as on
 * Windows.  NETAPIBUF_NO_MSVC_WPRINTF, defined before the first of these
 * headers, keeps glibc's wprintf.  In C++ <cwchar> is included first (it
 * #undefs the four names) and std::wprintf and the others name the same
 * functions.  Samba's <netapi.h> never maps anything.
 */
#ifndef NETAPIBUF_NO_MSVC_WPRINTF
#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>
#ifdef __cplusplus
#include <cstdio>
#include <cwchar>
extern "C" {
#endif
int netapibuf_wprintf(const wchar_t *format, ...)
	NETAPIBUF_LM_ENTRY(wprintf);
int netapibuf_fwprintf(FILE *stream, const wchar_t *format, ...)
	NETAPIBUF_LM_ENTRY(fwprintf);
int netapibuf_vwprintf(const wchar_t *format, va_list ap)
	NETAPIBUF_LM_ENTRY(vwprintf);
int netapibuf_vfwprintf(FILE *stream, const wchar_t *format, va_list ap)
	NETAPIBUF_LM_ENTRY(vfwprintf);
#ifdef __cplusplus
}
namespace std {
using ::netapibuf_wprintf;
using ::netapibuf_fwprintf;
using ::netapibuf_vwprintf;
using ::netapibuf_vfwprintf;
}
#endif
#undef wprintf
#undef fwprintf
#undef vwprintf
#undef vfwprintf
#define wprintf		netapibuf_wprintf
#define fwprintf	netapibuf_fwprintf
#define vwprintf	netapibuf_vwprintf
#define vfwprintf	netapibuf_vfwprintf
#endif /* NETAPIBUF_NO_MSVC_WPRINTF */

#endif /* NETAPIBUF_LM_H */
