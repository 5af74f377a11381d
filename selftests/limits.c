// SPDX-License-Identifier: GPL-2.0
/*
 * Limits, seen from processes:
 *
 * - a memory cgroup: a process in a child group with a small memory.max
 *   cannot get past it through netapibuf. Buffer pages are charged to
 *   the group (memory.current grows with them); when the group is full,
 *   ALLOC fails with ENOMEM and the library with ERROR_NOT_ENOUGH_MEMORY,
 *   the buffers it has keep their contents, and nobody is OOM-killed
 *   (memory.events oom_kill stays 0, the process exits normally). The
 *   agents' pages are charged the same way. The library's fast path for
 *   small buffers is on (its bookkeeping is in delegated pages, which the
 *   kernel charges with an allocation that fails), also when memory.max
 *   is set only after the session opened. What a session keeps of the
 *   memory its process freed (pool, kept buffers) goes back when the
 *   group needs it: another process of the group is not OOM-killed.
 * - netapibuf's own limits across processes: max_session_bytes binds each
 *   session on its own, max_total_bytes all of them together,
 *   max_buffer_bytes every buffer, the agents' results included; all give
 *   ERROR_NOT_ENOUGH_MEMORY (EDQUOT underneath). Other sessions' pools
 *   give way at max_total_bytes.
 * - what the limits count: memory, not requests. max_session_bytes and
 *   max_total_bytes count a small buffer's slot (16 bytes for a 0-byte
 *   buffer, powers of two up to half a page) and a large buffer's whole
 *   pages with two pointers each for their array; shrinking gives back
 *   what a buffer no longer holds. max_buffer_bytes bounds the size.
 * - the parameters themselves: a value outside a parameter's bounds is
 *   refused with EINVAL when it is written, and the old value stays;
 *   under the largest limits accepted, no size (2^64 - 1 included) makes
 *   ALLOC or REALLOC wrap: each gives EDQUOT and changes nothing.
 *
 * The parameters are restored after each test, and again when the
 * program exits. Without cgroup2 and its memory controller (mounted at
 * /sys/fs/cgroup) the memory cgroup tests are skipped.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <sys/resource.h>
#include <sys/utsname.h>

#include <linux/netapibuf_sysinfo.h>
#include <netapi.h>
#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_NOMEM	((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY)

#define CGROOT		"/sys/fs/cgroup/"

#define MB		(1024 * 1024)
#define CG_MAX		(16 * MB)

/* ---- module parameters, restored whatever happens ----------------------- */

static const char *const params[] = {
	"max_buffer_bytes", "max_session_bytes", "max_total_bytes",
	"arena_size", "max_user_sessions",
};
static unsigned long long params_saved[ARRAY_SIZE(params)];
static bool params_have[ARRAY_SIZE(params)];

static void __attribute__((constructor)) params_save(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(params); i++)
		params_have[i] = nab_param_read(params[i], &params_saved[i]);
}

static bool params_restore(void)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(params); i++)
		if (params_have[i])
			ok &= nab_param_write(params[i], params_saved[i]);
	return ok;
}

static void __attribute__((destructor)) params_restore_at_exit(void)
{
	params_restore();
}

/* ---- the sample agent (optional) ---------------------------------------- */

static bool sysinfo_loaded_here;

static bool agents_ready(void)
{
	if (!nab_agent_listed("wksta"))
		sysinfo_loaded_here = nab_sysinfo_insmod();
	return nab_agent_listed("wksta");
}

static void __attribute__((destructor)) agents_restore(void)
{
	if (sysinfo_loaded_here && system("rmmod " NAB_SYSINFO_MOD))
		fprintf(stderr, "# rmmod " NAB_SYSINFO_MOD " failed\n");
}

/* ---- cgroup files --------------------------------------------------------- */

static bool cg_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	ssize_t len = strlen(val);
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = write(fd, val, len) == len;
	close(fd);
	return ok;
}

static long long cg_read(const char *dir, const char *file)
{
	char path[256];
	unsigned long long v;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return nab_read_ull(path, &v) ? (long long)v : -1;
}

