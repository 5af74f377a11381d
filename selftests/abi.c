// SPDX-License-Identifier: GPL-2.0
/*
 * The netapibuf ioctl ABI, spoken raw: struct sizes, flags and reserved
 * fields, command numbers, bad pointers, INFO, the arena mapping
 * (ENXIO, EBUSY, EINVAL, mremap), addresses, zeroing and unmapping of
 * freed buffers, large buffers mapped at allocation (and only in the
 * arena), page frames kept by REALLOC, the limits (EDQUOT) and a
 * full arena (ENOSPC), and the memory-management calls a process
 * can make on its arena (userfaultfd, madvise, mseal).
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "netapibuf_test.h"

/* The raw wrappers (_test_ioctl_x) live in netapibuf_test.h. */
#define test_ioctl_info(info) \
	ASSERT_EQ(0, _test_ioctl_info(self->s.fd, 0, info))
#define test_err_ioctl_info(_errno, flags) \
	EXPECT_ERRNO(_errno, _test_ioctl_info(self->s.fd, flags, NULL))
#define test_ioctl_alloc(size, addr) \
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, size, 0, 0, addr))
#define test_err_ioctl_alloc(_errno, size, flags, reserved) \
	EXPECT_ERRNO(_errno, \
		     _test_ioctl_alloc(self->s.fd, size, flags, reserved, NULL))
#define test_ioctl_free(addr) \
	ASSERT_EQ(0, _test_ioctl_free(self->s.fd, addr, 0, 0))
#define test_err_ioctl_free(_errno, addr, flags, reserved) \
	EXPECT_ERRNO(_errno, _test_ioctl_free(self->s.fd, addr, flags, reserved))
#define test_ioctl_realloc(addr, size, new_addr) \
	ASSERT_EQ(0, _test_ioctl_realloc(self->s.fd, addr, size, 0, 0, new_addr))
#define test_err_ioctl_realloc(_errno, addr, size, flags, reserved) \
	EXPECT_ERRNO(_errno, _test_ioctl_realloc(self->s.fd, addr, size, \
						 flags, reserved, NULL))
#define test_ioctl_size(addr, size) \
	ASSERT_EQ(0, _test_ioctl_size(self->s.fd, addr, 0, 0, size))
#define test_err_ioctl_size(_errno, addr, flags, reserved) \
	EXPECT_ERRNO(_errno, _test_ioctl_size(self->s.fd, addr, flags, \
					      reserved, NULL))

/* The buffer at @addr is live with @size bytes. */
#define EXPECT_LIVE(addr, size)						\
	do {								\
		__u64 __sz = ~0ULL;					\
		EXPECT_EQ(0, _test_ioctl_size(self->s.fd, addr, 0, 0,	\
					      &__sz));			\
		EXPECT_EQ((__u64)(size), __sz);				\
	} while (0)

static const size_t sizes[] = {
	0, 1, 15, 16, 17, 100, 2048, 2049, 4095, 4096, 4097, 65536,
	(1 << 20) + 3,
};

/* ---- the five commands, by number, direction and first-version size -- */

static const unsigned long cmds[] = {
	NETAPIBUF_IOC_INFO, NETAPIBUF_IOC_ALLOC, NETAPIBUF_IOC_FREE,
	NETAPIBUF_IOC_REALLOC, NETAPIBUF_IOC_SIZE,
};

static const char *cmd_name(unsigned long cmd)
{
	switch (cmd) {
	case NETAPIBUF_IOC_INFO: return "INFO";
	case NETAPIBUF_IOC_ALLOC: return "ALLOC";
	case NETAPIBUF_IOC_FREE: return "FREE";
	case NETAPIBUF_IOC_REALLOC: return "REALLOC";
	case NETAPIBUF_IOC_SIZE: return "SIZE";
	}
	return "?";
}

/* Room for the largest struct size a command number can carry. */
#define ARG_MAX (_IOC_SIZEMASK + 1)

/*
 * Writes a valid struct for @cmd at @arg, at most @avail bytes of it
 * (the caller zeroed @arg and set any tail); commands that need a buffer
 * get a new 64-byte one, filled, returned in *live.
 */
static void cmd_prepare(struct __test_metadata *_metadata, int fd,
			unsigned long cmd, void *arg, size_t avail,
			void **live)
{
	union {
		struct netapibuf_info info;
		struct netapibuf_alloc alloc;
		struct netapibuf_free free;
		struct netapibuf_realloc realloc;
		struct netapibuf_size size;
	} u;
	size_t len = _IOC_SIZE(cmd);

	memset(&u, 0, sizeof(u));
	*live = NULL;
	switch (cmd) {
	case NETAPIBUF_IOC_INFO:
		break;
	case NETAPIBUF_IOC_ALLOC:
		u.alloc.size = 64;
		break;
	case NETAPIBUF_IOC_FREE:
	case NETAPIBUF_IOC_REALLOC:
	case NETAPIBUF_IOC_SIZE:
		ASSERT_EQ(0, _test_ioctl_alloc(fd, 64, 0, 0, live));
		nab_fill(*live, 0, 64, 7);
		u.free.addr = (uintptr_t)*live;
		u.realloc.addr = (uintptr_t)*live;
		u.size.addr = (uintptr_t)*live;
		if (cmd == NETAPIBUF_IOC_REALLOC)
			u.realloc.size = 128;
		break;
	}
	memcpy(arg, &u, len < avail ? len : avail);
}

/*
 * Checks the effect of @cmd: done (@ok) or not done at all, then frees
 * whatever the command or cmd_prepare() left.
 */
static void cmd_check(struct __test_metadata *_metadata, int fd,
		      unsigned long cmd, const void *arg, void *live, bool ok)
{
	const struct netapibuf_info *info = arg;
	const struct netapibuf_alloc *alloc = arg;
	const struct netapibuf_realloc *realloc_ = arg;
	const struct netapibuf_size *size = arg;
	void *addr;
	__u64 sz = 0;

	switch (cmd) {
	case NETAPIBUF_IOC_INFO:
		if (ok) {
			EXPECT_EQ((__u32)NETAPIBUF_ABI_VERSION, info->abi_version);
			EXPECT_NE(0ULL, info->arena_size);
		}
		break;
	case NETAPIBUF_IOC_ALLOC:
		if (ok) {
			addr = (void *)(uintptr_t)alloc->addr;
			ASSERT_NE(0ULL, alloc->addr);
			ASSERT_EQ(0, _test_ioctl_size(fd, addr, 0, 0, &sz));
			EXPECT_EQ(64ULL, sz);
			EXPECT_EQ(0, _test_ioctl_free(fd, addr, 0, 0));
		}
		break;
	case NETAPIBUF_IOC_FREE:
		if (ok) {
			EXPECT_ERRNO(EINVAL, _test_ioctl_size(fd, live, 0, 0,
							      NULL));
			break;
		}
		EXPECT_EQ(0, _test_ioctl_size(fd, live, 0, 0, &sz));
		EXPECT_EQ(64ULL, sz);
		EXPECT_EQ(-1, nab_check(live, 0, 64, 7));
		EXPECT_EQ(0, _test_ioctl_free(fd, live, 0, 0));
		break;
	case NETAPIBUF_IOC_REALLOC:
		if (ok) {
			addr = (void *)(uintptr_t)realloc_->new_addr;
			ASSERT_NE(0ULL, realloc_->new_addr);
			EXPECT_EQ(0, _test_ioctl_size(fd, addr, 0, 0, &sz));
			EXPECT_EQ(128ULL, sz);
			EXPECT_EQ(-1, nab_check(addr, 0, 64, 7));
			EXPECT_EQ(-1, nab_check_zero(addr, 64, 64));
			EXPECT_EQ(0, _test_ioctl_free(fd, addr, 0, 0));
			break;
		}
		EXPECT_EQ(0, _test_ioctl_size(fd, live, 0, 0, &sz));
		EXPECT_EQ(64ULL, sz);
		EXPECT_EQ(-1, nab_check(live, 0, 64, 7));
		EXPECT_EQ(0, _test_ioctl_free(fd, live, 0, 0));
		break;
	case NETAPIBUF_IOC_SIZE:
		if (ok)
			EXPECT_EQ(64ULL, size->size);
		EXPECT_EQ(-1, nab_check(live, 0, 64, 7));
		EXPECT_EQ(0, _test_ioctl_free(fd, live, 0, 0));
		break;
	}
}

/*
 * Issues @cmd with direction @dir and struct size @size on the struct at
 * @arg (of which the test may write @avail bytes) and expects
 * @expected_errno (0: success). Then checks the command took effect
 * exactly when it succeeded and that the counters are back where they
 * were.
 */
static void cmd_try_at(struct __test_metadata *_metadata, int fd,
		       unsigned long cmd, unsigned int dir, size_t size,
		       void *arg, size_t avail, int expected_errno)
{
	struct nab_stats before;
	void *live;
	int ret;

	ASSERT_STATS(&before);
	cmd_prepare(_metadata, fd, cmd, arg, avail, &live);
	ret = nab_result(nab_ioctl_raw(fd, dir, _IOC_NR(cmd), size, arg));
	EXPECT_EQ(expected_errno, ret)
		TH_LOG("%s dir %u size %zu: %s, expected %s", cmd_name(cmd),
		       dir, size, ret ? strerror(ret) : "success",
		       expected_errno ? strerror(expected_errno) : "success");
	cmd_check(_metadata, fd, cmd, arg, live, ret == 0);
	if (expected_errno && !live)
		EXPECT_NOTHING_ALLOCATED(&before);
	else
		EXPECT_STATS_UNCHANGED(&before);
}

static void cmd_try(struct __test_metadata *_metadata, int fd,
		    unsigned long cmd, unsigned int dir, size_t size,
		    void *arg, int expected_errno)
{
	cmd_try_at(_metadata, fd, cmd, dir, size, arg, ARG_MAX,
		   expected_errno);
}

/* ---- fixtures ------------------------------------------------------ */

/* A session with its arena mapped. */
FIXTURE(abi) {
	struct nab_session s;
	unsigned char *arg;
};

FIXTURE_SETUP(abi)
{
	int ret;

	self->s.fd = -1;
	NAB_REQUIRE_DEVICE();
	ret = nab_session_open(&self->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	self->arg = aligned_alloc(64, ARG_MAX);
	ASSERT_NE(NULL, self->arg);
}

FIXTURE_TEARDOWN(abi)
{
	nab_session_close(&self->s);
	free(self->arg);
}

/* A session whose arena is not mapped yet. */
FIXTURE(unmapped) {
	struct nab_session s;
};

FIXTURE_SETUP(unmapped)
{
	int ret;

	self->s.fd = -1;
	NAB_REQUIRE_DEVICE();
	ret = nab_session_open(&self->s, false);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(unmapped)
{
	nab_session_close(&self->s);
}

/* ---- struct sizes -------------------------------------------------- */

/* Sanity of the table: each command at exactly its first-version size. */
TEST_F(abi, struct_exact)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(self->arg, 0, ARG_MAX);
		cmd_try(_metadata, self->s.fd, cmds[i], _IOC_DIR(cmds[i]),
			_IOC_SIZE(cmds[i]), self->arg, 0);
	}
}

TEST_F(abi, struct_short)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		size_t v1 = _IOC_SIZE(cmds[i]);
		size_t short_sizes[] = { 0, 1, 8, v1 - 8, v1 - 4, v1 - 1 };

		for (j = 0; j < ARRAY_SIZE(short_sizes); j++) {
			memset(self->arg, 0, ARG_MAX);
			cmd_try(_metadata, self->s.fd, cmds[i],
				_IOC_DIR(cmds[i]), short_sizes[j], self->arg,
				EINVAL);
		}
	}
}

