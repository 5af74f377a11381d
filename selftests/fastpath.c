// SPDX-License-Identifier: GPL-2.0
/*
 * Small buffers without a system call (NETAPIBUF_FEATURE_CHUNKS): the
 * library cuts them from delegated chunks. The contract holds (double
 * free, interior pointers, cross-thread free, fork), the counters stay
 * exact, the limits hold, the kernel takes back only what it delegated
 * and ignores whatever the process writes into its counter page, and the
 * library falls back to the ioctls when the module hides the feature.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
/* The harness's TEST() wrapper has a parameter it does not use. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include <dirent.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_NOMEM	((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY)
#define ST_INVALID	((NET_API_STATUS)ERROR_INVALID_PARAMETER)

/*
 * Every ioctl of this program, the library's included (it is linked
 * statically, and glibc's ioctl() is a weak symbol), passes here, so a
 * test can count the CHUNKS_GET commands the library issues.
 */
static atomic_ulong chunks_gets;

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == NETAPIBUF_IOC_CHUNKS_GET)
		atomic_fetch_add(&chunks_gets, 1);
	return syscall(SYS_ioctl, fd, req, arg);
}

/* Whether the kernel knows @p as a buffer (the library's fast path does not
 * tell it about its own). */
static bool kernel_knows(const void *p)
{
	struct netapibuf_size cmd = { .addr = (uintptr_t)p };

	return !ioctl(nab_lib_fd(-1), NETAPIBUF_IOC_SIZE, &cmd);
}

FIXTURE(fast) {
	struct nab_stats base;
};

FIXTURE_SETUP(fast)
{
	NAB_REQUIRE_DEVICE();
	if (!nab_chunks_offered())
		SETUP_SKIP("the module does not offer NETAPIBUF_FEATURE_CHUNKS");
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(fast)
{
}

/* Small buffers are not the kernel's: no system call made them. */
TEST_F(fast, small_buffers_are_delegated)
{
	LPVOID p, big;
	DWORD n;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(100, &p));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(5000, &big));
	EXPECT_FALSE(kernel_knows(p));
	EXPECT_TRUE(kernel_knows(big));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferSize(p, &n));
	EXPECT_EQ(100U, n);
	/* The kernel refuses a delegated address as a buffer. */
	EXPECT_EQ(-1, _test_ioctl_free(nab_lib_fd(-1), p, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(p));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(big));
}

/*
 * With every ioctl refused by seccomp, small buffers still come and go:
 * the common case makes no system call at all.
 */
TEST_F(fast, no_system_call)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(filter), .filter = filter };
	LPVOID keep, p, q;
	DWORD n;
	int i;

	/* One buffer first, so a chunk of the class is held. */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(24, &keep));
	ASSERT_EQ(0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		SKIP(goto out, "no seccomp filters in this kernel: %s",
		     strerror(errno));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(20, &p));
		ASSERT_EQ(ST_SUCCESS, NetApiBufferReallocate(p, 30, &q));
		ASSERT_EQ(ST_SUCCESS, NetApiBufferSize(q, &n));
		ASSERT_EQ(30U, n);
		ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(q));
	}
	/* A large one needs the kernel, which seccomp keeps out. */
	EXPECT_NE(ST_SUCCESS, NetApiBufferAllocate(8192, &p));
out:
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(keep));
}

/* Double free, interior pointers, never-allocated slots: refused, and
 * nothing changes. */
