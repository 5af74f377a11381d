// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation between processes: another process, a fork(2) child and a
 * process handed the descriptor can neither see nor change a process's
 * buffers, and their own calls work. A tracer (ptrace(2)) and
 * process_madvise(2) get no more than madvise(2) would; a child that
 * shares the mm (vfork(2), CLONE_VM) uses the parent's session and
 * leaves it whole; the image exec(2) puts in the owner's place is not
 * the owner.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <netapibuf.h>

#include "netapibuf_test.h"

#define ST_SUCCESS	((NET_API_STATUS)NERR_Success)
#define ST_INVALID	((NET_API_STATUS)ERROR_INVALID_PARAMETER)

#define UNTOUCHED_PTR	((LPVOID)(uintptr_t)0x5a5a5a5a5a5a5a50ULL)
#define UNTOUCHED_SIZE	((DWORD)0xa5a5a5a5)

#define SMALL	100
#define LARGE	(3 * 4096 + 5)

/* @p is refused by every call of this process and left alone. */
#define EXPECT_REFUSED(p)						\
	do {								\
		DWORD __s = UNTOUCHED_SIZE;				\
		LPVOID __q = UNTOUCHED_PTR;				\
		EXPECT_EQ(ST_INVALID, NetApiBufferFree(p))		\
			TH_LOG("Free(%p)", p);				\
		EXPECT_EQ(ST_INVALID, NetApiBufferSize(p, &__s))	\
			TH_LOG("Size(%p)", p);				\
		EXPECT_EQ(UNTOUCHED_SIZE, __s);				\
		EXPECT_EQ(ST_INVALID,					\
			  NetApiBufferReallocate(p, 2 * SMALL, &__q))	\
			TH_LOG("Reallocate(%p, %d)", p, 2 * SMALL);	\
		EXPECT_EQ(UNTOUCHED_PTR, __q);				\
		EXPECT_EQ(ST_INVALID, NetApiBufferReallocate(p, 0, &__q)) \
			TH_LOG("Reallocate(%p, 0)", p);			\
		EXPECT_EQ(UNTOUCHED_PTR, __q);				\
	} while (0)

#define EXPECT_SIZE(p, n)						\
	do {								\
		DWORD __s = UNTOUCHED_SIZE;				\
		EXPECT_EQ(ST_SUCCESS, NetApiBufferSize(p, &__s));	\
		EXPECT_EQ((DWORD)(n), __s);				\
	} while (0)

/* This process's own calls work: allocate, write, grow, free. */
static void own_buffers_work(struct __test_metadata *_metadata)
{
	LPVOID p, q;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &p));
	EXPECT_EQ(-1, nab_check_zero(p, 0, SMALL));
	nab_fill(p, 0, SMALL, 77);
	EXPECT_SIZE(p, SMALL);
	ASSERT_EQ(ST_SUCCESS, NetApiBufferReallocate(p, LARGE, &q));
	EXPECT_EQ(-1, nab_check(q, 0, SMALL, 77));
	EXPECT_EQ(-1, nab_check_zero(q, SMALL, LARGE - SMALL));
	EXPECT_SIZE(q, LARGE);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(q));
}

static void write_all(struct __test_metadata *_metadata, int fd,
		      const void *buf, size_t len)
{
	ASSERT_EQ((ssize_t)len, write(fd, buf, len));
}

static void read_all(struct __test_metadata *_metadata, int fd, void *buf,
		     size_t len)
{
	ASSERT_EQ((ssize_t)len, read(fd, buf, len));
}

FIXTURE(iso) {
	struct nab_stats base;
};

