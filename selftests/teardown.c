// SPDX-License-Identifier: GPL-2.0
/*
 * Session teardown, seen through the counters in
 * /sys/class/misc/netapibuf/stats/: whatever way a session ends (exit
 * without freeing, close and munmap in either order, SIGKILL in the
 * middle of allocating, the last reference held by a fork child), its
 * buffers and pages are released and sessions, live_buffers, live_bytes
 * and pages return to what they were.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)

/* Mixed sizes: small ones sharing pages, page-sized, multi-page. */
static const DWORD mix[] = {
	0, 1, 16, 17, 100, 1000, 2047, 2049, 4096, 4097, 12288, 70000,
};

#define NBUF	1200

FIXTURE(teardown) {
	struct nab_stats base;
};

FIXTURE_SETUP(teardown)
{
	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(teardown)
{
}

/* Counters consistent with themselves: peaks at least the live values. */
#define EXPECT_PEAKS(s)							\
	do {								\
		EXPECT_LE((s)->live_buffers, (s)->peak_buffers);	\
		EXPECT_LE((s)->live_bytes, (s)->peak_bytes);		\
	} while (0)

/*
 * The child allocates NBUF buffers of mixed sizes through the library,
 * writes every byte, checks the counters went up, and exits without
 * freeing anything.
 */
TEST_F(teardown, exit_without_free)
{
	struct nab_stats *seen, now;

	seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);

	IN_CHILD({
		long long bytes = 0;
		size_t i;

		for (i = 0; i < NBUF; i++) {
			DWORD n = mix[i % ARRAY_SIZE(mix)];
			LPVOID p;

			ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(n, &p))
				TH_LOG("buffer %zu of %u bytes", i, n);
			nab_fill(p, 0, n, i);
			bytes += n;
		}
		ASSERT_STATS(seen);
		EXPECT_EQ(self->base.sessions + 1, seen->sessions);
		EXPECT_EQ(self->base.live_buffers + NBUF, seen->live_buffers);
		EXPECT_LE(self->base.live_bytes + bytes, seen->live_bytes);
		EXPECT_LT(self->base.pages, seen->pages);
		EXPECT_LE(self->base.peak_buffers, seen->peak_buffers);
		EXPECT_PEAKS(seen);
	});

	EXPECT_STATS_BASELINE(&self->base);
	ASSERT_STATS(&now);
	/* Peaks never go down. */
	EXPECT_LE(seen->peak_buffers, now.peak_buffers);
	EXPECT_LE(seen->peak_bytes, now.peak_bytes);
	EXPECT_PEAKS(&now);
	munmap(seen, sizeof(*seen));
}

