// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: small buffers without a system call.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * On a module with NETAPIBUF_FEATURE_CHUNKS the library asks the kernel
 * for whole pages of its arena ("delegated chunks", a batch at a time)
 * and cuts them into buffers of one size class each, 16 bytes to 2 KiB,
 * keeping their slot state here, in the process's own memory:
 *
 * - struct fp_chunk per arena page ever delegated: a bitmap of the live
 *   slots and each slot's size.  The bitmap is the truth for Free and
 *   Size: only the exact start of a live slot is a buffer; a Free that
 *   finds its bit clear (never allocated, interior, freed already)
 *   changes nothing.
 * - a radix tree from arena page index to its fp_chunk (fp_find()): a
 *   root of arena pages / 2^18 entries in fp itself, then three levels of
 *   64-entry nodes; a pointer whose page is not delegated now goes to the
 *   kernel, as every pointer did before.
 *
 * The bookkeeping lives in delegated pages too (fp_meta_*()): pages got
 * with CHUNKS_GET like any chunk, but cut into 640-byte pieces - six a
 * page - for descriptors and tree nodes, never into buffers, never given
 * back and never counted in the counter page.  Memory the process faults
 * in is charged to its memory cgroup, and a group at its memory.max
 * OOM-kills on a user fault; the kernel charges a delegated page with an
 * allocation that fails instead (ENOMEM).  So the library touches no new
 * anonymous memory once the session is open (fp.root, the one part that
 * is not delegated, is written at netapibuf_fast_init()), and a full
 * group is a refused CHUNKS_GET, whether the page was for buffers or for
 * their bookkeeping.  Small nodes rather than page-sized ones: the first
 * chunk of a session needs three nodes and a descriptor, 2,560 bytes, one
 * page of bookkeeping, where nodes of 512 entries (a page each, one level
 * fewer) would take three pages.
 *
 * A descriptor belongs to one arena page for the life of the session: it
 * is made the first time that page is delegated and stays in the tree,
 * marked not delegated, when the page is given back.  And each class has
 * bits of its own in the bitmap (class k's slots at bit fp_first(k) on, 510
 * bits in all), so a bit can be set only while the page is delegated with
 * that class.  Together they make a Free that races with its page being
 * given back and delegated again harmless: whatever class and delegation
 * it read, its one atomic AND-NOT clears a bit only if, at that instant,
 * the pointer is the start of a live buffer of that page and class -
 * exactly the buffer it names - and otherwise finds the bit clear and
 * changes nothing.  The base address it computes with never changes.
 *
 * Threads: lock-free on the per-buffer path.  Each thread allocates from
 * a chunk of its own per class (fp_tcache.cur), claiming a bit with one
 * atomic OR; any thread frees with one atomic AND-NOT, which also tells a
 * double free (the bit was clear).  So two threads never contend on a slot
 * word unless one frees what the other allocated.  fp.lock is taken only
 * when a thread's chunk fills up, a chunk no thread owns empties or stops
 * being full, or a chunk changes hands - once per 4096/size allocations
 * at most - and around CHUNKS_GET and CHUNKS_PUT: a Free that empties a
 * chunk a thread owns leaves it to the owner (fp_place()).  Per-thread
 * chunks rather than per-CPU ones: a thread cannot be migrated in the
 * middle of its claim, so no restartable sequence is needed.
 *
 * A chunk a thread owns can be taken from it (fp_steal_idle(), under
 * fp.lock) when it holds no live buffer, so that an idle thread's empty
 * pages never make a limit bite: the owner claims only while it has
 * marked the chunk busy (one compare-and-swap of fp_chunk.owner, from its
 * own fp_tcache to the same with FP_BUSY), and the thief swaps the owner
 * out only when it is not busy, then checks that nothing is live.  So
 * either the claim happens first and the thief sees it, or the owner
 * finds the chunk gone and takes the lock to get another.
 *
 * Memory: chunks come in batches of 1, 2, 4 ... up to FP_BATCH_MAX (half
 * of what the process holds, so a program with one small buffer holds one
 * page), and empty chunks go back in batches once more than
 * FP_EMPTY_HIGH are idle, down to FP_EMPTY_LOW: a loop of Allocate and
 * Free never bounces pages.  A failed allocation first gives back every
 * idle chunk, those that threads own included, and tries again, so idle
 * chunks never make a limit fail earlier.  A refused CHUNKS_GET is not
 * asked again for the next 1, 2, 4 ... FP_BACKOFF_MAX refills (small
 * buffers come from the kernel's slots meanwhile), so a session at its
 * limit pays one ioctl per allocation, not two.  Memory is zeroed at Allocate (and at a Reallocate that grows
 * within its slot), so a chunk's old contents - only ever this process's -
 * are never seen.
 *
 * Counters: each thread adds what it allocates and frees to one slot of
 * the session's counter page, which the kernel reads when it shows
 * live_buffers, live_bytes and the session list: the figures are exact
 * at the moment of the read, with no lag.
 *
 * fork(2): the child's session is new (session.c); the bookkeeping pages
 * are in the parent's arena, which the child does not have (the kernel
 * maps it VM_DONTCOPY), netapibuf_fast_forget() clears fp (the root
 * included) in the child, and each thread's cache carries the generation
 * it was made in, so the child never acts on its parent's slot state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netapibuf.h>

