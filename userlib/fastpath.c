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
 * - struct fp_chunk per delegated chunk: a bitmap of the live slots and
 *   each slot's size.  The bitmap is the truth for Free and Size: only the
 *   exact start of a live slot is a buffer; a Free that finds its bit
 *   clear (never allocated, interior, freed already) changes nothing.
 * - fp.table: arena page index -> its fp_chunk, so a pointer finds its
 *   chunk in one load; a pointer whose page has none goes to the kernel,
 *   as every pointer did before.
 *
 * Threads: lock-free on the per-buffer path.  Each thread allocates from
 * a chunk of its own per class (fp_tcache.cur), claiming a bit with one
 * atomic OR; any thread frees with one atomic AND-NOT, which also tells a
 * double free (the bit was clear).  So two threads never contend on a slot
 * word unless one frees what the other allocated.  fp.lock is taken only
 * when a chunk fills up, empties, or changes hands - once per 4096/size
 * allocations at most - and around CHUNKS_GET and CHUNKS_PUT.  Per-thread
 * chunks rather than per-CPU ones: a thread cannot be migrated in the
 * middle of its claim, so no restartable sequence is needed.
 *
 * Memory: chunks come in batches of 1, 2, 4 ... up to FP_BATCH_MAX (half
 * of what the process holds, so a program with one small buffer holds one
 * page), and empty chunks go back in batches once more than
 * FP_EMPTY_HIGH are idle, down to FP_EMPTY_LOW: a loop of Allocate and
 * Free never bounces pages.  A failed allocation first gives back every
 * idle chunk and tries again, so idle chunks never make a limit fail
 * earlier.  Memory is zeroed at Allocate (and at a Reallocate that grows
 * within its slot), so a chunk's old contents - only ever this process's -
 * are never seen.
 *
 * Counters: each thread adds what it allocates and frees to one slot of
 * the session's counter page, which the kernel reads when it shows
 * live_buffers, live_bytes and the session list: the figures are exact
 * at the moment of the read, with no lag.
 *
 * fork(2): the child's session is new (session.c); the tables here are
 * MADV_WIPEONFORK and netapibuf_fast_forget() drops them in the child, and
 * each thread's cache carries the generation it was made in, so the child
 * never acts on its parent's slot state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/netapibuf.h>

#include "netapibuf-private.h"

#define FP_PAGE		4096UL
#define FP_MIN_SHIFT	4
#define FP_NCLASSES	8		/* 16 bytes to 2 KiB */
#define FP_MAX_SLOTS	(FP_PAGE >> FP_MIN_SHIFT)
#define FP_WORDS	(FP_MAX_SLOTS / 64)
#define FP_BATCH_MAX	16
#define FP_EMPTY_HIGH	48
#define FP_EMPTY_LOW	16
#define FP_META_BLOCK	(64 * 1024)
#define FP_META_BLOCKS	4096

_Static_assert(FP_PAGE >> (FP_MIN_SHIFT + FP_NCLASSES - 1) == 2,
	       "the largest class is half a page");
_Static_assert(sizeof(struct netapibuf_counters) == FP_PAGE,
	       "the counter page is one page");

/* Where a chunk is; changed only under fp.lock. */
enum fp_where { FP_OWNED, FP_PARTIAL, FP_FULL, FP_EMPTY };

struct fp_chunk {
	_Atomic uint64_t live[FP_WORDS];
	_Atomic unsigned int nr_live;
	_Atomic unsigned int class;	/* changes only while FP_EMPTY */
	unsigned int where;
	uintptr_t base;			/* 0: a free descriptor */
	struct fp_chunk *next, *prev;	/* in a list of fp, under fp.lock */
	_Atomic uint16_t size[FP_MAX_SLOTS];
};

struct fp_list {
	struct fp_chunk *first;
	unsigned long nr;
};