TEST_F(fast, bad_pointers)
{
	static const DWORD sizes[] = { 0, 1, 16, 17, 100, 1024, 2048 };
	struct nab_stats before;
	LPVOID p, other, q = (LPVOID)0x5a50;
	DWORD n = 0xa5a5a5a5;
	size_t i, in;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(sizes[i], &p));
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(sizes[i], &other));
		memset(other, 0x77, sizes[i]);
		ASSERT_STATS(&before);
		/* interior: 16 bytes in where the slot is larger (else the
		 * next slot starts there), and misaligned */
		in = sizes[i] > 16 ? 16 : 8;
		EXPECT_EQ(ST_INVALID, NetApiBufferFree((char *)p + in));
		EXPECT_EQ(ST_INVALID, NetApiBufferFree((char *)p + 1));
		EXPECT_EQ(ST_INVALID, NetApiBufferSize((char *)p + in, &n));
		EXPECT_EQ(0xa5a5a5a5U, n);
		EXPECT_EQ(ST_INVALID,
			  NetApiBufferReallocate((char *)p + in, 10, &q));
		EXPECT_EQ((LPVOID)0x5a50, q);
		EXPECT_STATS_UNCHANGED(&before);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(p));
		/* already freed, and never allocated (the slot after other) */
		EXPECT_EQ(ST_INVALID, NetApiBufferFree(p));
		EXPECT_EQ(ST_INVALID, NetApiBufferSize(p, &n));
		EXPECT_EQ(ST_INVALID, NetApiBufferReallocate(p, 10, &q));
		EXPECT_EQ((LPVOID)0x5a50, q);
		EXPECT_EQ(0xa5a5a5a5U, n);
		/* The other buffer is untouched by all of it. */
		for (n = 0; n < sizes[i]; n++)
			ASSERT_EQ(0x77, ((unsigned char *)other)[n]);
		n = 0xa5a5a5a5;
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(other));
		EXPECT_STATS_UNCHANGED(&self->base);
	}
}

/* Reused slots read as zero, and growing in place zeroes the new bytes. */
TEST_F(fast, zeroed)
{
	unsigned char *p, *q;
	int i, round;

	for (round = 0; round < 3; round++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(1000, (LPVOID *)&p));
		for (i = 0; i < 1000; i++)
			ASSERT_EQ(0, p[i]);
		memset(p, 0xff, 1000);
		/* 1000, 600 and 1024 bytes share a slot size: in place */
		ASSERT_EQ(ST_SUCCESS, NetApiBufferReallocate(p, 600, (LPVOID *)&q));
		ASSERT_EQ(p, q);
		ASSERT_EQ(ST_SUCCESS, NetApiBufferReallocate(q, 1024, (LPVOID *)&p));
		ASSERT_EQ(p, q);
		for (i = 0; i < 600; i++)
			ASSERT_EQ(0xff, p[i]);
		for (i = 600; i < 1024; i++)
			ASSERT_EQ(0, p[i]);
		ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(p));
	}
}

struct xfer {
	LPVOID bufs[512];
	int n;
	NET_API_STATUS st;
};

static void *free_all(void *arg)
{
	struct xfer *x = arg;
	int i;

	x->st = ST_SUCCESS;
	for (i = 0; i < x->n; i++) {
		if (((unsigned char *)x->bufs[i])[0] != (unsigned char)i)
			x->st = ST_INVALID;
		if (NetApiBufferFree(x->bufs[i]) != ST_SUCCESS)
			x->st = ST_INVALID;
		/* and a second time */
		if (NetApiBufferFree(x->bufs[i]) != ST_INVALID)
			x->st = ST_INVALID;
	}
	return NULL;
}

static void *alloc_some(void *arg)
{
	struct xfer *x = arg;
	int i;

	x->st = ST_SUCCESS;
	for (i = 0; i < x->n; i++) {
		if (NetApiBufferAllocate(48, &x->bufs[i]) != ST_SUCCESS) {
			x->st = ST_NOMEM;
			x->n = i;
			break;
		}
		((unsigned char *)x->bufs[i])[0] = (unsigned char)i;
	}
	return NULL;
}