#include "netapibuf-private.h"

#define FP_PAGE		4096UL
#define FP_MIN_SHIFT	4
#define FP_NCLASSES	8		/* 16 bytes to 2 KiB */
#define FP_MAX_SLOTS	(FP_PAGE >> FP_MIN_SHIFT)
#define FP_WORDS	(2 * FP_MAX_SLOTS / 64)	/* each class its own bits */
#define FP_BACKOFF_MAX	256
#define FP_BUSY		1UL
#define FP_BATCH_MAX	16
#define FP_EMPTY_HIGH	48
#define FP_EMPTY_LOW	16
#define FP_META_SLOT	640		/* a descriptor or a tree node */
#define FP_META_PER_PAGE (FP_PAGE / FP_META_SLOT)
#define FP_FAN_SHIFT	6		/* 64 entries a node */
#define FP_FAN		(1U << FP_FAN_SHIFT)
#define FP_ROOT_SHIFT	(3 * FP_FAN_SHIFT)	/* pages a root entry spans */
#define FP_ROOT_MAX	1024		/* 2^28 pages: a 1 TiB arena */

_Static_assert(FP_PAGE >> (FP_MIN_SHIFT + FP_NCLASSES - 1) == 2,
	       "the largest class is half a page");
_Static_assert(sizeof(struct netapibuf_counters) == FP_PAGE,
	       "the counter page is one page");

/* Where a chunk is; changed only under fp.lock. */
enum fp_where { FP_OWNED, FP_PARTIAL, FP_FULL, FP_EMPTY, FP_GONE };

struct fp_chunk {
	_Atomic uint64_t live[FP_WORDS];	/* by class: fp_bit() */
	_Atomic unsigned int nr_live;
	_Atomic unsigned int class;	/* changes only while FP_EMPTY */
	_Atomic uintptr_t owner;	/* its fp_tcache (| FP_BUSY), or 0 */
	_Atomic bool delegated;		/* the page is ours now */
	_Atomic unsigned int where;	/* written under fp.lock */
	uintptr_t base;			/* the page; never changes */
	struct fp_chunk *next, *prev;	/* in a list of fp, under fp.lock */
	_Atomic uint16_t size[FP_MAX_SLOTS];
};

_Static_assert(sizeof(struct fp_chunk) <= FP_META_SLOT,
	       "a descriptor fits a piece of a bookkeeping page");

/* A node of the tree: 64 nodes below it, or in a leaf 64 fp_chunks. */
struct fp_node {
	void *_Atomic e[FP_FAN];
};

_Static_assert(sizeof(struct fp_node) <= FP_META_SLOT,
	       "a node fits a piece of a bookkeeping page");

struct fp_list {
	struct fp_chunk *first;
	unsigned long nr;
};

static struct {
	pthread_mutex_t lock;		/* the lists, the batch, GET and PUT */
	int fd;
	uintptr_t arena_base;
	size_t arena_pages;
	struct netapibuf_counters *_Atomic counters;
	struct fp_list partial[FP_NCLASSES], full[FP_NCLASSES], empty, owned;
	void *meta_free;		/* free pieces, through their first word */
	unsigned int meta_nr;		/* how many */
	unsigned long meta_pages;	/* bookkeeping pages held */
	unsigned long delegated;	/* chunks for buffers held */
	unsigned int backoff;		/* refills without GET after a refusal */
	unsigned int backoff_left;
	_Atomic unsigned int next_counter;
	/* Arena page >> FP_ROOT_SHIFT -> its first-level node; set in place. */
	void *_Atomic root[FP_ROOT_MAX];
} fp = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Bumped whenever the slot state is dropped; a thread's cache follows it. */
static _Atomic unsigned int fp_gen = 1;

struct fp_tcache {
	unsigned int gen;
	bool keyed;
	bool exited;		/* fp_thread_exit() ran: own no chunk */
	struct netapibuf_counter *ctr;
	struct fp_chunk *cur[FP_NCLASSES];
	/* The last page fp_lookup() found, in generation gen, and its chunk. */
	uintptr_t seen_page;
	struct fp_chunk *seen;
};

static __thread struct fp_tcache fp_tc __attribute__((tls_model("initial-exec")));
static pthread_key_t fp_key;
static pthread_once_t fp_key_once = PTHREAD_ONCE_INIT;
static bool fp_key_ok;

static inline unsigned int fp_class_of(size_t n)
{
	if (n <= (1U << FP_MIN_SHIFT))
		return 0;
	return (unsigned int)(64 - __builtin_clzl(n - 1)) - FP_MIN_SHIFT;
}

static inline unsigned int fp_slots(unsigned int class)
{
	return FP_PAGE >> (FP_MIN_SHIFT + class);
}

/* Class @class's first bit in fp_chunk.live: class 0 has bits 0-255,
 * class 1 256-383, ... class 7 508-509; a class's bits never share a word
 * with another's slots unless they fit in that word whole. */
static inline unsigned int fp_first(unsigned int class)
{
	return 2 * FP_MAX_SLOTS - 2 * fp_slots(class);
}

/* The word and bit of slot @slot of class @class. */
static inline _Atomic uint64_t *fp_word(struct fp_chunk *c, unsigned int class,
					unsigned int slot, uint64_t *bit)
{
	unsigned int b = fp_first(class) + slot;

	*bit = 1ULL << (b % 64);
	return &c->live[b / 64];
}

