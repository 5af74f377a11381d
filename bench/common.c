// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf benchmark: the tests every peer goes through.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Iterations per size: each loop takes a few guest milliseconds. */
static const struct {
	size_t size;
	unsigned long iters;
} nab_sizes[] = {
	{ 16, 20000 },
	{ 1024, 20000 },
	{ 64 << 10, 2000 },
	{ 4 << 20, 40 },
};

#define NAB_SIZE_ITERS	100000UL
/* The threads test: Allocate+Free of 16 B, touched, per thread. */
#define NAB_THREADS_SIZE	16
#define NAB_THREADS_ITERS	200000UL
#define NAB_THREADS_MAX		2
#define NAB_LIVE_SIZE	32
/* The reference for growth by 4 KiB steps: allocations of 8 MiB. */
#define NAB_REF_SIZE	(8UL << 20)
#define NAB_REF_ITERS	20UL

/* NAB_BENCH_SCALE=percent shortens every loop, for trying things out. */
static unsigned long nab_scale = 100;

static unsigned long nab_iters(unsigned long iters)
{
	iters = iters * nab_scale / 100;
	return iters ? iters : 1;
}

uint64_t nab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void nab_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("nab-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void nab_emit(const char *fmt, ...)
{
	va_list ap;

	fputs("@@ {", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("}\n", stdout);
	fflush(stdout);
}

static size_t nab_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

void nab_alloc_or_die(const struct nab_peer *peer, struct nab_buf *b, size_t n)
{
	if (peer->alloc(b, n))
		nab_die("%s: allocating %zu bytes failed", peer->name, n);
}

/* Cost of the clock reads the phase timings make. */
static uint64_t nab_clock_cost(void)
{
	const unsigned long n = 1000;
	uint64_t t0, t1;
	unsigned long i;

	t0 = nab_now();
	for (i = 0; i < n; i++)
		nab_now();
	t1 = nab_now();
	return (t1 - t0) / n;
}

/* Allocate, touch every page, free: all at once, then phase by phase. */
static void nab_alloc_free(const struct nab_peer *peer, size_t size,
			   unsigned long iters)
{
	uint64_t t0, t1, ta = 0, tt = 0, tf = 0, clk = nab_clock_cost();
	struct nab_buf b;
	unsigned long i;

	/* Warm up: sessions opened, caches and heaps in their steady state. */
	for (i = 0; i < iters / 10 + 2; i++) {
		nab_alloc_or_die(peer, &b, size);
		nab_touch(&b);
		peer->free(&b);
	}

	t0 = nab_now();
	for (i = 0; i < iters; i++) {
		nab_alloc_or_die(peer, &b, size);
		nab_touch(&b);
		peer->free(&b);
	}
	t1 = nab_now();

	for (i = 0; i < iters; i++) {
		uint64_t a = nab_now(), t, f, e;

		nab_alloc_or_die(peer, &b, size);
		t = nab_now();
		nab_touch(&b);
		f = nab_now();
		peer->free(&b);
		e = nab_now();
		ta += t - a;
		tt += f - t;
		tf += e - f;
	}
	nab_emit("\"t\":\"alloc_free\",\"peer\":\"%s\",\"size\":%zu,"
		 "\"iters\":%lu,\"ns\":%" PRIu64 ",\"alloc_ns\":%" PRIu64
		 ",\"touch_ns\":%" PRIu64 ",\"free_ns\":%" PRIu64
		 ",\"clock_ns\":%" PRIu64,
		 peer->name, size, iters, t1 - t0, ta, tt, tf, clk);
}

struct nab_thread_arg {
	const struct nab_peer *peer;
	pthread_barrier_t *start;
	unsigned long iters;
};

static void *nab_thread_loop(void *arg)
{
	struct nab_thread_arg *a = arg;
	struct nab_buf b;
	unsigned long i;

	pthread_barrier_wait(a->start);
	for (i = 0; i < a->iters; i++) {
		nab_alloc_or_die(a->peer, &b, NAB_THREADS_SIZE);
		nab_touch(&b);
		a->peer->free(&b);
	}
	pthread_barrier_wait(a->start);
	return NULL;
}

/*
 * Allocate+Free of 16 B, touched, in @nthreads threads at once: the time
 * from the moment all have started to the moment all are done. For a
 * guest with a vCPU per thread, not under -icount (whose single vCPU
 * would only take turns): real time, so it varies from run to run.
 */
static void nab_threads(const struct nab_peer *peer, unsigned int nthreads,
			unsigned long iters)
{
	struct nab_thread_arg a = { .peer = peer, .iters = iters };
	pthread_t t[NAB_THREADS_MAX];
	pthread_barrier_t start;
	uint64_t t0, t1;
	unsigned int i;

	/* Warm up in this thread: the session and the heap exist. */
	a.iters = iters / 10 + 2;
	a.start = &start;
	pthread_barrier_init(&start, NULL, 1);
	nab_thread_loop(&a);
	pthread_barrier_destroy(&start);
	a.iters = iters;

	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, nab_thread_loop, &a))
			nab_die("pthread_create failed");
	pthread_barrier_wait(&start);
	t0 = nab_now();
	pthread_barrier_wait(&start);
	t1 = nab_now();
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	nab_emit("\"t\":\"threads\",\"peer\":\"%s\",\"size\":%d,"
		 "\"threads\":%u,\"iters\":%lu,\"ns\":%" PRIu64,
		 peer->name, NAB_THREADS_SIZE, nthreads, iters, t1 - t0);
}