TEST_F(abi, struct_long_zero_tail)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		size_t v1 = _IOC_SIZE(cmds[i]);
		size_t long_sizes[] = {
			v1 + 1, v1 + 8, 256, 4096, 4097, _IOC_SIZEMASK,
		};

		for (j = 0; j < ARRAY_SIZE(long_sizes); j++) {
			memset(self->arg, 0, ARG_MAX);
			cmd_try(_metadata, self->s.fd, cmds[i],
				_IOC_DIR(cmds[i]), long_sizes[j], self->arg, 0);
		}
	}
}

TEST_F(abi, struct_long_nonzero_tail)
{
	size_t i, j, k;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		size_t v1 = _IOC_SIZE(cmds[i]);
		size_t long_sizes[] = { v1 + 1, v1 + 8, 4097, _IOC_SIZEMASK };

		for (j = 0; j < ARRAY_SIZE(long_sizes); j++) {
			/* the first, a middle and the last byte of the tail */
			size_t where[] = {
				v1, (v1 + long_sizes[j]) / 2, long_sizes[j] - 1,
			};

			for (k = 0; k < ARRAY_SIZE(where); k++) {
				memset(self->arg, 0, ARG_MAX);
				self->arg[where[k]] = 0x01;
				cmd_try(_metadata, self->s.fd, cmds[i],
					_IOC_DIR(cmds[i]), long_sizes[j],
					self->arg, E2BIG);
			}
		}
	}
}

/* A long struct whose (zero) tail runs into an unreadable page. */
TEST_F(abi, struct_long_unreadable_tail)
{
	size_t page = NAB_PAGE_SIZE;
	unsigned char *map;
	size_t i;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		size_t v1 = _IOC_SIZE(cmds[i]);
		void *arg = map + page - v1;	/* the struct ends at the page */

		memset(map, 0, page);
		cmd_try_at(_metadata, self->s.fd, cmds[i], _IOC_DIR(cmds[i]),
			   v1 + 8, arg, v1, EFAULT);
	}
	munmap(map, 2 * page);
}

/* ---- flags and reserved fields ------------------------------------- */

TEST_F(abi, flags_and_reserved)
{
	const __u32 bad[] = { 1u << 0, 1u << 1, 1u << 16, 1u << 31 };
	struct nab_stats before;
	void *buf;
	size_t i;

	test_ioctl_alloc(64, &buf);
	nab_fill(buf, 0, 64, 3);
	ASSERT_STATS(&before);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		test_err_ioctl_info(EINVAL, bad[i]);

		test_err_ioctl_alloc(EINVAL, 64, bad[i], 0);
		test_err_ioctl_alloc(EINVAL, 64, 0, bad[i]);

		test_err_ioctl_free(EINVAL, buf, bad[i], 0);
		test_err_ioctl_free(EINVAL, buf, 0, bad[i]);

		test_err_ioctl_realloc(EINVAL, buf, 128, bad[i], 0);
		test_err_ioctl_realloc(EINVAL, buf, 128, 0, bad[i]);
		test_err_ioctl_realloc(EINVAL, buf, 0, bad[i], 0);
		test_err_ioctl_realloc(EINVAL, NULL, 64, 0, bad[i]);

		test_err_ioctl_size(EINVAL, buf, bad[i], 0);
		test_err_ioctl_size(EINVAL, buf, 0, bad[i]);
	}

	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_LIVE(buf, 64);
	EXPECT_EQ(-1, nab_check(buf, 0, 64, 3));
	test_ioctl_free(buf);
}

/* ---- command numbers ----------------------------------------------- */

TEST_F(abi, unknown_command)
{
	unsigned int last = 0, nr;
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (_IOC_NR(cmds[i]) > last)
			last = _IOC_NR(cmds[i]);
	/* AGENT_CALL is known only where the module has agents. */
	if (self->s.info.features & NETAPIBUF_FEATURE_AGENTS &&
	    _IOC_NR(NETAPIBUF_IOC_AGENT_CALL) > last)
		last = _IOC_NR(NETAPIBUF_IOC_AGENT_CALL);
	/* CHUNKS_GET and _PUT where the module offers delegated chunks. */
	if (self->s.info.features & NETAPIBUF_FEATURE_CHUNKS &&
	    _IOC_NR(NETAPIBUF_IOC_CHUNKS_PUT) > last)
		last = _IOC_NR(NETAPIBUF_IOC_CHUNKS_PUT);

	memset(self->arg, 0, ARG_MAX);
	for (nr = last + 1; nr <= _IOC_NRMASK; nr++) {
		EXPECT_ERRNO(ENOTTY, nab_ioctl_raw(self->s.fd,
			_IOC_READ | _IOC_WRITE, nr, 64, self->arg));
		EXPECT_ERRNO(ENOTTY, nab_ioctl_raw(self->s.fd, _IOC_NONE, nr,
						   0, NULL));
	}

	/* A known number under another ioctl type. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->s.fd,
		_IOC(_IOC_READ | _IOC_WRITE, NETAPIBUF_IOCTL_TYPE + 1,
		     _IOC_NR(NETAPIBUF_IOC_INFO),
		     sizeof(struct netapibuf_info)), self->arg));
	EXPECT_ERRNO(ENOTTY, ioctl(self->s.fd,
		_IOC(_IOC_READ | _IOC_WRITE, 0, _IOC_NR(NETAPIBUF_IOC_INFO),
		     sizeof(struct netapibuf_info)), self->arg));

	/* Ioctls for other kinds of files. */
	errno = 0;
	EXPECT_EQ(0, isatty(self->s.fd));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_ERRNO(ENOTTY, ioctl(self->s.fd, FIONREAD, &n));
}

TEST_F(abi, wrong_direction)
{
	const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		for (j = 0; j < ARRAY_SIZE(dirs); j++) {
			if (dirs[j] == _IOC_DIR(cmds[i]))
				continue;
			memset(self->arg, 0, ARG_MAX);
			cmd_try(_metadata, self->s.fd, cmds[i], dirs[j],
				_IOC_SIZE(cmds[i]), self->arg, ENOTTY);
		}
	}
}

/*
 * NETAPIBUF_IOC_AGENT_CALL follows the same struct rules. A well-formed
 * call names an agent that does not exist: ENOENT, and nothing allocated.
 */
TEST_F(abi, agent_call_struct_rules)
{
	const unsigned long cmd = NETAPIBUF_IOC_AGENT_CALL;
	const size_t v1 = _IOC_SIZE(cmd);
	const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE };
	struct netapibuf_agent_call *call = (void *)self->arg;
	struct nab_stats before;
	size_t i;

	if (!(self->s.info.features & NETAPIBUF_FEATURE_AGENTS))
		SKIP(return, "no NETAPIBUF_FEATURE_AGENTS");

#define AGENT_TRY(_errno, dir, size)					\
	do {								\
		memset(self->arg, 0, ARG_MAX);				\
		strcpy(call->name, "netapibuf-selftest-none");		\
		EXPECT_ERRNO(_errno, nab_ioctl_raw(self->s.fd, dir,	\
				_IOC_NR(cmd), size, self->arg))		\
			TH_LOG("dir %u size %zu", (unsigned int)(dir),	\
			       (size_t)(size));				\
	} while (0)

	ASSERT_STATS(&before);
	AGENT_TRY(ENOENT, _IOC_DIR(cmd), v1);
	AGENT_TRY(ENOENT, _IOC_DIR(cmd), v1 + 8);
	AGENT_TRY(ENOENT, _IOC_DIR(cmd), 4096);
	AGENT_TRY(EINVAL, _IOC_DIR(cmd), 0);
	AGENT_TRY(EINVAL, _IOC_DIR(cmd), v1 - 8);
	AGENT_TRY(EINVAL, _IOC_DIR(cmd), v1 - 1);
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		AGENT_TRY(ENOTTY, dirs[i], v1);

	memset(self->arg, 0, ARG_MAX);
	strcpy(call->name, "netapibuf-selftest-none");
	self->arg[v1 + 3] = 1;
	EXPECT_ERRNO(E2BIG, nab_ioctl_raw(self->s.fd, _IOC_DIR(cmd),
					  _IOC_NR(cmd), v1 + 8, self->arg));

	EXPECT_ERRNO(EFAULT, ioctl(self->s.fd, cmd, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->s.fd, cmd, nab_unmapped_page()));
	EXPECT_NOTHING_ALLOCATED(&before);
#undef AGENT_TRY
}

/* ---- struct pointers ----------------------------------------------- */

TEST_F(abi, null_and_unmapped_struct)
{
	void *hole = nab_unmapped_page();
	struct nab_stats before;
	size_t i;

	ASSERT_NE(NULL, hole);
	ASSERT_STATS(&before);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_ERRNO(EFAULT, ioctl(self->s.fd, cmds[i], NULL))
			TH_LOG("%s", cmd_name(cmds[i]));
		EXPECT_ERRNO(EFAULT, ioctl(self->s.fd, cmds[i], hole))
			TH_LOG("%s", cmd_name(cmds[i]));
		EXPECT_ERRNO(EFAULT, ioctl(self->s.fd, cmds[i],
					   (void *)(uintptr_t)-4096))
			TH_LOG("%s", cmd_name(cmds[i]));
	}
	EXPECT_NOTHING_ALLOCATED(&before);
}

/* The struct starts in a mapped page and runs into an unmapped one. */
TEST_F(abi, struct_across_unmapped_page)
{
	size_t page = NAB_PAGE_SIZE;
	unsigned char *map;
	size_t i;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		/* the first 8 bytes (the first field) are readable */
		void *arg = map + page - 8;

		memset(map, 0, page);
		cmd_try_at(_metadata, self->s.fd, cmds[i], _IOC_DIR(cmds[i]),
			   _IOC_SIZE(cmds[i]), arg, 8, EFAULT);
	}
	munmap(map, page);
}

/*
 * A struct the kernel can read but not write back: commands with output
 * fail with EFAULT and change nothing (ALLOC leaves no buffer behind,
 * REALLOC leaves the old one as it was); FREE only reads and works.
 */
TEST_F(abi, readonly_struct)
{
	size_t page = NAB_PAGE_SIZE;
	unsigned char *map;
	struct nab_stats before;
	void *live;
	size_t i;
	int ret;

	map = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		bool writes = _IOC_DIR(cmds[i]) & _IOC_READ;

		ASSERT_EQ(0, mprotect(map, page, PROT_READ | PROT_WRITE));
		memset(map, 0, page);
		ASSERT_STATS(&before);
		cmd_prepare(_metadata, self->s.fd, cmds[i], map, page, &live);
		ASSERT_EQ(0, mprotect(map, page, PROT_READ));
		ret = nab_result(ioctl(self->s.fd, cmds[i], map));
		EXPECT_EQ(writes ? EFAULT : 0, ret)
			TH_LOG("%s: %s", cmd_name(cmds[i]),
			       ret ? strerror(ret) : "success");
		cmd_check(_metadata, self->s.fd, cmds[i], map, live, ret == 0);
		EXPECT_STATS_UNCHANGED(&before);
	}
	munmap(map, page);
}

/*
 * REALLOC with its struct in the slack of the buffer it resizes: past the
 * buffer's size but in its own last page, or its own slot. Each call
 * would unmap or write where the struct lies: 4,097 -> 4,096 unmaps the
 * second page, 4,097 -> 100 moves the buffer into a slot and frees its
 * pages, and growing within a 2 KiB slot zeroes the new bytes, which the
 * result would then overwrite. The struct is refused (EINVAL) and
 * nothing changes.
 */