/* ---- lists, under fp.lock ---------------------------------------------- */

static void fp_list_add(struct fp_list *l, struct fp_chunk *c, unsigned int where)
{
	c->prev = NULL;
	c->next = l->first;
	if (l->first)
		l->first->prev = c;
	l->first = c;
	l->nr++;
	atomic_store(&c->where, where);
}

static void fp_list_del(struct fp_list *l, struct fp_chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	l->nr--;
}

static struct fp_list *fp_list_of(struct fp_chunk *c)
{
	unsigned int class = atomic_load(&c->class);

	switch (atomic_load_explicit(&c->where, memory_order_relaxed)) {
	case FP_OWNED:
		return &fp.owned;
	case FP_PARTIAL:
		return &fp.partial[class];
	case FP_FULL:
		return &fp.full[class];
	case FP_EMPTY:
		return &fp.empty;
	}
	return NULL;
}

/*
 * Put a chunk no thread allocates from where it belongs now.  A Free of a
 * chunk a thread owns leaves the filing to whoever disowns it (fp_free()),
 * so the chunk is marked not owned before its count is read: with both
 * sides sequentially consistent, either that Free sees the mark and
 * files the chunk again itself (fp_settle()), or the count read here
 * already has its decrement.
 */
static void fp_place(struct fp_chunk *c)
{
	unsigned int class = atomic_load(&c->class);
	unsigned int n;

	atomic_store(&c->where, FP_GONE);
	n = atomic_load(&c->nr_live);

	if (!n)
		fp_list_add(&fp.empty, c, FP_EMPTY);
	else if (n < fp_slots(class))
		fp_list_add(&fp.partial[class], c, FP_PARTIAL);
	else
		fp_list_add(&fp.full[class], c, FP_FULL);
}

/* Whether the thread of @tc still owns @c (it may have been taken). */
static inline bool fp_owns(const struct fp_tcache *tc, struct fp_chunk *c)
{
	return atomic_load_explicit(&c->owner, memory_order_relaxed) ==
	       (uintptr_t)tc;
}

/* The thread of @tc gives up @c, which it owns and is not claiming in. */
static void fp_disown(struct fp_tcache *tc, struct fp_chunk *c,
		      unsigned int class)
{
	fp_list_del(&fp.owned, c);
	atomic_store_explicit(&c->owner, 0, memory_order_relaxed);
	tc->cur[class] = NULL;
}

/*
 * Take every chunk a thread owns but holds no live buffer in back to the
 * empty list, whichever thread owns it.  A thread claiming in one right
 * now (FP_BUSY) keeps it; otherwise the owner is swapped out first and the
 * chunk is checked empty after: the owner's next claim fails its
 * compare-and-swap and it takes fp.lock (fp_refill()), where it finds the
 * chunk gone.  Its fp_tcache still names the chunk; only it reads that.
 */
static void fp_steal_idle(void)
{
	struct fp_chunk *c, *next;
	uintptr_t owner;

	for (c = fp.owned.first; c; c = next) {
		next = c->next;
		owner = atomic_load_explicit(&c->owner, memory_order_relaxed);
		if ((owner & FP_BUSY) || atomic_load(&c->nr_live))
			continue;
		/* Acquire: pairs with the release that ends a claim. */
		if (!atomic_compare_exchange_strong_explicit(&c->owner, &owner, 0,
							     memory_order_acquire,
							     memory_order_relaxed))
			continue;
		if (atomic_load_explicit(&c->nr_live, memory_order_acquire)) {
			atomic_store_explicit(&c->owner, owner,
					      memory_order_release);
			continue;
		}
		fp_list_del(&fp.owned, c);
		fp_list_add(&fp.empty, c, FP_EMPTY);
	}
}

/* ---- the kernel's side: GET and PUT, under fp.lock -------------------- */

/* Whether @addr, from the kernel, is a page of the arena. */
static inline bool fp_in_arena(uint64_t addr)
{
	return addr >= fp.arena_base && !(addr % FP_PAGE) &&
	       (addr - fp.arena_base) / FP_PAGE < fp.arena_pages;
}

/*
 * The descriptor of the arena page holding @addr, which lies in the arena,
 * or NULL if that page never had one.  Each step's acquire pairs with the
 * release that published the node or descriptor (fp_install()), so what
 * is found is seen whole.
 */
static inline struct fp_chunk *fp_find(uintptr_t addr)
{
	uintptr_t i = (addr - fp.arena_base) / FP_PAGE;
	struct fp_node *n;

	n = atomic_load_explicit(&fp.root[i >> FP_ROOT_SHIFT],
				 memory_order_acquire);
	if (!n)
		return NULL;
	n = atomic_load_explicit(&n->e[(i >> 2 * FP_FAN_SHIFT) % FP_FAN],
				 memory_order_acquire);
	if (!n)
		return NULL;
	n = atomic_load_explicit(&n->e[(i >> FP_FAN_SHIFT) % FP_FAN],
				 memory_order_acquire);
	if (!n)
		return NULL;
	return atomic_load_explicit(&n->e[i % FP_FAN], memory_order_acquire);
}

