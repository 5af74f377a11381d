/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmapibuf.h> - Windows' name for the NetApiBuffer header.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * The four NetApiBuffer calls (<netapibuf.h>), Windows' types
 * (<lmcons.h>) and status codes (<lmerr.h>).  It goes with either
 * convention: Windows' <lm.h> or Samba's <netapi.h>.
 */
#ifndef NETAPIBUF_LMAPIBUF_H
#define NETAPIBUF_LMAPIBUF_H

#include <netapibuf.h>
#include <lmcons.h>
#include <lmerr.h>

#endif /* NETAPIBUF_LMAPIBUF_H */