static void nab_size(const struct nab_peer *peer, unsigned long iters)
{
	volatile size_t sink = 0;
	struct nab_buf b;
	uint64_t t0, t1;
	unsigned long i;

	nab_alloc_or_die(peer, &b, 16);
	for (i = 0; i < iters / 10; i++)
		sink += peer->size(&b);
	t0 = nab_now();
	for (i = 0; i < iters; i++)
		sink += peer->size(&b);
	t1 = nab_now();
	if (sink < 16 * iters)
		nab_die("%s: size of a 16-byte buffer is %zu", peer->name,
			peer->size(&b));
	peer->free(&b);
	nab_emit("\"t\":\"size\",\"peer\":\"%s\",\"iters\":%lu,\"ns\":%" PRIu64,
		 peer->name, iters, t1 - t0);
}

static char nab_marker(size_t offset)
{
	return (char)((offset / NAB_PAGE) % 251 + 1);
}

/*
 * Grow one buffer from @start to @end, doubling or by @step, writing one
 * byte in each new page; then check that every page kept its byte.
 */
static void nab_growth(const struct nab_peer *peer, const char *test,
		       size_t start, size_t end, size_t step)
{
	uint64_t t0, t1, t2, t3, moves = 0, moved = 0, copied = 0, remapped = 0;
	/* The first and the last 64 reallocations, timed on their own. */
	unsigned long reallocs = 0, total = step ? (end - start) / step : 0;
	uint64_t first0 = 0, first1 = 0, last0 = 0;
	struct nab_buf b;
	size_t o, n;

	t0 = nab_now();
	nab_alloc_or_die(peer, &b, start);
	for (o = 0; o < b.n; o += NAB_PAGE)
		b.p[o] = nab_marker(o);
	for (n = step ? start + step : start * 2; n <= end;
	     n = step ? n + step : n * 2) {
		size_t old = b.n, keep = nab_min(old, n);
		int remaps = peer->remaps && peer->remaps(&b);
		char *oldp = b.p;

		if (!reallocs)
			first0 = nab_now();
		if (total > 128 && reallocs == total - 64)
			last0 = nab_now();
		if (peer->realloc(&b, n))
			nab_die("%s: growing to %zu bytes failed", peer->name, n);
		reallocs++;
		if (b.p != oldp) {
			moves++;
			moved += keep;
			if (remaps)
				remapped += keep;
			if (peer->copies == NAB_COPY_MOVED ||
			    (peer->copies == NAB_COPY_SMALL &&
			     (old <= NAB_PAGE / 2 || n <= NAB_PAGE / 2)))
				copied += keep;
		}
		for (o = (old + NAB_PAGE - 1) / NAB_PAGE * NAB_PAGE; o < n;
		     o += NAB_PAGE)
			b.p[o] = nab_marker(o);
		if (reallocs == 64)
			first1 = nab_now();
	}
	t1 = nab_now();
	for (o = 0; o < b.n; o += NAB_PAGE)
		if (b.p[o] != nab_marker(o))
			nab_die("%s: %s lost the byte at %zu", peer->name, test, o);
	t2 = nab_now();
	peer->free(&b);
	t3 = nab_now();
	nab_emit("\"t\":\"%s\",\"peer\":\"%s\",\"start\":%zu,\"end\":%zu,"
		 "\"reallocs\":%lu,\"ns\":%" PRIu64 ",\"moves\":%" PRIu64
		 ",\"moved_bytes\":%" PRIu64 ",\"copied_bytes\":%" PRIu64
		 ",\"remapped_bytes\":%" PRIu64 ",\"first64_ns\":%" PRIu64
		 ",\"last64_ns\":%" PRIu64,
		 test, peer->name, start, end, reallocs, (t1 - t0) + (t3 - t2),
		 moves, moved, peer->copies == NAB_COPY_MOVED ? moved : copied,
		 remapped, first1 ? first1 - first0 : 0, last0 ? t1 - last0 : 0);
}

