// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing outside the module can pin or hold a buffer's pages.
 *
 * The arena maps buffers with PFN entries (special page table entries
 * holding no page reference), which get_user_pages() refuses in all its
 * forms: GUP-fast, which VM_IO does not stop (vmsplice(2), O_DIRECT), and
 * the slow path (io_uring's registered buffers, FOLL_LONGTERM;
 * process_vm_readv(2)). Each of them is tried on a buffer whose every
 * page is mapped (touched first: GUP-fast only sees present entries) and
 * must fail with EFAULT, move no byte in either direction and leave the
 * counters as they were. Each is tried on ordinary memory too, so a
 * failure is the arena's doing. /proc/PID/mem (and ptrace(2), selftest
 * isolation), which debuggers use, copy through the module instead and
 * hold nothing.
 *
 * If a pin does get through (as it did with refcounted entries, where
 * vmsplice() took the pages through GUP-fast), the buffer is freed and
 * the pipe must still not return its bytes.
 *
 * O_DIRECT needs a block device: brd.ko (a RAM disk) from ./ or ../, as
 * tools/vmrun copies it from Debian's kernels. The debug and mainline
 * kernels have no block layer; there the O_DIRECT tests skip and say so.
 *
 * Ordinary copies - write(2) from a buffer, read(2) into one that was
 * never touched, so that the kernel's copy faults the pages in - work.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "netapibuf_test.h"

#define PIN_RAM_DEV	"/dev/ram0"
#define PIN_BRD_KO	"brd.ko"
/* The RAM disk: 4 MiB, enough for the largest variant. */
#define PIN_BRD_KIB	4096

FIXTURE(pin) {
	struct nab_session s;
	struct nab_stats base;
	void *buf;		/* the variant's buffer, filled, every page mapped */
	void *plain;		/* ordinary memory of the same size, page-aligned */
	size_t size;
};

FIXTURE_VARIANT(pin) {
	size_t size;
};

/* Slots of small buffers (512 B and 2 KiB, so aligned for O_DIRECT) and
 * large buffers: one page, 16 (more than a fault maps ahead), 256.
 */
FIXTURE_VARIANT_ADD(pin, small_512) { .size = 512 };
FIXTURE_VARIANT_ADD(pin, small_2k) { .size = 2048 };
FIXTURE_VARIANT_ADD(pin, page) { .size = 4096 };
FIXTURE_VARIANT_ADD(pin, large_64k) { .size = 64 << 10 };
FIXTURE_VARIANT_ADD(pin, large_1m) { .size = 1 << 20 };

#define SEED	0x3c

FIXTURE_SETUP(pin)
{
	int ret;

	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
	self->size = variant->size;
	ret = nab_session_open(&self->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0,
				       &self->buf));
	ASSERT_TRUE(nab_in_arena(&self->s, self->buf, self->size));
	/* Writing every byte maps every page of the buffer. */
	nab_fill(self->buf, 0, self->size, SEED);
	ASSERT_EQ(0, posix_memalign(&self->plain, NAB_PAGE_SIZE, self->size));
	nab_fill(self->plain, 0, self->size, SEED + 1);
}

FIXTURE_TEARDOWN(pin)
{
	free(self->plain);
	nab_session_close(&self->s);
	EXPECT_STATS_BASELINE(&self->base);
}

/* The buffer still holds its pattern: nothing was written into it. */
#define EXPECT_BUF_INTACT()						\
	EXPECT_EQ(-1, nab_check(self->buf, 0, self->size, SEED))	\
		TH_LOG("buffer changed at byte %ld",			\
		       nab_check(self->buf, 0, self->size, SEED))

static size_t pipe_bytes(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? (size_t)-1 : (size_t)n;
}

/* A non-blocking pipe that holds @size bytes at least. */
static bool pipe_for(int p[2], size_t size)
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return false;
	if (size > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)size) < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	return true;
}

/*
 * vmsplice(2) takes user pages into a pipe by GUP-fast: refused. Were it
 * not, the pipe would go on holding the pages after Free: the test frees
 * the buffer, lets its pages be reused, and checks what the pipe returns.
 */