FIXTURE_SETUP(iso)
{
	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(iso)
{
}

/*
 * A and B are two processes, B started before A opened anything. B gets
 * A's addresses and tries every call on them; A's buffers stay as they
 * were. The arenas of two processes may well sit at the same address, so
 * the addresses may even fall inside B's arena: only B's own buffers
 * count.
 */
TEST_F(iso, other_process)
{
	int to_b[2], to_a[2];
	LPVOID a[3];
	pid_t pid;
	int status;
	char done;
	size_t i;

	ASSERT_EQ(0, pipe(to_b));
	ASSERT_EQ(0, pipe(to_a));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		LPVOID mine[3], theirs[3];
		struct nab_session raw;

		/* B: its own buffers first, at the same offsets as A's */
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &mine[0]));
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(0, &mine[1]));
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(40, &mine[2]));
		read_all(_metadata, to_b[0], theirs, sizeof(theirs));

		/*
		 * Where A's address is also one of B's own buffers (same
		 * arena address, same offset), B frees its own first: the
		 * address then lies in B's arena but is no buffer of B's.
		 */
		for (i = 0; i < ARRAY_SIZE(theirs); i++) {
			size_t j;

			for (j = 0; j < ARRAY_SIZE(mine); j++) {
				if (mine[j] && theirs[i] == mine[j]) {
					EXPECT_EQ(ST_SUCCESS,
						  NetApiBufferFree(mine[j]));
					mine[j] = NULL;
				}
			}
		}
		for (i = 0; i < ARRAY_SIZE(theirs); i++)
			EXPECT_REFUSED(theirs[i]);

		/* Raw, through a session of B's own. */
		ASSERT_EQ(0, nab_session_open(&raw, true));
		for (i = 0; i < ARRAY_SIZE(theirs); i++) {
			EXPECT_ERRNO(EINVAL, _test_ioctl_free(raw.fd, theirs[i],
							      0, 0));
			EXPECT_ERRNO(EINVAL, _test_ioctl_size(raw.fd, theirs[i],
							      0, 0, NULL));
			EXPECT_ERRNO(EINVAL, _test_ioctl_realloc(raw.fd,
					theirs[i], 64, 0, 0, NULL));
		}
		nab_session_close(&raw);

		own_buffers_work(_metadata);
		if (mine[0])
			EXPECT_SIZE(mine[0], SMALL);
		write_all(_metadata, to_a[1], "x", 1);
		_exit(_metadata->passed ? 0 : 1);
	}

	/* A: the same first allocation as B's, then others */
	close(to_b[0]);
	close(to_a[1]);		/* so that a dead B reads as end of file */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &a[0]));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(LARGE, &a[1]));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(1000, &a[2]));
	nab_fill(a[0], 0, SMALL, 1);
	nab_fill(a[1], 0, LARGE, 2);
	nab_fill(a[2], 0, 1000, 3);
	write_all(_metadata, to_b[1], a, sizeof(a));
	read_all(_metadata, to_a[0], &done, 1);

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("B: status %#x", status);

	EXPECT_SIZE(a[0], SMALL);
	EXPECT_SIZE(a[1], LARGE);
	EXPECT_SIZE(a[2], 1000);
	EXPECT_EQ(-1, nab_check(a[0], 0, SMALL, 1));
	EXPECT_EQ(-1, nab_check(a[1], 0, LARGE, 2));
	EXPECT_EQ(-1, nab_check(a[2], 0, 1000, 3));
	for (i = 0; i < ARRAY_SIZE(a); i++)
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(a[i]));
	close(to_b[1]);
	close(to_a[0]);
}

/*
 * fork(2): the child does not have the parent's buffers (SIGSEGV), the
 * library refuses them, the inherited descriptor refuses every ioctl
 * with EPERM, and the child's own calls work. The parent's buffers are
 * intact after the child is gone, and its session keeps working.
 */
TEST_F(iso, fork_child)
{
	struct nab_stats before_fork;
	struct nab_session raw;
	LPVOID small, large, after;
	void *raw_buf;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &small));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(LARGE, &large));
	nab_fill(small, 0, SMALL, 10);
	nab_fill(large, 0, LARGE, 11);
	ASSERT_EQ(0, nab_session_open(&raw, true));
	ASSERT_EQ(0, _test_ioctl_alloc(raw.fd, 64, 0, 0, &raw_buf));
	nab_fill(raw_buf, 0, 64, 12);
	ASSERT_STATS(&before_fork);

	IN_CHILD({
		struct nab_stats mid;
		void *arena;
		LPVOID own;

		/* The arena is not inherited. */
		EXPECT_EQ(SIGSEGV, nab_probe(small, false));
		EXPECT_EQ(SIGSEGV, nab_probe(large, false));
		EXPECT_EQ(SIGSEGV, nab_probe((char *)large + LARGE - 1,
					     false));
		EXPECT_EQ(SIGSEGV, nab_probe(raw_buf, false));
		EXPECT_EQ(SIGSEGV, nab_probe(small, true));

		/* Nor are the buffers: the library refuses them. */
		EXPECT_REFUSED(small);
		EXPECT_REFUSED(large);

		/* The inherited descriptor refuses every ioctl. */
		EXPECT_ERRNO(EPERM, _test_ioctl_info(raw.fd, 0, NULL));
		EXPECT_ERRNO(EPERM, _test_ioctl_alloc(raw.fd, 64, 0, 0, NULL));
		EXPECT_ERRNO(EPERM, _test_ioctl_free(raw.fd, raw_buf, 0, 0));
		EXPECT_ERRNO(EPERM, _test_ioctl_size(raw.fd, raw_buf, 0, 0,
						     NULL));
		EXPECT_ERRNO(EPERM, _test_ioctl_realloc(raw.fd, raw_buf, 128,
							0, 0, NULL));
		EXPECT_ERRNO(EPERM, _test_ioctl_realloc(raw.fd, NULL, 128,
							0, 0, NULL));
		/* and mapping its arena */
		arena = mmap(NULL, raw.info.arena_size,
			     PROT_READ | PROT_WRITE, MAP_SHARED, raw.fd, 0);
		EXPECT_EQ(MAP_FAILED, arena);

		/*
		 * The child's own session. Its arena may well be mapped where
		 * the parent's was (that range is free in the child), so its
		 * buffers may have the parent's addresses: the checks above
		 * had to come first.
		 */
		own_buffers_work(_metadata);
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(5000, &own));
		EXPECT_EQ(-1, nab_check_zero(own, 0, 5000));
		ASSERT_STATS(&mid);
		EXPECT_EQ(before_fork.sessions + 1, mid.sessions);
		EXPECT_EQ(before_fork.live_buffers + 1, mid.live_buffers);
		/* own is left for the exit to free */
	});

	/* The child's session is gone, the parent's buffers untouched. */
	EXPECT_STATS_BASELINE(&before_fork);
	EXPECT_SIZE(small, SMALL);
	EXPECT_SIZE(large, LARGE);
	EXPECT_EQ(-1, nab_check(small, 0, SMALL, 10));
	EXPECT_EQ(-1, nab_check(large, 0, LARGE, 11));
	EXPECT_EQ(-1, nab_check(raw_buf, 0, 64, 12));
	EXPECT_EQ(0, _test_ioctl_size(raw.fd, raw_buf, 0, 0, NULL));

	/* The parent goes on as before. */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &after));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(after));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(small));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(large));
	EXPECT_EQ(0, _test_ioctl_free(raw.fd, raw_buf, 0, 0));
	nab_session_close(&raw);
}

