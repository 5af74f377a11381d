/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <netapi.h> - network management calls answered by kernel agents.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Samba's libnetapi conventions: a program written against Samba's
 * <netapi.h> for NetWkstaGetInfo() and the context calls (libnetapi_init,
 * libnetapi_get_error_string, ...) compiles unchanged against this one
 * and links with -lnetapibuf instead of -lnetapi.  Strings are UTF-8
 * (const char *), structs are Samba's "struct NAME" without typedefs, and
 * every result buffer is freed with NetApiBufferFree().  Windows'
 * convention (<lm.h>: typedefs, wchar_t strings) cannot be mixed with it
 * in one file; <netapibuf.h>, <lmapibuf.h>, <lmcons.h> and <lmerr.h> go
 * with either.
 *
 * The answers come from netapibuf agents, kernel modules registered with
 * netapibuf.ko (the sample netapibuf_sysinfo.ko provides "wksta" and
 * "netif"; /sys/class/misc/netapibuf/agents lists those loaded).  An agent
 * writes its result into pages that become a buffer of the calling
 * process: nothing is copied, and the buffer belongs to the process even
 * if the agent is unloaded.  The agents run in the caller's namespaces:
 * the computer name is that of the caller's UTS namespace, the interfaces
 * those of its network namespace.
 *
 * THE CONTRACT (see NetWkstaGetInfo(3), NetInterfaceEnum(3),
 * NetApiBufferAgentCall(3))
 *
 * - A NULL buffer pointer, or a NULL out-pointer the call needs, is
 *   ERROR_INVALID_PARAMETER at once, without a system call.
 * - On NERR_Success and on ERROR_MORE_DATA *buffer is the result (or NULL
 *   when there is nothing to return: an enumeration past its end); free it
 *   with NetApiBufferFree().  On any other status *buffer is NULL.
 * - ERROR_NOT_SUPPORTED: the agent is not loaded (or netapibuf.ko has no
 *   agents); ERROR_INVALID_LEVEL: the agent does not know the level;
 *   ERROR_BAD_NETPATH: the server name is not this machine;
 *   ERROR_INVALID_PARAMETER: the agent refused the input;
 *   ERROR_NOT_ENOUGH_MEMORY: a netapibuf limit or out of memory;
 *   ERROR_DEV_NOT_EXIST, ERROR_REVISION_MISMATCH: as for the
 *   NetApiBuffer calls (<netapibuf.h>).
 * - Each call is one ioctl(2) on the process's netapibuf session (opened
 *   on first use), is safe from any thread, and leaves errno as it was.
 * - The layouts below are those of 64-bit processes; the agents refuse
 *   32-bit callers (ERROR_INVALID_LEVEL).  They are the agents' protocol,
 *   <linux/netapibuf_sysinfo.h>, read with pointers; libnetapibuf is built
 *   only if they match.
 */
#ifndef NETAPIBUF_NETAPI_H
#define NETAPIBUF_NETAPI_H

#ifdef NETAPIBUF_CONVENTION_WINDOWS
#error "netapibuf: Samba's <netapi.h> (UTF-8 char strings) and Windows' <lm.h> headers (LMSTR is wchar_t) in one file: include either <netapi.h> or <lm.h>/<lmwksta.h>/<lmaccess.h>/<lmserver.h>/<lmshare.h>; <netapibuf.h>, <lmapibuf.h>, <lmcons.h> and <lmerr.h> go with either"
#endif

#include <stddef.h>
#include <stdint.h>

#include <netapibuf.h>
#include <lmerr.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes: Windows' values, each only if not defined yet (by
 * winerror.h, lmerr.h or Samba's header).  ERROR_MORE_DATA is spelled as
 * Samba spells it, so that both definitions may meet.
 */
