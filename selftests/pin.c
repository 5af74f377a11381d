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

/*
 * What a debugger sees of a short arena (NETAPIBUF_ARENA_MIN_SIZE) that
 * holds every kind of object - small buffers, large ones with freed
 * holes between them, delegated chunks and the counter page, a buffer
 * grown to the arena's last page - is exactly what the process sees
 * through its own mapping: page by page over the whole arena,
 * /proc/self/mem reads a page where a touch reads it (the same bytes)
 * and EIO where a touch raises SIGBUS (the guard, free space). One read
 * from the guard is EIO; one across many buffers stops at the first page
 * the process could not touch; one across the arena's end stops there.
 * An arena made read-only refuses writes (EIO) and keeps its bytes.
 */
FIXTURE(short_arena) {
	int unused;
};

FIXTURE_SETUP(short_arena)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(short_arena)
{
}

TEST_F(short_arena, proc_mem)
{
	const size_t page = NAB_PAGE_SIZE, len = NETAPIBUF_ARENA_MIN_SIZE;
	size_t npages = len / page, i, mapped = 0, refused = 0, first_hole;
	struct netapibuf_chunks ch = { .count = 4 };
	unsigned char *a, *out, *buf;
	struct nab_session s;
	void *p, *big[8], *tail = NULL;
	ssize_t n;
	int fd, ret;

	NAB_REQUIRE_DEVICE();
	ret = nab_session_open(&s, false);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	if (s.info.arena_size < len)
		SKIP(return, "arena shorter than %zu", len);
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
	ASSERT_NE(MAP_FAILED, a) TH_LOG("mmap: %m");
	s.arena = a;
	s.info.arena_size = len;

	for (i = 0; i < 40; i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, 100 + 37 * i, 0, 0, &p));
		nab_fill(p, 0, 100 + 37 * i, 0x60 + i);
	}
	for (i = 0; i < ARRAY_SIZE(big); i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, (i + 1) * 3 * page, 0, 0,
					       &big[i]));
		nab_fill(big[i], 0, (i + 1) * 3 * page, 0x70 + i);
	}
	for (i = 1; i < ARRAY_SIZE(big); i += 2)
		ASSERT_EQ(0, _test_ioctl_free(s.fd, big[i], 0, 0));
	if (nab_chunks_offered()) {
		ASSERT_EQ(0, ioctl(s.fd, NETAPIBUF_IOC_CHUNKS_GET, &ch))
			TH_LOG("CHUNKS_GET: %m");
		for (i = 0; i < ch.count; i++)
			nab_fill((void *)(uintptr_t)ch.addrs[i], 0, page,
				 0x80 + i);
	}
	/* Fill the arena with 4 MiB buffers; then a 1-page one at its end. */
	while (!_test_ioctl_alloc(s.fd, 4 << 20, 0, 0, &p))
		;
	ASSERT_EQ(ENOSPC, errno);
	while (!_test_ioctl_alloc(s.fd, page, 0, 0, &p))
		if ((unsigned char *)p == a + len - page)
			tail = p;
	EXPECT_NE(NULL, tail) TH_LOG("no buffer at the arena's last page");
	/* And a hole in the middle. */
	ASSERT_EQ(0, _test_ioctl_free(s.fd, big[2], 0, 0));

	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("/proc/self/mem: %m");
	out = malloc(page);
	ASSERT_NE(NULL, out);
	first_hole = npages;
	for (i = 0; i < npages; i++) {
		int sig = nab_probe(a + i * page, false);

		errno = 0;
		n = pread(fd, out, page, (off_t)(uintptr_t)(a + i * page));
		if (sig) {
			refused++;
			EXPECT_EQ(SIGBUS, sig);
			EXPECT_EQ(-1, n) TH_LOG("page %zu: %zd bytes, SIGBUS", i, n);
			EXPECT_EQ(EIO, errno);
			if (i >= 16 && first_hole == npages)
				first_hole = i;
		} else {
			mapped++;
			EXPECT_EQ((ssize_t)page, n) TH_LOG("page %zu: %m", i);
			EXPECT_EQ(0, memcmp(out, a + i * page, page))
				TH_LOG("page %zu differs", i);
		}
		if (!_metadata->passed)
			break;
	}
	TH_LOG("%zu pages: %zu read, %zu EIO", npages, mapped, refused);
	EXPECT_LT(0UL, refused);

	/* From the guard: EIO at once. */
	errno = 0;
	EXPECT_EQ(-1, pread(fd, out, page, (off_t)(uintptr_t)a));
	EXPECT_EQ(EIO, errno);
	/* Across many buffers: up to the first page the process cannot touch. */
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	n = pread(fd, buf, len - 16 * page, (off_t)(uintptr_t)(a + 16 * page));
	EXPECT_EQ((ssize_t)((first_hole - 16) * page), n) TH_LOG("%m");
	if (n > 0)
		EXPECT_EQ(0, memcmp(buf, a + 16 * page, n));
	/* Across the end of the arena: its last page, no further. */
	if (tail) {
		n = pread(fd, buf, 2 * page, (off_t)(uintptr_t)tail);
		EXPECT_LE((ssize_t)page, n);
		EXPECT_EQ(0, memcmp(buf, tail, page));
	}
	/* Read-only: the debugger cannot write either. */
	memcpy(out, big[0], page);
	ASSERT_EQ(0, mprotect(a, len, PROT_READ));
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, buf, 64, (off_t)(uintptr_t)big[0]));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, memcmp(out, big[0], page));
	ASSERT_EQ(0, mprotect(a, len, PROT_READ | PROT_WRITE));
	free(buf);
	free(out);
	close(fd);
	nab_session_close(&s);
}