static void realloc_in_slack(struct __test_metadata *_metadata, int fd,
			     size_t from, size_t at, size_t to)
{
	struct netapibuf_realloc *arg;
	struct nab_stats before;
	unsigned char *buf;
	__u64 size = 0;

	ASSERT_EQ(0, _test_ioctl_alloc(fd, from, 0, 0, (void **)&buf));
	nab_fill(buf, 0, from, 5);
	arg = (void *)(buf + at);
	memset(arg, 0, sizeof(*arg));
	arg->addr = (uintptr_t)buf;
	arg->size = to;
	ASSERT_STATS(&before);
	EXPECT_ERRNO(EINVAL, ioctl(fd, NETAPIBUF_IOC_REALLOC, arg))
		TH_LOG("REALLOC %zu -> %zu, struct at offset %zu", from, to, at);
	EXPECT_STATS_UNCHANGED(&before);
	/* The buffer as it was, and the struct still there to read. */
	EXPECT_EQ(0, _test_ioctl_size(fd, buf, 0, 0, &size));
	EXPECT_EQ((__u64)from, size);
	EXPECT_EQ(-1, nab_check(buf, 0, from, 5));
	EXPECT_EQ((uintptr_t)buf, arg->addr);
	EXPECT_EQ((__u64)0, arg->new_addr);

	/* From outside the arena it works; its new bytes read as zero. */
	if (to > from) {
		void *new_addr = NULL;

		EXPECT_EQ(0, _test_ioctl_realloc(fd, buf, to, 0, 0, &new_addr));
		EXPECT_EQ(-1, nab_check(new_addr, 0, from, 5));
		EXPECT_EQ(-1, nab_check_zero(new_addr, from, to - from));
		buf = new_addr;
	}
	EXPECT_EQ(0, _test_ioctl_free(fd, buf, 0, 0));
}

TEST_F(abi, realloc_struct_in_slack)
{
	size_t page = NAB_PAGE_SIZE;

	realloc_in_slack(_metadata, self->s.fd, page + 1, page + 16, page);
	realloc_in_slack(_metadata, self->s.fd, page + 1, page + 16, 100);
	realloc_in_slack(_metadata, self->s.fd, page + 1, 2 * page - 32, 0);
	realloc_in_slack(_metadata, self->s.fd, 1500, 1504, 2000);
	realloc_in_slack(_metadata, self->s.fd, 1500, 1504, 100);
	realloc_in_slack(_metadata, self->s.fd, 20, 24, 32);
}

/*
 * ALLOC's struct in the arena is refused too: in a free slot of a chunk
 * page it would lie where the new buffer goes, which must read as zero.
 * Other commands may take theirs from a live buffer.
 */
TEST_F(abi, alloc_struct_in_arena)
{
	size_t page = NAB_PAGE_SIZE;
	struct netapibuf_alloc *arg;
	struct netapibuf_size *sz;
	struct nab_stats before;
	unsigned char *small, *large;

	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, 16, 0, 0, (void **)&small));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, 2 * page, 0, 0,
				       (void **)&large));

	/* The slots after the first are free: the next 16-byte buffer's. */
	arg = (void *)(small + 16);
	memset(arg, 0, sizeof(*arg));
	arg->size = 16;
	ASSERT_STATS(&before);
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_ALLOC, arg));
	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_EQ((__u64)0, arg->addr);

	/* In a live large buffer, all its own. */
	arg = (void *)(large + page - 8);
	memset(arg, 0, sizeof(*arg));
	arg->size = 16;
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_ALLOC, arg));
	EXPECT_NOTHING_ALLOCATED(&before);

	/* SIZE changes nothing: its struct may lie in a buffer. */
	sz = (void *)large;
	memset(sz, 0, sizeof(*sz));
	sz->addr = (uintptr_t)small;
	EXPECT_EQ(0, ioctl(self->s.fd, NETAPIBUF_IOC_SIZE, sz));
	EXPECT_EQ((__u64)16, sz->size);

	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, small, 0, 0));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, large, 0, 0));
}

/* ---- INFO and the arena -------------------------------------------- */

TEST_F(unmapped, info)
{
	const struct { const char *param; size_t off; } limits[] = {
		{ "max_buffer_bytes",
		  offsetof(struct netapibuf_info, max_buffer_bytes) },
		{ "max_session_bytes",
		  offsetof(struct netapibuf_info, max_session_bytes) },
		{ "max_total_bytes",
		  offsetof(struct netapibuf_info, max_total_bytes) },
	};
	struct netapibuf_info info, again;
	unsigned long long val;
	void *arena;
	size_t i;

	test_ioctl_info(&info);
	EXPECT_EQ((__u32)NETAPIBUF_ABI_VERSION, info.abi_version);
	EXPECT_EQ(0U, info.flags);
	EXPECT_TRUE(!!(info.features & NETAPIBUF_FEATURE_ARENA));
	EXPECT_NE(0ULL, info.arena_size);
	EXPECT_EQ(0ULL, info.arena_size % NAB_PAGE_SIZE);
	EXPECT_EQ(0ULL, info.arena_addr);
	EXPECT_NE(0ULL, info.max_buffer_bytes);
	EXPECT_NE(0ULL, info.max_total_bytes);

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		__u64 reported;

		memcpy(&reported, (char *)&info + limits[i].off,
		       sizeof(reported));
		if (!nab_param_read(limits[i].param, &val)) {
			TH_LOG("no parameter %s", limits[i].param);
			continue;
		}
		EXPECT_EQ(val, reported) TH_LOG("%s", limits[i].param);
	}

	arena = mmap(NULL, info.arena_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED, self->s.fd, 0);
	ASSERT_NE(MAP_FAILED, arena) TH_LOG("mmap: %s", strerror(errno));
	self->s.arena = arena;

	test_ioctl_info(&again);
	EXPECT_EQ((uintptr_t)arena, again.arena_addr);
	EXPECT_EQ(info.abi_version, again.abi_version);
	EXPECT_EQ(info.features, again.features);
	EXPECT_EQ(info.arena_size, again.arena_size);
	EXPECT_EQ(info.max_buffer_bytes, again.max_buffer_bytes);
}

TEST_F(unmapped, alloc_before_mmap)
{
	struct nab_stats before;

	ASSERT_STATS(&before);
	test_err_ioctl_alloc(ENXIO, 64, 0, 0);
	test_err_ioctl_alloc(ENXIO, 0, 0, 0);
	test_err_ioctl_alloc(ENXIO, 1 << 20, 0, 0);
	test_err_ioctl_realloc(ENXIO, NULL, 64, 0, 0);
	EXPECT_NOTHING_ALLOCATED(&before);
}

TEST_F(unmapped, mmap_arena)
{
	size_t page = NAB_PAGE_SIZE, len = self->s.info.arena_size;
	const int rw = PROT_READ | PROT_WRITE;
	void *arena, *buf;
	int fd = self->s.fd;

	/*
	 * Wrong length (longer than the arena, shorter than
	 * NETAPIBUF_ARENA_MIN_SIZE), offset or type: EINVAL, and the arena
	 * stays free.
	 */
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, page, rw, MAP_SHARED, fd, 0));
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, len + page, rw, MAP_SHARED,
					  fd, 0));
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, len, rw, MAP_SHARED, fd,
					  page));
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, len - page, rw, MAP_SHARED,
					  fd, page));
	/* (read-only or NORESERVE: else overcommit may refuse it first) */
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, len, PROT_READ, MAP_PRIVATE,
					  fd, 0));
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, len, rw,
					  MAP_PRIVATE | MAP_NORESERVE, fd, 0));
	test_err_ioctl_alloc(ENXIO, 64, 0, 0);

	arena = mmap(NULL, len, rw, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, arena) TH_LOG("mmap: %s", strerror(errno));
	self->s.arena = arena;

	test_ioctl_alloc(64, &buf);
	EXPECT_TRUE(nab_in_arena(&self->s, buf, 64));
	nab_fill(buf, 0, 64, 1);
	EXPECT_EQ(-1, nab_check(buf, 0, 64, 1));

	/* Only one mapping per session. */
	EXPECT_ERRNO(EBUSY, NAB_MMAP_RET(NULL, len, rw, MAP_SHARED, fd, 0));
	test_ioctl_free(buf);
}

/* The arena must still be whole and usable after a refused mremap. */
static void arena_intact(struct __test_metadata *_metadata,
			 struct nab_session *s)
{
	struct netapibuf_info info;
	char line[256], want[64];
	bool found = false;
	void *buf;
	FILE *f;

	ASSERT_EQ(0, _test_ioctl_info(s->fd, 0, &info));
	EXPECT_EQ((uintptr_t)s->arena, info.arena_addr);

	snprintf(want, sizeof(want), "%lx-%lx ", (unsigned long)s->arena,
		 (unsigned long)s->arena + (unsigned long)s->info.arena_size);
	f = fopen("/proc/self/maps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = true;
	fclose(f);
	EXPECT_TRUE(found) TH_LOG("no mapping %s in /proc/self/maps", want);

	ASSERT_EQ(0, _test_ioctl_alloc(s->fd, 3 * NAB_PAGE_SIZE, 0, 0, &buf));
	EXPECT_TRUE(nab_in_arena(s, buf, 3 * NAB_PAGE_SIZE));
	nab_fill(buf, 0, 3 * NAB_PAGE_SIZE, 9);
	EXPECT_EQ(-1, nab_check(buf, 0, 3 * NAB_PAGE_SIZE, 9));
	EXPECT_EQ(0, _test_ioctl_free(s->fd, buf, 0, 0));
}

TEST_F(abi, mremap_grow_and_move)
{
	size_t page = NAB_PAGE_SIZE, len = self->s.info.arena_size;
	void *buf, *spot, *ret;

	test_ioctl_alloc(100, &buf);
	nab_fill(buf, 0, 100, 5);

	ret = mremap(self->s.arena, len, len + page, 0);
	EXPECT_EQ(MAP_FAILED, ret);
	ret = mremap(self->s.arena, len, len + page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, ret);

	/* Move it, same size, to a spot reserved for the purpose. */
	spot = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, spot);
	ret = mremap(self->s.arena, len, len,
		     MREMAP_MAYMOVE | MREMAP_FIXED, spot);
	EXPECT_EQ(MAP_FAILED, ret);
	if (ret == MAP_FAILED)
		munmap(spot, len);
	else
		self->s.arena = ret;	/* it moved: at least clean up */

	arena_intact(_metadata, &self->s);
	EXPECT_LIVE(buf, 100);
	EXPECT_EQ(-1, nab_check(buf, 0, 100, 5));
}

TEST_F(abi, mremap_shrink)
{
	size_t page = NAB_PAGE_SIZE, len = self->s.info.arena_size;
	void *ret;

	ret = mremap(self->s.arena, len, len - page, 0);
	EXPECT_EQ(MAP_FAILED, ret);
	if (ret != MAP_FAILED) {
		/* it shrank: unmap the rest so teardown does not fail */
		munmap(self->s.arena, len - page);
		self->s.arena = NULL;
		return;
	}
	arena_intact(_metadata, &self->s);
}

/*
 * mlock(2) of part of the arena: the kernel skips VM_IO mappings, so the
 * call changes nothing (the pages are never swapped anyway). It must not
 * cut the arena in two, nor disturb a buffer.
 */