#ifndef ERROR_ACCESS_DENIED
#define ERROR_ACCESS_DENIED		5	/* the agent refused the caller */
#endif
#ifndef ERROR_GEN_FAILURE
#define ERROR_GEN_FAILURE		31	/* the agent failed otherwise */
#endif
#ifndef ERROR_NOT_SUPPORTED
#define ERROR_NOT_SUPPORTED		50	/* no such agent loaded */
#endif
#ifndef ERROR_BAD_NETPATH
#define ERROR_BAD_NETPATH		53	/* server name is not this machine */
#endif
#ifndef ERROR_INVALID_LEVEL
#define ERROR_INVALID_LEVEL		124	/* level unknown to the agent */
#endif
#ifndef ERROR_MORE_DATA
#define ERROR_MORE_DATA	( 234L )	/* an enumeration continues */
#endif

/* Samba's name for NERR_Success, an enumerator of its NET_API_STATUS. */
#ifndef NET_API_STATUS_SUCCESS
#define NET_API_STATUS_SUCCESS		NERR_Success
#endif

/* prefmaxlen: return everything in one buffer. */
#ifndef MAX_PREFERRED_LENGTH
#define MAX_PREFERRED_LENGTH		((uint32_t)-1)
#endif

/* wki100_platform_id values (Windows' lmcons.h). */
#ifndef PLATFORM_ID_DOS
#define PLATFORM_ID_DOS			300
#define PLATFORM_ID_OS2			400
#define PLATFORM_ID_NT			500	/* what the wksta agent reports */
#define PLATFORM_ID_OSF			600
#define PLATFORM_ID_VMS			700
#endif

/*
 * NetWkstaGetInfo() level 100.  wki100_computername is the nodename of the
 * caller's UTS namespace, wki100_langroup its domainname (NIS domain,
 * "(none)" when unset), wki100_ver_major and wki100_ver_minor the kernel's
 * version (6 and 1 for Linux 6.1).  The strings lie in the same buffer,
 * after the struct.
 */
struct WKSTA_INFO_100 {
	uint32_t wki100_platform_id;
	const char *wki100_computername;
	const char *wki100_langroup;
	uint32_t wki100_ver_major;
	uint32_t wki100_ver_minor;
};

/*
 * Levels 101 and 102: level 100's fields, then wki10x_lanroot, the empty
 * string (Linux has no LAN Manager root directory; Samba's workstation
 * service answers "" too), and wki102_logged_on_users, the number of
 * distinct users with a login session (USER_PROCESS) in utmp(5), counted
 * by libnetapibuf (0 where there is no utmp, as in a container).
 */
struct WKSTA_INFO_101 {
	uint32_t wki101_platform_id;
	const char *wki101_computername;
	const char *wki101_langroup;
	uint32_t wki101_ver_major;
	uint32_t wki101_ver_minor;
	const char *wki101_lanroot;
};

struct WKSTA_INFO_102 {
	uint32_t wki102_platform_id;
	const char *wki102_computername;
	const char *wki102_langroup;
	uint32_t wki102_ver_major;
	uint32_t wki102_ver_minor;
	const char *wki102_lanroot;
	uint32_t wki102_logged_on_users;
};

/*
 * NetInterfaceEnum() level 0: one network interface of the caller's
 * network namespace.  Entries come in ifindex order; the names lie in the
 * same buffer, after the array.  nif0_flags are the IFF_* flags of
 * <net/if.h> as SIOCGIFFLAGS reports them (IFF_RUNNING and IFF_LOWER_UP
 * included); nif0_addr holds the first nif0_addr_len (at most 8) bytes of
 * the hardware address; the counters are those of
 * /sys/class/net/NAME/statistics/ when the buffer was made.
 */
struct NETIF_INFO_0 {
	const char *nif0_name;
	uint32_t nif0_index;
	uint32_t nif0_mtu;
	uint32_t nif0_flags;
	uint32_t nif0_addr_len;
	uint8_t nif0_addr[8];
	uint64_t nif0_rx_packets;
	uint64_t nif0_tx_packets;
	uint64_t nif0_rx_bytes;
	uint64_t nif0_tx_bytes;
};

/*
 * Information about this machine (wksta_name NULL, "", "localhost",
 * "127.0.0.1" or the nodename, with or without leading backslashes).
 * Level 100, 101, 102: struct WKSTA_INFO_100, _101, _102.
 */
NET_API_STATUS NetWkstaGetInfo(const char *wksta_name /* [in] */,
			       uint32_t level /* [in] */,
			       uint8_t **buffer /* [out] [ref] */);