/* Buffers one thread allocated another frees; counters come back. */
TEST_F(fast, cross_thread_free)
{
	static struct xfer x = { .n = 512 };
	pthread_t t;
	int round;

	for (round = 0; round < 4; round++) {
		x.n = 512;
		ASSERT_EQ(0, pthread_create(&t, NULL, alloc_some, &x));
		ASSERT_EQ(0, pthread_join(t, NULL));
		ASSERT_EQ(ST_SUCCESS, x.st);
		ASSERT_EQ(0, pthread_create(&t, NULL, free_all, &x));
		ASSERT_EQ(0, pthread_join(t, NULL));
		EXPECT_EQ(ST_SUCCESS, x.st);
		EXPECT_STATS_UNCHANGED(&self->base);
	}
}

/* Several threads at once, each with content checks. */
static void *churn(void *arg)
{
	long id = (long)arg, i, j;
	LPVOID bufs[64] = { 0 };
	DWORD n;

	for (i = 0; i < 20000; i++) {
		j = (i * 7 + id) % 64;
		if (bufs[j]) {
			if (NetApiBufferSize(bufs[j], &n) != ST_SUCCESS ||
			    ((unsigned char *)bufs[j])[n - 1] != (unsigned char)(id + j))
				return (void *)1;
			if (NetApiBufferFree(bufs[j]) != ST_SUCCESS)
				return (void *)1;
			bufs[j] = NULL;
		} else {
			n = 1 + (i * 13 % 2048);
			if (NetApiBufferAllocate(n, &bufs[j]) != ST_SUCCESS)
				return (void *)1;
			((unsigned char *)bufs[j])[n - 1] = (unsigned char)(id + j);
		}
	}
	for (j = 0; j < 64; j++)
		if (bufs[j] && NetApiBufferFree(bufs[j]) != ST_SUCCESS)
			return (void *)1;
	return NULL;
}

TEST_F(fast, threads)
{
	pthread_t t[4];
	void *ret;
	long i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn, (void *)i));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(NULL, ret);
	}
	EXPECT_STATS_UNCHANGED(&self->base);
}

/*
 * live_buffers and live_bytes count the delegated buffers exactly, at any
 * moment: the counter page has no lag.
 */
TEST_F(fast, counters_exact)
{
	LPVOID bufs[300];
	struct nab_stats now;
	long long bytes = 0;
	int i;

	for (i = 0; i < 300; i++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(i % 50, &bufs[i]));
		bytes += i % 50;
		if (i % 37)
			continue;
		ASSERT_STATS(&now);
		EXPECT_EQ(self->base.live_buffers + i + 1, now.live_buffers);
		EXPECT_EQ(self->base.live_bytes + bytes, now.live_bytes);
		EXPECT_LE(now.live_buffers, now.peak_buffers);
		EXPECT_LE(now.live_bytes, now.peak_bytes);
	}
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(bufs[i]));
		bytes -= i % 50;
		if (i % 41)
			continue;
		ASSERT_STATS(&now);
		EXPECT_EQ(self->base.live_buffers + 299 - i, now.live_buffers);
		EXPECT_EQ(self->base.live_bytes + bytes, now.live_bytes);
	}
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* The child of fork gets a fresh session; the parent's buffers stay. */
TEST_F(fast, fork)
{
	LPVOID p, q;
	int status;
	pid_t pid;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(64, &p));
	memset(p, 0x42, 64);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		DWORD n;
		int bad = 0;

		/* The parent's buffer is not the child's. */
		bad |= NetApiBufferFree(p) != ST_INVALID;
		bad |= NetApiBufferSize(p, &n) != ST_INVALID;
		/* The child's own calls work, fast path and all. */
		bad |= NetApiBufferAllocate(64, &q) != ST_SUCCESS;
		if (!bad) {
			memset(q, 0x17, 64);
			bad |= NetApiBufferFree(q) != ST_SUCCESS;
			bad |= NetApiBufferFree(q) != ST_INVALID;
		}
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(0x42, ((unsigned char *)p)[i]);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(p));
}