/* A bookkeeping page: six free pieces.  Under fp.lock, as all of these. */
static void fp_meta_add_page(uint64_t addr)
{
	char *page = netapibuf_ptr(addr);
	unsigned int i;

	for (i = 0; i < FP_META_PER_PAGE; i++) {
		void **piece = (void **)(page + i * FP_META_SLOT);

		*piece = fp.meta_free;
		fp.meta_free = piece;
	}
	fp.meta_nr += FP_META_PER_PAGE;
	fp.meta_pages++;
}

/* A zeroed piece; fp_meta_reserve() made sure there is one. */
static void *fp_meta_take(void)
{
	void **piece = fp.meta_free;

	fp.meta_free = *piece;
	fp.meta_nr--;
	memset(piece, 0, FP_META_SLOT);
	return piece;
}

/*
 * CHUNKS_GET of @nr pages into @arg, checked: every address a page of the
 * arena.  The first one also tells where the counter page is.  Returns 0
 * or the errno value.
 */
static int fp_get_pages(unsigned int nr, struct netapibuf_chunks *arg)
{
	unsigned int i;
	int err;

	memset(arg, 0, sizeof(*arg));
	arg->count = nr;
	err = netapibuf_ioctl(fp.fd, NETAPIBUF_IOC_CHUNKS_GET, arg);
	for (i = 0; !err && i < nr; i++)
		if (!fp_in_arena(arg->addrs[i]))
			err = EINVAL;
	if (!err && !fp_in_arena(arg->counters))
		err = EINVAL;
	if (err)
		return err;
	if (!atomic_load_explicit(&fp.counters, memory_order_relaxed))
		atomic_store_explicit(&fp.counters, netapibuf_ptr(arg->counters),
				      memory_order_release);
	return 0;
}

/*
 * The entry for arena page @idx at @depth, under fp.lock: 1 is its root
 * entry, 2 and 3 entries of the nodes below, 4 its leaf's entry (the
 * descriptor).  NULL if a node above it is missing.
 */
static void *_Atomic *fp_entry(uint64_t idx, unsigned int depth)
{
	void *_Atomic *e = &fp.root[idx >> FP_ROOT_SHIFT];
	struct fp_node *n;
	unsigned int d;

	for (d = 1; d < depth; d++) {
		n = atomic_load_explicit(e, memory_order_relaxed);
		if (!n)
			return NULL;
		e = &n->e[(idx >> (3 - d) * FP_FAN_SHIFT) % FP_FAN];
	}
	return e;
}

static inline uint64_t fp_index(uint64_t addr)
{
	return (addr - fp.arena_base) / FP_PAGE;
}

/* Whether an address before @addrs[@i] has its page index >> @shift. */
static bool fp_seen(const __u64 *addrs, unsigned int i, unsigned int shift)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (fp_index(addrs[j]) >> shift == fp_index(addrs[i]) >> shift)
			return true;
	return false;
}

/*
 * The pieces that filing the @nr pages at @addrs takes: a descriptor for
 * each page that never had one, and each node missing on the way down to
 * it, counted once.
 */
static unsigned int fp_meta_need(const __u64 *addrs, unsigned int nr)
{
	unsigned int i, d, need = 0;
	void *_Atomic *e;

	for (i = 0; i < nr; i++) {
		uint64_t idx = fp_index(addrs[i]);

		e = fp_entry(idx, 4);
		if (e && atomic_load_explicit(e, memory_order_relaxed))
			continue;
		need++;
		for (d = 1; d <= 3; d++) {
			e = fp_entry(idx, d);
			if ((!e || !atomic_load_explicit(e, memory_order_relaxed)) &&
			    !fp_seen(addrs, i, (4 - d) * FP_FAN_SHIFT))
				need++;
		}
	}
	return need;
}

/*
 * Bookkeeping pages for at least @need more pieces, in one CHUNKS_GET.
 * Returns 0 or the errno value (nothing changed).
 */
static int fp_meta_more(unsigned int need)
{
	struct netapibuf_chunks arg;
	unsigned int i, nr;
	int err;

	nr = (need + FP_META_PER_PAGE - 1) / FP_META_PER_PAGE;
	if (nr > NETAPIBUF_CHUNKS_MAX)
		return ENOMEM;
	err = fp_get_pages(nr, &arg);
	if (err)
		return err;
	for (i = 0; i < nr; i++)
		fp_meta_add_page(arg.addrs[i]);
	return 0;
}

/*
 * Files page @addr, delegated now, for buffers: the nodes down to it and
 * its descriptor, made if missing (fp_meta_need() counted them), each
 * published whole with a release: a lookup that finds it sees it zeroed
 * and with its base.
 */
static struct fp_chunk *fp_install(uint64_t addr)
{
	uint64_t idx = fp_index(addr);
	struct fp_chunk *c;
	void *_Atomic *e;
	unsigned int d;

	for (d = 1; d <= 3; d++) {
		e = fp_entry(idx, d);
		if (!atomic_load_explicit(e, memory_order_relaxed))
			atomic_store_explicit(e, fp_meta_take(),
					      memory_order_release);
	}
	e = fp_entry(idx, 4);
	c = atomic_load_explicit(e, memory_order_relaxed);
	if (!c) {
		c = fp_meta_take();
		c->base = addr;
		atomic_store_explicit(e, c, memory_order_release);
	}
	return c;
}

