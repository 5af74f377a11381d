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

#endif /* NETAPIBUF_LM_H */
