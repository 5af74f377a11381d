/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmcons.h> - Windows' LAN Manager types and constants.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Windows' basic types (BYTE, WORD, DWORD, BOOL, LPBYTE, LPSTR, LPWSTR,
 * TCHAR, LPTSTR, TEXT(), ...), LMSTR, the name lengths (CNLEN, DNLEN, UNLEN, ...),
 * MAX_PREFERRED_LENGTH and PLATFORM_ID_*, with Windows' values.  Types
 * only: this header goes with either convention (Windows' <lm.h> or
 * Samba's <netapi.h>).
 *
 * WCHAR is wchar_t, as on Windows, but wchar_t is as wide as the compiler
 * makes it: 4 bytes on Linux, 2 with -fshort-wchar.  LMSTR is always a
 * wide string (WCHAR *): the results of <lmwksta.h>'s calls carry their
 * strings in the width of the program's wchar_t.  DWORD is 32 bits, as
 * on Windows (uint32_t, not unsigned long).
 */
#ifndef NETAPIBUF_LMCONS_H
#define NETAPIBUF_LMCONS_H

#include <stddef.h>

#include <netapibuf.h>		/* DWORD, LPDWORD, LPVOID, NET_API_STATUS */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Skipped, as <netapibuf.h>'s are, where a Windows header (windef.h from
 * MinGW or Wine) declared them first or the program defines
 * NETAPIBUF_NO_WINTYPES.
 */
#if !defined(NETAPIBUF_NO_WINTYPES) && !defined(_WINDEF_) && \
	!defined(_MINWINDEF_) && !defined(__WINE_WINDEF_H)
typedef unsigned char BYTE;
typedef unsigned short WORD;
typedef int BOOL;
typedef char CHAR;
typedef wchar_t WCHAR;
typedef BYTE *PBYTE, *LPBYTE;
typedef WORD *PWORD, *LPWORD;
typedef DWORD *PDWORD;
typedef BOOL *PBOOL, *LPBOOL;
typedef const void *LPCVOID;
typedef CHAR *PSTR, *LPSTR;
typedef const CHAR *PCSTR, *LPCSTR;
typedef WCHAR *PWSTR, *LPWSTR;
typedef const WCHAR *PCWSTR, *LPCWSTR;
#endif

/*
 * TCHAR and its pointers, from <winnt.h> on Windows: WCHAR when UNICODE
 * is defined before the first include, CHAR otherwise.  Microsoft's
 * samples declare their server names LPTSTR and wmain's argv TCHAR *[].
 */
#if !defined(NETAPIBUF_NO_WINTYPES) && !defined(_WINNT_) && \
	!defined(__WINE_WINNT_H) && !defined(_TCHAR_DEFINED)
#ifdef UNICODE
typedef WCHAR TCHAR;
#ifndef __TEXT
#define __TEXT(s)	L##s
#endif
#else
typedef CHAR TCHAR;
#ifndef __TEXT
#define __TEXT(s)	s
#endif
#endif
typedef TCHAR *PTSTR, *LPTSTR;
typedef const TCHAR *PCTSTR, *LPCTSTR;
#ifndef TEXT
#define TEXT(s)		__TEXT(s)
#endif
#endif

#if !defined(NETAPIBUF_NO_WINTYPES) && !defined(_LMCONS_) && \
	!defined(__WINE_LMCONS_H)
typedef LPWSTR LMSTR;
typedef LPCWSTR LMCSTR;
#endif

#ifndef TRUE
#define TRUE	1
#endif
#ifndef FALSE
#define FALSE	0
#endif

/* Name and string lengths, in characters, without the terminator. */
#ifndef CNLEN
#define CNLEN		15	/* computer name */
#define LM20_CNLEN	15
#define DNLEN		CNLEN	/* domain name */
#define LM20_DNLEN	15
#define UNCLEN		(CNLEN + 2)	/* \\computer */
#define LM20_UNCLEN	(LM20_CNLEN + 2)
#define NNLEN		80	/* share name */
#define LM20_NNLEN	12
#define RMLEN		(UNCLEN + 1 + NNLEN)	/* \\computer\share */
#define LM20_RMLEN	(LM20_UNCLEN + 1 + LM20_NNLEN)
#define SNLEN		80	/* service name */
#define LM20_SNLEN	15
#define STXTLEN		256	/* service text */
#define LM20_STXTLEN	63
#define PATHLEN		256
#define LM20_PATHLEN	256
#define DEVLEN		80	/* device name */
#define LM20_DEVLEN	8
#define EVLEN		16	/* event name */
#define UNLEN		256	/* user name */
#define LM20_UNLEN	20
#define GNLEN		UNLEN	/* group name */
#define LM20_GNLEN	LM20_UNLEN
#define PWLEN		256	/* password */
#define LM20_PWLEN	14
#define SHPWLEN		8	/* share password */
#define CLTYPE_LEN	12
#define MAXCOMMENTSZ	256
#define LM20_MAXCOMMENTSZ	48
#define QNLEN		NNLEN	/* queue name */
#define LM20_QNLEN	LM20_NNLEN
#define ALERTSZ		128
#define NETBIOS_NAME_LEN	16
#define CRYPT_KEY_LEN	7
#define CRYPT_TXT_LEN	8
#define SESSION_PWLEN	24
#define SESSION_CRYPT_KLEN	21
#endif
#ifndef ENCRYPTED_PWLEN
#define ENCRYPTED_PWLEN	( 16 )	/* spelled as Samba's netapi.h spells it */
#endif

/* prefmaxlen: return everything in one buffer. */
#ifndef MAX_PREFERRED_LENGTH
#define MAX_PREFERRED_LENGTH	((DWORD)-1)
#endif

/* parm_err values of the NetXxxSetInfo calls. */
#ifndef PARM_ERROR_NONE
#define PARM_ERROR_NONE		0
#define PARM_ERROR_UNKNOWN	((DWORD)-1)
#define PARMNUM_ALL		0
#define PARMNUM_BASE_INFOLEVEL	1000
#endif

/* wki10x_platform_id, sv10x_platform_id. */
#ifndef PLATFORM_ID_DOS
#define PLATFORM_ID_DOS		300
#define PLATFORM_ID_OS2		400
#define PLATFORM_ID_NT		500	/* what netapibuf's agent reports */
#define PLATFORM_ID_OSF		600
#define PLATFORM_ID_VMS		700
#endif

#ifdef __cplusplus
}
#endif

#endif /* NETAPIBUF_LMCONS_H */