/* What a child that churns its short arena publishes to its tracer. */
struct teardown_race {
	void *_Atomic addr;	/* a live buffer of the child's, or NULL */
	atomic_uint rounds;
	atomic_bool go;
};

#define TD_BYTE		0xa5
#define TD_SIZE		(1u << 20)

/*
 * The child: a 64 MiB arena; round after round it grows its buffer (in
 * place or moved past a blocker), MADV_DONTNEEDs the whole arena, frees
 * and allocates it again, every byte TD_BYTE; half-way it closes its
 * descriptor (the arena stays mapped), and at the end it exits with the
 * arena mapped, all while the parent reads and writes it.
 */
static void teardown_child(struct teardown_race *r, unsigned int rounds)
{
	const size_t page = NAB_PAGE_SIZE, len = NETAPIBUF_ARENA_MIN_SIZE;
	size_t size = TD_SIZE;
	void *buf, *blocker, *n;
	unsigned char *a;
	unsigned int i;
	int fd;

	fd = open(NAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(10);
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED)
		_exit(11);
	if (_test_ioctl_alloc(fd, size, 0, 0, &buf))
		_exit(12);
	memset(buf, TD_BYTE, size);
	atomic_store(&r->addr, buf);
	while (!atomic_load(&r->go))
		;
	for (i = 0; i < rounds; i++) {
		atomic_store(&r->rounds, i);
		switch (i % 4) {
		case 0:	/* grow, moved when the blocker is in the way */
			if (_test_ioctl_alloc(fd, page, 0, 0, &blocker))
				_exit(13);
			memset(blocker, TD_BYTE, page);
			if (_test_ioctl_realloc(fd, buf, size + 3 * page, 0, 0,
						&n))
				_exit(14);
			memset((char *)n + size, TD_BYTE, 3 * page);
			size += 3 * page;
			atomic_store(&r->addr, n);
			buf = n;
			if (_test_ioctl_free(fd, blocker, 0, 0))
				_exit(15);
			break;
		case 1:
			madvise(a, len, MADV_DONTNEED);
			break;
		case 2:	/* free and allocate again */
			atomic_store(&r->addr, NULL);
			if (_test_ioctl_free(fd, buf, 0, 0))
				_exit(16);
			size = TD_SIZE;
			if (_test_ioctl_alloc(fd, size, 0, 0, &buf))
				_exit(17);
			memset(buf, TD_BYTE, size);
			atomic_store(&r->addr, buf);
			break;
		case 3:
			sched_yield();
			break;
		}
		if (i == rounds / 2) {
			/* The arena outlives the descriptor. */
			close(fd);
			for (i++; i < rounds; i++) {
				atomic_store(&r->rounds, i);
				madvise(a, len, MADV_DONTNEED);
				memset(buf, TD_BYTE, size);
			}
			break;
		}
	}
	_exit(0);
}

