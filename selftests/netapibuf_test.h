/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the netapibuf selftests: raw ioctl wrappers, the stats
 * and module parameter files, modules and agents, fault probing, child
 * processes and buffer patterns.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef NETAPIBUF_TEST_H
#define NETAPIBUF_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netapibuf.h>

/* The 6.1 harness leaves a handler parameter unused; -Wextra minds. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define NAB_DEVICE	"/dev/netapibuf"
#define NAB_STATS_DIR	"/sys/class/misc/netapibuf/stats/"
#define NAB_PARAM_DIR	"/sys/module/netapibuf/parameters/"
#define NAB_AGENTS_FILE	"/sys/class/misc/netapibuf/agents"
#define NAB_KMEMLEAK	"/sys/kernel/debug/kmemleak"

/* The sample agent module ("wksta" and "netif"): its file and its name. */
#define NAB_SYSINFO_KO	"netapibuf_sysinfo.ko"
#define NAB_SYSINFO_MOD	"netapibuf_sysinfo"
/* For messages: the file and where nab_sysinfo_ko() looks for it. */
#define NAB_SYSINFO_KO_WHERE \
	NAB_SYSINFO_KO " ($NETAPIBUF_SYSINFO_KO, ./, ../)"

/* How long a counter may take to settle after a session goes away. */
#define NAB_SETTLE_MS	5000

#define NAB_PAGE_SIZE	((size_t)sysconf(_SC_PAGESIZE))

#define nab_sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define nab_offsetofend(TYPE, MEMBER) \
	(offsetof(TYPE, MEMBER) + nab_sizeof_field(TYPE, MEMBER))

/*
 * What a call returning 0 or -1 did: 0 if it worked, else its errno.
 * Read errno at once: the call must be the argument.
 */
static inline int nab_result(long ret)
{
	return ret == 0 ? 0 : ret == -1 ? errno : -1000;
}

/*
 * The call must fail with errno @expected_errno (iommufd style). A failed
 * check prints the errno seen, 0 meaning the call worked; like any
 * EXPECT_* it takes an optional TH_LOG().
 */
#define EXPECT_ERRNO(expected_errno, cmd) \
	EXPECT_EQ(expected_errno, nab_result(cmd))

/* mmap(2) as 0 or -1, for EXPECT_ERRNO. */
#define NAB_MMAP_RET(...) (mmap(__VA_ARGS__) == MAP_FAILED ? -1 : 0)

/* ---- raw ioctls ---------------------------------------------------- */

static inline int _test_ioctl_info(int fd, __u32 flags,
				   struct netapibuf_info *out)
{
	struct netapibuf_info cmd = { .flags = flags };
	int ret = ioctl(fd, NETAPIBUF_IOC_INFO, &cmd);

	if (!ret && out)
		*out = cmd;
	return ret;
}

/*
 * NETAPIBUF_IOC_INFO on the library's session, found as the descriptor of
 * this process that is /dev/netapibuf; with @mapped, only a session whose
 * arena is mapped counts. False if there is none.
 */
static inline bool nab_lib_session_info(struct netapibuf_info *info,
					bool mapped)
{
	char link[300], target[64];
	struct dirent *de;
	bool found = false;
	ssize_t n;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, NAB_DEVICE))
			continue;
		found = !_test_ioctl_info(atoi(de->d_name), 0, info) &&
			(!mapped || info->arena_addr);
	}
	closedir(dir);
	return found;
}

static inline int _test_ioctl_alloc(int fd, __u64 size, __u32 flags,
				    __u32 reserved, void **addr)
{
	struct netapibuf_alloc cmd = {
		.size = size, .flags = flags, .reserved = reserved,
	};
	int ret = ioctl(fd, NETAPIBUF_IOC_ALLOC, &cmd);

	if (!ret && addr)
		*addr = (void *)(uintptr_t)cmd.addr;
	return ret;
}

static inline int _test_ioctl_free(int fd, const void *addr, __u32 flags,
				   __u32 reserved)
{
	struct netapibuf_free cmd = {
		.addr = (uintptr_t)addr, .flags = flags, .reserved = reserved,
	};

	return ioctl(fd, NETAPIBUF_IOC_FREE, &cmd);
}

