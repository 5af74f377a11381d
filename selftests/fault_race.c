// SPDX-License-Identifier: GPL-2.0
/*
 * Faults racing MADV_DONTNEED over the whole arena.
 *
 * MADV_DONTNEED on the arena (a shared mapping) only drops page table
 * entries: the next access faults the same pages back, contents intact.
 * Since 6.14 it may also free the page-table page it empties, when the
 * range covers a whole one (2 MiB on x86-64; commit 6375e95f381e, "mm:
 * pgtable: reclaim empty PTE page in madvise(MADV_DONTNEED)",
 * CONFIG_PT_RECLAIM) - while a fault in another thread is filling that
 * very page table. A fault handler that installs entries itself must
 * cope with that; the kernel's own fault completion does.
 *
 * One thread calls MADV_DONTNEED over the whole arena in a loop while
 * others fault live buffers back in, large ones (several pages, mapped
 * ahead by the fault handler) and small ones (slots of shared pages),
 * by reads and by writes, for a bounded number of rounds. Every buffer
 * lies at least 2 MiB into the arena, in page tables the MADV_DONTNEED
 * can free whatever the arena's alignment. What must hold: no SIGBUS or
 * SIGSEGV, every byte as last written, and (where /dev/kmsg can be read)
 * no "VM_FAULT_OOM leaked" report from the guest kernel, which is what a
 * handler returning VM_FAULT_OOM for this race produces instead of a
 * signal.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include "netapibuf_test.h"

/*
 * Rounds per thread; NETAPIBUF_FAULT_RACE_ROUNDS overrides it. Without
 * the fix, 7.3 lost the race within 34 rounds in each of 10 runs.
 */
#define ROUNDS		1000

#define LARGE_THREADS	2
#define SMALL_THREADS	1
#define NTHREADS	(LARGE_THREADS + SMALL_THREADS)

/* Past any partly covered page table at the arena's start. */
#define PMD_SPAN	(2UL << 20)

/* Per large thread, in bytes: odd page counts and partial last pages. */
static const size_t large_sizes[] = {
	(64 << 12) + 100, (33 << 12) + 16, 128 << 12, (97 << 12) + 4000,
};

/* Per small thread: slots of 32 to 2048 bytes, some 15 pages of them. */
static const size_t small_sizes[] = { 24, 100, 256, 600, 1000, 2048 };
#define SMALL_BUFFERS	96

#define MAX_UNITS	512

/*
 * What a thread checks and writes: each page of a large buffer, or a
 * whole small buffer. The first 8 bytes hold a stamp the thread rewrites
 * in every other round; the rest keeps the buffer's pattern.
 */
struct unit {
	unsigned char *p;
	size_t off;		/* in its buffer, for the pattern */
	size_t len;		/* at least 16 */
	unsigned char *buf;	/* the buffer */
	unsigned int seed;	/* its pattern */
};

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned long rounds;
	struct unit units[MAX_UNITS];
	size_t nunits;
	void *bufs[SMALL_BUFFERS];
	size_t nbufs;
	unsigned long round;
	unsigned long seen;	/* MADV_DONTNEED calls seen */
	uint64_t stamp;		/* the last one written */
	long minflt;		/* page faults the thread took */
	unsigned long errors;
	char first_error[200];
};

struct race {
	struct nab_session s;
	struct worker w[NTHREADS];
	void *filler;
	_Atomic bool stop;
	atomic_uint running;
	atomic_ulong madvise_calls;	/* a generation count for the workers */
	atomic_ulong rounds_started;	/* one for the madvise thread */
	int madvise_errno;
};

static __thread sigjmp_buf *race_env;
static __thread void *volatile race_addr;
static __thread volatile sig_atomic_t race_sig;

static void race_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!race_env)
		abort();
	race_sig = sig;
	race_addr = si->si_addr;
	siglongjmp(*race_env, 1);
}

static unsigned long rounds(void)
{
	const char *env = getenv("NETAPIBUF_FAULT_RACE_ROUNDS");
	unsigned long n = env ? strtoul(env, NULL, 0) : 0;

	return n ? n : ROUNDS;
}