static struct {
	pthread_mutex_t lock;		/* the lists, the batch, GET and PUT */
	int fd;
	uintptr_t arena_base;
	size_t table_bytes;
	struct fp_chunk *_Atomic *table;
	struct netapibuf_counters *_Atomic counters;
	struct fp_list partial[FP_NCLASSES], full[FP_NCLASSES], empty;
	struct fp_chunk *spare_meta;	/* free descriptors, via next */
	char *meta_block;
	size_t meta_used;
	void *blocks[FP_META_BLOCKS];
	unsigned int nr_blocks;
	unsigned long delegated;
	_Atomic unsigned int next_counter;
} fp = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Bumped whenever the slot state is dropped; a thread's cache follows it. */
static _Atomic unsigned int fp_gen = 1;

struct fp_tcache {
	unsigned int gen;
	bool keyed;
	struct netapibuf_counter *ctr;
	struct fp_chunk *cur[FP_NCLASSES];
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

static inline uint64_t fp_word_mask(unsigned int class)
{
	unsigned int slots = fp_slots(class);

	return slots >= 64 ? ~0ULL : (1ULL << slots) - 1;
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
	c->where = where;
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

	switch (c->where) {
	case FP_PARTIAL:
		return &fp.partial[class];
	case FP_FULL:
		return &fp.full[class];
	case FP_EMPTY:
		return &fp.empty;
	}
	return NULL;
}

/* Put a chunk no thread allocates from where it belongs now. */
static void fp_place(struct fp_chunk *c)
{
	unsigned int class = atomic_load(&c->class);
	unsigned int n = atomic_load(&c->nr_live);

	if (!n)
		fp_list_add(&fp.empty, c, FP_EMPTY);
	else if (n < fp_slots(class))
		fp_list_add(&fp.partial[class], c, FP_PARTIAL);
	else
		fp_list_add(&fp.full[class], c, FP_FULL);
}

/* ---- the kernel's side: GET and PUT, under fp.lock -------------------- */

static struct fp_chunk *fp_meta_new(void)
{
	struct fp_chunk *c = fp.spare_meta;

	if (c) {
		fp.spare_meta = c->next;
		memset(c, 0, sizeof(*c));
		return c;
	}
	if (!fp.meta_block || fp.meta_used + sizeof(*c) > FP_META_BLOCK) {
		void *b;

		if (fp.nr_blocks == FP_META_BLOCKS)
			return NULL;
		b = mmap(NULL, FP_META_BLOCK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			return NULL;
		madvise(b, FP_META_BLOCK, MADV_WIPEONFORK);
		fp.blocks[fp.nr_blocks++] = b;
		fp.meta_block = b;
		fp.meta_used = 0;
	}
	c = (struct fp_chunk *)(fp.meta_block + fp.meta_used);
	fp.meta_used += sizeof(*c);
	return c;
}

static inline struct fp_chunk *_Atomic *fp_slot_of(uintptr_t addr)
{
	return &fp.table[(addr - fp.arena_base) / FP_PAGE];
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
			arg.addrs[n] = batch[n]->base;
			/* No pointer finds it from here on. */
			atomic_store_explicit(fp_slot_of(batch[n]->base), NULL,
					      memory_order_release);
		}
		arg.count = n;
		if (netapibuf_ioctl(fp.fd, NETAPIBUF_IOC_CHUNKS_PUT, &arg)) {
			/* Cannot happen to chunks the kernel gave us: keep them. */
			for (i = 0; i < n; i++) {
				atomic_store_explicit(fp_slot_of(batch[i]->base),
						      batch[i],
						      memory_order_release);
				fp_list_add(&fp.empty, batch[i], FP_EMPTY);
			}
			break;
		}
		for (i = 0; i < n; i++) {
			/* Type-stable: a racing lookup may still read it. */
			batch[i]->base = 0;
			batch[i]->next = fp.spare_meta;
			fp.spare_meta = batch[i];
		}
		fp.delegated -= n;
		done += n;
	}
	return done;
}