/* Gives back @nr chunks of the empty list; returns how many went. */
static unsigned long fp_put(unsigned long nr)
{
	struct netapibuf_chunks arg;
	struct fp_chunk *batch[NETAPIBUF_CHUNKS_MAX];
	unsigned long done = 0;
	unsigned int i, n;

	while (done < nr && fp.empty.first) {
		memset(&arg, 0, sizeof(arg));
		for (n = 0; n < NETAPIBUF_CHUNKS_MAX && done + n < nr &&
			    fp.empty.first; n++) {
			batch[n] = fp.empty.first;
			fp_list_del(&fp.empty, batch[n]);
			atomic_store_explicit(&batch[n]->where, FP_GONE,
					      memory_order_relaxed);
			arg.addrs[n] = batch[n]->base;
			/* No pointer finds it from here on. */
			atomic_store_explicit(&batch[n]->delegated, false,
					      memory_order_release);
		}
		arg.count = n;
		if (netapibuf_ioctl(fp.fd, NETAPIBUF_IOC_CHUNKS_PUT, &arg)) {
			/* A module that hid the feature since: keep them. */
			for (i = 0; i < n; i++) {
				atomic_store_explicit(&batch[i]->delegated, true,
						      memory_order_release);
				fp_list_add(&fp.empty, batch[i], FP_EMPTY);
			}
			break;
		}
		/* The descriptors stay in the tree, for the same pages. */
		fp.delegated -= n;
		done += n;
	}
	return done;
}

/*
 * Gets @nr chunks onto the empty list; returns the errno value or 0.
 * Their bookkeeping comes after them: the kernel picks the pages, and
 * they decide which nodes are missing.  If the kernel refuses pages for
 * it, pages of the batch become bookkeeping, the last first, until what
 * is left is covered: nothing is given back or lost, and a batch of one
 * refused so ends as a refused GET for slots does (the caller falls
 * back, its errno the kernel's).
 */
static int fp_get(unsigned int nr)
{
	struct netapibuf_chunks arg;
	struct fp_chunk *c;
	unsigned int i;
	int err;

	err = fp_get_pages(nr, &arg);
	if (err)
		return err;
	while (fp_meta_need(arg.addrs, nr) > fp.meta_nr) {
		if (!err)
			err = fp_meta_more(fp_meta_need(arg.addrs, nr) -
					   fp.meta_nr);
		if (err)
			fp_meta_add_page(arg.addrs[--nr]);
	}
	if (!nr)
		return err;
	for (i = 0; i < nr; i++) {
		c = fp_install(arg.addrs[i]);
		fp_list_add(&fp.empty, c, FP_EMPTY);
		atomic_store_explicit(&c->delegated, true, memory_order_release);
	}
	fp.delegated += nr;
	return 0;
}

/* Gives back every idle chunk, those that threads own included. */
static unsigned long fp_trim_locked(void)
{
	fp_steal_idle();
	return fp_put(fp.empty.nr);
}

/* ---- threads ------------------------------------------------------------ */

/* A thread that exits hands its chunks back to the pool. */
static void fp_thread_exit(void *arg)
{
	struct fp_tcache *tc = arg;
	struct fp_chunk *c;
	unsigned int class;

	if (tc->gen != atomic_load(&fp_gen))
		return;
	pthread_mutex_lock(&fp.lock);
	tc->exited = true;
	for (class = 0; class < FP_NCLASSES; class++) {
		c = tc->cur[class];
		tc->cur[class] = NULL;
		if (c && fp_owns(tc, c)) {
			fp_disown(tc, c, class);
			fp_place(c);
		}
	}
	pthread_mutex_unlock(&fp.lock);
}

static void fp_key_create(void)
{
	fp_key_ok = !pthread_key_create(&fp_key, fp_thread_exit);
}

/* The cache of a thread whose generation or counter slot is not set. */
static struct fp_tcache *__attribute__((noinline)) fp_tcache_slow(void)
{
	struct fp_tcache *tc = &fp_tc;
	unsigned int gen = atomic_load_explicit(&fp_gen, memory_order_relaxed);

	if (tc->gen != gen) {
		memset(tc->cur, 0, sizeof(tc->cur));
		tc->seen_page = 0;
		tc->seen = NULL;
		tc->ctr = NULL;
		tc->gen = gen;
		if (!tc->keyed) {
			pthread_once(&fp_key_once, fp_key_create);
			tc->keyed = fp_key_ok && !pthread_setspecific(fp_key, tc);
		}
	}
	if (!tc->ctr) {
		struct netapibuf_counters *p;

		p = atomic_load_explicit(&fp.counters, memory_order_acquire);
		if (p)
			tc->ctr = &p->slot[atomic_fetch_add(&fp.next_counter, 1) %
					   NETAPIBUF_COUNTER_SLOTS];
	}
	return tc;
}

static inline struct fp_tcache *fp_tcache(void)
{
	struct fp_tcache *tc = &fp_tc;

	if (__builtin_expect(tc->gen != atomic_load_explicit(&fp_gen,
							     memory_order_relaxed) ||
			     !tc->ctr, 0))
		return fp_tcache_slow();
	return tc;
}

static inline void fp_count(struct fp_tcache *tc, long buffers, long bytes)
{
	_Atomic int64_t *b = (_Atomic int64_t *)&tc->ctr->buffers;
	_Atomic int64_t *y = (_Atomic int64_t *)&tc->ctr->bytes;

	atomic_fetch_add_explicit(b, buffers, memory_order_relaxed);
	atomic_fetch_add_explicit(y, bytes, memory_order_relaxed);
}