TEST_F(abi, mlock_part)
{
	size_t page = NAB_PAGE_SIZE;
	void *buf;
	int ret;

	test_ioctl_alloc(4 * page, &buf);
	nab_fill(buf, 0, 4 * page, 6);
	ret = mlock((char *)buf + page, page);
	EXPECT_TRUE(ret == 0 || errno == EINVAL)
		TH_LOG("mlock: %s", strerror(errno));
	if (!ret)
		munlock((char *)buf + page, page);
	ret = mlock(self->s.arena, self->s.info.arena_size);
	EXPECT_TRUE(ret == 0 || errno == EINVAL || errno == ENOMEM)
		TH_LOG("mlock of the whole arena: %s", strerror(errno));
	if (!ret)
		munlock(self->s.arena, self->s.info.arena_size);
	arena_intact(_metadata, &self->s);
	EXPECT_LIVE(buf, 4 * page);
	EXPECT_EQ(-1, nab_check(buf, 0, 4 * page, 6));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, buf, 0, 0));
}

/* ---- addresses ----------------------------------------------------- */

struct span { uintptr_t start; size_t len; };

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Three buffers of every size at once: inside the arena, 16-byte
 * aligned, disjoint (a zero-size buffer counts as one byte: its address
 * is its own), zero, of the size asked for, and holding what was written.
 */
TEST_F(abi, addresses)
{
	enum { COPIES = 3, N = COPIES * ARRAY_SIZE(sizes) };
	struct span spans[N];
	struct nab_stats before;
	void *bufs[N];
	size_t i;

	ASSERT_STATS(&before);
	for (i = 0; i < N; i++) {
		size_t size = sizes[i % ARRAY_SIZE(sizes)];

		test_ioctl_alloc(size, &bufs[i]);
		EXPECT_TRUE(nab_in_arena(&self->s, bufs[i], size))
			TH_LOG("%p+%zu outside arena %p+%llu", bufs[i], size,
			       self->s.arena,
			       (unsigned long long)self->s.info.arena_size);
		EXPECT_EQ(0UL, (uintptr_t)bufs[i] % 16)
			TH_LOG("%p (%zu bytes) misaligned", bufs[i], size);
		EXPECT_EQ(-1, nab_check_zero(bufs[i], 0, size));
		EXPECT_LIVE(bufs[i], size);
		nab_fill(bufs[i], 0, size, i);
		spans[i].start = (uintptr_t)bufs[i];
		spans[i].len = size ? size : 1;
	}

	for (i = 0; i < N; i++)
		EXPECT_EQ(-1, nab_check(bufs[i], 0, sizes[i % ARRAY_SIZE(sizes)],
					i)) TH_LOG("buffer %zu", i);

	qsort(spans, N, sizeof(spans[0]), span_cmp);
	for (i = 1; i < N; i++) {
		const struct span *a = &spans[i - 1], *b = &spans[i];

		EXPECT_LE(a->start + a->len, b->start)
			TH_LOG("%#lx+%zu overlaps %#lx",
			       (unsigned long)a->start, a->len,
			       (unsigned long)b->start);
	}

	for (i = 0; i < N; i++)
		test_ioctl_free(bufs[i]);
	EXPECT_STATS_UNCHANGED(&before);
}

TEST_F(abi, zero_size_buffers)
{
	void *a, *b;
	__u64 sz = 1;

	test_ioctl_alloc(0, &a);
	test_ioctl_alloc(0, &b);
	EXPECT_NE(NULL, a);
	EXPECT_NE(NULL, b);
	EXPECT_NE(a, b);
	test_ioctl_size(a, &sz);
	EXPECT_EQ(0ULL, sz);
	test_ioctl_free(a);
	test_err_ioctl_free(EINVAL, a, 0, 0);
	EXPECT_LIVE(b, 0);
	test_ioctl_free(b);
}

TEST_F(abi, realloc_to_and_from_zero)
{
	struct nab_stats before;
	void *buf, *out = (void *)1;

	ASSERT_STATS(&before);
	/* REALLOC(0, 0): nothing to free, nothing allocated */
	test_ioctl_realloc(NULL, 0, &out);
	EXPECT_EQ(NULL, out);
	EXPECT_NOTHING_ALLOCATED(&before);

	/* REALLOC(0, n) allocates */
	test_ioctl_realloc(NULL, 100, &buf);
	EXPECT_TRUE(nab_in_arena(&self->s, buf, 100));
	EXPECT_LIVE(buf, 100);
	EXPECT_EQ(-1, nab_check_zero(buf, 0, 100));

	/* REALLOC(p, 0) frees p */
	out = (void *)1;
	test_ioctl_realloc(buf, 0, &out);
	EXPECT_EQ(NULL, out);
	test_err_ioctl_size(EINVAL, buf, 0, 0);
	EXPECT_STATS_UNCHANGED(&before);
}

/* FREE, SIZE and REALLOC of anything but the start of a live buffer. */
TEST_F(abi, invalid_addresses)
{
	size_t page = NAB_PAGE_SIZE, arena_size = self->s.info.arena_size;
	char *arena = self->s.arena;
	struct nab_stats before;
	char *small, *large, *freed, *never;
	char on_stack[16];
	size_t i;

	test_ioctl_alloc(64, (void **)&small);
	test_ioctl_alloc(3 * page, (void **)&large);
	test_ioctl_alloc(32, (void **)&freed);
	test_ioctl_free(freed);
	nab_fill(small, 0, 64, 11);
	nab_fill(large, 0, 3 * page, 12);

	/* Any arena address but the two live buffers' was never handed out. */
	never = arena + arena_size - 16;
	if (never >= large && never < large + 3 * page)
		never = arena + arena_size / 2;

	const void *bad[] = {
		small + 1, small + 8, small + 16, small + 63, small + 64,
		large + 16, large + page, large + 3 * page - 16,
		freed, never, arena + arena_size, arena - 16, arena - page,
		on_stack, (void *)16, (void *)(uintptr_t)-16,
		(void *)(1ULL << 63), (void *)0x0000800000000000ULL,
	};

	ASSERT_STATS(&before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (bad[i] == small || bad[i] == large)
			continue;
		test_err_ioctl_free(EINVAL, bad[i], 0, 0)
			TH_LOG("FREE %p", bad[i]);
		test_err_ioctl_size(EINVAL, bad[i], 0, 0)
			TH_LOG("SIZE %p", bad[i]);
		test_err_ioctl_realloc(EINVAL, bad[i], 32, 0, 0)
			TH_LOG("REALLOC %p, 32", bad[i]);
		test_err_ioctl_realloc(EINVAL, bad[i], 0, 0, 0)
			TH_LOG("REALLOC %p, 0", bad[i]);
		test_err_ioctl_realloc(EINVAL, bad[i], 2 * page, 0, 0)
			TH_LOG("REALLOC %p, 2 pages", bad[i]);
	}
	/* NULL is never a buffer for FREE and SIZE. */
	test_err_ioctl_free(EINVAL, NULL, 0, 0);
	test_err_ioctl_size(EINVAL, NULL, 0, 0);

	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_LIVE(small, 64);
	EXPECT_LIVE(large, 3 * page);
	EXPECT_EQ(-1, nab_check(small, 0, 64, 11));
	EXPECT_EQ(-1, nab_check(large, 0, 3 * page, 12));

	/* A second FREE of the same buffer. */
	test_ioctl_free(small);
	test_err_ioctl_free(EINVAL, small, 0, 0);
	test_ioctl_free(large);
	test_err_ioctl_free(EINVAL, large, 0, 0);
}

/* Another descriptor of the same session in the same process works. */
TEST_F(abi, dup_descriptor)
{
	int fd2 = dup(self->s.fd);
	void *buf;
	__u64 sz = 0;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_ioctl_alloc(fd2, 200, 0, 0, &buf));
	EXPECT_TRUE(nab_in_arena(&self->s, buf, 200));
	test_ioctl_size(buf, &sz);
	EXPECT_EQ(200ULL, sz);
	test_ioctl_free(buf);
	EXPECT_ERRNO(EINVAL, _test_ioctl_size(fd2, buf, 0, 0, NULL));
	close(fd2);
}

/* ---- memory -------------------------------------------------------- */

/* Freed buffers of a page or more are unmapped: touching them is SIGBUS. */
TEST_F(abi, freed_large_buffer_faults)
{
	size_t page = NAB_PAGE_SIZE;
	const size_t large[] = {
		page, page + 1, 2 * page, 3 * page + 5, 16 * page, (1 << 20) + 3,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(large); i++) {
		size_t n = large[i];
		char *buf;
		const char *probes[3];

		test_ioctl_alloc(n, (void **)&buf);
		probes[0] = buf;
		probes[1] = buf + n / 2;
		probes[2] = buf + n - 1;
		nab_fill(buf, 0, n, i);
		for (j = 0; j < ARRAY_SIZE(probes); j++)
			EXPECT_EQ(0, nab_probe(probes[j], false));

		test_ioctl_free(buf);
		for (j = 0; j < ARRAY_SIZE(probes); j++) {
			EXPECT_EQ(SIGBUS, nab_probe(probes[j], false))
				TH_LOG("read %zu-byte buffer at +%td after free",
				       n, probes[j] - buf);
			EXPECT_EQ(SIGBUS, nab_probe(probes[j], true))
				TH_LOG("write %zu-byte buffer at +%td after free",
				       n, probes[j] - buf);
		}
	}
}

/* Pages of [p, p + len) that mincore(2) finds mapped; -1 on error. */
static long nab_mapped_pages(const void *p, size_t len)
{
	size_t i, n = (len + NAB_PAGE_SIZE - 1) / NAB_PAGE_SIZE;
	unsigned char *vec = calloc(n, 1);
	long mapped = 0;

	if (!vec || mincore((void *)p, len, vec)) {
		free(vec);
		return -1;
	}
	for (i = 0; i < n; i++)
		mapped += vec[i] & 1;
	free(vec);
	return mapped;
}

/*
 * ALLOC maps a large buffer's first 4 MiB (1,024 pages) before it
 * returns, as the first touch would, zeroed, as far as the process has
 * page tables there: it allocates none (in a memory cgroup at
 * memory.max a page table's charge runs the OOM killer, limits.c's
 * memcg.map_ahead_allocates_no_table). FREE unmaps them again.
 */
TEST_F(abi, large_buffer_mapped_at_allocation)
{
	size_t page = NAB_PAGE_SIZE;
	const size_t sizes[] = { page + 1, 16 * page, (4 << 20) + 1 };
	const size_t first = 8 << 20, span = 2 << 20;
	size_t i, n, pages, ahead;
	char *buf;

	/*
	 * The fresh arena's first buffer: past its first 2 MiB (whose page
	 * table a neighbouring mapping may share) no table, nothing mapped.
	 */
	test_ioctl_alloc(first, (void **)&buf);
	EXPECT_EQ(0, nab_mapped_pages(buf + span, span))
		TH_LOG("mapped ahead where the process had no page table");
	/* Touched, it has its tables; freed, it keeps them. */
	memset(buf, 0x5a, first);
	EXPECT_EQ((long)(first / page), nab_mapped_pages(buf, first));
	test_ioctl_free(buf);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		n = sizes[i];
		pages = (n + page - 1) / page;
		ahead = pages < 1024 ? pages : 1024;
		test_ioctl_alloc(n, (void **)&buf);
		EXPECT_EQ((long)ahead, nab_mapped_pages(buf, pages * page))
			TH_LOG("%zu-byte buffer: mapped pages before any touch",
			       n);
		if (pages > ahead)
			EXPECT_EQ(0, nab_mapped_pages(buf + ahead * page,
						      (pages - ahead) * page));
		EXPECT_EQ(-1, nab_check_zero(buf, 0, n));
		test_ioctl_free(buf);
		EXPECT_EQ(0, nab_mapped_pages(buf, pages * page))
			TH_LOG("%zu-byte buffer: mapped pages after free", n);
	}
}