/*
 * max_session_bytes holds: a session at its limit gets no chunk, and small
 * buffers then come from the kernel's own slots until those run out too.
 * The library's bookkeeping (descriptors and the tree's nodes) is in
 * delegated pages as well: a page of it for the first chunks, another
 * every six new chunks or so, so fewer than 8 pages hold 128-byte slots.
 */
TEST_F(fast, limit_holds)
{
	unsigned long long saved;
	static LPVOID bufs[2000];
	struct nab_stats now;
	int i, got;

	ASSERT_TRUE(nab_param_read("max_session_bytes", &saved));
	ASSERT_TRUE(nab_param_write("max_session_bytes", 8 * NAB_PAGE_SIZE));
	for (got = 0; got < 2000; got++)
		if (NetApiBufferAllocate(100, &bufs[got]) != ST_SUCCESS)
			break;
	ASSERT_STATS(&now);
	EXPECT_TRUE(nab_param_write("max_session_bytes", saved));
	/*
	 * Filled to the limit and not past it (a slot is 128 bytes, whoever
	 * holds it): 8 pages of 128-byte slots less one to three of
	 * bookkeeping, 32 buffers each.
	 */
	EXPECT_EQ(self->base.charged_bytes + 8 * (long long)NAB_PAGE_SIZE,
		  now.charged_bytes);
	EXPECT_LE(256 - 3 * 32, got);
	EXPECT_GE(256 - 32, got);
	for (i = 0; i < got; i++)
		ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(bufs[i]));
}

/*
 * An empty page that an idle thread owns does not make a limit bite: a
 * refused allocation takes it back from that thread. This thread holds an
 * empty 16-byte page; another asks for a large buffer that fits under the
 * limit only without that page, and gets it. This thread's next small
 * buffer still works.
 */
struct big_arg {
	DWORD size;
	LPVOID p;
	NET_API_STATUS status;
};

static void *big_thread(void *arg)
{
	struct big_arg *a = arg;

	a->status = NetApiBufferAllocate(a->size, &a->p);
	return NULL;
}

TEST_F(fast, idle_thread_page_taken_back)
{
	struct big_arg big = { .size = 64 * NAB_PAGE_SIZE };
	unsigned long long saved;
	struct nab_stats held;
	pthread_t t;
	LPVOID p;
	DWORD n;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(16, &p));
	ASSERT_FALSE(kernel_knows(p));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(p));
	ASSERT_STATS(&held);
	/* The page of slots, and one of the library's bookkeeping, kept. */
	ASSERT_EQ(self->base.charged_bytes + 2 * (long long)NAB_PAGE_SIZE,
		  held.charged_bytes);

	/* A large buffer of 64 pages holds 64 pages and 2 pointers each. */
	ASSERT_TRUE(nab_param_read("max_session_bytes", &saved));
	ASSERT_TRUE(nab_param_write("max_session_bytes", NAB_PAGE_SIZE +
				    64 * (NAB_PAGE_SIZE + 2 * sizeof(void *))));
	ASSERT_EQ(0, pthread_create(&t, NULL, big_thread, &big));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_TRUE(nab_param_write("max_session_bytes", saved));
	ASSERT_EQ(ST_SUCCESS, big.status);
	EXPECT_TRUE(kernel_knows(big.p));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(big.p));

	/* The page this thread owned is gone; it gets another. */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(16, &p));
	EXPECT_FALSE(kernel_knows(p));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferSize(p, &n));
	EXPECT_EQ(16U, n);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(p));
	EXPECT_EQ(ST_INVALID, NetApiBufferFree(p));
}

/*
 * Pages are taken back from their owners while the owners allocate: four
 * threads each hold one buffer at a time (so their pages keep going
 * empty), write a pattern of their own into it, check it, check Size and
 * free it, while a fifth keeps asking for 4 GiB - 1, whose refusal takes
 * every idle page back. A thread handed a slot of a page given back would
 * fault (the page is unmapped) or see another's pattern.
 */
#define STEAL_ROUNDS	3000

struct steal_arg {
	long id;
	atomic_bool *stop;
};