static long thread_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_minflt;
}

static void worker_error(struct race *r, struct worker *w, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));

static void worker_error(struct race *r, struct worker *w, const char *fmt,
			 ...)
{
	va_list ap;

	if (!w->errors++) {
		va_start(ap, fmt);
		vsnprintf(w->first_error, sizeof(w->first_error), fmt, ap);
		va_end(ap);
	}
	atomic_store(&r->stop, true);
}

static uint64_t stamp_of(const struct worker *w, unsigned long round,
			 size_t unit)
{
	return (uint64_t)round << 32 | (uint64_t)w->id << 24 | unit;
}

/* Where in the arena, for messages. */
static long arena_off(const struct race *r, const void *p)
{
	return (const char *)p - (const char *)r->s.arena;
}

static void check_unit(struct race *r, struct worker *w, size_t i,
		       const char *when)
{
	const struct unit *u = &w->units[i];
	uint64_t want = w->stamp | i, have;
	long bad;

	memcpy(&have, u->p, sizeof(have));
	if (have != want)
		worker_error(r, w, "%s: stamp at arena +%#lx is %#llx, not %#llx",
			     when, arena_off(r, u->p),
			     (unsigned long long)have,
			     (unsigned long long)want);
	bad = nab_check(u->buf, u->off + 8, u->len - 8, u->seed);
	if (bad >= 0)
		worker_error(r, w, "%s: byte at arena +%#lx lost",
			     when, arena_off(r, u->buf + bad));
}

/* Waits for the next MADV_DONTNEED to end, then starts a round. */
static void wait_dontneed(struct race *r, unsigned long *seen)
{
	unsigned long now;

	while ((now = atomic_load(&r->madvise_calls)) == *seen &&
	       !atomic_load(&r->stop))
		sched_yield();
	*seen = now;
	atomic_fetch_add(&r->rounds_started, 1);
}

/*
 * Even rounds write a new stamp into every unit (write faults), odd
 * rounds read it back together with the end of the unit's pattern (read
 * faults).
 */
static void worker_round(struct race *r, struct worker *w)
{
	size_t i;

	if (!(w->round & 1)) {
		w->stamp = stamp_of(w, w->round + 1, 0);
		for (i = 0; i < w->nunits; i++) {
			uint64_t v = w->stamp | i;

			memcpy(w->units[i].p, &v, sizeof(v));
		}
		return;
	}
	for (i = 0; i < w->nunits; i++) {
		const struct unit *u = &w->units[i];
		uint64_t v;
		long bad;

		memcpy(&v, u->p, sizeof(v));
		if (v != (w->stamp | i))
			worker_error(r, w,
				     "stamp at arena +%#lx is %#llx in round %lu",
				     arena_off(r, u->p), (unsigned long long)v,
				     w->round);
		bad = nab_check(u->buf, u->off + u->len - 8, 8, u->seed);
		if (bad >= 0)
			worker_error(r, w, "byte at arena +%#lx lost in round %lu",
				     arena_off(r, u->buf + bad), w->round);
	}
}

static void *worker_main(void *arg)
{
	struct race *r = ((void **)arg)[0];
	struct worker *w = ((void **)arg)[1];
	sigjmp_buf env;

	race_env = &env;
	w->minflt = thread_minflt();
	if (sigsetjmp(env, 1)) {
		worker_error(r, w, "%s at arena +%#lx in round %lu",
			     race_sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
			     arena_off(r, race_addr), w->round);
		goto out;
	}
	/*
	 * Each round faults every unit back in, after a MADV_DONTNEED and
	 * while the next one runs.
	 */
	for (w->round = 0; w->round < w->rounds && !atomic_load(&r->stop);
	     w->round++) {
		wait_dontneed(r, &w->seen);
		worker_round(r, w);
	}
out:
	race_env = NULL;
	w->minflt = thread_minflt() - w->minflt;
	atomic_fetch_sub(&r->running, 1);
	return NULL;
}

