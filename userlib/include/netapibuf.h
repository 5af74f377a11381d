/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <netapibuf.h> - Windows' NetApiBuffer calls, buffers managed by the kernel.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Windows programs compile unchanged against this header: it provides the
 * four NetApiBuffer functions with Windows' names, types and status codes.
 * <lmapibuf.h> (Windows' header name) includes it.
 *
 * THE CONTRACT
 *
 * NetApiBufferAllocate(n, &p)
 *	NERR_Success: p is a new buffer of exactly n bytes (n = 0 included),
 *	non-NULL, 16-byte aligned, every byte zero.
 *	ERROR_INVALID_PARAMETER if &p is NULL.
 *	ERROR_NOT_ENOUGH_MEMORY past a limit or out of memory; p is set to
 *	NULL and nothing is half-allocated.  On every other failure p is set
 *	to NULL too.
 *
 * NetApiBufferFree(p)
 *	NERR_Success: p is gone; NULL is accepted and does nothing.
 *	ERROR_INVALID_PARAMETER if p is not a live buffer of this process
 *	(never allocated, an interior pointer, already freed, another
 *	process's); nothing changes.
 *
 * NetApiBufferReallocate(p, n, &q)
 *	NERR_Success: q is the buffer of n bytes; its first min(old size, n)
 *	bytes are those of p, the rest zero; p must no longer be used (q may
 *	equal p).  With p NULL it allocates like NetApiBufferAllocate.  With
 *	n = 0 it frees p (if not NULL) and sets q to NULL.
 *	ERROR_INVALID_PARAMETER if &q is NULL or p is not NULL and not a live
 *	buffer of this process.
 *	ERROR_NOT_ENOUGH_MEMORY past a limit or out of memory; p stays valid
 *	with its contents.
 *	On every failure p and q are untouched.
 *
 * NetApiBufferSize(p, &n)
 *	NERR_Success: n is the byte count p was allocated or reallocated with.
 *	ERROR_INVALID_PARAMETER if p is NULL or not a live buffer, or &n is
 *	NULL; n is untouched.
 *
 * The first call that needs a buffer opens /dev/netapibuf (the
 * NETAPIBUF_DEVICE environment variable names another path).  When that
 * fails the call returns ERROR_DEV_NOT_EXIST (no device, or netapibuf.ko is
 * not loaded) or ERROR_REVISION_MISMATCH (netapibuf.ko speaks another ABI
 * version) and libnetapibuf prints the reason once on stderr; a later call
 * tries again.  Buffers can only come from NetApiBufferAllocate or
 * NetApiBufferReallocate, so until one of them has succeeded every other
 * call on a non-NULL pointer is ERROR_INVALID_PARAMETER.
 *
 * Every call leaves errno as it was.
 *
 * THREADS: every call is safe from any thread at any time, on any buffer
 * that thread may use; like free(3), freeing or reallocating a buffer while
 * another thread still uses it is the caller's bug.  The calls are not
 * async-signal-safe.
 *
 * FORK: a child process does not inherit the parent's buffers (touching
 * one raises SIGSEGV) and must not pass them to these calls: they are
 * ERROR_INVALID_PARAMETER there.  The child's first allocation opens a
 * session of its own.  A child created by vfork(2) or posix_spawn(3) must
 * call exec or _exit without using these calls.
 */
#ifndef NETAPIBUF_H
#define NETAPIBUF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Windows' types.  Skipped where a Windows header (windef.h and lmcons.h
 * from MinGW or Wine, Samba's netapi.h) was included first, or when the
 * program defines NETAPIBUF_NO_WINTYPES because it provides them itself.
 * DWORD must be 32 bits wide whoever defines it (checked below).
 */
#if !defined(NETAPIBUF_NO_WINTYPES) && !defined(_WINDEF_) && \
	!defined(_MINWINDEF_) && !defined(__WINE_WINDEF_H)
typedef uint32_t DWORD;
typedef DWORD *LPDWORD;
typedef void *LPVOID;
#endif

#if !defined(NETAPIBUF_NO_WINTYPES) && !defined(_LMCONS_) && \
	!defined(__WINE_LMCONS_H) && !defined(__LIB_NETAPI_H__) && \
	!defined(NET_API_STATUS)
typedef DWORD NET_API_STATUS;
#endif

#ifndef NET_API_FUNCTION
#define NET_API_FUNCTION
#endif

/* Status codes: Windows' values. */
#ifndef NERR_Success
#define NERR_Success			0
#endif
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY		8	/* limit reached, out of memory */
#endif
#ifndef ERROR_DEV_NOT_EXIST
#define ERROR_DEV_NOT_EXIST		55	/* no device, module not loaded */
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER		87	/* NULL where not allowed, not a live buffer */
#endif
#ifndef ERROR_REVISION_MISMATCH
#define ERROR_REVISION_MISMATCH		1306	/* the module speaks another ABI version */
#endif

/* The library passes byte counts as 32-bit values whatever DWORD is. */
typedef char netapibuf_dword_must_be_32_bits[sizeof(DWORD) == 4 ? 1 : -1];

NET_API_STATUS NET_API_FUNCTION
NetApiBufferAllocate(DWORD ByteCount, LPVOID *Buffer);

NET_API_STATUS NET_API_FUNCTION
NetApiBufferFree(LPVOID Buffer);

NET_API_STATUS NET_API_FUNCTION
NetApiBufferReallocate(LPVOID OldBuffer, DWORD NewByteCount, LPVOID *NewBuffer);

NET_API_STATUS NET_API_FUNCTION
NetApiBufferSize(LPVOID Buffer, LPDWORD ByteCount);

#ifdef __cplusplus
}
#endif

#endif /* NETAPIBUF_H */
