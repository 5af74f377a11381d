/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <lmerr.h> - Windows' NET_API_STATUS codes.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * The NERR_* codes of Windows' lmerr.h, and the ERROR_* codes of
 * winerror.h that the NetXxx calls return (on Windows <windows.h> brings
 * those; a port removes <windows.h>, so they are here), with Windows'
 * values.  Each is defined only if not defined yet, so this header goes
 * with either convention and after any other that defines them.
 * libnetapi_errstr(3) gives the text of every code netapibuf returns.
 */
#ifndef NETAPIBUF_LMERR_H
#define NETAPIBUF_LMERR_H

#ifndef NERR_Success
#define NERR_Success		0
#endif
#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS		0L
#endif
#ifndef NO_ERROR
#define NO_ERROR		0L
#endif

/* winerror.h: the codes netapibuf returns, and a few more. */
#ifndef ERROR_ACCESS_DENIED
#define ERROR_ACCESS_DENIED		5	/* the agent refused the caller */
#endif
#ifndef ERROR_INVALID_HANDLE
#define ERROR_INVALID_HANDLE		6
#endif
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY		8	/* limit reached, out of memory */
#endif
#ifndef ERROR_GEN_FAILURE
#define ERROR_GEN_FAILURE		31	/* the agent failed otherwise */
#endif
#ifndef ERROR_NOT_SUPPORTED
#define ERROR_NOT_SUPPORTED		50	/* no agent answers the call */
#endif
#ifndef ERROR_BAD_NETPATH
#define ERROR_BAD_NETPATH		53	/* server name is not this machine */
#endif
#ifndef ERROR_DEV_NOT_EXIST
#define ERROR_DEV_NOT_EXIST		55	/* no device, module not loaded */
#endif
#ifndef ERROR_NETWORK_ACCESS_DENIED
#define ERROR_NETWORK_ACCESS_DENIED	65
#endif
#ifndef ERROR_BAD_NET_NAME
#define ERROR_BAD_NET_NAME		67
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER		87	/* NULL where not allowed, not a live buffer */
#endif
#ifndef ERROR_INSUFFICIENT_BUFFER
#define ERROR_INSUFFICIENT_BUFFER	122
#endif
#ifndef ERROR_INVALID_NAME
#define ERROR_INVALID_NAME		123
#endif
#ifndef ERROR_INVALID_LEVEL
#define ERROR_INVALID_LEVEL		124	/* level unknown to the agent */
#endif
#ifndef ERROR_MORE_DATA
#define ERROR_MORE_DATA	( 234L )	/* as Samba spells it, so both may meet */
#endif
#ifndef ERROR_NO_MORE_ITEMS
#define ERROR_NO_MORE_ITEMS		259
#endif
#ifndef ERROR_INVALID_COMPUTERNAME
#define ERROR_INVALID_COMPUTERNAME	1210
#endif
#ifndef ERROR_REVISION_MISMATCH
#define ERROR_REVISION_MISMATCH		1306	/* the module speaks another ABI version */
#endif
#ifndef ERROR_NO_SUCH_USER
#define ERROR_NO_SUCH_USER		1317
#endif
#ifndef ERROR_LOGON_FAILURE
#define ERROR_LOGON_FAILURE		1326
#endif
#ifndef ERROR_NO_SUCH_DOMAIN
#define ERROR_NO_SUCH_DOMAIN		1355
#endif
#ifndef RPC_S_SERVER_UNAVAILABLE
#define RPC_S_SERVER_UNAVAILABLE	1722
#endif

/* lmerr.h: the network errors, from NERR_BASE on. */
#ifndef NERR_BASE
#define NERR_BASE			2100
#define NERR_NetNotStarted		(NERR_BASE + 2)
#define NERR_UnknownServer		(NERR_BASE + 3)
#define NERR_ShareMem			(NERR_BASE + 4)
#define NERR_NoNetworkResource		(NERR_BASE + 5)
#define NERR_RemoteOnly			(NERR_BASE + 6)
#define NERR_DevNotRedirected		(NERR_BASE + 7)
#define NERR_ServerNotStarted		(NERR_BASE + 14)
#define NERR_ItemNotFound		(NERR_BASE + 15)
#define NERR_UnknownDevDir		(NERR_BASE + 16)
#define NERR_RedirectedPath		(NERR_BASE + 17)
#define NERR_DuplicateShare		(NERR_BASE + 18)
#define NERR_NoRoom			(NERR_BASE + 19)
#define NERR_TooManyItems		(NERR_BASE + 21)
#define NERR_InvalidMaxUsers		(NERR_BASE + 22)
#define NERR_BufTooSmall		(NERR_BASE + 23)
#define NERR_RemoteErr			(NERR_BASE + 27)
#define NERR_LanmanIniError		(NERR_BASE + 31)
#define NERR_NetworkError		(NERR_BASE + 36)
#define NERR_WkstaInconsistentState	(NERR_BASE + 37)
#define NERR_WkstaNotStarted		(NERR_BASE + 38)
#define NERR_BrowserNotStarted		(NERR_BASE + 39)
#define NERR_InternalError		(NERR_BASE + 40)
#define NERR_BadTransactConfig		(NERR_BASE + 41)
#define NERR_InvalidAPI			(NERR_BASE + 42)
#define NERR_BadEventName		(NERR_BASE + 43)
#define NERR_DupNameReboot		(NERR_BASE + 44)
#define NERR_BadPassword		(NERR_BASE + 103)
#define NERR_GroupNotFound		(NERR_BASE + 120)
#define NERR_UserNotFound		(NERR_BASE + 121)
#define NERR_GroupExists		(NERR_BASE + 123)
#define NERR_UserExists			(NERR_BASE + 124)
#define NERR_NotPrimary			(NERR_BASE + 126)
#define NERR_PasswordExpired		(NERR_BASE + 142)
#define NERR_PasswordTooShort		(NERR_BASE + 145)
#define NERR_NetNameNotFound		(NERR_BASE + 210)
#define NERR_InvalidComputer		(NERR_BASE + 251)
#define NERR_DCNotFound			(NERR_BASE + 353)
#define NERR_SetupAlreadyJoined		(NERR_BASE + 591)
#define NERR_SetupNotJoined		(NERR_BASE + 592)
#define NERR_SetupDomainController	(NERR_BASE + 593)
#define MAX_NERR			(NERR_BASE + 899)
#endif

#endif /* NETAPIBUF_LMERR_H */
