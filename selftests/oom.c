// SPDX-License-Identifier: GPL-2.0
/*
 * The OOM scenario of issue 12, with the limits as they are (make check
 * runs it with the defaults, in its 2 GiB guests and in a 1 GiB one):
 *
 * - a holder allocates as many 2,049-byte buffers as it can and touches
 *   none of them: each holds a page that is in no process's RSS, which
 *   is what the OOM killer weighs;
 * - then a new process touches 96 MiB per GiB of RAM, at least 96 MiB
 *   (96 MiB in a 1 GiB guest).
 *
 * The holder must be refused (ERROR_NOT_ENOUGH_MEMORY) or killed; the
 * new process must finish. Before the limits counted memory, a 1 GiB
 * guest's holder pinned 772 MiB against a 471 MiB limit and the new
 * process was OOM-killed.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <netapibuf.h>

#include "netapibuf_test.h"

#define BUF_SIZE	2049
#define MB		(1024ULL * 1024)

/* A /proc/meminfo field in bytes, or -1. */
static long long meminfo(const char *field)
{
	char line[256];
	long long kb = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = atoll(line + n + 1);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* What the holder reports once it stops. */
struct held {
	NET_API_STATUS status;	/* of the call that failed */
	unsigned long long buffers;
};

static void holder(int fd)
{
	struct held h = { .status = NERR_Success };
	LPVOID p;

	for (;;) {
		h.status = NetApiBufferAllocate(BUF_SIZE, &p);
		if (h.status != NERR_Success)
			break;
		h.buffers++;
	}
	if (write(fd, &h, sizeof(h)) != sizeof(h))
		_exit(2);
	/* Hold them until killed. */
	for (;;)
		pause();
}

/* Touch @bytes of fresh anonymous memory, a byte a page. */
static void innocent(size_t bytes)
{
	size_t page = NAB_PAGE_SIZE, i;
	volatile char *p;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (i = 0; i < bytes; i += page)
		p[i] = 1;
	_exit(0);
}

FIXTURE(oom) {
	struct nab_stats base;
};

FIXTURE_SETUP(oom)
{
	NAB_REQUIRE_DEVICE();
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(oom)
{
}

TEST_F_TIMEOUT(oom, holder_refused_not_innocent_killed, 900)
{
	unsigned long long total_max = 0, ram = meminfo("MemTotal");
	size_t touch = (size_t)(ram / 1024 * 96 > 96 * MB ? ram / 1024 * 96
							  : 96 * MB) &
		       ~(NAB_PAGE_SIZE - 1);
	long long avail_before, avail_held;
	struct nab_stats held_stats, now;
	int pipefd[2], status, i;
	struct held h = {};
	pid_t hp, ip;
	ssize_t n;

	ASSERT_LT(0, (long long)ram);
	ASSERT_TRUE(nab_param_read("max_total_bytes", &total_max));
	avail_before = meminfo("MemAvailable");
	ASSERT_EQ(0, pipe(pipefd));

	hp = fork();
	ASSERT_LE(0, hp);
	if (!hp) {
		close(pipefd[0]);
		holder(pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &h, sizeof(h));
	close(pipefd[0]);
	ASSERT_STATS(&held_stats);
	avail_held = meminfo("MemAvailable");

	TH_LOG("RAM %llu MiB, max_total_bytes %llu MiB: holder %s after %llu buffers of %d B",
	       ram / MB, total_max / MB,
	       n == sizeof(h) ? "refused" : "gone", h.buffers, BUF_SIZE);
	TH_LOG("pinned %lld MiB (%lld pages), charged %lld MiB; MemAvailable %lld -> %lld MiB; new process touches %zu MiB",
	       held_stats.pages * (long long)NAB_PAGE_SIZE / (long long)MB,
	       held_stats.pages, held_stats.charged_bytes / (long long)MB,
	       avail_before / (long long)MB, avail_held / (long long)MB,
	       touch / (size_t)MB);

	if (n == sizeof(h)) {
		/* Refused, as the library says it: not a crash, not EFAULT. */
		EXPECT_EQ((NET_API_STATUS)ERROR_NOT_ENOUGH_MEMORY, h.status);
		EXPECT_LT(0ULL, h.buffers);
	}

	ip = fork();
	ASSERT_LE(0, ip);
	if (!ip)
		innocent(touch);
	ASSERT_EQ(ip, waitpid(ip, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the new process %s %d: the OOM killer took the innocent one",
		       WIFSIGNALED(status) ? "was killed by signal" : "exited with",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));

	/* The holder: refused and still holding, or killed - nothing else. */
	if (waitpid(hp, &status, WNOHANG) == hp) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("the holder ended on its own: status %#x", status);
		TH_LOG("the holder was killed");
	} else {
		EXPECT_EQ(sizeof(h), (size_t)n);
		kill(hp, SIGKILL);
		ASSERT_EQ(hp, waitpid(hp, &status, 0));
	}

	/* Its buffers go with it. */
	for (i = 0; i < NAB_SETTLE_MS / 10; i++) {
		ASSERT_STATS(&now);
		if (nab_stats_settled(&self->base, &now))
			break;
		usleep(10000);
	}
	EXPECT_TRUE(nab_stats_settled(&self->base, &now));
}

TEST_HARNESS_MAIN