/* A child that never touches the library leaves the parent's alone. */
TEST_F(iso, fork_child_exits)
{
	struct nab_stats before_fork;
	LPVOID p;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(LARGE, &p));
	nab_fill(p, 0, LARGE, 20);
	ASSERT_STATS(&before_fork);

	IN_CHILD({
		EXPECT_EQ(SIGSEGV, nab_probe(p, false));
	});
	IN_CHILD({
		/* the child frees "its" copy of everything */
		EXPECT_EQ(ST_INVALID, NetApiBufferFree(p));
	});

	EXPECT_STATS_BASELINE(&before_fork);
	EXPECT_SIZE(p, LARGE);
	EXPECT_EQ(-1, nab_check(p, 0, LARGE, 20));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(p));
}

/*
 * Grandchildren too: each generation has a session of its own and none
 * can use an earlier generation's buffers. A child's buffers may get the
 * same addresses as its parent's, so each refusal is checked before the
 * child allocates.
 */
TEST_F(iso, fork_generations)
{
	struct nab_stats before;
	LPVOID p;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &p));
	nab_fill(p, 0, SMALL, 30);
	ASSERT_STATS(&before);

	IN_CHILD({
		LPVOID c;

		EXPECT_REFUSED(p);
		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &c));
		nab_fill(c, 0, SMALL, 31);
		IN_CHILD({
			EXPECT_REFUSED(p);
			EXPECT_REFUSED(c);
			EXPECT_EQ(SIGSEGV, nab_probe(c, false));
			own_buffers_work(_metadata);
		});
		EXPECT_EQ(-1, nab_check(c, 0, SMALL, 31));
		EXPECT_SIZE(c, SMALL);
		if (c != p)
			EXPECT_REFUSED(p);
	});

	EXPECT_STATS_BASELINE(&before);
	EXPECT_EQ(-1, nab_check(p, 0, SMALL, 30));
	EXPECT_SIZE(p, SMALL);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(p));
}

/* The page frame behind @addr (mapped), or 0 if it cannot be told. */
static uint64_t pfn_of(int pagemap, const void *addr)
{
	uint64_t entry;
	off_t off = (uintptr_t)addr / NAB_PAGE_SIZE * sizeof(entry);

	if (pread(pagemap, &entry, sizeof(entry), off) != sizeof(entry))
		return 0;
	if (!(entry & (1ULL << 63)))	/* not present */
		return 0;
	return entry & ((1ULL << 55) - 1);
}

static int pfn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Small buffers share pages only with buffers of the same session: the
 * page frames behind two sessions' buffers (read from
 * /proc/self/pagemap) never meet.
 */
TEST_F(iso, sessions_never_share_pages)
{
	enum { N = 200 };
	static const size_t lens[] = { 1, 16, 48, 100, 512, 2047, 4096 };
	struct nab_session s[2];
	uint64_t pfns[2][N];
	size_t i, j, k;
	int pagemap;

	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap < 0)
		SKIP(return, "no /proc/self/pagemap");
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, nab_session_open(&s[k], true));

	/* Interleaved, so a shared allocator would hand out neighbours. */
	for (i = 0; i < N; i++) {
		for (k = 0; k < 2; k++) {
			size_t n = lens[i % ARRAY_SIZE(lens)];
			char *buf;

			ASSERT_EQ(0, _test_ioctl_alloc(s[k].fd, n, 0, 0,
						       (void **)&buf));
			nab_fill(buf, 0, n, k);	/* maps it */
			pfns[k][i] = pfn_of(pagemap, buf);
			if (!pfns[k][i])
				SKIP(goto out, "page frames not readable");
		}
	}

	qsort(pfns[0], N, sizeof(uint64_t), pfn_cmp);
	qsort(pfns[1], N, sizeof(uint64_t), pfn_cmp);
	for (i = 0, j = 0; i < N && j < N;) {
		EXPECT_NE(pfns[0][i], pfns[1][j])
			TH_LOG("page frame %#llx in both sessions",
			       (unsigned long long)pfns[0][i]);
		if (pfns[0][i] < pfns[1][j])
			i++;
		else
			j++;
	}
