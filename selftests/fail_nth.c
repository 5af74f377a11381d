// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection, as iommufd's fail_nth test does it: for each command,
 * fail the 1st, 2nd, 3rd, ... allocation it makes (slab and page
 * allocator, through /proc/self/task/<tid>/fail-nth with failslab and
 * fail_page_alloc set up for it) until the command runs through without
 * reaching the injected failure. Every failed command must return
 * ENOMEM (the library ERROR_NOT_ENOUGH_MEMORY), change nothing (the
 * counters, the session's other buffers and their contents, the buffer
 * it worked on), and work when issued again; every command that succeeds
 * although an allocation failed (a fallback absorbed it) must have done
 * its job in full. Each step starts from a fresh session and ends with
 * it closed and the counters back at their baseline; at the end a
 * kmemleak scan must not mention netapibuf.
 *
 * The commands: ALLOC small and large; REALLOC small to small, small to
 * large, large growing in place, large moving, large to small, large
 * shrinking; FREE small and large; SIZE; INFO; AGENT_CALL of the sample
 * agents "wksta" (with an input, copied in with vmemdup_user()) and
 * "netif" (netapibuf_sysinfo.ko, loaded if need be: see nab_sysinfo_ko());
 * the first open(2) and mmap(2) of a session; and through libnetapibuf:
 * NetApiBufferAllocate, NetApiBufferReallocate, NetWkstaGetInfo and a
 * process's first call, which opens and maps the session.
 *
 * The agent calls are what exercises the kernel API the agents use:
 * netapibuf_kalloc() (kzalloc, kvmalloc_array, the pages, vmap) and
 * netapibuf_call_deliver() (nab_buf_adopt()); the sample agent never
 * calls netapibuf_krealloc().
 *
 * Only the debug kernel (tools/debug.config) has fault injection; on
 * other kernels every test is skipped.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <sys/syscall.h>

#include <netapi.h>
#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_NOMEM	((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY)

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc/"

/* A command that still fails after this many steps never finishes. */
#define SWEEP_MAX	2000

/* ---- fault injection setup ------------------------------------------ */

/*
 * What fail-nth needs: allocations that may sleep count too
 * (ignore-gfp-wait), order-0 and highmem pages count too, and no
 * "FAULT_INJECTION: forcing a failure" with a stack dump in the kernel
 * log (verbose). probability stays 0: only fail-nth injects, and only
 * into the task that asked, so task-filter is not needed.
 */
static const struct fault_knob {
	const char *path;
	const char *value;
} fault_knobs[] = {
	{ FAILSLAB "ignore-gfp-wait", "N" },
	{ FAILSLAB "verbose", "0" },
	{ FAILSLAB "probability", "0" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-wait", "N" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-highmem", "N" },
	{ FAIL_PAGE_ALLOC "min-order", "0" },
	{ FAIL_PAGE_ALLOC "verbose", "0" },
	{ FAIL_PAGE_ALLOC "probability", "0" },
};

static char fault_saved[ARRAY_SIZE(fault_knobs)][32];
static bool fault_ready;

static bool file_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

static bool file_write(const char *path, const char *val)
{
	ssize_t len = strlen(val), n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = write(fd, val, len);
	close(fd);
	return n == len;
}

/* The calling thread's fail-nth file. */
static const char *fail_nth_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth",
		 (int)syscall(SYS_gettid));
	return path;
}

/* Before the tests, in the harness's process: set the knobs up. */
static void __attribute__((constructor)) fault_setup(void)
{
	size_t i;

	if (access(fail_nth_path(), F_OK) || access(FAILSLAB, F_OK) ||
	    access(FAIL_PAGE_ALLOC, F_OK))
		return;
	for (i = 0; i < ARRAY_SIZE(fault_knobs); i++)
		if (!file_read(fault_knobs[i].path, fault_saved[i],
			       sizeof(fault_saved[i])))
			return;
	fault_ready = true;
	for (i = 0; i < ARRAY_SIZE(fault_knobs); i++)
		fault_ready &= file_write(fault_knobs[i].path,
					  fault_knobs[i].value);
}

/* After the tests: the knobs as they were. */
static void __attribute__((destructor)) fault_restore(void)
{
	size_t i;

	if (!fault_saved[0][0])
		return;
	for (i = 0; i < ARRAY_SIZE(fault_knobs); i++)
		file_write(fault_knobs[i].path, fault_saved[i]);
}

/* The calling thread's fail-nth, opened once: opening allocates. */
static int fail_nth_open(void)
{
	return open(fail_nth_path(), O_RDWR | O_CLOEXEC);
}

/* Fail the @n-th allocation from now on (0: none). */
static bool fail_nth_set(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len;
}

/*
 * Disarms the injection and says whether it fired: 1 if the n-th
 * allocation was failed, 0 if the call made fewer than n, -1 if
 * fail-nth could not be read.
 */
