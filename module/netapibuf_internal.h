/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netapibuf: definitions shared by the module's files.
 *
 * The files depend on each other one way only: each calls only files
 * listed before it, never one after it (the arena reaches its objects'
 * pages through struct nab_obj_ops, not by calling buffer.c):
 *
 *   compat.h, pages.c (page vectors), stats.c (counters),
 *   limits.c (parameters, checks, charges),
 *   arena.c (space tree, guard, mmap, faults),
 *   buffer.c (chunks and large buffers), chunks.c (delegated chunks),
 *   session.c, agent.c (kernel API),
 *   main.c (device, ioctls), kunit.c (tests of all of it)
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

/**
 * struct nab_pages - a vector of whole pages (pages.c)
 * @pages: the pages, each holding one reference of the vector's
 * @nr: pages in @pages
 * @cap: room in the @pages array, at least @nr
 * @fixed: @pages is not the vector's own allocation but an array inside
 *	its owner's descriptor: never freed or shrunk here, and replaced by
 *	an allocated one when the vector grows past @cap
 */
struct nab_pages {
	struct page **pages;
	unsigned long nr;
	unsigned long cap;
	bool fixed;
};

/* A growth by this many pages or fewer allocates no array for them. */
#define NAB_GROWTH_FEW		4

/**
 * struct nab_pages_growth - what growing a vector takes, allocated ahead
 * @add: the new pages; @add.pages is @few for a growth of NAB_GROWTH_FEW
 *	pages or fewer (so a growth is never copied, only used in place)
 * @room: an empty vector with room for all, if the old array is too small
 * @few: the array of a small @add
 */
struct nab_pages_growth {
	struct nab_pages add;
	struct nab_pages room;
	struct page *few[NAB_GROWTH_FEW];
};

struct nab_obj;
struct nab_user;
struct nab_keeper;

/**
 * struct nab_obj_ops - what the arena asks of what occupies it
 * @pages: the object's pages from its page @index on; stores in *@nr how
 *	many there are from there, at least 1; NULL if @index is past its
 *	last page. Called with the session locked.
 */
struct nab_obj_ops {
	struct page **(*pages)(struct nab_obj *obj, unsigned long index,
			       unsigned long *nr);
};

/**
 * struct nab_obj - what the session's space tree maps arena pages to
 * @ops: how to reach its pages
 * @pgoff: first arena page it covers
 */
struct nab_obj {
	const struct nab_obj_ops *ops;
	pgoff_t pgoff;
};

/**
 * struct nab_chunk - one page of small buffers of one size class
 * @obj: its place in the arena, one page
 * @page: the page, from the page allocator
 * @class: size class: slots are NAB_MIN_SIZE << @class bytes
 * @nr_used: slots in use
 * @partial: in the session's partial list of @class while a slot is free
 * @used: bitmap of the slots in use
 * @held: bitmap of the used slots whose buffer is held (struct nab_ref);
 *	set with the session locked, cleared by nab_buf_publish() without
 *	it, so changed with atomic bitops only
 * @size: requested size of each used slot's buffer
 */
struct nab_chunk {
	struct nab_obj obj;
	struct page *page;
	unsigned int class;
	unsigned int nr_used;
	struct list_head partial;
	unsigned long used[BITS_TO_LONGS(NAB_MAX_SLOTS)];
	unsigned long held[BITS_TO_LONGS(NAB_MAX_SLOTS)];
	u16 size[];
};

/**
 * struct nab_large - a buffer of whole pages
 * @obj: its place in the arena, @pv.nr pages
 * @size: requested size in bytes
 * @pv: the pages, DIV_ROUND_UP(@size, PAGE_SIZE) of them, at least 1
 * @flags: NAB_LARGE_HELD while the buffer is held (struct nab_ref);
 *	atomic bitops, as for &nab_chunk.held
 * @few: the page array of a buffer made with NAB_LARGE_FEW pages or
 *	fewer (@pv.fixed), allocated with the descriptor; empty otherwise
 */
struct nab_large {
	struct nab_obj obj;
	size_t size;
	struct nab_pages pv;
	unsigned long flags;
	struct page *few[];
};

#define NAB_LARGE_HELD		0

/*
 * A buffer of this many pages or fewer (64 KiB with 4 KiB pages) has its
 * page array in its descriptor: one allocation and one free less for
 * each, and the descriptor stays small (192 bytes) even when the buffer
 * shrinks and its array does not (the limits count 16 bytes a page of
 * array, limits.c).
 */