TEST_F(pin, vmsplice)
{
	struct iovec iov = { .iov_base = self->buf, .iov_len = self->size };
	struct nab_stats before;
	unsigned char *out;
	ssize_t n, got;
	int p[2];

	ASSERT_TRUE(pipe_for(p, self->size)) TH_LOG("pipe: %m");

	/* Ordinary memory goes in whole: vmsplice works here. */
	iov.iov_base = self->plain;
	n = vmsplice(p[1], &iov, 1, 0);
	ASSERT_EQ((ssize_t)self->size, n) TH_LOG("vmsplice of malloc memory: %m");
	out = malloc(self->size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(n, read(p[0], out, self->size));

	ASSERT_STATS(&before);
	iov.iov_base = self->buf;
	errno = 0;
	n = vmsplice(p[1], &iov, 1, 0);
	EXPECT_EQ(-1, n) TH_LOG("vmsplice of a buffer took %zd bytes", n);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0UL, pipe_bytes(p[0]));
	EXPECT_BUF_INTACT();
	EXPECT_NOTHING_ALLOCATED(&before);

	/* Free it, take its pages again: the pipe must not show them. */
	ASSERT_EQ(0, _test_ioctl_free(self->s.fd, self->buf, 0, 0));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0,
				       &self->buf));
	memset(self->buf, 0, self->size);
	got = read(p[0], out, self->size);
	if (got > 0)
		EXPECT_NE(-1, nab_check(out, 0, got, SEED))
			TH_LOG("the pipe returned %zd bytes of a freed buffer",
			       got);
	EXPECT_GE(0, got);
	free(out);
	close(p[0]);
	close(p[1]);
}

/*
 * An iovec of ordinary memory, then the buffer: the first goes in, the
 * second does not, and nothing of the buffer reaches the pipe.
 */
TEST_F(pin, vmsplice_after_plain)
{
	struct iovec iov[2] = {
		{ .iov_base = self->plain, .iov_len = 256 },
		{ .iov_base = self->buf, .iov_len = self->size },
	};
	unsigned char out[256];
	ssize_t n;
	int p[2];

	ASSERT_TRUE(pipe_for(p, self->size)) TH_LOG("pipe: %m");
	n = vmsplice(p[1], iov, 2, 0);
	EXPECT_EQ(256, n) TH_LOG("vmsplice: %zd (%m)", n);
	EXPECT_EQ(256UL, pipe_bytes(p[0]));
	ASSERT_EQ(256, read(p[0], out, sizeof(out)));
	EXPECT_EQ(-1, nab_check(out, 0, sizeof(out), SEED + 1));
	EXPECT_EQ(0UL, pipe_bytes(p[0]));
	EXPECT_BUF_INTACT();
	close(p[0]);
	close(p[1]);
}

/* Ordinary copies in and out of buffers work, the copy faulting pages in. */
TEST_F(pin, read_write_copy)
{
	void *fresh;
	int p[2];

	ASSERT_TRUE(pipe_for(p, self->size)) TH_LOG("pipe: %m");
	ASSERT_EQ((ssize_t)self->size, write(p[1], self->buf, self->size));
	/* A second buffer, never touched: read(2) maps its pages. */
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0, &fresh));
	ASSERT_EQ((ssize_t)self->size, read(p[0], fresh, self->size));
	EXPECT_EQ(-1, nab_check(fresh, 0, self->size, SEED));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, fresh, 0, 0));
	close(p[0]);
	close(p[1]);
}

static int io_uring_setup_raw(unsigned int entries)
{
	struct io_uring_params params = {};

	return syscall(__NR_io_uring_setup, entries, &params);
}

/* io_uring's registered buffers are FOLL_LONGTERM pins: refused. */
TEST_F(pin, io_uring_register_buffers)
{
	struct iovec iov = { .iov_base = self->plain, .iov_len = self->size };
	struct nab_stats before;
	int ring;

	ring = io_uring_setup_raw(4);
	if (ring < 0)
		SKIP(return, "io_uring_setup: %m");
	ASSERT_EQ(0, syscall(__NR_io_uring_register, ring,
			     IORING_REGISTER_BUFFERS, &iov, 1))
		TH_LOG("registering malloc memory: %m");
	ASSERT_EQ(0, syscall(__NR_io_uring_register, ring,
			     IORING_UNREGISTER_BUFFERS, NULL, 0));

	ASSERT_STATS(&before);
	iov.iov_base = self->buf;
	EXPECT_ERRNO(EFAULT, syscall(__NR_io_uring_register, ring,
				     IORING_REGISTER_BUFFERS, &iov, 1));
	EXPECT_NOTHING_ALLOCATED(&before);
	close(ring);
}

/*
 * /proc/self/mem, as a debugger reads and writes memory: the arena's PFN
 * entries refuse get_user_pages_remote(), and the module's ->access()
 * copies instead. The whole buffer reads back as it is and is written
 * over, with no reference taken (the counters move by nothing, and the
 * teardown's baseline shows every page freed); a freed large buffer is
 * EIO, as it is SIGBUS for the process (a freed slot's page stays the
 * session's: the process and the debugger still reach it).
 */