/* What the kernel and the process use, in kB and in module counters. */
struct nab_mem {
	long long memfree, pcp, slab, sunreclaim, pagetables, rss;
	long long nab_pages, nab_bytes, nab_buffers;
};

static long long nab_meminfo_field(const char *path, const char *name)
{
	size_t len = strlen(name);
	char line[256];
	long long v = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long long nab_stat(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/netapibuf/stats/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Free pages held in the per-CPU lists, which MemFree does not count. */
static long long nab_pcp_pages(void)
{
	long long sum = 0, v;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

static void nab_mem_read(struct nab_mem *m)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	/* Fold the per-CPU counter deltas into the global counters. */
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			nab_die("/proc/sys/vm/stat_refresh: %s", strerror(errno));
		close(fd);
	}
	m->pcp = nab_pcp_pages();
	m->memfree = nab_meminfo_field("/proc/meminfo", "MemFree");
	m->slab = nab_meminfo_field("/proc/meminfo", "Slab");
	m->sunreclaim = nab_meminfo_field("/proc/meminfo", "SUnreclaim");
	m->pagetables = nab_meminfo_field("/proc/meminfo", "PageTables");
	m->rss = nab_meminfo_field("/proc/self/status", "VmRSS");
	m->nab_pages = nab_stat("pages");
	m->nab_bytes = nab_stat("live_bytes");
	m->nab_buffers = nab_stat("live_buffers");
}

static void nab_mem_emit(const char *key, const struct nab_mem *m)
{
	printf(",\"%s\":{\"memfree_kb\":%lld,\"pcp_pages\":%lld,\"slab_kb\":%lld,"
	       "\"sunreclaim_kb\":%lld,\"pagetables_kb\":%lld,\"rss_kb\":%lld,"
	       "\"nab_pages\":%lld,\"nab_live_bytes\":%lld,"
	       "\"nab_live_buffers\":%lld}",
	       key, m->memfree, m->pcp, m->slab, m->sunreclaim, m->pagetables, m->rss,
	       m->nab_pages, m->nab_bytes, m->nab_buffers);
}

/* @n live 32-byte buffers: the cost of making and freeing them, and memory. */
static void nab_live(const struct nab_peer *peer, size_t n)
{
	struct nab_mem before, live, after;
	uint64_t t0, t1, t2, t3, t4;
	struct rlimit rl = { n + 256, n + 256 };
	struct nab_buf *v;
	size_t i;

	/* The peers with a descriptor per buffer need that many. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		nab_die("setrlimit(RLIMIT_NOFILE, %zu): %s", n + 256,
			strerror(errno));
	/*
	 * The bookkeeping is in place before the first reading: written
	 * with non-zero bytes, which the compiler cannot drop as it drops
	 * zeroing of calloc()'s memory.
	 */
	v = malloc(n * sizeof(*v));
	if (!v)
		nab_die("out of memory");
	memset(v, 0xff, n * sizeof(*v));
	/* One of each first: sessions and heaps exist before counting. */
	nab_alloc_or_die(peer, &v[0], NAB_LIVE_SIZE);
	peer->free(&v[0]);

	nab_mem_read(&before);
	t0 = nab_now();
	for (i = 0; i < n; i++)
		nab_alloc_or_die(peer, &v[i], NAB_LIVE_SIZE);
	t1 = nab_now();
	for (i = 0; i < n; i++)
		memset(v[i].p, (int)i, NAB_LIVE_SIZE);
	t2 = nab_now();
	nab_mem_read(&live);
	t3 = nab_now();
	for (i = 0; i < n; i++)
		peer->free(&v[i]);
	t4 = nab_now();
	nab_mem_read(&after);
	free(v);

	printf("@@ {\"t\":\"live\",\"peer\":\"%s\",\"n\":%zu,\"size\":%d,"
	       "\"alloc_ns\":%" PRIu64 ",\"touch_ns\":%" PRIu64
	       ",\"free_ns\":%" PRIu64,
	       peer->name, n, NAB_LIVE_SIZE, t1 - t0, t2 - t1, t4 - t3);
	nab_mem_emit("before", &before);
	nab_mem_emit("live", &live);
	nab_mem_emit("after", &after);
	printf("}\n");
	fflush(stdout);
}

static int nab_wants(int argc, char **argv, const char *test)
{
	int i;

	if (argc <= 1)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "all") || !strcmp(argv[i], test))
			return 1;
	return 0;
}

