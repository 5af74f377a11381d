// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: for a bounded time (NETAPIBUF_STRESS_SECONDS, default 20) and a
 * bounded number of calls per thread (NETAPIBUF_STRESS_ITERATIONS),
 * several processes run at once:
 *
 * - library workers: threads mixing the four NetApiBuffer calls on
 *   buffers of their own, with a pattern check of every buffer before it
 *   is resized or freed and after; beside them a chaos thread forks
 *   children that touch nothing and exit, and aims munmap(2), mremap(2),
 *   mprotect(2), madvise(2) and mmap(MAP_FIXED) at buffers, at the arena,
 *   its edges and ranges across them: each must fail (the arena cannot
 *   be split, moved, made executable or inherited) or be harmless
 *   (MADV_DONTNEED: the pages come back with their contents). The
 *   workers exit with buffers still live.
 * - raw close: rounds of a raw session whose descriptor another thread
 *   closes while threads issue ioctls on it: they then get EBADF, and the
 *   buffers stay usable through the arena until it is unmapped. (The
 *   library's descriptor is never closed under it.)
 * - spawner: children that allocate through the library and exit with
 *   their buffers live, or are killed with SIGKILL in the middle.
 *
 * It prints how many operations of each kind ran and failed as they
 * should, and the time taken. It fails on a corrupted buffer, a result
 * that is not one of those expected, a crashed process, or counters
 * that do not return to their baseline.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_NOMEM	((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY)
#define ST_INVALID	((NET_API_STATUS)ERROR_INVALID_PARAMETER)

#define LIB_PROCS	3
#define LIB_THREADS	4
#define LIB_SLOTS	24
#define RAW_THREADS	3
#define RAW_SLOTS	16

#define DEFAULT_SECONDS		20
#define MAX_SECONDS		800	/* below the test's timeout */
#define DEFAULT_ITERATIONS	10000000

static const DWORD sizes[] = {
	0, 1, 16, 100, 500, 2048, 2049, 4095, 4096, 5000, 12288, 65536 + 7,
};

/* ---- what every process reports, in shared memory ------------------- */

enum counter {
	LIB_CALLS,		/* NetApiBuffer calls */
	LIB_NOMEM,		/* of which ERROR_NOT_ENOUGH_MEMORY */
	RAW_CALLS,		/* raw ioctls */
	RAW_EBADF,		/* of which EBADF after the close */
	RAW_CLOSES,		/* descriptors closed under the threads */
	FORKS,			/* children that touched nothing */
	SPAWNED,		/* children that exited with live buffers */
	KILLED,			/* children killed in the middle */
	ARENA_OPS,		/* munmap, mremap, mprotect, madvise, mmap */
	ARENA_REFUSED,		/* of which failed, as they must */
	CHECKS,			/* buffers checked against their pattern */
	NCOUNTERS,
};

static const char *const counter_names[NCOUNTERS] = {
	"library calls", "of which out of memory", "raw ioctls",
	"of which EBADF", "descriptors closed under threads",
	"forks", "children exited with buffers", "children killed",
	"arena operations", "of which refused", "buffer checks",
};

struct shared {
	atomic_ulong count[NCOUNTERS];
	atomic_ulong errors;
	atomic_bool stop;
	long long deadline_ms;
	unsigned long iterations;
	char first_error[512];
};

static struct shared *sh;

__attribute__((format(printf, 1, 2)))
static void stress_error(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&sh->errors, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(sh->first_error, sizeof(sh->first_error), fmt, ap);
		va_end(ap);
	}
}

static void count(enum counter c)
{
	atomic_fetch_add_explicit(&sh->count[c], 1, memory_order_relaxed);
}

static bool time_up(void)
{
	return atomic_load(&sh->stop) || nab_now_ms() >= sh->deadline_ms;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *env = getenv(name);
	unsigned long n = env ? strtoul(env, NULL, 0) : 0;

	return n ? n : def;
}

/* ---- a buffer and its pattern ---------------------------------------- */

struct slot {
	void *_Atomic p;	/* read by the chaos thread */
	size_t size;
	unsigned int seed;
};

static void slot_verify(struct slot *s, const char *who, const char *when)
{
	void *p = atomic_load(&s->p);
	long bad;

	if (!p)
		return;
	count(CHECKS);
	bad = nab_check(p, 0, s->size, s->seed);
	if (bad >= 0)
		stress_error("%s: %s: %zu-byte buffer %p differs at byte %ld", who,
		      when, s->size, p, bad);
}

/* ---- library workers ------------------------------------------------- */

struct lib_worker {
	pthread_t thread;
	unsigned int id;
	unsigned int rng;
	struct slot slots[LIB_SLOTS];
	char name[32];
};

static struct lib_worker lib_workers[LIB_THREADS];

static NET_API_STATUS lib_status(struct lib_worker *w, const char *what,
				 NET_API_STATUS st)
{
	count(LIB_CALLS);
	if (st == ST_NOMEM)
		count(LIB_NOMEM);
	else if (st != ST_SUCCESS)
		stress_error("%s: %s: status %u", w->name, what, st);
	return st;
}

static void lib_one_op(struct lib_worker *w, struct slot *s)
{
	DWORD n = sizes[rand_r(&w->rng) % ARRAY_SIZE(sizes)], got;
	void *p = atomic_load(&s->p);
	LPVOID q;
	size_t keep;
	long bad;

	switch (rand_r(&w->rng) % 4) {
	case 0:	/* allocate into an empty slot, else free it */
		if (p) {
			slot_verify(s, w->name, "before Free");
			lib_status(w, "Free", NetApiBufferFree(p));
			atomic_store(&s->p, NULL);
			break;
		}
		if (lib_status(w, "Allocate",
			       NetApiBufferAllocate(n, &q)) != ST_SUCCESS)
			break;
		bad = nab_check_zero(q, 0, n);
		if (bad >= 0)
			stress_error("%s: new %u-byte buffer not zero at %ld",
			      w->name, n, bad);
		s->size = n;
		s->seed = (w->id << 5) | (rand_r(&w->rng) & 31);
		nab_fill(q, 0, n, s->seed);
		atomic_store(&s->p, q);
		break;
	case 1:	/* reallocate, from NULL included */
		slot_verify(s, w->name, "before Reallocate");
		if (!n)
			n = 1;
		if (lib_status(w, "Reallocate",
			       NetApiBufferReallocate(p, n, &q)) != ST_SUCCESS)
			break;
		keep = p ? (s->size < n ? s->size : n) : 0;
		bad = nab_check(q, 0, keep, s->seed);
		if (bad >= 0)
			stress_error("%s: Reallocate %zu -> %u lost byte %ld",
			      w->name, s->size, n, bad);
		bad = nab_check_zero(q, keep, n - keep);
		if (bad >= 0)
			stress_error("%s: Reallocate %zu -> %u: byte %ld not zero",
			      w->name, s->size, n, bad);
		atomic_store(&s->p, NULL);
		s->size = n;
		s->seed = (w->id << 5) | (rand_r(&w->rng) & 31);
		nab_fill(q, 0, n, s->seed);
		atomic_store(&s->p, q);
		break;
	case 2:	/* size */
		if (!p)
			break;
		if (lib_status(w, "Size", NetApiBufferSize(p, &got)) ==
		    ST_SUCCESS && got != s->size)
			stress_error("%s: Size(%p) %u, expected %zu", w->name, p,
			      got, s->size);
		slot_verify(s, w->name, "after Size");
		break;
	case 3:	/* check */
		slot_verify(s, w->name, "check");
		break;
	}
}

static void *lib_worker_main(void *arg)
{
	struct lib_worker *w = arg;
	unsigned long i;
	size_t k;

	for (i = 0; i < sh->iterations && !time_up(); i++)
		lib_one_op(w, &w->slots[rand_r(&w->rng) % LIB_SLOTS]);
	/* Free half; the process exits with the rest live. */
	for (k = 0; k < LIB_SLOTS; k += 2) {
		struct slot *s = &w->slots[k];

		slot_verify(s, w->name, "at the end");
		lib_status(w, "final Free", NetApiBufferFree(atomic_load(&s->p)));
		atomic_store(&s->p, NULL);
	}
	for (k = 1; k < LIB_SLOTS; k += 2)
		slot_verify(&w->slots[k], w->name, "at the end");
	return NULL;
}

/* ---- chaos: fork, and the mm calls on the arena ---------------------- */

/* A call that must fail: it did, or record that it did not. */
static void must_fail(long ret, const char *what, const void *addr,
		      size_t len)
{
	count(ARENA_OPS);
	if (ret == -1) {
		count(ARENA_REFUSED);
		return;
	}
	stress_error("chaos: %s(%p, %#zx) worked on the arena", what, addr, len);
}

/* A call that may work or fail but must change nothing users see. */
static void may_work(long ret)
{
	count(ARENA_OPS);
	if (ret == -1)
		count(ARENA_REFUSED);
}

static void chaos_fork(void)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0) {
		stress_error("chaos: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		_exit(0);	/* touches nothing of the parent's */
	count(FORKS);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		stress_error("chaos: a fork child ended with status %#x", status);
}

/* Some address in the arena: a live buffer's, or a page of it. */
static char *chaos_addr(unsigned int *rng, const struct netapibuf_info *info)
{
	struct lib_worker *w = &lib_workers[rand_r(rng) % LIB_THREADS];
	char *p = atomic_load(&w->slots[rand_r(rng) % LIB_SLOTS].p);
	char *arena = (char *)(uintptr_t)info->arena_addr;
	size_t page = NAB_PAGE_SIZE;

	switch (rand_r(rng) % 4) {
	case 0:
		if (p)
			return (char *)((uintptr_t)p & ~(page - 1));
		/* fall through */
	case 1:
		return arena;
	case 2:
		return arena + info->arena_size - page;
	default:
		return arena + (rand_r(rng) % 4096) * page;
	}
}

static void chaos_one(unsigned int *rng, const struct netapibuf_info *info)
{
	/* may work or fail, but change nothing */
	static const int advice[] = {
		MADV_DONTFORK, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
		MADV_POPULATE_READ, MADV_REMOVE,
	};
	char *arena = (char *)(uintptr_t)info->arena_addr;
	char *end = arena + info->arena_size;
	size_t page = NAB_PAGE_SIZE;
	char *a = chaos_addr(rng, info);
	size_t len = (1 + rand_r(rng) % 4) * page;
	void *r;

	if (a + len > end)
		len = end - a;
	switch (rand_r(rng) % 14) {
	case 0:
		chaos_fork();
		break;
	case 1:	/* part of the arena, or a range across its end */
		must_fail(munmap(a, len), "munmap", a, len);
		break;
	case 2:
		must_fail(munmap(end - page, 2 * page), "munmap across the end",
			  end - page, 2 * page);
		break;
	case 3:
		must_fail(mprotect(a, len, PROT_READ), "mprotect", a, len);
		break;
	case 4:
		must_fail(mprotect(arena, info->arena_size,
				   PROT_READ | PROT_WRITE | PROT_EXEC),
			  "mprotect PROT_EXEC", arena, info->arena_size);
		break;
	case 5:	/* the whole arena, as it is: harmless */
		may_work(mprotect(arena, info->arena_size,
				  PROT_READ | PROT_WRITE));
		break;
	case 6:
		/*
		 * Somewhere reserved for it: mremap(MREMAP_FIXED) unmaps the
		 * destination first, and may fail after that. Then the hole
		 * is free for any mapping another thread makes meanwhile
		 * (malloc, thread stacks, the library's own bookkeeping):
		 * unmap the reservation only if it is still there.
		 */
		r = mmap(NULL, info->arena_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r == MAP_FAILED)
			break;
		if (mremap(arena, info->arena_size, info->arena_size,
			   MREMAP_MAYMOVE | MREMAP_FIXED, r) == MAP_FAILED) {
			must_fail(-1, "", NULL, 0);
			/* MADV_NORMAL: ENOMEM where nothing is mapped. */
			if (!madvise(r, page, MADV_NORMAL))
				munmap(r, info->arena_size);
		} else {
			must_fail(0, "mremap to elsewhere", arena,
				  info->arena_size);
		}
		break;
	case 7:
		r = mremap(a, len, len + page, MREMAP_MAYMOVE);
		must_fail(r == MAP_FAILED ? -1 : 0, "mremap grow", a, len);
		break;
	case 8:
		r = mremap(a, len, page, 0);
		/* shrinking a one-page range to one page is no change */
		if (len > page)
			must_fail(r == MAP_FAILED ? -1 : 0, "mremap shrink",
				  a, len);
		else
			may_work(r == MAP_FAILED ? -1 : 0);
		break;
	case 9:	/* the pages come back from the fault handler */
		may_work(madvise(a, len, MADV_DONTNEED));
		break;
	case 10:
		must_fail(madvise(a, len, MADV_DOFORK), "MADV_DOFORK", a, len);
		break;
	case 11:
		may_work(madvise(a, len, advice[rand_r(rng) % ARRAY_SIZE(advice)]));
		break;
	case 12:
		r = mmap(a, page, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		must_fail(r == MAP_FAILED ? -1 : 0, "mmap MAP_FIXED", a, page);
		break;
	case 13:	/* all of it: every thread faults its pages back */
		may_work(madvise(arena, info->arena_size, MADV_DONTNEED));
		break;
	}
}

static void *chaos_main(void *arg)
{
	unsigned int rng = (uintptr_t)arg;
	struct netapibuf_info info, now;

	/* The workers open the session with their first call. */
	while (!nab_lib_session_info(&info, true)) {
		if (time_up())
			return NULL;
		usleep(1000);
	}
	while (!time_up()) {
		chaos_one(&rng, &info);
		if (rand_r(&rng) % 64 == 0) {
			if (!nab_lib_session_info(&now, true) ||
			    now.arena_addr != info.arena_addr)
				stress_error("chaos: the arena moved or went away");
		}
		if (rand_r(&rng) % 4 == 0)
			usleep(rand_r(&rng) % 500);
	}
	return NULL;
}

static int lib_process(unsigned int id)
{
	pthread_t chaos;
	size_t i;

	for (i = 0; i < LIB_THREADS; i++) {
		struct lib_worker *w = &lib_workers[i];

		w->id = id * LIB_THREADS + i;
		w->rng = 0x9e3779b9u * (w->id + 1);
		snprintf(w->name, sizeof(w->name), "lib %u.%zu", id, i);
		if (pthread_create(&w->thread, NULL, lib_worker_main, w)) {
			stress_error("lib %u: pthread_create", id);
			return 1;
		}
	}
	if (pthread_create(&chaos, NULL, chaos_main,
			   (void *)(uintptr_t)(77 + id))) {
		stress_error("lib %u: pthread_create", id);
		return 1;
	}
	for (i = 0; i < LIB_THREADS; i++)
		pthread_join(lib_workers[i].thread, NULL);
	pthread_join(chaos, NULL);
	return 0;
}

/* ---- raw sessions whose descriptor is closed under the threads ------- */

struct raw_round {
	int _Atomic fd;		/* -1 once closed */
	int fd_number;		/* what the threads keep using */
	struct nab_session s;
	atomic_bool closed;
};

struct raw_worker {
	pthread_t thread;
	unsigned int id;
	unsigned int rng;
	struct raw_round *round;
	struct slot slots[RAW_SLOTS];
	char name[32];
};

/* A raw ioctl's errno: 0, or EBADF once the descriptor is closed. */
static int raw_result(struct raw_worker *w, const char *what, int ret)
{
	int err = ret ? errno : 0;

	count(RAW_CALLS);
	if (!err)
		return 0;
	if (err == EBADF && atomic_load(&w->round->closed)) {
		count(RAW_EBADF);
		return err;
	}
	if (err != ENOMEM)
		stress_error("%s: %s: %s%s", w->name, what, strerror(err),
		      atomic_load(&w->round->closed) ? " (closed)" : "");
	return err;
}

static void raw_one_op(struct raw_worker *w, struct slot *s)
{
	int fd = w->round->fd_number;
	size_t n = sizes[rand_r(&w->rng) % ARRAY_SIZE(sizes)];
	void *p = atomic_load(&s->p), *q = NULL;
	__u64 got = 0;
	size_t keep;
	long bad;

	switch (rand_r(&w->rng) % 4) {
	case 0:
		if (p) {
			slot_verify(s, w->name, "before FREE");
			if (!raw_result(w, "FREE", _test_ioctl_free(fd, p, 0, 0)))
				atomic_store(&s->p, NULL);
			break;
		}
		if (raw_result(w, "ALLOC", _test_ioctl_alloc(fd, n, 0, 0, &q)))
			break;
		bad = nab_check_zero(q, 0, n);
		if (bad >= 0)
			stress_error("%s: new buffer not zero at %ld", w->name, bad);
		s->size = n;
		s->seed = (w->id << 5) | (rand_r(&w->rng) & 31);
		nab_fill(q, 0, n, s->seed);
		atomic_store(&s->p, q);
		break;
	case 1:
		if (!p || !n)
			break;
		slot_verify(s, w->name, "before REALLOC");
		if (raw_result(w, "REALLOC",
			       _test_ioctl_realloc(fd, p, n, 0, 0, &q)))
			break;
		keep = s->size < n ? s->size : n;
		bad = nab_check(q, 0, keep, s->seed);
		if (bad >= 0)
			stress_error("%s: REALLOC %zu -> %zu lost byte %ld", w->name,
			      s->size, n, bad);
		s->size = n;
		s->seed = (w->id << 5) | (rand_r(&w->rng) & 31);
		nab_fill(q, 0, n, s->seed);
		atomic_store(&s->p, q);
		break;
	case 2:
		if (!p)
			break;
		if (!raw_result(w, "SIZE", _test_ioctl_size(fd, p, 0, 0, &got)) &&
		    got != s->size)
			stress_error("%s: SIZE %llu, expected %zu", w->name,
			      (unsigned long long)got, s->size);
		break;
	case 3:
		slot_verify(s, w->name, "check");
		break;
	}
}

static void *raw_worker_main(void *arg)
{
	struct raw_worker *w = arg;
	unsigned long i;
	unsigned int after = 0;

	/* Until the time is up or some calls after the close. */
	for (i = 0; i < sh->iterations && !time_up() && after < 50; i++) {
		raw_one_op(w, &w->slots[rand_r(&w->rng) % RAW_SLOTS]);
		if (atomic_load(&w->round->closed))
			after++;
	}
	return NULL;
}

static void *raw_closer_main(void *arg)
{
	struct raw_round *r = arg;
	unsigned int rng = r->fd_number * 31 + (unsigned int)nab_now_ms();

	usleep(rand_r(&rng) % 20000);
	/* The threads may be in the middle of an ioctl: they hold a reference. */
	atomic_store(&r->closed, true);
	if (close(atomic_exchange(&r->fd, -1)))
		stress_error("raw: close: %s", strerror(errno));
	count(RAW_CLOSES);
	return NULL;
}

static int raw_process(void)
{
	struct raw_worker workers[RAW_THREADS];
	unsigned int round_no = 0;
	struct raw_round r;
	pthread_t closer;
	size_t i, k;
	int ret;

	while (!time_up()) {
		memset(&r, 0, sizeof(r));
		ret = nab_session_open(&r.s, true);
		if (ret) {
			stress_error("raw: session: %s", strerror(-ret));
			return 1;
		}
		r.fd_number = r.s.fd;
		atomic_store(&r.fd, r.s.fd);
		memset(workers, 0, sizeof(workers));
		for (i = 0; i < RAW_THREADS; i++) {
			struct raw_worker *w = &workers[i];

			w->id = i;
			w->rng = round_no * 7919 + i;
			w->round = &r;
			snprintf(w->name, sizeof(w->name), "raw %u.%zu",
				 round_no, i);
			pthread_create(&w->thread, NULL, raw_worker_main, w);
		}
		pthread_create(&closer, NULL, raw_closer_main, &r);
		for (i = 0; i < RAW_THREADS; i++)
			pthread_join(workers[i].thread, NULL);
		pthread_join(closer, NULL);

		/* Closed: the arena still holds the session and its buffers. */
		for (i = 0; i < RAW_THREADS; i++)
			for (k = 0; k < RAW_SLOTS; k++)
				slot_verify(&workers[i].slots[k],
					    workers[i].name, "after the close");
		r.s.fd = -1;
		nab_session_close(&r.s);
		round_no++;
	}
	return 0;
}

/* ---- children that exit or are killed with live buffers --------------- */

static int spawner_process(void)
{
	unsigned int rng = 4242;

	while (!time_up()) {
		bool kill_it = rand_r(&rng) % 3 == 0;
		unsigned int seed = rand_r(&rng);
		int status;
		pid_t pid;

		pid = fork();
		if (pid < 0) {
			stress_error("spawner: fork: %s", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			unsigned int i, crng = seed;
			LPVOID p[32] = { NULL }, q;

			for (i = 0; ; i++) {
				DWORD n = sizes[rand_r(&crng) % ARRAY_SIZE(sizes)];
				NET_API_STATUS st;

				st = NetApiBufferReallocate(p[i % 32], n, &q);
				if (st == ST_SUCCESS) {
					p[i % 32] = q;
					nab_fill(q, 0, n, i);
				} else if (st != ST_NOMEM) {
					_exit(10);
				}
				if (!kill_it && i == 100)
					_exit(0);	/* with live buffers */
			}
		}
		if (kill_it) {
			usleep(rand_r(&rng) % 30000);
			kill(pid, SIGKILL);
		}
		if (waitpid(pid, &status, 0) != pid) {
			stress_error("spawner: waitpid: %s", strerror(errno));
			return 1;
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		    kill_it) {
			count(KILLED);
		} else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			count(SPAWNED);
		} else {
			stress_error("spawner: child ended with status %#x", status);
		}
	}
	return 0;
}

/* ---- the test --------------------------------------------------------- */

FIXTURE(stress) {
	struct nab_stats base;
};

FIXTURE_SETUP(stress)
{
	NAB_REQUIRE_DEVICE();
	nab_pattern_init();	/* before the threads and forks: it is lazy */
	ASSERT_STATS(&self->base);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
}

FIXTURE_TEARDOWN(stress)
{
	munmap(sh, sizeof(*sh));
}

TEST_F_TIMEOUT(stress, mixed, 900)
{
	unsigned long seconds = env_ul("NETAPIBUF_STRESS_SECONDS",
				       DEFAULT_SECONDS);
	pid_t pids[LIB_PROCS + 2];
	struct nab_stats now;
	long long start;
	size_t i;
	int status;

	if (seconds > MAX_SECONDS)
		seconds = MAX_SECONDS;
	sh->iterations = env_ul("NETAPIBUF_STRESS_ITERATIONS",
				DEFAULT_ITERATIONS);
	start = nab_now_ms();
	sh->deadline_ms = start + seconds * 1000;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			if (i < LIB_PROCS)
				_exit(lib_process(i));
			if (i == LIB_PROCS)
				_exit(raw_process());
			_exit(spawner_process());
		}
	}
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("%s process %zu: %s %d",
			       i < LIB_PROCS ? "library" :
			       i == LIB_PROCS ? "raw" : "spawner", i,
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
			       WTERMSIG(status));
	}

	for (i = 0; i < NCOUNTERS; i++)
		TH_LOG("%-34s %lu", counter_names[i],
		       atomic_load(&sh->count[i]));
	TH_LOG("%lu s asked, %lld ms taken", seconds, nab_now_ms() - start);
	EXPECT_EQ(0UL, atomic_load(&sh->errors))
		TH_LOG("%lu errors, the first: %s", atomic_load(&sh->errors),
		       sh->first_error);
	EXPECT_LT(0UL, atomic_load(&sh->count[LIB_CALLS]));
	EXPECT_LT(0UL, atomic_load(&sh->count[RAW_CLOSES]));

	/* Every process is gone: so are its sessions and buffers. */
	EXPECT_STATS_BASELINE(&self->base);
	ASSERT_STATS(&now);
	EXPECT_LE(now.live_buffers, now.peak_buffers);
}

TEST_HARNESS_MAIN