/*
 * A debugger's /proc/PID/mem reads and writes of a buffer in another
 * process's short arena, racing that process's REALLOC (grown in place
 * and moved), Free, MADV_DONTNEED of the whole arena, close of its
 * descriptor while the arena is mapped, and its exit: each read gets
 * whole pages of the buffer (every byte TD_BYTE, or zero where the
 * child has not written yet), EIO at a freed address, or nothing once
 * the process is gone; writes put back TD_BYTE and nothing else. The
 * kernel log stays clean (KASAN, lockdep on the debug kernel).
 */
TEST_F_TIMEOUT(short_arena, proc_mem_racing_teardown, 600)
{
	unsigned long reads = 0, eio = 0, cut = 0, gone = 0, writes = 0;
	const unsigned int children = 12, rounds = 400;
	const size_t page = NAB_PAGE_SIZE;
	struct teardown_race *r;
	unsigned char *out, *in;
	unsigned int c;
	size_t j;

	NAB_REQUIRE_DEVICE();
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	out = malloc(TD_SIZE);
	in = malloc(TD_SIZE);
	ASSERT_TRUE(out && in);
	memset(in, TD_BYTE, TD_SIZE);
	for (c = 0; c < children && _metadata->passed; c++) {
		char path[64];
		int fd, status;
		bool dead = false;
		pid_t pid;

		memset(r, 0, sizeof(*r));
		fflush(stderr);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			teardown_child(r, rounds);
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %m", path);
		while (!atomic_load(&r->addr) && !dead)
			dead = waitpid(pid, &status, WNOHANG) == pid;
		atomic_store(&r->go, true);
		while (!dead) {
			void *p = atomic_load(&r->addr);
			ssize_t n;

			dead = waitpid(pid, &status, WNOHANG) == pid;
			if (!p)
				continue;
			n = pread(fd, out, TD_SIZE, (off_t)(uintptr_t)p);
			reads++;
			if (n == 0) {
				gone++;
				continue;
			}
			if (n < 0) {
				EXPECT_TRUE(errno == EIO) TH_LOG("read: %m");
				eio++;
			} else {
				EXPECT_EQ(0, n % (ssize_t)page);
				if (n != TD_SIZE)
					cut++;
				for (j = 0; j < (size_t)n; j++)
					if (out[j] != TD_BYTE && out[j])
						break;
				EXPECT_EQ((size_t)n, j)
					TH_LOG("byte %zu of a read: %#x", j,
					       out[j]);
			}
			if (reads % 4 == 0) {
				n = pwrite(fd, in, TD_SIZE,
					   (off_t)(uintptr_t)p);
				writes++;
				EXPECT_TRUE(n >= 0 || errno == EIO)
					TH_LOG("write: %m");
			}
			if (!_metadata->passed)
				break;
		}
		if (!dead)
			waitpid(pid, &status, 0);
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("child %u: status %#x", c, status);
		/* After the exit: nothing to read. */
		EXPECT_GE(0, pread(fd, out, page,
				   (off_t)(uintptr_t)atomic_load(&r->addr)));
		close(fd);
	}
	TH_LOG("%u children: %lu reads (%lu EIO, %lu cut, %lu after exit), %lu writes",
	       c, reads, eio, cut, gone, writes);
	free(in);
	free(out);
	munmap(r, sizeof(*r));
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
