// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: the session with netapibuf.ko, opened on first use.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * A process has at most one session: the descriptor of /dev/netapibuf and
 * the arena mapped from it, published through netapibuf_current once both
 * exist.  It stays open for the life of the process; only fork(2) drops it,
 * in the child, which then opens its own on its next allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/netapibuf.h>

#include "netapibuf-private.h"

#define NETAPIBUF_DEFAULT_DEVICE "/dev/netapibuf"

struct netapibuf_session *_Atomic netapibuf_current;

/*
 * Serialises opening, and protects everything below.  fork(2) takes it
 * (netapibuf_atfork_prepare), so no open is half done in the child.
 */
static pthread_mutex_t netapibuf_open_lock = PTHREAD_MUTEX_INITIALIZER;
/* The session itself; netapibuf_current points here while it is open. */
static struct netapibuf_session netapibuf_storage;
/* NETAPIBUF_WARNED_* bits: each kind of failure is reported once. */
static unsigned int netapibuf_warned;

#define NETAPIBUF_WARNED_OPEN	(1U << 0)
#define NETAPIBUF_WARNED_INFO	(1U << 1)
#define NETAPIBUF_WARNED_ABI	(1U << 2)
#define NETAPIBUF_WARNED_MMAP	(1U << 3)

/* One line on stderr, written at once, the first time kind fails. */
__attribute__((format(printf, 2, 3)))
static void netapibuf_warn_once(unsigned int kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (netapibuf_warned & kind)
		return;
	netapibuf_warned |= kind;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libnetapibuf: %s\n", msg);
}

static void netapibuf_atfork_prepare(void)
{
	pthread_mutex_lock(&netapibuf_open_lock);
	netapibuf_fast_fork_prepare();
}

static void netapibuf_atfork_parent(void)
{
	netapibuf_fast_fork_parent();
	pthread_mutex_unlock(&netapibuf_open_lock);
}

/*
 * The child has the parent's descriptor but not its arena (the kernel maps
 * it VM_DONTCOPY), and the kernel refuses the descriptor here with EPERM.
 * Close it and forget the session: the child's next allocation opens one
 * of its own, and until then its other calls see no session at all.
 */
static void netapibuf_atfork_child(void)
{
	struct netapibuf_session *s;
	int saved_errno = errno;

	s = atomic_load_explicit(&netapibuf_current, memory_order_relaxed);
	if (s) {
		atomic_store_explicit(&netapibuf_current, NULL,
				      memory_order_relaxed);
		close(s->fd);
		s->fd = -1;
		s->fast = false;
	}
	/* The parent's slot state is not the child's (fastpath.c). */
	netapibuf_fast_forget();
	pthread_mutex_unlock(&netapibuf_open_lock);
	errno = saved_errno;
}

static NET_API_STATUS netapibuf_atfork_status = ERROR_NOT_ENOUGH_MEMORY;

static void netapibuf_atfork_register_once(void)
{
	if (!pthread_atfork(netapibuf_atfork_prepare, netapibuf_atfork_parent,
			    netapibuf_atfork_child))
		netapibuf_atfork_status = NERR_Success;
}

/*
 * Registers the fork handlers, once per process, before the open lock is
 * ever taken.  Lazily, at the first open, is too late: glibc (2.35 on)
 * runs the prepare handlers without its atfork lock held and skips, in
 * that fork, every handler registered after the fork began - neither
 * prepare nor child runs.  A thread that registered during another's
 * fork and then took the open lock, or published the session, left the
 * child the lock held for good (its first allocation hung) or the
 * parent's session (refused with EPERM).  So the library registers at
 * load (netapibuf_atfork_init()), when a program that links it has no
 * other thread yet; pthread_once() keeps it to one registration.  If
 * registering fails no session is ever opened, since one would not
 * survive a fork safely.
 */
static NET_API_STATUS netapibuf_atfork_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, netapibuf_atfork_register_once);
	return netapibuf_atfork_status;
}

__attribute__((constructor))
static void netapibuf_atfork_init(void)
{
	netapibuf_atfork_register();
}

/*
 * Keeps the session's descriptor off 0, 1 and 2, so a program that closed
 * its standard streams and reopens them later does not write into it.
 */
static int netapibuf_fd_above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (moved < 0)
		return fd;
	close(fd);
	return moved;
}

/*
 * The room left under RLIMIT_AS, in bytes, or SIZE_MAX where there is no
 * such limit (or /proc cannot tell how much of it is used).
 */
static size_t netapibuf_as_room(void)
{
	unsigned long long used_pages;
	struct rlimit lim;
	size_t used;
	FILE *f;
	int n;

	if (getrlimit(RLIMIT_AS, &lim) || lim.rlim_cur == RLIM_INFINITY)
		return SIZE_MAX;
	f = fopen("/proc/self/statm", "re");
	if (!f)
		return SIZE_MAX;
	n = fscanf(f, "%llu", &used_pages);
	fclose(f);
	if (n != 1)
		return SIZE_MAX;
	used = used_pages * (size_t)sysconf(_SC_PAGESIZE);
	return lim.rlim_cur > used ? lim.rlim_cur - used : 0;
}

/*
 * Maps the arena: info->arena_size long, unless the process's address
 * space cannot take that much and the module lets the arena be shorter
 * (NETAPIBUF_FEATURE_SHORT_ARENA).  Under RLIMIT_AS it takes at most a
 * quarter of the room left, so that the program's own mappings still
 * fit; where mmap refuses a length (ENOMEM: the limit, or no hole that
 * large; EINVAL: valgrind's address-space manager), half of it is tried,
 * down to NETAPIBUF_ARENA_MIN_SIZE.  Returns the arena or MAP_FAILED with
 * errno, and its length in *len.
 */
