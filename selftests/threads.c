// SPDX-License-Identifier: GPL-2.0
/*
 * Threads: N threads mix the four calls for a bounded number of
 * iterations, on buffers of their own and on buffers they share, filling
 * every buffer with a pattern of the thread that wrote it last and
 * checking it before each reallocation or free and after each
 * reallocation. All threads start together, so their first calls race
 * to open the process's one session. At the end the counters are back.
 * Then: faults racing frees (race), and calls that go on while another
 * thread allocates, without passing a limit together (unlocked).
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <pthread.h>
#include <stdatomic.h>

#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_INVALID	((NET_API_STATUS)ERROR_INVALID_PARAMETER)

#define NTHREADS	8
#define OWN_SLOTS	16
#define SHARED_SLOTS	64
/* Per thread; NETAPIBUF_TEST_ITERATIONS overrides it for longer runs. */
#define ITERATIONS	3000

static unsigned int iterations(void)
{
	const char *env = getenv("NETAPIBUF_TEST_ITERATIONS");
	unsigned long n = env ? strtoul(env, NULL, 0) : 0;

	return n ? n : ITERATIONS;
}

static const DWORD sizes[] = {
	0, 1, 16, 100, 2048, 4095, 4096, 5000, 12288, 65536,
};

struct slot {
	pthread_mutex_t lock;	/* shared slots only */
	LPVOID p;
	DWORD size;
	unsigned int seed;	/* the pattern of its bytes */
};

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned int rng;
	pthread_barrier_t *start;
	struct slot *slots;	/* own slots, or the shared ones */
	size_t nslots;
	bool shared;
	unsigned long ops, errors;
	char first_error[256];
};

