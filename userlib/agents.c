// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: NetWkstaGetInfo, NetInterfaceEnum and NetApiBufferAgentCall
 * over NETAPIBUF_IOC_AGENT_CALL.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Each call is one acquire load of the session and one ioctl(2): a kernel
 * agent writes the result into pages that become a buffer of the session,
 * and the library hands its address on.  The contract is in <netapi.h>;
 * the protocol of the agents "wksta" and "netif" (module/agents/sysinfo.c)
 * is <linux/netapibuf_sysinfo.h>.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utmpx.h>

#include <linux/netapibuf.h>
#include <linux/netapibuf_sysinfo.h>

#include <netapi.h>

#include "netapibuf-private.h"

/* More than the kernel's bound on an agent's input (64 KiB). */
#define NETAPI_IN_SCAN	(1U << 20)
/* The kernel's bound, in units of a wide name: no UTF-8 form is shorter. */
#define NETAPIBUF_AGENT_IN_MAX	(64U << 10)

/*
 * <netapi.h>'s structs are the agents' results as a 64-bit process reads
 * them (the agents refuse 32-bit callers): the layouts stated in
 * <linux/netapibuf_sysinfo.h>.
 */
#if __SIZEOF_POINTER__ == 8
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_100_LAYOUT(struct WKSTA_INFO_100),
	       "struct WKSTA_INFO_100 is not what the wksta agent writes");
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_101_LAYOUT(struct WKSTA_INFO_101),
	       "struct WKSTA_INFO_101 is not what the wksta agent writes");
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_102_LAYOUT(struct WKSTA_INFO_102),
	       "struct WKSTA_INFO_102 is not what the wksta agent writes");
_Static_assert(NETAPIBUF_SYSINFO_NETIF_INFO_0_LAYOUT(struct NETIF_INFO_0),
	       "struct NETIF_INFO_0 is not what the netif agent writes");
#endif
_Static_assert(MAX_PREFERRED_LENGTH == NETAPIBUF_SYSINFO_PREFMAXLEN_ALL,
	       "MAX_PREFERRED_LENGTH");
_Static_assert(PLATFORM_ID_NT == NETAPIBUF_SYSINFO_PLATFORM_ID_NT,
	       "PLATFORM_ID_NT");

/* The status for an errno value from NETAPIBUF_IOC_AGENT_CALL. */
static NET_API_STATUS netapi_agent_status(int err)
{
	switch (err) {
	case ENOENT:		/* no such agent, or it is unloading */
	case ENOTTY:		/* a netapibuf.ko without agents */
		return ERROR_NOT_SUPPORTED;
	case EOPNOTSUPP:	/* the agent does not know the level */
		return ERROR_INVALID_LEVEL;
	case EHOSTUNREACH:	/* the server name is not this machine */
		return ERROR_BAD_NETPATH;
	case EINVAL:		/* flags, name, or input the agent refused */
	case E2BIG:		/* input longer than 64 KiB */
	case EFAULT:		/* input not readable */
	case ENXIO:
	case EBADF:
		return ERROR_INVALID_PARAMETER;
	case ENOMEM:		/* out of memory, memory cgroup limit */
	case EDQUOT:		/* a netapibuf limit */
	case ENOSPC:		/* no room left in the arena */
		return ERROR_NOT_ENOUGH_MEMORY;
	case EACCES:
	case EPERM:
		return ERROR_ACCESS_DENIED;
	default:
		/* EIO, EAGAIN, ...: the agent failed for its own reasons. */
		return ERROR_GEN_FAILURE;
	}
}

/*
 * One agent call: cmd->name, level, in, in_len and args are filled in.
 * Returns true if the agent answered, with its status in *status and
 * cmd->args and cmd->buffer as it left them; false with the status for
 * what went wrong (no session, the ioctl's errno) and cmd->buffer 0.
 * errno is the caller's to preserve.
 */
static bool netapi_call(struct netapibuf_agent_call *cmd,
			NET_API_STATUS *status)
{
	const struct netapibuf_session *s;
	int err;

	*status = netapibuf_session_get(&s);
	if (*status != NERR_Success) {
		cmd->buffer = 0;
		return false;
	}

	err = netapibuf_ioctl(s->fd, NETAPIBUF_IOC_AGENT_CALL, cmd);
	if (err) {
		cmd->buffer = 0;
		*status = netapi_agent_status(err);
		return false;
	}

	*status = cmd->status;
	return true;
}

/* Frees a result the caller will not get (see the NetXxx calls). */
static void netapi_drop(struct netapibuf_agent_call *cmd)
{
	const struct netapibuf_session *s = netapibuf_session_peek();
	struct netapibuf_free arg = { .addr = cmd->buffer };

	if (cmd->buffer && s)
		netapibuf_ioctl(s->fd, NETAPIBUF_IOC_FREE, &arg);
	cmd->buffer = 0;
}