/* Gets @nr chunks onto the empty list; returns the errno value or 0. */
static int fp_get(unsigned int nr)
{
	struct netapibuf_chunks arg = { .count = nr };
	struct fp_chunk *metas[NETAPIBUF_CHUNKS_MAX];
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++) {
		metas[i] = fp_meta_new();
		if (!metas[i]) {
			while (i--) {
				metas[i]->next = fp.spare_meta;
				fp.spare_meta = metas[i];
			}
			return ENOMEM;
		}
	}
	err = netapibuf_ioctl(fp.fd, NETAPIBUF_IOC_CHUNKS_GET, &arg);
	if (err || arg.counters - fp.arena_base >= fp.table_bytes / sizeof(void *) * FP_PAGE) {
		for (i = 0; i < nr; i++) {
			metas[i]->next = fp.spare_meta;
			fp.spare_meta = metas[i];
		}
		return err ? err : EINVAL;
	}
	if (!atomic_load_explicit(&fp.counters, memory_order_relaxed))
		atomic_store_explicit(&fp.counters, netapibuf_ptr(arg.counters),
				      memory_order_release);
	for (i = 0; i < nr; i++) {
		struct fp_chunk *c = metas[i];

		c->base = arg.addrs[i];
		fp_list_add(&fp.empty, c, FP_EMPTY);
		/* Published whole: a lookup that finds it sees base set. */
		atomic_store_explicit(fp_slot_of(c->base), c,
				      memory_order_release);
	}
	fp.delegated += nr;
	return 0;
}

/* Gives back every idle chunk, the caller's own empty ones included. */
static unsigned long fp_trim_locked(struct fp_tcache *tc)
{
	unsigned int class;

	for (class = 0; class < FP_NCLASSES; class++) {
		struct fp_chunk *c = tc->cur[class];

		if (c && !atomic_load(&c->nr_live)) {
			tc->cur[class] = NULL;
			fp_place(c);
		}
	}
	return fp_put(fp.empty.nr);
}

/* ---- threads ------------------------------------------------------------ */

/* A thread that exits hands its chunks back to the pool. */
static void fp_thread_exit(void *arg)
{
	struct fp_tcache *tc = arg;
	unsigned int class;

	if (tc->gen != atomic_load(&fp_gen))
		return;
	pthread_mutex_lock(&fp.lock);
	for (class = 0; class < FP_NCLASSES; class++) {
		if (tc->cur[class])
			fp_place(tc->cur[class]);
		tc->cur[class] = NULL;
	}
	pthread_mutex_unlock(&fp.lock);
}

static void fp_key_create(void)
{
	fp_key_ok = !pthread_key_create(&fp_key, fp_thread_exit);
}

static inline struct fp_tcache *fp_tcache(void)
{
	struct fp_tcache *tc = &fp_tc;
	unsigned int gen = atomic_load_explicit(&fp_gen, memory_order_relaxed);

	if (__builtin_expect(tc->gen != gen, 0)) {
		memset(tc->cur, 0, sizeof(tc->cur));
		tc->ctr = NULL;
		tc->gen = gen;
		if (!tc->keyed) {
			pthread_once(&fp_key_once, fp_key_create);
			tc->keyed = fp_key_ok && !pthread_setspecific(fp_key, tc);
		}
	}
	if (__builtin_expect(!tc->ctr, 0)) {
		struct netapibuf_counters *p;

		p = atomic_load_explicit(&fp.counters, memory_order_acquire);
		if (p)
			tc->ctr = &p->slot[atomic_fetch_add(&fp.next_counter, 1) %
					   NETAPIBUF_COUNTER_SLOTS];
	}
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

/* A free slot of a chunk this thread owns, or -1. */
static inline int fp_claim(struct fp_chunk *c, unsigned int class)
{
	unsigned int w, words = fp_slots(class) > 64 ? fp_slots(class) / 64 : 1;
	uint64_t mask = fp_word_mask(class);

	for (w = 0; w < words; w++) {
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
			return (int)(w * 64 + __builtin_ctzll(bit));
		}
	}
	return -1;
}

/*
 * A chunk of @class with a free slot for this thread: its full one goes
 * to the pool, and a partial one, an empty one or a fresh batch comes.
 */