/*
 * The network interfaces of the caller's network namespace (server_name
 * names this machine as wksta_name does above), level 0: an array of
 * *entries_read struct NETIF_INFO_0, as many as fit in prefmaxlen bytes
 * (MAX_PREFERRED_LENGTH: all), at least one.  ERROR_MORE_DATA: more
 * follow; call again with the *resume_handle this call stored (0 starts
 * at the beginning; resume_handle may be NULL for a single call).
 * *total_entries counts the entries from the resume position on.
 */
NET_API_STATUS NetInterfaceEnum(const char *server_name /* [in] */,
				uint32_t level /* [in] */,
				uint8_t **buffer /* [out] [ref] */,
				uint32_t prefmaxlen /* [in] */,
				uint32_t *entries_read /* [out] [ref] */,
				uint32_t *total_entries /* [out] [ref] */,
				uint32_t *resume_handle /* [in,out] [unique] */);

/*
 * Any agent: agent is its name, level and the in_len bytes at in its
 * input, args[0..3] four values the agent defines, in and out (NULL: four
 * zeros in, nothing out).  Returns the agent's own status, or one of the
 * codes in THE CONTRACT when the call did not reach it.  Whatever the
 * status, a non-NULL *buffer is the caller's to free.
 */
NET_API_STATUS NetApiBufferAgentCall(const char *agent, uint32_t level,
				     const void *in, uint32_t in_len,
				     uint64_t args[4], void **buffer);

/*
 * Samba's context API (libnetapi_init(3)).  netapibuf answers for this
 * machine only, as the calling process: the context holds what a program
 * sets and gives it back, and changes no result.  One context per
 * process, as in Samba: libnetapi_init() and libnetapi_getctx() return
 * the same one until libnetapi_free().  Every call is thread-safe.
 */
struct libnetapi_ctx;
struct cli_credentials;

NET_API_STATUS libnetapi_init(struct libnetapi_ctx **ctx);
NET_API_STATUS libnetapi_free(struct libnetapi_ctx *ctx);
NET_API_STATUS libnetapi_getctx(struct libnetapi_ctx **ctx);

NET_API_STATUS libnetapi_set_debuglevel(struct libnetapi_ctx *ctx,
					const char *debuglevel);
NET_API_STATUS libnetapi_get_debuglevel(struct libnetapi_ctx *ctx,
					char **debuglevel);
NET_API_STATUS libnetapi_set_logfile(struct libnetapi_ctx *ctx,
				     const char *logfile);
NET_API_STATUS libnetapi_set_username(struct libnetapi_ctx *ctx,
				      const char *username);
NET_API_STATUS libnetapi_get_username(struct libnetapi_ctx *ctx,
				      const char **username);
NET_API_STATUS libnetapi_set_password(struct libnetapi_ctx *ctx,
				      const char *password);
NET_API_STATUS libnetapi_get_password(struct libnetapi_ctx *ctx,
				      const char **password);
NET_API_STATUS libnetapi_set_workgroup(struct libnetapi_ctx *ctx,
				       const char *workgroup);
NET_API_STATUS libnetapi_set_use_kerberos(struct libnetapi_ctx *ctx);
NET_API_STATUS libnetapi_get_use_kerberos(struct libnetapi_ctx *ctx,
					  int *use_kerberos);
NET_API_STATUS libnetapi_set_use_ccache(struct libnetapi_ctx *ctx);
NET_API_STATUS libnetapi_set_creds(struct libnetapi_ctx *ctx,
				   struct cli_credentials *creds);

/*
 * The text of a status (libnetapi_errstr(3)): never NULL, read-only,
 * valid for the life of the process.  Samba's header says to free it with
 * NetApiBufferFree(): that returns ERROR_INVALID_PARAMETER here and
 * changes nothing, so Samba code that does is fine.
 */
char *libnetapi_errstr(NET_API_STATUS status);
char *libnetapi_get_error_string(struct libnetapi_ctx *ctx,
				 NET_API_STATUS status);

#ifdef __cplusplus
}
#endif

#endif /* NETAPIBUF_NETAPI_H */
