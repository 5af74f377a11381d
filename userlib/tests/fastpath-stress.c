// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Stress of the small-buffer fast path's chunk filing (fastpath.c), on
 * the host against tests/fake-netapibuf.so with FAKE_NETAPIBUF_CHUNKS=1.
 * TAP output.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Usage: fastpath-stress THREADS SPAWNS [SEED [TRIM]]
 *
 * THREADS workers (1 to 8) allocate bursts of 16 B, 1 KiB, 2 KiB and
 * other small buffers, stamp each with its address and size, and free
 * them in a shuffled order, or hand them to another worker to free, or
 * keep some a while; a worker ends after a random number of rounds, often
 * handing every buffer it kept to the others as it exits, so that their
 * Frees empty its chunks while it gives them up, and main starts another
 * in its place until SPAWNS workers have run.  With TRIM=1 a thread makes
 * the kernel refuse an allocation over and over, so that the library
 * takes idle chunks from the workers (fp_steal_idle()) while they claim.
 * Then THREADS threads free the same buffers at once, round after round:
 * each must be freed exactly once.  Then two threads race, 3000 rounds
 * each way, the Frees that empty a chunk (or make a full one not full)
 * against its owner giving it up, in a refill and at thread exit (see
 * struct pair): the window where fp_place() and fp_free() must see each
 * other.  With the two sides' orderings weakened to release/acquire, this
 * part failed 22 of 30 runs on an x86 host; with either side's two steps
 * swapped, 9 of 30.  Last, threads allocate from a key destructor that
 * runs after the library's: the pages they use must go back to the pool.
 *
 * Checked: every Allocate succeeds with zeroed memory, every buffer is
 * intact and its Size right when it is freed, every Free of a live
 * buffer succeeds and every second one fails; at the end the counter page
 * adds up to no buffer and no byte, and once an allocation the kernel
 * refuses has made the library give back every idle chunk, the fake
 * holds no delegated page but the library's bookkeeping pages (which it
 * never gives back; it is linked with the library's objects to ask how
 * many) and refused no CHUNKS_PUT: no chunk was lost from every list,
 * left in a list it does not belong to, or filed twice.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netapibuf.h>

#define MAX_THREADS	8
#define INBOX		2048
#define KEEP		192
#define BURST		64
#define MAX_ROUNDS	200
#define RACE_BUFS	600
#define RACE_ROUNDS	40
#define HUGE		(1U << 30)	/* past the fake's largest buffer */
#define MAGIC		0x6e61627374726573ULL

#include "tap.h"

/* fastpath.c, hidden in the shared library: this test links the objects. */
unsigned long netapibuf_fast_meta_pages(void);

static unsigned int rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned int)(*s >> 32);
}

static struct inbox {
	pthread_mutex_t lock;
	void *p[INBOX];
	unsigned int n;
} inbox[MAX_THREADS];

static int nthreads;
static atomic_long bad_alloc, bad_data, bad_free, freed, allocated;
static atomic_bool stop;

static DWORD pick_size(uint64_t *s)
{
	switch (rnd(s) % 8) {
	case 0: case 1: case 2:
		return 16;
	case 3: case 4:
		return 1024;
	case 5:
		return 2048;
	default:
		return 16 + rnd(s) % (2048 - 16 + 1);
	}
}

static void *alloc_one(uint64_t *s)
{
	DWORD n = pick_size(s);
	uint64_t stamp[2];
	unsigned char *p;

	if (NetApiBufferAllocate(n, (void **)&p) != NERR_Success) {
		bad_alloc++;
		return NULL;
	}
	for (DWORD i = 0; i < n; i++)
		if (p[i]) {
			bad_data++;
			break;
		}
	stamp[0] = (uintptr_t)p ^ MAGIC;
	stamp[1] = n | 0x5aULL << 56;
	memcpy(p, stamp, sizeof(stamp));
	if (n > 16)
		p[n - 1] = 0x5a;
	allocated++;
	return p;
}