/* Records a failure; threads must not use ASSERT_* (it longjmps). */
#define FAIL(w, fmt, ...)						\
	do {								\
		if (!(w)->errors++)					\
			snprintf((w)->first_error,			\
				 sizeof((w)->first_error),		\
				 "thread %u: " fmt, (w)->id,		\
				 ##__VA_ARGS__);			\
	} while (0)

/* A call with errno set to a per-thread sentinel, checked after. */
#define CALL(w, call)							\
	({								\
		NET_API_STATUS __st;					\
		errno = 1000 + (int)(w)->id;				\
		__st = (call);						\
		if (errno != 1000 + (int)(w)->id)			\
			FAIL(w, "%s changed errno to %d", #call, errno); \
		(w)->ops++;						\
		__st;							\
	})

static unsigned int next_seed(struct worker *w)
{
	/* the thread in the high bits, so threads never share a pattern */
	return (w->id << 5) | (rand_r(&w->rng) & 31);
}

static void verify(struct worker *w, const struct slot *s, const char *when)
{
	long bad;

	if (!s->p)
		return;
	if ((uintptr_t)s->p % 16)
		FAIL(w, "%s: %p misaligned", when, s->p);
	bad = nab_check(s->p, 0, s->size, s->seed);
	if (bad >= 0)
		FAIL(w, "%s: %u-byte buffer %p differs at %ld", when, s->size,
		     s->p, bad);
}

static void one_op(struct worker *w, struct slot *s)
{
	DWORD n = sizes[rand_r(&w->rng) % ARRAY_SIZE(sizes)], got;
	NET_API_STATUS st;
	LPVOID q;
	long bad;

	switch (rand_r(&w->rng) % 4) {
	case 0:	/* allocate into an empty slot, else free it */
		if (s->p) {
			verify(w, s, "before free");
			st = CALL(w, NetApiBufferFree(s->p));
			if (st != ST_SUCCESS)
				FAIL(w, "Free(%p): %u", s->p, st);
			s->p = NULL;
			break;
		}
		st = CALL(w, NetApiBufferAllocate(n, &q));
		if (st != ST_SUCCESS || !q) {
			FAIL(w, "Allocate(%u): %u", n, st);
			break;
		}
		bad = nab_check_zero(q, 0, n);
		if (bad >= 0)
			FAIL(w, "new %u-byte buffer not zero at %ld", n, bad);
		s->p = q;
		s->size = n;
		s->seed = next_seed(w);
		nab_fill(q, 0, n, s->seed);
		break;
	case 1:	/* free, NULL included */
		verify(w, s, "before free");
		st = CALL(w, NetApiBufferFree(s->p));
		if (st != ST_SUCCESS)
			FAIL(w, "Free(%p): %u", s->p, st);
		s->p = NULL;
		break;
	case 2:	/* reallocate, from NULL and to 0 included */
		if (rand_r(&w->rng) % 8 == 0)
			n = 0;
		verify(w, s, "before realloc");
		q = (LPVOID)1;
		st = CALL(w, NetApiBufferReallocate(s->p, n, &q));
		if (st != ST_SUCCESS) {
			FAIL(w, "Reallocate(%p, %u): %u", s->p, n, st);
			break;
		}
		if (n == 0) {
			if (q)
				FAIL(w, "Reallocate(%p, 0) gave %p", s->p, q);
			s->p = NULL;
			break;
		}
		if (!q) {
			FAIL(w, "Reallocate(%p, %u) gave NULL", s->p, n);
			s->p = NULL;
			break;
		}
		{
			DWORD keep = s->p ? (s->size < n ? s->size : n) : 0;

			bad = nab_check(q, 0, keep, s->seed);
			if (bad >= 0)
				FAIL(w, "realloc %u -> %u lost byte %ld",
				     s->size, n, bad);
			bad = nab_check_zero(q, keep, n - keep);
			if (bad >= 0)
				FAIL(w, "realloc %u -> %u: byte %ld not zero",
				     s->size, n, bad);
		}
		s->p = q;
		s->size = n;
		s->seed = next_seed(w);
		nab_fill(q, 0, n, s->seed);
		break;
	case 3:	/* size */
		got = 0xa5a5a5a5;
		st = CALL(w, NetApiBufferSize(s->p, &got));
		if (!s->p) {
			if (st != ST_INVALID || got != 0xa5a5a5a5)
				FAIL(w, "Size(NULL): %u, %u", st, got);
		} else if (st != ST_SUCCESS || got != s->size) {
			FAIL(w, "Size(%p): %u, %u bytes, expected %u", s->p,
			     st, got, s->size);
		}
		verify(w, s, "size");
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i, n = iterations();
	size_t k;

	pthread_barrier_wait(w->start);
	for (i = 0; i < n; i++) {
		struct slot *s = &w->slots[rand_r(&w->rng) % w->nslots];

		if (w->shared)
			pthread_mutex_lock(&s->lock);
		one_op(w, s);
		if (w->shared)
			pthread_mutex_unlock(&s->lock);
	}
	if (w->shared)
		return NULL;
	for (k = 0; k < w->nslots; k++) {
		verify(w, &w->slots[k], "at the end");
		if (CALL(w, NetApiBufferFree(w->slots[k].p)) != ST_SUCCESS)
			FAIL(w, "final Free(%p)", w->slots[k].p);
		w->slots[k].p = NULL;
	}
	return NULL;
}

FIXTURE(threads) {
	struct nab_stats base;
	struct worker workers[NTHREADS];
	struct slot own[NTHREADS][OWN_SLOTS];
	struct slot shared[SHARED_SLOTS];
	pthread_barrier_t start;
};

FIXTURE_VARIANT(threads) {
	bool shared;
};

/* Each thread on its own buffers: the most concurrency. */
FIXTURE_VARIANT_ADD(threads, own_buffers) { .shared = false };
/* Buffers freed and resized by threads other than their allocator. */
FIXTURE_VARIANT_ADD(threads, shared_buffers) { .shared = true };

FIXTURE_SETUP(threads)
{
	size_t i;

	NAB_REQUIRE_DEVICE();
	nab_pattern_init();	/* before the threads: it is lazy */
	ASSERT_STATS(&self->base);
	ASSERT_EQ(0, pthread_barrier_init(&self->start, NULL, NTHREADS));
	for (i = 0; i < SHARED_SLOTS; i++)
		ASSERT_EQ(0, pthread_mutex_init(&self->shared[i].lock, NULL));
	for (i = 0; i < NTHREADS; i++) {
		struct worker *w = &self->workers[i];

		w->id = i;
		w->rng = 0x9e3779b9u * (i + 1);
		w->start = &self->start;
		w->shared = variant->shared;
		w->slots = variant->shared ? self->shared : self->own[i];
		w->nslots = variant->shared ? SHARED_SLOTS : OWN_SLOTS;
	}
}

FIXTURE_TEARDOWN(threads)
{
	pthread_barrier_destroy(&self->start);
}

TEST_F_TIMEOUT(threads, mixed_calls, 300)
{
	unsigned long ops = 0;
	struct nab_stats now;
	long long start;
	size_t i;

	start = nab_now_ms();
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, pthread_create(&self->workers[i].thread, NULL,
					    worker_main, &self->workers[i]));
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, pthread_join(self->workers[i].thread, NULL));

	for (i = 0; i < NTHREADS; i++) {
		struct worker *w = &self->workers[i];

		EXPECT_EQ(0UL, w->errors) TH_LOG("%s", w->first_error);
		ops += w->ops;
	}
	for (i = 0; variant->shared && i < SHARED_SLOTS; i++) {
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(self->shared[i].p));
		self->shared[i].p = NULL;
	}
	TH_LOG("%lu calls in %lld ms", ops, nab_now_ms() - start);
	EXPECT_LE((unsigned long)NTHREADS * iterations(), ops);

	/* One session for the whole process, however the first calls raced. */
	ASSERT_STATS(&now);
	EXPECT_EQ(self->base.sessions + 1, now.sessions);
	EXPECT_EQ(self->base.live_buffers, now.live_buffers);
	EXPECT_EQ(self->base.live_bytes, now.live_bytes);
	EXPECT_LE(self->base.live_buffers + 1, now.peak_buffers);
}