static void *netapibuf_map_arena(int fd, const struct netapibuf_info *info,
				 size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), min, room;
	void *arena;

	/* Without the feature, one try at the whole length. */
	*len = min = info->arena_size;
	if (info->features & NETAPIBUF_FEATURE_SHORT_ARENA) {
		if (NETAPIBUF_ARENA_MIN_SIZE < min)
			min = NETAPIBUF_ARENA_MIN_SIZE;
		room = netapibuf_as_room() / 4 & ~(page - 1);
		if (*len > room)
			*len = room > min ? room : min;
	}
	for (;;) {
		arena = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd, 0);
		if (arena != MAP_FAILED || *len <= min ||
		    (errno != ENOMEM && errno != EINVAL))
			return arena;
		*len = *len / 2 & ~(page - 1);
		if (*len < min)
			*len = min;
	}
}

/* Opens the device, checks its ABI and maps the arena into *s. */
static NET_API_STATUS netapibuf_open_device(struct netapibuf_session *s)
{
	struct netapibuf_info info;
	NET_API_STATUS status;
	const char *path;
	char errbuf[128];
	void *arena;
	size_t len;
	int fd, err;

	path = secure_getenv("NETAPIBUF_DEVICE");
	if (!path || !*path)
		path = NETAPIBUF_DEFAULT_DEVICE;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		/*
		 * Opening a session allocates and counts against limits
		 * (descriptors, the module's max_user_sessions): that may
		 * fail and pass.
		 */
		if (err == ENOMEM || err == EMFILE || err == ENFILE)
			return ERROR_NOT_ENOUGH_MEMORY;
		netapibuf_warn_once(NETAPIBUF_WARNED_OPEN,
				    "cannot open %s: %s%s", path,
				    strerror_r(err, errbuf, sizeof(errbuf)),
				    err == ENOENT || err == ENODEV || err == ENXIO ?
				    " (is netapibuf.ko loaded?)" : "");
		return ERROR_DEV_NOT_EXIST;
	}
	fd = netapibuf_fd_above_stdio(fd);

	memset(&info, 0, sizeof(info));
	err = netapibuf_ioctl(fd, NETAPIBUF_IOC_INFO, &info);
	if (err == ENOMEM) {
		status = ERROR_NOT_ENOUGH_MEMORY;
		goto close_fd;
	}
	if (err) {
		netapibuf_warn_once(NETAPIBUF_WARNED_INFO,
				    "%s is not a netapibuf device: NETAPIBUF_IOC_INFO: %s",
				    path, strerror_r(err, errbuf, sizeof(errbuf)));
		status = ERROR_DEV_NOT_EXIST;
		goto close_fd;
	}

	if (info.abi_version != NETAPIBUF_ABI_VERSION) {
		netapibuf_warn_once(NETAPIBUF_WARNED_ABI,
				    "netapibuf.ko (%s) has ABI version %u but this libnetapibuf needs ABI version %u; install a module and library that match",
				    path, info.abi_version, NETAPIBUF_ABI_VERSION);
		status = ERROR_REVISION_MISMATCH;
		goto close_fd;
	}
	if (!(info.features & NETAPIBUF_FEATURE_ARENA) || !info.arena_size ||
	    info.arena_size > SIZE_MAX) {
		netapibuf_warn_once(NETAPIBUF_WARNED_ABI,
				    "netapibuf.ko (%s) has ABI version %u but offers no usable arena (features %#llx, arena size %llu)",
				    path, info.abi_version,
				    (unsigned long long)info.features,
				    (unsigned long long)info.arena_size);
		status = ERROR_REVISION_MISMATCH;
		goto close_fd;
	}

	arena = netapibuf_map_arena(fd, &info, &len);
	if (arena == MAP_FAILED) {
		err = errno;
		if (err == ENOMEM) {
			/* Out of address space or map count: try again later. */
			status = ERROR_NOT_ENOUGH_MEMORY;
			goto close_fd;
		}
		netapibuf_warn_once(NETAPIBUF_WARNED_MMAP,
				    "cannot map the arena of %s (%zu bytes): %s",
				    path, len,
				    strerror_r(err, errbuf, sizeof(errbuf)));
		status = ERROR_DEV_NOT_EXIST;
		goto close_fd;
	}

	s->fd = fd;
	s->arena_base = (uintptr_t)arena;
	s->arena_size = len;
	s->fast = (info.features & NETAPIBUF_FEATURE_CHUNKS) &&
		  netapibuf_fast_init(fd, s->arena_base, s->arena_size);
	return NERR_Success;

close_fd:
	close(fd);
	return status;
}

NET_API_STATUS netapibuf_session_open(const struct netapibuf_session **sp)
{
	struct netapibuf_session *s = NULL;
	int saved_errno = errno;
	NET_API_STATUS status;

	status = netapibuf_atfork_register();
	if (status == NERR_Success) {
		pthread_mutex_lock(&netapibuf_open_lock);
		/* The lock orders this load after the opener's store. */
		s = atomic_load_explicit(&netapibuf_current,
					 memory_order_relaxed);
		if (!s) {
			status = netapibuf_open_device(&netapibuf_storage);
			if (status == NERR_Success) {
				s = &netapibuf_storage;
				/* Pairs with netapibuf_session_peek(). */
				atomic_store_explicit(&netapibuf_current, s,
						      memory_order_release);
			}
		}
		pthread_mutex_unlock(&netapibuf_open_lock);
	}

	*sp = s;
	errno = saved_errno;
	return status;
}