out:
	for (k = 0; k < 2; k++)
		nab_session_close(&s[k]);
	close(pagemap);
}

static int send_fd(int sock, int fd)
{
	char data = 'f';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * A descriptor passed to a process that did not open it (started before
 * the open, so it is not a fork of the owner) is refused like an
 * inherited one; the owner's session is unaffected.
 */
TEST_F(iso, passed_descriptor)
{
	struct nab_session raw;
	void *buf;
	int sv[2];
	char done;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fflush(stderr);
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct netapibuf_info info;
		int fd = recv_fd(sv[1]);
		struct { void *buf; size_t arena_size; } theirs;

		ASSERT_LE(0, fd);
		ASSERT_EQ((ssize_t)sizeof(theirs),
			  read(sv[1], &theirs, sizeof(theirs)));
		EXPECT_ERRNO(EPERM, _test_ioctl_info(fd, 0, &info));
		EXPECT_ERRNO(EPERM, _test_ioctl_alloc(fd, 64, 0, 0, NULL));
		EXPECT_ERRNO(EPERM, _test_ioctl_size(fd, theirs.buf, 0, 0,
						     NULL));
		EXPECT_ERRNO(EPERM, _test_ioctl_free(fd, theirs.buf, 0, 0));
		EXPECT_ERRNO(EPERM, _test_ioctl_realloc(fd, theirs.buf, 8, 0,
							0, NULL));
		EXPECT_EQ(MAP_FAILED, mmap(NULL, theirs.arena_size,
					   PROT_READ | PROT_WRITE, MAP_SHARED,
					   fd, 0));
		close(fd);
		ASSERT_EQ(1, write(sv[1], "x", 1));
		_exit(_metadata->passed ? 0 : 1);
	}

	close(sv[1]);		/* so that a dead receiver reads as EOF */
	ASSERT_EQ(0, nab_session_open(&raw, true));
	ASSERT_EQ(0, _test_ioctl_alloc(raw.fd, 256, 0, 0, &buf));
	nab_fill(buf, 0, 256, 40);
	struct { void *buf; size_t arena_size; } mine = {
		buf, raw.info.arena_size,
	};

	ASSERT_EQ(0, send_fd(sv[0], raw.fd));
	ASSERT_EQ((ssize_t)sizeof(mine), write(sv[0], &mine, sizeof(mine)));
	ASSERT_EQ(1, read(sv[0], &done, 1));

	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("receiver: status %#x", status);

	EXPECT_EQ(0, _test_ioctl_size(raw.fd, buf, 0, 0, NULL));
	EXPECT_EQ(-1, nab_check(buf, 0, 256, 40));
	EXPECT_EQ(0, _test_ioctl_free(raw.fd, buf, 0, 0));
	nab_session_close(&raw);
	close(sv[0]);
	EXPECT_STATS_BASELINE(&self->base);
}

/* ---- processes that share, trace or replace the owner's memory ------- */

#define LARGE64K	(64 << 10)

/* The page-aligned range [p, p + n) lies in, for process_madvise(2). */
static struct iovec page_range(const void *p, size_t n)
{
	uintptr_t page = NAB_PAGE_SIZE;
	uintptr_t lo = (uintptr_t)p & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + n + page - 1) & ~(page - 1);

	return (struct iovec){ .iov_base = (void *)lo, .iov_len = hi - lo };
}

/*
 * A child attached with ptrace(2) reads and writes the parent's memory
 * as a debugger does (PEEKDATA, POKEDATA: access_process_vm()). The
 * arena's PFN entries refuse get_user_pages_remote(); the module's
 * ->access() copies instead, taking no reference: a live buffer's word is
 * read and written, at its start and across the end of its first page,
 * and a freed buffer is EIO both ways. Ordinary memory works too.
 */
#define PEEK_POKED	0x4141414141414141L

