// SPDX-License-Identifier: GPL-2.0
/*
 * The library contract of <netapibuf.h>, row by row, through the four
 * NetApiBuffer calls only. The module's counters (sysfs) witness that a
 * failed call changed nothing; its parameters set the limits.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <netapibuf.h>
#include <sys/resource.h>

#include "netapibuf_test.h"

/* Statuses as NET_API_STATUS, so comparisons keep their signedness. */
#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_NOMEM	((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY)
#define ST_INVALID	((NET_API_STATUS)ERROR_INVALID_PARAMETER)

/* Placeholders the calls must leave alone, and errno's sentinel. */
#define UNTOUCHED_PTR	((LPVOID)(uintptr_t)0x5a5a5a5a5a5a5a50ULL)
#define UNTOUCHED_SIZE	((DWORD)0xa5a5a5a5)
#define ERRNO_SENTINEL	0x5eed

/*
 * Every call goes through here: errno is set to a sentinel before and
 * must still hold it after, whatever the call returns.
 */
#define NAB(call)							\
	({								\
		NET_API_STATUS __st;					\
		int __err;						\
		errno = ERRNO_SENTINEL;					\
		__st = (call);						\
		__err = errno;						\
		EXPECT_EQ(ERRNO_SENTINEL, __err)			\
			TH_LOG("%s returned %u and set errno to %d",	\
			       #call, __st, __err);			\
		__st;							\
	})

#define nab_alloc(n, pp)	NAB(NetApiBufferAllocate(n, pp))
#define nab_free(p)		NAB(NetApiBufferFree(p))
#define nab_realloc(p, n, qp)	NAB(NetApiBufferReallocate(p, n, qp))
#define nab_size(p, sp)		NAB(NetApiBufferSize(p, sp))

/* @p is a live buffer of @n bytes. */
#define EXPECT_SIZE(p, n)						\
	do {								\
		DWORD __s = UNTOUCHED_SIZE;				\
		EXPECT_EQ(ST_SUCCESS, nab_size(p, &__s));		\
		EXPECT_EQ((DWORD)(n), __s);				\
	} while (0)

/* @p is not a live buffer: Size refuses it and leaves the count alone. */
#define EXPECT_NOT_LIVE(p)						\
	do {								\
		DWORD __s = UNTOUCHED_SIZE;				\
		EXPECT_EQ(ST_INVALID, nab_size(p, &__s));		\
		EXPECT_EQ(UNTOUCHED_SIZE, __s);				\
	} while (0)

/* A successful allocation of @n bytes at @p: the first row. */
#define EXPECT_NEW_BUFFER(p, n)						\
	do {								\
		ASSERT_NE(NULL, p);					\
		EXPECT_EQ(0UL, (uintptr_t)(p) % 16)			\
			TH_LOG("%p misaligned", p);			\
		EXPECT_EQ(-1, nab_check_zero(p, 0, n));			\
		EXPECT_SIZE(p, n);					\
	} while (0)

static const DWORD sizes[] = {
	0, 1, 15, 16, 17, 100, 2048, 2049, 4095, 4096, 4097, 65536,
	(1 << 20) + 3,
};

/* ---- per size ------------------------------------------------------ */

FIXTURE(contract) {
	struct nab_stats base;
};

FIXTURE_VARIANT(contract) {
	DWORD size;
};

FIXTURE_VARIANT_ADD(contract, size_0) { .size = 0 };
FIXTURE_VARIANT_ADD(contract, size_1) { .size = 1 };
FIXTURE_VARIANT_ADD(contract, size_15) { .size = 15 };
FIXTURE_VARIANT_ADD(contract, size_16) { .size = 16 };
FIXTURE_VARIANT_ADD(contract, size_17) { .size = 17 };
FIXTURE_VARIANT_ADD(contract, size_100) { .size = 100 };
FIXTURE_VARIANT_ADD(contract, size_2048) { .size = 2048 };
FIXTURE_VARIANT_ADD(contract, size_2049) { .size = 2049 };
FIXTURE_VARIANT_ADD(contract, size_4095) { .size = 4095 };
FIXTURE_VARIANT_ADD(contract, size_4096) { .size = 4096 };
FIXTURE_VARIANT_ADD(contract, size_4097) { .size = 4097 };
FIXTURE_VARIANT_ADD(contract, size_65536) { .size = 65536 };
FIXTURE_VARIANT_ADD(contract, size_1M_plus_3) { .size = (1 << 20) + 3 };

FIXTURE_SETUP(contract)
{
	unsigned long long max;

	NAB_REQUIRE_DEVICE();
	if (nab_param_read("max_buffer_bytes", &max) && variant->size > max)
		SETUP_SKIP("max_buffer_bytes %llu < %u", max, variant->size);
	ASSERT_STATS(&self->base);
}

/* Every test frees what it allocated. (No ASSERT_* in a teardown.) */
FIXTURE_TEARDOWN(contract)
{
	struct nab_stats now;

	EXPECT_TRUE(nab_stats_read(&now));
	EXPECT_EQ(self->base.live_buffers, now.live_buffers);
	EXPECT_EQ(self->base.live_bytes, now.live_bytes);
}

TEST_F(contract, allocate_and_free)
{
	DWORD n = variant->size;
	struct nab_stats now;
	LPVOID p = UNTOUCHED_PTR;

	EXPECT_EQ(ST_SUCCESS, nab_alloc(n, &p));
	EXPECT_NEW_BUFFER(p, n);

	ASSERT_STATS(&now);
	EXPECT_EQ(self->base.live_buffers + 1, now.live_buffers);
	EXPECT_LE(self->base.live_bytes + n, now.live_bytes);

	nab_fill(p, 0, n, n);
	EXPECT_EQ(-1, nab_check(p, 0, n, n));
	EXPECT_SIZE(p, n);

	EXPECT_EQ(ST_SUCCESS, nab_free(p));
	EXPECT_NOT_LIVE(p);
	EXPECT_STATS_UNCHANGED(&self->base);

	/* Already freed. */
	EXPECT_EQ(ST_INVALID, nab_free(p));
}

TEST_F(contract, allocate_null_out)
{
	EXPECT_EQ(ST_INVALID, nab_alloc(variant->size, NULL));
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

TEST_F(contract, reallocate_from_null)
{
	DWORD n = variant->size;
	LPVOID q = UNTOUCHED_PTR;

	EXPECT_EQ(ST_SUCCESS, nab_realloc(NULL, n, &q));
	if (n == 0) {
		/* Reallocate(NULL, 0): frees nothing, q = NULL */
		EXPECT_EQ(NULL, q);
		EXPECT_NOTHING_ALLOCATED(&self->base);
		return;
	}
	EXPECT_NEW_BUFFER(q, n);
	EXPECT_EQ(ST_SUCCESS, nab_free(q));
}

TEST_F(contract, reallocate_to_zero)
{
	DWORD n = variant->size;
	LPVOID p, q = UNTOUCHED_PTR;

	ASSERT_EQ(ST_SUCCESS, nab_alloc(n, &p));
	nab_fill(p, 0, n, 3);
	EXPECT_EQ(ST_SUCCESS, nab_realloc(p, 0, &q));
	EXPECT_EQ(NULL, q);
	EXPECT_NOT_LIVE(p);
	EXPECT_STATS_UNCHANGED(&self->base);
}

/*
 * From this size to every other one (0 has its own row): the first
 * min(old, new) bytes kept, the rest zero, the size the new one, the old
 * address gone if it moved.
 */
TEST_F(contract, reallocate_to_every_size)
{
	DWORD n = variant->size;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		DWORD m = sizes[i], keep = n < m ? n : m;
		struct nab_stats now;
		LPVOID p, q = UNTOUCHED_PTR;

		if (m == 0)
			continue;
		ASSERT_EQ(ST_SUCCESS, nab_alloc(n, &p));
		nab_fill(p, 0, n, i);

		EXPECT_EQ(ST_SUCCESS, nab_realloc(p, m, &q))
			TH_LOG("%u -> %u", n, m);
		ASSERT_NE(UNTOUCHED_PTR, q);
		ASSERT_NE(NULL, q);
		EXPECT_EQ(0UL, (uintptr_t)q % 16);
		EXPECT_EQ(-1, nab_check(q, 0, keep, i))
			TH_LOG("%u -> %u: content lost", n, m);
		EXPECT_EQ(-1, nab_check_zero(q, keep, m - keep))
			TH_LOG("%u -> %u: new bytes not zero", n, m);
		EXPECT_SIZE(q, m);
		if (q != p)
			EXPECT_NOT_LIVE(p);

		ASSERT_STATS(&now);
		EXPECT_EQ(self->base.live_buffers + 1, now.live_buffers);
		EXPECT_LE(self->base.live_bytes + m, now.live_bytes);

		/* The new buffer is all ours. */
		nab_fill(q, 0, m, i + 1);
		EXPECT_EQ(-1, nab_check(q, 0, m, i + 1));
		EXPECT_EQ(ST_SUCCESS, nab_free(q));
	}
	EXPECT_STATS_UNCHANGED(&self->base);
}

/*
 * Shrinking then growing back must not bring back the bytes cut off:
 * they read as zero.
 */
TEST_F(contract, reallocate_shrink_then_grow)
{
	DWORD n = variant->size, cuts[] = { n / 2, 1, n - 1 };
	size_t i;

	if (n < 2)
		SKIP(return, "nothing to cut from %u bytes", n);

	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		DWORD cut = cuts[i];
		LPVOID p, q, r;

		ASSERT_EQ(ST_SUCCESS, nab_alloc(n, &p));
		nab_fill(p, 0, n, 9);
		ASSERT_EQ(ST_SUCCESS, nab_realloc(p, cut, &q));
		EXPECT_EQ(-1, nab_check(q, 0, cut, 9));
		EXPECT_SIZE(q, cut);
		ASSERT_EQ(ST_SUCCESS, nab_realloc(q, n, &r));
		EXPECT_EQ(-1, nab_check(r, 0, cut, 9));
		EXPECT_EQ(-1, nab_check_zero(r, cut, n - cut))
			TH_LOG("%u -> %u -> %u: stale bytes", n, cut, n);
		EXPECT_SIZE(r, n);
		EXPECT_EQ(ST_SUCCESS, nab_free(r));
	}
}