#define NAB_LARGE_FEW		16

/**
 * struct nab_ref - one buffer, by identity: a slot of a chunk or a large
 *	buffer
 * @chunk: the chunk, or NULL for a large buffer
 * @slot: the slot in @chunk
 * @large: the large buffer, or NULL for a slot
 *
 * A command that makes a buffer (ALLOC, AGENT_CALL) gets it *held*: no
 * other call finds it by its address (FREE, SIZE and REALLOC say EINVAL,
 * as for an address never handed out) until the command has copied the
 * address out and publishes it (nab_buf_publish()), or fails and frees
 * exactly this buffer (nab_buf_unmake()). Since nothing else can free a
 * held buffer, the pointers stay valid until then, and no other buffer
 * can take its address meanwhile.
 */
struct nab_ref {
	struct nab_chunk *chunk;
	unsigned int slot;
	struct nab_large *large;
};

/* Whether @ref names a buffer. */
static inline bool nab_ref_valid(const struct nab_ref *ref)
{
	return ref->chunk || ref->large;
}

/**
 * struct nab_deleg - a page of the arena delegated to the process (chunks.c)
 * @obj: its place in the arena, one page
 * @page: the page, from the page allocator
 * @node: in the session's list of delegated chunks
 * @hold: in the list of the CHUNKS_GET that made it, while @held
 * @held: made by a CHUNKS_GET that has not returned yet: PUT refuses it
 *	(as struct nab_ref holds a buffer), so that a GET that fails to
 *	copy its result out takes back exactly its own chunks
 *
 * A delegated chunk, or the session's counter page. The kernel keeps no
 * state about what the process does with either.
 */
struct nab_deleg {
	struct nab_obj obj;
	struct page *page;
	struct list_head node;
	struct list_head hold;
	bool held;
};

/**
 * struct nab_session - the state behind one open of /dev/netapibuf
 * @lock: protects every field below and every buffer of the session;
 *	taken inside mmap_lock by the fault handler, so never held across
 *	copy_to_user() or anything else that may fault on user memory;
 *	the fault handler installs page table entries under it (arena.c)
 * @space: arena page index -> struct nab_obj (guard, chunk or large buffer)
 * @partial: per size class, the chunks that have a free slot
 * @mapping: the session's own address space, which the arena maps; used
 *	to unmap freed pages from every VMA of the arena at once; its host
 *	is the session's inode (session.c)
 * @mm: the process that opened the session (pinned with mmgrab())
 * @arena_base: user address of the arena, 0 until it is mapped; set
 *	once, under @lock, with smp_store_release() after @arena_pages
 * @arena_pages: length of the arena in pages: the arena_size parameter
 *	at open, the mapping's length once mapped (it may be shorter)
 * @nr_buffers: live buffers
 * @bytes: sum of the live buffers' sizes
 * @charged: memory the live buffers hold, as the limits count it (limits.c)
 * @peak_bytes: highest @bytes seen
 * @pages: pages backing the session's buffers, delegated chunks and
 *	counter page
 * @user: the opener's user, whose sessions are counted (limits.c)
 * @delegated: the chunks delegated to the process (chunks.c)
 * @nr_delegated: how many
 * @counters: the counter page, NULL until the first delegation
 * @pool: pages of large buffers the session freed, kept for agents that
 *	write every byte of their results; no array until such an agent
 *	is called (limits.c)
 * @kept: the last large buffer of NAB_LARGE_FEW pages or fewer the
 *	session freed while it had no pool, out of the arena and unmapped,
 *	kept whole for its next allocation of as many pages (limits.c)
 * @keeper: its entry in the shrinker's list, in the list of its
 *	memory cgroup from when it keeps pages in @pool or @kept until the
 *	shrinker's walk or its end (limits.c)
 * @pid: thread group id of the opener, for the debugfs listing
 * @comm: command name of the opener, for the debugfs listing
 * @node: in the list of all sessions
 */
struct nab_session {
	struct mutex lock;		/* see above */
	struct maple_tree space;
	struct list_head partial[NAB_NR_CLASSES];
	struct address_space *mapping;
	struct mm_struct *mm;
	unsigned long arena_base;
	unsigned long arena_pages;
	u64 nr_buffers;
	u64 bytes;
	u64 charged;
	u64 peak_bytes;
	u64 pages;
	struct nab_user *user;
	struct list_head delegated;
	unsigned long nr_delegated;
	struct nab_deleg *counters;
	struct nab_pages pool;
	struct nab_large *kept;
	struct nab_keeper *keeper;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	struct list_head node;
};