/* ---- faults racing with free and realloc ---------------------------- */

/*
 * Readers touch large buffers while a writer frees and reallocates them
 * under their feet. Touching a buffer being freed is the caller's bug,
 * so the readers may see SIGBUS or any bytes; what must hold is that the
 * kernel stays sane, and that once everything is freed no page of any
 * buffer is still mapped: a fault that raced with a free must not leave
 * a page table entry behind.
 */
#define RACE_SLOTS	8
#define RACE_READERS	3
#define RACE_ROUNDS	3000
#define RACE_LOG	(RACE_SLOTS + RACE_ROUNDS)

struct race {
	LPVOID _Atomic slot[RACE_SLOTS];
	_Atomic bool done;
	/* every buffer the writer ever had, for the final probe */
	LPVOID seen[RACE_LOG];
	DWORD seen_size[RACE_LOG];
	size_t nseen;
	unsigned long errors;
	char first_error[128];
	unsigned long reads[RACE_READERS], faults[RACE_READERS];
};

static __thread sigjmp_buf *race_env;

static void race_handler(int sig)
{
	(void)sig;
	if (!race_env)
		abort();
	siglongjmp(*race_env, 1);
}

struct reader_arg {
	struct race *r;
	unsigned int id;
};

static void *race_reader(void *arg)
{
	struct reader_arg *a = arg;
	struct race *r = a->r;
	unsigned int rng = a->id + 1;
	sigjmp_buf env;

	race_env = &env;
	while (!atomic_load(&r->done)) {
		char *p = atomic_load(&r->slot[rand_r(&rng) % RACE_SLOTS]);

		if (!p)
			continue;
		if (sigsetjmp(env, 1) == 0) {
			(void)*(volatile char *)(p + (rand_r(&rng) % 3) * 4096);
			r->reads[a->id]++;
		} else {
			r->faults[a->id]++;
		}
	}
	race_env = NULL;
	return NULL;
}

static void race_log(struct race *r, LPVOID p, DWORD n)
{
	if (p && r->nseen < RACE_LOG) {
		r->seen[r->nseen] = p;
		r->seen_size[r->nseen++] = n;
	}
}