static int fail_nth_fired(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	unsigned long left;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	left = strtoul(buf, NULL, 10);
	if (left && !fail_nth_set(fd, 0))
		return -1;
	return !left;
}

/*
 * Nothing the calls under injection run may fault: a page fault whose
 * page (table) allocation is failed ends in VM_FAULT_OOM ("Huh
 * VM_FAULT_OOM leaked out to the #PF handler" and a retry). Lock and
 * populate everything mapped now, and some stack beyond it.
 */
static void prefault(void)
{
	volatile char stack[64 * 1024];

	memset((char *)stack, 0, sizeof(stack));
	nab_pattern_init();
	mlockall(MCL_CURRENT);
}

/* ---- the sample agent ------------------------------------------------- */

static bool sysinfo_loaded_here;

/* The agents are there, loaded from ./ if need be. */
static bool agents_ready(void)
{
	if (!nab_agent_listed("wksta") && nab_sysinfo_insmod())
		sysinfo_loaded_here = true;
	return nab_agent_listed("wksta") && nab_agent_listed("netif");
}

static void __attribute__((destructor)) agents_restore(void)
{
	if (sysinfo_loaded_here)
		nab_run("rmmod " NAB_SYSINFO_MOD);
}

/* ---- the commands ------------------------------------------------------ */

enum cmd {
	ALLOC_SMALL,
	ALLOC_LARGE,
	REALLOC_SMALL_SMALL,
	REALLOC_SMALL_LARGE,
	REALLOC_LARGE_INPLACE,
	REALLOC_LARGE_MOVE,
	REALLOC_LARGE_SMALL,
	REALLOC_LARGE_SHRINK,
	FREE_SMALL,
	FREE_LARGE,
	SIZE,
	INFO,
	AGENT_WKSTA,
	AGENT_NETIF,
	OPEN_MMAP,
	CHUNKS_GET,
	CHUNKS_PUT,
	/* through libnetapibuf, each step in a process of its own */
	LIB_ALLOCATE_SMALL,
	LIB_ALLOCATE_LARGE,
	LIB_REALLOCATE_GROW,
	LIB_REALLOCATE_MOVE,
	LIB_WKSTA,
	LIB_FIRST_CALL,
};

#define PAGE	NAB_PAGE_SIZE
/* Size classes no other buffer of the session uses (see keep[]). */
#define SMALL_A	40		/* 64-byte slots */
#define SMALL_B	1000		/* 1024-byte slots */
#define SMALL_C	300		/* 512-byte slots */

/* The session's other buffers, which no failure may touch. */
#define NKEEP	3

/* Chunks one CHUNKS_GET or _PUT step hands over. */
#define NCHUNKS	4

struct step {
	enum cmd cmd;
	struct nab_session s;		/* raw commands */
	struct nab_session s2;		/* OPEN_MMAP: the new session */
	void *keep[NKEEP];
	size_t keep_size[NKEEP];
	void *buf;			/* the buffer the command works on */
	size_t size, new_size;
	void *blocker;			/* REALLOC_LARGE_MOVE */
	void *out;			/* what the command returned */
	struct netapibuf_agent_call agent;
	struct netapibuf_chunks chunks;	/* CHUNKS_*: the chunks, got */
	struct nab_stats before;	/* after the setup */
	int err;			/* errno (0), or NET_API_STATUS (lib) */
};

static bool is_lib(enum cmd cmd)
{
	return cmd >= LIB_ALLOCATE_SMALL;
}

static bool needs_agents(enum cmd cmd)
{
	return cmd == AGENT_WKSTA || cmd == AGENT_NETIF || cmd == LIB_WKSTA;
}

/* A buffer of the step's session: raw or through the library. */
static void *step_alloc(struct __test_metadata *_metadata, struct step *st,
			size_t size, unsigned int seed)
{
	void *p = NULL;

	/* (braces: the harness's EXPECT_* end in a for statement) */
	if (is_lib(st->cmd)) {
		EXPECT_EQ(ST_SUCCESS, NetApiBufferAllocate(size, &p));
	} else {
		EXPECT_EQ(0, _test_ioctl_alloc(st->s.fd, size, 0, 0, &p))
			TH_LOG("ALLOC %zu: %s", size, strerror(errno));
	}
	if (p)
		nab_fill(p, 0, size, seed);
	return p;
}

/* The size of a live buffer, or -errno / -status. */
static long long step_size(struct step *st, void *p)
{
	__u64 size;
	DWORD n;

	if (is_lib(st->cmd)) {
		NET_API_STATUS status = NetApiBufferSize(p, &n);

		return status == ST_SUCCESS ? (long long)n : -(long long)status;
	}
	if (_test_ioctl_size(st->s.fd, p, 0, 0, &size))
		return -errno;
	return size;
}

/*
 * Not under injection: a fresh session with its other buffers, and the
 * buffer the command works on.
 */