/* One "key value" line of a flat-keyed file such as memory.events. */
static long long cg_key(const char *dir, const char *file, const char *key)
{
	char path[256], line[128];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static bool cg_has_memory(void)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = open(CGROOT "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "memory") != NULL;
}

/*
 * What the child in the group reports, in memory shared with the parent
 * (and touched by the child before it joins the group: nothing it does
 * once the group is full may need a new page).
 */
struct cg_report {
	long long current_start, current_after_4m, pooled;
	unsigned long raw_bufs, lib_bufs, lib_small, small_fast;
	unsigned long long raw_bytes, lib_bytes;
	int raw_err;
	NET_API_STATUS lib_status, small_status, grow_status;
	NET_API_STATUS wksta_status, netif_status, again_status;
	unsigned long wksta_ok, netif_ok;
	bool contents_ok, grow_kept, fast_on;
	char msg[256];
};

/*
 * Whether session @fd knows @p as a buffer: a small buffer of the
 * library's fast path is not the kernel's (it lies in a delegated chunk).
 */
static bool kernel_knows(int fd, const void *p)
{
	struct netapibuf_size cmd = { .addr = (uintptr_t)p };

	return !ioctl(fd, NETAPIBUF_IOC_SIZE, &cmd);
}

/*
 * Whether the library's small buffers come from delegated chunks in this
 * process now: one of 16 bytes, made and freed (the session open).
 */
static bool lib_fast_on(int raw)
{
	bool fast;
	LPVOID p;

	if (NetApiBufferAllocate(16, &p) != ST_SUCCESS)
		return false;
	fast = !kernel_knows(nab_lib_fd(raw), p);
	NetApiBufferFree(p);
	return fast;
}

/* Pages the child may touch after the group is full: lock them now. */
static void child_prefault(void)
{
	volatile char stack[64 * 1024];

	memset((char *)stack, 0, sizeof(stack));
	mlockall(MCL_CURRENT);
}

#define CG_BUFS	64

static LPVOID lib_bufs[CG_BUFS];

/* Fills the group through the library: 1 MiB at a time, then 100 bytes. */
static void fill_with_library(struct cg_report *r)
{
	unsigned long i;
	LPVOID p;

	r->lib_status = ST_SUCCESS;
	for (i = 0; i < CG_BUFS && r->lib_status == ST_SUCCESS; i++) {
		r->lib_status = NetApiBufferAllocate(MB, &lib_bufs[i]);
		if (r->lib_status == ST_SUCCESS) {
			r->lib_bufs++;
			r->lib_bytes += MB;
		}
	}
	r->small_status = ST_SUCCESS;
	for (i = 0; i < 100000 && r->small_status == ST_SUCCESS; i++) {
		r->small_status = NetApiBufferAllocate(100, &p);
		if (r->small_status == ST_SUCCESS) {
			r->lib_small++;
			r->lib_bytes += 100;
		}
	}
}

enum cg_mode {
	CG_BUFFERS,	/* raw ALLOC, then the library */
	CG_AGENTS,	/* the library, then the agents */
	CG_POOL,	/* raw ALLOC past a session pool of 4 MiB */
};

/*
 * Gives session @fd a pool (a call of the "netif" agent, which writes
 * every byte of its results) and fills it with 4 MiB it frees: pages
 * still charged to the group. Returns the pool_pages counter, or -1.
 */
static long long fill_pool(int fd)
{
	struct netapibuf_agent_call cmd = {
		.level = NETAPIBUF_SYSINFO_NETIF_LEVEL_0,
	};
	long long pooled = -1;
	void *buf;

	strncpy(cmd.name, NETAPIBUF_SYSINFO_NETIF, sizeof(cmd.name));
	cmd.args[NETAPIBUF_SYSINFO_ARG_PREFMAXLEN] =
		NETAPIBUF_SYSINFO_PREFMAXLEN_ALL;
	if (ioctl(fd, NETAPIBUF_IOC_AGENT_CALL, &cmd) || !cmd.buffer)
		return -1;
	_test_ioctl_free(fd, (void *)(uintptr_t)cmd.buffer, 0, 0);
	if (_test_ioctl_alloc(fd, 4 * MB, 0, 0, &buf))
		return -1;
	memset(buf, 0x5a, 4 * MB);
	_test_ioctl_free(fd, buf, 0, 0);
	nab_stat("pool_pages", &pooled);
	return pooled;
}

/*
 * In the group: a first buffer of 4 MiB; then fill the group (raw:
 * ENOMEM; the library: ERROR_NOT_ENOUGH_MEMORY) and, full, try to grow a
 * buffer or call the agents; then make room and report.
 */
/* Agent results a full group may still take: 4,096 (512 KiB or more). */
#define CG_RESULTS	4096

static void cg_child(const char *cg, struct cg_report *r, enum cg_mode mode)
{
	static void *raw[CG_BUFS];
	static uint8_t *results[CG_RESULTS];
	struct nab_session s;
	LPVOID q = (LPVOID)1, first = NULL;
	uint32_t entries, total;
	uint8_t *result;
	unsigned long i;
	int ret;

	/* Both sessions exist before the group gets tight. */
	ret = nab_session_open(&s, true);
	if (ret) {
		snprintf(r->msg, sizeof(r->msg), "session: %s", strerror(-ret));
		return;
	}
	if (NetApiBufferAllocate(4 * MB, &first) != ST_SUCCESS) {
		snprintf(r->msg, sizeof(r->msg), "first 4 MiB: refused");
		return;
	}
	memset(first, 0x5a, 4 * MB);	/* its page tables, while there is room */
	r->fast_on = lib_fast_on(s.fd);
	r->current_after_4m = cg_read(cg, "memory.current");

	if (mode == CG_POOL) {
		r->pooled = fill_pool(s.fd);
		if (r->pooled < 0) {
			snprintf(r->msg, sizeof(r->msg), "no pool");
			return;
		}
	}
	if (mode != CG_AGENTS) {
		/* Raw: 1 MiB at a time until ENOMEM. */
		for (i = 0; i < CG_BUFS; i++) {
			if (_test_ioctl_alloc(s.fd, MB, 0, 0, &raw[i])) {
				r->raw_err = errno;
				break;
			}
			r->raw_bufs++;
			r->raw_bytes += MB;
		}
		for (i = 0; i < r->raw_bufs; i++)
			_test_ioctl_free(s.fd, raw[i], 0, 0);
	}

	if (mode != CG_POOL)
		fill_with_library(r);

	/* Full. */
	if (mode == CG_BUFFERS) {
		r->grow_status = NetApiBufferReallocate(first, 8 * MB, &q);
		r->grow_kept = q == (LPVOID)1;
	} else if (mode == CG_AGENTS) {
		/*
		 * Each agent until it is refused, its results kept: what the
		 * group frees meanwhile (RCU-delayed frees of its slab) may
		 * let a few through, an uncharged result all of them.
		 */
		do {
			result = NULL;
			r->wksta_status = NetWkstaGetInfo(NULL, 100, &result);
			results[r->wksta_ok] = result;
		} while (r->wksta_status == ST_SUCCESS &&
			 ++r->wksta_ok < CG_RESULTS);
		for (i = 0; i < r->wksta_ok; i++)
			NetApiBufferFree(results[i]);
		do {
			result = NULL;
			r->netif_status = NetInterfaceEnum(NULL, 0, &result,
							   MAX_PREFERRED_LENGTH,
							   &entries, &total,
							   NULL);
			results[r->netif_ok] = result;
		} while (r->netif_status == ST_SUCCESS &&
			 ++r->netif_ok < CG_RESULTS);
		for (i = 0; i < r->netif_ok; i++)
			NetApiBufferFree(results[i]);
	}

	/* Room again (nothing above may have touched a new page). */
	for (i = 0; i < r->lib_bufs; i++)
		NetApiBufferFree(lib_bufs[i]);
	r->contents_ok = !memcmp(first, (char *)first + 1, 4 * MB - 1) &&
			 *(char *)first == 0x5a;
	NetApiBufferFree(first);
	nab_session_close(&s);
}

FIXTURE(memcg) {
	struct nab_stats base;
	char cg[128];
	struct cg_report *r;
	int status;
	long long oom_kill, current_end;
};

FIXTURE_SETUP(memcg)
{
	NAB_REQUIRE_DEVICE();
	if (!cg_has_memory())
		SETUP_SKIP("no cgroup2 memory controller at " CGROOT);
	if (!cg_write(CGROOT, "cgroup.subtree_control", "+memory"))
		SETUP_SKIP("cannot enable +memory in " CGROOT
			   "cgroup.subtree_control: %s", strerror(errno));
	snprintf(self->cg, sizeof(self->cg), CGROOT "netapibuf-limits-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755)) TH_LOG("%s: %s", self->cg,
						    strerror(errno));
	ASSERT_TRUE(cg_write(self->cg, "memory.max", "16M"));
	/* No swap to escape to, should the guest have any. */
	cg_write(self->cg, "memory.swap.max", "0");
	self->r = mmap(NULL, sizeof(*self->r), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->r);
	memset(self->r, 0, sizeof(*self->r));
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(memcg)
{
	int i;

	if (self->r)
		munmap(self->r, sizeof(*self->r));
	/* Emptied once its last process is reaped. */
	for (i = 0; i < 100 && rmdir(self->cg) && errno == EBUSY; i++)
		usleep(20000);
	EXPECT_STATS_BASELINE(&self->base);
}

/*
 * fork() for a child that must run in the test's group: the child first
 * calls @before (if any; a non-zero result is its exit status), then
 * says so and waits while the parent moves it into the group, and only
 * then returns 0, as fork() does in a child (it exits with 2 if the
 * parent gave up). The parent moves it only once @before has returned,
 * so whatever @before touches is charged to the group the test program
 * runs in, not to self->cg. The parent gets the child's pid, or -1
 * with errno set if the fork, @before or the move failed (the child then
 * killed and reaped; a failed @before's status is in self->status).
 */
static pid_t cg_fork(FIXTURE_DATA(memcg) *self,
		     int (*before)(struct cg_report *r))
{
	char pid_str[16], c;
	int go[2], ready[2], ret, err;
	pid_t pid;

	if (pipe(go))
		return -1;
	if (pipe(ready)) {
		err = errno;
		close(go[0]);
		close(go[1]);
		errno = err;
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(go[0]);
		close(go[1]);
		close(ready[0]);
		close(ready[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		if (before) {
			ret = before(self->r);
			if (ret)
				_exit(ret);
		}
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		close(ready[1]);
		close(go[0]);
		return 0;
	}
	close(go[0]);
	close(ready[1]);
	snprintf(pid_str, sizeof(pid_str), "%d", pid);
	/* Not before @before is done: what it touched is not the group's. */
	if (read(ready[0], &c, 1) != 1) {
		errno = ECHILD;
		goto kill_child;
	}
	if (!cg_write(self->cg, "cgroup.procs", pid_str) ||
	    write(go[1], "g", 1) != 1)
		goto kill_child;
	close(ready[0]);
	close(go[1]);
	return pid;

kill_child:
	err = errno;
	kill(pid, SIGKILL);
	waitpid(pid, &self->status, 0);
	close(ready[0]);
	close(go[1]);
	errno = err;
	return -1;
}

/* Before joining: the report and the stack the child will use. */
static int cg_before_prefault(struct cg_report *r)
{
	r->msg[0] = '\0';
	child_prefault();
	return 0;
}

/*
 * The page tables the library's arena will need, made before joining.
 * The library touches delegated pages (slots it zeroes, its bookkeeping)
 * and the test its first buffer; the first touch of a page whose 2 MiB
 * has no page table yet allocates one, charged as any page table is (no
 * __GFP_RETRY_MAYFAIL): in a full group that runs the OOM killer, as
 * any first touch of new memory does (README). The arena is filled
 * lowest address first, and freeing leaves the tables in place, so a
 * buffer of twice the group's limit, touched and freed, covers it.
 */
static int cg_before_tables(struct cg_report *r)
{
	LPVOID p;

	cg_before_prefault(r);
	if (NetApiBufferAllocate(2 * CG_MAX, &p) != ST_SUCCESS)
		return 3;
	memset(p, 0, 2 * CG_MAX);
	return NetApiBufferFree(p) == ST_SUCCESS ? 0 : 4;
}

/* Runs cg_child() in a new process in the group; the results in @self. */
static void run_in_group(struct __test_metadata *_metadata,
			 FIXTURE_DATA(memcg) *self, enum cg_mode mode)
{
	struct cg_report *r = self->r;
	pid_t pid;

	pid = cg_fork(self, cg_before_tables);
	ASSERT_LE(0, pid) TH_LOG("child in the group: %s", strerror(errno));
	if (pid == 0) {
		r->current_start = cg_read(self->cg, "memory.current");
		cg_child(self->cg, r, mode);
		_exit(r->msg[0] ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &self->status, 0));

	self->oom_kill = cg_key(self->cg, "memory.events", "oom_kill");
	self->current_end = cg_read(self->cg, "memory.current");
	TH_LOG("memory.current %lld at the start, %lld with 4 MiB, %lld at "
	       "the end; memory.events max %lld oom %lld oom_kill %lld",
	       r->current_start, r->current_after_4m, self->current_end,
	       cg_key(self->cg, "memory.events", "max"),
	       cg_key(self->cg, "memory.events", "oom"), self->oom_kill);
	TH_LOG("raw: %lu MiB then %s; library: %lu MiB and %lu x 100 bytes, "
	       "then status %u, %u", r->raw_bufs, strerror(r->raw_err),
	       r->lib_bufs, r->lib_small, r->lib_status, r->small_status);

	/* The process survived, and nobody was OOM-killed. */
	EXPECT_TRUE(WIFEXITED(self->status) && WEXITSTATUS(self->status) == 0)
		TH_LOG("child: %s %d %s",
		       WIFEXITED(self->status) ? "exit" : "signal",
		       WIFEXITED(self->status) ? WEXITSTATUS(self->status) :
		       WTERMSIG(self->status), r->msg);
	EXPECT_EQ(0, self->oom_kill);

	/*
	 * The buffer pages are charged to the group (give or take what the
	 * process freed meanwhile: the first reading's own leftovers).
	 */
	EXPECT_LE(r->current_start + 4 * MB - 256 * 1024, r->current_after_4m);
	/* The library was refused at the limit, and not past it. */
	if (mode != CG_POOL) {
		EXPECT_EQ(ST_NOMEM, r->lib_status);
		EXPECT_EQ(ST_NOMEM, r->small_status);
		EXPECT_GE((unsigned long long)CG_MAX, r->lib_bytes + 4 * MB);
	}
	EXPECT_TRUE(r->contents_ok) TH_LOG("the first buffer lost its contents");
	/* Freed pages are uncharged: little is left once it has exited. */
	EXPECT_GT(2LL * MB, self->current_end);
	/* All of it with the library's fast path on. */
	if (nab_chunks_offered())
		EXPECT_TRUE(r->fast_on) TH_LOG("the fast path was off in the group");
}

/*
 * What a session holds whatever its buffers (itself, an inode, a tree
 * node, the opener's mm kept alive) is charged to the opener's group:
 * 1,000 sessions without a buffer raise memory.current by more than
 * 1,000 times the session struct's slab object (512 bytes).
 */
#define CG_SESSIONS	1000

/* Before joining: room for the sessions' descriptors. */
static int cg_before_rlimit(struct cg_report *r)
{
	struct rlimit rl = { 2 * CG_SESSIONS, 2 * CG_SESSIONS };

	r->msg[0] = '\0';
	return setrlimit(RLIMIT_NOFILE, &rl) ? 3 : 0;
}

TEST_F_TIMEOUT(memcg, sessions_charged, 120)
{
	struct cg_report *r = self->r;
	unsigned long long saved = 0;
	int status;
	pid_t pid;

	ASSERT_TRUE(nab_param_read("max_user_sessions", &saved));
	ASSERT_TRUE(nab_param_write("max_user_sessions", 4 * CG_SESSIONS));
	pid = cg_fork(self, cg_before_rlimit);
	ASSERT_LE(0, pid) TH_LOG("child in the group: %s", strerror(errno));
	if (pid == 0) {
		static int fds[CG_SESSIONS];
		int i;

		r->current_start = cg_read(self->cg, "memory.current");
		for (i = 0; i < CG_SESSIONS; i++) {
			fds[i] = open(NAB_DEVICE, O_RDWR | O_CLOEXEC);
			if (fds[i] < 0) {
				snprintf(r->msg, sizeof(r->msg),
					 "open %d: %s", i, strerror(errno));
				_exit(1);
			}
		}
		r->current_after_4m = cg_read(self->cg, "memory.current");
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(nab_param_write("max_user_sessions", saved));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: status %#x %s", status, r->msg);
	TH_LOG("memory.current %lld before %d sessions, %lld with them (%lld bytes each)",
	       r->current_start, CG_SESSIONS, r->current_after_4m,
	       (r->current_after_4m - r->current_start) / CG_SESSIONS);
	EXPECT_LE(r->current_start + CG_SESSIONS * 512LL, r->current_after_4m);
}

/*
 * The nodes the space tree takes for new buffers are charged to the
 * opener's group where the kernel lets a module do so: 6.12 (compat.h's
 * NAB_TREE_CHARGED); not 6.1, which exports no mas_preallocate(), nor
 * 7.x, which hands preallocated nodes out of a slab sheaf uncharged.
 * (Removals' nodes never are: arena.c.) A session makes TREE_BUFS
 * one-page buffers; /proc/slabinfo tells how much the maple_node cache
 * and the accounted kmalloc caches (kmalloc-cg-*, the descriptors) grew.
 * What the group's slab grew by beyond the kmalloc-cg caches (each
 * object charged with its obj_cgroup pointer) is the
 * tree's nodes if they are charged, about nothing if not (slabinfo
 * counts whole slabs per CPU, a few KiB either way). The test asks for
 * half of the maple_node growth.
 */
#define TREE_BUFS	4000

struct tree_slabs {
	long long group;	/* the group's memory.stat slab */
	long long maple;	/* bytes in maple_node objects */
	long long kmalloc_cg;	/* bytes in kmalloc-cg-* objects */
	long long kmalloc_cg_objs;	/* how many */
};

/*
 * memory.stat lags by up to 64 pages a CPU of updates, which a read
 * does not flush; the kernel flushes everything every 2 seconds.
 */
static bool tree_slabs_read(const char *cg, struct tree_slabs *t)
{
	char line[512], name[64];
	long long active, size;
	FILE *f;

	sleep(3);
	t->group = cg_key(cg, "memory.stat", "slab");
	t->maple = t->kmalloc_cg = t->kmalloc_cg_objs = 0;
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld %*d %lld", name, &active, &size) != 3)
			continue;
		if (!strcmp(name, "maple_node"))
			t->maple += active * size;
		else if (!strncmp(name, "kmalloc-cg-", 11)) {
			t->kmalloc_cg += active * size;
			t->kmalloc_cg_objs += active;
		}
	}
	fclose(f);
	return t->group >= 0 && t->maple > 0;
}

/* The growth in @d, as a child in the group makes TREE_BUFS buffers. */
static int tree_child(FIXTURE_DATA(memcg) *self, struct tree_slabs *d)
{
	struct tree_slabs *shared = (struct tree_slabs *)self->r;
	int status;
	pid_t pid;

	pid = cg_fork(self, NULL);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static LPVOID bufs[TREE_BUFS];
		struct tree_slabs a, b;
		LPVOID first;
		int i;

		/* The session and its first node exist before the count. */
		if (NetApiBufferAllocate(NAB_PAGE_SIZE, &first))
			_exit(3);
		if (!tree_slabs_read(self->cg, &a))
			_exit(5);
		for (i = 0; i < TREE_BUFS; i++)
			if (NetApiBufferAllocate(NAB_PAGE_SIZE, &bufs[i]))
				_exit(4);
		if (!tree_slabs_read(self->cg, &b))
			_exit(5);
		shared->group = b.group - a.group;
		shared->maple = b.maple - a.maple;
		shared->kmalloc_cg = b.kmalloc_cg - a.kmalloc_cg;
		shared->kmalloc_cg_objs = b.kmalloc_cg_objs -
					  a.kmalloc_cg_objs;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	*d = *shared;
	return WEXITSTATUS(status);
}

TEST_F_TIMEOUT(memcg, tree_nodes_charged, 120)
{
	struct tree_slabs d;
	long long other;
	struct utsname u;
	int major = 0, minor = 0, ret;

	ASSERT_EQ(0, uname(&u));
	sscanf(u.release, "%d.%d", &major, &minor);
	if (major < 6 || (major == 6 && minor < 12))
		SKIP(return, "%s exports no mas_preallocate(): the tree's nodes are not charged (README)",
		     u.release);
	if (major > 6)
		SKIP(return, "%s preallocates tree nodes in a slab sheaf and charges none it takes from there (README)",
		     u.release);
	if (access("/proc/slabinfo", R_OK))
		SKIP(return, "no /proc/slabinfo to count the tree's nodes");
	ASSERT_TRUE(cg_write(self->cg, "memory.max", "64M"));
	ret = tree_child(self, &d);
	ASSERT_EQ(0, ret) TH_LOG("child: %d", ret);
	/* A charged object costs the group its size and its objcg pointer. */
	other = d.group - d.kmalloc_cg -
		d.kmalloc_cg_objs * (long long)sizeof(void *);
	TH_LOG("%d buffers: group slab +%lld bytes, kmalloc-cg +%lld (%lld objects), maple_node +%lld: %lld beyond kmalloc-cg",
	       TREE_BUFS, d.group, d.kmalloc_cg, d.kmalloc_cg_objs, d.maple,
	       other);
	ASSERT_LT(0, d.maple);
	EXPECT_LE(d.maple / 2, other);
}

TEST_F_TIMEOUT(memcg, cannot_pass_memory_max, 120)
{
	struct cg_report *r = self->r;

	run_in_group(_metadata, self, CG_BUFFERS);
	EXPECT_EQ(ENOMEM, r->raw_err) TH_LOG("raw ALLOC: %s",
					    strerror(r->raw_err));
	EXPECT_LT(0UL, r->raw_bufs);
	EXPECT_GT((unsigned long)CG_BUFS, r->raw_bufs);
	EXPECT_GE((unsigned long long)CG_MAX, r->raw_bytes + 4 * MB);
	EXPECT_EQ(ST_NOMEM, r->grow_status);
	EXPECT_TRUE(r->grow_kept) TH_LOG("a refused Reallocate set *NewBuffer");
}

/*
 * A call at the group's limit kills nobody where the arena has no page
 * table yet either. ALLOC maps a new buffer's start ahead only into page
 * tables the process already has (module/arena.c): allocating one there
 * (GFP_PGTABLE_USER, no __GFP_RETRY_MAYFAIL) once the buffer's own page
 * had taken the group's last room ran the OOM killer in the ioctl.
 * Before joining, session A lays out HOLES one-page holes, each alone in
 * the 2 MiB one page table maps, which no ALLOC mapped ahead (ALLOC maps
 * 4 MiB ahead of a buffer's start: the hole is the last page of a spacer
 * of 6 MiB, shrunk off). In the group, session B fills the group a page at a
 * time; then each round frees one of B's pages and asks A for a page,
 * which goes to the next hole: the page fits, a page table would not.
 */
#define HOLES		8
#define HOLE_SPACER	(6 * MB - NAB_PAGE_SIZE)
#define TABLE_SPAN	(2 * MB)	/* what one x86-64 page table maps */
#define HOLE_FILL	4096		/* pages, well past 2 MiB */

struct hole_report {
	unsigned long filled, got, refused, misplaced;
	int setup, fill_err, other_err;
	uintptr_t want, found;
};

static struct nab_session hole_a, hole_b;
static void *hole_at[HOLES], *hole_fill[HOLE_FILL];

/*
 * Before joining: the holes in A's arena, charged outside the group. A
 * spacer of 6 MiB from a table's span on, mapped ahead for its first
 * 4 MiB, shrunk in place by its last page: that page is the hole, alone
 * and never mapped in the last 2 MiB of the spacer's span.
 */
static int cg_before_holes(struct cg_report *cr)
{
	struct hole_report *r = (struct hole_report *)cr;
	uintptr_t x0, b;
	void *p, *spacer;
	int i;

	child_prefault();
	if (nab_session_open(&hole_a, true) || nab_session_open(&hole_b, true))
		return r->setup = 10;
	/* The first free page, then a filler up to a table's span. */
	if (_test_ioctl_alloc(hole_a.fd, NAB_PAGE_SIZE, 0, 0, &p))
		return r->setup = 11;
	x0 = (uintptr_t)p + NAB_PAGE_SIZE;
	b = (x0 + TABLE_SPAN - 1) & ~((uintptr_t)TABLE_SPAN - 1);
	if (b > x0 && (_test_ioctl_alloc(hole_a.fd, b - x0, 0, 0, &p) ||
		       (uintptr_t)p != x0))
		return r->setup = 12;
	for (i = 0; i < HOLES; i++) {
		r->want = b + i * 6UL * MB;
		if (_test_ioctl_alloc(hole_a.fd, 6 * MB, 0, 0, &spacer)) {
			r->other_err = errno;
			return r->setup = 13;
		}
		r->found = (uintptr_t)spacer;
		if (r->found != r->want)
			return r->setup = 14;
		hole_at[i] = (char *)spacer + HOLE_SPACER;
	}
	/* All in place first: a hole next to free arena would not be one. */
	for (i = 0; i < HOLES; i++) {
		spacer = (char *)hole_at[i] - HOLE_SPACER;
		if (_test_ioctl_realloc(hole_a.fd, spacer, HOLE_SPACER, 0, 0,
					&p) || p != spacer) {
			r->other_err = errno;
			return r->setup = 15;
		}
	}
	return 0;
}

TEST_F_TIMEOUT(memcg, map_ahead_allocates_no_table, 120)
{
	struct hole_report *r = (struct hole_report *)self->r;
	unsigned long long pool = 0;
	unsigned long i;
	void *p;
	pid_t pid;

	_Static_assert(sizeof(struct hole_report) <= sizeof(struct cg_report),
		       "the report lives in the fixture's shared page");
	/* No kept buffer: a freed page leaves the group at once. */
	ASSERT_TRUE(nab_param_read("pool_bytes", &pool));
	ASSERT_TRUE(nab_param_write("pool_bytes", 0));
	ASSERT_TRUE(cg_write(self->cg, "memory.max", "2M"));
	pid = cg_fork(self, cg_before_holes);
	if (pid == 0) {
		for (i = 0; i < HOLE_FILL; i++)
			if (_test_ioctl_alloc(hole_b.fd, NAB_PAGE_SIZE, 0, 0,
					      &hole_fill[i]))
				break;
		r->fill_err = i < HOLE_FILL ? errno : 0;
		r->filled = i;
		while (r->got < HOLES && r->filled) {
			_test_ioctl_free(hole_b.fd, hole_fill[--r->filled], 0,
					 0);
			if (!_test_ioctl_alloc(hole_a.fd, NAB_PAGE_SIZE, 0, 0,
					       &p)) {
				r->misplaced += p != hole_at[r->got];
				r->got++;
			} else if (errno == ENOMEM) {
				r->refused++;
			} else {
				r->other_err = errno;
				break;
			}
		}
		_exit(0);
	}
	EXPECT_TRUE(nab_param_write("pool_bytes", pool));
	ASSERT_LE(0, pid) TH_LOG("child in the group: %s; setup step %d: %s "
				 "(spacer at %#lx, not %#lx)", strerror(errno),
				 r->setup, strerror(r->other_err),
				 (unsigned long)r->found,
				 (unsigned long)r->want);
	ASSERT_EQ(pid, waitpid(pid, &self->status, 0));
	self->oom_kill = cg_key(self->cg, "memory.events", "oom_kill");
	TH_LOG("B filled %lu pages, then %s; A got %lu of %d holes "
	       "(%lu misplaced), refused %lu times; oom_kill %lld",
	       r->filled, strerror(r->fill_err), r->got, HOLES,
	       r->misplaced, r->refused, self->oom_kill);
	/* Nobody OOM-killed: the child ran to its end. */
	EXPECT_TRUE(WIFEXITED(self->status) && WEXITSTATUS(self->status) == 0)
		TH_LOG("child: %s %d",
		       WIFEXITED(self->status) ? "exit" : "signal",
		       WIFEXITED(self->status) ? WEXITSTATUS(self->status) :
		       WTERMSIG(self->status));
	EXPECT_EQ(0, self->oom_kill);
	/* The group was full, and the holes were asked for at its limit. */
	EXPECT_EQ(ENOMEM, r->fill_err);
	EXPECT_EQ(0, r->other_err) TH_LOG("A: %s", strerror(r->other_err));
	EXPECT_EQ((unsigned long)HOLES, r->got);
	EXPECT_EQ(0UL, r->misplaced);
}

/*
 * A session's pool (pages it freed, kept for agents that write every
 * byte) stays charged to the group, but gives way: the same session's
 * raw ALLOC reaches as far as without a pool (within 2 MiB of the limit
 * with the first 4 MiB), where the kept 4 MiB would stop it 4 MiB short.
 */
TEST_F_TIMEOUT(memcg, pool_gives_way, 120)
{
	struct cg_report *r = self->r;

	if (!agents_ready())
		SKIP(return, "agents not registered, and no "
		     NAB_SYSINFO_KO_WHERE);
	run_in_group(_metadata, self, CG_POOL);
	TH_LOG("pool: %lld pages", r->pooled);
	EXPECT_LE(4 * MB / NAB_PAGE_SIZE, (unsigned long long)r->pooled);
	EXPECT_EQ(ENOMEM, r->raw_err) TH_LOG("raw ALLOC: %s",
					    strerror(r->raw_err));
	EXPECT_LE((unsigned long long)CG_MAX, r->raw_bytes + 6 * MB);
	EXPECT_GE((unsigned long long)CG_MAX, r->raw_bytes + 4 * MB);
}

/*
 * What a session keeps of the memory its process freed (its pool, its
 * kept buffer) stays charged to the group, and reclaim of the group must
 * reach it: a holder keeps 6 MiB in 96 sessions' kept buffers (and 4 MiB
 * of pool, with the agents), having freed every buffer; then another
 * process of the group touches 10 MiB of anonymous memory. The shrinker
 * gives the kept pages back and nobody is OOM-killed; a shrinker that is
 * not memcg-aware is never called for the group, and the toucher was
 * killed.
 */
#define KEEP_SESSIONS	96

static void keep_holder(int ready, int done)
{
	static struct nab_session s[KEEP_SESSIONS + 1];
	void *p;
	int i;
	char c;

	for (i = 0; i <= KEEP_SESSIONS; i++)
		if (nab_session_open(&s[i], true))
			_exit(2);
	if (nab_agent_listed(NETAPIBUF_SYSINFO_NETIF) && fill_pool(s[0].fd) < 0)
		_exit(3);
	for (i = 1; i <= KEEP_SESSIONS; i++) {
		if (_test_ioctl_alloc(s[i].fd, 64 * 1024, 0, 0, &p))
			_exit(4);
		memset(p, 0x5a, 64 * 1024);
		if (_test_ioctl_free(s[i].fd, p, 0, 0))
			_exit(5);
	}
	if (write(ready, "r", 1) != 1 || read(done, &c, 1) != 1)
		_exit(6);
	_exit(0);
}

TEST_F_TIMEOUT(memcg, kept_pages_reclaimed, 120)
{
	int ready[2], done[2], status;
	long long kept = -1, pooled = -1, kept_end = -1;
	pid_t holder, toucher;
	char c;

	agents_ready();
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	holder = cg_fork(self, cg_before_prefault);
	ASSERT_LE(0, holder) TH_LOG("holder in the group: %s", strerror(errno));
	if (holder == 0) {
		close(ready[0]);
		close(done[1]);
		keep_holder(ready[1], done[0]);
	}
	close(ready[1]);
	close(done[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the holder failed");
	EXPECT_TRUE(nab_stat("kept_pages", &kept));
	EXPECT_TRUE(nab_stat("pool_pages", &pooled));
	ASSERT_LE(KEEP_SESSIONS * 16LL, kept);

	/* Joins before it touches anything of its own. */
	toucher = cg_fork(self, NULL);
	ASSERT_LE(0, toucher) TH_LOG("toucher in the group: %s",
				     strerror(errno));
	if (toucher == 0) {
		size_t len = 10 * MB;
		char *m;

		m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(3);
		memset(m, 0x33, len);
		_exit(0);
	}
	ASSERT_EQ(toucher, waitpid(toucher, &status, 0));
	EXPECT_TRUE(nab_stat("kept_pages", &kept_end));
	self->oom_kill = cg_key(self->cg, "memory.events", "oom_kill");
	TH_LOG("kept %lld and pooled %lld pages; the toucher: %s %d, "
	       "then %lld kept; oom_kill %lld", kept, pooled,
	       WIFEXITED(status) ? "exit" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	       kept_end, self->oom_kill);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, self->oom_kill);
	EXPECT_GT(kept, kept_end);

	ASSERT_EQ(1, write(done[1], "d", 1));
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the holder: status %#x", status);
	close(ready[0]);
	close(done[1]);
}

/* The agents allocate on the caller's behalf: the same limit, no OOM. */
TEST_F_TIMEOUT(memcg, agents_in_a_full_group, 120)
{
	struct cg_report *r = self->r;

	if (!agents_ready())
		SKIP(return, "agents not registered, and no "
		     NAB_SYSINFO_KO_WHERE);
	run_in_group(_metadata, self, CG_AGENTS);
	TH_LOG("full: %lu NetWkstaGetInfo and %lu NetInterfaceEnum results before the refusals",
	       r->wksta_ok, r->netif_ok);
	EXPECT_EQ(ST_NOMEM, r->wksta_status) TH_LOG("NetWkstaGetInfo");
	EXPECT_EQ(ST_NOMEM, r->netif_status) TH_LOG("NetInterfaceEnum");
}

/*
 * memory.max set after the session opened, with the fast path on: the
 * group is unlimited while the process opens its session and makes a
 * small buffer, then gets 2 MiB above what it holds; the process fills
 * it with 100-byte buffers. Every page the library then needs, for
 * buffers or for their bookkeeping, is a CHUNKS_GET the kernel refuses
 * at the limit: Allocate returns ERROR_NOT_ENOUGH_MEMORY, nobody is
 * OOM-killed, and once the buffers are freed Allocate works again.
 */
#define LATE_ROOM	(2 * MB)
#define LATE_BUFS	(LATE_ROOM / 64)

static LPVOID late_bufs[LATE_BUFS];

static void late_child(struct cg_report *r, int opened, int limited)
{
	unsigned long i;
	LPVOID p;
	int fd;
	char c;

	/* The page tables the fill will touch, while the group has room. */
	if (NetApiBufferAllocate(2 * LATE_ROOM, &p) != ST_SUCCESS)
		_exit(3);
	memset(p, 0, 2 * LATE_ROOM);
	NetApiBufferFree(p);
	r->fast_on = lib_fast_on(-1);
	fd = nab_lib_fd(-1);
	if (write(opened, "o", 1) != 1 || read(limited, &c, 1) != 1)
		_exit(2);
	r->small_status = ST_SUCCESS;
	for (i = 0; i < LATE_BUFS && r->small_status == ST_SUCCESS; i++) {
		r->small_status = NetApiBufferAllocate(100, &late_bufs[i]);
		if (r->small_status != ST_SUCCESS)
			break;
		r->lib_small++;
		r->small_fast += !kernel_knows(fd, late_bufs[i]);
	}
	for (i = 0; i < r->lib_small; i++)
		if (NetApiBufferFree(late_bufs[i]) != ST_SUCCESS)
			snprintf(r->msg, sizeof(r->msg), "Free %lu refused", i);
	r->again_status = NetApiBufferAllocate(100, &late_bufs[0]);
	if (r->again_status == ST_SUCCESS)
		NetApiBufferFree(late_bufs[0]);
}

TEST_F_TIMEOUT(memcg, limit_set_after_open, 120)
{
	struct cg_report *r = self->r;
	int opened[2], limited[2], status;
	char max[32], c;
	long long current;
	pid_t pid;

	if (!nab_chunks_offered())
		SKIP(return, "the module does not offer NETAPIBUF_FEATURE_CHUNKS");
	ASSERT_TRUE(cg_write(self->cg, "memory.max", "max"));
	ASSERT_EQ(0, pipe(opened));
	ASSERT_EQ(0, pipe(limited));
	pid = cg_fork(self, cg_before_prefault);
	ASSERT_LE(0, pid) TH_LOG("child in the group: %s", strerror(errno));
	if (pid == 0) {
		late_child(r, opened[1], limited[0]);
		_exit(r->msg[0] ? 1 : 0);
	}
	ASSERT_EQ(1, read(opened[0], &c, 1));
	/* The session is open and has its first chunk: now the limit. */
	current = cg_read(self->cg, "memory.current");
	ASSERT_LT(0, current);
	snprintf(max, sizeof(max), "%lld", current + LATE_ROOM);
	ASSERT_TRUE(cg_write(self->cg, "memory.max", max));
	ASSERT_EQ(1, write(limited[1], "l", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	self->oom_kill = cg_key(self->cg, "memory.events", "oom_kill");
	TH_LOG("memory.max %s: %lu buffers of 100 bytes, %lu of them in delegated chunks, then status %u; memory.events max %lld oom %lld oom_kill %lld",
	       max, r->lib_small, r->small_fast, r->small_status,
	       cg_key(self->cg, "memory.events", "max"),
	       cg_key(self->cg, "memory.events", "oom"), self->oom_kill);

	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: %s %d %s",
		       WIFEXITED(status) ? "exit" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) :
		       WTERMSIG(status), r->msg);
	EXPECT_EQ(0, self->oom_kill);
	EXPECT_TRUE(r->fast_on);
	/* The fast path filled most of the room, and was refused at the limit. */
	EXPECT_LT((unsigned long)LATE_ROOM / 2 / 128, r->small_fast);
	EXPECT_EQ(ST_NOMEM, r->small_status);
	EXPECT_GT((unsigned long)LATE_BUFS, r->lib_small);
	/* Room again. */
	EXPECT_EQ(ST_SUCCESS, r->again_status);
}

/* ---- netapibuf's limits across processes ----------------------------------- */

/* A process with a library session of its own. */
struct holder {
	pid_t pid;
	int to[2], from[2];
};

/*
 * A process that allocates @n bytes through the library, answers
 * whether it got them, and holds them until told to go.
 */
static int holder_start(struct holder *h, DWORD n)
{
	LPVOID p;
	char c;

	if (pipe(h->to) || pipe(h->from))
		return -1;
	fflush(stdout);
	fflush(stderr);
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		NET_API_STATUS st = NetApiBufferAllocate(n, &p);

		c = st == ST_SUCCESS ? 'y' : st == ST_NOMEM ? 'n' : '?';
		if (write(h->from[1], &c, 1) != 1 || read(h->to[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(h->from[0], &c, 1) != 1)
		return -1;
	return c;
}

static void holder_stop(struct holder *h)
{
	int status;

	if (write(h->to[1], "x", 1) != 1)
		kill(h->pid, SIGKILL);
	waitpid(h->pid, &status, 0);
	close(h->to[0]);
	close(h->to[1]);
	close(h->from[0]);
	close(h->from[1]);
}

FIXTURE(quota) {
	struct nab_stats base;
};

FIXTURE_SETUP(quota)
{
	size_t i;

	NAB_REQUIRE_DEVICE();
	for (i = 0; i < ARRAY_SIZE(params); i++)
		if (!params_have[i])
			SETUP_SKIP("no parameter %s", params[i]);
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(quota)
{
	EXPECT_TRUE(params_restore()) TH_LOG("cannot restore the parameters");
	EXPECT_STATS_BASELINE(&self->base);
}

/* max_session_bytes binds each session, not the sum of them. */
TEST_F(quota, session_limit_is_per_session)
{
	struct holder a, b, c;

	ASSERT_TRUE(nab_param_write("max_session_bytes", 64 * 1024));
	EXPECT_EQ('y', holder_start(&a, 60 * 1024));
	EXPECT_EQ('y', holder_start(&b, 60 * 1024))
		TH_LOG("another process's session was refused");
	EXPECT_EQ('n', holder_start(&c, 64 * 1024 + 1));
	holder_stop(&a);
	holder_stop(&b);
	holder_stop(&c);
}

/* max_total_bytes binds all sessions together. */
TEST_F(quota, total_limit_is_global)
{
	struct holder a, b, c;
	struct nab_stats now;

	ASSERT_STATS(&now);
	ASSERT_TRUE(nab_param_write("max_total_bytes",
				    now.charged_bytes + 256 * 1024));
	EXPECT_EQ('y', holder_start(&a, 200 * 1024));
	EXPECT_EQ('n', holder_start(&b, 100 * 1024))
		TH_LOG("another process got past max_total_bytes");
	holder_stop(&a);
	/* a's bytes went with it */
	EXPECT_EQ('y', holder_start(&c, 100 * 1024));
	holder_stop(&b);
	holder_stop(&c);
}

/*
 * Another session's pool is freed memory: it counts against
 * max_total_bytes while it waits, and gives way to a charge that would
 * pass it, as the session's own pool and every kept buffer do. With the
 * limit 1 MiB above what is charged, 4 MiB of pool in session a, b's
 * 4 MiB buffer fits only if a's pool goes. A charge refused at b's own
 * max_session_bytes, which a's pool does not count against, leaves it.
 */
TEST_F(quota, other_sessions_pools_give_way)
{
	struct nab_session a, b;
	long long pooled, now_pooled = -1;
	struct nab_stats now;
	void *p = NULL;

	if (!agents_ready())
		SKIP(return, "agent netif not registered, and no "
		     NAB_SYSINFO_KO_WHERE);
	ASSERT_EQ(0, nab_session_open(&a, true));
	ASSERT_EQ(0, nab_session_open(&b, true));
	pooled = fill_pool(a.fd);
	ASSERT_LE((long long)(4 * MB / NAB_PAGE_SIZE), pooled);

	/* Past b's own limit, a's pool would not help: it stays whole. */
	ASSERT_TRUE(nab_param_write("max_session_bytes", 1 * MB));
	EXPECT_ERRNO(EDQUOT, _test_ioctl_alloc(b.fd, 2 * MB, 0, 0, &p));
	EXPECT_TRUE(nab_stat("pool_pages", &now_pooled));
	EXPECT_EQ(pooled, now_pooled)
		TH_LOG("a refusal at b's own limit took a's pool");
	ASSERT_TRUE(nab_param_write("max_session_bytes", params_saved[1]));

	ASSERT_STATS(&now);
	ASSERT_TRUE(nab_param_write("max_total_bytes",
				    now.charged_bytes + 1 * MB));
	EXPECT_EQ(0, _test_ioctl_alloc(b.fd, 4 * MB, 0, 0, &p))
		TH_LOG("4 MiB refused with %lld pages pooled in another "
		       "session: %s", pooled, strerror(errno));
	EXPECT_TRUE(nab_stat("pool_pages", &now_pooled));
	EXPECT_GT(pooled, now_pooled);
	if (p)
		EXPECT_EQ(0, _test_ioctl_free(b.fd, p, 0, 0));
	nab_session_close(&b);
	nab_session_close(&a);
}

/* The agents' results obey the limits like any buffer. */
TEST_F(quota, agent_results_within_limits)
{
	uint8_t *buf = (uint8_t *)1;

	if (!agents_ready())
		SKIP(return, "agent wksta not registered, and no "
		     NAB_SYSINFO_KO_WHERE);
	IN_CHILD({
		ASSERT_TRUE(nab_param_write("max_buffer_bytes", 16));
		EXPECT_EQ(ST_NOMEM, NetWkstaGetInfo(NULL, 100, &buf));
		EXPECT_EQ(NULL, buf);
		ASSERT_TRUE(nab_param_write("max_buffer_bytes",
					    params_saved[0]));
		ASSERT_TRUE(nab_param_write("max_session_bytes", 16));
		buf = (uint8_t *)1;
		EXPECT_EQ(ST_NOMEM, NetWkstaGetInfo(NULL, 100, &buf));
		EXPECT_EQ(NULL, buf);
		ASSERT_TRUE(nab_param_write("max_session_bytes",
					    params_saved[1]));
		EXPECT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	});
}

/* ---- the parameters, checked when written ---------------------------------- */

/* Writes @text to parameter @name: 0, or the write's errno. */
static int param_write_text(const char *name, const char *text)
{
	char path[128];
	ssize_t len = strlen(text);
	int fd, err = 0;

	snprintf(path, sizeof(path), NAB_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	errno = 0;
	if (write(fd, text, len) != len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

#define TIB		(1ULL << 40)

/* Each bound of each parameter, from both sides. */
TEST_F(quota, parameters_checked_when_written)
{
	unsigned long long page = NAB_PAGE_SIZE;
	const struct {
		const char *name;
		unsigned long long value;
		int err;
	} cases[] = {
		/* whole pages from 64 MiB to 1 TiB */
		{ "arena_size", 0, EINVAL },
		{ "arena_size", 1, EINVAL },
		{ "arena_size", 64 * MB - page, EINVAL },
		{ "arena_size", 64 * MB + 1, EINVAL },
		{ "arena_size", TIB + page, EINVAL },
		{ "arena_size", ~0ULL, EINVAL },
		{ "arena_size", 64 * MB, 0 },
		{ "arena_size", 64 * MB + page, 0 },
		{ "arena_size", TIB, 0 },
		/* 0 to 1 TiB, the largest arena */
		{ "max_buffer_bytes", TIB + 1, EINVAL },
		{ "max_buffer_bytes", ~0ULL, EINVAL },
		{ "max_buffer_bytes", 0, 0 },
		{ "max_buffer_bytes", TIB, 0 },
		/* anything: 0 is no limit */
		{ "max_session_bytes", ~0ULL, 0 },
		{ "max_session_bytes", 0, 0 },
		{ "max_total_bytes", ~0ULL, 0 },
		{ "max_total_bytes", 0, 0 },
		/* sessions per user: 1 to 2^20 */
		{ "max_user_sessions", 0, EINVAL },
		{ "max_user_sessions", (1ULL << 20) + 1, EINVAL },
		{ "max_user_sessions", ~0ULL, EINVAL },
		{ "max_user_sessions", 1, 0 },
		{ "max_user_sessions", 1ULL << 20, 0 },
	};
	const char *const junk[] = { "-1", "x", "1x", "18446744073709551616" };
	unsigned long long before, after;
	char text[32];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_TRUE(nab_param_read(cases[i].name, &before));
		snprintf(text, sizeof(text), "%llu\n", cases[i].value);
		EXPECT_EQ(cases[i].err, param_write_text(cases[i].name, text))
			TH_LOG("%s = %llu", cases[i].name, cases[i].value);
		ASSERT_TRUE(nab_param_read(cases[i].name, &after));
		EXPECT_EQ(cases[i].err ? before : cases[i].value, after)
			TH_LOG("%s = %llu", cases[i].name, cases[i].value);
	}
	for (i = 0; i < ARRAY_SIZE(params); i++) {
		for (j = 0; j < ARRAY_SIZE(junk); j++) {
			ASSERT_TRUE(nab_param_read(params[i], &before));
			EXPECT_EQ(EINVAL, param_write_text(params[i], junk[j]))
				TH_LOG("%s = \"%s\"", params[i], junk[j]);
			ASSERT_TRUE(nab_param_read(params[i], &after));
			EXPECT_EQ(before, after);
		}
	}
}

/* open(2) of the device as 0 or -1, for EXPECT_ERRNO; the fd in *@fd. */
static int open_session(int *fd)
{
	*fd = open(NAB_DEVICE, O_RDWR | O_CLOEXEC);
	return *fd < 0 ? -1 : 0;
}

/*
 * max_user_sessions bounds the sessions of one effective uid: past it
 * open(2) fails with EMFILE and no session is made; another user has a
 * count of its own; a closed session makes room.
 */
TEST_F(quota, sessions_per_user)
{
	struct nab_stats now, after;
	struct stat st;
	int fds[4], extra = -1, status, i;
	pid_t pid;

	/* Every session in the guest is root's. */
	ASSERT_STATS(&now);
	ASSERT_TRUE(nab_param_write("max_user_sessions", now.sessions + 4));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, open_session(&fds[i])) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EMFILE, open_session(&extra));
	ASSERT_STATS(&after);
	EXPECT_EQ(now.sessions + 4, after.sessions);

	/* Another user is not bound by root's count. */
	ASSERT_EQ(0, stat(NAB_DEVICE, &st));
	ASSERT_EQ(0, chmod(NAB_DEVICE, 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(open_session(&extra) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, chmod(NAB_DEVICE, st.st_mode & 07777));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("uid 65534 could not open a session: status %#x", status);

	/* A closed session makes room for one. */
	close(fds[0]);
	EXPECT_EQ(0, open_session(&fds[0])) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EMFILE, open_session(&extra));
	for (i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * Under the largest limits accepted (max_buffer_bytes 1 TiB; the other
 * two none, or as large as they go), a size past max_buffer_bytes is
 * EDQUOT for ALLOC and for REALLOC of any buffer, before anything is
 * computed from it: nothing wraps, nothing changes, no counter moves.
 */
TEST_F(quota, huge_sizes_under_huge_limits)
{
	const __u64 huge[] = {
		~0ULL, ~0ULL - NAB_PAGE_SIZE + 2, 1ULL << 63, 1ULL << 52,
		TIB + 1,
	};
	const unsigned long long others[] = { 0, ~0ULL };
	size_t page = NAB_PAGE_SIZE, i, j;
	struct nab_stats before;
	struct nab_session s;
	void *small, *large, *got;
	__u64 size;

	ASSERT_TRUE(nab_param_write("max_buffer_bytes", TIB));
	for (j = 0; j < ARRAY_SIZE(others); j++) {
		ASSERT_TRUE(nab_param_write("max_session_bytes", others[j]));
		ASSERT_TRUE(nab_param_write("max_total_bytes", others[j]));
		ASSERT_EQ(0, nab_session_open(&s, true));
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, 100, 0, 0, &small));
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, 3 * page, 0, 0, &large));
		nab_fill(small, 0, 100, 1);
		nab_fill(large, 0, 3 * page, 2);
		ASSERT_STATS(&before);

		for (i = 0; i < ARRAY_SIZE(huge); i++) {
			got = NULL;
			EXPECT_ERRNO(EDQUOT, _test_ioctl_alloc(s.fd, huge[i], 0,
							       0, &got))
				TH_LOG("ALLOC %#llx", (unsigned long long)huge[i]);
			EXPECT_ERRNO(EDQUOT, _test_ioctl_realloc(s.fd, NULL,
								 huge[i], 0, 0,
								 &got))
				TH_LOG("REALLOC NULL, %#llx",
				       (unsigned long long)huge[i]);
			EXPECT_ERRNO(EDQUOT, _test_ioctl_realloc(s.fd, small,
								 huge[i], 0, 0,
								 &got))
				TH_LOG("REALLOC 100 B, %#llx",
				       (unsigned long long)huge[i]);
			EXPECT_ERRNO(EDQUOT, _test_ioctl_realloc(s.fd, large,
								 huge[i], 0, 0,
								 &got))
				TH_LOG("REALLOC 3 pages, %#llx",
				       (unsigned long long)huge[i]);
			EXPECT_EQ(NULL, got);
		}

		EXPECT_NOTHING_ALLOCATED(&before);
		EXPECT_EQ(0, _test_ioctl_size(s.fd, small, 0, 0, &size));
		EXPECT_EQ(100ULL, size);
		EXPECT_EQ(0, _test_ioctl_size(s.fd, large, 0, 0, &size));
		EXPECT_EQ((__u64)3 * page, size);
		EXPECT_EQ(-1, nab_check(small, 0, 100, 1));
		EXPECT_EQ(-1, nab_check(large, 0, 3 * page, 2));
		EXPECT_EQ(0, _test_ioctl_free(s.fd, small, 0, 0));
		EXPECT_EQ(0, _test_ioctl_free(s.fd, large, 0, 0));
		nab_session_close(&s);
	}
}

/* ---- memory, not requests ------------------------------------------------ */

/*
 * What a buffer of @size made by ALLOC holds, the unit of max_session_bytes
 * and max_total_bytes: up to half a page its slot, a power of two from 16
 * bytes (0-byte buffers included); past that its whole pages and two
 * pointers each for their array.
 */
static unsigned long long held(unsigned long long size)
{
	unsigned long long page = NAB_PAGE_SIZE, slot = 16;

	if (size > page / 2)
		return (size + page - 1) / page * (page + 2 * sizeof(void *));
	while (slot < size)
		slot *= 2;
	return slot;
}

/* Sizes, and how many such buffers a limit of that many of them holds. */
static const struct {
	unsigned long long size;
	size_t n;
} rounding[] = {
	{ 0, 256 }, { 1, 64 }, { 16, 16 }, { 17, 8 }, { 100, 8 },
	{ 2048, 4 }, { 2049, 4 }, { 4096, 3 }, { 4097, 3 },
};

#define ROUND_MAX	256

/*
 * Buffers of @size until one is refused, with the limit @param at
 * @base + n * held(size): exactly n fit, and the next is EDQUOT.
 */
static void fill_to_limit(struct __test_metadata *_metadata,
			  const char *param, unsigned long long base,
			  unsigned long long size, size_t n)
{
	static void *bufs[ROUND_MAX + 1];
	struct nab_session s;
	size_t i, got;
	int err = 0;

	ASSERT_TRUE(nab_param_write(param, base + n * held(size)));
	ASSERT_EQ(0, nab_session_open(&s, true));
	for (got = 0; got <= n; got++) {
		if (_test_ioctl_alloc(s.fd, size, 0, 0, &bufs[got])) {
			err = errno;
			break;
		}
	}
	EXPECT_EQ(n, got) TH_LOG("%s %llu: %zu buffers of %llu bytes fit, "
				 "not %zu", param, base + n * held(size), got,
				 size, n);
	EXPECT_EQ(EDQUOT, err) TH_LOG("%s", strerror(err));
	for (i = 0; i < got; i++)
		EXPECT_EQ(0, _test_ioctl_free(s.fd, bufs[i], 0, 0));
	nab_session_close(&s);
}

/*
 * max_session_bytes counts what buffers hold: 4 KiB holds 256 buffers of
 * 0 bytes (each takes 16), 8 of 17 bytes (32 each), 4 of 2049 (a page
 * each, and its pointers).
 */
TEST_F(quota, session_limit_counts_memory)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rounding); i++)
		fill_to_limit(_metadata, "max_session_bytes", 0,
			      rounding[i].size, rounding[i].n);
}

/* max_total_bytes the same, on top of what is charged already. */
TEST_F(quota, total_limit_counts_memory)
{
	struct nab_stats now;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rounding); i++) {
		ASSERT_STATS(&now);
		fill_to_limit(_metadata, "max_total_bytes", now.charged_bytes,
			      rounding[i].size, rounding[i].n);
	}
}

/* max_buffer_bytes bounds the size asked for, not what it holds. */
TEST_F(quota, buffer_limit_counts_the_size)
{
	const unsigned long long limits[] = { 0, 1, 17, 2049, 4097 };
	static void *buf;
	struct nab_session s;
	size_t i;

	ASSERT_EQ(0, nab_session_open(&s, true));
	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		ASSERT_TRUE(nab_param_write("max_buffer_bytes", limits[i]));
		EXPECT_EQ(0, _test_ioctl_alloc(s.fd, limits[i], 0, 0, &buf))
			TH_LOG("max_buffer_bytes %llu", limits[i]);
		EXPECT_EQ(0, _test_ioctl_free(s.fd, buf, 0, 0));
		EXPECT_ERRNO(EDQUOT, _test_ioctl_alloc(s.fd, limits[i] + 1, 0,
						       0, &buf))
			TH_LOG("max_buffer_bytes %llu", limits[i]);
	}
	nab_session_close(&s);
}

/*
 * A buffer that shrinks gives back what it no longer holds, its page
 * array included: 16 rounds of "allocate 16 MiB, shrink to 4097 bytes"
 * leave 16 buffers of two pages charged, and nothing once freed.
 */
TEST_F(quota, shrinking_gives_back)
{
	unsigned long long big = 16 * MB;
	struct nab_stats before, now;
	struct nab_session s;
	void *bufs[16], *got;
	size_t i;

	ASSERT_EQ(0, nab_session_open(&s, true));
	ASSERT_STATS(&before);
	for (i = 0; i < ARRAY_SIZE(bufs); i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, big, 0, 0, &bufs[i]));
		ASSERT_STATS(&now);
		EXPECT_EQ(before.charged_bytes + (long long)(i * held(4097) +
							     held(big)),
			  now.charged_bytes);
		ASSERT_EQ(0, _test_ioctl_realloc(s.fd, bufs[i], 4097, 0, 0,
						 &got));
		bufs[i] = got;
	}
	ASSERT_STATS(&now);
	EXPECT_EQ(before.charged_bytes + (long long)(16 * held(4097)),
		  now.charged_bytes);
	EXPECT_EQ(before.live_bytes + 16 * 4097, now.live_bytes);
	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		EXPECT_EQ(0, _test_ioctl_free(s.fd, bufs[i], 0, 0));
	ASSERT_STATS(&now);
	EXPECT_EQ(before.charged_bytes, now.charged_bytes);
	nab_session_close(&s);
}

TEST_HARNESS_MAIN