static inline int _test_ioctl_realloc(int fd, const void *addr, __u64 size,
				      __u32 flags, __u32 reserved,
				      void **new_addr)
{
	struct netapibuf_realloc cmd = {
		.addr = (uintptr_t)addr, .size = size,
		.flags = flags, .reserved = reserved,
	};
	int ret = ioctl(fd, NETAPIBUF_IOC_REALLOC, &cmd);

	if (!ret && new_addr)
		*new_addr = (void *)(uintptr_t)cmd.new_addr;
	return ret;
}

static inline int _test_ioctl_size(int fd, const void *addr, __u32 flags,
				   __u32 reserved, __u64 *size)
{
	struct netapibuf_size cmd = {
		.addr = (uintptr_t)addr, .flags = flags, .reserved = reserved,
		.size = 0xdeadbeefcafe,
	};
	int ret = ioctl(fd, NETAPIBUF_IOC_SIZE, &cmd);

	if (!ret && size)
		*size = cmd.size;
	return ret;
}

/* An ioctl with any direction and struct size for command number @nr. */
static inline int nab_ioctl_raw(int fd, unsigned int dir, unsigned int nr,
				size_t size, void *arg)
{
	return ioctl(fd, _IOC(dir, NETAPIBUF_IOCTL_TYPE, nr, size), arg);
}

/*
 * A raw session: open the device, query it and, if @map, map the arena.
 * Returns 0 or -errno; on error nothing stays open.
 */
struct nab_session {
	int fd;
	struct netapibuf_info info;
	void *arena;		/* NULL while not mapped */
};

static inline int nab_session_open(struct nab_session *s, bool map)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = open(NAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	if (_test_ioctl_info(s->fd, 0, &s->info)) {
		err = -errno;
		goto close_fd;
	}
	if (map) {
		s->arena = mmap(NULL, s->info.arena_size,
				PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
		if (s->arena == MAP_FAILED) {
			err = -errno;
			s->arena = NULL;
			goto close_fd;
		}
	}
	return 0;

close_fd:
	close(s->fd);
	s->fd = -1;
	return err;
}

static inline void nab_session_close(struct nab_session *s)
{
	if (s->arena)
		munmap(s->arena, s->info.arena_size);
	if (s->fd >= 0)
		close(s->fd);
	s->arena = NULL;
	s->fd = -1;
}

/*
 * The library's session: the descriptor of /dev/netapibuf in this
 * process other than @except (-1: none).
 */
static inline int nab_lib_fd(int except)
{
	char link[300], target[64];
	struct dirent *de;
	int fd = -1;
	ssize_t n;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while (fd < 0 && (de = readdir(dir))) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, NAB_DEVICE) && atoi(de->d_name) != except)
			fd = atoi(de->d_name);
	}
	closedir(dir);
	return fd;
}

/* Whether the module offers delegated chunks (NETAPIBUF_FEATURE_CHUNKS). */
static inline bool nab_chunks_offered(void)
{
	struct nab_session s;
	bool ret;

	if (nab_session_open(&s, false))
		return false;
	ret = s.info.features & NETAPIBUF_FEATURE_CHUNKS;
	nab_session_close(&s);
	return ret;
}

static inline bool nab_in_arena(const struct nab_session *s, const void *p,
				size_t len)
{
	uintptr_t a = (uintptr_t)s->arena, x = (uintptr_t)p;

	return x >= a && x <= a + s->info.arena_size &&
	       len <= a + s->info.arena_size - x;
}

/*
 * SKIP() for a FIXTURE_SETUP. The 6.1 harness runs the test body after a
 * setup that returned, skipped or not; jumping back to the harness's
 * setjmp ends the test as skipped. FIXTURE_TEARDOWN does not run then:
 * undo what the setup did before.
 */
#define SETUP_SKIP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

/* In a FIXTURE_SETUP: skips the test when the module is not loaded. */
#define NAB_REQUIRE_DEVICE()						\
	do {								\
		if (access(NAB_DEVICE, F_OK))				\
			SETUP_SKIP(NAB_DEVICE " missing: "		\
				   "netapibuf.ko not loaded");		\
	} while (0)

/* ---- counters and module parameters -------------------------------- */