/*
 * ... only into the arena: with the arena unmapped and a file mapped in
 * its place at the same offsets, ALLOC still hands out an address and
 * maps nothing there.
 */
TEST_F(abi, no_mapping_ahead_outside_the_arena)
{
	size_t len = self->s.info.arena_size;
	void *other;
	char *buf;
	int fd;

	fd = memfd_create("not-the-arena", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, len));
	ASSERT_EQ(0, munmap(self->s.arena, len));
	other = mmap(self->s.arena, len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED, fd, 0);
	ASSERT_EQ(self->s.arena, other);
	close(fd);
	/* The fixture's teardown unmaps it as if it were the arena. */

	test_ioctl_alloc(16 * NAB_PAGE_SIZE, (void **)&buf);
	ASSERT_TRUE(buf >= (char *)other && buf < (char *)other + len);
	EXPECT_EQ(0, nab_mapped_pages(buf, 16 * NAB_PAGE_SIZE));
	EXPECT_EQ(-1, nab_check_zero(buf, 0, 16 * NAB_PAGE_SIZE));
	test_ioctl_free(buf);
}

/*
 * New buffers are zero even where a freed buffer of this session left
 * data: at the same address (small and large) and through REALLOC.
 */
TEST_F(abi, zero_on_reuse)
{
	enum { N = 64 };
	size_t page = NAB_PAGE_SIZE;
	const size_t reuse_sizes[] = { 1, 48, 100, 2048, page, 2 * page + 8 };
	void *old[N], *again[N];
	size_t i, j, k;

	for (k = 0; k < ARRAY_SIZE(reuse_sizes); k++) {
		size_t n = reuse_sizes[k];
		unsigned int reused = 0;

		for (i = 0; i < N; i++) {
			test_ioctl_alloc(n, &old[i]);
			nab_fill(old[i], 0, n, i);
		}
		for (i = 0; i < N; i++)
			test_ioctl_free(old[i]);
		for (i = 0; i < N; i++) {
			test_ioctl_alloc(n, &again[i]);
			EXPECT_EQ(-1, nab_check_zero(again[i], 0, n))
				TH_LOG("%zu-byte buffer %p not zero", n,
				       again[i]);
			for (j = 0; j < N; j++)
				reused += again[i] == old[j];
		}
		for (i = 0; i < N; i++)
			test_ioctl_free(again[i]);

		/* One at a time: free and allocate the same size at once. */
		for (i = 0; i < N; i++) {
			void *a, *b;

			test_ioctl_alloc(n, &a);
			nab_fill(a, 0, n, 0xff - i);
			test_ioctl_free(a);
			test_ioctl_alloc(n, &b);
			reused += a == b;
			EXPECT_EQ(-1, nab_check_zero(b, 0, n))
				TH_LOG("%zu-byte buffer %p not zero", n, b);
			test_ioctl_free(b);
		}
		if (!reused)
			TH_LOG("%zu bytes: no address was reused", n);
	}
}

/*
 * The kernel itself reads and writes buffers for system calls: a fresh
 * buffer, never touched from userspace, is filled by read(2) from a pipe
 * and emptied by write(2) into another.
 */
TEST_F(abi, syscalls_use_buffers)
{
	size_t page = NAB_PAGE_SIZE;
	const size_t lens[] = { 16, 100, 2048, page, 3 * page + 5 };
	int in[2], out[2];
	char *src, *dst;
	size_t i;

	ASSERT_EQ(0, pipe(in));
	ASSERT_EQ(0, pipe(out));
	src = malloc(4 * page);
	ASSERT_NE(NULL, src);
	nab_fill(src, 0, 4 * page, 21);

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		size_t n = lens[i];
		char *buf;

		test_ioctl_alloc(n, (void **)&buf);
		ASSERT_EQ((ssize_t)n, write(in[1], src, n));
		EXPECT_EQ((ssize_t)n, read(in[0], buf, n))
			TH_LOG("read into %zu-byte buffer: %s", n,
			       strerror(errno));
		EXPECT_EQ(-1, nab_check(buf, 0, n, 21));
		EXPECT_EQ((ssize_t)n, write(out[1], buf, n))
			TH_LOG("write from %zu-byte buffer: %s", n,
			       strerror(errno));
		dst = calloc(1, n);
		ASSERT_NE(NULL, dst);
		EXPECT_EQ((ssize_t)n, read(out[0], dst, n));
		EXPECT_EQ(0, memcmp(dst, src, n));
		free(dst);
		test_ioctl_free(buf);
	}
	free(src);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

/* The page frame behind @addr, or 0 if not present or not readable. */
static uint64_t pfn_of(int pagemap, const void *addr)
{
	uint64_t entry;
	off_t off = (uintptr_t)addr / NAB_PAGE_SIZE * sizeof(entry);

	if (pread(pagemap, &entry, sizeof(entry), off) != sizeof(entry))
		return 0;
	if (!(entry & (1ULL << 63)))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

/*
 * NETAPIBUF_FEATURE_REALLOC_MOVE: a buffer of a page or more keeps its
 * page frames when it grows (moving or not) and when it shrinks.
 */
TEST_F(abi, realloc_keeps_page_frames)
{
	enum { OLD = 4, NEW = 64, CUT = 2 };
	size_t page = NAB_PAGE_SIZE;
	uint64_t before[OLD];
	char *buf, *blocker, *grown, *cut;
	int pagemap;
	size_t i;

	if (!(self->s.info.features & NETAPIBUF_FEATURE_REALLOC_MOVE))
		SKIP(return, "no NETAPIBUF_FEATURE_REALLOC_MOVE");
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap < 0)
		SKIP(return, "no /proc/self/pagemap");

	test_ioctl_alloc(OLD * page, (void **)&buf);
	/* likely right after it, so that growing has to move */
	test_ioctl_alloc(page, (void **)&blocker);
	nab_fill(buf, 0, OLD * page, 33);
	for (i = 0; i < OLD; i++) {
		before[i] = pfn_of(pagemap, buf + i * page);
		if (!before[i])
			SKIP(goto out, "page frames not readable");
	}

	test_ioctl_realloc(buf, NEW * page, (void **)&grown);
	EXPECT_EQ(-1, nab_check(grown, 0, OLD * page, 33));
	EXPECT_EQ(-1, nab_check_zero(grown, OLD * page, (NEW - OLD) * page));
	for (i = 0; i < OLD; i++)
		EXPECT_EQ(before[i], pfn_of(pagemap, grown + i * page))
			TH_LOG("page %zu copied when growing (%s)", i,
			       grown == buf ? "in place" : "moved");

	test_ioctl_realloc(grown, CUT * page, (void **)&cut);
	EXPECT_EQ(-1, nab_check(cut, 0, CUT * page, 33));
	for (i = 0; i < CUT; i++)
		EXPECT_EQ(before[i], pfn_of(pagemap, cut + i * page))
			TH_LOG("page %zu copied when shrinking", i);
	test_ioctl_free(cut);
out:
	test_ioctl_free(blocker);
	close(pagemap);
}

/* ---- limits (EDQUOT) ----------------------------------------------- */

/* Restores the limit parameters whatever the test did. */
FIXTURE(limits) {
	struct nab_session s;
	unsigned long long saved[3];
	bool have[3];
};

static const char *const limit_params[] = {
	"max_buffer_bytes", "max_session_bytes", "max_total_bytes",
};