static void step_setup(struct __test_metadata *_metadata, struct step *st,
		       enum cmd cmd)
{
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	st->cmd = cmd;
	st->s.fd = -1;
	st->s2.fd = -1;
	if (cmd == LIB_FIRST_CALL) {
		ASSERT_STATS(&st->before);
		return;
	}
	if (!is_lib(cmd)) {
		ret = nab_session_open(&st->s, true);
		ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	}

	st->keep_size[0] = 100;
	st->keep_size[1] = 3 * PAGE + 5;
	st->keep_size[2] = 2000;
	for (i = 0; i < NKEEP; i++) {
		st->keep[i] = step_alloc(_metadata, st, st->keep_size[i], i);
		ASSERT_NE(NULL, st->keep[i]);
	}

	switch (cmd) {
	case REALLOC_SMALL_SMALL:
		st->size = SMALL_A;
		st->new_size = SMALL_B;
		break;
	case REALLOC_SMALL_LARGE:
	case LIB_REALLOCATE_GROW:
		st->size = SMALL_A;
		st->new_size = 3 * PAGE + 1;
		break;
	case REALLOC_LARGE_INPLACE:
		st->size = 2 * PAGE;
		st->new_size = 6 * PAGE - 7;
		break;
	case REALLOC_LARGE_MOVE:
	case LIB_REALLOCATE_MOVE:
		st->size = 2 * PAGE;
		st->new_size = 6 * PAGE - 7;
		break;
	case REALLOC_LARGE_SMALL:
		st->size = 2 * PAGE;
		st->new_size = SMALL_C;
		break;
	case REALLOC_LARGE_SHRINK:
		st->size = 4 * PAGE;
		st->new_size = PAGE + 1;
		break;
	case FREE_SMALL:
	case SIZE:
		st->size = SMALL_A;
		break;
	case FREE_LARGE:
		st->size = 2 * PAGE + 3;
		break;
	case ALLOC_SMALL:
	case LIB_ALLOCATE_SMALL:
		st->new_size = SMALL_A;
		break;
	case ALLOC_LARGE:
	case LIB_ALLOCATE_LARGE:
		st->new_size = 5 * PAGE + 100;
		break;
	default:
		break;
	}
	if (st->size) {
		/* Allocated last: the arena after it is free. */
		st->buf = step_alloc(_metadata, st, st->size, 0x42);
		ASSERT_NE(NULL, st->buf);
	}
	if (cmd == REALLOC_LARGE_MOVE || cmd == LIB_REALLOCATE_MOVE) {
		/* Right after the buffer: it cannot grow in place. */
		st->blocker = step_alloc(_metadata, st, PAGE, 0x43);
		ASSERT_NE(NULL, st->blocker);
		ASSERT_EQ((char *)st->buf + st->size, st->blocker)
			TH_LOG("the blocker is not right after the buffer");
	}
	if (cmd == AGENT_WKSTA) {
		static const char server[] = "localhost";

		strcpy(st->agent.name, "wksta");
		st->agent.level = 100;
		st->agent.in = (uintptr_t)server;
		st->agent.in_len = sizeof(server);
	} else if (cmd == AGENT_NETIF) {
		strcpy(st->agent.name, "netif");
		st->agent.args[0] = 0xffffffff;	/* MAX_PREFERRED_LENGTH */
	} else if (cmd == CHUNKS_PUT) {
		st->chunks.count = NCHUNKS;
		ASSERT_EQ(0, ioctl(st->s.fd, NETAPIBUF_IOC_CHUNKS_GET,
				   &st->chunks))
			TH_LOG("CHUNKS_GET: %s", strerror(errno));
		for (i = 0; i < NCHUNKS; i++)
			nab_fill((void *)(uintptr_t)st->chunks.addrs[i], 0,
				 PAGE, 0x50 + i);
	}
	ASSERT_STATS(&st->before);
}

static int ioctl_err(int ret)
{
	return ret ? errno : 0;
}

