// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: NetApiBufferAllocate, NetApiBufferFree,
 * NetApiBufferReallocate and NetApiBufferSize over netapibuf.ko.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Each call is one acquire load of the session and, for a small buffer in
 * a delegated chunk, no system call (fastpath.c); otherwise one ioctl(2).
 * The contract is in <netapibuf.h>.  What the library can decide alone
 * (NULL arguments, a pointer that cannot lie in the arena, no session yet,
 * a pointer in a delegated chunk) it answers without a system call; the
 * kernel decides the rest, and a failed command changes nothing there.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdint.h>

#include <linux/netapibuf.h>

#include "netapibuf-private.h"

/*
 * Whether p can be a buffer of session s (which may be NULL: no session,
 * no buffers).  Every buffer address lies in the arena, aligned; whether it
 * is the start of a live buffer only the kernel knows.
 */
static bool netapibuf_may_own(const struct netapibuf_session *s, const void *p)
{
	uintptr_t addr = (uintptr_t)p;

	return s && addr - s->arena_base < s->arena_size &&
	       !(addr & (NETAPIBUF_ALIGN - 1));
}

/* The status for an errno value from the kernel (see the uapi DOC). */
static NET_API_STATUS netapibuf_status(int err)
{
	switch (err) {
	case 0:
		return NERR_Success;
	case ENOMEM:	/* out of memory, memory cgroup limit */
	case EDQUOT:	/* a netapibuf limit */
	case ENOSPC:	/* no room left in the arena */
		return ERROR_NOT_ENOUGH_MEMORY;
	default:
		/*
		 * EINVAL (not a live buffer), EPERM, EFAULT, E2BIG, ENOTTY,
		 * ENXIO, and whatever else: the caller's argument was not
		 * one the kernel could act on.
		 */
		return ERROR_INVALID_PARAMETER;
	}
}

/* One command on the session; errno is left as it was. */
static NET_API_STATUS netapibuf_call(const struct netapibuf_session *s,
				     unsigned long cmd, void *arg)
{
	int saved_errno = errno;
	int err = netapibuf_ioctl(s->fd, cmd, arg);

	errno = saved_errno;
	return netapibuf_status(err);
}

/*
 * Allocate on an open session: from a delegated chunk when the buffer is
 * small and one can be had, else from the kernel.  A kernel refusal makes
 * the library give back its idle chunks and ask once more, so that they
 * never make a limit bite early.  *out is written only on success.
 */
static NET_API_STATUS __attribute__((noinline))
netapibuf_alloc_kernel(const struct netapibuf_session *s, DWORD n, void **out)
{
	struct netapibuf_alloc arg = { .size = n };
	NET_API_STATUS status;

	status = netapibuf_call(s, NETAPIBUF_IOC_ALLOC, &arg);
	if (status == ERROR_NOT_ENOUGH_MEMORY && s->fast) {
		int saved_errno = errno;
		bool trimmed = netapibuf_fast_trim();

		errno = saved_errno;
		if (trimmed)
			status = netapibuf_call(s, NETAPIBUF_IOC_ALLOC, &arg);
	}
	if (status == NERR_Success)
		*out = netapibuf_ptr(arg.addr);
	return status;
}

/*
 * The kernel's path is out of line, so that the fast one sets nothing up
 * for it: no struct to zero, no register to save.
 */
NET_API_STATUS netapibuf_alloc(const struct netapibuf_session *s, DWORD n,
			       void **out)
{
	if (s->fast && n <= NETAPIBUF_FAST_MAX && netapibuf_fast_alloc(n, out))
		return NERR_Success;
	return netapibuf_alloc_kernel(s, n, out);
}

static NET_API_STATUS __attribute__((noinline))
netapibuf_free_kernel(const struct netapibuf_session *s, void *p)
{
	struct netapibuf_free arg = { .addr = netapibuf_addr(p) };

	return netapibuf_call(s, NETAPIBUF_IOC_FREE, &arg);
}

/* Free a pointer that may_own() accepted. */
NET_API_STATUS netapibuf_free(const struct netapibuf_session *s, void *p)
{
	int fast;

	if (s->fast && (fast = netapibuf_fast_free(p)) >= 0)
		return (NET_API_STATUS)fast;
	return netapibuf_free_kernel(s, p);
}

/*
 * A small buffer that must leave its slot class: a new buffer, the first
 * min(old, n) bytes copied, then @p freed; if a racing call freed @p
 * meanwhile, the new buffer goes and the call is refused.  @p is untouched
 * when the allocation fails.
 */
