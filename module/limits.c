// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: the limits.
 *
 * The module parameters that bound what sessions may hold, and the one
 * place that checks and charges against them. Everything else asks here:
 * the buffer code before it allocates, resizes or frees (nab_charge() and
 * friends, with the session locked), the kernel API before it makes or
 * grows a kernel-side buffer (nab_limit_size()), session creation for the
 * arena's length (nab_arena_pages()).
 *
 * Every parameter is validated when it is written, at load or later in
 * /sys/module/netapibuf/parameters/: a value outside its bounds is refused
 * with EINVAL and the old value stays. The bounds are what make the
 * arithmetic below safe: once a size has passed nab_limit_size() it is at
 * most NAB_BUFFER_MAX, so nothing computed from it can wrap, and the sums
 * are overflow-checked on top of that.
 *
 * max_session_bytes and max_total_bytes count memory, not requests: what
 * each buffer holds, as nab_held() says (its slot, or its whole pages and
 * their page array). The buffer code tells the charge functions a
 * buffer's size and whether it has pages of its own; which it has follows
 * from its size for everything the allocator makes (pages past
 * NAB_SMALL_MAX), and an agent's result always has pages. max_buffer_bytes
 * bounds the size asked for.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/shrinker.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "netapibuf_internal.h"

/*
 * The arena: at least 64 MiB, so that it holds the guard pages and a
 * default-sized buffer with room to spare; at most 1 TiB, so that a few
 * sessions cannot exhaust the process's address space (128 TiB on
 * x86-64 with 4-level page tables) and page indices stay far from any
 * overflow; whole pages, because it is mapped as whole pages.
 */
#define NAB_ARENA_MIN		NETAPIBUF_ARENA_MIN_SIZE
#define NAB_ARENA_MAX		SZ_1T

/* No buffer can be larger than the largest arena. */
#define NAB_BUFFER_MAX		NAB_ARENA_MAX

unsigned long nab_max_buffer_bytes = SZ_1G;
unsigned long nab_max_session_bytes;
unsigned long nab_max_total_bytes;
unsigned long nab_arena_size = 64 * (unsigned long)SZ_1G;
unsigned long nab_max_user_sessions = 1024;
unsigned long nab_pool_bytes = SZ_4M;

/* Beyond any real need, and far from overflowing the count. */
#define NAB_USER_SESSIONS_MAX	BIT(20)

/**
 * struct nab_param - a parameter and the values it accepts
 * @value: the parameter
 * @min: smallest value accepted
 * @max: largest value accepted
 * @align: accepted values are multiples of this
 */
struct nab_param {
	unsigned long *value;
	unsigned long min;
	unsigned long max;
	unsigned long align;
};

static int nab_param_set(const char *val, const struct kernel_param *kp)
{
	const struct nab_param *p = kp->arg;
	unsigned long v;

	/* Not a number, or out of range for one: refused like any bad value. */
	if (kstrtoul(val, 0, &v) || v < p->min || v > p->max || v % p->align)
		return -EINVAL;
	/* Read without a lock by every allocation: one store, whole. */
	WRITE_ONCE(*p->value, v);
	return 0;
}

static int nab_param_get(char *buf, const struct kernel_param *kp)
{
	const struct nab_param *p = kp->arg;

	return sysfs_emit(buf, "%lu\n", READ_ONCE(*p->value));
}

static const struct kernel_param_ops nab_param_ops = {
	.set = nab_param_set,
	.get = nab_param_get,
};