struct nab_stats {
	long long sessions;
	long long live_buffers;
	long long live_bytes;
	long long peak_buffers;
	long long peak_bytes;
	long long alloc_failures;
	long long pages;
	long long charged_bytes;
};

static inline bool nab_read_ull(const char *path, unsigned long long *val)
{
	char buf[64];
	ssize_t n;
	char *end;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	errno = 0;
	*val = strtoull(buf, &end, 0);
	return !errno && end != buf && (*end == '\n' || *end == '\0');
}

static inline bool nab_write_ull(const char *path, unsigned long long val)
{
	char buf[32];
	int fd, len;
	bool ok;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = snprintf(buf, sizeof(buf), "%llu\n", val);
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok;
}

static inline bool nab_stat(const char *name, long long *val)
{
	char path[128];
	unsigned long long v;

	snprintf(path, sizeof(path), NAB_STATS_DIR "%s", name);
	if (!nab_read_ull(path, &v))
		return false;
	*val = (long long)v;
	return true;
}

/* Reads every counter; false if one of the files is missing or unreadable. */
static inline bool nab_stats_read(struct nab_stats *s)
{
	return nab_stat("sessions", &s->sessions) &&
	       nab_stat("live_buffers", &s->live_buffers) &&
	       nab_stat("live_bytes", &s->live_bytes) &&
	       nab_stat("peak_buffers", &s->peak_buffers) &&
	       nab_stat("peak_bytes", &s->peak_bytes) &&
	       nab_stat("alloc_failures", &s->alloc_failures) &&
	       nab_stat("pages", &s->pages) &&
	       nab_stat("charged_bytes", &s->charged_bytes);
}

#define ASSERT_STATS(s)							\
	ASSERT_TRUE(nab_stats_read(s))					\
		TH_LOG("cannot read " NAB_STATS_DIR "*")

/*
 * No buffer was created, freed or resized since @before: live_buffers and
 * live_bytes are the same. (pages may differ: a session may keep a page
 * of small-buffer slots after its last slot was freed.)
 */
#define EXPECT_STATS_UNCHANGED(before)					\
	do {								\
		struct nab_stats __now;					\
		ASSERT_STATS(&__now);					\
		EXPECT_EQ((before)->live_buffers, __now.live_buffers);	\
		EXPECT_EQ((before)->live_bytes, __now.live_bytes);	\
	} while (0)

/*
 * Only failed calls since @before: no buffer and not a page more, so
 * nothing was left half-allocated.
 */
#define EXPECT_NOTHING_ALLOCATED(before)				\
	do {								\
		struct nab_stats __now;					\
		ASSERT_STATS(&__now);					\
		EXPECT_EQ((before)->live_buffers, __now.live_buffers);	\
		EXPECT_EQ((before)->live_bytes, __now.live_bytes);	\
		EXPECT_EQ((before)->pages, __now.pages);		\
	} while (0)

static inline bool nab_stats_settled(const struct nab_stats *base,
				     const struct nab_stats *now)
{
	return now->sessions == base->sessions &&
	       now->live_buffers == base->live_buffers &&
	       now->live_bytes == base->live_bytes &&
	       now->pages == base->pages &&
	       now->charged_bytes == base->charged_bytes;
}

static inline long long nab_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Waits up to NAB_SETTLE_MS for sessions, live_buffers, live_bytes, pages and
 * charged_bytes to equal @base (a session's release may finish after the last
 * reference went away) and leaves the last reading in @now. Returns the
 * milliseconds waited, or -1 if a counter could not be read.
 */
static inline long long nab_stats_wait(const struct nab_stats *base,
				       struct nab_stats *now)
{
	long long start = nab_now_ms();

	for (;;) {
		if (!nab_stats_read(now))
			return -1;
		if (nab_stats_settled(base, now) ||
		    nab_now_ms() - start >= NAB_SETTLE_MS)
			return nab_now_ms() - start;
		usleep(10000);
	}
}

/*
 * sessions, live_buffers, live_bytes, pages and charged_bytes are back to @base.
 *
 * Only EXPECT_*: this runs in FIXTURE_TEARDOWNs, where an ASSERT_* of
 * the 6.1 harness longjmps back into the same teardown, for ever. A
 * failed ASSERT in the test body leaves the harness's trigger set, which
 * would print a stray message here: clear it first.
 */