/* Reallocate(p, n, NULL): refused, p as it was. */
TEST_F(contract, reallocate_null_out)
{
	DWORD n = variant->size;
	struct nab_stats before;
	LPVOID p;

	ASSERT_EQ(ST_SUCCESS, nab_alloc(n, &p));
	nab_fill(p, 0, n, 5);
	ASSERT_STATS(&before);

	EXPECT_EQ(ST_INVALID, nab_realloc(p, n + 1, NULL));
	EXPECT_EQ(ST_INVALID, nab_realloc(p, n / 2, NULL));
	EXPECT_EQ(ST_INVALID, nab_realloc(p, 0, NULL));
	EXPECT_EQ(ST_INVALID, nab_realloc(NULL, n + 1, NULL));

	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_SIZE(p, n);
	EXPECT_EQ(-1, nab_check(p, 0, n, 5));
	EXPECT_EQ(ST_SUCCESS, nab_free(p));
}

TEST_F(contract, size_null_args)
{
	DWORD n = variant->size, s = UNTOUCHED_SIZE;
	LPVOID p;

	ASSERT_EQ(ST_SUCCESS, nab_alloc(n, &p));
	EXPECT_EQ(ST_INVALID, nab_size(p, NULL));
	EXPECT_EQ(ST_INVALID, nab_size(NULL, &s));
	EXPECT_EQ(UNTOUCHED_SIZE, s);
	EXPECT_EQ(ST_INVALID, nab_size(NULL, NULL));
	EXPECT_SIZE(p, n);
	EXPECT_EQ(ST_SUCCESS, nab_free(p));
}

