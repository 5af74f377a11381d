/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lm.h> - Windows' LAN Manager umbrella header, as far as netapibuf goes.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * <lmcons.h>, <lmerr.h>, <lmapibuf.h>, <lmwksta.h>, <lmaccess.h>,
 * <lmserver.h>, <lmshare.h>.  Windows' convention (LMSTR is a wchar_t
 * string): a file that includes it cannot include <netapi.h>.  What a port
 * from Windows must still change is in netapibuf(7), "PORTING".
 */
#ifndef NETAPIBUF_LMHEADER_H
#define NETAPIBUF_LMHEADER_H

/*
 * What <windows.h> brings on Windows and code written for <lm.h> relies
 * on without including it: exit() and the wide stdio calls (fwprintf,
 * wprintf), which glibc declares in <stdlib.h> and <wchar.h>, not
 * <stdio.h> as Microsoft's C runtime does.  <netapibuf_lm.h> (through
 * <lmwksta.h>) maps the wide printf family to netapibuf_wprintf(3),
 * unless NETAPIBUF_NO_MSVC_WPRINTF is defined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include <lmcons.h>
#include <lmerr.h>
#include <lmapibuf.h>
#include <lmwksta.h>
#include <lmaccess.h>
#include <lmserver.h>
#include <lmshare.h>

/*
 * A program that defines wmain() and no main() gets its main() from
 * libnetapibuf_wmain.a (in pkg-config's Libs), which must know the
 * width of wmain's wchar_t: the name says it.  In C++ wmain gets C
 * linkage, as the compiler gives it on Windows.  NETAPIBUF_NO_WMAIN
 * leaves the name alone.
 */
#ifndef NETAPIBUF_NO_WMAIN
#if NETAPIBUF_WCHAR_SIZE == 2
#define wmain netapibuf_wmain_w16
#else
#define wmain netapibuf_wmain_w32
#endif
#ifdef __cplusplus
extern "C" int wmain(int argc, wchar_t *argv[]);
#endif
#endif

#endif /* NETAPIBUF_LMHEADER_H */