static __attribute__((noinline, unused)) void
nab_expect_baseline(struct __test_metadata *_metadata,
		    const struct nab_stats *base)
{
	struct nab_stats now;
	long long ms;

	_metadata->trigger = 0;
	ms = nab_stats_wait(base, &now);
	EXPECT_LE(0, ms) TH_LOG("cannot read counters");
	if (ms < 0)
		return;
	EXPECT_EQ(base->sessions, now.sessions);
	EXPECT_EQ(base->live_buffers, now.live_buffers);
	EXPECT_EQ(base->live_bytes, now.live_bytes);
	EXPECT_EQ(base->pages, now.pages);
	EXPECT_EQ(base->charged_bytes, now.charged_bytes);
	if (ms > 100 && nab_stats_settled(base, &now))
		TH_LOG("counters settled after %lld ms", ms);
}

#define EXPECT_STATS_BASELINE(base) nab_expect_baseline(_metadata, base)

static inline bool nab_param_read(const char *name, unsigned long long *val)
{
	char path[128];

	snprintf(path, sizeof(path), NAB_PARAM_DIR "%s", name);
	return nab_read_ull(path, val);
}

static inline bool nab_param_write(const char *name, unsigned long long val)
{
	char path[128];

	snprintf(path, sizeof(path), NAB_PARAM_DIR "%s", name);
	return nab_write_ull(path, val);
}

/* ---- modules and agents -------------------------------------------- */

/*
 * A shell command's exit status (128 if it did not exit), its output on
 * ours. stdout and stderr are flushed first so the output stays in order.
 */
static inline int nab_run(const char *cmd)
{
	int status;

	fflush(stdout);
	fflush(stderr);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Whether module @name is loaded (/sys/module/@name exists). */
static inline bool nab_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/*
 * A file to load: $@env if it is set and readable, else the first
 * readable one of the @n @paths; NULL if there is none.
 */
static inline const char *nab_find_file(const char *env,
					const char *const *paths, size_t n)
{
	const char *val = getenv(env);
	size_t i;

	if (val && *val && !access(val, R_OK))
		return val;
	for (i = 0; i < n; i++)
		if (!access(paths[i], R_OK))
			return paths[i];
	return NULL;
}

/*
 * The sample agent's module file: $NETAPIBUF_SYSINFO_KO, else
 * ./netapibuf_sysinfo.ko, else ../netapibuf_sysinfo.ko (tools/vmrun -f
 * puts files in /work, the selftests run in /work/selftests); NULL if
 * there is none.
 */
static inline const char *nab_sysinfo_ko(void)
{
	static const char *const paths[] = {
		"./" NAB_SYSINFO_KO, "../" NAB_SYSINFO_KO,
	};

	return nab_find_file("NETAPIBUF_SYSINFO_KO", paths, ARRAY_SIZE(paths));
}

/* insmod of the sample agent's module; true if it worked. */
static inline bool nab_sysinfo_insmod(void)
{
	const char *ko = nab_sysinfo_ko();
	char cmd[512];

	if (!ko)
		return false;
	snprintf(cmd, sizeof(cmd), "insmod %s 2>/dev/null", ko);
	return !nab_run(cmd);
}

/* Whether NAB_AGENTS_FILE lists the agent @name. */
static inline bool nab_agent_listed(const char *name)
{
	char line[64];
	bool found = false;
	FILE *f;

	f = fopen(NAB_AGENTS_FILE, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line, name);
	}
	fclose(f);
	return found;
}

/* ---- probing addresses --------------------------------------------- */

static sigjmp_buf nab_probe_env;
static volatile sig_atomic_t nab_probe_signal;

static inline void nab_probe_handler(int sig)
{
	nab_probe_signal = sig;
	siglongjmp(nab_probe_env, 1);
}

/*
 * Reads (or writes) the byte at @addr. Returns 0 if that worked, or the
 * signal it raised (SIGSEGV, SIGBUS). Not thread-safe.
 */