/* Checks @p is the buffer it was and frees it (one time in 8 by Reallocate). */
static void free_one(void *p, uint64_t *s)
{
	unsigned char *c = p;
	uint64_t stamp[2];
	DWORD size = 0;
	void *q = p;

	memcpy(stamp, p, sizeof(stamp));
	if (stamp[0] != ((uintptr_t)p ^ MAGIC) || stamp[1] >> 56 != 0x5a ||
	    NetApiBufferSize(p, &size) != NERR_Success ||
	    size != (DWORD)stamp[1] || (size > 16 && c[size - 1] != 0x5a))
		bad_data++;
	if (rnd(s) % 8 == 0) {
		if (NetApiBufferReallocate(p, 0, &q) != NERR_Success || q)
			bad_free++;
	} else if (NetApiBufferFree(p) != NERR_Success) {
		bad_free++;
	}
	freed++;
}

static bool hand_over(int from, void *p, uint64_t *s)
{
	struct inbox *b;

	if (nthreads < 2)
		return false;
	b = &inbox[(from + 1 + rnd(s) % (nthreads - 1)) % nthreads];
	pthread_mutex_lock(&b->lock);
	if (b->n == INBOX) {
		pthread_mutex_unlock(&b->lock);
		return false;
	}
	b->p[b->n++] = p;
	pthread_mutex_unlock(&b->lock);
	return true;
}

static void drain(int me, uint64_t *s)
{
	static __thread void *mine[INBOX];
	struct inbox *b = &inbox[me];
	unsigned int n;

	pthread_mutex_lock(&b->lock);
	n = b->n;
	memcpy(mine, b->p, n * sizeof(void *));
	b->n = 0;
	pthread_mutex_unlock(&b->lock);
	while (n) {
		unsigned int i = rnd(s) % n;

		free_one(mine[i], s);
		mine[i] = mine[--n];
	}
}

struct worker {
	pthread_t t;
	int idx;
	uint64_t seed;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint64_t s = w->seed;
	void *burst[BURST], *keep[KEEP];
	unsigned int rounds = 1 + rnd(&s) % MAX_ROUNDS, nkeep = 0, n, i;

	for (unsigned int r = 0; r < rounds; r++) {
		n = 1 + rnd(&s) % BURST;
		for (i = 0; i < n; i++)
			if (!(burst[i] = alloc_one(&s)))
				break;
		n = i;
		while (n) {
			void *p;

			i = rnd(&s) % n;
			p = burst[i];
			burst[i] = burst[--n];
			switch (rnd(&s) % 8) {
			case 0: case 1: case 2:
				if (hand_over(w->idx, p, &s))
					break;
				/* fall through */
			case 3: case 4:
				free_one(p, &s);
				break;
			default:
				if (nkeep < KEEP)
					keep[nkeep++] = p;
				else
					free_one(p, &s);
			}
		}
		drain(w->idx, &s);
		if (rnd(&s) % 16 == 0)
			while (nkeep > KEEP / 2)
				free_one(keep[--nkeep], &s);
	}
	/* Often the others free what this thread kept while it exits. */
	bool give = rnd(&s) % 2;

	while (nkeep) {
		void *p = keep[--nkeep];

		if (!give || !hand_over(w->idx, p, &s))
			free_one(p, &s);
	}
	return NULL;
}

static void *trimmer(void *arg)
{
	void *p;

	(void)arg;
	while (!atomic_load(&stop)) {
		if (NetApiBufferAllocate(HUGE, &p) != ERROR_NOT_ENOUGH_MEMORY)
			bad_alloc++;
		sched_yield();
	}
	return NULL;
}

/* Race: every thread frees every buffer of @bufs; each wins once. */
static void *race_bufs[RACE_BUFS];
static atomic_int race_wins[RACE_BUFS];
static pthread_barrier_t race_barrier;

static void *racer(void *arg)
{
	struct worker *w = arg;
	uint64_t s = w->seed;
	unsigned int from = w->idx * RACE_BUFS / nthreads;
	unsigned int to = (w->idx + 1) * RACE_BUFS / nthreads;

	for (int r = 0; r < RACE_ROUNDS; r++) {
		for (unsigned int i = from; i < to; i++) {
			race_bufs[i] = alloc_one(&s);
			atomic_store(&race_wins[i], 0);
		}
		pthread_barrier_wait(&race_barrier);
		for (unsigned int k = 0; k < RACE_BUFS; k++) {
			unsigned int i = (from + k) % RACE_BUFS;

			if (race_bufs[i] && NetApiBufferFree(race_bufs[i]) ==
					    NERR_Success)
				atomic_fetch_add(&race_wins[i], 1);
		}
		pthread_barrier_wait(&race_barrier);
		for (unsigned int i = from; i < to; i++)
			if (race_bufs[i] && atomic_load(&race_wins[i]) != 1)
				bad_free++;
		pthread_barrier_wait(&race_barrier);
	}
	return NULL;
}

