// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: KUnit tests of the buffer core.
 *
 * Built into the module only when kbuild is given
 * CONFIG_NETAPIBUF_KUNIT_TEST=y (make check does so for the debug
 * kernel); the tests then run when the module loads and report in
 * /sys/kernel/debug/kunit/netapibuf/results.
 *
 * A session made here has no process and no mapping: its arena base is a
 * made-up address, and the tests reach buffer contents through the pages.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <kunit/test.h>
#include <linux/mm.h>

#include "netapibuf_internal.h"

#define NAB_TEST_BASE	0x100000000UL

static int nab_test_init(struct kunit *test)
{
	struct nab_session *s = nab_session_create();

	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	s->arena_base = NAB_TEST_BASE;
	test->priv = s;
	return 0;
}

static void nab_test_exit(struct kunit *test)
{
	nab_session_destroy(test->priv);
}

/* The kernel address of byte @offset of the buffer at @addr. */
static u8 *nab_test_ptr(struct nab_session *s, unsigned long addr,
			size_t offset)
{
	unsigned long off = addr - s->arena_base + offset, nr;
	struct page **pages, *page = NULL;

	mutex_lock(&s->lock);
	pages = nab_arena_pages_at(s, off >> PAGE_SHIFT, &nr);
	if (pages)
		page = pages[0];
	mutex_unlock(&s->lock);
	return page ? (u8 *)page_address(page) + offset_in_page(off) : NULL;
}

/*
 * Walk bytes [from, to) of a buffer a page piece at a time: @fn gets the
 * kernel address of each piece, its length and its offset in the buffer.
 */
static bool nab_test_walk(struct nab_session *s, unsigned long addr,
			  size_t from, size_t to, u8 seed,
			  bool (*fn)(u8 *p, size_t len, size_t at, u8 seed))
{
	while (from < to) {
		size_t in = offset_in_page(addr - s->arena_base + from);
		size_t len = min_t(size_t, to - from, PAGE_SIZE - in);

		if (!fn(nab_test_ptr(s, addr, from), len, from, seed))
			return false;
		from += len;
	}
	return true;
}

static bool nab_test_zero_fn(u8 *p, size_t len, size_t at, u8 seed)
{
	return !memchr_inv(p, 0, len);
}

static bool nab_test_fill_fn(u8 *p, size_t len, size_t at, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = seed + at + i;
	return true;
}

static bool nab_test_check_fn(u8 *p, size_t len, size_t at, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (u8)(seed + at + i))
			return false;
	return true;
}

static bool nab_test_is_zero(struct nab_session *s, unsigned long addr,
			     size_t from, size_t to)
{
	return nab_test_walk(s, addr, from, to, 0, nab_test_zero_fn);
}

static void nab_test_fill(struct nab_session *s, unsigned long addr,
			  size_t len, u8 seed)
{
	nab_test_walk(s, addr, 0, len, seed, nab_test_fill_fn);
}

static bool nab_test_check(struct nab_session *s, unsigned long addr,
			   size_t len, u8 seed)
{
	return nab_test_walk(s, addr, 0, len, seed, nab_test_check_fn);
}

static const size_t nab_test_sizes[] = {
	0, 1, 15, 16, 17, 100, 2047, 2048, 2049, 4095, 4096, 4097, 65536 + 3,
};

static void nab_test_alloc_sizes(struct kunit *test)
{
	struct nab_session *s = test->priv;
	unsigned long addr[ARRAY_SIZE(nab_test_sizes)];
	unsigned int i;
	u64 size;

	for (i = 0; i < ARRAY_SIZE(nab_test_sizes); i++) {
		KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, nab_test_sizes[i],
						    &addr[i]), 0);
		KUNIT_EXPECT_EQ(test, addr[i] % NETAPIBUF_ALIGN, 0UL);
		KUNIT_EXPECT_GE(test, addr[i],
				NAB_TEST_BASE + NAB_GUARD_PAGES * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, nab_buf_size(s, addr[i], &size), 0);
		KUNIT_EXPECT_EQ(test, size, (u64)nab_test_sizes[i]);
		KUNIT_EXPECT_TRUE(test, nab_test_is_zero(s, addr[i], 0,
							 nab_test_sizes[i]));
		nab_test_fill(s, addr[i], nab_test_sizes[i], i);
	}
	KUNIT_EXPECT_EQ(test, s->nr_buffers, (u64)ARRAY_SIZE(nab_test_sizes));

	/* No two buffers overlap: each still holds its own pattern. */
	for (i = 0; i < ARRAY_SIZE(nab_test_sizes); i++) {
		KUNIT_EXPECT_TRUE(test, nab_test_check(s, addr[i],
						       nab_test_sizes[i], i));
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, addr[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, s->nr_buffers, 0ULL);
	KUNIT_EXPECT_EQ(test, s->bytes, 0ULL);
}

