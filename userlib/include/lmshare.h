/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmshare.h> - Windows' share info types.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * The types only, for code that casts result buffers to them: no agent
 * answers NetShareEnum or NetShareGetInfo, and libnetapibuf does not
 * declare them.  Field order and sizes are those of Samba's netapi.h,
 * with Windows' names and LMSTR strings.  Windows' convention: not with
 * <netapi.h>.
 */
#ifndef NETAPIBUF_LMSHARE_H
#define NETAPIBUF_LMSHARE_H

#include <netapibuf_lm.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(NETAPIBUF_NO_WINTYPES) && !defined(_WINNT_) && \
	!defined(__WINE_WINNT_H)
typedef void *PSECURITY_DESCRIPTOR;
#endif

typedef struct _SHARE_INFO_0 {
	LMSTR shi0_netname;
} SHARE_INFO_0, *PSHARE_INFO_0, *LPSHARE_INFO_0;

typedef struct _SHARE_INFO_1 {
	LMSTR shi1_netname;
	DWORD shi1_type;
	LMSTR shi1_remark;
} SHARE_INFO_1, *PSHARE_INFO_1, *LPSHARE_INFO_1;

typedef struct _SHARE_INFO_2 {
	LMSTR shi2_netname;
	DWORD shi2_type;
	LMSTR shi2_remark;
	DWORD shi2_permissions;
	DWORD shi2_max_uses;
	DWORD shi2_current_uses;
	LMSTR shi2_path;
	LMSTR shi2_passwd;
} SHARE_INFO_2, *PSHARE_INFO_2, *LPSHARE_INFO_2;

typedef struct _SHARE_INFO_501 {
	LMSTR shi501_netname;
	DWORD shi501_type;
	LMSTR shi501_remark;
	DWORD shi501_flags;
} SHARE_INFO_501, *PSHARE_INFO_501, *LPSHARE_INFO_501;

typedef struct _SHARE_INFO_502 {
	LMSTR shi502_netname;
	DWORD shi502_type;
	LMSTR shi502_remark;
	DWORD shi502_permissions;
	DWORD shi502_max_uses;
	DWORD shi502_current_uses;
	LMSTR shi502_path;
	LMSTR shi502_passwd;
	DWORD shi502_reserved;
	PSECURITY_DESCRIPTOR shi502_security_descriptor;
} SHARE_INFO_502, *PSHARE_INFO_502, *LPSHARE_INFO_502;

typedef struct _SHARE_INFO_1004 {
	LMSTR shi1004_remark;
} SHARE_INFO_1004, *PSHARE_INFO_1004, *LPSHARE_INFO_1004;

#ifndef STYPE_DISKTREE
#define STYPE_DISKTREE		0
#define STYPE_PRINTQ		1
#define STYPE_DEVICE		2
#define STYPE_IPC		3
#define STYPE_TEMPORARY		0x40000000
#define STYPE_SPECIAL		0x80000000
#endif

#ifdef __cplusplus
}
#endif

#endif /* NETAPIBUF_LMSHARE_H */
