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
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/netapibuf.h>
#include <linux/netapibuf_sysinfo.h>

#include <netapi.h>

#include "netapibuf-private.h"

/* More than the kernel's bound on an agent's input (64 KiB). */
#define NETAPI_IN_SCAN	(1U << 20)

/*
 * <netapi.h>'s structs are the agents' results as a 64-bit process reads
 * them (the agents refuse 32-bit callers): the layouts stated in
 * <linux/netapibuf_sysinfo.h>.
 */
#if __SIZEOF_POINTER__ == 8
_Static_assert(NETAPIBUF_SYSINFO_WKSTA_INFO_100_LAYOUT(struct WKSTA_INFO_100),
	       "struct WKSTA_INFO_100 is not what the wksta agent writes");
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

NETAPIBUF_EXPORT NET_API_STATUS
NetWkstaGetInfo(const char *wksta_name, uint32_t level, uint8_t **buffer)
{
	struct netapibuf_agent_call cmd = {
		.name = NETAPIBUF_SYSINFO_WKSTA,
		.level = level,
	};
	int saved_errno = errno;
	NET_API_STATUS status;

	if (!buffer)
		return ERROR_INVALID_PARAMETER;
	*buffer = NULL;

	netapi_set_server(&cmd, wksta_name);
	netapi_call(&cmd, &status);
	if (status == NERR_Success)
		*buffer = netapibuf_ptr(cmd.buffer);
	else
		netapi_drop(&cmd);
	errno = saved_errno;
	return status;
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