TEST_F(iso, ptrace_peek_poke)
{
	static volatile long plain = 0x1122334455667788L;
	const size_t page = NAB_PAGE_SIZE;
	LPVOID small, large, freed;
	long want[3];
	char *live[3];
	pid_t pid;
	int status;
	size_t i;

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &small));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(LARGE64K, &large));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(LARGE64K, &freed));
	nab_fill(small, 0, SMALL, 50);
	nab_fill(large, 0, LARGE64K, 51);
	nab_fill(freed, 0, LARGE64K, 52);
	ASSERT_EQ(ST_SUCCESS, NetApiBufferFree(freed));
	live[0] = small;
	live[1] = large;
	live[2] = (char *)large + page - sizeof(long) / 2;
	for (i = 0; i < ARRAY_SIZE(live); i++)
		memcpy(&want[i], live[i], sizeof(long));
	/* Yama's ptrace_scope 1 lets only a named tracer attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);

	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t parent = getppid();
		int bad = 0, st;
		long v;

		if (ptrace(PTRACE_ATTACH, parent, NULL, NULL))
			_exit(100);
		if (waitpid(parent, &st, __WALL) != parent || !WIFSTOPPED(st))
			_exit(101);
		errno = 0;
		v = ptrace(PTRACE_PEEKDATA, parent, (void *)&plain, NULL);
		if (errno || v != plain)
			bad |= 1;	/* the control failed */
		for (i = 0; i < ARRAY_SIZE(live); i++) {
			errno = 0;
			v = ptrace(PTRACE_PEEKDATA, parent, (void *)live[i],
				   NULL);
			if (errno || v != want[i])
				bad |= 2;
			if (ptrace(PTRACE_POKEDATA, parent, (void *)live[i],
				   (void *)PEEK_POKED))
				bad |= 4;
		}
		errno = 0;
		ptrace(PTRACE_PEEKDATA, parent, freed, NULL);
		if (errno != EIO)
			bad |= 8;
		errno = 0;
		if (ptrace(PTRACE_POKEDATA, parent, freed,
			   (void *)PEEK_POKED) != -1 || errno != EIO)
			bad |= 16;
		ptrace(PTRACE_DETACH, parent, NULL, NULL);
		_exit(bad);
	}
	while (waitpid(pid, &status, 0) < 0)
		ASSERT_EQ(EINTR, errno);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	ASSERT_NE(100, WEXITSTATUS(status)) TH_LOG("PTRACE_ATTACH refused");
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("tracer: %s%s%s%s%s%s", WEXITSTATUS(status) == 101 ?
		       "no stop " : "",
		       WEXITSTATUS(status) & 1 ? "plain PEEK failed; " : "",
		       WEXITSTATUS(status) & 2 ? "PEEK of a buffer wrong; " : "",
		       WEXITSTATUS(status) & 4 ? "POKE of a buffer failed; " : "",
		       WEXITSTATUS(status) & 8 ? "PEEK of a freed one not EIO; " : "",
		       WEXITSTATUS(status) & 16 ? "POKE of a freed one not EIO" : "");

	/* The words poked, and nothing around them. */
	for (i = 0; i < ARRAY_SIZE(live); i++) {
		long got;

		memcpy(&got, live[i], sizeof(long));
		EXPECT_EQ(PEEK_POKED, got) TH_LOG("word %zu", i);
	}
	EXPECT_EQ(-1, nab_check(small, sizeof(long), SMALL - sizeof(long), 50));
	EXPECT_EQ(-1, nab_check(large, sizeof(long),
				page - sizeof(long) / 2 - sizeof(long), 51));
	EXPECT_EQ(-1, nab_check(large, page + sizeof(long) / 2,
				LARGE64K - page - sizeof(long) / 2, 51));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(small));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(large));
	EXPECT_EQ(SIGBUS, nab_probe(large, false));
}

/*
 * A core dump holds no buffer: the kernel writes no VM_IO mapping into
 * one, so a crash leaves the buffers' bytes out of the file (README,
 * "Debuggers"). A child writes a marker into malloc'd memory (the
 * control: it must be in the core), a small and a large buffer, and
 * aborts; the core is searched for each.
 */
#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define CORE_FILE	"/tmp/nab-core"

/*
 * Writes @mark (with its NUL) to @dst a byte at a time from a scrambled
 * copy, so that no register or stack slot ever holds the whole marker:
 * @dst is the one place in the process it can be found.
 */
static void put_mark(char *dst, const char *mark)
{
	volatile unsigned char key = 0x5a;
	char scrambled[64];
	size_t i, n = strlen(mark) + 1;

	for (i = 0; i < n; i++)
		scrambled[i] = mark[i] ^ 0x5a;
	for (i = 0; i < n; i++)
		((volatile char *)dst)[i] = scrambled[i] ^ key;
}

static bool write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, len) == len;
	close(fd);
	return ok;
}

static bool file_has(const char *path, const char *needle, bool *found)
{
	size_t n = strlen(needle), len = 0, got;
	static char buf[1 << 16];
	FILE *f = fopen(path, "re");

	*found = false;
	if (!f)
		return false;
	while ((got = fread(buf + len, 1, sizeof(buf) - len, f)) > 0) {
		len += got;
		if (memmem(buf, len, needle, n))
			*found = true;
		/* Keep the tail a marker could start in. */
		memmove(buf, buf + len - (len < n ? len : n - 1),
			len < n ? len : n - 1);
		len = len < n ? len : n - 1;
	}
	fclose(f);
	return true;
}