static void *steal_owner(void *arg)
{
	struct steal_arg *a = arg;
	unsigned char *p;
	DWORD n, size;
	long i;

	for (i = 0; i < STEAL_ROUNDS; i++) {
		size = (DWORD)(1 + (i * 37 + a->id * 101) % 2048);
		if (NetApiBufferAllocate(size, (LPVOID *)&p) != ST_SUCCESS)
			return (void *)1;
		for (n = 0; n < size; n++)
			if (p[n])
				return (void *)2;
		memset(p, 0x10 + (int)a->id, size);
		if (NetApiBufferSize(p, &n) != ST_SUCCESS || n != size)
			return (void *)3;
		for (n = 0; n < size; n++)
			if (p[n] != 0x10 + a->id)
				return (void *)4;
		/* No double Free here: another thread may own p again. */
		if (NetApiBufferFree(p) != ST_SUCCESS)
			return (void *)5;
	}
	return NULL;
}

static void *steal_thief(void *arg)
{
	struct steal_arg *a = arg;
	unsigned long refused = 0;
	LPVOID p;

	while (!atomic_load(a->stop)) {
		if (NetApiBufferAllocate(0xFFFFFFFF, &p) != ST_NOMEM)
			return (void *)1;
		refused++;
	}
	return refused ? NULL : (void *)2;
}

TEST_F_TIMEOUT(fast, pages_taken_back_while_owners_allocate, 300)
{
	struct steal_arg args[5];
	atomic_bool stop = false;
	pthread_t t[5];
	void *ret;
	long i;

	for (i = 0; i < 5; i++) {
		args[i].id = i;
		args[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&t[i], NULL,
					    i < 4 ? steal_owner : steal_thief,
					    &args[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(NULL, ret) TH_LOG("owner %ld failed at check %ld",
					     i, (long)ret);
	}
	atomic_store(&stop, true);
	ASSERT_EQ(0, pthread_join(t[4], &ret));
	EXPECT_EQ(NULL, ret);
	EXPECT_STATS_UNCHANGED(&self->base);
}

/*
 * A session at its limit does not ask for a page before every small
 * allocation: after a refused CHUNKS_GET the library waits 1, 2, 4 ...
 * (at most 256) allocations before it asks again, taking its buffers from
 * the kernel's slots meanwhile; once the limit allows pages again, it
 * gets them within that bound.
 */
TEST_F(fast, refused_get_backs_off)
{
	static LPVOID bufs[100 + 400];
	unsigned long long saved;
	unsigned long gets;
	int i, delegated = 0;

	ASSERT_TRUE(nab_param_read("max_session_bytes", &saved));
	/* Less than a page: no GET can pass, 16-byte slots can. */
	ASSERT_TRUE(nab_param_write("max_session_bytes", 2048));
	atomic_store(&chunks_gets, 0);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(16, &bufs[i]));
		ASSERT_TRUE(kernel_knows(bufs[i]));
	}
	gets = atomic_load(&chunks_gets);
	EXPECT_TRUE(nab_param_write("max_session_bytes", saved));
	/* 1, 3, 6, 11, 20, 37 and 70 asked: 7, not 100. */
	EXPECT_LE(gets, 8UL);
	EXPECT_LE(1UL, gets);

	for (i = 100; i < 100 + 400; i++) {
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(16, &bufs[i]));
		delegated += !kernel_knows(bufs[i]);
	}
	/* At most 256 more from the kernel, then pages again. */
	EXPECT_LE(400 - 256 - 1, delegated);
	for (i = 0; i < 100 + 400; i++)
		ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(bufs[i]));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* ---- the ioctls themselves ---------------------------------------------- */

FIXTURE(chunks) {
	struct nab_session s;
};

FIXTURE_SETUP(chunks)
{
	NAB_REQUIRE_DEVICE();
	if (!nab_chunks_offered())
		SETUP_SKIP("the module does not offer NETAPIBUF_FEATURE_CHUNKS");
	ASSERT_EQ(0, nab_session_open(&self->s, true));
}