static struct fp_chunk *fp_refill(struct fp_tcache *tc, unsigned int class)
{
	struct fp_chunk *c = tc->cur[class];
	unsigned int want;
	int err;

	pthread_mutex_lock(&fp.lock);
	if (c) {
		if (atomic_load(&c->nr_live) < fp_slots(class))
			goto out;	/* freed meanwhile */
		fp_place(c);
		tc->cur[class] = NULL;
	}
	c = fp.partial[class].first;
	if (c) {
		fp_list_del(&fp.partial[class], c);
		goto own;
	}
	if (!fp.empty.first) {
		want = fp.delegated / 2;
		want = want < 1 ? 1 : want > FP_BATCH_MAX ? FP_BATCH_MAX : want;
		err = fp_get(want);
		if (err && want > 1)
			err = fp_get(1);
		/* Idle chunks of ours may be what stands in the way. */
		if ((err == EDQUOT || err == ENOMEM) && fp_trim_locked(tc))
			err = fp_get(1);
		if (err) {
			c = NULL;
			goto out;
		}
	}
	c = fp.empty.first;
	fp_list_del(&fp.empty, c);
	atomic_store(&c->class, class);
own:
	c->where = FP_OWNED;
	tc->cur[class] = c;
out:
	pthread_mutex_unlock(&fp.lock);
	return c;
}

/* A chunk no thread owns changed: file it again, and trim the idle ones. */
static void fp_settle(struct fp_chunk *c, unsigned int class)
{
	struct fp_list *l;

	pthread_mutex_lock(&fp.lock);
	if (c->where != FP_OWNED && c->where != FP_EMPTY &&
	    atomic_load(&c->class) == class && c->base) {
		l = fp_list_of(c);
		fp_list_del(l, c);
		fp_place(c);
		if (fp.empty.nr > FP_EMPTY_HIGH)
			fp_put(fp.empty.nr - FP_EMPTY_LOW);
	}
	pthread_mutex_unlock(&fp.lock);
}

/* ---- the calls ----------------------------------------------------------- */

/* The chunk holding @p, which lies in the arena, or NULL. */
static inline struct fp_chunk *fp_lookup(const void *p)
{
	return atomic_load_explicit(fp_slot_of((uintptr_t)p),
				    memory_order_acquire);
}

/*
 * The slot @p starts, if it is a live buffer of @c: -1 otherwise (an
 * interior pointer, a slot not allocated, or a chunk gone meanwhile).
 */
static inline int fp_slot(struct fp_chunk *c, const void *p, unsigned int *class)
{
	uintptr_t off = (uintptr_t)p - c->base;
	unsigned int cl = atomic_load_explicit(&c->class, memory_order_relaxed);
	unsigned int slot;

	if (off >= FP_PAGE || cl >= FP_NCLASSES ||
	    off & ((1UL << (FP_MIN_SHIFT + cl)) - 1))
		return -1;
	slot = off >> (FP_MIN_SHIFT + cl);
	if (!(atomic_load_explicit(&c->live[slot / 64], memory_order_acquire) &
	      (1ULL << (slot % 64))))
		return -1;
	*class = cl;
	return (int)slot;
}

bool netapibuf_fast_alloc(DWORD n, void **out)
{
	struct fp_tcache *tc = fp_tcache();
	unsigned int class = fp_class_of(n);
	struct fp_chunk *c = tc->cur[class];
	char *p;
	int slot;

	if (!c || (slot = fp_claim(c, class)) < 0) {
		c = fp_refill(tc, class);
		if (!c)
			return false;
		slot = fp_claim(c, class);
		if (slot < 0)
			return false;
		tc = fp_tcache();	/* the counter page may be new */
	}
	atomic_store_explicit(&c->size[slot], (uint16_t)n, memory_order_relaxed);
	p = (char *)c->base + ((uintptr_t)slot << (FP_MIN_SHIFT + class));
	memset(p, 0, n);
	fp_count(tc, 1, n);
	*out = p;
	return true;
}

