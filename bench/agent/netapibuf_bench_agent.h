/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * netapibuf_bench_agent: what the module and bench/bench.c share.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef _NETAPIBUF_BENCH_AGENT_H
#define _NETAPIBUF_BENCH_AGENT_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The 64-bit word at byte offset o of every result holds o + this. */
#define NAB_BENCH_MAGIC		0x6e6162656e636821ULL
/* Largest result and read(2), and most pages of NAB_BENCH_IOC_PAGES. */
#define NAB_BENCH_MAX		(64ULL << 20)
/* pread(2) at this offset copies without producing the bytes again. */
#define NAB_BENCH_COPY_ONLY	(1LL << 40)

/**
 * struct nab_bench_pages - NAB_BENCH_IOC_PAGES: time the page allocator
 * @nr: in: pages to allocate, a multiple of 1 << @order
 * @order: in: allocate blocks of 1 << @order pages and split_page() them
 * @zero: in: non-zero for __GFP_ZERO
 * @alloc_ns: out: kernel time allocating all of them
 * @free_ns: out: kernel time freeing them, one page at a time
 */
struct nab_bench_pages {
	__u64 nr;
	__u32 order;
	__u32 zero;
	__u64 alloc_ns;
	__u64 free_ns;
};

#define NAB_BENCH_IOC_PAGES	_IOWR('b', 1, struct nab_bench_pages)

/**
 * struct nab_bench_copy - NAB_BENCH_IOC_COPY: time what every ioctl does
 * @iters: in: times to do each
 * @size: in: bytes per copy, at most 256
 * @buf: in: user buffer of @size bytes
 * @from_ns: out: kernel time of @iters copy_from_user()
 * @to_ns: out: kernel time of @iters copy_to_user()
 * @struct_ns: out: kernel time of @iters copy_struct_from_user()
 * @mutex_ns: out: kernel time of @iters mutex_lock() + mutex_unlock()
 */
struct nab_bench_copy {
	__u64 iters;
	__u64 size;
	__u64 buf;
	__u64 from_ns;
	__u64 to_ns;
	__u64 struct_ns;
	__u64 mutex_ns;
};

#define NAB_BENCH_IOC_COPY	_IOWR('b', 2, struct nab_bench_copy)

#endif /* _NETAPIBUF_BENCH_AGENT_H */