static void *madvise_main(void *arg)
{
	struct race *r = arg;
	unsigned long started = 0, now;

	/*
	 * One call each time a worker has started a round since the last
	 * one: the call runs while that worker (and maybe others) faults
	 * its pages back in. Bounded by the workers, which are bounded by
	 * their rounds.
	 */
	while (atomic_load(&r->running)) {
		if (madvise(r->s.arena, r->s.info.arena_size, MADV_DONTNEED)) {
			r->madvise_errno = errno;
			atomic_store(&r->stop, true);
			break;
		}
		atomic_fetch_add(&r->madvise_calls, 1);
		while ((now = atomic_load(&r->rounds_started)) == started &&
		       atomic_load(&r->running))
			sched_yield();
		started = now;
	}
	return NULL;
}

/* ---- the kernel log, from /dev/kmsg ------------------------------- */

/* /dev/kmsg positioned at its end, or -1 if the guest lacks it. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* How many records since kmsg_open() contain @what; the first in @line. */
static unsigned int kmsg_count(int fd, const char *what, char *line,
			       size_t size)
{
	unsigned int n = 0;
	char rec[2048];
	ssize_t len;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (len <= 0)
			break;
		rec[len] = '\0';
		if (!strstr(rec, what))
			continue;
		if (!n++) {
			len = strcspn(rec, "\n");
			if ((size_t)len >= size)
				len = size - 1;
			memcpy(line, rec, len);
			line[len] = '\0';
		}
	}
	return n;
}

/* ---- setup ------------------------------------------------------- */

static int add_unit(struct worker *w, unsigned char *buf, size_t off,
		    size_t len, unsigned int seed)
{
	struct unit *u = &w->units[w->nunits];

	if (w->nunits == MAX_UNITS || len < 16)
		return -1;
	u->p = buf + off;
	u->off = off;
	u->len = len;
	u->buf = buf;
	u->seed = seed;
	w->nunits++;
	return 0;
}

FIXTURE(fault_race) {
	struct nab_stats base;
	struct race *r;
};

FIXTURE_SETUP(fault_race)
{
	NAB_REQUIRE_DEVICE();
	nab_pattern_init();
	ASSERT_STATS(&self->base);
	self->r = calloc(1, sizeof(*self->r));
	ASSERT_NE(NULL, self->r);
	ASSERT_EQ(0, nab_session_open(&self->r->s, true));
}

FIXTURE_TEARDOWN(fault_race)
{
	nab_session_close(&self->r->s);
	free(self->r);
	EXPECT_STATS_BASELINE(&self->base);
}