FIXTURE_SETUP(limits)
{
	size_t i;
	int ret;

	self->s.fd = -1;
	NAB_REQUIRE_DEVICE();
	for (i = 0; i < ARRAY_SIZE(limit_params); i++) {
		self->have[i] = nab_param_read(limit_params[i], &self->saved[i]);
		if (!self->have[i])
			SETUP_SKIP("no parameter %s", limit_params[i]);
	}
	ret = nab_session_open(&self->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(limits)
{
	size_t i;

	nab_session_close(&self->s);
	for (i = 0; i < ARRAY_SIZE(limit_params); i++)
		if (self->have[i] &&
		    !nab_param_write(limit_params[i], self->saved[i]))
			TH_LOG("could not restore %s", limit_params[i]);
}

TEST_F(limits, max_buffer_bytes)
{
	size_t page = NAB_PAGE_SIZE;
	const __u64 huge[] = {
		self->saved[0] + 1, 1ULL << 32, 1ULL << 40, 1ULL << 63,
		~0ULL - page + 2, ~0ULL,
	};
	struct nab_stats before;
	void *buf, *small;
	size_t i;

	/* Sizes past the default limit, overflow bait included. */
	ASSERT_STATS(&before);
	for (i = 0; i < ARRAY_SIZE(huge); i++) {
		test_err_ioctl_alloc(EDQUOT, huge[i], 0, 0)
			TH_LOG("ALLOC %#llx", (unsigned long long)huge[i]);
		test_err_ioctl_realloc(EDQUOT, NULL, huge[i], 0, 0)
			TH_LOG("REALLOC NULL, %#llx",
			       (unsigned long long)huge[i]);
	}
	EXPECT_NOTHING_ALLOCATED(&before);

	ASSERT_TRUE(nab_param_write("max_buffer_bytes", 2 * page));
	test_err_ioctl_alloc(EDQUOT, 2 * page + 1, 0, 0);
	test_ioctl_alloc(2 * page, &buf);
	test_ioctl_alloc(100, &small);
	nab_fill(small, 0, 100, 4);

	ASSERT_STATS(&before);
	test_err_ioctl_realloc(EDQUOT, small, 2 * page + 1, 0, 0);
	test_err_ioctl_realloc(EDQUOT, buf, 3 * page, 0, 0);
	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_LIVE(small, 100);
	EXPECT_EQ(-1, nab_check(small, 0, 100, 4));
	EXPECT_LIVE(buf, 2 * page);
	test_ioctl_free(buf);
	test_ioctl_free(small);
}

/* Allocates @n-byte buffers until one fails; returns how many worked. */
static size_t fill_until_error(struct __test_metadata *_metadata, int fd,
			       size_t n, void **bufs, size_t max, int *err)
{
	size_t i;

	*err = 0;
	for (i = 0; i < max; i++) {
		if (_test_ioctl_alloc(fd, n, 0, 0, &bufs[i])) {
			*err = errno;
			break;
		}
	}
	EXPECT_NE(0, *err) TH_LOG("%zu allocations of %zu all worked", max, n);
	return i;
}

TEST_F(limits, max_session_bytes)
{
	size_t page = NAB_PAGE_SIZE;
	struct nab_stats before;
	void *bufs[64];
	size_t i, got;
	int err;

	/* 16 pages for this session. */
	ASSERT_TRUE(nab_param_write("max_session_bytes", 16 * page));
	test_err_ioctl_alloc(EDQUOT, 16 * page + 1, 0, 0);

	ASSERT_STATS(&before);
	got = fill_until_error(_metadata, self->s.fd, page, bufs,
			       ARRAY_SIZE(bufs), &err);
	EXPECT_EQ(EDQUOT, err) TH_LOG("%s", strerror(err));
	EXPECT_LE((size_t)1, got);
	EXPECT_GE((size_t)16, got);

	/* Freeing makes room again. */
	if (got) {
		test_ioctl_free(bufs[got - 1]);
		test_ioctl_alloc(page, &bufs[got - 1]);
	}

	/* Another session has its own allowance. */
	{
		struct nab_session other;
		void *buf;

		ASSERT_EQ(0, nab_session_open(&other, true));
		EXPECT_EQ(0, _test_ioctl_alloc(other.fd, 8 * page, 0, 0, &buf));
		nab_session_close(&other);
	}

	for (i = 0; i < got; i++)
		test_ioctl_free(bufs[i]);
	EXPECT_STATS_UNCHANGED(&before);
}

TEST_F(limits, max_total_bytes)
{
	size_t page = NAB_PAGE_SIZE;
	struct nab_session other;
	struct nab_stats before;
	void *bufs[64], *buf;
	size_t i, got;
	int err;

	ASSERT_STATS(&before);
	/* 16 pages more than what is charged now, for all sessions together. */
	ASSERT_TRUE(nab_param_write("max_total_bytes",
				    before.charged_bytes + 16 * page));
	test_err_ioctl_alloc(EDQUOT, 17 * page, 0, 0);

	got = fill_until_error(_metadata, self->s.fd, page, bufs,
			       ARRAY_SIZE(bufs), &err);
	EXPECT_EQ(EDQUOT, err) TH_LOG("%s", strerror(err));
	EXPECT_LE((size_t)1, got);
	EXPECT_GE((size_t)16, got);

	/* The limit is global: another session cannot allocate either. */
	ASSERT_EQ(0, nab_session_open(&other, true));
	EXPECT_ERRNO(EDQUOT, _test_ioctl_alloc(other.fd, page, 0, 0, NULL));

	/* Room freed in one session serves the other. */
	if (got) {
		test_ioctl_free(bufs[--got]);
		EXPECT_EQ(0, _test_ioctl_alloc(other.fd, page, 0, 0, &buf));
	}
	nab_session_close(&other);

	for (i = 0; i < got; i++)
		test_ioctl_free(bufs[i]);
	EXPECT_STATS_BASELINE(&before);
}

/* ---- a full arena (ENOSPC) ------------------------------------------ */

/* Restores arena_size whatever the test did. */
FIXTURE(small_arena) {
	struct nab_session s;
	unsigned long long saved;
};

#define SMALL_ARENA	(64ULL << 20)

FIXTURE_SETUP(small_arena)
{
	int ret;

	self->s.fd = -1;
	NAB_REQUIRE_DEVICE();
	if (!nab_param_read("arena_size", &self->saved))
		SETUP_SKIP("no parameter arena_size");
	ASSERT_TRUE(nab_param_write("arena_size", SMALL_ARENA));
	ret = nab_session_open(&self->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	if (self->s.info.arena_size != SMALL_ARENA) {
		unsigned long long got = self->s.info.arena_size;

		nab_session_close(&self->s);
		nab_param_write("arena_size", self->saved);
		SETUP_SKIP("arena of %llu bytes, not %llu", got, SMALL_ARENA);
	}
}

FIXTURE_TEARDOWN(small_arena)
{
	nab_session_close(&self->s);
	if (self->saved && !nab_param_write("arena_size", self->saved))
		TH_LOG("could not restore arena_size");
}

/*
 * Fills @s's arena, @len bytes long, with 4 MiB buffers: each lies inside
 * it, the next is ENOSPC with nothing allocated, growing one past the
 * arena fails and keeps it, and a freed range is reused.
 */
static void arena_fills(struct __test_metadata *_metadata,
			struct nab_session *s, size_t len)
{
	size_t chunk = 4 << 20, n = len / chunk + 1, i, got;
	struct nab_stats before;
	void *bufs[n], *again;
	__u64 sz = 0;
	int err = 0;

	for (i = 0; i < n; i++) {
		ASSERT_STATS(&before);
		if (_test_ioctl_alloc(s->fd, chunk, 0, 0, &bufs[i])) {
			err = errno;
			break;
		}
		EXPECT_TRUE(nab_in_arena(s, bufs[i], chunk));
	}
	got = i;
	EXPECT_EQ(ENOSPC, err) TH_LOG("after %zu buffers: %s", got,
				      strerror(err));
	EXPECT_NOTHING_ALLOCATED(&before);
	ASSERT_LE((size_t)1, got);
	EXPECT_GE(len / chunk, got);

	/* Growing a buffer past the arena fails and keeps it. */
	nab_fill(bufs[0], 0, 4096, 44);
	ASSERT_STATS(&before);
	EXPECT_ERRNO(ENOSPC, _test_ioctl_realloc(s->fd, bufs[0], len, 0, 0,
						 NULL));
	EXPECT_NOTHING_ALLOCATED(&before);
	EXPECT_EQ(0, _test_ioctl_size(s->fd, bufs[0], 0, 0, &sz));
	EXPECT_EQ((__u64)chunk, sz);
	EXPECT_EQ(-1, nab_check(bufs[0], 0, 4096, 44));

	/* A freed range is reused. */
	ASSERT_EQ(0, _test_ioctl_free(s->fd, bufs[got / 2], 0, 0));
	ASSERT_EQ(0, _test_ioctl_alloc(s->fd, chunk, 0, 0, &again));
	EXPECT_EQ(-1, nab_check_zero(again, 0, chunk));
	bufs[got / 2] = again;

	for (i = 0; i < got; i++)
		ASSERT_EQ(0, _test_ioctl_free(s->fd, bufs[i], 0, 0));
}

TEST_F(small_arena, enospc)
{
	arena_fills(_metadata, &self->s, SMALL_ARENA);
}

/*
 * A process whose address space cannot take the whole arena maps a
 * shorter one (what the library does under RLIMIT_AS or valgrind): the
 * session's arena is then as long as the mapping, and fills there.
 */
TEST_F(unmapped, short_arena)
{
	size_t page = NAB_PAGE_SIZE, len = NETAPIBUF_ARENA_MIN_SIZE;
	const int rw = PROT_READ | PROT_WRITE;
	struct netapibuf_info info;
	int fd = self->s.fd;
	void *arena;

	ASSERT_TRUE(!!(self->s.info.features & NETAPIBUF_FEATURE_SHORT_ARENA));
	if (self->s.info.arena_size <= len)
		SKIP(return, "the arena is already %llu bytes",
		     (unsigned long long)self->s.info.arena_size);
	EXPECT_ERRNO(EINVAL, NAB_MMAP_RET(NULL, len - page, rw, MAP_SHARED,
					  fd, 0));
	test_ioctl_info(&info);
	EXPECT_EQ(self->s.info.arena_size, info.arena_size);
	EXPECT_EQ(0ULL, info.arena_addr);

	arena = mmap(NULL, len, rw, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, arena) TH_LOG("mmap: %s", strerror(errno));
	self->s.arena = arena;
	test_ioctl_info(&info);
	EXPECT_EQ((uintptr_t)arena, info.arena_addr);
	EXPECT_EQ((__u64)len, info.arena_size);
	self->s.info.arena_size = info.arena_size;

	arena_fills(_metadata, &self->s, len);
	EXPECT_ERRNO(EBUSY, NAB_MMAP_RET(NULL, len, rw, MAP_SHARED, fd, 0));
}

/*
 * Two threads map one session at once, one the whole arena and one
 * NETAPIBUF_ARENA_MIN_SIZE, while a third asks INFO and allocates: one
 * mapping wins and the other is EBUSY (a second mmap is EBUSY, whatever
 * length up to the one INFO gave before the first), INFO shows no arena
 * (the whole length) or the winner's address with the winner's length,
 * and every buffer allocated lies inside the winner. Then, mapped short,
 * a second mmap of the length INFO gave before is EBUSY too.
 */
struct map_race {
	int fd;
	size_t len[2];
	void *got[2];
	int err[2];
	atomic_int started;
	atomic_bool done;
	/* what the third thread saw */
	struct { __u64 addr, size; } seen[64];
	unsigned int nseen;
	void *bufs[256];
	unsigned int nbufs;
	int alloc_err;
};

struct map_race_arg {
	struct map_race *r;
	int i;
};

static void *map_race_mmap(void *arg)
{
	struct map_race_arg *a = arg;
	struct map_race *r = a->r;

	atomic_fetch_add(&r->started, 1);
	while (atomic_load(&r->started) < 3)
		;
	r->got[a->i] = mmap(NULL, r->len[a->i], PROT_READ | PROT_WRITE,
			    MAP_SHARED, r->fd, 0);
	r->err[a->i] = r->got[a->i] == MAP_FAILED ? errno : 0;
	return NULL;
}

static void *map_race_watch(void *arg)
{
	struct map_race *r = arg;
	struct netapibuf_info info;
	void *p;

	atomic_fetch_add(&r->started, 1);
	while (atomic_load(&r->started) < 3)
		;
	do {
		if (_test_ioctl_info(r->fd, 0, &info))
			continue;
		if (r->nseen < ARRAY_SIZE(r->seen) &&
		    (!r->nseen || r->seen[r->nseen - 1].addr != info.arena_addr ||
		     r->seen[r->nseen - 1].size != info.arena_size)) {
			r->seen[r->nseen].addr = info.arena_addr;
			r->seen[r->nseen++].size = info.arena_size;
		}
		if (r->nbufs < ARRAY_SIZE(r->bufs)) {
			if (!_test_ioctl_alloc(r->fd, 64, 0, 0, &p))
				r->bufs[r->nbufs++] = p;
			else if (errno != ENXIO)
				r->alloc_err = errno;
		}
	} while (!atomic_load(&r->done));
	return NULL;
}

TEST_F_TIMEOUT(unmapped, mmap_racing_mmap, 300)
{
	size_t full = self->s.info.arena_size, min = NETAPIBUF_ARENA_MIN_SIZE;
	unsigned int round, rounds = 100, i, wins[2] = { 0, 0 };

	if (full <= min)
		SKIP(return, "the arena is already %zu bytes", full);
	nab_session_close(&self->s);
	for (round = 0; round < rounds; round++) {
		struct map_race r = { .len = { full, min } };
		struct map_race_arg a[2] = { { &r, 0 }, { &r, 1 } };
		pthread_t t[3];
		int w;

		ASSERT_EQ(0, nab_session_open(&self->s, false));
		r.fd = self->s.fd;
		ASSERT_EQ(0, pthread_create(&t[0], NULL, map_race_mmap, &a[0]));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, map_race_mmap, &a[1]));
		ASSERT_EQ(0, pthread_create(&t[2], NULL, map_race_watch, &r));
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		atomic_store(&r.done, true);
		pthread_join(t[2], NULL);

		ASSERT_TRUE(!r.err[0] != !r.err[1])
			TH_LOG("round %u: mmap %s and %s", round,
			       strerror(r.err[0]), strerror(r.err[1]));
		w = r.err[0] ? 1 : 0;
		wins[w]++;
		self->s.arena = r.got[w];
		self->s.info.arena_size = r.len[w];
		EXPECT_EQ(EBUSY, r.err[!w])
			TH_LOG("round %u: the %s mapping lost with %s", round,
			       w ? "whole" : "short", strerror(r.err[!w]));
		EXPECT_EQ(0, r.alloc_err) TH_LOG("round %u: ALLOC %s", round,
						 strerror(r.alloc_err));
		for (i = 0; i < r.nseen; i++) {
			if (!r.seen[i].addr) {
				EXPECT_EQ((__u64)full, r.seen[i].size);
				continue;
			}
			EXPECT_EQ((uintptr_t)r.got[w], r.seen[i].addr);
			EXPECT_EQ((__u64)r.len[w], r.seen[i].size)
				TH_LOG("round %u: INFO %#llx+%#llx", round,
				       (unsigned long long)r.seen[i].addr,
				       (unsigned long long)r.seen[i].size);
		}
		for (i = 0; i < r.nbufs; i++) {
			EXPECT_TRUE(nab_in_arena(&self->s, r.bufs[i], 64));
			EXPECT_EQ(0, _test_ioctl_free(self->s.fd, r.bufs[i],
						      0, 0));
		}
		/* Mapped, a second mmap of either length is EBUSY. */
		EXPECT_ERRNO(EBUSY, NAB_MMAP_RET(NULL, full,
						 PROT_READ | PROT_WRITE,
						 MAP_SHARED, self->s.fd, 0));
		EXPECT_ERRNO(EBUSY, NAB_MMAP_RET(NULL, min,
						 PROT_READ | PROT_WRITE,
						 MAP_SHARED, self->s.fd, 0));
		nab_session_close(&self->s);
		if (!_metadata->passed)
			break;
	}
	TH_LOG("%u rounds: the whole arena won %u, the short one %u",
	       round, wins[0], wins[1]);
}

#define HARD_OFFLINE	"/sys/devices/system/memory/hard_offline_page"

/* The frame under a mapped page (root sees it in pagemap), or 0. */
static unsigned long long frame_of(const void *p)
{
	unsigned long long e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e),
		  (off_t)((uintptr_t)p / NAB_PAGE_SIZE * sizeof(e))) !=
	    sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) ? e & ((1ULL << 55) - 1) : 0;
}