/* A parameter, @_min to @_max and a multiple of @_align. */
#define NAB_PARAM(_name, _min, _max, _align)				\
	static struct nab_param nab_param_##_name = {			\
		.value = &nab_##_name,					\
		.min = _min,						\
		.max = _max,						\
		.align = _align,					\
	};								\
	module_param_cb(_name, &nab_param_ops, &nab_param_##_name, 0644)

NAB_PARAM(max_buffer_bytes, 0, NAB_BUFFER_MAX, 1);
MODULE_PARM_DESC(max_buffer_bytes,
		 "Largest buffer, in bytes of its size; 0 to 1 TiB (default 1 GiB)");

NAB_PARAM(max_session_bytes, 0, ULONG_MAX, 1);
MODULE_PARM_DESC(max_session_bytes,
		 "Most bytes of memory the live buffers of one open of the device hold (a small buffer its slot, 16 bytes to half a page; a large one its whole pages and two pointers a page for their array); 0 for no limit (default 0)");

NAB_PARAM(max_total_bytes, 0, ULONG_MAX, 1);
MODULE_PARM_DESC(max_total_bytes,
		 "Most bytes of memory all live buffers hold, counted as for max_session_bytes; 0 for no limit (0 at load: half of RAM, as TTM's page limit, since the OOM killer does not see these pages)");

NAB_PARAM(arena_size, NAB_ARENA_MIN, NAB_ARENA_MAX, PAGE_SIZE);
MODULE_PARM_DESC(arena_size,
		 "Address space of each new session's arena in bytes, whole pages from 64 MiB to 1 TiB (default 64 GiB)");

NAB_PARAM(max_user_sessions, 1, NAB_USER_SESSIONS_MAX, 1);
MODULE_PARM_DESC(max_user_sessions,
		 "Most sessions (opens of the device) one user (effective uid) may have at once; 1 to 1048576 (default 1024); past it open fails with EMFILE");

NAB_PARAM(pool_bytes, 0, SZ_1G, PAGE_SIZE);
MODULE_PARM_DESC(pool_bytes,
		 "Most bytes of pages one session keeps after freeing its own large buffers, to give unzeroed to agents that write every byte of their results, or (a buffer of up to 64 KiB, with no agent) zeroed to its next allocation of as many pages; counted against the limits while kept; whole pages, 0 to 1 GiB, 0 to keep none (default 4 MiB)");

/**
 * nab_limits_init() - defaults that depend on the machine
 *
 * Called once at load, after the parameters given to modprobe are set.
 *
 * max_total_bytes is the one bound on what all sessions pin. Buffer pages
 * are in no process's RSS (the arena's PFN entries are not counted,
 * arena.c), and the OOM killer weighs RSS, swap entries and page tables
 * only (oom_badness()): if the buffers took the memory, it would kill
 * whoever touches memory next, not the holder.
 * No mechanism in the kernel lets a driver add its pages to that weight;
 * the holders of unmapped memory bound it instead: io_uring's registered
 * buffers, RDMA and memfd_secret by RLIMIT_MEMLOCK (8 MiB a user by
 * default: far too little for the contract's 1 GiB buffers), DRM's TTM by
 * a global page limit of half of RAM. This follows TTM: with the limits
 * counting memory, a holder at the limit pins 0.5 of RAM and about 1.5 %
 * more in descriptors and tree nodes, and the rest of the machine keeps
 * the other half (selftests/oom.c: in a 1 GiB guest, MemAvailable 355 MiB
 * with the holder refused, a new process touches 96 MiB).
 */
void nab_limits_init(void)
{
	if (!nab_max_total_bytes)
		nab_max_total_bytes = (totalram_pages() << PAGE_SHIFT) / 2;
}

/**
 * nab_arena_pages() - the length of a new session's arena
 *
 * Return: arena_size in pages.
 */
unsigned long nab_arena_pages(void)
{
	return READ_ONCE(nab_arena_size) >> PAGE_SHIFT;
}

/**
 * nab_limit_size() - whether a buffer may have @size bytes at all
 * @size: the size asked for, anything userspace or an agent passed
 *
 * Return: 0, or -EDQUOT past max_buffer_bytes. After 0, @size is at most
 * NAB_BUFFER_MAX: page counts and charges computed from it cannot wrap.
 */
int nab_limit_size(u64 size)
{
	if (size > READ_ONCE(nab_max_buffer_bytes))
		return -EDQUOT;
	return 0;
}

/*
 * A buffer of pages holds each page and two page pointers for it: its
 * page array, which grows geometrically and so has room for up to twice
 * its pages (buffer.c shrinks an array that has more).
 */
#define NAB_HELD_PER_PAGE	(PAGE_SIZE + 2 * sizeof(struct page *))

/**
 * nab_held() - what a buffer holds, in the unit the limits count
 * @size: its size, at most NAB_BUFFER_MAX
 * @pages: it has pages of its own; else it is a slot of a chunk
 *
 * A slot holds its size class, NAB_MIN_SIZE (16 bytes, for a 0-byte buffer
 * too) to NAB_SMALL_MAX; a buffer of pages its whole pages, at least one,
 * and their page array. Not counted: the one descriptor each buffer or
 * chunk has (a small fixed part), a session's one spare chunk page per
 * size class, and the space tree's nodes.
 *
 * Return: bytes.
 */
static u64 nab_held(u64 size, bool pages)
{
	if (!pages)
		return size <= NAB_MIN_SIZE ? NAB_MIN_SIZE :
					      roundup_pow_of_two(size);
	return max_t(u64, 1, DIV_ROUND_UP(size, PAGE_SIZE)) * NAB_HELD_PER_PAGE;
}

/* Whether the allocator gives a buffer of @size pages of its own. */
static bool nab_size_has_pages(u64 size)
{
	return size > NAB_SMALL_MAX;
}

/* The charge of a kept buffer of @nr pages: as for a live one. */
static u64 nab_kept_cost(unsigned long nr)
{
	return nab_held((u64)nr << PAGE_SHIFT, true);
}

/* What @s's kept buffer counts against the limits, beside s->charged. */
static u64 nab_kept_held(struct nab_session *s)
{
	return s->kept ? nab_kept_cost(s->kept->pv.nr) : 0;
}

/* Whether @cost more would take @s past max_session_bytes. */
static bool nab_session_over(struct nab_session *s, u64 cost)
{
	u64 session_max = READ_ONCE(nab_max_session_bytes);
	u64 sum;

	return check_add_overflow(s->charged + nab_kept_held(s), cost, &sum) ||
	       (session_max && sum > session_max);
}

/*
 * Take @cost more for @s, or nothing and -EDQUOT past a limit. Kept
 * buffers (below) count against the limits too, though not in the
 * charges: the limits bound what sessions hold, kept or live.
 */
static int __nab_take(struct nab_session *s, u64 cost)
{
	u64 total_max = READ_ONCE(nab_max_total_bytes);
	u64 sum;

	lockdep_assert_held(&s->lock);

	if (nab_session_over(s, cost))
		return -EDQUOT;

	/*
	 * nab_stats.charged_bytes is what all sessions are charged, and what
	 * max_total_bytes is checked against. Sessions charge concurrently:
	 * add first, and take it back if the sum went past the limit, so two
	 * sessions cannot both fit in the same room. A cost is at most what
	 * a buffer of NAB_BUFFER_MAX holds, so the sum of all of them cannot
	 * reach the sign bit.
	 */
	sum = atomic64_add_return(cost, &nab_stats.charged_bytes) +
	      atomic64_read(&nab_stats.kept_bytes);
	if (total_max && sum > total_max) {
		atomic64_sub(cost, &nab_stats.charged_bytes);
		return -EDQUOT;
	}
	s->charged += cost;
	return 0;
}

static void nab_give(struct nab_session *s, u64 cost)
{
	lockdep_assert_held(&s->lock);

	if (WARN_ON_ONCE(cost > s->charged))
		cost = s->charged;
	s->charged -= cost;
	atomic64_sub(cost, &nab_stats.charged_bytes);
}

/*
 * The pool: pages of large buffers this session freed, kept (up to
 * pool_bytes) for agents that declare they write every byte of their
 * results (NETAPIBUF_AGENT_WRITES_ALL), which get them unzeroed. They
 * held only this session's data: the pool is filled only from the
 * session's own buffers, after nab_arena_release() has unmapped them,
 * and read only by the session's own agent calls. Pooled pages are
 * charged to the session (a page each) and stay charged to the memory
 * cgroup, so they are given back whenever they are in the way: when a
 * charge would fail (nab_take()), when an allocation of the session
 * fails (nab_pool_drain()), under memory pressure (the shrinker) and
 * when the session goes.
 */

/*
 * The shrinker finds the sessions that keep pages through a list_lru
 * that is aware of memory cgroups, as the dentry and inode caches are
 * found: each session has an entry (struct nab_keeper) allocated in its
 * opener's group with kmem_cache_alloc_lru(), which is in that group's
 * list from when the session keeps pages (nab_keep_listed()). Reclaim of a group at its
 * memory.max then reaches the pools and kept buffers charged to it; a
 * shrinker that is not memcg-aware is called for global reclaim only,
 * and the group's other processes were OOM-killed while its freed pages
 * stayed kept.
 */

/**
 * struct nab_keeper - a session in the shrinker's list
 * @lru: in nab_keepers once the session keeps pages, until the
 *	shrinker's walk or the session's end takes it out
 * @s: the session
 */
struct nab_keeper {
	struct list_head lru;
	struct nab_session *s;
};

static struct list_lru nab_keepers;
static struct kmem_cache *nab_keeper_cache;
/* Set once nab_keepers is ready (6.1 registers the shrinker first). */
static bool nab_keepers_ready;

/*
 * A session that starts keeping pages goes in its group's list; only the
 * shrinker's walk and the session's end take it out. So a loop that
 * keeps and takes back the same buffer does not touch the list (0.3 us
 * of guest time a round at 64 KiB, docs/bench.md), and the list may hold
 * sessions that keep nothing now: the walk takes them out for nothing.
 */
static void nab_keep_listed(struct nab_session *s)
{
	lockdep_assert_held(&s->lock);
	if (s->keeper && list_empty(&s->keeper->lru))
		nab_list_lru_add(&nab_keepers, &s->keeper->lru);
}

/* Free the session's kept buffer; returns its pages. */
static unsigned long nab_kept_drop_locked(struct nab_session *s)
{
	struct nab_large *lb = s->kept;
	unsigned long nr;

	lockdep_assert_held(&s->lock);
	if (!lb)
		return 0;
	nr = lb->pv.nr;
	s->kept = NULL;
	atomic64_sub(nab_kept_cost(nr), &nab_stats.kept_bytes);
	atomic64_sub(nr, &nab_stats.kept_pages);
	/* What nab_large_destroy() does: it is out of the arena. */
	nab_pages_release(&lb->pv);
	kfree(lb);
	return nr;
}

static unsigned long nab_pool_drain_locked(struct nab_session *s)
{
	unsigned long nr = s->pool.nr;

	lockdep_assert_held(&s->lock);
	if (nr) {
		nab_give(s, (u64)nr * PAGE_SIZE);
		nab_pages_put_all(&s->pool);
		atomic64_sub(nr, &nab_stats.pool_pages);
	}
	return nr + nab_kept_drop_locked(s);
}

/*
 * Take @cost more for @s; past a limit, first give back the session's
 * pool and kept buffer: pages kept for later never make a charge fail.
 * Other sessions' pools and kept buffers count against max_total_bytes
 * too, so they give way next (those whose lock is free at once: only
 * trylocks, with @s locked), and room one session freed serves another;
 * not to a charge past @s's own max_session_bytes, which they do not
 * count against: a call refused there changes nothing of theirs.
 */
static int nab_take(struct nab_session *s, u64 cost)
{
	int ret = __nab_take(s, cost);

	if (ret && nab_pool_drain_locked(s))
		ret = __nab_take(s, cost);
	/* Past its own limit, nothing of the others' would help. */
	if (ret && !nab_session_over(s, cost) &&
	    (atomic64_read(&nab_stats.kept_bytes) ||
		    atomic64_read(&nab_stats.pool_pages)) &&
	    nab_sessions_trylock_each(nab_pool_drain_locked,
				      (cost >> PAGE_SHIFT) + 1))
		ret = __nab_take(s, cost);
	return ret;
}

/**
 * nab_pool_fill() - keep the pages of a large buffer the session freed
 * @s: the session, locked
 * @pv: the pages, out of the arena and unmapped (nab_arena_release());
 *	as many of its last pages as the pool has room for move to it
 *
 * Nothing happens before the session has a pool (nab_pool_take() makes
 * it), if charging the pages would pass a limit, or if one of them has a
 * memory error.
 */
void nab_pool_fill(struct nab_session *s, struct nab_pages *pv)
{
	unsigned long max = READ_ONCE(nab_pool_bytes) >> PAGE_SHIFT;
	unsigned long nr;

	lockdep_assert_held(&s->lock);
	max = min(max, s->pool.cap);
	if (s->pool.nr >= max)
		return;
	nr = min(max - s->pool.nr, pv->nr);
	/* A page with a memory error is freed, never used again. */
	if (nab_pages_poisoned(pv->pages + pv->nr - nr, nr))
		return;
	/* Not nab_take(): making room by draining the pool gains nothing. */
	if (__nab_take(s, (u64)nr * PAGE_SIZE))
		return;
	nab_pages_take(&s->pool, pv, nr);
	atomic64_add(nr, &nab_stats.pool_pages);
	nab_keep_listed(s);
}

/*
 * The kept buffer: a session with no pool keeps the last large buffer it
 * freed, if it has NAB_LARGE_FEW pages or fewer (and no more than
 * pool_bytes), descriptor and pages whole, for its next allocation of as
 * many pages: that one zeroes the pages (buffer.c), as the page allocator
 * would, and skips the allocations and the frees (2 us of guest time
 * under -icount for 64 KiB, docs/bench.md). The buffer held only this
 * session's data, and nab_arena_release() has unmapped it. It counts
 * against the session and global limits as it did while live, though not
 * in the charges (s->charged, charged_bytes: what live buffers and pools
 * hold), and stays charged to the memory cgroup; so it goes wherever the
 * pool goes: when a charge would fail, when an allocation of the session
 * fails, under memory pressure and with the session.
 */

/**
 * nab_kept_put() - keep a large buffer the session freed
 * @s: the session, locked
 * @lb: the buffer, out of the arena and unmapped (nab_arena_release())
 *
 * Return: true if @s keeps @lb (it owns it from here), false if the
 * caller is to free it: the session has a pool or a kept buffer already,
 * @lb is too large, has a page with a memory error, or charging it would
 * pass a limit.
 */
bool nab_kept_put(struct nab_session *s, struct nab_large *lb)
{
	u64 session_max = READ_ONCE(nab_max_session_bytes);
	u64 total_max = READ_ONCE(nab_max_total_bytes);
	unsigned long nr = lb->pv.nr;
	u64 cost = nab_kept_cost(nr);
	u64 sum;

	lockdep_assert_held(&s->lock);
	if (s->kept || s->pool.cap || nr > NAB_LARGE_FEW ||
	    ((u64)nr << PAGE_SHIFT) > READ_ONCE(nab_pool_bytes) ||
	    nab_pages_poisoned(lb->pv.pages, nr))
		return false;
	/* Within the limits, as __nab_take() checks them. */
	if (session_max && s->charged + cost > session_max)
		return false;
	sum = atomic64_add_return(cost, &nab_stats.kept_bytes) +
	      atomic64_read(&nab_stats.charged_bytes);
	if (total_max && sum > total_max) {
		atomic64_sub(cost, &nab_stats.kept_bytes);
		return false;
	}
	s->kept = lb;
	atomic64_add(nr, &nab_stats.kept_pages);
	nab_keep_listed(s);
	return true;
}

/**
 * nab_kept_take() - the session's kept buffer, if it has @nr pages
 * @s: the session, locked
 * @nr: pages of the buffer about to be allocated, charged already
 *
 * Return: the buffer, unzeroed, the caller's from here; or NULL.
 */
struct nab_large *nab_kept_take(struct nab_session *s, unsigned long nr)
{
	struct nab_large *lb = s->kept;

	lockdep_assert_held(&s->lock);
	if (!lb || lb->pv.nr != nr)
		return NULL;
	s->kept = NULL;
	atomic64_sub(nab_kept_cost(nr), &nab_stats.kept_bytes);
	atomic64_sub(nr, &nab_stats.kept_pages);
	return lb;
}

/**
 * nab_pool_take() - pages from the session's pool, unzeroed
 * @s: the session, unlocked
 * @pv: a vector with room in its array; gets up to the room's worth of
 *	pooled pages, appended
 *
 * A session's first call makes its pool (an array of pool_bytes' worth
 * of page pointers): sessions that never call an agent that writes every
 * byte never keep a page.
 *
 * Context: may sleep. Only for a result of an agent of @s's process that
 * writes every byte of it (agent.c).
 * Return: the number of pages taken.
 */
unsigned long nab_pool_take(struct nab_session *s, struct nab_pages *pv)
{
	unsigned long cap = READ_ONCE(nab_pool_bytes) >> PAGE_SHIFT;
	struct page **pages = NULL;
	unsigned long nr;

	mutex_lock(&s->lock);
	nr = min(pv->cap - pv->nr, s->pool.nr);
	if (nr) {
		nab_pages_take(pv, &s->pool, nr);
		nab_give(s, (u64)nr * PAGE_SIZE);
		atomic64_sub(nr, &nab_stats.pool_pages);
	}
	if (s->pool.pages || !cap) {
		mutex_unlock(&s->lock);
		return nr;
	}
	mutex_unlock(&s->lock);

	pages = kvmalloc_array(cap, sizeof(*pages), NAB_GFP);
	if (!pages)
		return nr;
	mutex_lock(&s->lock);
	if (!s->pool.pages) {
		/* From here the session owns the array. */
		s->pool.pages = pages;
		s->pool.cap = cap;
		pages = NULL;
	}
	mutex_unlock(&s->lock);
	kvfree(pages);
	return nr;
}

/**
 * nab_pool_drain() - give back every pooled page of a session
 * @s: the session, unlocked
 *
 * For a failed allocation of the session, before it tries again: pooled
 * pages are charged to the memory cgroup it allocates in.
 *
 * Return: whether any page was given back.
 */
bool nab_pool_drain(struct nab_session *s)
{
	unsigned long nr;

	mutex_lock(&s->lock);
	nr = nab_pool_drain_locked(s);
	mutex_unlock(&s->lock);
	return nr;
}

/**
 * nab_pool_open() - what a new session needs to keep pages
 * @s: the new session
 *
 * Its entry in the shrinker's list, allocated in the opener's memory
 * cgroup, which kmem_cache_alloc_lru() gives a list of its own if need
 * be; undone by nab_pool_destroy(). Sessions made before the module's
 * init has run (KUnit's, on 6.1) have none: the shrinker does not see
 * them.
 *
 * Return: 0 or -ENOMEM.
 */
int nab_pool_open(struct nab_session *s)
{
	/* Pairs with nab_pool_init(): the cache and the list are ready. */
	if (!smp_load_acquire(&nab_keepers_ready))
		return 0;
	s->keeper = kmem_cache_alloc_lru(nab_keeper_cache, &nab_keepers,
					 NAB_GFP);
	if (!s->keeper)
		return -ENOMEM;
	INIT_LIST_HEAD(&s->keeper->lru);
	s->keeper->s = s;
	return 0;
}

/**
 * nab_pool_destroy() - give back the pool of a session that is going away
 * @s: the session, unlocked
 */
void nab_pool_destroy(struct nab_session *s)
{
	nab_pool_drain(s);
	if (s->keeper) {
		/* Out of the list: the shrinker cannot find @s any more. */
		mutex_lock(&s->lock);
		nab_list_lru_del(&nab_keepers, &s->keeper->lru);
		mutex_unlock(&s->lock);
		kmem_cache_free(nab_keeper_cache, s->keeper);
		s->keeper = NULL;
	}
	kvfree(s->pool.pages);
	s->pool = (struct nab_pages){};
}

/*
 * The shrinker: memory pressure, global or a memory cgroup's, empties
 * the pools and kept buffers of idle sessions of the group reclaimed.
 * It counts sessions, the objects of its list.
 */

static unsigned long nab_pool_count(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	unsigned long nr;

	/* Pairs with nab_pool_init(): the list is initialised. */
	if (!smp_load_acquire(&nab_keepers_ready))
		return 0;
	nr = list_lru_shrink_count(&nab_keepers, sc);
	return nr ? nr : SHRINK_EMPTY;
}

/*
 * One session of the list, which is locked. Reclaim may run inside any
 * allocation, one made with a session locked included, and
 * nab_keep_listed() takes the list's lock inside the session's: only a
 * trylock here, and a busy session is skipped. The pages are freed with
 * the list unlocked (a page array may be vmalloc()ed); the session lock
 * keeps the session from going (nab_pool_destroy() takes it) and from
 * being added back meanwhile.
 */
static enum lru_status nab_keeper_isolate(struct list_head *item,
					  struct list_lru_one *list,
					  NAB_LRU_WALK_LOCK_ARG void *arg)
{
	struct nab_session *s = container_of(item, struct nab_keeper, lru)->s;
	unsigned long *freed = arg;

	if (!mutex_trylock(&s->lock))
		return LRU_SKIP;
	list_lru_isolate(list, item);
	nab_lru_walk_unlock(list);
	*freed += nab_pool_drain_locked(s);
	mutex_unlock(&s->lock);
	nab_lru_walk_relock(list);
	return LRU_REMOVED_RETRY;
}

static unsigned long nab_pool_scan(struct shrinker *shrinker,
				   struct shrink_control *sc)
{
	unsigned long freed = 0;

	/* Pairs with nab_pool_init(), as in nab_pool_count(). */
	if (!smp_load_acquire(&nab_keepers_ready))
		return SHRINK_STOP;
	list_lru_shrink_walk(&nab_keepers, sc, nab_keeper_isolate, &freed);
	return freed ? freed : SHRINK_STOP;
}

static struct shrinker *nab_pool_shrinker;

/**
 * nab_pool_init() - register the pools' shrinker and its list
 *
 * Return: 0 or -ENOMEM.
 */
int nab_pool_init(void)
{
	nab_keeper_cache = KMEM_CACHE(nab_keeper, SLAB_ACCOUNT);
	if (!nab_keeper_cache)
		return -ENOMEM;
	nab_pool_shrinker = nab_shrinker_create(nab_pool_count, nab_pool_scan,
						"netapibuf-pool", &nab_keepers);
	if (!nab_pool_shrinker) {
		kmem_cache_destroy(nab_keeper_cache);
		return -ENOMEM;
	}
	/* The list is ready: the shrinker may walk it (nab_pool_count()). */
	smp_store_release(&nab_keepers_ready, true);
	return 0;
}

/**
 * nab_pool_exit() - unregister the pools' shrinker; no session is left
 */
void nab_pool_exit(void)
{
	nab_shrinker_destroy(nab_pool_shrinker, &nab_keepers);
	kmem_cache_destroy(nab_keeper_cache);
}

/**
 * nab_charge() - charge a session for a new buffer
 * @s: the session, locked
 * @size: the buffer's size
 * @pages: the buffer will have pages of its own, not a slot
 *
 * Return: 0, or -EDQUOT (past max_buffer_bytes, max_session_bytes or
 * max_total_bytes); then nothing is charged.
 */
int nab_charge(struct nab_session *s, u64 size, bool pages)
{
	int ret;

	ret = nab_limit_size(size);
	if (ret)
		return ret;
	ret = nab_take(s, nab_held(size, pages));
	if (ret)
		return ret;
	nab_count_bytes(s, size);
	return 0;
}

/**
 * nab_uncharge() - give back what a buffer was charged
 * @s: the session, locked
 * @size: the size of the buffer that is gone (or was never made)
 * @pages: it had pages of its own, as nab_charge() was told
 */
void nab_uncharge(struct nab_session *s, u64 size, bool pages)
{
	nab_give(s, nab_held(size, pages));
	nab_count_bytes(s, -(s64)size);
}

/**
 * nab_charge_resize() - charge a session for a buffer about to be resized
 * @s: the session, locked
 * @old: the buffer's size, charged
 * @old_pages: it has pages of its own
 * @size: its new size; the allocator's rule says whether it will have
 *	pages of its own
 *
 * Charges what the buffer will hold beyond what it holds, if anything.
 * Then exactly one of nab_commit_resize() (the resize worked) and
 * nab_cancel_resize() (it failed), with the same arguments.
 *
 * Return: 0, or -EDQUOT; then nothing is charged.
 */
int nab_charge_resize(struct nab_session *s, u64 old, bool old_pages,
		      u64 size)
{
	u64 from = nab_held(old, old_pages), to;
	int ret;

	ret = nab_limit_size(size);
	if (ret)
		return ret;
	to = nab_held(size, nab_size_has_pages(size));
	if (to > from) {
		ret = nab_take(s, to - from);
		if (ret)
			return ret;
	}
	if (size > old)
		nab_count_bytes(s, size - old);
	return 0;
}

/**
 * nab_commit_resize() - a resize worked: give back what the buffer no
 *	longer holds
 * @s: the session, locked
 * @old: @old of nab_charge_resize()
 * @old_pages: @old_pages of nab_charge_resize()
 * @size: @size of nab_charge_resize(), the buffer's size now
 */
void nab_commit_resize(struct nab_session *s, u64 old, bool old_pages,
		       u64 size)
{
	u64 from = nab_held(old, old_pages);
	u64 to = nab_held(size, nab_size_has_pages(size));

	if (from > to)
		nab_give(s, from - to);
	if (old > size)
		nab_count_bytes(s, -(s64)(old - size));
}

/**
 * nab_cancel_resize() - a resize failed: give back what
 *	nab_charge_resize() took
 * @s: the session, locked
 * @old: @old of nab_charge_resize(), the buffer's size still
 * @old_pages: @old_pages of nab_charge_resize()
 * @size: @size of nab_charge_resize()
 */
void nab_cancel_resize(struct nab_session *s, u64 old, bool old_pages,
		       u64 size)
{
	u64 from = nab_held(old, old_pages);
	u64 to = nab_held(size, nab_size_has_pages(size));

	if (to > from)
		nab_give(s, to - from);
	if (size > old)
		nab_count_bytes(s, -(s64)(size - old));
}

/*
 * Sessions per user. Each session holds kernel memory whatever its
 * buffers: itself, an inode, a tree node, and the opener's mm_struct,
 * kept by mmgrab() until the session goes. All of it is charged to the
 * opener's memory cgroup, and a process's sessions are bounded by its
 * descriptor limit, but a user has as many processes as it likes: as
 * inotify bounds its instances per user (max_user_instances),
 * max_user_sessions bounds the sessions of one effective uid.
 */

/**
 * struct nab_user - the sessions of one user
 * @node: in nab_users
 * @uid: the effective uid
 * @sessions: its live sessions, at least 1
 */
struct nab_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned long sessions;
};