/* ---- slots --------------------------------------------------------------- */

/*
 * A free slot of @c, a chunk of @class the thread of @tc owns: -1 if it
 * is full, -2 if it was taken from the thread (fp_steal_idle()).
 */
static inline int fp_claim(struct fp_tcache *tc, struct fp_chunk *c,
			   unsigned int class)
{
	unsigned int slots = fp_slots(class), first = fp_first(class);
	unsigned int w, last = (first + slots - 1) / 64;
	uintptr_t me = (uintptr_t)tc;
	uint64_t mask;
	int slot = -1;

	/* Busy: no thief takes it while a bit is being claimed. */
	if (!atomic_compare_exchange_strong_explicit(&c->owner, &me,
						     me | FP_BUSY,
						     memory_order_acquire,
						     memory_order_relaxed))
		return -2;
	mask = slots >= 64 ? ~0ULL : ((1ULL << slots) - 1) << (first % 64);
	for (w = first / 64; w <= last; w++) {
		uint64_t v = atomic_load_explicit(&c->live[w],
						  memory_order_acquire);
		uint64_t free = ~v & mask;

		if (free) {
			uint64_t bit = free & -free;

			/* Only the owner sets bits: this one is ours. */
			atomic_fetch_or_explicit(&c->live[w], bit,
						 memory_order_acq_rel);
			atomic_fetch_add_explicit(&c->nr_live, 1,
						  memory_order_relaxed);
			slot = (int)(w * 64 + __builtin_ctzll(bit) - first);
			break;
		}
	}
	/* Release: a thief that sees it not busy sees the claim too. */
	atomic_store_explicit(&c->owner, (uintptr_t)tc, memory_order_release);
	return slot;
}

/*
 * GET for a thread that needs a chunk: a batch, or one if the batch is
 * refused; and if one is refused too, the idle chunks of every thread go
 * back and one is asked for again.  After a refusal GET is not asked again
 * for the next 1, 2, 4 ... FP_BACKOFF_MAX calls (the caller takes its
 * buffer from the kernel's slots meanwhile): a session at its limit does
 * not pay a refused GET before every allocation.  Returns 0 or errno.
 */
static int fp_get_some(void)
{
	unsigned int want;
	int err;

	if (fp.backoff_left) {
		fp.backoff_left--;
		return EDQUOT;
	}
	want = fp.delegated / 2;
	want = want < 1 ? 1 : want > FP_BATCH_MAX ? FP_BATCH_MAX : want;
	err = fp_get(want);
	if (err && want > 1)
		err = fp_get(1);
	/* Idle chunks, of any thread, may be what stands in the way. */
	if ((err == EDQUOT || err == ENOMEM) && fp_trim_locked())
		err = fp_get(1);
	if (err) {
		fp.backoff = fp.backoff ? fp.backoff * 2 : 1;
		if (fp.backoff > FP_BACKOFF_MAX)
			fp.backoff = FP_BACKOFF_MAX;
		fp.backoff_left = fp.backoff;
	} else {
		fp.backoff = 0;
	}
	return err;
}

/*
 * A slot of @class for this thread, in @*cp: its full chunk goes to the
 * pool, and a partial one, an empty one or a fresh batch comes.  The slot
 * is claimed under fp.lock, so no thief takes the new chunk first.
 * Returns the slot, or -1 when no chunk can be had.
 */
static int fp_refill(struct fp_tcache *tc, unsigned int class,
		     struct fp_chunk **cp)
{
	struct fp_chunk *c = tc->cur[class];
	int slot = -1, saved_errno = errno;
	unsigned int k;

	pthread_mutex_lock(&fp.lock);
	if (c && !fp_owns(tc, c)) {
		/* Taken back while idle: it is in a list of fp already. */
		tc->cur[class] = NULL;
		c = NULL;
	}
	if (c) {
		slot = fp_claim(tc, c, class);
		if (slot >= 0)
			goto out;	/* freed meanwhile */
		fp_disown(tc, c, class);
		fp_place(c);
	}
	c = fp.partial[class].first;
	if (c) {
		fp_list_del(&fp.partial[class], c);
		goto own;
	}
	if (!fp.empty.first && fp_get_some())
		goto out;
	c = fp.empty.first;
	fp_list_del(&fp.empty, c);
	atomic_store(&c->class, class);
own:
	/*
	 * Taken from this thread once, the chunk may come back to it in
	 * another class: the stale entry must not claim with the old one.
	 */
	for (k = 0; k < FP_NCLASSES; k++)
		if (tc->cur[k] == c)
			tc->cur[k] = NULL;
	fp_list_add(&fp.owned, c, FP_OWNED);
	atomic_store_explicit(&c->owner, (uintptr_t)tc, memory_order_relaxed);
	tc->cur[class] = c;
	slot = fp_claim(tc, c, class);
	/*
	 * A later key's destructor allocates after fp_thread_exit() ran: a
	 * chunk the thread kept would stay owned when it is gone, filed by no
	 * one, so it goes back to the pool with the one slot claimed.
	 */
	if (tc->exited) {
		fp_disown(tc, c, class);
		fp_place(c);
	}
out:
	pthread_mutex_unlock(&fp.lock);
	/* A refused GET: none of the caller's business. */
	errno = saved_errno;
	*cp = c;
	return slot;
}