/*
 * Race: a thread gives up a chunk while another frees its last buffers.
 * The giver fills a 2 KiB chunk (two slots) and hands both buffers over;
 * then it allocates again (its refill files the full chunk) or, in a
 * thread of its own, exits (its destructor files every chunk it owns, a
 * 16-byte one too), while the taker frees them after a spin of random
 * length, so that its Frees land before, during or after the filing.
 * After each round a refused allocation makes the library give back its
 * idle chunks: a chunk filed as holding buffers when it holds none stays
 * delegated, and the round fails.
 */
#define GIVE_ROUNDS	3000

static void (*fake_chunks)(unsigned long *, unsigned long *, long long *,
			   long long *);

/*
 * Both sides of a pair spin at their meeting point, so that they leave it
 * together (a sleeping waiter would start microseconds late); on a single
 * CPU they yield.
 */
struct meet {
	atomic_uint count, round;
};

static void meet(struct meet *m)
{
	unsigned int round = atomic_load(&m->round), k = 0;

	if (atomic_fetch_add(&m->count, 1) == 1) {
		atomic_store(&m->count, 0);
		atomic_fetch_add(&m->round, 1);
		return;
	}
	while (atomic_load(&m->round) == round)
		if (++k % 256 == 0)
			sched_yield();
}

struct pair {
	struct meet go;
	void *bufs[3];
	uint64_t seed;
	bool exiting;
	void *spare;	/* the giver's buffer from its refill */
	long misfiled;	/* chunks filed as holding buffers, holding none */
	unsigned long stuck;	/* such chunks now */
};

static void spin(unsigned int n)
{
	for (volatile unsigned int i = 0; i < n; i++)
		;
}

static void give_fill(struct pair *pr, uint64_t *s)
{
	void *a, *b, *c = NULL;

	/* Two 2 KiB buffers of one chunk: this thread's chunk is full. */
	if (NetApiBufferAllocate(2048, &a)) {
		bad_alloc++;
		return;
	}
	for (;;) {
		if (NetApiBufferAllocate(2048, &b)) {
			bad_alloc++;
			NetApiBufferFree(a);
			return;
		}
		if (((uintptr_t)a ^ (uintptr_t)b) < 4096)
			break;
		/* a ended a chunk, b began one: keep b's, free a. */
		if (NetApiBufferFree(a))
			bad_free++;
		a = b;
	}
	if (pr->exiting && NetApiBufferAllocate(1 + rnd(s) % 16, &c))
		bad_alloc++;
	pr->bufs[0] = a;
	pr->bufs[1] = b;
	pr->bufs[2] = c;
}

static void *giver_once(void *arg)
{
	struct pair *pr = arg;
	uint64_t s = pr->seed;

	give_fill(pr, &s);
	meet(&pr->go);
	meet(&pr->go);
	return NULL;	/* the destructor files the chunks, racing the taker */
}

static void *giver(void *arg)
{
	struct pair *pr = arg;
	uint64_t s = pr->seed;

	for (int r = 0; r < GIVE_ROUNDS; r++) {
		give_fill(pr, &s);
		meet(&pr->go);
		meet(&pr->go);
		/* The chunk is full: this refill files it. */
		if (NetApiBufferAllocate(2048, &pr->spare))
			bad_alloc++;
		meet(&pr->go);
		meet(&pr->go);	/* the taker checks */
		if (NetApiBufferFree(pr->spare))
			bad_free++;
	}
	return NULL;
}

/*
 * The taker's side of a round, from before the meeting point: the giver
 * files its chunk a few hundred cycles (exit) to a few thousand (refill)
 * after it, so the Frees land in that span, at random.  Half the rounds
 * one of the two 2 KiB buffers is freed early, so that the racing Free is
 * the one that empties the chunk; otherwise both race (the first makes a
 * full chunk not full).
 */