/* The open(2) and mmap(2) that start a session. */
static int open_and_map(struct nab_session *s)
{
	s->fd = open(NAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return errno;
	if (_test_ioctl_info(s->fd, 0, &s->info))
		return errno;
	s->arena = mmap(NULL, s->info.arena_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, s->fd, 0);
	if (s->arena == MAP_FAILED) {
		s->arena = NULL;
		return errno;
	}
	return 0;
}

/* The command, under injection: nothing here may fault or allocate. */
static int step_call(struct step *st)
{
	struct netapibuf_info info;
	__u64 size;
	void *p = NULL;
	uint8_t *wksta = NULL;
	NET_API_STATUS status;

	switch (st->cmd) {
	case ALLOC_SMALL:
	case ALLOC_LARGE:
		return ioctl_err(_test_ioctl_alloc(st->s.fd, st->new_size, 0,
						   0, &st->out));
	case REALLOC_SMALL_SMALL:
	case REALLOC_SMALL_LARGE:
	case REALLOC_LARGE_INPLACE:
	case REALLOC_LARGE_MOVE:
	case REALLOC_LARGE_SMALL:
	case REALLOC_LARGE_SHRINK:
		return ioctl_err(_test_ioctl_realloc(st->s.fd, st->buf,
						     st->new_size, 0, 0,
						     &st->out));
	case FREE_SMALL:
	case FREE_LARGE:
		return ioctl_err(_test_ioctl_free(st->s.fd, st->buf, 0, 0));
	case SIZE:
		return ioctl_err(_test_ioctl_size(st->s.fd, st->buf, 0, 0,
						  &size));
	case INFO:
		return ioctl_err(_test_ioctl_info(st->s.fd, 0, &info));
	case AGENT_WKSTA:
	case AGENT_NETIF:
		st->agent.buffer = 0;
		return ioctl_err(ioctl(st->s.fd, NETAPIBUF_IOC_AGENT_CALL,
				       &st->agent));
	case OPEN_MMAP:
		return open_and_map(&st->s2);
	case CHUNKS_GET:
		memset(&st->chunks, 0, sizeof(st->chunks));
		st->chunks.count = NCHUNKS;
		return ioctl_err(ioctl(st->s.fd, NETAPIBUF_IOC_CHUNKS_GET,
				       &st->chunks));
	case CHUNKS_PUT:
		return ioctl_err(ioctl(st->s.fd, NETAPIBUF_IOC_CHUNKS_PUT,
				       &st->chunks));
	case LIB_ALLOCATE_SMALL:
	case LIB_ALLOCATE_LARGE:
	case LIB_FIRST_CALL:
		p = (void *)1;
		status = NetApiBufferAllocate(st->cmd == LIB_FIRST_CALL ? 100 :
					      st->new_size, &p);
		st->out = p;
		return status;
	case LIB_REALLOCATE_GROW:
	case LIB_REALLOCATE_MOVE:
		p = (void *)1;
		status = NetApiBufferReallocate(st->buf, st->new_size, &p);
		st->out = p;
		return status;
	case LIB_WKSTA:
		wksta = (uint8_t *)1;
		status = NetWkstaGetInfo(NULL, 100, &wksta);
		st->out = wksta;
		return status;
	}
	return -1;
}

static bool is_realloc(enum cmd cmd)
{
	return (cmd >= REALLOC_SMALL_SMALL && cmd <= REALLOC_LARGE_SHRINK) ||
	       cmd == LIB_REALLOCATE_GROW || cmd == LIB_REALLOCATE_MOVE;
}

/* The other buffers, and the command's own unless it freed it. */
static void check_kept(struct __test_metadata *_metadata, struct step *st,
		       bool buf_too, const char *when)
{
	size_t i;

	for (i = 0; i < NKEEP; i++) {
		if (!st->keep[i])
			continue;
		EXPECT_EQ(-1, nab_check(st->keep[i], 0, st->keep_size[i], i))
			TH_LOG("%s: other buffer %zu damaged", when, i);
		EXPECT_EQ((long long)st->keep_size[i],
			  step_size(st, st->keep[i]))
			TH_LOG("%s: other buffer %zu", when, i);
	}
	if (st->blocker)
		EXPECT_EQ(-1, nab_check(st->blocker, 0, PAGE, 0x43))
			TH_LOG("%s: the buffer after it damaged", when);
	for (i = 0; buf_too && st->cmd == CHUNKS_PUT && i < NCHUNKS; i++)
		EXPECT_EQ(-1, nab_check((void *)(uintptr_t)st->chunks.addrs[i],
					0, PAGE, 0x50 + i))
			TH_LOG("%s: chunk %zu damaged", when, i);
	if (buf_too && st->buf) {
		EXPECT_EQ(-1, nab_check(st->buf, 0, st->size, 0x42))
			TH_LOG("%s: the buffer damaged", when);
		EXPECT_EQ((long long)st->size, step_size(st, st->buf))
			TH_LOG("%s: the buffer", when);
	}
}

/* A failed command: a clean error, and nothing changed. */
static void check_failed(struct __test_metadata *_metadata, struct step *st)
{
	struct nab_stats now;

	if (is_lib(st->cmd)) {
		EXPECT_EQ(ST_NOMEM, (NET_API_STATUS)st->err);
		/* Reallocate leaves its result alone, the others NULL it. */
		if (is_realloc(st->cmd)) {
			EXPECT_EQ((void *)1, st->out)
				TH_LOG("a failed Reallocate touched *NewBuffer");
		} else {
			EXPECT_EQ(NULL, st->out)
				TH_LOG("a failed call must set *Buffer to NULL");
		}
	} else {
		EXPECT_EQ(ENOMEM, st->err) TH_LOG("%s", strerror(st->err));
	}
	if (st->cmd == OPEN_MMAP || st->cmd == LIB_FIRST_CALL) {
		/* A session may be half open: judged once it is closed. */
		check_kept(_metadata, st, true, "after the failure");
		return;
	}
	ASSERT_STATS(&now);
	EXPECT_EQ(st->before.live_buffers, now.live_buffers);
	EXPECT_EQ(st->before.live_bytes, now.live_bytes);
	EXPECT_EQ(st->before.pages, now.pages);
	EXPECT_EQ(st->before.sessions, now.sessions);
	EXPECT_EQ(st->before.charged_bytes, now.charged_bytes);
	check_kept(_metadata, st, true, "after the failure");
}

/* A command that worked: it did all of its job. */
static void check_done(struct __test_metadata *_metadata, struct step *st)
{
	struct netapibuf_info info;
	struct nab_stats now;
	__u64 size = 0;
	size_t kept, i;

	if (is_lib(st->cmd)) {
		EXPECT_EQ(ST_SUCCESS, (NET_API_STATUS)st->err);
	} else {
		EXPECT_EQ(0, st->err) TH_LOG("%s", strerror(st->err));
	}
	if (st->err)
		return;

	switch (st->cmd) {
	case ALLOC_SMALL:
	case ALLOC_LARGE:
	case LIB_ALLOCATE_SMALL:
	case LIB_ALLOCATE_LARGE:
	case LIB_FIRST_CALL:
		if (st->cmd == LIB_FIRST_CALL)
			st->new_size = 100;
		ASSERT_NE(NULL, st->out);
		EXPECT_EQ(0UL, (uintptr_t)st->out % 16);
		EXPECT_EQ((long long)st->new_size, step_size(st, st->out));
		EXPECT_EQ(-1, nab_check_zero(st->out, 0, st->new_size));
		nab_fill(st->out, 0, st->new_size, 0x44);
		EXPECT_EQ(-1, nab_check(st->out, 0, st->new_size, 0x44));
		check_kept(_metadata, st, true, "after ALLOC");
		break;
	case REALLOC_SMALL_SMALL:
	case REALLOC_SMALL_LARGE:
	case REALLOC_LARGE_INPLACE:
	case REALLOC_LARGE_MOVE:
	case REALLOC_LARGE_SMALL:
	case REALLOC_LARGE_SHRINK:
	case LIB_REALLOCATE_GROW:
	case LIB_REALLOCATE_MOVE:
		ASSERT_NE(NULL, st->out);
		if (st->cmd == REALLOC_LARGE_INPLACE)
			EXPECT_EQ(st->buf, st->out)
				TH_LOG("it did not grow in place");
		if (st->cmd == REALLOC_LARGE_MOVE ||
		    st->cmd == LIB_REALLOCATE_MOVE)
			EXPECT_NE(st->buf, st->out) TH_LOG("it did not move");
		EXPECT_EQ((long long)st->new_size, step_size(st, st->out));
		/* A large buffer that moved left nothing mapped behind. */
		if (st->out != st->buf && st->size > PAGE / 2)
			EXPECT_EQ(SIGBUS, nab_probe(st->buf, false))
				TH_LOG("the old pages are still mapped");
		kept = st->size < st->new_size ? st->size : st->new_size;
		EXPECT_EQ(-1, nab_check(st->out, 0, kept, 0x42));
		EXPECT_EQ(-1, nab_check_zero(st->out, kept,
					     st->new_size - kept));
		st->buf = st->out;
		st->size = st->new_size;
		nab_fill(st->buf, 0, st->size, 0x42);
		check_kept(_metadata, st, true, "after REALLOC");
		break;
	case FREE_SMALL:
	case FREE_LARGE:
		EXPECT_EQ(-EINVAL, step_size(st, st->buf));
		if (st->cmd == FREE_LARGE)
			EXPECT_EQ(SIGBUS, nab_probe(st->buf, false))
				TH_LOG("a freed buffer's pages are still mapped");
		st->buf = NULL;
		check_kept(_metadata, st, false, "after FREE");
		break;
	case SIZE:
		ASSERT_EQ(0, _test_ioctl_size(st->s.fd, st->buf, 0, 0, &size));
		EXPECT_EQ((__u64)st->size, size);
		check_kept(_metadata, st, true, "after SIZE");
		break;
	case INFO:
		ASSERT_EQ(0, _test_ioctl_info(st->s.fd, 0, &info));
		EXPECT_EQ((__u32)NETAPIBUF_ABI_VERSION, info.abi_version);
		check_kept(_metadata, st, true, "after INFO");
		break;
	case AGENT_WKSTA:
	case AGENT_NETIF:
		EXPECT_EQ(0U, st->agent.status);
		ASSERT_NE(0ULL, st->agent.buffer);
		EXPECT_LT(0, step_size(st, (void *)(uintptr_t)st->agent.buffer));
		if (st->cmd == AGENT_WKSTA)
			EXPECT_EQ(500U, *(uint32_t *)(uintptr_t)st->agent.buffer)
				TH_LOG("wki100_platform_id");
		EXPECT_EQ(0, _test_ioctl_free(st->s.fd,
					      (void *)(uintptr_t)st->agent.buffer,
					      0, 0));
		check_kept(_metadata, st, true, "after AGENT_CALL");
		break;
	case CHUNKS_GET:
		ASSERT_EQ((__u32)NCHUNKS, st->chunks.count);
		ASSERT_STATS(&now);
		/* (and the counter page, at a session's first GET) */
		EXPECT_LE(st->before.charged_bytes + NCHUNKS * (long long)PAGE,
			  now.charged_bytes);
		for (i = 0; i < NCHUNKS; i++) {
			char *c = (char *)(uintptr_t)st->chunks.addrs[i];

			EXPECT_EQ(0UL, (uintptr_t)c % PAGE);
			EXPECT_TRUE(nab_in_arena(&st->s, c, PAGE));
			EXPECT_EQ(-1, nab_check_zero(c, 0, PAGE));
			nab_fill(c, 0, PAGE, 0x46);
		}
		/* They are the session's to give back, once. */
		EXPECT_EQ(0, ioctl(st->s.fd, NETAPIBUF_IOC_CHUNKS_PUT,
				   &st->chunks)) TH_LOG("%s", strerror(errno));
		check_kept(_metadata, st, true, "after CHUNKS_GET");
		break;
	case CHUNKS_PUT:
		for (i = 0; i < NCHUNKS; i++)
			EXPECT_EQ(SIGBUS,
				  nab_probe((void *)(uintptr_t)st->chunks.addrs[i],
					    false))
				TH_LOG("chunk %zu still mapped", i);
		EXPECT_EQ(-1, ioctl(st->s.fd, NETAPIBUF_IOC_CHUNKS_PUT,
				    &st->chunks));
		EXPECT_EQ(EINVAL, errno) TH_LOG("the chunks went back twice");
		check_kept(_metadata, st, false, "after CHUNKS_PUT");
		break;
	case LIB_WKSTA:
		ASSERT_NE(NULL, st->out);
		EXPECT_EQ(500U, ((struct WKSTA_INFO_100 *)st->out)->wki100_platform_id);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(st->out));
		check_kept(_metadata, st, true, "after NetWkstaGetInfo");
		break;
	case OPEN_MMAP:
		ASSERT_NE(NULL, st->s2.arena);
		ASSERT_EQ(0, _test_ioctl_alloc(st->s2.fd, SMALL_A, 0, 0,
					       &st->out));
		EXPECT_TRUE(nab_in_arena(&st->s2, st->out, SMALL_A));
		nab_fill(st->out, 0, SMALL_A, 0x45);
		EXPECT_EQ(-1, nab_check(st->out, 0, SMALL_A, 0x45));
		check_kept(_metadata, st, true, "after open and mmap");
		break;
	}
}

