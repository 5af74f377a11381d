// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A userspace stand-in for netapibuf.ko, preloaded (LD_PRELOAD) under the
 * host-side contract test so libnetapibuf runs without the module.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * It interposes open(), close(), ioctl() and mmap() for the path in
 * FAKE_NETAPIBUF_PATH and follows the ABI of uapi/linux/netapibuf.h: the
 * arena (one mapping per session, not inherited by fork), the four
 * commands with the kernel's errno values, EPERM after fork, ENXIO before
 * the arena is mapped.  It is a model of the ABI, not of the kernel's
 * memory management: buffers are carved from the arena and never reused;
 * delegated pages given back are handed out again, the last first, as
 * the kernel's arena reuses addresses.
 *
 * Knobs: FAKE_NETAPIBUF_ABI (version INFO reports), FAKE_NETAPIBUF_MAX
 * (largest buffer; larger is EDQUOT), FAKE_NETAPIBUF_CHUNKS (1: offer
 * NETAPIBUF_FEATURE_CHUNKS, with CHUNKS_GET and _PUT as the module does
 * them), FAKE_NETAPIBUF_CHUNK_LIMIT (most pages delegated at once; a GET
 * past it is EDQUOT, as at max_session_bytes).  fake_netapibuf_calls() counts the
 * calls made on fake descriptors, so the test can tell which of the
 * library's calls reached the "kernel".
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/netapibuf.h>

#define FAKE_ARENA_SIZE		(1ULL << 32)
#define FAKE_MAX_SESSIONS	8

struct fake_buffer {
	uint64_t addr;
	uint64_t size;
};

struct fake_session {
	int fd;			/* -1: slot free */
	pid_t owner;
	uint64_t arena;		/* 0 until mapped */
	uint64_t next;		/* offset of the next free byte */
	struct fake_buffer *bufs;
	size_t nbufs, cap;
	uint64_t counters;	/* the counter page, 0 until the first GET */
	uint64_t *deleg;	/* delegated pages now */
	size_t ndeleg, deleg_cap;
	uint64_t *spare;	/* pages given back, zero, to hand out again */
	size_t nspare, spare_cap;
};

#define FAKE_PAGE		4096ULL

static pthread_mutex_t fake_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct fake_session fake_sessions[FAKE_MAX_SESSIONS] = {
	[0 ... FAKE_MAX_SESSIONS - 1] = { .fd = -1 },
};
static unsigned long fake_calls;
static unsigned long fake_puts_refused;

/*
 * The real calls, made as raw system calls: no dlsym(), so nothing breaks
 * when a sanitizer's runtime calls these before our constructor ran.
 */
static int real_open(const char *path, int flags, mode_t mode)
{
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static int real_close(int fd)
{
	return syscall(SYS_close, fd);
}

static int real_ioctl(int fd, unsigned long cmd, void *arg)
{
	return syscall(SYS_ioctl, fd, cmd, arg);
}

static void *real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static void fake_lock(void)
{
	pthread_mutex_lock(&fake_mutex);
}

static void fake_unlock(void)
{
	pthread_mutex_unlock(&fake_mutex);
}

/*
 * fork(2) takes fake_mutex, so the child's tables are whole.  The library
 * under test holds its own locks while it calls us, so our prepare
 * handler must run after its (prepare handlers run last registered
 * first) and our child handler before its, which close()s the parent's
 * descriptor through us.  It registers at load, and the loader may run
 * its constructor before ours: so we interpose glibc's __register_atfork
 * (what pthread_atfork() calls) and put our handlers first, whoever
 * registers first.
 */
typedef int (*fake_register_fn)(void (*)(void), void (*)(void),
				void (*)(void), void *);
extern void *__dso_handle;
static fake_register_fn fake_real_register;

static void fake_register_ours(void)
{
	fake_real_register = (fake_register_fn)dlsym(RTLD_NEXT,
						      "__register_atfork");
	if (!fake_real_register ||
	    fake_real_register(fake_lock, fake_unlock, fake_unlock,
			       &__dso_handle))
		abort();
}

static int fake_register(void (*prepare)(void), void (*parent)(void),
			 void (*child)(void), void *dso)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fake_register_ours);
	if (!prepare && !parent && !child)
		return 0;
	return fake_real_register(prepare, parent, child, dso);
}

int __register_atfork(void (*prepare)(void), void (*parent)(void),
		      void (*child)(void), void *dso)
{
	return fake_register(prepare, parent, child, dso);
}

__attribute__((constructor))
static void fake_init(void)
{
	fake_register(NULL, NULL, NULL, NULL);
}