static void nab_test_lookup(struct kunit *test)
{
	struct nab_session *s = test->priv;
	unsigned long small, large;
	u64 size;

	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 32, &small), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 3 * PAGE_SIZE, &large), 0);

	/* Interior pointers, neighbours, the guard and outside the arena. */
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, small + 16, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, small + 32, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, small + 1, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, large + PAGE_SIZE, &size),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, large + 8, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, NAB_TEST_BASE, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, NAB_TEST_BASE - 16, &size),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, 0, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, NAB_TEST_BASE +
					   (s->arena_pages << PAGE_SHIFT),
					   &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, small + 16), -EINVAL);

	KUNIT_EXPECT_EQ(test, nab_buf_free(s, small), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, small), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_size(s, small, &size), -EINVAL);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, large), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, large), -EINVAL);
}

static void nab_test_reuse_zeroed(struct kunit *test)
{
	struct nab_session *s = test->priv;
	unsigned long a, b;

	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 64, &a), 0);
	nab_test_fill(s, a, 64, 7);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 64, &b), 0);
	KUNIT_EXPECT_EQ(test, a, b);
	KUNIT_EXPECT_TRUE(test, nab_test_is_zero(s, b, 0, 64));
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, b), 0);
}

struct nab_test_resize {
	size_t from, to;
};

static const struct nab_test_resize nab_test_resizes[] = {
	{ 10, 16 }, { 16, 10 }, { 10, 100 }, { 100, 10 }, { 100, 5000 },
	{ 5000, 100 }, { 5000, 5001 }, { 5000, 3 * PAGE_SIZE + 1 },
	{ 3 * PAGE_SIZE + 1, 5000 }, { 1 << 20, 1 << 21 }, { 1 << 21, 1 << 20 },
	{ 2048, 2049 }, { 2049, 2048 },
	/* From a page array in the descriptor to one of its own, and back. */
	{ 16 * PAGE_SIZE, 1 << 20 }, { 1 << 20, 16 * PAGE_SIZE },
};

/* What limits.c charges for a buffer the allocator makes of @size. */
static u64 nab_test_held(size_t size)
{
	if (size <= NAB_MIN_SIZE)
		return NAB_MIN_SIZE;
	if (size <= NAB_SMALL_MAX)
		return roundup_pow_of_two(size);
	return DIV_ROUND_UP(size, PAGE_SIZE) *
	       (PAGE_SIZE + 2 * sizeof(struct page *));
}

static void nab_test_realloc(struct kunit *test)
{
	struct nab_session *s = test->priv;
	unsigned long addr, blocker, new_addr;
	unsigned int i;
	u64 size;

	for (i = 0; i < ARRAY_SIZE(nab_test_resizes); i++) {
		const struct nab_test_resize *r = &nab_test_resizes[i];
		size_t keep = min(r->from, r->to);

		KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, r->from, &addr), 0);
		/* Something right after it, so that growing must move. */
		KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 2 * PAGE_SIZE, &blocker),
				0);
		nab_test_fill(s, addr, r->from, i);
		KUNIT_ASSERT_EQ(test, nab_buf_realloc(s, addr, r->to, &new_addr),
				0);
		KUNIT_EXPECT_TRUE(test, nab_test_check(s, new_addr, keep, i));
		KUNIT_EXPECT_TRUE(test, nab_test_is_zero(s, new_addr, keep,
							 r->to));
		KUNIT_EXPECT_EQ(test, nab_buf_size(s, new_addr, &size), 0);
		KUNIT_EXPECT_EQ(test, size, (u64)r->to);
		KUNIT_EXPECT_EQ(test, s->bytes, (u64)r->to + 2 * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, s->charged, nab_test_held(r->to) +
				nab_test_held(2 * PAGE_SIZE));
		if (new_addr != addr)
			KUNIT_EXPECT_EQ(test, nab_buf_size(s, addr, &size),
					-EINVAL);
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, new_addr), 0);
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, blocker), 0);
	}
	KUNIT_EXPECT_EQ(test, s->nr_buffers, 0ULL);
	KUNIT_EXPECT_EQ(test, s->bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
}