TEST_F(pin, proc_self_mem)
{
	off_t at = (off_t)(uintptr_t)self->buf;
	struct nab_stats before;
	unsigned char *out;
	void *freed;
	int fd;

	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("/proc/self/mem: %m");
	out = malloc(self->size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ((ssize_t)self->size,
		  pread(fd, out, self->size, (off_t)(uintptr_t)self->plain))
		TH_LOG("reading malloc memory: %m");

	ASSERT_STATS(&before);
	EXPECT_EQ((ssize_t)self->size, pread(fd, out, self->size, at))
		TH_LOG("reading the buffer: %m");
	EXPECT_EQ(-1, nab_check(out, 0, self->size, SEED));
	EXPECT_EQ((ssize_t)self->size, pwrite(fd, self->plain, self->size, at))
		TH_LOG("writing the buffer: %m");
	EXPECT_EQ(-1, nab_check(self->buf, 0, self->size, SEED + 1));
	EXPECT_EQ((ssize_t)self->size, pwrite(fd, out, self->size, at));
	EXPECT_BUF_INTACT();
	EXPECT_STATS_UNCHANGED(&before);

	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0, &freed));
	nab_fill(freed, 0, self->size, SEED + 2);
	ASSERT_EQ(0, _test_ioctl_free(self->s.fd, freed, 0, 0));
	if (self->size < NAB_PAGE_SIZE) {
		/* A freed slot's page is still the session's, as for it. */
		EXPECT_EQ((ssize_t)self->size,
			  pread(fd, out, self->size, (off_t)(uintptr_t)freed));
		goto out;
	}
	errno = 0;
	EXPECT_EQ(-1, pread(fd, out, self->size, (off_t)(uintptr_t)freed));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, self->plain, self->size,
			     (off_t)(uintptr_t)freed));
	EXPECT_EQ(EIO, errno);
out:
	EXPECT_BUF_INTACT();
	free(out);
	close(fd);
}

/* A thread that allocates, fills and frees a buffer, round after round. */
struct churn {
	int fd;
	size_t size;
	unsigned int rounds;
	void *_Atomic addr;	/* the live buffer, or NULL */
	atomic_bool done;
	int err;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	unsigned int i;
	void *p;

	for (i = 0; i < c->rounds && !c->err; i++) {
		if (_test_ioctl_alloc(c->fd, c->size, 0, 0, &p)) {
			c->err = errno;
			break;
		}
		nab_fill(p, 0, c->size, SEED + 3);
		atomic_store(&c->addr, p);
		sched_yield();
		if (_test_ioctl_free(c->fd, p, 0, 0))
			c->err = errno;
	}
	atomic_store(&c->done, true);
	return NULL;
}

/*
 * The debugger's copy racing Free: /proc/self/mem reads of a buffer that
 * another thread frees and allocates again. Each read gets the whole
 * buffer or, for a large one freed under it, EIO (freed before its first
 * page) or the whole pages copied before the Free (the session lock is
 * taken a page at a time); nothing else, nothing leaks (the teardown's
 * baseline), and the kernel log stays clean.
 */
TEST_F_TIMEOUT(pin, proc_self_mem_racing_free, 120)
{
	struct churn c = { .fd = self->s.fd, .size = self->size,
			   .rounds = 500 };
	unsigned long reads = 0, eio = 0, cut = 0;
	unsigned char *out;
	pthread_t t;
	void *p;
	int fd;

	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("/proc/self/mem: %m");
	out = malloc(self->size);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_main, &c));
	while (!atomic_load(&c.done)) {
		ssize_t n;

		p = atomic_load(&c.addr);
		if (!p)
			continue;
		n = pread(fd, out, self->size, (off_t)(uintptr_t)p);
		reads++;
		if (n == (ssize_t)self->size)
			continue;
		/* Freed before the first page, or between two. */
		if (self->size >= NAB_PAGE_SIZE &&
		    ((n < 0 && errno == EIO) ||
		     (n > 0 && n % NAB_PAGE_SIZE == 0))) {
			n < 0 ? eio++ : cut++;
			continue;
		}
		EXPECT_EQ((ssize_t)self->size, n) TH_LOG("read %lu: %m", reads);
		break;
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, c.err) TH_LOG("the allocating thread: %s",
				   strerror(c.err));
	TH_LOG("%lu reads: %lu EIO, %lu cut short at a page", reads, eio, cut);
	EXPECT_BUF_INTACT();
	free(out);
	close(fd);
}