/* The fake's own counter; the test finds it through dlsym(). */
unsigned long fake_netapibuf_calls(void)
{
	unsigned long n;

	fake_lock();
	n = fake_calls;
	pthread_mutex_unlock(&fake_mutex);
	return n;
}

/*
 * For the fast-path stress test: the pages this process's sessions have
 * delegated now, the CHUNKS_PUTs refused (a page not delegated, or given
 * twice), and the counter page's slots added up as the kernel would.
 */
void fake_netapibuf_chunks(unsigned long *delegated, unsigned long *refused,
			   long long *buffers, long long *bytes)
{
	const struct netapibuf_counters *ctr;

	fake_lock();
	*delegated = 0;
	*buffers = *bytes = 0;
	for (int i = 0; i < FAKE_MAX_SESSIONS; i++) {
		struct fake_session *s = &fake_sessions[i];

		if (s->fd < 0 || s->owner != getpid())
			continue;
		*delegated += s->ndeleg;
		if (!s->counters)
			continue;
		ctr = (const void *)(uintptr_t)s->counters;
		for (int j = 0; j < NETAPIBUF_COUNTER_SLOTS; j++) {
			*buffers += __atomic_load_n(&ctr->slot[j].buffers,
						    __ATOMIC_RELAXED);
			*bytes += __atomic_load_n(&ctr->slot[j].bytes,
						  __ATOMIC_RELAXED);
		}
	}
	*refused = fake_puts_refused;
	pthread_mutex_unlock(&fake_mutex);
}

static uint64_t fake_env(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* The session of fd, or with fd -1 a free slot. */
static struct fake_session *fake_find(int fd)
{
	for (int i = 0; i < FAKE_MAX_SESSIONS; i++)
		if (fake_sessions[i].fd == fd)
			return &fake_sessions[i];
	return NULL;
}

int open(const char *path, int flags, ...)
{
	const char *fake = getenv("FAKE_NETAPIBUF_PATH");
	mode_t mode = 0;
	struct fake_session *s;
	va_list ap;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!fake || strcmp(path, fake))
		return real_open(path, flags, mode);

	fd = real_open("/dev/null", flags, 0);
	if (fd < 0)
		return fd;
	fake_lock();
	fake_calls++;
	s = fake_find(-1);
	if (!s)
		abort();
	*s = (struct fake_session){ .fd = fd, .owner = getpid() };
	pthread_mutex_unlock(&fake_mutex);
	return fd;
}

int close(int fd)
{
	struct fake_session *s;

	fake_lock();
	s = fd >= 0 ? fake_find(fd) : NULL;
	if (s) {
		fake_calls++;
		free(s->bufs);
		free(s->deleg);
		free(s->spare);
		*s = (struct fake_session){ .fd = -1 };
	}
	pthread_mutex_unlock(&fake_mutex);
	return real_close(fd);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_session *s;
	void *arena;
	int err = 0;

	fake_lock();
	s = fd >= 0 ? fake_find(fd) : NULL;
	if (!s) {
		pthread_mutex_unlock(&fake_mutex);
		return real_mmap(addr, len, prot, flags, fd, off);
	}
	fake_calls++;
	if (s->owner != getpid())
		err = EPERM;
	else if (s->arena)
		err = EBUSY;
	else if (len != FAKE_ARENA_SIZE || off || !(flags & MAP_SHARED))
		err = EINVAL;
	if (err) {
		pthread_mutex_unlock(&fake_mutex);
		errno = err;
		return MAP_FAILED;
	}
	arena = real_mmap(addr, len, prot,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena != MAP_FAILED) {
		/* VM_DONTCOPY: a child does not inherit the arena. */
		madvise(arena, len, MADV_DONTFORK);
		s->arena = (uintptr_t)arena;
	}
	pthread_mutex_unlock(&fake_mutex);
	return arena;
}

static struct fake_buffer *fake_lookup(struct fake_session *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nbufs; i++)
		if (s->bufs[i].addr == addr)
			return &s->bufs[i];
	return NULL;
}

static int fake_new(struct fake_session *s, uint64_t size, uint64_t *addr)
{
	uint64_t len = (size + NETAPIBUF_ALIGN - 1) &
		       ~(uint64_t)(NETAPIBUF_ALIGN - 1);

	if (size > fake_env("FAKE_NETAPIBUF_MAX", 64 << 20))
		return EDQUOT;
	if (!len)	/* a zero-size buffer still has its own address */
		len = NETAPIBUF_ALIGN;
	if (len > FAKE_ARENA_SIZE - s->next)
		return ENOSPC;
	if (s->nbufs == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct fake_buffer *b = realloc(s->bufs, cap * sizeof(*b));

		if (!b)
			return ENOMEM;
		s->bufs = b;
		s->cap = cap;
	}
	*addr = s->arena + s->next;
	s->next += len;
	s->bufs[s->nbufs++] = (struct fake_buffer){ *addr, size };
	return 0;
}