/* A large buffer with free arena after it grows where it is. */
static void nab_test_realloc_in_place(struct kunit *test)
{
	struct nab_session *s = test->priv;
	unsigned long addr, new_addr;

	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, PAGE_SIZE, &addr), 0);
	nab_test_fill(s, addr, PAGE_SIZE - 100, 3);
	KUNIT_ASSERT_EQ(test, nab_buf_realloc(s, addr, PAGE_SIZE - 100,
					      &new_addr), 0);
	KUNIT_EXPECT_EQ(test, new_addr, addr);
	/* What lies past the size after shrinking reads zero after growing. */
	*nab_test_ptr(s, addr, PAGE_SIZE - 50) = 0xff;
	KUNIT_ASSERT_EQ(test, nab_buf_realloc(s, addr, 64 * PAGE_SIZE,
					      &new_addr), 0);
	KUNIT_EXPECT_EQ(test, new_addr, addr);
	KUNIT_EXPECT_TRUE(test, nab_test_check(s, addr, PAGE_SIZE - 100, 3));
	KUNIT_EXPECT_TRUE(test, nab_test_is_zero(s, addr, PAGE_SIZE - 100,
						 64 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, s->pages, 64ULL);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, addr), 0);
	KUNIT_EXPECT_EQ(test, s->pages, 0ULL);
}

static void nab_test_limits(struct kunit *test)
{
	unsigned long saved_buffer = nab_max_buffer_bytes;
	unsigned long saved_session = nab_max_session_bytes;
	struct nab_session *s = test->priv;
	unsigned long a, b;
	u64 failures = atomic64_read(&nab_stats.alloc_failures);

	/* max_buffer_bytes bounds the size asked for, not what it holds. */
	nab_max_buffer_bytes = 8192;
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 8193, &a), -EDQUOT);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 8192, &a), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_realloc(s, a, 8193, &b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, a), 0);
	nab_max_buffer_bytes = saved_buffer;

	/* max_session_bytes counts slots: 600 bytes take 1024. */
	nab_max_session_bytes = 1024;
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 600, &a), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 0, &b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, nab_buf_realloc(s, a, 512, &a), 0);
	KUNIT_EXPECT_EQ(test, s->charged, 512ULL);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 257, &b), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 0, &b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 513, &b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, nab_buf_realloc(s, a, 513, &b), -EDQUOT);
	KUNIT_EXPECT_EQ(test, s->bytes, 769ULL);
	KUNIT_EXPECT_EQ(test, s->charged, 1024ULL);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, b), 0);
	nab_max_session_bytes = saved_session;

	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.alloc_failures),
			failures + 6);
	KUNIT_EXPECT_EQ(test, s->bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
}

/*
 * What each buffer is charged: its slot (16 bytes for 0), its whole pages
 * and their array, an agent's result its pages whatever its size; and a
 * large buffer that shrank gives back its pages and their array.
 */
static void nab_test_charges(struct kunit *test)
{
	static const size_t sizes[] = {
		0, 1, 16, 17, 100, 2048, 2049, PAGE_SIZE, PAGE_SIZE + 1,
		5 * PAGE_SIZE,
	};
	u64 per_page = PAGE_SIZE + 2 * sizeof(struct page *);
	struct nab_session *s = test->priv;
	s64 total = atomic64_read(&nab_stats.charged_bytes);
	unsigned long addr, new_addr, offset;
	struct nab_pages pv = {};
	struct nab_obj *obj;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, sizes[i], &addr), 0);
		KUNIT_EXPECT_EQ(test, s->charged, nab_test_held(sizes[i]));
		KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.charged_bytes),
				total + (s64)nab_test_held(sizes[i]));
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, addr), 0);
		KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
	}
	KUNIT_EXPECT_EQ(test, nab_test_held(0), 16ULL);
	KUNIT_EXPECT_EQ(test, nab_test_held(17), 32ULL);
	KUNIT_EXPECT_EQ(test, nab_test_held(2049), per_page);

	/* 64 pages shrunk to 2: their array goes too. */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 64 * PAGE_SIZE, &addr), 0);
	KUNIT_EXPECT_EQ(test, s->charged, 64 * per_page);
	KUNIT_ASSERT_EQ(test, nab_buf_realloc(s, addr, PAGE_SIZE + 1,
					      &new_addr), 0);
	KUNIT_EXPECT_EQ(test, s->charged, 2 * per_page);
	mutex_lock(&s->lock);
	obj = nab_arena_at(s, new_addr, &offset);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_LE(test, container_of(obj, struct nab_large, obj)->pv.cap,
			4UL);
	mutex_unlock(&s->lock);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, new_addr), 0);

	/* An agent's 100-byte result holds a page. */
	KUNIT_ASSERT_EQ(test, nab_pages_alloc(&pv, 1), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_adopt(s, &pv, 100, &addr, NULL), 0);
	KUNIT_EXPECT_EQ(test, s->charged, per_page);
	/* Moved into a slot when it is resized to a small size. */
	KUNIT_ASSERT_EQ(test, nab_buf_realloc(s, addr, 200, &new_addr), 0);
	KUNIT_EXPECT_EQ(test, s->charged, 256ULL);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, new_addr), 0);
	KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.charged_bytes), total);
}