FIXTURE_TEARDOWN(chunks)
{
	nab_session_close(&self->s);
}

static int chunks_get(int fd, struct netapibuf_chunks *c, __u32 count)
{
	memset(c, 0, sizeof(*c));
	c->count = count;
	return ioctl(fd, NETAPIBUF_IOC_CHUNKS_GET, c) ? errno : 0;
}

static int chunks_put(int fd, const __u64 *addrs, __u32 count)
{
	struct netapibuf_chunks c = { .count = count };

	memcpy(c.addrs, addrs, count * sizeof(*addrs));
	return ioctl(fd, NETAPIBUF_IOC_CHUNKS_PUT, &c) ? errno : 0;
}

TEST_F(chunks, get_and_put)
{
	struct netapibuf_chunks c, none;
	struct nab_stats before, now;
	unsigned char *p;
	__u64 bad[2];
	void *buf;
	__u32 i;

	ASSERT_STATS(&before);
	ASSERT_EQ(0, chunks_get(self->s.fd, &c, NETAPIBUF_CHUNKS_MAX));
	ASSERT_STATS(&now);
	EXPECT_EQ(before.charged_bytes +
		  NETAPIBUF_CHUNKS_MAX * (long long)NAB_PAGE_SIZE,
		  now.charged_bytes);
	/* the chunks and the counter page */
	EXPECT_EQ(before.pages + NETAPIBUF_CHUNKS_MAX + 1, now.pages);
	for (i = 0; i < NETAPIBUF_CHUNKS_MAX; i++) {
		p = (unsigned char *)(uintptr_t)c.addrs[i];
		EXPECT_TRUE(nab_in_arena(&self->s, p, NAB_PAGE_SIZE));
		EXPECT_EQ(0UL, c.addrs[i] % NAB_PAGE_SIZE);
		EXPECT_EQ(-1, nab_check_zero(p, 0, NAB_PAGE_SIZE));
		memset(p, 0xee, NAB_PAGE_SIZE);
		/* not buffers */
		EXPECT_EQ(-1, _test_ioctl_free(self->s.fd, p, 0, 0));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, _test_ioctl_realloc(self->s.fd, p, 10, 0, 0, &buf));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_TRUE(nab_in_arena(&self->s, (void *)(uintptr_t)c.counters,
				 NAB_PAGE_SIZE));

	/* Bad batches change nothing. */
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, 10, 0, 0, &buf));
	ASSERT_STATS(&before);
	EXPECT_EQ(EINVAL, chunks_get(self->s.fd, &none, 0));
	EXPECT_EQ(EINVAL, chunks_put(self->s.fd, c.addrs, 0));
	bad[0] = bad[1] = c.addrs[0];
	if (1) {

		EXPECT_EQ(EINVAL, chunks_put(self->s.fd, bad, 2));	/* twice */
		bad[1] = c.addrs[1] + 16;				/* interior */
		EXPECT_EQ(EINVAL, chunks_put(self->s.fd, bad, 2));
		bad[1] = c.counters;					/* counter page */
		EXPECT_EQ(EINVAL, chunks_put(self->s.fd, bad, 2));
		bad[1] = (uintptr_t)buf & ~(NAB_PAGE_SIZE - 1);		/* kernel chunk */
		EXPECT_EQ(EINVAL, chunks_put(self->s.fd, bad, 2));
		bad[1] = (uintptr_t)self->s.arena;			/* guard */
		EXPECT_EQ(EINVAL, chunks_put(self->s.fd, bad, 2));
		bad[1] = ~0ULL;
		EXPECT_EQ(EINVAL, chunks_put(self->s.fd, bad, 2));
	}
	ASSERT_STATS(&now);
	EXPECT_EQ(before.pages, now.pages);
	EXPECT_EQ(before.charged_bytes, now.charged_bytes);
	p = (unsigned char *)(uintptr_t)c.addrs[0];
	EXPECT_EQ(0xee, p[100]);

	/* Back, all of them: touching one afterwards faults. */
	EXPECT_EQ(0, chunks_put(self->s.fd, c.addrs, NETAPIBUF_CHUNKS_MAX));
	ASSERT_STATS(&now);
	EXPECT_EQ(before.charged_bytes -
		  NETAPIBUF_CHUNKS_MAX * (long long)NAB_PAGE_SIZE,
		  now.charged_bytes);
	EXPECT_EQ(EINVAL, chunks_put(self->s.fd, c.addrs, 1));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, buf, 0, 0));
}