static void fake_drop(struct fake_session *s, struct fake_buffer *b)
{
	*b = s->bufs[--s->nbufs];
}

static bool fake_chunks_offered(void)
{
	return fake_env("FAKE_NETAPIBUF_CHUNKS", 0) == 1;
}

/* Index of @addr among the delegated pages of @s, or -1. */
static long fake_deleg_find(struct fake_session *s, uint64_t addr)
{
	for (size_t i = 0; i < s->ndeleg; i++)
		if (s->deleg[i] == addr)
			return (long)i;
	return -1;
}

/* Page-aligned pages from the arena, never used before (so zero). */
static int fake_pages(struct fake_session *s, uint64_t nr, uint64_t *addr)
{
	uint64_t start = (s->next + FAKE_PAGE - 1) & ~(FAKE_PAGE - 1);

	if (start > FAKE_ARENA_SIZE || nr * FAKE_PAGE > FAKE_ARENA_SIZE - start)
		return ENOSPC;
	*addr = s->arena + start;
	s->next = start + nr * FAKE_PAGE;
	return 0;
}

static int fake_chunks_get(struct fake_session *s, struct netapibuf_chunks *c)
{
	uint64_t limit = fake_env("FAKE_NETAPIBUF_CHUNK_LIMIT", 0), addr = 0;
	uint32_t reused;
	int err;

	if (!s->arena)
		return ENXIO;
	if (c->flags || !c->count || c->count > NETAPIBUF_CHUNKS_MAX)
		return EINVAL;
	if (limit && s->ndeleg + c->count > limit)
		return EDQUOT;
	if (s->ndeleg + c->count > s->deleg_cap) {
		size_t cap = s->deleg_cap ? 2 * s->deleg_cap : 64;
		uint64_t *d;

		while (cap < s->ndeleg + c->count)
			cap *= 2;
		d = realloc(s->deleg, cap * sizeof(*d));
		if (!d)
			return ENOMEM;
		s->deleg = d;
		s->deleg_cap = cap;
	}
	reused = c->count < s->nspare ? c->count : s->nspare;
	if (c->count - reused + !s->counters) {
		err = fake_pages(s, c->count - reused + !s->counters, &addr);
		if (err)
			return err;
	}
	if (!s->counters) {
		s->counters = addr;
		addr += FAKE_PAGE;
	}
	for (uint32_t i = 0; i < c->count; i++) {
		if (i < reused)
			c->addrs[i] = s->spare[--s->nspare];
		else
			c->addrs[i] = addr + (i - reused) * FAKE_PAGE;
		s->deleg[s->ndeleg++] = c->addrs[i];
	}
	c->counters = s->counters;
	return 0;
}

static int fake_chunks_put(struct fake_session *s,
			   const struct netapibuf_chunks *c)
{
	long at;

	if (!s->arena)
		return ENXIO;
	if (c->flags || !c->count || c->count > NETAPIBUF_CHUNKS_MAX)
		return EINVAL;
	/* All of them delegated, each once, or nothing is given back. */
	for (uint32_t i = 0; i < c->count; i++) {
		bool bad = fake_deleg_find(s, c->addrs[i]) < 0;

		for (uint32_t j = 0; j < i; j++)
			if (c->addrs[j] == c->addrs[i])
				bad = true;
		if (bad) {
			fake_puts_refused++;
			return EINVAL;
		}
	}
	for (uint32_t i = 0; i < c->count; i++) {
		at = fake_deleg_find(s, c->addrs[i]);
		s->deleg[at] = s->deleg[--s->ndeleg];
		/* Gone from the process: what it kept there reads as zero. */
		madvise((void *)(uintptr_t)c->addrs[i], FAKE_PAGE,
			MADV_DONTNEED);
		if (s->nspare == s->spare_cap) {
			size_t cap = s->spare_cap ? 2 * s->spare_cap : 64;
			uint64_t *d = realloc(s->spare, cap * sizeof(*d));

			if (!d)
				continue;	/* not handed out again */
			s->spare = d;
			s->spare_cap = cap;
		}
		s->spare[s->nspare++] = c->addrs[i];
	}
	return 0;
}

static bool fake_bad_tail(unsigned long cmd, size_t known, const void *arg)
{
	const unsigned char *p = arg;

	for (size_t i = known; i < _IOC_SIZE(cmd); i++)
		if (p[i])
			return true;
	return false;
}