/* limits.c: the parameters, and every check and charge against them */
extern unsigned long nab_max_buffer_bytes;
extern unsigned long nab_max_session_bytes;
extern unsigned long nab_max_total_bytes;
extern unsigned long nab_arena_size;
extern unsigned long nab_max_user_sessions;
void nab_limits_init(void);
int nab_user_session_get(struct nab_session *s);
void nab_user_session_put(struct nab_session *s);
unsigned long nab_arena_pages(void);
int nab_limit_size(u64 size);
/* these with the session locked */
int nab_charge(struct nab_session *s, u64 size, bool pages);
void nab_uncharge(struct nab_session *s, u64 size, bool pages);
int nab_charge_resize(struct nab_session *s, u64 old, bool old_pages,
		      u64 size);
void nab_commit_resize(struct nab_session *s, u64 old, bool old_pages,
		       u64 size);
void nab_cancel_resize(struct nab_session *s, u64 old, bool old_pages,
		       u64 size);
int nab_charge_chunks(struct nab_session *s, unsigned long nr);
void nab_uncharge_chunks(struct nab_session *s, unsigned long nr);
/* the pool of pages a session freed: see the functions' comments */
extern unsigned long nab_pool_bytes;
void nab_pool_fill(struct nab_session *s, struct nab_pages *pv);
bool nab_kept_put(struct nab_session *s, struct nab_large *lb);
struct nab_large *nab_kept_take(struct nab_session *s, unsigned long nr);
unsigned long nab_pool_take(struct nab_session *s, struct nab_pages *pv);
int nab_pool_open(struct nab_session *s);
bool nab_pool_drain(struct nab_session *s);
void nab_pool_destroy(struct nab_session *s);
int nab_pool_init(void);
void nab_pool_exit(void);

/* pages.c */
int nab_pages_alloc_array(struct nab_pages *pv, unsigned long nr);
void nab_pages_init_fixed(struct nab_pages *pv, struct page **array,
			  unsigned long cap);
int nab_pages_fill_up(struct nab_pages *pv);
int nab_pages_alloc(struct nab_pages *pv, unsigned long nr);
void nab_pages_take(struct nab_pages *to, struct nab_pages *from,
		    unsigned long nr);
void nab_pages_put_all(struct nab_pages *pv);
bool nab_pages_poisoned(struct page **pages, unsigned long nr);
void nab_pages_release(struct nab_pages *pv);
void nab_pages_move(struct nab_pages *to, struct nab_pages *from);
void nab_pages_shrink(struct nab_pages *pv, unsigned long nr);
void nab_pages_zero_tail(struct nab_pages *pv, size_t size, size_t new_size);
void nab_pages_zero(struct nab_pages *pv);
int nab_pages_grow(struct nab_pages *pv, unsigned long new_nr);
int nab_pages_prepare(struct nab_pages_growth *g, unsigned long nr,
		      unsigned long cap, unsigned long new_nr);
bool nab_pages_growth_fits(const struct nab_pages_growth *g,
			   const struct nab_pages *pv, unsigned long new_nr);
void nab_pages_append(struct nab_pages *pv, struct nab_pages_growth *g);
void nab_pages_growth_release(struct nab_pages_growth *g);

/*
 * arena.c: all but nab_mmap(), nab_arena_map_ahead() and init/destroy with
 * the session locked
 */

/* User address of an object's first byte. */
static inline unsigned long nab_arena_addr(const struct nab_session *s,
					   const struct nab_obj *obj)
{
	return s->arena_base + (obj->pgoff << PAGE_SHIFT);
}

int nab_arena_init(struct nab_session *s);
void nab_arena_destroy(struct nab_session *s);
struct nab_obj *nab_arena_at(struct nab_session *s, unsigned long addr,
			     unsigned long *offset);
struct nab_obj *nab_arena_next(struct nab_session *s, pgoff_t *pgoff);
struct page **nab_arena_pages_at(struct nab_session *s, pgoff_t pgoff,
				 unsigned long *nr);
int nab_arena_insert(struct nab_session *s, struct nab_obj *obj,
		     unsigned long nr);
int nab_arena_grow(struct nab_session *s, struct nab_obj *obj,
		   unsigned long nr, unsigned long new_nr);