/* After a failure: the same command again, without injection, works. */
static void step_retry(struct __test_metadata *_metadata, struct step *st)
{
	if (st->cmd == OPEN_MMAP) {
		/* Retry what failed: mmap on an open session, or all. */
		if (st->s2.fd >= 0 && !st->s2.arena) {
			struct nab_session *s = &st->s2;

			if (!s->info.arena_size) {
				st->err = ioctl_err(_test_ioctl_info(s->fd, 0,
								     &s->info));
				if (st->err)
					return;
			}
			s->arena = mmap(NULL, s->info.arena_size,
					PROT_READ | PROT_WRITE, MAP_SHARED,
					s->fd, 0);
			if (s->arena == MAP_FAILED) {
				s->arena = NULL;
				st->err = errno;
				TH_LOG("mmap again after a failed mmap: %s",
				       strerror(errno));
				return;
			}
			st->err = 0;
			return;
		}
		nab_session_close(&st->s2);
	}
	st->out = NULL;
	st->err = step_call(st);
}

static void step_teardown(struct step *st)
{
	nab_session_close(&st->s2);
	nab_session_close(&st->s);
}

/* The outcome of one step, for the sweep. */
enum outcome {
	FAILED,		/* the injection fired and the command failed */
	ABSORBED,	/* the injection fired, the command still worked */
	DONE,		/* the command made fewer allocations than n */
	SPURIOUS,	/* the command failed, the injection did not fire */
	BROKEN,		/* the step could not be run */
};