/* Raw: a session with buffers, for the tests below. */
static void raw_session_with_buffers(struct __test_metadata *_metadata,
				     struct nab_session *s, void **bufs,
				     size_t n)
{
	size_t i;
	int ret;

	ret = nab_session_open(s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	for (i = 0; i < n; i++) {
		size_t size = mix[i % ARRAY_SIZE(mix)];

		ASSERT_EQ(0, _test_ioctl_alloc(s->fd, size, 0, 0, &bufs[i]));
		nab_fill(bufs[i], 0, size, i);
	}
}

/*
 * close(2) first: the arena's mapping still holds the session, the
 * buffers stay readable; munmap(2) then ends it.
 */
TEST_F(teardown, close_then_munmap)
{
	enum { N = 300 };
	struct nab_session s;
	struct nab_stats mid;
	void *bufs[N];
	size_t i;

	raw_session_with_buffers(_metadata, &s, bufs, N);
	ASSERT_EQ(0, close(s.fd));
	s.fd = -1;

	ASSERT_STATS(&mid);
	EXPECT_EQ(self->base.sessions + 1, mid.sessions);
	EXPECT_EQ(self->base.live_buffers + N, mid.live_buffers);
	for (i = 0; i < N; i++)
		EXPECT_EQ(-1, nab_check(bufs[i], 0, mix[i % ARRAY_SIZE(mix)],
					i)) TH_LOG("buffer %zu", i);

	ASSERT_EQ(0, munmap(s.arena, s.info.arena_size));
	s.arena = NULL;
	EXPECT_STATS_BASELINE(&self->base);
}

/*
 * munmap(2) first: the descriptor still holds the session and its
 * buffers; close(2) then ends it.
 */
TEST_F(teardown, munmap_then_close)
{
	enum { N = 300 };
	struct nab_session s;
	struct nab_stats mid;
	void *bufs[N];

	raw_session_with_buffers(_metadata, &s, bufs, N);
	ASSERT_EQ(0, munmap(s.arena, s.info.arena_size));
	s.arena = NULL;

	ASSERT_STATS(&mid);
	EXPECT_EQ(self->base.sessions + 1, mid.sessions);
	EXPECT_EQ(self->base.live_buffers + N, mid.live_buffers);

	ASSERT_EQ(0, close(s.fd));
	s.fd = -1;
	EXPECT_STATS_BASELINE(&self->base);
}

/* A session never mapped, with or without a failed ALLOC. */
TEST_F(teardown, never_mapped)
{
	struct nab_session s;
	struct nab_stats mid;

	ASSERT_EQ(0, nab_session_open(&s, false));
	EXPECT_ERRNO(ENXIO, _test_ioctl_alloc(s.fd, 64, 0, 0, NULL));
	ASSERT_STATS(&mid);
	EXPECT_EQ(self->base.sessions + 1, mid.sessions);
	nab_session_close(&s);
	EXPECT_STATS_BASELINE(&self->base);
}

/* Many sessions open at once in one process, closed in another order. */
TEST_F(teardown, many_sessions)
{
	enum { S = 32 };
	struct nab_session s[S];
	struct nab_stats mid;
	void *bufs[4];
	size_t i;

	for (i = 0; i < S; i++)
		raw_session_with_buffers(_metadata, &s[i], bufs,
					 ARRAY_SIZE(bufs));
	ASSERT_STATS(&mid);
	EXPECT_EQ(self->base.sessions + S, mid.sessions);
	EXPECT_EQ(self->base.live_buffers + S * (long long)ARRAY_SIZE(bufs),
		  mid.live_buffers);
	for (i = 0; i < S; i += 2)
		nab_session_close(&s[i]);
	for (i = 1; i < S; i += 2)
		nab_session_close(&s[i]);
	EXPECT_STATS_BASELINE(&self->base);
}

/* SIGKILL while the child allocates, reallocates and frees. */
TEST_F(teardown, killed_while_busy)
{
	int ready[2];
	pid_t pid;
	int status;
	char c;

	ASSERT_EQ(0, pipe(ready));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		LPVOID p[64] = { NULL };
		unsigned int i;

		for (i = 0;; i++) {
			DWORD n = mix[i % ARRAY_SIZE(mix)];
			LPVOID q;

			if (NetApiBufferReallocate(p[i % 64], n + 1, &q) ==
			    ST_SUCCESS) {
				p[i % 64] = q;
				nab_fill(q, 0, n + 1, i);
			}
			if (i % 7 == 0 && p[(i / 7) % 64]) {
				NetApiBufferFree(p[(i / 7) % 64]);
				p[(i / 7) % 64] = NULL;
			}
			if (i == 500 && write(ready[1], "r", 1) != 1)
				_exit(1);
		}
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	usleep(200 * 1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(ready[0]);
	EXPECT_STATS_BASELINE(&self->base);
}

/*
 * The last reference is a fork child's inherited descriptor: the parent
 * unmaps and closes, the session lives on until the child exits.
 */
TEST_F(teardown, last_reference_in_fork_child)
{
	enum { N = 100 };
	struct nab_session s;
	struct nab_stats mid;
	void *bufs[N];
	int go[2];
	pid_t pid;
	int status;
	char c;

	raw_session_with_buffers(_metadata, &s, bufs, N);
	ASSERT_EQ(0, pipe(go));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* holds the inherited descriptor until told to go */
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	nab_session_close(&s);

	ASSERT_STATS(&mid);
	EXPECT_EQ(self->base.sessions + 1, mid.sessions);
	EXPECT_EQ(self->base.live_buffers + N, mid.live_buffers);

	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_STATS_BASELINE(&self->base);
}

/* The library's session ends with the process even after fork games. */
TEST_F(teardown, library_parent_and_child)
{
	LPVOID p;

	IN_CHILD({
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(5000, &p));
		IN_CHILD({
			LPVOID q;

			ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(300, &q));
			/* and exits without freeing */
		});
		/* nor does this one free */
	});
	EXPECT_STATS_BASELINE(&self->base);
}

/*
 * The arena split in pieces (part of it unmapped, part made read-only;
 * whether the module allows it or not): the remaining pieces still work
 * and the session is released whole when the process exits.
 */