/* Frees @p of @c; false if it is not a live buffer (nothing changed). */
static bool fp_free(struct fp_chunk *c, void *p)
{
	unsigned int class, n;
	uint64_t bit, old;
	uint16_t size;
	int slot;

	slot = fp_slot(c, p, &class);
	if (slot < 0)
		return false;
	size = atomic_load_explicit(&c->size[slot], memory_order_relaxed);
	bit = 1ULL << (slot % 64);
	old = atomic_fetch_and_explicit(&c->live[slot / 64], ~bit,
					memory_order_acq_rel);
	if (!(old & bit))
		return false;	/* freed by a racing call: nothing changed */
	fp_count(fp_tcache(), -1, -(long)size);
	n = atomic_fetch_sub_explicit(&c->nr_live, 1, memory_order_acq_rel);
	if (n == fp_slots(class) || n == 1)
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

int netapibuf_fast_realloc(const struct netapibuf_session *s, void *p,
			   DWORD n, void **out)
{
	struct fp_chunk *c = fp_lookup(p);
	NET_API_STATUS status;
	unsigned int class;
	uint16_t old;
	void *q;
	int slot;

	if (!c)
		return -1;
	slot = fp_slot(c, p, &class);
	if (slot < 0)
		return ERROR_INVALID_PARAMETER;
	old = atomic_load_explicit(&c->size[slot], memory_order_relaxed);
	if (!n) {
		if (!fp_free(c, p))
			return ERROR_INVALID_PARAMETER;
		*out = NULL;
		return NERR_Success;
	}
	if (n <= NETAPIBUF_FAST_MAX && fp_class_of(n) == class) {
		/* In place: the bytes past the old size read as zero. */
		if (n > old)
			memset((char *)p + old, 0, n - old);
		atomic_store_explicit(&c->size[slot], (uint16_t)n,
				      memory_order_relaxed);
		fp_count(fp_tcache(), 0, (long)n - old);
		*out = p;
		return NERR_Success;
	}
	status = netapibuf_alloc(s, n, &q);
	if (status != NERR_Success)
		return status;	/* p is untouched */
	memcpy(q, p, old < n ? old : n);
	if (!fp_free(c, p)) {
		/* Freed by a racing call after all: undo, report it. */
		netapibuf_free(s, q);
		return ERROR_INVALID_PARAMETER;
	}
	*out = q;
	return NERR_Success;
}

bool netapibuf_fast_trim(void)
{
	unsigned long n;

	pthread_mutex_lock(&fp.lock);
	n = fp_trim_locked(fp_tcache());
	pthread_mutex_unlock(&fp.lock);
	return n;
}

/* ---- the session's side ------------------------------------------------- */

bool netapibuf_fast_init(int fd, uintptr_t arena_base, size_t arena_size)
{
	const char *env = getenv("NETAPIBUF_FASTPATH");
	size_t bytes = arena_size / FP_PAGE * sizeof(void *);
	void *table;

	if ((env && !strcmp(env, "0")) || sysconf(_SC_PAGESIZE) != FP_PAGE)
		return false;
	table = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (table == MAP_FAILED)
		return false;
	/* A child of fork() must not see its parent's slot state. */
	madvise(table, bytes, MADV_WIPEONFORK);
	fp.fd = fd;
	fp.arena_base = arena_base;
	fp.table_bytes = bytes;
	fp.table = table;
	return true;
}

/* In the child of fork(), single-threaded: forget the parent's chunks. */
void netapibuf_fast_forget(void)
{
	unsigned int i;

	atomic_fetch_add(&fp_gen, 1);
	if (fp.table)
		munmap((void *)fp.table, fp.table_bytes);
	for (i = 0; i < fp.nr_blocks; i++)
		munmap(fp.blocks[i], FP_META_BLOCK);
	memset(&fp, 0, sizeof(fp));
	pthread_mutex_init(&fp.lock, NULL);
	fp.fd = -1;
}

void netapibuf_fast_fork_prepare(void)
{
	pthread_mutex_lock(&fp.lock);
}

void netapibuf_fast_fork_parent(void)
{
	pthread_mutex_unlock(&fp.lock);
}