/* process_vm_readv/writev pin the remote side: refused, even for self. */
TEST_F(pin, process_vm)
{
	struct iovec local = { .iov_base = self->plain, .iov_len = self->size };
	struct iovec remote = { .iov_base = self->buf, .iov_len = self->size };
	unsigned char *out;
	ssize_t n;

	out = malloc(self->size);
	ASSERT_NE(NULL, out);
	remote.iov_base = self->plain;
	local.iov_base = out;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS) {
		free(out);
		SKIP(return, "no process_vm_readv (CONFIG_CROSS_MEMORY_ATTACH)");
	}
	ASSERT_EQ((ssize_t)self->size, n)
		TH_LOG("process_vm_readv of malloc memory: %m");

	remote.iov_base = self->buf;
	EXPECT_ERRNO(EFAULT, process_vm_readv(getpid(), &local, 1,
					      &remote, 1, 0) < 0 ? -1 : 0);
	local.iov_base = self->plain;
	EXPECT_ERRNO(EFAULT, process_vm_writev(getpid(), &local, 1,
					       &remote, 1, 0) < 0 ? -1 : 0);
	EXPECT_BUF_INTACT();
	free(out);
}

/* ---- O_DIRECT on a RAM disk ------------------------------------------ */

/*
 * /dev/ram0 opened with O_DIRECT, brd.ko loaded if need be; -1 and a
 * reason in @why if there is no such device here.
 */
static int ram_disk_open(char *why, size_t len)
{
	static const char *const paths[] = { "./" PIN_BRD_KO, "../" PIN_BRD_KO };
	const char *ko;
	char cmd[512];
	int fd;

	if (access(PIN_RAM_DEV, F_OK)) {
		ko = nab_find_file("NETAPIBUF_BRD_KO", paths, ARRAY_SIZE(paths));
		if (!ko) {
			snprintf(why, len, "no " PIN_RAM_DEV " and no " PIN_BRD_KO
				 " (this kernel has no block layer, or brd is not a module)");
			return -1;
		}
		snprintf(cmd, sizeof(cmd),
			 "insmod %s rd_nr=1 rd_size=%d max_part=0", ko, PIN_BRD_KIB);
		if (nab_run(cmd)) {
			snprintf(why, len, "insmod %.200s failed", ko);
			return -1;
		}
	}
	fd = open(PIN_RAM_DEV, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		snprintf(why, len, PIN_RAM_DEV ": %s", strerror(errno));
	return fd;
}

/*
 * O_DIRECT pins the user pages for the device's DMA (GUP-fast): a read
 * into a buffer and a write from one both fail, and neither the buffer
 * nor the disk changes. Ordinary memory does the same I/O first.
 */
TEST_F(pin, o_direct)
{
	struct nab_stats before;
	unsigned char *out;
	char why[256];
	int fd;

	fd = ram_disk_open(why, sizeof(why));
	if (fd < 0)
		SKIP(return, "O_DIRECT not tested: %s", why);

	/* The disk holds the plain pattern, written and read back directly. */
	ASSERT_EQ((ssize_t)self->size, pwrite(fd, self->plain, self->size, 0))
		TH_LOG("O_DIRECT write of malloc memory: %m");
	ASSERT_EQ(0, posix_memalign((void **)&out, NAB_PAGE_SIZE, self->size));
	ASSERT_EQ((ssize_t)self->size, pread(fd, out, self->size, 0))
		TH_LOG("O_DIRECT read into malloc memory: %m");
	ASSERT_EQ(-1, nab_check(out, 0, self->size, SEED + 1));

	ASSERT_STATS(&before);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, self->buf, self->size, 0))
		TH_LOG("O_DIRECT read into a buffer worked");
	EXPECT_EQ(EFAULT, errno);
	EXPECT_BUF_INTACT();

	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, self->buf, self->size, 0))
		TH_LOG("O_DIRECT write from a buffer worked");
	EXPECT_EQ(EFAULT, errno);
	memset(out, 0, self->size);
	ASSERT_EQ((ssize_t)self->size, pread(fd, out, self->size, 0));
	EXPECT_EQ(-1, nab_check(out, 0, self->size, SEED + 1))
		TH_LOG("the disk changed");
	EXPECT_NOTHING_ALLOCATED(&before);

	free(out);
	close(fd);
}

TEST_HARNESS_MAIN