/*
 * Pointers that are not live buffers of this process: interior, freed,
 * never allocated, not in the arena at all. Every call refuses them and
 * nothing changes.
 */
TEST_F(contract, invalid_pointers)
{
	DWORD n = variant->size;
	struct nab_stats before;
	char on_stack[32];
	char *p, *freed, *heap;
	size_t i;

	ASSERT_EQ(ST_SUCCESS, nab_alloc(n, (LPVOID *)&p));
	ASSERT_EQ(ST_SUCCESS, nab_alloc(n, (LPVOID *)&freed));
	ASSERT_EQ(ST_SUCCESS, nab_free(freed));
	nab_fill(p, 0, n, 6);
	heap = malloc(64);
	ASSERT_NE(NULL, heap);

	char *bad[] = {
		p + 1, p + 8, p + 16, p + 4096, p - 16, freed, on_stack, heap,
		(char *)(uintptr_t)16, (char *)(uintptr_t)-16,
	};

	ASSERT_STATS(&before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		DWORD s = UNTOUCHED_SIZE;
		LPVOID q = UNTOUCHED_PTR;

		if (bad[i] == p)
			continue;
		EXPECT_EQ(ST_INVALID, nab_free(bad[i])) TH_LOG("%p", bad[i]);
		EXPECT_EQ(ST_INVALID, nab_size(bad[i], &s)) TH_LOG("%p", bad[i]);
		EXPECT_EQ(UNTOUCHED_SIZE, s);
		EXPECT_EQ(ST_INVALID, nab_realloc(bad[i], n + 10, &q))
			TH_LOG("%p", bad[i]);
		EXPECT_EQ(UNTOUCHED_PTR, q);
		EXPECT_EQ(ST_INVALID, nab_realloc(bad[i], 0, &q))
			TH_LOG("%p", bad[i]);
		EXPECT_EQ(UNTOUCHED_PTR, q);
	}
	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_SIZE(p, n);
	EXPECT_EQ(-1, nab_check(p, 0, n, 6));
	free(heap);
	EXPECT_EQ(ST_SUCCESS, nab_free(p));
}