static void race_writer(struct race *r)
{
	unsigned int rng = 7, i;
	DWORD size = 3 * 4096;

	for (i = 0; i < RACE_SLOTS; i++) {
		LPVOID p;

		if (NetApiBufferAllocate(size, &p) != ST_SUCCESS) {
			r->errors++;
			continue;
		}
		race_log(r, p, size);
		atomic_store(&r->slot[i], p);
	}
	for (i = 0; i < RACE_ROUNDS; i++) {
		unsigned int k = rand_r(&rng) % RACE_SLOTS;
		LPVOID p = atomic_load(&r->slot[k]), q;
		DWORD n = (1 + rand_r(&rng) % 4) * 4096 + (rand_r(&rng) % 2);

		if (rand_r(&rng) % 2) {
			if (NetApiBufferFree(p) != ST_SUCCESS)
				r->errors++;
			if (NetApiBufferAllocate(n, &q) != ST_SUCCESS) {
				r->errors++;
				q = NULL;
			}
		} else if (NetApiBufferReallocate(p, n, &q) != ST_SUCCESS) {
			r->errors++;
			continue;
		}
		race_log(r, q, n);
		atomic_store(&r->slot[k], q);
	}
}

FIXTURE(race) {
	struct nab_stats base;
	struct race *r;
};

FIXTURE_SETUP(race)
{
	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
	self->r = calloc(1, sizeof(*self->r));
	ASSERT_NE(NULL, self->r);
}

FIXTURE_TEARDOWN(race)
{
	free(self->r);
}

TEST_F_TIMEOUT(race, faults_during_free, 300)
{
	struct sigaction sa = { .sa_handler = race_handler };
	struct reader_arg args[RACE_READERS];
	pthread_t readers[RACE_READERS];
	struct race *r = self->r;
	unsigned long reads = 0, faults = 0;
	struct nab_stats now;
	size_t i, j, mapped = 0;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));

	for (i = 0; i < RACE_READERS; i++) {
		args[i].r = r;
		args[i].id = i;
		ASSERT_EQ(0, pthread_create(&readers[i], NULL, race_reader,
					    &args[i]));
	}
	race_writer(r);
	atomic_store(&r->done, true);
	for (i = 0; i < RACE_READERS; i++) {
		ASSERT_EQ(0, pthread_join(readers[i], NULL));
		reads += r->reads[i];
		faults += r->faults[i];
	}
	EXPECT_EQ(0UL, r->errors);
	EXPECT_LT(0UL, reads);
	TH_LOG("%lu reads, %lu faults, %zu buffers", reads, faults, r->nseen);

	for (i = 0; i < RACE_SLOTS; i++)
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(atomic_load(&r->slot[i])));
	ASSERT_STATS(&now);
	EXPECT_EQ(self->base.live_buffers, now.live_buffers);
	EXPECT_EQ(self->base.live_bytes, now.live_bytes);

	/* Nothing is live: every page any buffer had must be gone. */
	for (i = 0; i < r->nseen; i++)
		for (j = 0; j < r->seen_size[i]; j += 4096)
			mapped += nab_probe((char *)r->seen[i] + j, false) !=
				  SIGBUS;
	EXPECT_EQ((size_t)0, mapped) TH_LOG("pages still mapped after free");
}

/*
 * Pages are allocated and zeroed with the session unlocked: while one
 * thread allocates 512 MiB, another thread's fault on, and Free of,
 * buffers it had already complete before that allocation returns.
 *
 * The other thread starts once the allocation's bytes are charged
 * (live_bytes), which the module does before it allocates a page. After
 * its fault and its Free it checks that the allocation has not returned
 * (the allocating thread's flag) and, closing the gap between the
 * module's return and that flag, that the allocation's pages are not yet
 * counted (stats/pages: they are counted as the buffer enters the arena,
 * just before the call returns). A fault or Free that waits for the
 * allocation, as when the allocation held the session lock, sees both.
 * Ordering only: no clock is read.
 */
#define BIG_SIZE	(512UL << 20)
#define BIG_PAGES	(BIG_SIZE / 4096)

struct big_alloc {
	LPVOID p;
	NET_API_STATUS status;
	atomic_bool returned;
};

static void *big_alloc_thread(void *arg)
{
	struct big_alloc *b = arg;

	b->status = NetApiBufferAllocate(BIG_SIZE, &b->p);
	atomic_store(&b->returned, true);
	return NULL;
}

FIXTURE(unlocked) {
	struct nab_stats base;
};

FIXTURE_SETUP(unlocked)
{
	NAB_REQUIRE_DEVICE();
}

FIXTURE_TEARDOWN(unlocked)
{
}