TEST_F(teardown, arena_split)
{
	IN_CHILD({
		size_t page = NAB_PAGE_SIZE;
		struct nab_session s;
		char *bufs[16];
		size_t i;
		int unmapped, ro;

		ASSERT_EQ(0, nab_session_open(&s, true));
		for (i = 0; i < ARRAY_SIZE(bufs); i++) {
			ASSERT_EQ(0, _test_ioctl_alloc(s.fd, 4 * page, 0, 0,
						       (void **)&bufs[i]));
			nab_fill(bufs[i], 0, 4 * page, i);
		}
		/* punch out the middle of buffer 4, protect buffer 8 */
		unmapped = munmap(bufs[4] + page, 2 * page);
		ro = mprotect(bufs[8], 4 * page, PROT_READ);
		TH_LOG("munmap of part of the arena: %s, mprotect: %s",
		       unmapped ? strerror(errno) : "allowed",
		       ro ? "refused" : "allowed");

		for (i = 0; i < ARRAY_SIZE(bufs); i++) {
			if (i == 4 || i == 8)
				continue;
			EXPECT_EQ(-1, nab_check(bufs[i], 0, 4 * page, i));
		}
		if (!unmapped)
			EXPECT_EQ(SIGSEGV, nab_probe(bufs[4] + page, false));
		EXPECT_EQ(-1, nab_check(bufs[4], 0, page, 4));
		EXPECT_EQ(-1, nab_check(bufs[8], 0, 4 * page, 8));
		EXPECT_EQ(0, _test_ioctl_free(s.fd, bufs[4], 0, 0));
		EXPECT_EQ(0, _test_ioctl_free(s.fd, bufs[8], 0, 0));
		EXPECT_EQ(0, _test_ioctl_free(s.fd, bufs[0], 0, 0));
		EXPECT_EQ(0, _test_ioctl_free(s.fd, bufs[12], 0, 0));
		/* freed pages leave every piece, not just the first */
		EXPECT_EQ(SIGBUS, nab_probe(bufs[4], false));
		EXPECT_EQ(SIGBUS, nab_probe(bufs[8], false));
		EXPECT_EQ(SIGBUS, nab_probe(bufs[12] + page, false));
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, 100, 0, 0,
					       (void **)&bufs[0]));
		nab_fill(bufs[0], 0, 100, 1);
		/* exit with the pieces mapped and the buffers live */
	});
	EXPECT_STATS_BASELINE(&self->base);
}

/*
 * SIGKILL during one large ALLOC: the partly allocated buffer is released
 * with the session, and the allocation stops at the kill instead of
 * running to its end. Told by what was done, not by how long it took:
 * the pages the kernel handed out (/proc/vmstat's pgalloc_*) while the
 * child lived, against the buffer's pages.
 */
#define HUGE_BUF	(512u << 20)

static unsigned long long pages_allocated(struct __test_metadata *_metadata)
{
	unsigned long long sum = 0, n;
	char name[64];
	FILE *f;

	f = fopen("/proc/vmstat", "re");
	ASSERT_NE(NULL, f);
	while (fscanf(f, "%63s %llu", name, &n) == 2)
		if (!strncmp(name, "pgalloc_", 8))
			sum += n;
	fclose(f);
	ASSERT_NE(0ULL, sum) TH_LOG("no pgalloc_ counters in /proc/vmstat");
	return sum;
}

TEST_F_TIMEOUT(teardown, killed_during_large_alloc, 120)
{
	unsigned long long max_total, pages = HUGE_BUF / NAB_PAGE_SIZE;
	unsigned long long before, at_kill, after;
	long long start;
	int done[2], status;
	char c;
	pid_t pid;

	if (!nab_param_read("max_total_bytes", &max_total))
		SKIP(return, "no parameter max_total_bytes");
	/* What it holds: its pages and two pointers each for their array. */
	if (max_total &&
	    max_total < (unsigned long long)self->base.charged_bytes +
			HUGE_BUF + HUGE_BUF / 256)
		SKIP(return, "max_total_bytes %llu too small", max_total);

	ASSERT_EQ(0, pipe2(done, O_CLOEXEC | O_NONBLOCK));
	before = pages_allocated(_metadata);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		LPVOID p;

		/* Written only if the ALLOC returned before the kill. */
		if (NetApiBufferAllocate(HUGE_BUF, &p) == ST_SUCCESS)
			c = 'y';
		else
			c = 'n';
		_exit(write(done[1], &c, 1) == 1 ? 0 : 1);
	}
	close(done[1]);

	/* Kill it once a sixteenth of its pages has been allocated. */
	start = nab_now_ms();
	while ((at_kill = pages_allocated(_metadata)) - before < pages / 16 &&
	       read(done[0], &c, 1) < 0 && nab_now_ms() - start < 90000)
		usleep(1000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	after = pages_allocated(_metadata);
	EXPECT_STATS_BASELINE(&self->base);

	if (read(done[0], &c, 1) == 1 || !WIFSIGNALED(status)) {
		close(done[0]);
		SKIP(return, "the ALLOC returned (%c) before the kill landed: "
		     "nothing to tell", c);
	}
	close(done[0]);
	ASSERT_LE(pages / 16, at_kill - before)
		TH_LOG("the ALLOC never got going: %llu pages in 90 s",
		       at_kill - before);
	if (at_kill - before >= pages)
		SKIP(return, "all %llu pages were allocated before this "
		     "process ran again: nothing to tell", at_kill - before);
	/* Without a fatal_signal_pending() check it would allocate all. */
	EXPECT_GT(pages / 2, after - before)
		TH_LOG("killed after %llu of %llu pages, the ALLOC still "
		       "allocated %llu: no fatal_signal_pending() check?",
		       at_kill - before, pages, after - before);
	TH_LOG("ALLOC of %llu pages: killed after %llu, stopped at %llu",
	       pages, at_kill - before, after - before);
}

TEST_HARNESS_MAIN
