// SPDX-License-Identifier: GPL-2.0
/*
 * Scale: more live buffers in one process than vm.max_map_count allows
 * mappings (65530 by default), each written and checked, then all freed.
 * The design puts every buffer in the one arena mapping, so
 * /proc/self/maps stays short however many buffers are live.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)

/* Lines /proc/self/maps may grow by: the arena, and a little slack. */
#define MAPS_SLACK	8

FIXTURE(scale) {
	struct nab_stats base;
	LPVOID *bufs;
};

FIXTURE_VARIANT(scale) {
	size_t count;
	bool mixed;	/* mixed small sizes and some multi-page, or 32 bytes */
};

FIXTURE_VARIANT_ADD(scale, mixed_100k) { .count = 100000, .mixed = true };
FIXTURE_VARIANT_ADD(scale, bytes32_1m) { .count = 1000000, .mixed = false };

static DWORD size_of(const FIXTURE_VARIANT(scale) *variant, size_t i)
{
	static const DWORD small[] = { 1, 8, 24, 32, 64, 100, 250, 0, 17 };

	if (!variant->mixed)
		return 32;
	if (i % 1000 == 999)
		return 8192 + 3;
	return small[i % ARRAY_SIZE(small)];
}

FIXTURE_SETUP(scale)
{
	NAB_REQUIRE_DEVICE();
	nab_pattern_init();
	ASSERT_STATS(&self->base);
	self->bufs = calloc(variant->count, sizeof(*self->bufs));
	ASSERT_NE(NULL, self->bufs);
}

FIXTURE_TEARDOWN(scale)
{
	free(self->bufs);
}

TEST_F_TIMEOUT(scale, live_buffers, 1200)
{
	unsigned long long max_map_count = 65530;
	long maps_before, maps_peak;
	long long t0, t_alloc, t_check, t_free;
	unsigned long long bytes = 0;
	size_t i, bad = 0;
	struct nab_stats now;

	if (!nab_read_ull("/proc/sys/vm/max_map_count", &max_map_count))
		TH_LOG("no vm.max_map_count, assuming %llu", max_map_count);
	ASSERT_LT(max_map_count, (unsigned long long)variant->count)
		TH_LOG("raise the count past vm.max_map_count");

	maps_before = nab_maps_lines();
	ASSERT_LT(0, maps_before);

	t0 = nab_now_ms();
	for (i = 0; i < variant->count; i++) {
		DWORD n = size_of(variant, i);
		NET_API_STATUS st = NetApiBufferAllocate(n, &self->bufs[i]);

		ASSERT_EQ(ST_SUCCESS, st)
			TH_LOG("buffer %zu of %zu (%u bytes): status %u", i,
			       variant->count, n, st);
		nab_fill(self->bufs[i], 0, n, i);
		bytes += n;
	}
	t_alloc = nab_now_ms();

	maps_peak = nab_maps_lines();
	EXPECT_GE(maps_before + MAPS_SLACK, maps_peak)
		TH_LOG("/proc/self/maps: %ld lines, %ld before", maps_peak,
		       maps_before);

	ASSERT_STATS(&now);
	EXPECT_EQ(self->base.live_buffers + (long long)variant->count,
		  now.live_buffers);
	EXPECT_LE(self->base.live_bytes + (long long)bytes, now.live_bytes);
	EXPECT_LE(now.live_buffers, now.peak_buffers);

	/* Every buffer still holds its own pattern: no overlap, no loss. */
	for (i = 0; i < variant->count; i++) {
		DWORD n = size_of(variant, i), got = 0;

		if (nab_check(self->bufs[i], 0, n, i) >= 0 ||
		    NetApiBufferSize(self->bufs[i], &got) != ST_SUCCESS ||
		    got != n) {
			if (!bad++)
				TH_LOG("buffer %zu (%p, %u bytes, size %u) "
				       "damaged", i, self->bufs[i], n, got);
		}
	}
	EXPECT_EQ((size_t)0, bad);
	t_check = nab_now_ms();

	for (i = 0; i < variant->count; i++)
		ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(self->bufs[i]))
			TH_LOG("Free of buffer %zu", i);
	t_free = nab_now_ms();

	ASSERT_STATS(&now);
	EXPECT_EQ(self->base.live_buffers, now.live_buffers);
	EXPECT_EQ(self->base.live_bytes, now.live_bytes);

	TH_LOG("%zu buffers, %llu bytes: allocate+fill %lld ms, "
	       "check+size %lld ms, free %lld ms; maps %ld -> %ld lines",
	       variant->count, bytes, t_alloc - t0, t_check - t_alloc,
	       t_free - t_check, maps_before, maps_peak);
}

TEST_HARNESS_MAIN