/* A chunk no thread owns changed: file it again, and trim the idle ones. */
static void __attribute__((noinline)) fp_settle(struct fp_chunk *c, unsigned int class)
{
	int saved_errno = errno;
	unsigned int where;
	struct fp_list *l;

	pthread_mutex_lock(&fp.lock);
	where = atomic_load_explicit(&c->where, memory_order_relaxed);
	if ((where == FP_PARTIAL || where == FP_FULL) &&
	    atomic_load(&c->class) == class) {
		l = fp_list_of(c);
		fp_list_del(l, c);
		fp_place(c);
		if (fp.empty.nr > FP_EMPTY_HIGH)
			fp_put(fp.empty.nr - FP_EMPTY_LOW);
	}
	pthread_mutex_unlock(&fp.lock);
	errno = saved_errno;
}

/* ---- the calls ----------------------------------------------------------- */

/*
 * The chunk holding @p, which lies in the arena, or NULL if its page is
 * not delegated now.  A page's descriptor never changes within a
 * generation (fp_install() only fills empty entries), so each thread
 * keeps the last one it found and skips the tree's four levels when the
 * next pointer is on the same page - the common case of a buffer freed
 * soon after it was made.  A cache of another generation is neither
 * used nor filled: fp_tcache_slow() clears it when the thread moves on.
 */
static inline struct fp_chunk *fp_lookup(const void *p)
{
	struct fp_tcache *tc = &fp_tc;
	uintptr_t page = (uintptr_t)p & ~(FP_PAGE - 1);
	bool now = tc->gen == atomic_load_explicit(&fp_gen,
						    memory_order_relaxed);
	struct fp_chunk *c;

	if (page == tc->seen_page && now) {
		c = tc->seen;
	} else {
		c = fp_find((uintptr_t)p);
		if (!c)
			return NULL;
		if (now) {
			tc->seen_page = page;
			tc->seen = c;
		}
	}
	if (!atomic_load_explicit(&c->delegated, memory_order_acquire))
		return NULL;
	return c;
}

/*
 * The slot @p starts, if it is a live buffer of @c: -1 otherwise (an
 * interior pointer, a slot not allocated, or a chunk gone meanwhile).
 * Only a hint for Free: its atomic AND-NOT decides (see the top).
 */
static inline int fp_slot(struct fp_chunk *c, const void *p, unsigned int *class)
{
	uintptr_t off = (uintptr_t)p - c->base;
	unsigned int cl = atomic_load_explicit(&c->class, memory_order_relaxed);
	unsigned int slot;
	uint64_t bit;

	if (off >= FP_PAGE || cl >= FP_NCLASSES ||
	    off & ((1UL << (FP_MIN_SHIFT + cl)) - 1))
		return -1;
	slot = off >> (FP_MIN_SHIFT + cl);
	if (!(atomic_load_explicit(fp_word(c, cl, slot, &bit),
				   memory_order_acquire) & bit))
		return -1;
	*class = cl;
	return (int)slot;
}

/* Slot @slot of @c, of @class, becomes the buffer of @n bytes at *@out. */
static inline void fp_hand_out(struct fp_tcache *tc, struct fp_chunk *c,
			       unsigned int class, int slot, DWORD n, void **out)
{
	char *p = (char *)c->base + ((uintptr_t)slot << (FP_MIN_SHIFT + class));

	atomic_store_explicit(&c->size[slot], (uint16_t)n, memory_order_relaxed);
	/* A 16-byte slot is zeroed whole: two stores rather than a call. */
	if (class == 0)
		memset(p, 0, 1U << FP_MIN_SHIFT);
	else
		memset(p, 0, n);
	fp_count(tc, 1, n);
	*out = p;
}

/* Allocate when this thread has no chunk of @class, or its chunk is full. */
static bool __attribute__((noinline))
fp_alloc_slow(DWORD n, unsigned int class, void **out)
{
	struct fp_tcache *tc = fp_tcache();
	struct fp_chunk *c = tc->cur[class];
	int slot;

	if (!c || (slot = fp_claim(tc, c, class)) < 0) {
		slot = fp_refill(tc, class, &c);
		/* The counter page may be new: the fast path needs its slot. */
		tc = fp_tcache();
		if (slot < 0)
			return false;
	}
	fp_hand_out(tc, c, class, slot, n, out);
	return true;
}

/*
 * A chunk in the thread's cache means the cache is of this generation and
 * has its counter slot (fp_alloc_slow() saw to both), so the common case
 * checks only the generation.
 */
bool netapibuf_fast_alloc(DWORD n, void **out)
{
	struct fp_tcache *tc = &fp_tc;
	unsigned int class = fp_class_of(n);
	struct fp_chunk *c = tc->cur[class];
	int slot;

	if (__builtin_expect(!c || tc->gen != atomic_load_explicit(&fp_gen,
								   memory_order_relaxed), 0) ||
	    (slot = fp_claim(tc, c, class)) < 0)
		return fp_alloc_slow(n, class, out);
	fp_hand_out(tc, c, class, slot, n, out);
	return true;
}