/* A step's outcome, and whether its checks passed (the exit status). */
#define STEP_BAD	16

/*
 * One step: setup, the command failing its @n-th allocation, checks.
 * Returns the outcome, plus STEP_BAD if a check failed.
 */
static int step_run(struct __test_metadata *_metadata, enum cmd cmd,
		    unsigned int n, int fd)
{
	int saved = _metadata->passed, fired, ok;
	enum outcome out;
	struct step st;

	_metadata->passed = 1;
	step_setup(_metadata, &st, cmd);
	if (!_metadata->passed) {
		out = BROKEN;
		goto out;
	}

	if (!fail_nth_set(fd, n)) {
		TH_LOG("cannot write fail-nth: %s", strerror(errno));
		out = BROKEN;
		goto teardown;
	}
	st.err = step_call(&st);
	fired = fail_nth_fired(fd);
	if (fired < 0) {
		fail_nth_set(fd, 0);
		TH_LOG("cannot read fail-nth");
		out = BROKEN;
		goto teardown;
	}

	if (st.err && !fired) {
		TH_LOG("step %u: failed (%d) without a failed allocation", n,
		       st.err);
		check_failed(_metadata, &st);
		out = SPURIOUS;
	} else if (st.err) {
		check_failed(_metadata, &st);
		step_retry(_metadata, &st);
		check_done(_metadata, &st);
		out = FAILED;
	} else {
		check_done(_metadata, &st);
		out = fired ? ABSORBED : DONE;
	}
teardown:
	step_teardown(&st);
out:
	ok = _metadata->passed;
	_metadata->passed = saved && ok;
	return out | (ok ? 0 : STEP_BAD);
}