/* Only in a virtual machine: a frame marked poisoned is lost for good. */
static bool in_a_guest(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "flags", 5) &&
			strstr(line, " hypervisor");
	fclose(f);
	return found;
}

/*
 * A memory error in a buffer's page (marked by the memory-failure
 * handler, as hard_offline_page does it: the page is the module's, so
 * the handler can only mark it): the debugger gets EIO there
 * (->access), the process SIGBUS on its next fault. Once the buffer is
 * freed the page must never come back, as mm/ never hands a poisoned
 * page out again: not as the chunk of a small buffer (100 bytes: the
 * session keeps an empty chunk per class; 200 bytes, with another
 * buffer left in the chunk), not as the session's kept
 * buffer (16 pages; before the fix the next buffer of that size got it
 * back and raised SIGBUS), nor
 * from a freed block (64 pages, one allocation of order > 0, which the
 * page allocator takes back whole). Each new buffer of the same size
 * maps and reads zero on every page, and none holds that frame. Skips
 * outside a virtual machine: the frame is lost for good.
 */
TEST_F(unmapped, hwpoisoned_page_never_reused)
{
	const size_t page = NAB_PAGE_SIZE;
	size_t sizes[] = { 100, 200, 16 * page, 64 * page }, k, i, j, at;
	void *neighbour = NULL;
	unsigned long long frame;
	char line[64], out[64];
	unsigned char *buf, *again;
	int fd, mem, bad;
	void *p;

	if (getuid() || !in_a_guest() || access(HARD_OFFLINE, W_OK))
		SKIP(return, "needs root, a virtual machine and %s",
		     HARD_OFFLINE);
	self->s.arena = mmap(NULL, NETAPIBUF_ARENA_MIN_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, self->s.fd, 0);
	ASSERT_NE(MAP_FAILED, self->s.arena);
	self->s.info.arena_size = NETAPIBUF_ARENA_MIN_SIZE;
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mem);

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		test_ioctl_alloc(sizes[k], &p);
		buf = p;
		/* 200 bytes: another buffer stays in the chunk. */
		if (sizes[k] == 200)
			test_ioctl_alloc(sizes[k], &neighbour);
		memset(buf, 0x5a, sizes[k]);
		at = sizes[k] > page ? page : 0;
		frame = frame_of(buf + at);
		ASSERT_NE(0ULL, frame);
		fd = open(HARD_OFFLINE, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		/* EBUSY: the page is the module's; it is marked all the same. */
		snprintf(line, sizeof(line), "%#llx", frame * page);
		TH_LOG("%zu bytes: frame %#llx: %s", sizes[k], frame,
		       write(fd, line, strlen(line)) < 0 ? strerror(errno) :
		       "offline");
		close(fd);
		errno = 0;
		EXPECT_EQ(-1, pread(mem, out, sizeof(out),
				    (off_t)(uintptr_t)(buf + at)));
		EXPECT_EQ(EIO, errno);
		test_ioctl_free(buf);
		/* What stays mapped faults again. */
		ASSERT_EQ(0, madvise(self->s.arena, NETAPIBUF_ARENA_MIN_SIZE,
				     MADV_DONTNEED));

		for (i = 0, bad = 0; i < 4 && !bad; i++) {
			test_ioctl_alloc(sizes[k], &p);
			again = p;
			for (j = 0; j * page < sizes[k] && !bad; j++) {
				bad = nab_probe(again + j * page, false);
				EXPECT_EQ(0, bad)
					TH_LOG("%zu bytes, round %zu: page %zu of a new buffer",
					       sizes[k], i, j);
				if (!bad && frame_of(again + j * page) == frame)
					bad = -1;
				EXPECT_NE(-1, bad) TH_LOG("the frame again");
			}
			if (!bad)
				EXPECT_EQ(-1, nab_check_zero(again, 0,
							     sizes[k]));
			test_ioctl_free(again);
		}
		if (neighbour)
			test_ioctl_free(neighbour);
		neighbour = NULL;
	}
	close(mem);
}

/*
 * The struct-in-arena rule follows a short arena's end: with memory of
 * the process's own mapped right after a 64 MiB arena, an ALLOC struct
 * there works (it is not the arena, whatever the whole arena would have
 * covered), and one across the end (its first bytes in the arena's last
 * page, a live buffer) is EINVAL with nothing allocated.
 */
TEST_F(unmapped, struct_after_short_arena)
{
	const size_t page = NAB_PAGE_SIZE, len = NETAPIBUF_ARENA_MIN_SIZE;
	struct netapibuf_alloc *arg;
	struct nab_stats before;
	unsigned char *a, *after, *last = NULL;
	void *p;

	if (self->s.info.arena_size <= len)
		SKIP(return, "the arena is already %llu bytes",
		     (unsigned long long)self->s.info.arena_size);
	/* Room for the arena and a page after it, then the arena first. */
	a = mmap(NULL, len + page, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_EQ(0, munmap(a, len));
	after = a + len;
	ASSERT_EQ(a, mmap(a, len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED, self->s.fd, 0));
	self->s.arena = a;
	self->s.info.arena_size = len;
	ASSERT_EQ(0, mprotect(after, page, PROT_READ | PROT_WRITE));

	arg = (void *)after;
	memset(arg, 0, sizeof(*arg));
	arg->size = 64;
	EXPECT_EQ(0, ioctl(self->s.fd, NETAPIBUF_IOC_ALLOC, arg)) TH_LOG("%m");
	EXPECT_TRUE(nab_in_arena(&self->s, (void *)(uintptr_t)arg->addr, 64));
	if (arg->addr)
		EXPECT_EQ(0, _test_ioctl_free(self->s.fd,
					      (void *)(uintptr_t)arg->addr,
					      0, 0));

	/* Fill the arena so that a one-page buffer is its last page. */
	while (!_test_ioctl_alloc(self->s.fd, 4 << 20, 0, 0, &p))
		;
	while (!_test_ioctl_alloc(self->s.fd, page, 0, 0, &p))
		if ((unsigned char *)p == after - page)
			last = p;
	ASSERT_NE(NULL, last);
	arg = (void *)(after - 8);
	memset(arg, 0, sizeof(*arg));
	arg->size = 16;
	ASSERT_STATS(&before);
	EXPECT_ERRNO(EINVAL, ioctl(self->s.fd, NETAPIBUF_IOC_ALLOC, arg));
	EXPECT_NOTHING_ALLOCATED(&before);
	munmap(after, page);
}

/* ---- memory-management calls on a live arena ---------------------------- */

/*
 * The calls of mm/ a process can make on its arena, tried on a live
 * buffer whose every page is mapped: userfaultfd(2) registration,
 * madvise(2) advice the other tests do not try, mseal(2). Each must
 * fail, or succeed and change nothing: the buffer keeps its bytes,
 * Free works, a freed large buffer raises SIGBUS, and a new buffer
 * reads zero.
 */
FIXTURE(mm) {
	struct nab_session s;
	struct nab_stats base;
	unsigned char *buf;	/* the variant's buffer, filled */
	size_t size;
	unsigned char *lo, *hi;	/* the pages it lies in */
};

FIXTURE_VARIANT(mm) {
	size_t size;
};

/* A slot of a small buffer's chunk page; a large buffer of 16 pages. */
FIXTURE_VARIANT_ADD(mm, small_100) { .size = 100 };
FIXTURE_VARIANT_ADD(mm, large_64k) { .size = 64 << 10 };

#define MM_SEED	0x4d

FIXTURE_SETUP(mm)
{
	size_t page = NAB_PAGE_SIZE;
	int ret;

	self->s.fd = -1;
	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
	self->size = variant->size;
	ret = nab_session_open(&self->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0,
				       (void **)&self->buf));
	nab_fill(self->buf, 0, self->size, MM_SEED);
	self->lo = (unsigned char *)((uintptr_t)self->buf & ~(page - 1));
	self->hi = (unsigned char *)(((uintptr_t)self->buf + self->size +
				      page - 1) & ~(page - 1));
}

FIXTURE_TEARDOWN(mm)
{
	nab_session_close(&self->s);
	EXPECT_STATS_BASELINE(&self->base);
}

#define EXPECT_MM_INTACT(what)						\
	EXPECT_EQ(-1, nab_check(self->buf, 0, self->size, MM_SEED))	\
		TH_LOG("%s: buffer changed at byte %ld", what,		\
		       nab_check(self->buf, 0, self->size, MM_SEED))

/*
 * Free works; a large buffer's pages are then gone (SIGBUS); and a new
 * buffer of the same size, which may well take the same pages or slot,
 * reads zero and keeps what is written.
 */
static void mm_free_and_check(struct __test_metadata *_metadata,
			      FIXTURE_DATA(mm) *self)
{
	size_t page = NAB_PAGE_SIZE;
	unsigned char *again;

	ASSERT_EQ(0, _test_ioctl_free(self->s.fd, self->buf, 0, 0));
	if (self->size > page / 2) {
		EXPECT_EQ(SIGBUS, nab_probe(self->buf, false));
		EXPECT_EQ(SIGBUS, nab_probe(self->buf + self->size - 1, true));
	}
	EXPECT_NE(0, _test_ioctl_size(self->s.fd, self->buf, 0, 0, NULL));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0,
				       (void **)&again));
	EXPECT_EQ(-1, nab_check_zero(again, 0, self->size));
	nab_fill(again, 0, self->size, MM_SEED + 1);
	EXPECT_EQ(-1, nab_check(again, 0, self->size, MM_SEED + 1));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, again, 0, 0));
}

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC	(1 << 15)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif

/* A userfaultfd with @features, or -errno. */
static int mm_uffd(__u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd, err;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == EPERM)
		fd = syscall(__NR_userfaultfd,
			     O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int mm_uffd_register(int uffd, void *start, size_t len, __u64 mode)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)start, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg);
}

/*
 * userfaultfd(2) would have faults in the arena handled by the process
 * (MISSING), its pages write-protected under the module (WP) or taken
 * from the page cache (MINOR): no registration of the arena, whole or
 * in part, in any mode, is allowed (EINVAL); anonymous memory, the
 * control, registers. Registering a kind of memory the kernel cannot
 * track fails the same way before 6.7; from 6.7 WP_ASYNC registers
 * any VMA, which mm.uffd_wp_async tries.
 */
