// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test of the <netapibuf.h> contract: every row of it, plus threads and
 * fork.  TAP output.  tests/run-host-tests runs it on the host against
 * tests/fake-netapibuf.so (a userspace model of the module's ABI), which
 * also counts the calls that reach the device; run without the fake (in
 * the guest, with netapibuf.ko loaded) it checks the same against the
 * real module, without the counts.
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Modes:
 *   contract main      the contract, row by row, and fork
 *   contract threads   many threads open the session at once and hammer it
 *   contract forks     fresh processes fork while their threads open the
 *                      session for the first time: no child hangs
 *   contract fail STATUS
 *                      the environment is wrong (no device, ABI mismatch):
 *                      allocation fails with STATUS, twice
 *   contract fastpath  (the fake with FAKE_NETAPIBUF_CHUNKS=1 and
 *                      FAKE_NETAPIBUF_CHUNK_LIMIT=3: two pages of slots and one of the library's bookkeeping) small buffers from
 *                      delegated chunks: which calls reach the device, the
 *                      bad pointers the library alone must refuse, the
 *                      fallback to the device's own buffers at the limit
 *
 * With FAKE_NETAPIBUF_CHUNKS=1, main and threads run every row through
 * the fast path; the device calls are then not counted row by row (a
 * small buffer makes none, or one CHUNKS_GET per page), but by fastpath.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netapibuf.h>

#define ERRNO_SENTINEL	4242
#define ANY		(-1)

#include "tap.h"

static unsigned long (*fake_calls)(void);
static bool counting;	/* one device call per library call expected */

static unsigned long calls(void)
{
	return fake_calls ? fake_calls() : 0;
}

/*
 * Runs a call, checks its status, that errno is left alone and how many
 * calls reached the (fake) device.  Evaluates to the status.
 */
#define EXPECT(expr, want, nsys) ({					\
	unsigned long c0_ = calls();					\
	NET_API_STATUS st_;						\
	errno = ERRNO_SENTINEL;						\
	st_ = (expr);							\
	ok(errno == ERRNO_SENTINEL, "%s keeps errno", #expr);		\
	ok(st_ == (NET_API_STATUS)(want), "%s = %u, want %s (%u)",	\
	   #expr, (unsigned)st_, #want, (unsigned)(want));		\
	if ((nsys) != ANY && counting)					\
		ok(calls() - c0_ == (unsigned long)(nsys),		\
		   "%s: %lu device calls, want %d", #expr,		\
		   calls() - c0_, (int)(nsys));				\
	st_;								\
})

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static bool aligned16(const void *p)
{
	return !((uintptr_t)p & 15);
}

static void test_before_open(void)
{
	int stack_var;
	void *bogus = &stack_var, *q = &stack_var;
	DWORD s = 7;

	/* Nothing opened yet: non-NULL pointers are invalid, no open. */
	EXPECT(NetApiBufferFree(bogus), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferSize(bogus, &s), ERROR_INVALID_PARAMETER, 0);
	ok(s == 7, "Size: count untouched");
	EXPECT(NetApiBufferReallocate(bogus, 10, &q), ERROR_INVALID_PARAMETER, 0);
	ok(q == &stack_var, "Reallocate: q untouched");
	EXPECT(NetApiBufferReallocate(bogus, 0, &q), ERROR_INVALID_PARAMETER, 0);
	ok(q == &stack_var, "Reallocate to 0: q untouched");
	EXPECT(NetApiBufferFree(NULL), NERR_Success, 0);
	EXPECT(NetApiBufferAllocate(100, NULL), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferReallocate(NULL, 0, &q), NERR_Success, 0);
	ok(q == NULL, "Reallocate(NULL, 0): q = NULL");
}

static void test_allocate(void)
{
	void *p = (void *)1, *z = (void *)1;
	DWORD s = 0;

	/* First allocation: open, INFO, mmap, ALLOC. */
	EXPECT(NetApiBufferAllocate(100, &p), NERR_Success, 4);
	ok(p && aligned16(p), "Allocate(100): %p non-NULL, 16-byte aligned", p);
	ok(all_zero(p, 100), "Allocate(100): zeroed");
	EXPECT(NetApiBufferSize(p, &s), NERR_Success, 1);
	ok(s == 100, "Size = %u, want 100", s);

	EXPECT(NetApiBufferAllocate(0, &z), NERR_Success, 1);
	ok(z && aligned16(z) && z != p, "Allocate(0): %p, own address", z);
	s = 99;
	EXPECT(NetApiBufferSize(z, &s), NERR_Success, 1);
	ok(s == 0, "Size of a 0-byte buffer = %u", s);
	EXPECT(NetApiBufferFree(z), NERR_Success, 1);

	z = (void *)1;
	EXPECT(NetApiBufferAllocate(0xFFFFFFFF, &z), ERROR_NOT_ENOUGH_MEMORY, 1);
	ok(z == NULL, "Allocate(0xFFFFFFFF): *p = NULL");

	EXPECT(NetApiBufferFree(p), NERR_Success, 1);
}

static void test_free(void)
{
	char *p, *keep;
	int stack_var;
	DWORD s = 0;

	EXPECT(NetApiBufferAllocate(64, (void **)&p), NERR_Success, 1);
	EXPECT(NetApiBufferAllocate(32, (void **)&keep), NERR_Success, 1);
	strcpy(keep, "keep me");

	EXPECT(NetApiBufferFree(p + 16), ERROR_INVALID_PARAMETER, 1);
	EXPECT(NetApiBufferFree(p + 1), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferFree(&stack_var), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferSize(p, &s), NERR_Success, 1);
	ok(s == 64, "interior frees changed nothing");

	EXPECT(NetApiBufferFree(p), NERR_Success, 1);
	EXPECT(NetApiBufferFree(p), ERROR_INVALID_PARAMETER, 1);
	EXPECT(NetApiBufferSize(p, &s), ERROR_INVALID_PARAMETER, 1);
	EXPECT(NetApiBufferSize(keep, &s), NERR_Success, 1);
	ok(s == 32 && !strcmp(keep, "keep me"), "other buffer unharmed");
	EXPECT(NetApiBufferFree(keep), NERR_Success, 1);
}

static void test_reallocate(void)
{
	void *sentinel = (void *)0x5e5e;
	char *p, *q, *r;
	DWORD s = 0;

	EXPECT(NetApiBufferReallocate(NULL, 50, (void **)&p), NERR_Success, 1);
	ok(p && aligned16(p) && all_zero(p, 50), "Reallocate(NULL, 50) allocates zeroed");
	EXPECT(NetApiBufferSize(p, &s), NERR_Success, 1);
	ok(s == 50, "Size = %u, want 50", s);

	strcpy(p, "hello, netapibuf");
	EXPECT(NetApiBufferReallocate(p, 10000, (void **)&q), NERR_Success, 1);
	ok(q && aligned16(q) && !strcmp(q, "hello, netapibuf"), "grow keeps contents");
	ok(all_zero(q + 50, 10000 - 50), "grow: tail zero");
	EXPECT(NetApiBufferSize(q, &s), NERR_Success, 1);
	ok(s == 10000, "Size = %u, want 10000", s);
	if (q != p)
		EXPECT(NetApiBufferSize(p, &s), ERROR_INVALID_PARAMETER, 1);

	EXPECT(NetApiBufferReallocate(q, 5, (void **)&r), NERR_Success, 1);
	ok(!memcmp(r, "hello", 5), "shrink keeps the first bytes");
	EXPECT(NetApiBufferSize(r, &s), NERR_Success, 1);
	ok(s == 5, "Size = %u, want 5", s);
	EXPECT(NetApiBufferReallocate(r, 4096, (void **)&q), NERR_Success, 1);
	ok(!memcmp(q, "hello", 5) && all_zero(q + 5, 4096 - 5),
	   "grow after shrink: old bytes past the shrink read zero");

	/* Failures leave p and q alone. */
	r = sentinel;
	EXPECT(NetApiBufferReallocate(q, 100, NULL), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferReallocate(q + 16, 100, (void **)&r), ERROR_INVALID_PARAMETER, 1);
	ok(r == sentinel, "invalid OldBuffer: q untouched");
	EXPECT(NetApiBufferReallocate(q + 16, 0, (void **)&r), ERROR_INVALID_PARAMETER, 1);
	ok(r == sentinel, "invalid OldBuffer, size 0: q untouched");
	EXPECT(NetApiBufferReallocate(q, 0xFFFFFFFF, (void **)&r), ERROR_NOT_ENOUGH_MEMORY, 1);
	ok(r == sentinel, "out of memory: q untouched");
	EXPECT(NetApiBufferSize(q, &s), NERR_Success, 1);
	ok(s == 4096 && !memcmp(q, "hello", 5), "out of memory: p still valid with contents");

	r = sentinel;
	EXPECT(NetApiBufferReallocate(q, 0, (void **)&r), NERR_Success, 1);
	ok(r == NULL, "Reallocate(p, 0): q = NULL");
	EXPECT(NetApiBufferSize(q, &s), ERROR_INVALID_PARAMETER, 1);
	EXPECT(NetApiBufferFree(q), ERROR_INVALID_PARAMETER, 1);
}

static void test_size(void)
{
	DWORD s = 7;
	void *p;

	EXPECT(NetApiBufferAllocate(10, &p), NERR_Success, 1);
	EXPECT(NetApiBufferSize(NULL, &s), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferSize(p, NULL), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferSize((char *)p + 32, &s), ERROR_INVALID_PARAMETER, 1);
	ok(s == 7, "Size: count untouched on failure");
	EXPECT(NetApiBufferFree(p), NERR_Success, 1);
}

static void test_fork(void)
{
	DWORD s = 0;
	pid_t pid;
	int status;
	char *p;

	EXPECT(NetApiBufferAllocate(200, (void **)&p), NERR_Success, 1);
	strcpy(p, "parent");
	fflush(stdout);

	pid = fork();
	if (pid == 0) {
		/* The child reports by its exit code. */
		void *c;
		int bad = 0;

		failures = 0;
		tap_quiet = true;
		EXPECT(NetApiBufferFree(p), ERROR_INVALID_PARAMETER, 0);
		EXPECT(NetApiBufferSize(p, &s), ERROR_INVALID_PARAMETER, 0);
		EXPECT(NetApiBufferAllocate(30, &c), NERR_Success, 4);
		EXPECT(NetApiBufferSize(c, &s), NERR_Success, 1);
		bad |= s != 30;
		EXPECT(NetApiBufferFree(c), NERR_Success, 1);
		_exit(failures || bad);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   !WEXITSTATUS(status),
	   "fork: child cannot use the parent's buffer, opens its own session");
	EXPECT(NetApiBufferSize(p, &s), NERR_Success, 1);
	ok(s == 200 && !strcmp(p, "parent"), "fork: parent's buffer intact");
	EXPECT(NetApiBufferFree(p), NERR_Success, 1);
}

#define THREADS		8
#define ITERATIONS	2000

static pthread_barrier_t start;
/* Device calls each thread's rounds should make. */
static unsigned long expected_calls[THREADS + 1];

static void *hammer(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	long bad = 0;

	pthread_barrier_wait(&start);
	for (int i = 0; i < ITERATIONS; i++) {
		DWORD n = rand_r(&seed) % 5000, m = rand_r(&seed) % 5000, s = 0;
		unsigned char *p, *q;

		errno = ERRNO_SENTINEL;
		if (NetApiBufferAllocate(n, (void **)&p) || !all_zero(p, n)) {
			bad++;
			continue;
		}
		memset(p, (int)(uintptr_t)arg, n);
		if (NetApiBufferReallocate(p, m, (void **)&q)) {
			bad++;
			continue;
		}
		for (DWORD j = 0; j < m; j++)
			if (q[j] != (j < n ? (unsigned char)(uintptr_t)arg : 0)) {
				bad++;
				break;
			}
		if (m && (NetApiBufferSize(q, &s) || s != m))
			bad++;
		if (NetApiBufferFree(q) != NERR_Success)
			bad++;
		if (errno != ERRNO_SENTINEL)
			bad++;
		/* Allocate, Reallocate; Size and Free unless q is NULL. */
		expected_calls[(uintptr_t)arg] += m ? 4 : 2;
	}
	return (void *)bad;
}

#define FORKS		50

/*
 * Forks while the other threads allocate: each child must find the open
 * lock free and open a session of its own.  The children's device calls
 * are counted in their own copy of the fake.
 */
static void *forker(void *arg)
{
	long bad = 0;

	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < FORKS; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			DWORD s = 0;
			void *p;

			_exit(NetApiBufferAllocate(10, &p) ||
			      NetApiBufferSize(p, &s) || s != 10 ||
			      NetApiBufferFree(p));
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	}
	return (void *)bad;
}

/*
 * The first open races with fork: in each of FORK_ROUNDS fresh processes
 * (no session yet, the library's fork handlers perhaps not registered),
 * OPENERS threads make their first allocations while another forks
 * FORK_CHILDREN times.  A prepare handler of the test's own yields while
 * the others open, so a fork is often in flight as the library takes its
 * locks for the first time.  Every child must allocate within
 * FORK_TIMEOUT seconds: a lock inherited held would hang it (alarm(2)
 * kills it then, and the round fails).
 */
#define FORK_ROUNDS	200
#define OPENERS		4
#define FORK_CHILDREN	4
#define FORK_TIMEOUT	10

static pthread_barrier_t fork_start;

static void fork_prepare_yield(void)
{
	for (int i = 0; i < 50; i++)
		sched_yield();
}

static void *fork_opener(void *arg)
{
	long bad = 0;

	(void)arg;
	pthread_barrier_wait(&fork_start);
	for (int i = 0; i < 50; i++) {
		void *p;

		if (NetApiBufferAllocate(1 + i * 97 % 3000, &p) ||
		    NetApiBufferFree(p))
			bad++;
	}
	return (void *)bad;
}

static void *fork_forker(void *arg)
{
	long bad = 0;

	(void)arg;
	pthread_barrier_wait(&fork_start);
	for (int i = 0; i < FORK_CHILDREN; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			DWORD s = 0;
			void *p;

			alarm(FORK_TIMEOUT);
			_exit(NetApiBufferAllocate(10, &p) ||
			      NetApiBufferSize(p, &s) || s != 10 ||
			      NetApiBufferFree(p) ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	}
	return (void *)bad;
}

/* One round, in a process of its own: 0 if every child allocated. */
static int fork_round(void)
{
	pthread_t t[OPENERS], f;
	long total = 0;
	void *bad;

	pthread_atfork(fork_prepare_yield, NULL, NULL);
	pthread_barrier_init(&fork_start, NULL, OPENERS + 1);
	for (int i = 0; i < OPENERS; i++)
		pthread_create(&t[i], NULL, fork_opener, NULL);
	pthread_create(&f, NULL, fork_forker, NULL);
	pthread_join(f, &bad);
	total += (long)bad;
	for (int i = 0; i < OPENERS; i++) {
		pthread_join(t[i], &bad);
		total += (long)bad;
	}
	return total ? 1 : 0;
}

static void test_forks(void)
{
	int failed = 0, hung = 0;

	for (int i = 0; i < FORK_ROUNDS; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(fork_round());
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status))
			hung++;
		else if (WEXITSTATUS(status))
			failed++;
	}
	ok(!failed && !hung,
	   "forks: %d rounds of %d first opens racing %d forks: %d failed",
	   FORK_ROUNDS, OPENERS, FORK_CHILDREN, failed + hung);
}