/* Reallocate past what can be had: p keeps its contents, q untouched. */
TEST_F(contract, reallocate_out_of_memory)
{
	DWORD n = variant->size;
	struct nab_stats before;
	LPVOID p, q = UNTOUCHED_PTR;

	ASSERT_EQ(ST_SUCCESS, nab_alloc(n, &p));
	nab_fill(p, 0, n, 8);
	ASSERT_STATS(&before);

	EXPECT_EQ(ST_NOMEM, nab_realloc(p, 0xFFFFFFFF, &q));
	EXPECT_EQ(UNTOUCHED_PTR, q);

	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_SIZE(p, n);
	EXPECT_EQ(-1, nab_check(p, 0, n, 8));
	EXPECT_EQ(ST_SUCCESS, nab_free(p));
}

/* ---- rows that take no size ---------------------------------------- */

FIXTURE(lib) {
	struct nab_stats base;
};

FIXTURE_SETUP(lib)
{
	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(lib)
{
}

/* Before any buffer exists (the first calls of this process). */
TEST_F(lib, first_calls)
{
	char on_stack[16];
	DWORD s = UNTOUCHED_SIZE;
	LPVOID q = UNTOUCHED_PTR;

	EXPECT_EQ(ST_SUCCESS, nab_free(NULL));
	EXPECT_EQ(ST_INVALID, nab_free(on_stack));
	EXPECT_EQ(ST_INVALID, nab_size(on_stack, &s));
	EXPECT_EQ(UNTOUCHED_SIZE, s);
	EXPECT_EQ(ST_INVALID, nab_realloc(on_stack, 10, &q));
	EXPECT_EQ(UNTOUCHED_PTR, q);
	EXPECT_EQ(ST_SUCCESS, nab_realloc(NULL, 0, &q));
	EXPECT_EQ(NULL, q);
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

TEST_F(lib, free_null)
{
	LPVOID p;

	EXPECT_EQ(ST_SUCCESS, nab_free(NULL));
	ASSERT_EQ(ST_SUCCESS, nab_alloc(10, &p));
	EXPECT_EQ(ST_SUCCESS, nab_free(NULL));
	EXPECT_SIZE(p, 10);
	EXPECT_EQ(ST_SUCCESS, nab_free(p));
	EXPECT_STATS_UNCHANGED(&self->base);
}

TEST_F(lib, reallocate_null_zero)
{
	LPVOID q = UNTOUCHED_PTR;

	EXPECT_EQ(ST_SUCCESS, nab_realloc(NULL, 0, &q));
	EXPECT_EQ(NULL, q);
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* Zero-size buffers are buffers: each has its own address. */
TEST_F(lib, zero_size_buffers_distinct)
{
	LPVOID a, b;

	ASSERT_EQ(ST_SUCCESS, nab_alloc(0, &a));
	ASSERT_EQ(ST_SUCCESS, nab_alloc(0, &b));
	EXPECT_NE(a, b);
	EXPECT_SIZE(a, 0);
	EXPECT_SIZE(b, 0);
	EXPECT_EQ(ST_SUCCESS, nab_free(a));
	EXPECT_SIZE(b, 0);
	EXPECT_EQ(ST_SUCCESS, nab_free(b));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* n = 0xFFFFFFFF: ERROR_NOT_ENOUGH_MEMORY, *p = NULL, nothing left. */
TEST_F(lib, allocate_out_of_memory)
{
	struct nab_stats before, after;
	LPVOID keep, p = UNTOUCHED_PTR;

	/* with and without a session open already */
	EXPECT_EQ(ST_NOMEM, nab_alloc(0xFFFFFFFF, &p));
	EXPECT_EQ(NULL, p);
	ASSERT_EQ(ST_SUCCESS, nab_alloc(100, &keep));

	ASSERT_STATS(&before);
	p = UNTOUCHED_PTR;
	EXPECT_EQ(ST_NOMEM, nab_alloc(0xFFFFFFFF, &p));
	EXPECT_EQ(NULL, p);
	p = UNTOUCHED_PTR;
	EXPECT_EQ(ST_NOMEM, nab_realloc(NULL, 0xFFFFFFFF, &p));
	EXPECT_EQ(UNTOUCHED_PTR, p);
	ASSERT_STATS(&after);
	EXPECT_EQ(before.live_buffers, after.live_buffers);
	EXPECT_EQ(before.live_bytes, after.live_bytes);
	EXPECT_EQ(before.pages, after.pages);
	EXPECT_EQ(before.alloc_failures + 2, after.alloc_failures)
		TH_LOG("alloc_failures should count the two refusals");
	EXPECT_LE(after.live_buffers, after.peak_buffers);
	EXPECT_LE(after.live_bytes, after.peak_bytes);

	EXPECT_SIZE(keep, 100);
	EXPECT_EQ(ST_SUCCESS, nab_free(keep));
}

/*
 * Under an address-space limit (ulimit -v, systemd's LimitAS=) far below
 * the module's 64 GiB arena, the library maps a shorter arena: at most a
 * quarter of the room left, at least NETAPIBUF_ARENA_MIN_SIZE. Every call
 * works, and the rest of the room is still the program's. In a child,
 * whose first call opens a session of its own, and which reports by its
 * exit status (so it makes the calls directly, not through NAB()).
 */
static int as_limit_child(void)
{
	const size_t room = 1UL << 30, big = room / 2;
	unsigned long long used, start, end, arena = 0;
	struct rlimit lim;
	char line[512];
	LPVOID p, q, r;
	DWORD n = 0;
	void *mine;
	FILE *f;

	f = fopen("/proc/self/statm", "re");
	if (!f || fscanf(f, "%llu", &used) != 1)
		return 10;
	fclose(f);
	lim.rlim_cur = lim.rlim_max = used * NAB_PAGE_SIZE + room;
	if (setrlimit(RLIMIT_AS, &lim))
		return 11;

	if (NetApiBufferAllocate(100, &p) != ST_SUCCESS)
		return 12;
	memset(p, 1, 100);
	if (NetApiBufferAllocate((1 << 20) + 3, &q) != ST_SUCCESS)
		return 13;
	memset(q, 2, (1 << 20) + 3);
	if (NetApiBufferReallocate(q, 2 << 20, &r) != ST_SUCCESS ||
	    NetApiBufferSize(r, &n) != ST_SUCCESS || n != 2 << 20 ||
	    ((unsigned char *)r)[(1 << 20) + 2] != 2 ||
	    ((unsigned char *)r)[(1 << 20) + 3] != 0)
		return 14;

	/* The arena is the mapping that holds the buffers. */
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 15;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &start, &end) == 2 &&
		    (uintptr_t)p >= start && (uintptr_t)p < end)
			arena = end - start;
	fclose(f);
	if (arena < NETAPIBUF_ARENA_MIN_SIZE || arena > room / 4)
		return 16;

	/* What the arena left is the program's. */
	mine = mmap(NULL, big, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mine == MAP_FAILED)
		return 17;
	munmap(mine, big);

	if (NetApiBufferFree(p) != ST_SUCCESS || NetApiBufferFree(r) != ST_SUCCESS)
		return 18;
	return 0;
}

/* Runs @child in a child process; its exit status must be 0. */
static void child_passes(struct __test_metadata *_metadata, int (*child)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Exit 10-11 setup, 12-14 the calls, 15-16 the arena, 17 the room left. */
TEST_F(lib, address_space_limit)
{
	child_passes(_metadata, as_limit_child);
}

/*
 * A short arena filled to the last page through the library, the fast
 * path's small buffers (delegated chunks) and large ones mixed: under an
 * address-space limit that makes the arena NETAPIBUF_ARENA_MIN_SIZE, 1 MiB
 * buffers until refused, then 100-byte ones until refused, then a growth
 * past the end refused with the buffer kept: each refusal is
 * ERROR_NOT_ENOUGH_MEMORY, every buffer keeps its bytes, and after a Free
 * both sizes work again. A child, reporting by its exit status.
 */
static int full_short_arena_child(void)
{
	const size_t mib = 1 << 20, max_large = 80, max_small = 40000;
	size_t nl = 0, ns = 0, i;
	unsigned long long used;
	unsigned char **large, **small;
	struct rlimit lim;
	LPVOID p, q = UNTOUCHED_PTR;
	int ret = 0;
	FILE *f;

	f = fopen("/proc/self/statm", "re");
	if (!f || fscanf(f, "%llu", &used) != 1)
		return 10;
	fclose(f);
	large = calloc(max_large, sizeof(*large));
	small = calloc(max_small, sizeof(*small));
	if (!large || !small)
		return 10;
	/* A quarter of the room is under 64 MiB: the shortest arena. */
	lim.rlim_cur = lim.rlim_max = used * NAB_PAGE_SIZE + (160 << 20);
	if (setrlimit(RLIMIT_AS, &lim))
		return 11;

	while (nl < max_large && NetApiBufferAllocate(mib, &p) == ST_SUCCESS) {
		memset(p, (int)(nl & 0x7f) + 1, mib);
		large[nl++] = p;
	}
	if (nl == max_large || nl < 8)
		return 12;	/* the arena is not 64 MiB */
	while (ns < max_small &&
	       NetApiBufferAllocate(100, &p) == ST_SUCCESS) {
		memset(p, (int)(ns & 0x7f) + 0x80, 100);
		small[ns++] = p;
	}
	if (ns == max_small)
		return 13;	/* never refused */
	if (NetApiBufferAllocate(100, &p) != ST_NOMEM ||
	    NetApiBufferAllocate(mib, &p) != ST_NOMEM)
		return 14;
	/* Growth past the end: refused, the buffer kept. */
	if (NetApiBufferReallocate(large[0], 8 * mib, &q) != ST_NOMEM ||
	    large[0][mib - 1] != 1)
		return 15;
	for (i = 0; i < nl && !ret; i++)
		if (large[i][0] != (i & 0x7f) + 1 ||
		    large[i][mib - 1] != (i & 0x7f) + 1)
			ret = 16;
	for (i = 0; i < ns && !ret; i++)
		if (small[i][0] != (i & 0x7f) + 0x80 ||
		    small[i][99] != (i & 0x7f) + 0x80)
			ret = 17;
	if (ret)
		return ret;
	/* Room again: small and large. */
	if (NetApiBufferFree(large[nl - 1]) != ST_SUCCESS ||
	    NetApiBufferFree(large[nl - 2]) != ST_SUCCESS)
		return 18;
	nl -= 2;
	if (NetApiBufferAllocate(100, &p) != ST_SUCCESS)
		return 19;
	small[ns++] = p;
	if (NetApiBufferAllocate(mib, &p) != ST_SUCCESS)
		return 20;
	large[nl++] = p;
	for (i = 0; i < nl; i++)
		if (NetApiBufferFree(large[i]) != ST_SUCCESS)
			return 21;
	for (i = 0; i < ns; i++)
		if (NetApiBufferFree(small[i]) != ST_SUCCESS)
			return 22;
	return 0;
}

/* Exit 10-11 setup, 12-15 the filling, 16-17 the bytes, 18-22 room again. */
TEST_F_TIMEOUT(lib, full_short_arena, 300)
{
	child_passes(_metadata, full_short_arena_child);
}

/* ---- limits (module parameters) ------------------------------------ */

static const char *const limit_params[] = {
	"max_buffer_bytes", "max_session_bytes", "max_total_bytes",
};

FIXTURE(limits) {
	unsigned long long saved[3];
	bool have[3];
};

FIXTURE_SETUP(limits)
{
	size_t i;

	NAB_REQUIRE_DEVICE();
	for (i = 0; i < ARRAY_SIZE(limit_params); i++) {
		self->have[i] = nab_param_read(limit_params[i], &self->saved[i]);
		if (!self->have[i])
			SETUP_SKIP("no parameter %s", limit_params[i]);
	}
}

FIXTURE_TEARDOWN(limits)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(limit_params); i++)
		if (self->have[i] &&
		    !nab_param_write(limit_params[i], self->saved[i]))
			TH_LOG("could not restore %s", limit_params[i]);
}

/*
 * Allocates @n-byte buffers until the library refuses one; checks the
 * refusal (ERROR_NOT_ENOUGH_MEMORY, NULL, counters unchanged) and
 * returns how many it got.
 */
static size_t allocate_until_refused(struct __test_metadata *_metadata,
				     DWORD n, LPVOID *bufs, size_t max)
{
	struct nab_stats before;
	NET_API_STATUS st = ST_SUCCESS;
	size_t i;

	for (i = 0; i < max; i++) {
		ASSERT_STATS(&before);
		bufs[i] = UNTOUCHED_PTR;
		st = nab_alloc(n, &bufs[i]);
		if (st != ST_SUCCESS)
			break;
	}
	EXPECT_EQ(ST_NOMEM, st) TH_LOG("after %zu buffers of %u", i, n);
	if (i < max) {
		EXPECT_EQ(NULL, bufs[i]);
		EXPECT_NOTHING_ALLOCATED(&before);
	}
	return i;
}

TEST_F(limits, max_buffer_bytes)
{
	DWORD page = NAB_PAGE_SIZE;
	struct nab_stats before;
	LPVOID big, small, p = UNTOUCHED_PTR, q = UNTOUCHED_PTR;

	ASSERT_TRUE(nab_param_write("max_buffer_bytes", 2 * page));
	ASSERT_STATS(&before);
	EXPECT_EQ(ST_NOMEM, nab_alloc(2 * page + 1, &p));
	EXPECT_EQ(NULL, p);
	EXPECT_NOTHING_ALLOCATED(&before);

	ASSERT_EQ(ST_SUCCESS, nab_alloc(2 * page, &big));
	ASSERT_EQ(ST_SUCCESS, nab_alloc(100, &small));
	nab_fill(small, 0, 100, 1);
	nab_fill(big, 0, 2 * page, 2);

	ASSERT_STATS(&before);
	EXPECT_EQ(ST_NOMEM, nab_realloc(small, 2 * page + 1, &q));
	EXPECT_EQ(UNTOUCHED_PTR, q);
	EXPECT_EQ(ST_NOMEM, nab_realloc(big, 3 * page, &q));
	EXPECT_EQ(UNTOUCHED_PTR, q);
	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_SIZE(small, 100);
	EXPECT_SIZE(big, 2 * page);
	EXPECT_EQ(-1, nab_check(small, 0, 100, 1));
	EXPECT_EQ(-1, nab_check(big, 0, 2 * page, 2));

	/* Shrinking is always allowed. */
	EXPECT_EQ(ST_SUCCESS, nab_realloc(big, page, &q));
	EXPECT_EQ(-1, nab_check(q, 0, page, 2));
	EXPECT_EQ(ST_SUCCESS, nab_free(q));
	EXPECT_EQ(ST_SUCCESS, nab_free(small));
}

TEST_F(limits, max_session_bytes)
{
	DWORD page = NAB_PAGE_SIZE;
	LPVOID bufs[64], p = UNTOUCHED_PTR, q = UNTOUCHED_PTR;
	struct nab_stats before;
	size_t i, got;

	ASSERT_TRUE(nab_param_write("max_session_bytes", 16 * page));
	EXPECT_EQ(ST_NOMEM, nab_alloc(16 * page + 1, &p));
	EXPECT_EQ(NULL, p);

	got = allocate_until_refused(_metadata, page, bufs, ARRAY_SIZE(bufs));
	EXPECT_LE((size_t)1, got);
	EXPECT_GE((size_t)16, got);
	ASSERT_LE((size_t)1, got);

	/* Growing one at the limit is refused and keeps it. */
	nab_fill(bufs[0], 0, page, 3);
	ASSERT_STATS(&before);
	EXPECT_EQ(ST_NOMEM, nab_realloc(bufs[0], 4 * page, &q));
	EXPECT_EQ(UNTOUCHED_PTR, q);
	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_EQ(-1, nab_check(bufs[0], 0, page, 3));
	EXPECT_SIZE(bufs[0], page);

	/* Freeing makes room. */
	EXPECT_EQ(ST_SUCCESS, nab_free(bufs[got - 1]));
	EXPECT_EQ(ST_SUCCESS, nab_alloc(page, &bufs[got - 1]));

	for (i = 0; i < got; i++)
		EXPECT_EQ(ST_SUCCESS, nab_free(bufs[i]));
}

TEST_F(limits, max_total_bytes)
{
	DWORD page = NAB_PAGE_SIZE;
	LPVOID bufs[64];
	struct nab_stats base;
	size_t i, got;

	ASSERT_STATS(&base);
	ASSERT_TRUE(nab_param_write("max_total_bytes",
				    base.charged_bytes + 16 * page));

	got = allocate_until_refused(_metadata, page, bufs, ARRAY_SIZE(bufs));
	EXPECT_LE((size_t)1, got);
	EXPECT_GE((size_t)16, got);

	for (i = 0; i < got; i++)
		EXPECT_EQ(ST_SUCCESS, nab_free(bufs[i]));
}

TEST_HARNESS_MAIN