TEST_F(iso, core_dump_omits_buffers)
{
	static const char *const marks[] = {
		"nab-core-mark-heap-5c1e", "nab-core-mark-small-77aa",
		"nab-core-mark-large-3b09",
	};
	char saved[256] = "";
	struct stat st;
	bool found;
	int status;
	pid_t pid;
	FILE *f;

	if (geteuid())
		SKIP(return, "needs root (core_pattern)");
	f = fopen(CORE_PATTERN, "re");
	if (!f)
		SKIP(return, "no %s: a kernel without core dumps", CORE_PATTERN);
	ASSERT_NE(NULL, fgets(saved, sizeof(saved), f));
	fclose(f);
	ASSERT_TRUE(write_text(CORE_PATTERN, CORE_FILE));
	unlink(CORE_FILE);

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit core = { RLIM_INFINITY, RLIM_INFINITY };
		LPVOID small, large;
		char *heap = malloc(4096);

		/*
		 * The default filter: anonymous memory, no file-backed
		 * mapping (the markers' literals are in the binary's).
		 */
		if (!heap || setrlimit(RLIMIT_CORE, &core) ||
		    prctl(PR_SET_DUMPABLE, 1) ||
		    !write_text("/proc/self/coredump_filter", "0x33") ||
		    NetApiBufferAllocate(SMALL, &small) != ST_SUCCESS ||
		    NetApiBufferAllocate(LARGE64K, &large) != ST_SUCCESS)
			_exit(1);
		put_mark(heap, marks[0]);
		put_mark(small, marks[1]);
		put_mark((char *)large + 5000, marks[2]);
		/* The stores are read by the core: keep them. */
		__asm__ volatile("" : : "r"(heap), "r"(small), "r"(large)
				 : "memory");
		abort();
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	write_text(CORE_PATTERN, saved);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("status %#x", status);
	ASSERT_TRUE(WCOREDUMP(status)) TH_LOG("no core dumped");

	ASSERT_TRUE(file_has(CORE_FILE, marks[0], &found));
	stat(CORE_FILE, &st);
	TH_LOG("core %lld bytes", (long long)st.st_size);
	EXPECT_TRUE(found) TH_LOG("the heap's marker is not in the core");
	ASSERT_TRUE(file_has(CORE_FILE, marks[1], &found));
	EXPECT_FALSE(found) TH_LOG("a small buffer's bytes are in the core");
	ASSERT_TRUE(file_has(CORE_FILE, marks[2], &found));
	EXPECT_FALSE(found) TH_LOG("a large buffer's bytes are in the core");
	unlink(CORE_FILE);
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

static long process_madvise_raw(int pidfd, const struct iovec *iov,
				size_t n, int advice)
{
	return syscall(__NR_process_madvise, pidfd, iov, n, advice, 0U);
}

/*
 * process_madvise(2) on the arena, with a pidfd of this process (any
 * advice from 6.13 on; before, the remote four) and of a child (COLD,
 * PAGEOUT, WILLNEED, COLLAPSE). It may do what madvise(2) does and no
 * more: COLLAPSE and the anonymous-only advice fail, nothing changes a
 * byte, and the buffers are freed as ever (SIGBUS after).
 */
TEST_F(iso, process_madvise)
{
	static const struct {
		int advice;
		const char *name;
		bool must_fail;
	} advice[] = {
		{ MADV_COLD, "COLD", false },
		{ MADV_PAGEOUT, "PAGEOUT", false },
		{ MADV_WILLNEED, "WILLNEED", false },
		{ MADV_COLLAPSE, "COLLAPSE", true },
		{ MADV_DONTNEED, "DONTNEED", false },
		{ MADV_FREE, "FREE", true },
		{ MADV_WIPEONFORK, "WIPEONFORK", true },
		{ MADV_HUGEPAGE, "HUGEPAGE", false },
	};
	int to_child[2], to_parent[2], pidfd, status;
	LPVOID small, large;
	struct iovec iov[2];
	LPVOID theirs[2];
	size_t i;
	pid_t pid;
	long r;

	pidfd = syscall(__NR_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		SKIP(return, "pidfd_open: %m");
	errno = 0;
	if (process_madvise_raw(pidfd, NULL, 0, MADV_COLD) < 0 &&
	    errno == ENOSYS) {
		close(pidfd);
		SKIP(return, "no process_madvise (CONFIG_ADVISE_SYSCALLS)");
	}

	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &small));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(LARGE64K, &large));
	nab_fill(small, 0, SMALL, 60);
	nab_fill(large, 0, LARGE64K, 61);
	iov[0] = page_range(small, SMALL);
	iov[1] = page_range(large, LARGE64K);
	for (i = 0; i < ARRAY_SIZE(advice); i++) {
		errno = 0;
		r = process_madvise_raw(pidfd, iov, 2, advice[i].advice);
		TH_LOG("self %s: %ld %s", advice[i].name, r,
		       r < 0 ? strerror(errno) : "");
		if (advice[i].must_fail)
			EXPECT_GT(0, r) TH_LOG("self %s worked",
					      advice[i].name);
		EXPECT_EQ(-1, nab_check(small, 0, SMALL, 60))
			TH_LOG("self %s", advice[i].name);
		EXPECT_EQ(-1, nab_check(large, 0, LARGE64K, 61))
			TH_LOG("self %s", advice[i].name);
	}
	close(pidfd);

	/* A child's arena, advised by its parent. */
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		LPVOID mine[2];
		char go;

		ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &mine[0]));
		ASSERT_EQ(ST_SUCCESS,
			  NetApiBufferAllocate(LARGE64K, &mine[1]));
		nab_fill(mine[0], 0, SMALL, 62);
		nab_fill(mine[1], 0, LARGE64K, 63);
		write_all(_metadata, to_parent[1], mine, sizeof(mine));
		read_all(_metadata, to_child[0], &go, 1);
		EXPECT_EQ(-1, nab_check(mine[0], 0, SMALL, 62));
		EXPECT_EQ(-1, nab_check(mine[1], 0, LARGE64K, 63));
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(mine[0]));
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(mine[1]));
		EXPECT_EQ(SIGBUS, nab_probe(mine[1], false));
		_exit(_metadata->passed ? 0 : 1);
	}
	read_all(_metadata, to_parent[0], theirs, sizeof(theirs));
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	ASSERT_LE(0, pidfd);
	iov[0] = page_range(theirs[0], SMALL);
	iov[1] = page_range(theirs[1], LARGE64K);
	for (i = 0; i < 4; i++) {	/* the advice allowed on another */
		errno = 0;
		r = process_madvise_raw(pidfd, iov, 2, advice[i].advice);
		TH_LOG("child %s: %ld %s", advice[i].name, r,
		       r < 0 ? strerror(errno) : "");
		if (advice[i].must_fail)
			EXPECT_GT(0, r) TH_LOG("child %s worked",
					      advice[i].name);
	}
	/* Not allowed on another process at all. */
	EXPECT_GT(0, process_madvise_raw(pidfd, iov, 2, MADV_DONTNEED));
	write_all(_metadata, to_child[1], "x", 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: status %#x", status);
	close(pidfd);

	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(small));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(large));
	EXPECT_EQ(SIGBUS, nab_probe(large, false));
}