/*
 * The server name, the input of both sysinfo agents: they decide whether
 * it is this machine's.  A name longer than the kernel takes is passed
 * with a length it refuses (E2BIG), without reading all of it here.
 */
static void netapi_set_server(struct netapibuf_agent_call *cmd,
			      const char *name)
{
	if (name) {
		cmd->in = netapibuf_addr(name);
		cmd->in_len = strnlen(name, NETAPI_IN_SCAN) + 1;
	}
}

NETAPIBUF_EXPORT NET_API_STATUS
NetApiBufferAgentCall(const char *agent, uint32_t level, const void *in,
		      uint32_t in_len, uint64_t args[4], void **buffer)
{
	struct netapibuf_agent_call cmd = {
		.level = level,
		.in = netapibuf_addr(in),
		.in_len = in_len,
	};
	int saved_errno = errno;
	NET_API_STATUS status;
	size_t len;

	if (!buffer)
		return ERROR_INVALID_PARAMETER;
	*buffer = NULL;
	if (!agent || (in_len && !in))
		return ERROR_INVALID_PARAMETER;
	/* No agent can have a longer name. */
	len = strnlen(agent, sizeof(cmd.name));
	if (len == sizeof(cmd.name))
		return ERROR_INVALID_PARAMETER;
	memcpy(cmd.name, agent, len);
	if (args)
		memcpy(cmd.args, args, sizeof(cmd.args));

	/* Whatever the agent's status, its values and buffer come back. */
	if (netapi_call(&cmd, &status) && args)
		memcpy(args, cmd.args, sizeof(cmd.args));
	*buffer = netapibuf_ptr(cmd.buffer);
	errno = saved_errno;
	return status;
}

/*
 * wki102_logged_on_users: the distinct users of the USER_PROCESS entries
 * of utmp(5), as Samba's workstation service counted them; 0 when there
 * is no utmp.  getutxent() keeps its place in static storage: one caller
 * at a time.
 */
static uint32_t netapi_logged_on_users(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char (*names)[sizeof(((struct utmpx *)0)->ut_user)] = NULL;
	size_t n = 0, cap = 0, i;
	struct utmpx *u;

	pthread_mutex_lock(&lock);
	setutxent();
	while ((u = getutxent())) {
		if (u->ut_type != USER_PROCESS || !u->ut_user[0])
			continue;
		for (i = 0; i < n; i++)
			if (!strncmp(names[i], u->ut_user, sizeof(names[i])))
				break;
		if (i < n)
			continue;
		if (n == cap) {
			void *more = realloc(names, (cap * 2 + 16) *
					     sizeof(*names));

			if (!more)
				break;	/* a count too low beats none */
			names = more;
			cap = cap * 2 + 16;
		}
		memcpy(names[n++], u->ut_user, sizeof(names[0]));
	}
	endutxent();
	pthread_mutex_unlock(&lock);
	free(names);
	return (uint32_t)n;
}

/*
 * NetWkstaGetInfo in either convention: @server in UTF-8 (or NULL),
 * @str the string encoding of the result (NETAPIBUF_SYSINFO_STR_*).
 * The caller has checked @buffer and saves errno.
 */