static void take(struct pair *pr, uint64_t *s)
{
	unsigned int span = pr->exiting ? 400 : 2000;
	bool early = rnd(s) % 2, small_first = rnd(s) % 2;

	if (early && pr->bufs[0] && NetApiBufferFree(pr->bufs[0]))
		bad_free++;
	meet(&pr->go);
	spin(rnd(s) % span);
	if (small_first && pr->bufs[2] && NetApiBufferFree(pr->bufs[2]))
		bad_free++;
	if (!early && pr->bufs[0] && NetApiBufferFree(pr->bufs[0]))
		bad_free++;
	spin(rnd(s) % 32);
	if (pr->bufs[1] && NetApiBufferFree(pr->bufs[1]))
		bad_free++;
	if (!small_first && pr->bufs[2] && NetApiBufferFree(pr->bufs[2]))
		bad_free++;
	memset(pr->bufs, 0, sizeof(pr->bufs));
}

/* Gives back the idle chunks; counts a round with more left than @live. */
static void check_idle(struct pair *pr, unsigned long live)
{
	unsigned long delegated, refused;
	long long buffers, bytes;
	void *p;

	if (NetApiBufferAllocate(HUGE, &p) != ERROR_NOT_ENOUGH_MEMORY)
		bad_alloc++;
	fake_chunks(&delegated, &refused, &buffers, &bytes);
	delegated -= netapibuf_fast_meta_pages();
	/* A chunk left over from a round before is counted once. */
	if (delegated > live + pr->stuck || refused)
		pr->misfiled += delegated - live - pr->stuck + refused;
	pr->stuck = delegated > live ? delegated - live : 0;
}

static void *taker(void *arg)
{
	struct pair *pr = arg;
	uint64_t s = pr->seed ^ 0x5555;
	pthread_t t;

	for (int r = 0; r < GIVE_ROUNDS; r++) {
		meet(&pr->go);	/* the giver has filled its chunk */
		take(pr, &s);
		meet(&pr->go);
		check_idle(pr, 1);	/* the page of the giver's spare */
		meet(&pr->go);
	}
	/* Now the giver is a new thread each round, and exits. */
	pr->exiting = true;
	for (int r = 0; r < GIVE_ROUNDS; r++) {
		pr->seed = rnd(&s) | 1;
		if (pthread_create(&t, NULL, giver_once, pr)) {
			bad_alloc++;
			break;
		}
		meet(&pr->go);
		take(pr, &s);
		pthread_join(t, NULL);
		check_idle(pr, 0);
	}
	return NULL;
}

/*
 * A thread whose last allocation comes from a key destructor that runs
 * after the library's (a key created later): nothing files a chunk it
 * takes then, so it must not keep one.  The next thread's allocation
 * then takes the same chunk from the pool; a chunk each would be a page
 * per thread held until a limit makes the library look for idle ones.
 */
#define LATE_THREADS	64

static pthread_key_t late_key;
static void *late_bufs[LATE_THREADS];

static void late_alloc(void *arg)
{
	if (NetApiBufferAllocate(16, &late_bufs[(uintptr_t)arg - 1]))
		bad_alloc++;
}

