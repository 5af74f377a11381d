/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnetapibuf internals shared by session.c, netapibuf.c and agents.c.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUF_PRIVATE_H
#define NETAPIBUF_PRIVATE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <netapibuf.h>

/*
 * Marks the definitions the library exports; everything else is hidden
 * (-fvisibility=hidden).  NETAPIBUF_HIDDEN on a declaration lets the
 * compiler reach the symbol without the GOT.
 */
#define NETAPIBUF_EXPORT __attribute__((visibility("default")))
#define NETAPIBUF_HIDDEN __attribute__((visibility("hidden")))

/* A user address as the kernel's structs carry it (__u64), and back. */
static inline uint64_t netapibuf_addr(const void *p)
{
	return (uintptr_t)p;
}

static inline void *netapibuf_ptr(uint64_t addr)
{
	return (void *)(uintptr_t)addr;
}

/*
 * The open session: the descriptor of /dev/netapibuf and the arena mapped
 * from it.  Written only by netapibuf_session_open() before it is published
 * and by the fork child handler after it is withdrawn; read-only while
 * published.
 */
struct netapibuf_session {
	int fd;
	uintptr_t arena_base;
	size_t arena_size;
	bool fast;	/* small buffers in delegated chunks (fastpath.c) */
};

/* The published session, NULL until the first successful open. */
extern NETAPIBUF_HIDDEN struct netapibuf_session *_Atomic netapibuf_current;

/*
 * The fast path: one acquire load.  It pairs with the release store in
 * netapibuf_session_open(), so the fields of a non-NULL session are seen
 * fully written.
 */
static inline const struct netapibuf_session *netapibuf_session_peek(void)
{
	return atomic_load_explicit(&netapibuf_current, memory_order_acquire);
}

/*
 * The slow path: opens the session unless another thread just did.
 * Returns NERR_Success and sets *sp, or ERROR_DEV_NOT_EXIST,
 * ERROR_REVISION_MISMATCH or ERROR_NOT_ENOUGH_MEMORY.  Leaves errno as it
 * was.
 */
NETAPIBUF_HIDDEN NET_API_STATUS
netapibuf_session_open(const struct netapibuf_session **sp);

/* The session, opened first if this process has none yet. */
static inline NET_API_STATUS
netapibuf_session_get(const struct netapibuf_session **sp)
{
	*sp = netapibuf_session_peek();
	return *sp ? NERR_Success : netapibuf_session_open(sp);
}

/*
 * ioctl(2) on the session, restarted when a signal interrupted it (a failed
 * command changes nothing, so it can simply be issued again).  Returns 0 or
 * the errno value; errno itself is left set on failure.
 */
static inline int netapibuf_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? errno : 0;
}

/*
 * fastpath.c: small buffers in delegated chunks, without a system call.
 * Buffers up to NETAPIBUF_FAST_MAX bytes are cut from them; the calls that
 * take a pointer return -1 when it is not in a delegated chunk (the kernel
 * decides then), or a status.  Only on a session with fast set.
 */
#define NETAPIBUF_FAST_MAX	2048
NETAPIBUF_HIDDEN bool netapibuf_fast_init(int fd, uintptr_t arena_base,
					  size_t arena_size);
NETAPIBUF_HIDDEN bool netapibuf_fast_alloc(DWORD n, void **out);
NETAPIBUF_HIDDEN int netapibuf_fast_free(void *p);
NETAPIBUF_HIDDEN int netapibuf_fast_size(const void *p, DWORD *size);
/* netapibuf_fast_realloc(): the buffer must move (no status is this). */
#define NETAPIBUF_FAST_MOVE	0x7fffffff
NETAPIBUF_HIDDEN int netapibuf_fast_realloc(void *p, DWORD n, void **out,
					    DWORD *old);
NETAPIBUF_HIDDEN bool netapibuf_fast_trim(void);
NETAPIBUF_HIDDEN void netapibuf_fast_forget(void);
NETAPIBUF_HIDDEN void netapibuf_fast_fork_prepare(void);
NETAPIBUF_HIDDEN void netapibuf_fast_fork_parent(void);
/* Pages of the fast path's own bookkeeping; tests link the objects. */
NETAPIBUF_HIDDEN unsigned long netapibuf_fast_meta_pages(void);

/* netapibuf.c: Allocate and Free on an open session, errno untouched. */
NETAPIBUF_HIDDEN NET_API_STATUS
netapibuf_alloc(const struct netapibuf_session *s, DWORD n, void **out);
NETAPIBUF_HIDDEN NET_API_STATUS
netapibuf_free(const struct netapibuf_session *s, void *p);

#endif /* NETAPIBUF_PRIVATE_H */