static int fake_cmd(struct fake_session *s, unsigned long cmd, void *arg)
{
	struct fake_buffer *b;
	uint64_t addr;
	int err;

	if (_IOC_TYPE(cmd) != NETAPIBUF_IOCTL_TYPE)
		return ENOTTY;
	if (s->owner != getpid())
		return EPERM;

	switch (cmd) {
	case NETAPIBUF_IOC_INFO: {
		struct netapibuf_info *in = arg;

		if (in->flags)
			return EINVAL;
		in->abi_version = fake_env("FAKE_NETAPIBUF_ABI",
					   NETAPIBUF_ABI_VERSION);
		in->features = NETAPIBUF_FEATURE_ARENA;
		if (fake_chunks_offered())
			in->features |= NETAPIBUF_FEATURE_CHUNKS;
		in->arena_size = FAKE_ARENA_SIZE;
		in->arena_addr = s->arena;
		in->max_buffer_bytes = fake_env("FAKE_NETAPIBUF_MAX", 64 << 20);
		in->max_session_bytes = 0;
		in->max_total_bytes = 1ULL << 32;
		return 0;
	}
	case NETAPIBUF_IOC_ALLOC: {
		struct netapibuf_alloc *a = arg;

		if (!s->arena)
			return ENXIO;
		if (a->flags || a->reserved)
			return EINVAL;
		err = fake_new(s, a->size, &addr);
		if (!err)
			a->addr = addr;
		return err;
	}
	case NETAPIBUF_IOC_FREE: {
		struct netapibuf_free *f = arg;

		if (!s->arena)
			return ENXIO;
		if (f->flags || f->reserved)
			return EINVAL;
		b = fake_lookup(s, f->addr);
		if (!b)
			return EINVAL;
		fake_drop(s, b);
		return 0;
	}
	case NETAPIBUF_IOC_REALLOC: {
		struct netapibuf_realloc *r = arg;
		uint64_t keep;

		if (!s->arena)
			return ENXIO;
		if (r->flags || r->reserved)
			return EINVAL;
		b = r->addr ? fake_lookup(s, r->addr) : NULL;
		if (r->addr && !b)
			return EINVAL;
		if (!r->size) {
			if (b)
				fake_drop(s, b);
			r->new_addr = 0;
			return 0;
		}
		err = fake_new(s, r->size, &addr);	/* may move s->bufs */
		if (err)
			return err;
		if (r->addr) {
			b = fake_lookup(s, r->addr);
			keep = b->size < r->size ? b->size : r->size;
			memcpy((void *)(uintptr_t)addr,
			       (void *)(uintptr_t)r->addr, keep);
			fake_drop(s, b);
		}
		r->new_addr = addr;
		return 0;
	}
	case NETAPIBUF_IOC_SIZE: {
		struct netapibuf_size *z = arg;

		if (!s->arena)
			return ENXIO;
		if (z->flags || z->reserved)
			return EINVAL;
		b = fake_lookup(s, z->addr);
		if (!b)
			return EINVAL;
		z->size = b->size;
		return 0;
	}
	case NETAPIBUF_IOC_CHUNKS_GET:
		return fake_chunks_get(s, arg);
	case NETAPIBUF_IOC_CHUNKS_PUT:
		return fake_chunks_put(s, arg);
	default:
		return ENOTTY;
	}
}

int ioctl(int fd, unsigned long cmd, ...)
{
	struct fake_session *s;
	size_t known = 0;
	va_list ap;
	void *arg;
	int err;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);

	fake_lock();
	s = fd >= 0 ? fake_find(fd) : NULL;
	if (!s) {
		pthread_mutex_unlock(&fake_mutex);
		return real_ioctl(fd, cmd, arg);
	}
	fake_calls++;

	switch (_IOC_NR(cmd)) {
	case 0: known = sizeof(struct netapibuf_info); break;
	case 1: known = sizeof(struct netapibuf_alloc); break;
	case 2: known = sizeof(struct netapibuf_free); break;
	case 3: known = sizeof(struct netapibuf_realloc); break;
	case 4: known = sizeof(struct netapibuf_size); break;
	case 6: case 7: known = sizeof(struct netapibuf_chunks); break;
	}
	/* A hidden feature is unknown, whatever the struct's size. */
	if (_IOC_NR(cmd) >= 6 && !fake_chunks_offered())
		err = ENOTTY;
	/* The library always passes exactly the structs it was built with. */
	else if (_IOC_SIZE(cmd) < known)
		err = EINVAL;
	else if (fake_bad_tail(cmd, known, arg))
		err = E2BIG;
	else
		err = fake_cmd(s, cmd, arg);
	pthread_mutex_unlock(&fake_mutex);

	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