static void *late_thread(void *arg)
{
	void *p;

	if (NetApiBufferAllocate(16, &p) || NetApiBufferFree(p))
		bad_alloc++;
	pthread_setspecific(late_key, arg);
	return NULL;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static void test_late_destructor(void)
{
	unsigned int pages = 0, freed_ok = 0;
	pthread_t t;

	pthread_key_create(&late_key, late_alloc);
	for (uintptr_t i = 0; i < LATE_THREADS; i++) {
		pthread_create(&t, NULL, late_thread, (void *)(i + 1));
		pthread_join(t, NULL);
	}
	qsort(late_bufs, LATE_THREADS, sizeof(void *), cmp_ptr);
	for (int i = 0; i < LATE_THREADS; i++) {
		if (!late_bufs[i])
			continue;
		if (!i || !late_bufs[i - 1] || ((uintptr_t)late_bufs[i] ^
		    (uintptr_t)late_bufs[i - 1]) >= 4096)
			pages++;
		freed_ok += NetApiBufferFree(late_bufs[i]) == NERR_Success;
	}
	ok(freed_ok == LATE_THREADS && pages <= 2,
	   "%d threads allocate 16 B in a late key destructor: %u pages for them, %u freed",
	   LATE_THREADS, pages, freed_ok);
	pthread_key_delete(late_key);
}

int main(int argc, char **argv)
{
	void (*chunks)(unsigned long *, unsigned long *, long long *,
		       long long *);
	struct worker w[MAX_THREADS];
	unsigned long spawns, delegated, refused;
	long long buffers, bytes;
	uint64_t s;
	pthread_t trim;
	bool trimming;
	void *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || (nthreads = atoi(argv[1])) < 1 ||
	    nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s THREADS(1-8) SPAWNS [SEED [TRIM]]\n",
			argv[0]);
		return 2;
	}
	spawns = strtoul(argv[2], NULL, 0);
	s = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	s = s * 0x9e3779b97f4a7c15ULL | 1;
	trimming = argc > 4 && atoi(argv[4]);
	fake_chunks = chunks = (void (*)(unsigned long *, unsigned long *, long long *,
			   long long *))dlsym(RTLD_DEFAULT, "fake_netapibuf_chunks");
	if (!ok(chunks && getenv("FAKE_NETAPIBUF_CHUNKS"),
		"the fake device, offering chunks, is preloaded"))
		return 1;

	for (int i = 0; i < MAX_THREADS; i++)
		pthread_mutex_init(&inbox[i].lock, NULL);
	if (trimming)
		pthread_create(&trim, NULL, trimmer, NULL);
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .idx = i, .seed = rnd(&s) | 1ULL << 40 };
		pthread_create(&w[i].t, NULL, worker, &w[i]);
	}
	/* A worker ends, another starts in its place, while the rest run. */
	for (unsigned long k = 0; k < spawns; k++) {
		int i = k % nthreads;

		pthread_join(w[i].t, NULL);
		w[i].seed = rnd(&s) | 1ULL << 40;
		pthread_create(&w[i].t, NULL, worker, &w[i]);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].t, NULL);
	for (int i = 0; i < nthreads; i++)
		drain(i, &s);
	atomic_store(&stop, true);
	if (trimming)
		pthread_join(trim, NULL);
	ok(!bad_alloc && !bad_data && !bad_free && allocated == freed,
	   "%d threads, %lu spawned%s: %ld buffers, %ld freed; %ld failed allocations, %ld bad contents, %ld failed frees",
	   nthreads, spawns + nthreads, trimming ? ", idle chunks taken" : "",
	   (long)allocated, (long)freed, (long)bad_alloc, (long)bad_data,
	   (long)bad_free);

	pthread_barrier_init(&race_barrier, NULL, nthreads);
	for (int i = 0; i < nthreads; i++) {
		w[i].seed = rnd(&s) | 1ULL << 40;
		pthread_create(&w[i].t, NULL, racer, &w[i]);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].t, NULL);
	ok(!bad_free && !bad_alloc,
	   "%d threads free the same %d buffers, %d rounds: %ld not freed exactly once",
	   nthreads, RACE_BUFS, RACE_ROUNDS, (long)bad_free);

	{
		struct pair pr = { .seed = rnd(&s) | 1 };
		pthread_t g, t;

		pthread_create(&g, NULL, giver, &pr);
		pthread_create(&t, NULL, taker, &pr);
		pthread_join(g, NULL);
		pthread_join(t, NULL);
		ok(!bad_free && !bad_alloc && !pr.misfiled,
		   "%d refills and %d thread exits racing the Frees of their chunks: %ld chunks misfiled",
		   GIVE_ROUNDS, GIVE_ROUNDS, pr.misfiled);
	}

	test_late_destructor();

	chunks(&delegated, &refused, &buffers, &bytes);
	ok(!buffers && !bytes, "counter page: %lld buffers, %lld bytes live",
	   buffers, bytes);
	ok(NetApiBufferAllocate(HUGE, &p) == ERROR_NOT_ENOUGH_MEMORY,
	   "a refused allocation gives the idle chunks back");
	chunks(&delegated, &refused, &buffers, &bytes);
	ok(delegated == netapibuf_fast_meta_pages() && !refused,
	   "every chunk back: %lu still delegated, %lu of them bookkeeping, %lu CHUNKS_PUT refused",
	   delegated, netapibuf_fast_meta_pages(), refused);
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