TEST_F(chunks, bad_struct)
{
	struct netapibuf_chunks c = { .count = NETAPIBUF_CHUNKS_MAX + 1 };

	EXPECT_EQ(-1, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_GET, &c));
	EXPECT_EQ(EINVAL, errno);
	c.count = 1;
	c.flags = 1;
	EXPECT_EQ(-1, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_GET, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, nab_ioctl_raw(self->s.fd, _IOC_READ | _IOC_WRITE,
				    NETAPIBUF_CMD_CHUNKS_GET, 8, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_GET, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * GET and PUT, like ALLOC and REALLOC, refuse a struct that overlaps the
 * arena (EINVAL), before anything changes: in a live buffer, in a
 * delegated chunk (PUT's struct in the very chunk it gives back).
 */
TEST_F(chunks, struct_in_arena)
{
	struct netapibuf_chunks c, *in;
	struct nab_stats before, now;
	unsigned char *large;

	ASSERT_EQ(0, chunks_get(self->s.fd, &c, 2));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, 2 * NAB_PAGE_SIZE, 0, 0,
				       (void **)&large));
	ASSERT_STATS(&before);

	in = (void *)large;
	memset(in, 0, sizeof(*in));
	in->count = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_GET, in));
	EXPECT_EQ((__u64)0, in->addrs[0]);
	EXPECT_EQ((__u64)0, in->counters);
	in->addrs[0] = c.addrs[1];
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_PUT, in));

	/* PUT's struct in the chunk it gives back. */
	in = (void *)(uintptr_t)c.addrs[0];
	memset(in, 0, sizeof(*in));
	in->count = 1;
	in->addrs[0] = c.addrs[0];
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_PUT, in));
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_CHUNKS_GET, in));

	ASSERT_STATS(&now);
	EXPECT_EQ(before.pages, now.pages);
	EXPECT_EQ(before.charged_bytes, now.charged_bytes);
	/* Both chunks are still delegated: PUT from the stack takes them. */
	EXPECT_EQ(0, chunks_put(self->s.fd, c.addrs, 2));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, large, 0, 0));
}

TEST(chunks_need_the_arena)
{
	struct netapibuf_chunks c = { .count = 1 };
	struct nab_session s;

	NAB_REQUIRE_DEVICE();
	if (!nab_chunks_offered())
		SKIP(return, "no NETAPIBUF_FEATURE_CHUNKS");
	ASSERT_EQ(0, nab_session_open(&s, false));
	EXPECT_EQ(-1, ioctl(s.fd, NETAPIBUF_IOC_CHUNKS_GET, &c));
	EXPECT_EQ(ENXIO, errno);
	nab_session_close(&s);
}

/*
 * Whatever the process writes into its counter page, the figures stay
 * within what its chunks can hold, and go back to the baseline with it.
 */