static void nab_test_arena_full(struct kunit *test)
{
	struct nab_session *s = test->priv;
	unsigned long a, b;

	s->arena_pages = NAB_GUARD_PAGES + 4;
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 5 * PAGE_SIZE, &a), -ENOSPC);
	KUNIT_EXPECT_EQ(test, s->pages, 0ULL);
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 4 * PAGE_SIZE, &a), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 16, &b), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nab_buf_realloc(s, a, 5 * PAGE_SIZE, &b),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 16, &b), 0);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, b), 0);
}

/*
 * A buffer a command made is held until its address is out: no other call
 * finds it, so none can free it and put another buffer at its address,
 * and the command's undo frees exactly it. The old undo freed by address:
 * after free(a) and a new alloc at a, it freed the new buffer.
 */
static void nab_test_hold(struct kunit *test)
{
	static const u64 sizes[] = { 0, 64, 2048, PAGE_SIZE + 1 };
	struct nab_session *s = test->priv;
	unsigned long a, b, new_addr;
	struct nab_pages pv;
	struct nab_ref hold;
	unsigned int i;
	u64 size, pages;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_ASSERT_EQ(test, nab_buf_alloc_held(s, sizes[i], &a, &hold),
				0);
		KUNIT_EXPECT_TRUE(test, nab_ref_valid(&hold));
		KUNIT_EXPECT_EQ(test, s->nr_buffers, 1ULL);
		/* Not found: what another thread could do to it, it cannot. */
		KUNIT_EXPECT_EQ(test, nab_buf_size(s, a, &size), -EINVAL);
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, a), -EINVAL);
		KUNIT_EXPECT_EQ(test, nab_buf_realloc(s, a, 3 * PAGE_SIZE,
						      &new_addr), -EINVAL);
		/* So no other buffer takes its address. */
		KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, sizes[i], &b), 0);
		KUNIT_EXPECT_NE(test, a, b);
		/* The undo frees the held buffer and nothing else. */
		nab_buf_unmake(s, &hold);
		KUNIT_EXPECT_FALSE(test, nab_ref_valid(&hold));
		KUNIT_EXPECT_EQ(test, s->nr_buffers, 1ULL);
		KUNIT_EXPECT_EQ(test, nab_buf_size(s, b, &size), 0);
		KUNIT_EXPECT_EQ(test, size, sizes[i]);
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, b), 0);

		/* Published, it is an ordinary buffer. */
		KUNIT_ASSERT_EQ(test, nab_buf_alloc_held(s, sizes[i], &a, &hold),
				0);
		nab_buf_publish(&hold);
		KUNIT_EXPECT_FALSE(test, nab_ref_valid(&hold));
		KUNIT_EXPECT_EQ(test, nab_buf_size(s, a, &size), 0);
		KUNIT_EXPECT_EQ(test, nab_buf_free(s, a), 0);
		KUNIT_EXPECT_EQ(test, s->nr_buffers, 0ULL);
		KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
	}

	/* An agent's result, adopted held; the spare chunk pages stay. */
	pages = s->pages;
	KUNIT_ASSERT_EQ(test, nab_pages_alloc(&pv, 2), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_adopt(s, &pv, PAGE_SIZE + 1, &a, &hold),
			0);
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, a), -EINVAL);
	nab_buf_unmake(s, &hold);
	KUNIT_EXPECT_EQ(test, s->nr_buffers, 0ULL);
	KUNIT_EXPECT_EQ(test, s->pages, pages);
	KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
}