/*
 * Through libnetapibuf: a process of its own per step, with a session
 * of its own (the library has one per process).
 */
static int step_run_lib(struct __test_metadata *_metadata, enum cmd cmd,
			unsigned int n)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return BROKEN;
	if (pid == 0) {
		int fd;

		/* fork() hands over neither mlockall() nor page tables. */
		prefault();
		fd = fail_nth_open();
		if (fd < 0)
			_exit(BROKEN);
		_exit(step_run(_metadata, cmd, n, fd));
	}
	if (waitpid(pid, &status, 0) != pid)
		return BROKEN;
	if (!WIFEXITED(status)) {
		TH_LOG("step %u: the process died of signal %d", n,
		       WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		return BROKEN | STEP_BAD;
	}
	if (WEXITSTATUS(status) & STEP_BAD)
		_metadata->passed = 0;
	return WEXITSTATUS(status);
}

/* ---- the sweep ---------------------------------------------------------- */

FIXTURE(fail_nth) {
	struct nab_stats base;
	int fd;
};

FIXTURE_VARIANT(fail_nth) {
	enum cmd cmd;
};

FIXTURE_VARIANT_ADD(fail_nth, alloc_small) { .cmd = ALLOC_SMALL };
FIXTURE_VARIANT_ADD(fail_nth, alloc_large) { .cmd = ALLOC_LARGE };
FIXTURE_VARIANT_ADD(fail_nth, realloc_small_small) { .cmd = REALLOC_SMALL_SMALL };
FIXTURE_VARIANT_ADD(fail_nth, realloc_small_large) { .cmd = REALLOC_SMALL_LARGE };
FIXTURE_VARIANT_ADD(fail_nth, realloc_large_inplace) { .cmd = REALLOC_LARGE_INPLACE };
FIXTURE_VARIANT_ADD(fail_nth, realloc_large_move) { .cmd = REALLOC_LARGE_MOVE };
FIXTURE_VARIANT_ADD(fail_nth, realloc_large_small) { .cmd = REALLOC_LARGE_SMALL };
FIXTURE_VARIANT_ADD(fail_nth, realloc_large_shrink) { .cmd = REALLOC_LARGE_SHRINK };
FIXTURE_VARIANT_ADD(fail_nth, free_small) { .cmd = FREE_SMALL };
FIXTURE_VARIANT_ADD(fail_nth, free_large) { .cmd = FREE_LARGE };
FIXTURE_VARIANT_ADD(fail_nth, size) { .cmd = SIZE };
FIXTURE_VARIANT_ADD(fail_nth, info) { .cmd = INFO };
FIXTURE_VARIANT_ADD(fail_nth, agent_wksta) { .cmd = AGENT_WKSTA };
FIXTURE_VARIANT_ADD(fail_nth, agent_netif) { .cmd = AGENT_NETIF };
FIXTURE_VARIANT_ADD(fail_nth, open_mmap) { .cmd = OPEN_MMAP };
FIXTURE_VARIANT_ADD(fail_nth, chunks_get) { .cmd = CHUNKS_GET };
FIXTURE_VARIANT_ADD(fail_nth, chunks_put) { .cmd = CHUNKS_PUT };
FIXTURE_VARIANT_ADD(fail_nth, lib_allocate_small) { .cmd = LIB_ALLOCATE_SMALL };
FIXTURE_VARIANT_ADD(fail_nth, lib_allocate_large) { .cmd = LIB_ALLOCATE_LARGE };
FIXTURE_VARIANT_ADD(fail_nth, lib_reallocate_grow) { .cmd = LIB_REALLOCATE_GROW };
FIXTURE_VARIANT_ADD(fail_nth, lib_reallocate_move) { .cmd = LIB_REALLOCATE_MOVE };
FIXTURE_VARIANT_ADD(fail_nth, lib_wksta) { .cmd = LIB_WKSTA };
FIXTURE_VARIANT_ADD(fail_nth, lib_first_call) { .cmd = LIB_FIRST_CALL };

