/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmapibuf.h> - Windows' name for the NetApiBuffer header.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUF_LMAPIBUF_H
#define NETAPIBUF_LMAPIBUF_H

#include <netapibuf.h>

#endif /* NETAPIBUF_LMAPIBUF_H */