/* Frees @p of @c; false if it is not a live buffer (nothing changed). */
static inline __attribute__((always_inline)) bool fp_free(struct fp_chunk *c, void *p)
{
	_Atomic uint64_t *word;
	unsigned int class, n;
	uint64_t bit, old;
	uint16_t size;
	int slot;

	slot = fp_slot(c, p, &class);
	if (slot < 0)
		return false;
	size = atomic_load_explicit(&c->size[slot], memory_order_relaxed);
	word = fp_word(c, class, (unsigned int)slot, &bit);
	/* The one step that decides: set only for this live buffer. */
	old = atomic_fetch_and_explicit(word, ~bit, memory_order_acq_rel);
	if (!(old & bit))
		return false;	/* freed by a racing call: nothing changed */
	fp_count(fp_tcache(), -1, -(long)size);
	/*
	 * A chunk that fills or empties is filed again, unless a thread owns
	 * it: its owner allocates from it, and files it when it lets it go
	 * (fp_place(): sequentially consistent, as these two are).
	 */
	n = atomic_fetch_sub(&c->nr_live, 1);
	if ((n == fp_slots(class) || n == 1) &&
	    atomic_load(&c->where) != FP_OWNED)
		fp_settle(c, class);
	return true;
}

int netapibuf_fast_free(void *p)
{
	struct fp_chunk *c = fp_lookup(p);

	if (!c)
		return -1;
	return fp_free(c, p) ? NERR_Success : ERROR_INVALID_PARAMETER;
}

int netapibuf_fast_size(const void *p, DWORD *size)
{
	struct fp_chunk *c = fp_lookup(p);
	unsigned int class;
	int slot;

	if (!c)
		return -1;
	slot = fp_slot(c, p, &class);
	if (slot < 0)
		return ERROR_INVALID_PARAMETER;
	*size = atomic_load_explicit(&c->size[slot], memory_order_relaxed);
	return NERR_Success;
}

/*
 * Reallocate in place when @n stays in @p's slot class; otherwise tell the
 * caller (netapibuf.c) to allocate, copy *@old bytes at most and free @p
 * with netapibuf_fast_free(): NETAPIBUF_FAST_MOVE.
 */
int netapibuf_fast_realloc(void *p, DWORD n, void **out, DWORD *old)
{
	struct fp_chunk *c = fp_lookup(p);
	unsigned int class;
	uint16_t size;
	int slot;

	if (!c)
		return -1;
	slot = fp_slot(c, p, &class);
	if (slot < 0)
		return ERROR_INVALID_PARAMETER;
	size = atomic_load_explicit(&c->size[slot], memory_order_relaxed);
	if (!n) {
		if (!fp_free(c, p))
			return ERROR_INVALID_PARAMETER;
		*out = NULL;
		return NERR_Success;
	}
	if (n <= NETAPIBUF_FAST_MAX && fp_class_of(n) == class) {
		/* In place: the bytes past the old size read as zero. */
		if (n > size)
			memset((char *)p + size, 0, n - size);
		atomic_store_explicit(&c->size[slot], (uint16_t)n,
				      memory_order_relaxed);
		fp_count(fp_tcache(), 0, (long)n - size);
		*out = p;
		return NERR_Success;
	}
	*old = size;
	return NETAPIBUF_FAST_MOVE;
}

bool netapibuf_fast_trim(void)
{
	int saved_errno = errno;
	unsigned long n;

	pthread_mutex_lock(&fp.lock);
	n = fp_trim_locked();
	pthread_mutex_unlock(&fp.lock);
	errno = saved_errno;
	return n;
}

/* ---- the session's side ------------------------------------------------- */

/*
 * The root is the one part of the bookkeeping not in delegated pages: it
 * is written here, as the session opens, so that filing a chunk later
 * faults in no new page (and in a fork child, cleared; the rest of fp
 * netapibuf_fast_forget() cleared).
 */
bool netapibuf_fast_init(int fd, uintptr_t arena_base, size_t arena_size)
{
	const char *env = getenv("NETAPIBUF_FASTPATH");
	size_t pages = arena_size / FP_PAGE;

	if ((env && !strcmp(env, "0")) || sysconf(_SC_PAGESIZE) != FP_PAGE ||
	    !pages || (pages - 1) >> FP_ROOT_SHIFT >= FP_ROOT_MAX)
		return false;
	memset(fp.root, 0, (((pages - 1) >> FP_ROOT_SHIFT) + 1) *
	       sizeof(fp.root[0]));
	fp.fd = fd;
	fp.arena_base = arena_base;
	fp.arena_pages = pages;
	return true;
}

/*
 * In the child of fork(), single-threaded: forget the parent's chunks.
 * They, and the bookkeeping pages, are in the parent's arena, which the
 * child does not have: nothing to unmap.
 */
void netapibuf_fast_forget(void)
{
	atomic_fetch_add(&fp_gen, 1);
	memset(&fp, 0, sizeof(fp));
	pthread_mutex_init(&fp.lock, NULL);
	fp.fd = -1;
}

/* Bookkeeping pages the session holds (for the tests). */
unsigned long netapibuf_fast_meta_pages(void)
{
	unsigned long n;

	pthread_mutex_lock(&fp.lock);
	n = fp.meta_pages;
	pthread_mutex_unlock(&fp.lock);
	return n;
}

void netapibuf_fast_fork_prepare(void)
{
	pthread_mutex_lock(&fp.lock);
}

void netapibuf_fast_fork_parent(void)
{
	pthread_mutex_unlock(&fp.lock);
}