FIXTURE_SETUP(fail_nth)
{
	/*
	 * The library's calls here are its ioctls: the fast path for small
	 * buffers touches the delegated pages it gets (its chunks and their
	 * bookkeeping), and a fault whose page table allocation fail-nth
	 * fails ends in VM_FAULT_OOM, outside anything the sweep can check.
	 */
	setenv("NETAPIBUF_FASTPATH", "0", 1);
	NAB_REQUIRE_DEVICE();
	if (access(fail_nth_path(), F_OK) || access(FAILSLAB, F_OK))
		SETUP_SKIP("no fault injection (/proc/self/task/<tid>/fail-nth, "
			   FAILSLAB "): not the debug kernel");
	ASSERT_TRUE(fault_ready)
		TH_LOG("cannot set up " FAILSLAB " and " FAIL_PAGE_ALLOC);
	if ((variant->cmd == CHUNKS_GET || variant->cmd == CHUNKS_PUT) &&
	    !nab_chunks_offered())
		SETUP_SKIP("the module does not offer NETAPIBUF_FEATURE_CHUNKS");
	if (needs_agents(variant->cmd) && !agents_ready())
		SETUP_SKIP("agents wksta and netif not registered, and no "
			   NAB_SYSINFO_KO_WHERE);
	prefault();
	self->fd = fail_nth_open();
	ASSERT_LE(0, self->fd) TH_LOG("fail-nth: %s", strerror(errno));
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (self->fd >= 0) {
		fail_nth_set(self->fd, 0);
		close(self->fd);
	}
	EXPECT_STATS_BASELINE(&self->base);
}

/* A sweep goes on past a step whose checks failed, up to this many. */
#define BAD_STEPS_MAX	5

TEST_F_TIMEOUT(fail_nth, sweep, 600)
{
	unsigned int n, failed = 0, absorbed = 0, bad = 0;
	long long t0 = nab_now_ms();
	enum outcome out = BROKEN;
	struct nab_stats now;
	int ret;

	for (n = 1; n <= SWEEP_MAX; n++) {
		if (is_lib(variant->cmd))
			ret = step_run_lib(_metadata, variant->cmd, n);
		else
			ret = step_run(_metadata, variant->cmd, n, self->fd);
		out = ret & ~STEP_BAD;
		if (ret & STEP_BAD) {
			TH_LOG("step %u: checks failed (above)", n);
			bad++;
		}
		/* Each step ends with its session closed. */
		if (nab_stats_wait(&self->base, &now) < 0 ||
		    !nab_stats_settled(&self->base, &now)) {
			EXPECT_STATS_BASELINE(&self->base);
			TH_LOG("after step %u", n);
			break;
		}
		if (out == FAILED)
			failed++;
		else if (out == ABSORBED)
			absorbed++;
		else
			break;
		if (bad >= BAD_STEPS_MAX)
			break;
	}
	EXPECT_EQ(0U, bad) TH_LOG("%u steps failed their checks", bad);
	EXPECT_EQ((int)DONE, (int)out)
		TH_LOG("the sweep did not run through (step %u)", n);
	TH_LOG("%u allocations failed in turn: %u failed the command, %u "
	       "were absorbed; ran through at step %u (%lld ms)",
	       failed + absorbed, failed, absorbed, n, nab_now_ms() - t0);
}

/* ---- kmemleak ---------------------------------------------------------- */

FIXTURE(kmemleak) {
};

FIXTURE_SETUP(kmemleak)
{
	NAB_REQUIRE_DEVICE();
	if (access(NAB_KMEMLEAK, W_OK))
		SETUP_SKIP("no " NAB_KMEMLEAK ": not the debug kernel");
}

FIXTURE_TEARDOWN(kmemleak)
{
}

/*
 * After all the sweeps: kmemleak reports an object unreferenced for 5 s
 * across two scans; none of them may come from netapibuf (a report from
 * an earlier test of the same boot counts too).
 */
TEST_F_TIMEOUT(kmemleak, no_netapibuf_leak, 300)
{
	char line[512];
	unsigned int reports = 0, ours = 0;
	bool in_ours = false;
	FILE *f;

	sleep(6);
	ASSERT_TRUE(file_write(NAB_KMEMLEAK, "scan"));
	ASSERT_TRUE(file_write(NAB_KMEMLEAK, "scan"));
	f = fopen(NAB_KMEMLEAK, "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19)) {
			reports++;
			in_ours = false;
		}
		if (strstr(line, "netapibuf") && !in_ours) {
			in_ours = true;
			ours++;
		}
		if (in_ours)
			TH_LOG("%s", strtok(line, "\n"));
	}
	fclose(f);
	EXPECT_EQ(0U, ours) TH_LOG("%u of %u kmemleak reports name netapibuf",
				   ours, reports);
	if (reports)
		TH_LOG("%u kmemleak reports, none from netapibuf", reports);
}

TEST_HARNESS_MAIN