/* Session teardown frees whatever is left, and the counters agree. */
static void nab_test_teardown(struct kunit *test)
{
	s64 buffers = atomic64_read(&nab_stats.live_buffers);
	s64 bytes = atomic64_read(&nab_stats.live_bytes);
	s64 pages = atomic64_read(&nab_stats.pages);
	s64 charged = atomic64_read(&nab_stats.charged_bytes);
	struct nab_session *s = nab_session_create();
	unsigned long addr;
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	s->arena_base = NAB_TEST_BASE;
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, (i * 37) % 9000, &addr),
				0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.live_buffers),
			buffers + 1000);
	nab_session_destroy(s);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.live_buffers), buffers);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.live_bytes), bytes);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.pages), pages);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.charged_bytes), charged);
}

/*
 * The pool (limits.c): only pages the session itself freed, unzeroed and
 * only to that session, charged a page each while kept, bounded by
 * pool_bytes, given back when a charge would fail and when the session
 * goes.
 */
static void nab_test_pool(struct kunit *test)
{
	unsigned long saved_pool = nab_pool_bytes;
	unsigned long saved_session = nab_max_session_bytes;
	u64 per_page = PAGE_SIZE + 2 * sizeof(struct page *);
	s64 pooled = atomic64_read(&nab_stats.pool_pages);
	s64 charged = atomic64_read(&nab_stats.charged_bytes);
	struct nab_session *s = test->priv, *t;
	struct nab_pages pv = {}, pv_t = {};
	unsigned long addr;
	u8 *last;

	t = nab_session_create();
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	t->arena_base = NAB_TEST_BASE;
	nab_pool_bytes = 16 * PAGE_SIZE;

	/* No pool before an agent asks: a freed buffer's pages go. */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 8 * PAGE_SIZE, &addr), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, addr), 0);
	KUNIT_EXPECT_EQ(test, s->pool.nr, 0UL);
	KUNIT_ASSERT_EQ(test, nab_pages_alloc_array(&pv, 3), 0);
	KUNIT_ASSERT_EQ(test, nab_pages_alloc_array(&pv_t, 3), 0);
	KUNIT_EXPECT_EQ(test, nab_pool_take(s, &pv), 0UL);
	KUNIT_EXPECT_EQ(test, nab_pool_take(t, &pv_t), 0UL);
	KUNIT_ASSERT_NOT_NULL(test, s->pool.pages);

	/* Now kept, charged a page each; the last page is the last kept. */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 8 * PAGE_SIZE, &addr), 0);
	nab_test_fill(s, addr, 8 * PAGE_SIZE, 0xa5);
	last = nab_test_ptr(s, addr, 7 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, addr), 0);
	KUNIT_EXPECT_EQ(test, s->pool.nr, 8UL);
	KUNIT_EXPECT_EQ(test, s->charged, 8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.pool_pages), pooled + 8);

	/* Another session gets none of them. */
	KUNIT_EXPECT_EQ(test, nab_pool_take(t, &pv_t), 0UL);
	KUNIT_EXPECT_EQ(test, pv_t.nr, 0UL);

	/* The session gets them back as they were: not zeroed again. */
	KUNIT_EXPECT_EQ(test, nab_pool_take(s, &pv), 3UL);
	KUNIT_EXPECT_EQ(test, s->pool.nr, 5UL);
	KUNIT_EXPECT_EQ(test, s->charged, 5 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)page_address(pv.pages[2]), last);
	KUNIT_EXPECT_EQ(test, last[0], (u8)(0xa5 + 7 * PAGE_SIZE));
	nab_pages_release(&pv);

	/* Bounded by pool_bytes: of 16 more pages, 11 are kept. */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 16 * PAGE_SIZE, &addr), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, addr), 0);
	KUNIT_EXPECT_EQ(test, s->pool.nr, 16UL);

	/* A charge the pool is in the way of drains it and succeeds. */
	nab_max_session_bytes = 20 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 8 * PAGE_SIZE, &addr), 0);
	KUNIT_EXPECT_EQ(test, s->pool.nr, 0UL);
	KUNIT_EXPECT_EQ(test, s->charged, 8 * per_page);
	nab_max_session_bytes = saved_session;
	KUNIT_EXPECT_EQ(test, nab_buf_free(s, addr), 0);
	KUNIT_EXPECT_EQ(test, s->pool.nr, 8UL);

	/* A session that goes gives its pool back. */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(t, 4 * PAGE_SIZE, &addr), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(t, addr), 0);
	KUNIT_EXPECT_EQ(test, t->pool.nr, 4UL);
	nab_session_destroy(t);
	nab_pages_release(&pv_t);
	KUNIT_EXPECT_TRUE(test, nab_pool_drain(s));
	KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.pool_pages), pooled);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.charged_bytes), charged);
	nab_pool_bytes = saved_pool;
}

