/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netapibuf benchmark: what nab-bench and nab-bench-samba share.
 *
 * Every figure is guest time from clock_gettime(CLOCK_MONOTONIC), in a
 * guest that tools/vmrun --icount runs with one guest nanosecond per
 * guest instruction, so that it is the same from run to run. Each result
 * is one line on stdout: "@@ " and a JSON object, which bench/report.py
 * reads.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NAB_BENCH_H
#define NAB_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define NAB_PAGE	4096UL

/* One buffer of a peer: its address, size and whatever else it needs. */
struct nab_buf {
	char *p;
	size_t n;
	intptr_t h;	/* a descriptor, for the peers that have one */
};

/* How a peer's realloc keeps the contents when the buffer moves. */
enum nab_copies {
	NAB_COPY_NONE,	/* pages move (mremap, netapibuf >= 1 page) */
	NAB_COPY_SMALL,	/* netapibuf: only when one side is under a page */
	NAB_COPY_MOVED,	/* copies min(old, new) whenever it moves */
};

/* An allocator under test. Absent operations are NULL. */
struct nab_peer {
	const char *name;
	int (*setup)(void);		/* 0, or -1 when unavailable */
	int (*alloc)(struct nab_buf *b, size_t n);
	void (*free)(struct nab_buf *b);
	int (*realloc)(struct nab_buf *b, size_t n);
	size_t (*size)(const struct nab_buf *b);
	enum nab_copies copies;
	/* Buffers of the live test; 0 skips it. */
	size_t live_n;
	/* For glibc: whether realloc of this buffer moves pages (mremap). */
	int (*remaps)(const struct nab_buf *b);
};

uint64_t nab_now(void);
void nab_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void nab_emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nab_alloc_or_die(const struct nab_peer *peer, struct nab_buf *b, size_t n);

/* Writes one byte in each page of the buffer, as a user of it would. */
static inline void nab_touch(const struct nab_buf *b)
{
	volatile char *p = b->p;
	size_t o;

	for (o = 0; o < b->n; o += NAB_PAGE)
		p[o] = 1;
}

/*
 * The tests named in argv[1..] (alloc_free, size, realloc, live; none or
 * "all" for every one) for one peer.
 */
int nab_bench_main(const struct nab_peer *peer, int argc, char **argv);

#endif /* NAB_BENCH_H */
