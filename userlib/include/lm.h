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

#include <lmcons.h>
#include <lmerr.h>
#include <lmapibuf.h>
#include <lmwksta.h>
#include <lmaccess.h>
#include <lmserver.h>
#include <lmshare.h>

#endif /* NETAPIBUF_LMHEADER_H */