/*
 * The kept buffer (limits.c): the last large buffer of up to
 * NAB_LARGE_FEW pages a session without a pool freed, given zeroed to
 * its next allocation of as many pages; counted against the limits but
 * not in the charges; given back when a charge would fail and when the
 * pool would be; none with pool_bytes 0.
 */
static void nab_test_kept(struct kunit *test)
{
	unsigned long saved_session = nab_max_session_bytes;
	unsigned long saved_pool = nab_pool_bytes;
	u64 per_page = PAGE_SIZE + 2 * sizeof(struct page *);
	s64 kept = atomic64_read(&nab_stats.kept_pages);
	struct nab_session *s = test->priv;
	unsigned long a, b;
	struct nab_large *lb;
	u8 *first;

	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 16 * PAGE_SIZE, &a), 0);
	nab_test_fill(s, a, 16 * PAGE_SIZE, 0x5a);
	first = nab_test_ptr(s, a, 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, a), 0);
	lb = s->kept;
	KUNIT_ASSERT_NOT_NULL(test, lb);
	KUNIT_EXPECT_EQ(test, s->charged, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.kept_pages), kept + 16);

	/* Another page count leaves it; the same one gets it, zeroed. */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 8 * PAGE_SIZE, &b), 0);
	KUNIT_EXPECT_PTR_EQ(test, s->kept, lb);
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 15 * PAGE_SIZE + 1, &a), 0);
	KUNIT_EXPECT_NULL(test, s->kept);
	KUNIT_EXPECT_PTR_EQ(test, nab_test_ptr(s, a, 0), first);
	KUNIT_EXPECT_TRUE(test, nab_test_is_zero(s, a, 0, 16 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.kept_pages), kept);

	/* In the way of a charge: given back, and the charge succeeds. */
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_ASSERT_NOT_NULL(test, s->kept);
	nab_max_session_bytes = 28 * per_page;
	KUNIT_EXPECT_EQ(test, nab_buf_alloc(s, 8 * PAGE_SIZE, &a), 0);
	KUNIT_EXPECT_NULL(test, s->kept);
	KUNIT_EXPECT_EQ(test, s->charged, 16 * per_page);
	nab_max_session_bytes = saved_session;

	/* One at a time; none with pool_bytes 0; the pool's drain frees it. */
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, b), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.kept_pages), kept + 8);
	KUNIT_EXPECT_TRUE(test, nab_pool_drain(s));
	KUNIT_EXPECT_NULL(test, s->kept);
	nab_pool_bytes = 0;
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 8 * PAGE_SIZE, &a), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_EXPECT_NULL(test, s->kept);
	nab_pool_bytes = saved_pool;
	KUNIT_EXPECT_EQ(test, atomic64_read(&nab_stats.kept_pages), kept);

	/* The session's end gives it back (kmemleak would see it if not). */
	KUNIT_ASSERT_EQ(test, nab_buf_alloc(s, 4 * PAGE_SIZE, &a), 0);
	KUNIT_ASSERT_EQ(test, nab_buf_free(s, a), 0);
	KUNIT_EXPECT_NOT_NULL(test, s->kept);
}

static struct kunit_case nab_test_cases[] = {
	KUNIT_CASE(nab_test_alloc_sizes),
	KUNIT_CASE(nab_test_lookup),
	KUNIT_CASE(nab_test_reuse_zeroed),
	KUNIT_CASE(nab_test_realloc),
	KUNIT_CASE(nab_test_realloc_in_place),
	KUNIT_CASE(nab_test_limits),
	KUNIT_CASE(nab_test_charges),
	KUNIT_CASE(nab_test_arena_full),
	KUNIT_CASE(nab_test_hold),
	KUNIT_CASE(nab_test_teardown),
	KUNIT_CASE(nab_test_pool),
	KUNIT_CASE(nab_test_kept),
	{}
};

static struct kunit_suite nab_test_suite = {
	.name = "netapibuf",
	.init = nab_test_init,
	.exit = nab_test_exit,
	.test_cases = nab_test_cases,
};

kunit_test_suite(nab_test_suite);