TEST_F_TIMEOUT(fault_race, dontneed_whole_arena, 600)
{
	struct sigaction sa = { .sa_sigaction = race_handler,
				.sa_flags = SA_SIGINFO };
	size_t page = NAB_PAGE_SIZE, i, k, off;
	void *args[NTHREADS][2];
	struct race *r = self->r;
	unsigned long errors = 0;
	long minflt = 0;
	pthread_t madv;
	char line[256] = "";
	int kmsg;

	ASSERT_EQ((size_t)4096, page) TH_LOG("the sizes assume 4 KiB pages");
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));

	/*
	 * Arena space is handed out lowest first: a filler takes the first
	 * 2 MiB, so all the buffers below come after it.
	 */
	ASSERT_EQ(0, _test_ioctl_alloc(r->s.fd, PMD_SPAN, 0, 0, &r->filler));

	for (k = 0; k < NTHREADS; k++) {
		struct worker *w = &r->w[k];

		w->id = k;
		w->rounds = rounds();
		for (i = 0; k < LARGE_THREADS && i < ARRAY_SIZE(large_sizes);
		     i++) {
			size_t n = large_sizes[i];
			unsigned int seed = k * 16 + i;
			unsigned char *p;

			ASSERT_EQ(0, _test_ioctl_alloc(r->s.fd, n, 0, 0,
						       (void **)&p));
			w->bufs[w->nbufs++] = p;
			nab_fill(p, 0, n, seed);
			for (off = 0; off < n; off += page)
				ASSERT_EQ(0, add_unit(w, p, off,
						      n - off < page ?
						      n - off : page, seed));
		}
		for (i = 0; k >= LARGE_THREADS && i < SMALL_BUFFERS; i++) {
			size_t n = small_sizes[i % ARRAY_SIZE(small_sizes)];
			unsigned int seed = k * 16 + i;
			unsigned char *p;

			ASSERT_EQ(0, _test_ioctl_alloc(r->s.fd, n, 0, 0,
						       (void **)&p));
			w->bufs[w->nbufs++] = p;
			nab_fill(p, 0, n, seed);
			ASSERT_EQ(0, add_unit(w, p, 0, n, seed));
		}
		w->stamp = stamp_of(w, 0, 0);
		for (i = 0; i < w->nunits; i++) {
			uint64_t v = w->stamp | i;

			ASSERT_LE(PMD_SPAN, (size_t)arena_off(r, w->units[i].p))
				TH_LOG("buffer in the arena's first 2 MiB");
			memcpy(w->units[i].p, &v, sizeof(v));
		}
	}

	kmsg = kmsg_open();
	if (kmsg < 0)
		TH_LOG("no /dev/kmsg (%s): the kernel log is not checked here",
		       strerror(errno));

	atomic_store(&r->running, NTHREADS);
	for (k = 0; k < NTHREADS; k++) {
		args[k][0] = r;
		args[k][1] = &r->w[k];
		ASSERT_EQ(0, pthread_create(&r->w[k].thread, NULL, worker_main,
					    args[k]));
	}
	ASSERT_EQ(0, pthread_create(&madv, NULL, madvise_main, r));
	for (k = 0; k < NTHREADS; k++)
		ASSERT_EQ(0, pthread_join(r->w[k].thread, NULL));
	ASSERT_EQ(0, pthread_join(madv, NULL));

	for (k = 0; k < NTHREADS; k++) {
		struct worker *w = &r->w[k];

		errors += w->errors;
		minflt += w->minflt;
		EXPECT_EQ(0UL, w->errors)
			TH_LOG("thread %zu (%s buffers): %lu errors, the first: %s",
			       k, k < LARGE_THREADS ? "large" : "small",
			       w->errors, w->first_error);
	}
	EXPECT_EQ(0, r->madvise_errno)
		TH_LOG("madvise(MADV_DONTNEED) of the arena: %s",
		       strerror(r->madvise_errno));
	TH_LOG("%lu rounds per thread, %lu MADV_DONTNEED calls, %ld page faults",
	       rounds(), atomic_load(&r->madvise_calls), minflt);
	/* The race was run: faults all along, not one mapping at the start. */
	if (!errors) {
		EXPECT_LT(rounds(), (unsigned long)minflt);
		EXPECT_LT(0UL, atomic_load(&r->madvise_calls));
	}

	if (kmsg >= 0) {
		unsigned int n = kmsg_count(kmsg, "VM_FAULT_OOM leaked",
					    line, sizeof(line));

		EXPECT_EQ(0U, n) TH_LOG("%u kernel reports like: %s", n, line);
		close(kmsg);
	}

	/* Everything as last written, after one more MADV_DONTNEED. */
	if (!errors) {
		ASSERT_EQ(0, madvise(r->s.arena, r->s.info.arena_size,
				     MADV_DONTNEED));
		for (k = 0; k < NTHREADS; k++)
			for (i = 0; i < r->w[k].nunits; i++)
				check_unit(r, &r->w[k], i, "at the end");
		for (k = 0; k < NTHREADS; k++)
			EXPECT_EQ(0UL, r->w[k].errors)
				TH_LOG("thread %zu: %s", k, r->w[k].first_error);
	}

	for (k = 0; k < NTHREADS; k++)
		for (i = 0; i < r->w[k].nbufs; i++)
			EXPECT_EQ(0, _test_ioctl_free(r->s.fd, r->w[k].bufs[i],
						      0, 0));
	EXPECT_EQ(0, _test_ioctl_free(r->s.fd, r->filler, 0, 0));
}

TEST_HARNESS_MAIN
