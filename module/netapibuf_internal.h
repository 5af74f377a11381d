/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netapibuf: definitions shared by the module's files.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef _NETAPIBUF_INTERNAL_H
#define _NETAPIBUF_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <linux/netapibuf.h>

/*
 * Buffers up to NAB_SMALL_MAX bytes live in slots of shared pages
 * ("chunks"), one size class per chunk; larger buffers get whole pages.
 * The smallest class fixes the alignment every buffer has.
 */
#define NAB_MIN_SHIFT		4
#define NAB_MIN_SIZE		BIT(NAB_MIN_SHIFT)
#define NAB_SMALL_MAX		(PAGE_SIZE / 2)
#define NAB_NR_CLASSES		(PAGE_SHIFT - 1 - NAB_MIN_SHIFT + 1)
#define NAB_MAX_SLOTS		(PAGE_SIZE / NAB_MIN_SIZE)
static_assert(NAB_MIN_SIZE == NETAPIBUF_ALIGN);

/*
 * Every allocation made for a caller: charged to its memory cgroup, and
 * failing rather than waking the OOM killer (memory cgroup limits
 * included) or warning.
 */
#define NAB_GFP		(GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

/* The first pages of every arena are never handed out. */
#define NAB_GUARD_PAGES		16

enum nab_kind {
	NAB_GUARD,
	NAB_CHUNK,
	NAB_LARGE,
};

/* What the session's space tree maps an arena page index to. */
struct nab_obj {
	enum nab_kind kind;
	pgoff_t pgoff;		/* first arena page it covers */
};

/**
 * struct nab_chunk - one page of small buffers of one size class
 * @obj: kind NAB_CHUNK and the page's index in the arena
 * @page: the page, from the page allocator
 * @class: size class: slots are NAB_MIN_SIZE << @class bytes
 * @nr_used: slots in use
 * @partial: in the session's partial list of @class while a slot is free
 * @used: bitmap of the slots in use
 * @size: requested size of each used slot's buffer
 */
struct nab_chunk {
	struct nab_obj obj;
	struct page *page;
	unsigned int class;
	unsigned int nr_used;
	struct list_head partial;
	unsigned long used[BITS_TO_LONGS(NAB_MAX_SLOTS)];
	u16 size[];
};

/**
 * struct nab_large - a buffer of whole pages
 * @obj: kind NAB_LARGE and the index of its first page in the arena
 * @size: requested size in bytes
 * @nr_pages: pages in @pages, DIV_ROUND_UP(@size, PAGE_SIZE), at least 1
 * @cap: room in the @pages array, at least @nr_pages
 * @pages: the pages, each holding one reference of ours
 */
struct nab_large {
	struct nab_obj obj;
	size_t size;
	unsigned long nr_pages;
	unsigned long cap;
	struct page **pages;
};

/**
 * struct nab_session - the state behind one open of /dev/netapibuf
 * @lock: protects every field below and every buffer of the session;
 *	taken inside mmap_lock by the fault handler, so never held across
 *	copy_to_user() or anything else that may fault on user memory; the
 *	page locks of the session's pages nest inside it (mmap.c)
 * @space: arena page index -> struct nab_obj (guard, chunk or large buffer)
 * @partial: per size class, the chunks that have a free slot
 * @mapping: the session's own address space, which the arena maps; used
 *	to unmap freed pages from every VMA of the arena at once
 * @inode: the inode that owns @mapping
 * @mm: the process that opened the session (pinned with mmgrab())
 * @arena_base: user address of the arena, 0 until it is mapped
 * @arena_pages: length of the arena in pages
 * @nr_buffers: live buffers
 * @bytes: sum of the live buffers' sizes
 * @peak_bytes: highest @bytes seen
 * @pages: pages backing the session's buffers
 * @pid: thread group id of the opener, for the debugfs listing
 * @comm: command name of the opener, for the debugfs listing
 * @node: in the list of all sessions
 */
struct nab_session {
	struct mutex lock;		/* see above */
	struct maple_tree space;
	struct list_head partial[NAB_NR_CLASSES];
	struct address_space *mapping;
	struct inode *inode;
	struct mm_struct *mm;
	unsigned long arena_base;
	unsigned long arena_pages;
	u64 nr_buffers;
	u64 bytes;
	u64 peak_bytes;
	u64 pages;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	struct list_head node;
};

/* Module parameters (main.c). */
extern unsigned long nab_max_buffer_bytes;
extern unsigned long nab_max_session_bytes;
extern unsigned long nab_max_total_bytes;
extern unsigned long nab_arena_size;

/* session.c */
extern struct nab_obj nab_guard;
struct nab_session *nab_session_create(void);
void nab_session_destroy(struct nab_session *s);

/* buffer.c: all called with the session unlocked */
int nab_buf_alloc(struct nab_session *s, u64 size, unsigned long *addr);
int nab_buf_free(struct nab_session *s, unsigned long addr);
int nab_buf_realloc(struct nab_session *s, unsigned long addr, u64 size,
		    unsigned long *new_addr);
int nab_buf_size(struct nab_session *s, unsigned long addr, u64 *size);
void nab_buf_free_all(struct nab_session *s);
int nab_buf_adopt(struct nab_session *s, struct page **pages,
		  unsigned long nr, size_t size, unsigned long *addr);
int nab_pages_alloc(struct page **pages, unsigned long nr);
void nab_pages_free(struct page **pages, unsigned long nr);

/* agent.c */
struct netapibuf_agent_call;
int nab_agent_call(struct nab_session *s, struct netapibuf_agent_call *cmd);
extern const struct attribute_group nab_agents_group;
struct nab_obj *nab_obj_lookup(struct nab_session *s, pgoff_t pgoff);

/* mmap.c */
int nab_mmap(struct file *file, struct vm_area_struct *vma);
void nab_unmap_pages(struct nab_session *s, pgoff_t pgoff,
		     struct page **pages, unsigned long nr);

/* stats.c */
struct nab_stats {
	atomic64_t sessions;
	atomic64_t live_buffers;
	atomic64_t live_bytes;
	atomic64_t peak_buffers;
	atomic64_t peak_bytes;
	atomic64_t alloc_failures;
	atomic64_t pages;
};

extern struct nab_stats nab_stats;
extern const struct attribute_group nab_stats_group;

int nab_charge(struct nab_session *s, u64 bytes);
void nab_uncharge(struct nab_session *s, u64 bytes);
void nab_count_buffer(struct nab_session *s, int delta);
void nab_count_pages(struct nab_session *s, long delta);
void nab_sessions_add(struct nab_session *s);
void nab_sessions_del(struct nab_session *s);
void nab_debugfs_init(void);
void nab_debugfs_exit(void);

#endif /* _NETAPIBUF_INTERNAL_H */