void nab_arena_release(struct nab_session *s, struct nab_obj *obj,
		       unsigned long index, unsigned long nr);
int nab_mmap(struct file *file, struct vm_area_struct *vma);
void nab_arena_map_ahead(struct nab_session *s, unsigned long addr);

/* buffer.c: all called with the session unlocked */
int nab_buf_alloc(struct nab_session *s, u64 size, unsigned long *addr);
int nab_buf_alloc_held(struct nab_session *s, u64 size, unsigned long *addr,
		       struct nab_ref *hold);
void nab_buf_publish(struct nab_ref *hold);
void nab_buf_unmake(struct nab_session *s, struct nab_ref *hold);
int nab_buf_free(struct nab_session *s, unsigned long addr);
int nab_buf_realloc(struct nab_session *s, unsigned long addr, u64 size,
		    unsigned long *new_addr);
int nab_buf_size(struct nab_session *s, unsigned long addr, u64 *size);
void nab_buf_free_all(struct nab_session *s);
int nab_buf_adopt(struct nab_session *s, struct nab_pages *pv, size_t size,
		  unsigned long *addr, struct nab_ref *hold);

/* chunks.c: all called with the session unlocked */
struct netapibuf_chunks;
bool nab_chunks_offered(void);
bool nab_chunks_held(struct nab_session *s);
int nab_chunks_get(struct nab_session *s, struct netapibuf_chunks *cmd,
		   struct list_head *held);
void nab_chunks_publish(struct nab_session *s, struct list_head *held);
void nab_chunks_unmake(struct nab_session *s, struct list_head *held);
int nab_chunks_put(struct nab_session *s, const struct netapibuf_chunks *cmd);
void nab_chunks_free_all(struct nab_session *s);

/* session.c */
struct nab_session *nab_session_create(void);
void nab_session_destroy(struct nab_session *s);

/* agent.c */
struct netapibuf_agent_call;
int nab_agent_call(struct nab_session *s, struct netapibuf_agent_call *cmd,
		   struct nab_ref *hold);
extern const struct attribute_group nab_agents_group;

/* stats.c */
struct nab_stats {
	atomic64_t sessions;
	atomic64_t live_buffers;
	atomic64_t live_bytes;
	atomic64_t peak_buffers;
	atomic64_t peak_bytes;
	atomic64_t alloc_failures;
	atomic64_t pages;
	atomic64_t charged_bytes;	/* limits.c's, see nab_take() */
	atomic64_t pool_pages;		/* limits.c's, see nab_pool_fill() */
	atomic64_t kept_pages;		/* limits.c's, see nab_kept_put() */
	atomic64_t kept_bytes;		/* limits.c's: what they count */
};

extern struct nab_stats nab_stats;
extern const struct attribute_group nab_stats_group;

/*
 * The counters change on every command: inline, so that counting costs
 * no calls (under -icount each call and return thunk is guest time).
 */
static inline void nab_peak(atomic64_t *peak, s64 value)
{
	s64 old = atomic64_read(peak);

	while (value > old && !atomic64_try_cmpxchg(peak, &old, value))
		;
}

/* Bytes of live buffers, as their sizes add up; limits.c counts them. */
static inline void nab_count_bytes(struct nab_session *s, s64 delta)
{
	lockdep_assert_held(&s->lock);
	s->bytes += delta;
	if (s->bytes > s->peak_bytes)
		s->peak_bytes = s->bytes;
	nab_peak(&nab_stats.peak_bytes,
		 atomic64_add_return(delta, &nab_stats.live_bytes));
}

static inline void nab_count_buffer(struct nab_session *s, int delta)
{
	lockdep_assert_held(&s->lock);
	s->nr_buffers += delta;
	nab_peak(&nab_stats.peak_buffers,
		 atomic64_add_return(delta, &nab_stats.live_buffers));
}

static inline void nab_count_pages(struct nab_session *s, long delta)
{
	lockdep_assert_held(&s->lock);
	s->pages += delta;
	atomic64_add(delta, &nab_stats.pages);
}

void nab_count_delegated(struct nab_session *s, u64 *buffers, u64 *bytes);
void nab_sessions_add(struct nab_session *s);
void nab_sessions_del(struct nab_session *s);
unsigned long nab_sessions_trylock_each(unsigned long (*fn)(struct nab_session *s),
					unsigned long want);
void nab_debugfs_init(void);
void nab_debugfs_exit(void);

#endif /* _NETAPIBUF_INTERNAL_H */
