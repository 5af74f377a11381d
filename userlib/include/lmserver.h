/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmserver.h> - Windows' server info types.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * The types only, for code that casts result buffers to them: no agent
 * answers NetServerGetInfo, and libnetapibuf does not declare it.  Field
 * order and sizes are those of Samba's netapi.h, with Windows' names and
 * LMSTR strings.  Windows' convention: not with <netapi.h>.
 */
#ifndef NETAPIBUF_LMSERVER_H
#define NETAPIBUF_LMSERVER_H

#include <netapibuf_lm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _SERVER_INFO_100 {
	DWORD sv100_platform_id;
	LMSTR sv100_name;
} SERVER_INFO_100, *PSERVER_INFO_100, *LPSERVER_INFO_100;

typedef struct _SERVER_INFO_101 {
	DWORD sv101_platform_id;
	LMSTR sv101_name;
	DWORD sv101_version_major;
	DWORD sv101_version_minor;
	DWORD sv101_type;
	LMSTR sv101_comment;
} SERVER_INFO_101, *PSERVER_INFO_101, *LPSERVER_INFO_101;

/* sv102_hidden is Windows' BOOL (Samba: uint8_t, at the same offset). */
typedef struct _SERVER_INFO_102 {
	DWORD sv102_platform_id;
	LMSTR sv102_name;
	DWORD sv102_version_major;
	DWORD sv102_version_minor;
	DWORD sv102_type;
	LMSTR sv102_comment;
	DWORD sv102_users;
	DWORD sv102_disc;
	BOOL sv102_hidden;
	DWORD sv102_announce;
	DWORD sv102_anndelta;
	DWORD sv102_licenses;
	LMSTR sv102_userpath;
} SERVER_INFO_102, *PSERVER_INFO_102, *LPSERVER_INFO_102;

typedef struct _SERVER_INFO_1005 {
	LMSTR sv1005_comment;
} SERVER_INFO_1005, *PSERVER_INFO_1005, *LPSERVER_INFO_1005;

#ifndef SV_TYPE_WORKSTATION
#define SV_TYPE_WORKSTATION	0x00000001
#define SV_TYPE_SERVER		0x00000002
#define SV_TYPE_SQLSERVER	0x00000004
#define SV_TYPE_DOMAIN_CTRL	0x00000008
#define SV_TYPE_DOMAIN_BAKCTRL	0x00000010
#define SV_TYPE_TIME_SOURCE	0x00000020
#define SV_TYPE_PRINTQ_SERVER	0x00000200
#define SV_TYPE_NT		0x00001000
#define SV_TYPE_SERVER_NT	0x00008000
#define SV_TYPE_DOMAIN_ENUM	0x80000000
#define SV_TYPE_ALL		0xFFFFFFFF
#endif

#ifdef __cplusplus
}
#endif

#endif /* NETAPIBUF_LMSERVER_H */