static NET_API_STATUS netapibuf_fast_move(const struct netapibuf_session *s,
					  void *p, DWORD old, DWORD n,
					  void **out)
{
	NET_API_STATUS status;
	void *q;

	status = netapibuf_alloc(s, n, &q);
	if (status != NERR_Success)
		return status;
	memcpy(q, p, old < n ? old : n);
	if (netapibuf_fast_free(p) != NERR_Success) {
		netapibuf_free(s, q);
		return ERROR_INVALID_PARAMETER;
	}
	*out = q;
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS NET_API_FUNCTION
NetApiBufferAllocate(DWORD ByteCount, LPVOID *Buffer)
{
	const struct netapibuf_session *s;
	NET_API_STATUS status;

	if (!Buffer)
		return ERROR_INVALID_PARAMETER;
	*Buffer = NULL;

	s = netapibuf_session_peek();
	if (!s) {
		status = netapibuf_session_open(&s);
		if (status != NERR_Success)
			return status;
	}
	return netapibuf_alloc(s, ByteCount, Buffer);
}

NETAPIBUF_EXPORT NET_API_STATUS NET_API_FUNCTION
NetApiBufferFree(LPVOID Buffer)
{
	const struct netapibuf_session *s;

	if (!Buffer)
		return NERR_Success;

	s = netapibuf_session_peek();
	if (!netapibuf_may_own(s, Buffer))
		return ERROR_INVALID_PARAMETER;

	return netapibuf_free(s, Buffer);
}

NETAPIBUF_EXPORT NET_API_STATUS NET_API_FUNCTION
NetApiBufferReallocate(LPVOID OldBuffer, DWORD NewByteCount, LPVOID *NewBuffer)
{
	struct netapibuf_realloc arg = {
		.addr = netapibuf_addr(OldBuffer),
		.size = NewByteCount,
	};
	const struct netapibuf_session *s;
	NET_API_STATUS status;
	DWORD old;
	void *q;
	int fast;

	if (!NewBuffer)
		return ERROR_INVALID_PARAMETER;

	if (OldBuffer) {
		s = netapibuf_session_peek();
		if (!netapibuf_may_own(s, OldBuffer))
			return ERROR_INVALID_PARAMETER;
		if (s->fast &&
		    (fast = netapibuf_fast_realloc(OldBuffer, NewByteCount,
						   &q, &old)) >= 0) {
			if (fast == NETAPIBUF_FAST_MOVE)
				return netapibuf_fast_move(s, OldBuffer, old,
							   NewByteCount,
							   NewBuffer);
			if (fast == NERR_Success)
				*NewBuffer = q;
			return (NET_API_STATUS)fast;
		}
	} else if (NewByteCount) {
		status = netapibuf_session_get(&s);
		if (status != NERR_Success)
			return status;
		if (s->fast && NewByteCount <= NETAPIBUF_FAST_MAX) {
			status = netapibuf_alloc(s, NewByteCount, &q);
			if (status == NERR_Success)
				*NewBuffer = q;
			return status;
		}
		/* The kernel allocates when addr is 0. */
	} else {
		/* Nothing to free, nothing to allocate. */
		*NewBuffer = NULL;
		return NERR_Success;
	}

	/* With size 0 the kernel frees addr and returns new_addr 0. */
	status = netapibuf_call(s, NETAPIBUF_IOC_REALLOC, &arg);
	if (status == NERR_Success)
		*NewBuffer = netapibuf_ptr(arg.new_addr);
	return status;
}

NETAPIBUF_EXPORT NET_API_STATUS NET_API_FUNCTION
NetApiBufferSize(LPVOID Buffer, LPDWORD ByteCount)
{
	struct netapibuf_size arg = { .addr = netapibuf_addr(Buffer) };
	const struct netapibuf_session *s;
	NET_API_STATUS status;
	DWORD size;
	int fast;

	if (!Buffer || !ByteCount)
		return ERROR_INVALID_PARAMETER;

	s = netapibuf_session_peek();
	if (!netapibuf_may_own(s, Buffer))
		return ERROR_INVALID_PARAMETER;

	if (s->fast && (fast = netapibuf_fast_size(Buffer, &size)) >= 0) {
		if (fast == NERR_Success)
			*ByteCount = size;
		return (NET_API_STATUS)fast;
	}

	status = netapibuf_call(s, NETAPIBUF_IOC_SIZE, &arg);
	/* Buffers are made with DWORD sizes, so the size fits in one. */
	if (status == NERR_Success)
		*ByteCount = (DWORD)arg.size;
	return status;
}