/*
 * What a child sharing the parent's memory (vfork(2), clone(2) with
 * CLONE_VM and not CLONE_THREAD) left for the parent to check. The
 * child is another process but has the same mm: the session's owner,
 * as far as the module goes, and the library's state is the parent's.
 */
static struct {
	LPVOID parent_small, parent_large;
	LPVOID kept;		/* allocated by the child, left live */
	int step;		/* the child's first failing step, or 0 */
} shared_vm;

static int shared_vm_child(void *arg)
{
	LPVOID p, q;

	(void)arg;
	shared_vm.step = 1;
	if (NetApiBufferAllocate(SMALL, &p))
		return 1;
	nab_fill(p, 0, SMALL, 70);
	shared_vm.step = 2;
	if (nab_check(p, 0, SMALL, 70) != -1 || NetApiBufferFree(p))
		return 1;
	shared_vm.step = 3;
	if (NetApiBufferAllocate(LARGE64K, &q))
		return 1;
	nab_fill(q, 0, LARGE64K, 71);
	shared_vm.step = 4;
	if (nab_check(q, 0, LARGE64K, 71) != -1 || NetApiBufferFree(q))
		return 1;
	/* The parent's buffers are the child's to see. */
	shared_vm.step = 5;
	if (nab_check(shared_vm.parent_small, 0, SMALL, 72) != -1 ||
	    nab_check(shared_vm.parent_large, 0, LARGE64K, 73) != -1)
		return 1;
	shared_vm.step = 6;
	if (NetApiBufferAllocate(LARGE, &shared_vm.kept))
		return 1;
	nab_fill(shared_vm.kept, 0, LARGE, 74);
	shared_vm.step = 0;
	return 0;
}

/* vfork(2) in a function of its own: nothing of the caller's is live. */
static __attribute__((noinline)) pid_t shared_vm_vfork(void)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(shared_vm_child(NULL));
	return pid;
}

static void shared_vm_check(struct __test_metadata *_metadata,
			    bool use_vfork)
{
	struct nab_stats before;
	size_t stack_size = 256 << 10;
	char *stack = NULL;
	int status;
	pid_t pid;

	memset(&shared_vm, 0, sizeof(shared_vm));
	ASSERT_EQ(ST_SUCCESS,
		  NetApiBufferAllocate(SMALL, &shared_vm.parent_small));
	ASSERT_EQ(ST_SUCCESS,
		  NetApiBufferAllocate(LARGE64K, &shared_vm.parent_large));
	nab_fill(shared_vm.parent_small, 0, SMALL, 72);
	nab_fill(shared_vm.parent_large, 0, LARGE64K, 73);
	ASSERT_STATS(&before);

	fflush(stderr);
	if (use_vfork) {
		pid = shared_vm_vfork();
	} else {
		stack = malloc(stack_size);
		ASSERT_NE(NULL, stack);
		pid = clone(shared_vm_child, stack + stack_size,
			    CLONE_VM | SIGCHLD, NULL);
	}
	ASSERT_LT(0, pid) TH_LOG("%s: %m", use_vfork ? "vfork" : "clone");
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	free(stack);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: status %#x, step %d", status, shared_vm.step);

	/* The parent's buffers as they were, the child's one live. */
	EXPECT_EQ(-1, nab_check(shared_vm.parent_small, 0, SMALL, 72));
	EXPECT_EQ(-1, nab_check(shared_vm.parent_large, 0, LARGE64K, 73));
	EXPECT_SIZE(shared_vm.parent_small, SMALL);
	EXPECT_SIZE(shared_vm.parent_large, LARGE64K);
	ASSERT_NE(NULL, shared_vm.kept);
	EXPECT_SIZE(shared_vm.kept, LARGE);
	EXPECT_EQ(-1, nab_check(shared_vm.kept, 0, LARGE, 74));

	/* and the session works on */
	own_buffers_work(_metadata);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(shared_vm.kept));
	EXPECT_STATS_BASELINE(&before);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(shared_vm.parent_small));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(shared_vm.parent_large));
	EXPECT_EQ(SIGBUS, nab_probe(shared_vm.parent_large, false));
}