TEST_F(mm, userfaultfd)
{
	static const struct {
		__u64 mode;
		const char *name;
	} modes[] = {
		{ UFFDIO_REGISTER_MODE_MISSING, "MISSING" },
		{ UFFDIO_REGISTER_MODE_WP, "WP" },
		{ UFFDIO_REGISTER_MODE_MINOR, "MINOR" },
		{ UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
		  "MISSING|WP" },
	};
	struct uffdio_api probe = { .api = UFFD_API };
	size_t page = NAB_PAGE_SIZE;
	__u64 features;
	void *anon;
	size_t i;
	int uffd;

	uffd = mm_uffd(0);
	if (uffd == -ENOSYS)
		SKIP(return, "no userfaultfd (CONFIG_USERFAULTFD)");
	ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s", strerror(-uffd));
	close(uffd);
	/*
	 * Every feature that widens what registers; not the events (an
	 * unread UNMAP event would block munmap) nor asynchronous WP.
	 */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &probe));
	close(uffd);
	features = probe.features & (UFFD_FEATURE_MISSING_HUGETLBFS |
				     UFFD_FEATURE_MISSING_SHMEM |
				     UFFD_FEATURE_MINOR_HUGETLBFS |
				     UFFD_FEATURE_MINOR_SHMEM |
				     UFFD_FEATURE_WP_HUGETLBFS_SHMEM |
				     UFFD_FEATURE_WP_UNPOPULATED);
	uffd = mm_uffd(features);
	ASSERT_LE(0, uffd) TH_LOG("UFFDIO_API %#llx: %s",
				  (unsigned long long)features,
				  strerror(-uffd));

	anon = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, mm_uffd_register(uffd, anon, page,
				      UFFDIO_REGISTER_MODE_MISSING))
		TH_LOG("control: anonymous memory: %m");

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		EXPECT_ERRNO(EINVAL, mm_uffd_register(uffd, self->lo,
						      self->hi - self->lo,
						      modes[i].mode))
			TH_LOG("%s on the buffer", modes[i].name);
		EXPECT_ERRNO(EINVAL, mm_uffd_register(uffd, self->s.arena,
						      self->s.info.arena_size,
						      modes[i].mode))
			TH_LOG("%s on the arena", modes[i].name);
		EXPECT_MM_INTACT(modes[i].name);
	}
	munmap(anon, page);
	close(uffd);
	mm_free_and_check(_metadata, self);
}

/*
 * The asynchronous write protection of 6.7 and later (what
 * PAGEMAP_SCAN uses) registers in WP mode alone "any memory type",
 * which on 6.12 includes VM_IO mappings such as the arena (the 7.3
 * source refuses VM_SPECIAL ones). Where it
 * registers, write protection of the arena leaves uffd-wp markers in
 * its page tables: they must neither keep the buffer from being
 * written, nor keep Free from unmapping it, nor keep a new buffer at
 * the same address from being mapped (the module took any entry it
 * found for its own: the fault looped for ever).
 */
TEST_F(mm, uffd_wp_async)
{
	struct uffdio_api probe = { .api = UFFD_API };
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)self->lo,
			   .len = self->hi - self->lo },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	__u64 features = UFFD_FEATURE_WP_ASYNC;
	unsigned char *again;
	int uffd, ret;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %m");
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &probe));
	close(uffd);
	if (!(probe.features & UFFD_FEATURE_WP_ASYNC))
		SKIP(return, "no UFFD_FEATURE_WP_ASYNC (before 6.7)");
	features |= probe.features & UFFD_FEATURE_WP_UNPOPULATED;
	uffd = mm_uffd(features);
	ASSERT_LE(0, uffd) TH_LOG("UFFDIO_API: %s", strerror(-uffd));

	/* A part of the arena would be a VMA split: refused. */
	EXPECT_ERRNO(EINVAL, mm_uffd_register(uffd, self->lo,
					      self->hi - self->lo,
					      UFFDIO_REGISTER_MODE_WP));
	ret = mm_uffd_register(uffd, self->s.arena, self->s.info.arena_size,
			       UFFDIO_REGISTER_MODE_WP);
	if (ret) {
		EXPECT_EQ(EINVAL, errno);
		EXPECT_MM_INTACT("WP_ASYNC registration refused");
		close(uffd);
		mm_free_and_check(_metadata, self);
		return;
	}
	TH_LOG("this kernel registers the arena for asynchronous WP");

	/* Only WRITEPROTECT applies: nothing fills the arena but the module. */
	{
		struct uffdio_copy copy = {
			.dst = (uintptr_t)self->lo, .len = NAB_PAGE_SIZE,
		};
		struct uffdio_zeropage zero = {
			.range = { .start = (uintptr_t)self->lo,
				   .len = NAB_PAGE_SIZE },
		};
		struct uffdio_continue cont = {
			.range = { .start = (uintptr_t)self->lo,
				   .len = NAB_PAGE_SIZE },
		};

		nab_pattern_init();
		copy.src = (uintptr_t)nab_zeroes;
		EXPECT_EQ(-1, ioctl(uffd, UFFDIO_COPY, &copy));
		EXPECT_EQ(-1, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
		EXPECT_EQ(-1, ioctl(uffd, UFFDIO_CONTINUE, &cont));
		EXPECT_MM_INTACT("UFFDIO_COPY, ZEROPAGE, CONTINUE");
	}

	/* Protect the buffer's pages, write them, read them back. */
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) TH_LOG("%m");
	EXPECT_MM_INTACT("write-protected");
	nab_fill(self->buf, 0, self->size, MM_SEED + 2);
	EXPECT_EQ(-1, nab_check(self->buf, 0, self->size, MM_SEED + 2));

	/* Protected again, so that Free's unmapping leaves markers. */
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) TH_LOG("%m");
	ASSERT_EQ(0, _test_ioctl_free(self->s.fd, self->buf, 0, 0));
	if (self->size > NAB_PAGE_SIZE / 2)
		EXPECT_EQ(SIGBUS, nab_probe(self->buf, false));
	/* Markers in the range of the next buffer, mapped or not. */
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) TH_LOG("%m");

	/*
	 * The same size again takes the same pages or slot: it must read
	 * zero and take writes. A fault that loops ends in the harness's
	 * timeout.
	 */
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, self->size, 0, 0,
				       (void **)&again));
	TH_LOG("new buffer %s the old one's address",
	       again == self->buf ? "at" : "not at");
	EXPECT_EQ(-1, nab_check_zero(again, 0, self->size));
	nab_fill(again, 0, self->size, MM_SEED + 3);
	EXPECT_EQ(-1, nab_check(again, 0, self->size, MM_SEED + 3));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, again, 0, 0));
	close(uffd);
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif

/*
 * madvise(2) advice not tried elsewhere, on the buffer's pages and on
 * the whole arena. Advice for anonymous memory only (WIPEONFORK, FREE),
 * for huge pages (COLLAPSE), guard markers (6.13+) and memory error
 * injection (HWPOISON, SOFT_OFFLINE: they would take a module page
 * from it) must fail; flags the arena does not honour (HUGEPAGE,
 * MERGEABLE, DONTFORK...) may succeed but change nothing, and a part
 * of the arena may not take a flag (no VMA split). After each the
 * buffer holds its bytes; after all of them a fork child still gets no
 * arena and Free works.
 */
TEST_F(mm, madvise)
{
	static const struct {
		int advice;
		const char *name;
		bool must_fail;
	} advice[] = {
		{ MADV_WIPEONFORK, "WIPEONFORK", true },
		{ MADV_KEEPONFORK, "KEEPONFORK", false },
		{ MADV_FREE, "FREE", true },
		{ MADV_HUGEPAGE, "HUGEPAGE", false },
		{ MADV_NOHUGEPAGE, "NOHUGEPAGE", false },
		{ MADV_COLLAPSE, "COLLAPSE", true },
		{ MADV_MERGEABLE, "MERGEABLE", false },
		{ MADV_UNMERGEABLE, "UNMERGEABLE", false },
		{ MADV_DONTFORK, "DONTFORK", false },
		{ MADV_GUARD_INSTALL, "GUARD_INSTALL", true },
		{ MADV_GUARD_REMOVE, "GUARD_REMOVE", true },
		{ MADV_SOFT_OFFLINE, "SOFT_OFFLINE", true },
		{ MADV_HWPOISON, "HWPOISON", true },
	};
	const struct {
		void *start;
		size_t len;
		const char *name;
	} range[] = {
		{ self->lo, self->hi - self->lo, "the buffer" },
		{ self->s.arena, self->s.info.arena_size, "the arena" },
	};
	size_t i, j;
	int r;

	for (i = 0; i < ARRAY_SIZE(advice); i++) {
		for (j = 0; j < ARRAY_SIZE(range); j++) {
			/* The error injections take one page at a time. */
			if (j && (advice[i].advice == MADV_SOFT_OFFLINE ||
				  advice[i].advice == MADV_HWPOISON))
				break;
			errno = 0;
			r = madvise(range[j].start, range[j].len,
				    advice[i].advice);
			TH_LOG("%s on %s: %s", advice[i].name, range[j].name,
			       r ? strerror(errno) : "done");
			if (advice[i].must_fail)
				EXPECT_EQ(-1, r) TH_LOG("%s on %s worked",
							advice[i].name,
							range[j].name);
			EXPECT_MM_INTACT(advice[i].name);
		}
		/* Still one mapping: no flag split it. */
		EXPECT_EQ(0, nab_probe(self->buf, false));
	}

	/* DONTFORK was there already: the child has no arena. */
	IN_CHILD({
		EXPECT_EQ(SIGSEGV, nab_probe(self->buf, false));
		EXPECT_ERRNO(EPERM, _test_ioctl_alloc(self->s.fd, 64, 0, 0,
						      NULL));
	});
	EXPECT_MM_INTACT("after fork");
	mm_free_and_check(_metadata, self);
}

#ifndef __NR_mseal
#define __NR_mseal	462
#endif

/*
 * mseal(2) (6.10+) seals the arena against munmap, mremap, mprotect: the
 * module's own unmapping (Free) is not one of those and works, and the
 * session ends with the process (an exit unmaps sealed mappings) with
 * nothing left behind (the teardown's baseline; kmemleak on the debug
 * kernel). A child seals a session of its own, so that the sealed
 * arena goes with it.
 */
TEST_F(mm, mseal)
{
	IN_CHILD({
		struct nab_session s;
		size_t n = self->size;
		unsigned char *b, *left;
		long r;

		ASSERT_EQ(0, nab_session_open(&s, true));
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, n, 0, 0, (void **)&b));
		ASSERT_EQ(0, _test_ioctl_alloc(s.fd, n, 0, 0,
					       (void **)&left));
		nab_fill(b, 0, n, MM_SEED);
		nab_fill(left, 0, n, MM_SEED + 1);
		r = syscall(__NR_mseal, s.arena, s.info.arena_size, 0);
		if (r) {
			/* 6.1, 6.12: no mseal (ENOSYS); or refused. */
			TH_LOG("mseal: %m");
			EXPECT_TRUE(errno == ENOSYS || errno == EPERM ||
				    errno == EINVAL);
		} else {
			EXPECT_ERRNO(EPERM, munmap(s.arena, s.info.arena_size));
			EXPECT_ERRNO(EPERM, mprotect(s.arena, s.info.arena_size,
						     PROT_READ));
		}
		EXPECT_EQ(-1, nab_check(b, 0, n, MM_SEED));
		ASSERT_EQ(0, _test_ioctl_free(s.fd, b, 0, 0));
		if (n > NAB_PAGE_SIZE / 2)
			EXPECT_EQ(SIGBUS, nab_probe(b, false));
		EXPECT_EQ(-1, nab_check(left, 0, n, MM_SEED + 1));
		/* left stays; the descriptor goes, the arena with the exit */
		close(s.fd);
		EXPECT_EQ(-1, nab_check(left, 0, n, MM_SEED + 1));
	});
}

TEST_HARNESS_MAIN