static void test_threads(void)
{
	unsigned long want = 3;	/* one open, INFO and mmap in all */
	pthread_t t[THREADS], f;
	long total = 0;
	void *bad;

	pthread_barrier_init(&start, NULL, THREADS + 1);
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, (void *)(i + 1));
	pthread_create(&f, NULL, forker, NULL);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], &bad);
		total += (long)bad;
		want += expected_calls[i + 1];
	}
	pthread_join(f, &bad);
	ok(!bad, "%d forks during the rounds: %ld failed children", FORKS,
	   (long)bad);
	ok(total == 0, "%d threads x %d rounds: %ld failures", THREADS,
	   ITERATIONS, total);
	if (counting)
		ok(calls() == want,
		   "threads: %lu device calls, want %lu: one session, one ioctl per call",
		   calls(), want);
}

/*
 * Small buffers on the fast path (the fake offers chunks, two pages at
 * most): the device sees a CHUNKS_GET per page, not a call per buffer;
 * the library alone refuses a double Free, an interior pointer and a slot
 * never allocated in a delegated page; at the limit small buffers come
 * from the device's ALLOC, and a refused GET is not repeated before each.
 */
#define FP_BUFS		600

static void test_fastpath(void)
{
	static void *bufs[FP_BUFS];
	unsigned long c0, gets;
	char *p, *q, *r;
	DWORD s = 0;
	int i, n;

	if (!ok(fake_calls && getenv("FAKE_NETAPIBUF_CHUNKS"),
		"fastpath: the fake offers chunks"))
		return;
	/* Open the session: open, INFO, mmap. */
	EXPECT(NetApiBufferAllocate(16, (void **)&p), NERR_Success, 4);
	EXPECT(NetApiBufferFree(p), NERR_Success, 0);

	c0 = calls();
	for (i = 0; i < 1000; i++)
		if (NetApiBufferAllocate(16, (void **)&p) || !all_zero(p, 16) ||
		    (memset(p, 0xee, 16), NetApiBufferFree(p)))
			break;
	ok(i == 1000 && calls() == c0,
	   "fastpath: 1000 Allocate+Free of 16 B: %d done, %lu device calls",
	   i, calls() - c0);

	EXPECT(NetApiBufferAllocate(100, (void **)&p), NERR_Success, 0);
	ok(all_zero(p, 100), "fastpath: zeroed, the slot's old bytes included");
	strcpy(p, "fast");
	EXPECT(NetApiBufferSize(p, &s), NERR_Success, 0);
	ok(s == 100, "fastpath: Size %u, want 100", (unsigned)s);
	EXPECT(NetApiBufferSize(p + 16, &s), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferFree(p + 16), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferFree(p + 128), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferReallocate(p, 120, (void **)&q), NERR_Success, 0);
	ok(q == p && !strcmp(q, "fast") && all_zero(q + 5, 115),
	   "fastpath: grow within the slot in place, the new bytes zero");
	EXPECT(NetApiBufferReallocate(q, 1000, (void **)&r), NERR_Success, 0);
	ok(r != q && !strcmp(r, "fast") && all_zero(r + 5, 995),
	   "fastpath: grow past the slot moves, contents kept");
	EXPECT(NetApiBufferFree(q), ERROR_INVALID_PARAMETER, 0);
	EXPECT(NetApiBufferSize(r, &s), NERR_Success, 0);
	ok(s == 1000, "fastpath: Size %u, want 1000", (unsigned)s);
	EXPECT(NetApiBufferFree(r), NERR_Success, 0);
	EXPECT(NetApiBufferFree(r), ERROR_INVALID_PARAMETER, 0);

	/* Two pages of 16-byte slots hold 512; the rest are the device's. */
	c0 = calls();
	for (n = 0; n < FP_BUFS; n++)
		if (NetApiBufferAllocate(16, &bufs[n]))
			break;
	gets = calls() - c0;
	ok(n == FP_BUFS, "fastpath: %d of %d buffers past the chunk limit",
	   n, FP_BUFS);
	/*
	 * Past 512 buffers each one is an ALLOC, and a refused GET comes
	 * only after 1, 2, 4 ... of them: about 88 ALLOCs, 8 GETs and the
	 * few calls that got the second page (an idle page of another
	 * class given back first), not two calls per buffer (176).
	 */
	ok(gets <= 88 + 16,
	   "fastpath: %lu device calls for %d buffers past the limit", gets,
	   FP_BUFS - 512);
	for (i = 0; i < n; i++)
		if (NetApiBufferFree(bufs[i]))
			break;
	ok(i == n, "fastpath: all %d freed", n);
	EXPECT(NetApiBufferFree(bufs[0]), ERROR_INVALID_PARAMETER, ANY);
	EXPECT(NetApiBufferFree(bufs[FP_BUFS - 1]), ERROR_INVALID_PARAMETER,
	       ANY);
}