TEST_F_TIMEOUT(unlocked, fault_and_free_during_allocation, 300)
{
	struct big_alloc b = { .returned = false };
	volatile unsigned char *touch;
	LPVOID untouched, gone;
	struct nab_stats now;
	long long charged;
	bool returned;
	pthread_t t;
	size_t i;

	/* Never touched: reading it faults; freeing it takes the lock too. */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(16 * 4096, &untouched));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(4 * 4096, &gone));
	touch = untouched;
	ASSERT_STATS(&self->base);

	ASSERT_EQ(0, pthread_create(&t, NULL, big_alloc_thread, &b));
	do {
		ASSERT_TRUE(nab_stat("live_bytes", &charged));
	} while (charged < self->base.live_bytes + (long long)BIG_SIZE &&
	       !atomic_load(&b.returned));

	for (i = 0; i < 16 * 4096; i += 4096)
		EXPECT_EQ(0, touch[i]);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(gone));
	returned = atomic_load(&b.returned);
	ASSERT_STATS(&now);

	EXPECT_FALSE(returned)
		TH_LOG("the fault and the Free waited for the allocation");
	EXPECT_LT(now.pages, self->base.pages + (long long)BIG_PAGES / 2)
		TH_LOG("the allocation was done before the fault and the Free");

	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(ST_SUCCESS, b.status);
	ASSERT_STATS(&now);
	EXPECT_EQ(self->base.pages - 4 + (long long)BIG_PAGES, now.pages);
	EXPECT_EQ(0, ((volatile unsigned char *)b.p)[BIG_SIZE - 1]);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(b.p));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(untouched));
}

/*
 * Allocating unlocked does not let concurrent calls pass a limit: the
 * bytes are charged before the pages are allocated. Eight threads each
 * allocate 16 MiB at once under a session limit of what four such
 * buffers hold (and what the session holds already): exactly four get
 * their buffer.
 */
#define LIMIT_THREADS	8
#define LIMIT_SIZE	(16UL << 20)
/* What one holds: its pages, and two pointers each for their array. */
#define LIMIT_HELD	(LIMIT_SIZE + LIMIT_SIZE / NAB_PAGE_SIZE * 2 * sizeof(void *))

struct limit_arg {
	pthread_barrier_t *start;
	LPVOID p;
	NET_API_STATUS status;
};

static void *limit_thread(void *arg)
{
	struct limit_arg *a = arg;

	pthread_barrier_wait(a->start);
	a->status = NetApiBufferAllocate(LIMIT_SIZE, &a->p);
	return NULL;
}

TEST_F_TIMEOUT(unlocked, concurrent_allocations_within_limit, 300)
{
	struct limit_arg args[LIMIT_THREADS] = {};
	pthread_t threads[LIMIT_THREADS];
	struct nab_stats before, kept;
	unsigned long long saved;
	pthread_barrier_t start;
	unsigned int i, got = 0;
	LPVOID warm;

	/* Open the session first, so that no thread's call is its first. */
	ASSERT_STATS(&before);
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(16, &warm));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(warm));
	/*
	 * A refused allocation gives the empty page back; what the session
	 * still holds (the fast path's bookkeeping, in delegated pages it
	 * keeps) counts against the limit too.
	 */
	ASSERT_EQ((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY,
		  NetApiBufferAllocate(0xFFFFFFFF, &warm));
	ASSERT_STATS(&kept);
	ASSERT_TRUE(nab_param_read("max_session_bytes", &saved));
	ASSERT_TRUE(nab_param_write("max_session_bytes",
				    kept.charged_bytes - before.charged_bytes +
				    4 * LIMIT_HELD));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, LIMIT_THREADS));
	for (i = 0; i < LIMIT_THREADS; i++) {
		args[i].start = &start;
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, limit_thread,
					    &args[i]));
	}
	for (i = 0; i < LIMIT_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], NULL));
		if (args[i].status == ST_SUCCESS)
			got++;
		else
			EXPECT_EQ((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY,
				  args[i].status);
	}
	EXPECT_TRUE(nab_param_write("max_session_bytes", saved));
	EXPECT_EQ(4U, got);
	for (i = 0; i < LIMIT_THREADS; i++)
		if (args[i].status == ST_SUCCESS)
			EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(args[i].p));
	pthread_barrier_destroy(&start);
}

TEST_HARNESS_MAIN