static inline int nab_probe(const void *addr, bool write)
{
	struct sigaction sa = { .sa_handler = nab_probe_handler };
	struct sigaction old_segv, old_bus;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	nab_probe_signal = 0;
	if (sigsetjmp(nab_probe_env, 1) == 0) {
		if (write)
			*(volatile char *)addr = 0x5a;
		else
			(void)*(const volatile char *)addr;
	}
	sig = nab_probe_signal;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

/* An address that is certainly not mapped: a page mapped then unmapped. */
static inline void *nab_unmapped_page(void)
{
	void *p = mmap(NULL, NAB_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, NAB_PAGE_SIZE);
	return p;
}

/* ---- child processes ----------------------------------------------- */

/*
 * Runs the block in a child process (EXPECT_* and ASSERT_* work in it) and
 * fails the test if one of the child's checks failed.
 */
#define IN_CHILD(...)							\
	do {								\
		pid_t __pid;						\
		int __status;						\
									\
		fflush(stdout);						\
		fflush(stderr);						\
		__pid = fork();						\
		ASSERT_LE(0, __pid);					\
		if (__pid == 0) {					\
			__VA_ARGS__					\
			_exit(_metadata->passed ? 0 : 1);		\
		}							\
		ASSERT_EQ(__pid, waitpid(__pid, &__status, 0));		\
		EXPECT_TRUE(WIFEXITED(__status) &&			\
			    WEXITSTATUS(__status) == 0)			\
			TH_LOG("child: %s %d",				\
			       WIFEXITED(__status) ? "exit" : "signal",	\
			       WIFEXITED(__status) ?			\
			       WEXITSTATUS(__status) :			\
			       WTERMSIG(__status));			\
	} while (0)

/* ---- buffer contents ----------------------------------------------- */

/*
 * Buffers are filled from a pattern table: the bytes from offset @seed of
 * nab_pattern, which never repeats at a power of two and has no zero
 * byte, so lost, shifted or zeroed data shows. memcpy/memcmp keep the
 * checks fast under TCG.
 */
#define NAB_PATTERN_MAX	((2u << 20) + 4096)

static unsigned char *nab_pattern;
static unsigned char *nab_zeroes;

static inline void nab_pattern_init(void)
{
	uint32_t x = 2463534242u;
	size_t i;

	if (nab_pattern)
		return;
	nab_pattern = malloc(NAB_PATTERN_MAX + 256);
	nab_zeroes = calloc(1, NAB_PATTERN_MAX);
	if (!nab_pattern || !nab_zeroes)
		abort();
	for (i = 0; i < NAB_PATTERN_MAX + 256; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		nab_pattern[i] = (x >> 24) ? (x >> 24) : 0xa5;
	}
}

static inline void nab_fill(void *p, size_t off, size_t len, unsigned int seed)
{
	nab_pattern_init();
	if (off + len > NAB_PATTERN_MAX)
		abort();
	memcpy((char *)p + off, nab_pattern + (seed & 0xff) + off, len);
}

/* Index of the first byte in [off, off + len) that differs, or -1. */
static inline long nab_check(const void *p, size_t off, size_t len,
			     unsigned int seed)
{
	const unsigned char *want, *have = (const unsigned char *)p + off;
	size_t i;

	nab_pattern_init();
	if (off + len > NAB_PATTERN_MAX)
		abort();
	want = nab_pattern + (seed & 0xff) + off;
	if (!memcmp(have, want, len))
		return -1;
	for (i = 0; have[i] == want[i]; i++)
		;
	return (long)(off + i);
}

/* Index of the first non-zero byte in [off, off + len), or -1. */
static inline long nab_check_zero(const void *p, size_t off, size_t len)
{
	const unsigned char *have = (const unsigned char *)p + off;
	size_t done, i, n;

	nab_pattern_init();
	for (done = 0; done < len; done += n) {
		n = len - done < NAB_PATTERN_MAX ? len - done : NAB_PATTERN_MAX;
		if (memcmp(have + done, nab_zeroes, n)) {
			for (i = done; !have[i]; i++)
				;
			return (long)(off + i);
		}
	}
	return -1;
}

/* Number of lines of /proc/self/maps, or -1. */
static inline long nab_maps_lines(void)
{
	char buf[4096];
	long lines = 0;
	ssize_t n, i;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

#endif /* NETAPIBUF_TEST_H */