TEST_F(iso, vfork_child)
{
	shared_vm_check(_metadata, true);
}

TEST_F(iso, clone_vm_child)
{
	shared_vm_check(_metadata, false);
}

/*
 * exec(2) keeps a descriptor opened without O_CLOEXEC (the library's
 * has it; a raw open does not) but replaces the mm: the new image is
 * not the session's owner. Its ioctls and mmap fail with EPERM, the old
 * image's addresses are not mapped, and its own session works. The
 * session, with the buffers of the old image, ends with the process.
 */
#define EXEC_ENV_FD	"NAB_ISO_EXEC_FD"
#define EXEC_ENV_ADDR	"NAB_ISO_EXEC_ADDR"
#define EXEC_ENV_SIZE	"NAB_ISO_EXEC_SIZE"

/* The new image: the number of checks that failed, as its status. */
static int exec_image(int fd, void *addr, size_t arena_size)
{
	struct netapibuf_info info;
	struct nab_session own;
	int bad = 0;
	void *p;

#define EXEC_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "# exec image: %s failed (%s)\n", \
				#cond, strerror(errno));		\
			bad++;						\
		}							\
	} while (0)
	EXEC_CHECK(fcntl(fd, F_GETFD) == 0);
	errno = 0;
	EXEC_CHECK(_test_ioctl_info(fd, 0, &info) && errno == EPERM);
	EXEC_CHECK(_test_ioctl_alloc(fd, 64, 0, 0, &p) && errno == EPERM);
	EXEC_CHECK(_test_ioctl_alloc(fd, LARGE64K, 0, 0, &p) &&
		   errno == EPERM);
	EXEC_CHECK(_test_ioctl_size(fd, addr, 0, 0, NULL) && errno == EPERM);
	EXEC_CHECK(_test_ioctl_free(fd, addr, 0, 0) && errno == EPERM);
	EXEC_CHECK(_test_ioctl_realloc(fd, addr, 8, 0, 0, NULL) &&
		   errno == EPERM);
	EXEC_CHECK(mmap(NULL, arena_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			fd, 0) == MAP_FAILED && errno == EPERM);
	EXEC_CHECK(nab_probe(addr, false) == SIGSEGV);
	EXEC_CHECK(nab_session_open(&own, true) == 0);
	if (own.fd >= 0) {
		EXEC_CHECK(_test_ioctl_alloc(own.fd, LARGE64K, 0, 0, &p) == 0);
		EXEC_CHECK(_test_ioctl_free(own.fd, p, 0, 0) == 0);
		nab_session_close(&own);
	}
#undef EXEC_CHECK
	return bad;
}

static void __attribute__((constructor)) exec_image_main(void)
{
	const char *fd = getenv(EXEC_ENV_FD);

	if (!fd)
		return;
	_exit(exec_image(atoi(fd),
			 (void *)(uintptr_t)strtoull(getenv(EXEC_ENV_ADDR),
						     NULL, 0),
			 strtoull(getenv(EXEC_ENV_SIZE), NULL, 0)));
}

TEST_F(iso, exec_inherited_fd)
{
	struct nab_stats before;
	LPVOID lib;
	int fd;

	/* The library's own descriptor does not survive an exec. */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferAllocate(SMALL, &lib));
	fd = nab_lib_fd(-1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(lib));
	ASSERT_STATS(&before);

	IN_CHILD({
		struct netapibuf_info info;
		char num[32], addr[32], size[32];
		void *arena, *small, *large;

		fd = open(NAB_DEVICE, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, _test_ioctl_info(fd, 0, &info));
		arena = mmap(NULL, info.arena_size, PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, arena);
		ASSERT_EQ(0, _test_ioctl_alloc(fd, SMALL, 0, 0, &small));
		ASSERT_EQ(0, _test_ioctl_alloc(fd, LARGE64K, 0, 0, &large));
		nab_fill(small, 0, SMALL, 80);
		nab_fill(large, 0, LARGE64K, 81);
		snprintf(num, sizeof(num), "%d", fd);
		snprintf(addr, sizeof(addr), "%#llx",
			 (unsigned long long)(uintptr_t)large);
		snprintf(size, sizeof(size), "%llu",
			 (unsigned long long)info.arena_size);
		setenv(EXEC_ENV_FD, num, 1);
		setenv(EXEC_ENV_ADDR, addr, 1);
		setenv(EXEC_ENV_SIZE, size, 1);
		fflush(stderr);
		execl("/proc/self/exe", "isolation", (char *)NULL);
		TH_LOG("exec: %m");
		ASSERT_TRUE(false);
	});
	EXPECT_STATS_BASELINE(&before);
}

TEST_HARNESS_MAIN