static DEFINE_HASHTABLE(nab_users, 6);
static DEFINE_MUTEX(nab_users_lock);	/* protects nab_users */

static struct nab_user *nab_user_find(kuid_t uid)
{
	struct nab_user *u;

	lockdep_assert_held(&nab_users_lock);
	hash_for_each_possible(nab_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/**
 * nab_user_session_get() - count a new session against its user's limit
 * @s: the new session; gets its user
 *
 * Return: 0, -EMFILE (the user has max_user_sessions) or -ENOMEM.
 */
int nab_user_session_get(struct nab_session *s)
{
	struct nab_user *u, *fresh;
	kuid_t uid = current_euid();
	int ret = 0;

	/* Allocated ahead: most opens find their user already there. */
	fresh = kzalloc(sizeof(*fresh), NAB_GFP);
	if (!fresh)
		return -ENOMEM;

	mutex_lock(&nab_users_lock);
	u = nab_user_find(uid);
	if (!u) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		hash_add(nab_users, &u->node, __kuid_val(uid));
	}
	if (u->sessions >= READ_ONCE(nab_max_user_sessions)) {
		ret = -EMFILE;
		if (!u->sessions) {
			hash_del(&u->node);
			kfree(u);
		}
	} else {
		u->sessions++;
		s->user = u;
	}
	mutex_unlock(&nab_users_lock);
	kfree(fresh);
	return ret;
}

/**
 * nab_user_session_put() - a session of @s's user is gone
 * @s: the session, counted by nab_user_session_get()
 */
void nab_user_session_put(struct nab_session *s)
{
	struct nab_user *u = s->user;

	mutex_lock(&nab_users_lock);
	if (!--u->sessions) {
		hash_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&nab_users_lock);
	s->user = NULL;
}

/**
 * nab_charge_chunks() - charge a session for pages delegated to it
 * @s: the session, locked
 * @nr: pages, at most NETAPIBUF_CHUNKS_MAX
 *
 * A delegated chunk holds its whole page, whatever the process puts in
 * it; it has no page array (chunks.c).
 *
 * Return: 0, or -EDQUOT (max_session_bytes or max_total_bytes); then
 * nothing is charged.
 */
int nab_charge_chunks(struct nab_session *s, unsigned long nr)
{
	return nab_take(s, (u64)nr * PAGE_SIZE);
}

/**
 * nab_uncharge_chunks() - give back what nab_charge_chunks() took
 * @s: the session, locked
 * @nr: pages given back
 */
void nab_uncharge_chunks(struct nab_session *s, unsigned long nr)
{
	nab_give(s, (u64)nr * PAGE_SIZE);
}