TEST_F(chunks, counter_page_is_not_trusted)
{
	struct netapibuf_counters *ctr;
	struct netapibuf_chunks c;
	struct nab_stats base, now;
	unsigned int i;

	ASSERT_STATS(&base);
	ASSERT_EQ(0, chunks_get(self->s.fd, &c, 2));
	ctr = (void *)(uintptr_t)c.counters;
	for (i = 0; i < NETAPIBUF_COUNTER_SLOTS; i++) {
		ctr->slot[i].buffers = 0x7fffffffffffffffLL;
		ctr->slot[i].bytes = 0x7fffffffffffffffLL;
	}
	ASSERT_STATS(&now);
	EXPECT_GE(base.live_buffers + 2 * (long long)NAB_PAGE_SIZE / 16,
		  now.live_buffers);
	EXPECT_GE(base.live_bytes + 2 * (long long)NAB_PAGE_SIZE,
		  now.live_bytes);
	EXPECT_LE(base.live_buffers, now.live_buffers);
	for (i = 0; i < NETAPIBUF_COUNTER_SLOTS; i++)
		ctr->slot[i].buffers = -5;
	ASSERT_STATS(&now);
	EXPECT_EQ(base.live_buffers, now.live_buffers);
	/* The session's figures leave with it. */
	nab_session_close(&self->s);
	ASSERT_LE(0, nab_stats_wait(&base, &now));
	EXPECT_EQ(base.live_buffers, now.live_buffers);
	EXPECT_EQ(base.live_bytes, now.live_bytes);
	EXPECT_EQ(base.charged_bytes, now.charged_bytes);
}

/*
 * With the feature hidden (chunks=0, as on a module without it), the
 * library uses the ioctls: everything still works, through the kernel.
 */
TEST(feature_hidden_falls_back)
{
	struct nab_stats base;
	LPVOID p, q;
	DWORD n;
	int status;
	pid_t pid;

	NAB_REQUIRE_DEVICE();
	if (!nab_chunks_offered())
		SKIP(return, "no NETAPIBUF_FEATURE_CHUNKS to hide");
	ASSERT_STATS(&base);
	ASSERT_TRUE(nab_param_write("chunks", 0));
	EXPECT_FALSE(nab_chunks_offered());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct netapibuf_chunks c = { .count = 1 };
		int bad = 0;

		bad |= NetApiBufferAllocate(100, &p) != ST_SUCCESS;
		if (bad)
			_exit(1);
		bad |= !kernel_knows(p) << 1;
		bad |= (NetApiBufferReallocate(p, 200, &q) != ST_SUCCESS) << 2;
		bad |= (NetApiBufferSize(q, &n) != ST_SUCCESS || n != 200) << 3;
		bad |= (NetApiBufferFree(q) != ST_SUCCESS) << 4;
		bad |= (NetApiBufferFree(q) != ST_INVALID) << 5;
		bad |= (ioctl(nab_lib_fd(-1), NETAPIBUF_IOC_CHUNKS_GET, &c) != -1 ||
			errno != ENOTTY) << 6;
		/* As from a module without it: unknown, whatever the size. */
		bad |= (nab_ioctl_raw(nab_lib_fd(-1), _IOC_READ | _IOC_WRITE,
				      NETAPIBUF_CMD_CHUNKS_GET, 8, &c) != -1 ||
			errno != ENOTTY) << 7;
		bad |= (ioctl(nab_lib_fd(-1), NETAPIBUF_IOC_CHUNKS_PUT, &c) != -1 ||
			errno != ENOTTY) << 8;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(nab_param_write("chunks", 1));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_STATS_BASELINE(&base);
}

/* A library of today (NETAPIBUF_FASTPATH=0 makes this one behave as one:
 * the old ioctls only) works with the new module. */
TEST(old_library_new_module)
{
	struct nab_stats base;
	int status;
	pid_t pid;

	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&base);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		LPVOID p;
		int bad;

		setenv("NETAPIBUF_FASTPATH", "0", 1);
		bad = NetApiBufferAllocate(100, &p) != ST_SUCCESS;
		if (bad)
			_exit(1);
		bad |= !kernel_knows(p) << 1;
		bad |= (NetApiBufferFree(p) != ST_SUCCESS) << 2;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_STATS_BASELINE(&base);
}

TEST_HARNESS_MAIN