static NET_API_STATUS status_from_name(const char *name)
{
	if (!strcmp(name, "ERROR_DEV_NOT_EXIST"))
		return ERROR_DEV_NOT_EXIST;
	if (!strcmp(name, "ERROR_REVISION_MISMATCH"))
		return ERROR_REVISION_MISMATCH;
	fprintf(stderr, "unknown status %s\n", name);
	exit(2);
}

static void test_fail(NET_API_STATUS want)
{
	void *p = (void *)1, *q = (void *)1;
	DWORD s = 3;

	EXPECT(NetApiBufferAllocate(10, &p), want, ANY);
	ok(p == NULL, "failed Allocate: *p = NULL");
	EXPECT(NetApiBufferAllocate(10, &p), want, ANY);	/* tried again */
	EXPECT(NetApiBufferReallocate(NULL, 10, &q), want, ANY);
	ok(q == (void *)1, "failed Reallocate: q untouched");
	EXPECT(NetApiBufferFree(&s), ERROR_INVALID_PARAMETER, ANY);
	EXPECT(NetApiBufferSize(&s, &s), ERROR_INVALID_PARAMETER, ANY);
	ok(s == 3, "Size: count untouched");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "main";

	setvbuf(stdout, NULL, _IOLBF, 0);
	fake_calls = (unsigned long (*)(void))dlsym(RTLD_DEFAULT,
						    "fake_netapibuf_calls");

	if (getenv("FAKE_NETAPIBUF_PATH") &&
	    !ok(fake_calls != NULL, "fake device preloaded"))
		return 1;
	counting = fake_calls && !getenv("FAKE_NETAPIBUF_CHUNKS");
	if (!fake_calls && strcmp(mode, "fail"))
		printf("# no fake device: running against the real one, device calls not counted\n");
	if (!strcmp(mode, "main")) {
		test_before_open();
		test_allocate();
		test_free();
		test_reallocate();
		test_size();
		test_fork();
	} else if (!strcmp(mode, "threads")) {
		test_threads();
	} else if (!strcmp(mode, "forks")) {
		test_forks();
	} else if (!strcmp(mode, "fastpath")) {
		test_fastpath();
	} else if (!strcmp(mode, "fail") && argc > 2) {
		test_fail(status_from_name(argv[2]));
	} else {
		fprintf(stderr, "usage: %s main|threads|forks|fastpath|fail STATUS\n", argv[0]);
		return 2;
	}
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