static NET_API_STATUS netapi_wksta_get_info(const char *server,
					    uint32_t level, uint32_t str,
					    uint8_t **buffer)
{
	struct netapibuf_agent_call cmd = {
		.name = NETAPIBUF_SYSINFO_WKSTA,
		.level = level | str,
	};
	struct netapibuf_sysinfo_wksta_info_102 *info;
	NET_API_STATUS status;

	/* The high bits are the protocol's, not the caller's. */
	if (level & ~NETAPIBUF_SYSINFO_LEVEL_MASK)
		return ERROR_INVALID_LEVEL;

	netapi_set_server(&cmd, server);
	netapi_call(&cmd, &status);
	if (status != NERR_Success) {
		netapi_drop(&cmd);
		return status;
	}
	*buffer = netapibuf_ptr(cmd.buffer);
	if (level == NETAPIBUF_SYSINFO_WKSTA_LEVEL_102) {
		info = (void *)*buffer;
		info->wki102_logged_on_users = netapi_logged_on_users();
	}
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
NetWkstaGetInfo(const char *wksta_name, uint32_t level, uint8_t **buffer)
{
	int saved_errno = errno;
	NET_API_STATUS status;

	if (!buffer)
		return ERROR_INVALID_PARAMETER;
	*buffer = NULL;
	status = netapi_wksta_get_info(wksta_name, level,
				       NETAPIBUF_SYSINFO_STR_UTF8, buffer);
	errno = saved_errno;
	return status;
}

/* Appends code point @c to @out as UTF-8; returns the bytes written. */
static size_t netapi_put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * A wide server name in UTF-8 for the agents: UTF-16 (@width 2, with
 * surrogate pairs) or UTF-32 (@width 4); what is not a valid code point
 * becomes U+FFFD.  NULL stays NULL.  A name of more units than the
 * kernel takes bytes is ERROR_INVALID_PARAMETER, as for the UTF-8 call.
 */
static NET_API_STATUS netapi_wide_server(const void *name, unsigned int width,
					 char **utf8)
{
	const uint16_t *w16 = name;
	const uint32_t *w32 = name;
	size_t units, i;
	uint32_t c;
	char *p;

	*utf8 = NULL;
	if (!name)
		return NERR_Success;
	for (units = 0; width == 2 ? w16[units] : w32[units]; units++)
		if (units == NETAPIBUF_AGENT_IN_MAX)
			return ERROR_INVALID_PARAMETER;

	p = malloc(units * 4 + 1);
	if (!p)
		return ERROR_NOT_ENOUGH_MEMORY;
	*utf8 = p;
	for (i = 0; i < units; i++) {
		if (width == 4) {
			c = w32[i];
		} else {
			c = w16[i];
			if (c >= 0xd800 && c < 0xdc00 && i + 1 < units &&
			    w16[i + 1] >= 0xdc00 && w16[i + 1] < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (w16[i + 1] - 0xdc00);
				i++;
			}
		}
		if (c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
			c = 0xfffd;
		p += netapi_put_utf8(p, c);
	}
	*p = '\0';
	return NERR_Success;
}

/* <lmwksta.h>'s NetWkstaGetInfo for a program whose wchar_t has @width bytes. */
static NET_API_STATUS netapi_wksta_get_info_wide(const void *servername,
						 uint32_t level,
						 uint8_t **buffer,
						 unsigned int width)
{
	int saved_errno = errno;
	NET_API_STATUS status;
	char *server;

	if (!buffer)
		return ERROR_INVALID_PARAMETER;
	*buffer = NULL;
	status = netapi_wide_server(servername, width, &server);
	if (status == NERR_Success)
		status = netapi_wksta_get_info(server, level, width == 2 ?
					       NETAPIBUF_SYSINFO_STR_UTF16 :
					       NETAPIBUF_SYSINFO_STR_UTF32,
					       buffer);
	free(server);
	errno = saved_errno;
	return status;
}

NETAPIBUF_EXPORT NET_API_STATUS
netapibuf_NetWkstaGetInfo_w16(const uint16_t *servername, uint32_t level,
			      uint8_t **bufptr)
{
	return netapi_wksta_get_info_wide(servername, level, bufptr, 2);
}

NETAPIBUF_EXPORT NET_API_STATUS
netapibuf_NetWkstaGetInfo_w32(const uint32_t *servername, uint32_t level,
			      uint8_t **bufptr)
{
	return netapi_wksta_get_info_wide(servername, level, bufptr, 4);
}

NETAPIBUF_EXPORT NET_API_STATUS
NetInterfaceEnum(const char *server_name, uint32_t level, uint8_t **buffer,
		 uint32_t prefmaxlen, uint32_t *entries_read,
		 uint32_t *total_entries, uint32_t *resume_handle)
{
	struct netapibuf_agent_call cmd = {
		.name = NETAPIBUF_SYSINFO_NETIF,
		.level = level,
	};
	int saved_errno = errno;
	NET_API_STATUS status;

	if (!buffer || !entries_read || !total_entries)
		return ERROR_INVALID_PARAMETER;
	*buffer = NULL;
	*entries_read = 0;
	*total_entries = 0;

	netapi_set_server(&cmd, server_name);
	cmd.args[NETAPIBUF_SYSINFO_ARG_PREFMAXLEN] = prefmaxlen;
	cmd.args[NETAPIBUF_SYSINFO_ARG_RESUME] =
		resume_handle ? *resume_handle : 0;

	netapi_call(&cmd, &status);
	if (status == NERR_Success || status == ERROR_MORE_DATA) {
		*buffer = netapibuf_ptr(cmd.buffer);
		*entries_read =
			(uint32_t)cmd.args[NETAPIBUF_SYSINFO_ARG_ENTRIES_READ];
		*total_entries =
			(uint32_t)cmd.args[NETAPIBUF_SYSINFO_ARG_TOTAL_ENTRIES];
		if (resume_handle)
			*resume_handle =
				(uint32_t)cmd.args[NETAPIBUF_SYSINFO_ARG_RESUME];
	} else {
		netapi_drop(&cmd);
	}
	errno = saved_errno;
	return status;
}