int nab_bench_main(const struct nab_peer *peer, int argc, char **argv)
{
	const char *scale = getenv("NAB_BENCH_SCALE");
	unsigned int i;

	if (scale && *scale)
		nab_scale = strtoul(scale, NULL, 10);
	if (peer->setup && peer->setup()) {
		nab_emit("\"t\":\"absent\",\"peer\":\"%s\"", peer->name);
		return 0;
	}

	if (nab_wants(argc, argv, "alloc_free"))
		for (i = 0; i < sizeof(nab_sizes) / sizeof(nab_sizes[0]); i++)
			nab_alloc_free(peer, nab_sizes[i].size,
				       nab_iters(nab_sizes[i].iters));
	if (peer->size && nab_wants(argc, argv, "size"))
		nab_size(peer, nab_iters(NAB_SIZE_ITERS));
	if (peer->realloc && nab_wants(argc, argv, "realloc")) {
		nab_growth(peer, "grow_double", NAB_PAGE, 64UL << 20, 0);
		nab_growth(peer, "grow_step", NAB_PAGE, NAB_REF_SIZE, NAB_PAGE);
		nab_alloc_free(peer, NAB_REF_SIZE, nab_iters(NAB_REF_ITERS));
	}
	if (peer->live_n && nab_wants(argc, argv, "live"))
		nab_live(peer, peer->live_n);
	/* Only when named: it needs a guest of its own (nab-bench-run). */
	for (i = 1; i < (unsigned int)argc; i++)
		if (!strcmp(argv[i], "threads")) {
			nab_threads(peer, 1, nab_iters(NAB_THREADS_ITERS));
			nab_threads(peer, 2, nab_iters(NAB_THREADS_ITERS));
		}
	return 0;
}
