// SPDX-License-Identifier: GPL-2.0
/*
 * nab-bench: netapibuf and its peers, one process per peer and run.
 *
 * Usage: nab-bench PEER [TEST]...   PEER: netapibuf, netapibuf-ioctl,
 *                                   glibc, memfd, mmap, dmabuf-heap;
 *                                   TEST: alloc_free size realloc live
 *                                   threads (only when named)
 *        nab-bench floor            no-op ioctl, NETAPIBUF_IOC_INFO, getppid
 *        nab-bench agent            agent delivery versus read(2), and the
 *                                   page allocator's costs
 *        nab-bench sysinfo          NetWkstaGetInfo and NetInterfaceEnum
 *                                   per call, against the same facts from
 *                                   uname(2), /proc/sys/kernel and
 *                                   /sys/class/net as a daemon reads them
 *        nab-bench trace            a few operations between markers in
 *                                   the ftrace buffer (bench/nab-bench-trace)
 *
 * Samba's libnetapi defines NetApiBufferAllocate and NetApiBufferFree
 * too, so it has a program of its own: nab-bench-samba.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/netapibuf.h>

#include <netapi.h>
#include <netapibuf.h>

#include "agent/netapibuf_bench_agent.h"
#include "bench.h"

/* An unknown command of netapibuf's type: ENOTTY before anything else. */
#define NAB_IOC_NOOP	_IO(NETAPIBUF_IOCTL_TYPE, 0xff)

static size_t nab_round_page(size_t n)
{
	return (n + NAB_PAGE - 1) / NAB_PAGE * NAB_PAGE;
}

/* netapibuf through libnetapibuf, as programs use it. */

static int lib_alloc(struct nab_buf *b, size_t n)
{
	LPVOID p;

	if (NetApiBufferAllocate((DWORD)n, &p) != NERR_Success)
		return -1;
	b->p = p;
	b->n = n;
	return 0;
}

static void lib_free(struct nab_buf *b)
{
	if (NetApiBufferFree(b->p) != NERR_Success)
		nab_die("NetApiBufferFree failed");
}

static int lib_realloc(struct nab_buf *b, size_t n)
{
	LPVOID p;

	if (NetApiBufferReallocate(b->p, (DWORD)n, &p) != NERR_Success)
		return -1;
	b->p = p;
	b->n = n;
	return 0;
}

static size_t lib_size(const struct nab_buf *b)
{
	DWORD n;

	if (NetApiBufferSize(b->p, &n) != NERR_Success)
		nab_die("NetApiBufferSize failed");
	return n;
}

static const struct nab_peer nab_lib = {
	.name = "netapibuf",
	.alloc = lib_alloc,
	.free = lib_free,
	.realloc = lib_realloc,
	.size = lib_size,
	.copies = NAB_COPY_SMALL,
	.live_n = 1000000,
};

/* netapibuf through its ioctls on a session of our own. */

static int nab_fd = -1;

static int raw_setup(void)
{
	struct netapibuf_info info = { 0 };
	void *arena;

	if (nab_fd >= 0)
		return 0;
	nab_fd = open("/dev/netapibuf", O_RDWR | O_CLOEXEC);
	if (nab_fd < 0)
		return -1;
	if (ioctl(nab_fd, NETAPIBUF_IOC_INFO, &info))
		nab_die("NETAPIBUF_IOC_INFO: %s", strerror(errno));
	arena = mmap(NULL, info.arena_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     nab_fd, 0);
	if (arena == MAP_FAILED)
		nab_die("mmap of the arena: %s", strerror(errno));
	return 0;
}

static int raw_alloc(struct nab_buf *b, size_t n)
{
	struct netapibuf_alloc arg = { .size = n };

	if (ioctl(nab_fd, NETAPIBUF_IOC_ALLOC, &arg))
		return -1;
	b->p = (char *)(uintptr_t)arg.addr;
	b->n = n;
	return 0;
}

static void raw_free(struct nab_buf *b)
{
	struct netapibuf_free arg = { .addr = (uintptr_t)b->p };

	if (ioctl(nab_fd, NETAPIBUF_IOC_FREE, &arg))
		nab_die("NETAPIBUF_IOC_FREE: %s", strerror(errno));
}

static const struct nab_peer nab_raw = {
	.name = "netapibuf-ioctl",
	.setup = raw_setup,
	.alloc = raw_alloc,
	.free = raw_free,
};

/* glibc malloc. */

static int glibc_alloc(struct nab_buf *b, size_t n)
{
	b->p = malloc(n);
	b->n = n;
	return b->p ? 0 : -1;
}

static void glibc_free(struct nab_buf *b)
{
	free(b->p);
}

static int glibc_realloc(struct nab_buf *b, size_t n)
{
	char *p = realloc(b->p, n);

	if (!p)
		return -1;
	b->p = p;
	b->n = n;
	return 0;
}

static size_t glibc_size(const struct nab_buf *b)
{
	return malloc_usable_size(b->p);
}

/* glibc's chunk header: bit 1 of the size word is IS_MMAPPED. */
static int glibc_remaps(const struct nab_buf *b)
{
	return ((const size_t *)b->p)[-1] & 2;
}

static const struct nab_peer nab_glibc = {
	.name = "glibc",
	.alloc = glibc_alloc,
	.free = glibc_free,
	.realloc = glibc_realloc,
	.size = glibc_size,
	.copies = NAB_COPY_MOVED,
	.live_n = 1000000,
	.remaps = glibc_remaps,
};

/* memfd_create + ftruncate + mmap; munmap + close. */

static int memfd_alloc(struct nab_buf *b, size_t n)
{
	int fd = memfd_create("nab-bench", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	b->n = n;
	b->h = fd;
	if (ftruncate(fd, n))
		goto close_fd;
	b->p = mmap(NULL, nab_round_page(n), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (b->p == MAP_FAILED)
		goto close_fd;
	return 0;
close_fd:
	close(fd);
	return -1;
}

static void memfd_free(struct nab_buf *b)
{
	munmap(b->p, nab_round_page(b->n));
	close(b->h);
}

/* Both mapping peers grow and shrink with mremap(2). */
static int remap_realloc(struct nab_buf *b, size_t n)
{
	char *p = mremap(b->p, nab_round_page(b->n), nab_round_page(n),
			 MREMAP_MAYMOVE);

	if (p == MAP_FAILED)
		return -1;
	b->p = p;
	b->n = n;
	return 0;
}

static int memfd_realloc(struct nab_buf *b, size_t n)
{
	if (ftruncate(b->h, n))
		return -1;
	return remap_realloc(b, n);
}

/* One page each: 1,000,000 would take 4 GiB, twice the guest's memory. */
static const struct nab_peer nab_memfd = {
	.name = "memfd",
	.alloc = memfd_alloc,
	.free = memfd_free,
	.realloc = memfd_realloc,
	.copies = NAB_COPY_NONE,
	.live_n = 20000,
};

/* Anonymous mmap + munmap. */

static int anon_alloc(struct nab_buf *b, size_t n)
{
	b->p = mmap(NULL, nab_round_page(n), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->n = n;
	return b->p == MAP_FAILED ? -1 : 0;
}

static void anon_free(struct nab_buf *b)
{
	munmap(b->p, nab_round_page(b->n));
}

static const struct nab_peer nab_anon = {
	.name = "mmap",
	.alloc = anon_alloc,
	.free = anon_free,
	.realloc = remap_realloc,
	.copies = NAB_COPY_NONE,
	.live_n = 20000,
};

/* A dma-buf from the system heap, mapped. */

static int heap_fd = -1;

static int heap_setup(void)
{
	heap_fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	return heap_fd < 0 ? -1 : 0;
}

static int heap_alloc(struct nab_buf *b, size_t n)
{
	struct dma_heap_allocation_data data = {
		.len = nab_round_page(n),
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data))
		return -1;
	b->h = data.fd;
	b->n = n;
	b->p = mmap(NULL, data.len, PROT_READ | PROT_WRITE, MAP_SHARED,
		    data.fd, 0);
	if (b->p == MAP_FAILED) {
		close(data.fd);
		return -1;
	}
	return 0;
}

static void heap_free(struct nab_buf *b)
{
	munmap(b->p, nab_round_page(b->n));
	close(b->h);
}

static const struct nab_peer nab_heap = {
	.name = "dmabuf-heap",
	.setup = heap_setup,
	.alloc = heap_alloc,
	.free = heap_free,
	.live_n = 20000,
};

/* The floor: what any call into the kernel costs. */

static void nab_floor(void)
{
	const unsigned long iters = 100000;
	struct netapibuf_info info;
	uint64_t t0, t1, t2, t3;
	unsigned long i;

	if (raw_setup())
		nab_die("/dev/netapibuf: %s", strerror(errno));
	for (i = 0; i < iters / 10; i++)
		ioctl(nab_fd, NAB_IOC_NOOP, 0);
	if (ioctl(nab_fd, NAB_IOC_NOOP, 0) != -1 || errno != ENOTTY)
		nab_die("the no-op ioctl did not fail with ENOTTY");

	t0 = nab_now();
	for (i = 0; i < iters; i++)
		ioctl(nab_fd, NAB_IOC_NOOP, 0);
	t1 = nab_now();
	for (i = 0; i < iters; i++) {
		info.flags = 0;
		if (ioctl(nab_fd, NETAPIBUF_IOC_INFO, &info))
			nab_die("NETAPIBUF_IOC_INFO: %s", strerror(errno));
	}
	t2 = nab_now();
	for (i = 0; i < iters; i++)
		syscall(SYS_getppid);
	t3 = nab_now();
	nab_emit("\"t\":\"floor\",\"peer\":\"noop-ioctl\",\"iters\":%lu,"
		 "\"ns\":%" PRIu64, iters, t1 - t0);
	nab_emit("\"t\":\"floor\",\"peer\":\"info-ioctl\",\"iters\":%lu,"
		 "\"ns\":%" PRIu64, iters, t2 - t1);
	nab_emit("\"t\":\"floor\",\"peer\":\"getppid\",\"iters\":%lu,"
		 "\"ns\":%" PRIu64, iters, t3 - t2);
}

/*
 * Agent delivery versus read(2): NetApiBufferAgentCall() (one ioctl, the
 * agent writes into pages that become the caller's buffer), a read of one
 * word per page, NetApiBufferFree(); against pread(2) of the same bytes
 * into a buffer the program reuses.
 */

static void nab_check_pattern(const char *p, size_t len)
{
	size_t o;

	for (o = 0; o < len; o += NAB_PAGE)
		if (*(const uint64_t *)(p + o) != o + NAB_BENCH_MAGIC)
			nab_die("wrong bytes at offset %zu", o);
}

static uint64_t nab_deliver(size_t len, uint64_t *call_ns, uint64_t *read_ns,
			    uint64_t *free_ns)
{
	uint64_t args[4] = { len }, t0, t1, t2, t3;
	void *buf;

	t0 = nab_now();
	if (NetApiBufferAgentCall("bench", 0, NULL, 0, args, &buf) !=
	    NERR_Success)
		nab_die("NetApiBufferAgentCall(\"bench\") failed");
	t1 = nab_now();
	nab_check_pattern(buf, len);
	t2 = nab_now();
	lib_free(&(struct nab_buf){ .p = buf });
	t3 = nab_now();
	if (call_ns) {
		*call_ns += t1 - t0;
		*read_ns += t2 - t1;
		*free_ns += t3 - t2;
	}
	return t3 - t0;
}

/*
 * The page allocator alone, the least of three tries: what the per-CPU
 * lists hold at the time decides whether freeing goes on to the buddy
 * allocator, and that differs slightly from run to run.
 */
static void nab_pages(int fd, unsigned long nr, unsigned int order, int zero)
{
	uint64_t alloc_ns = UINT64_MAX, free_ns = UINT64_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		struct nab_bench_pages arg = { .nr = nr, .order = order,
					       .zero = zero };

		if (ioctl(fd, NAB_BENCH_IOC_PAGES, &arg))
			nab_die("NAB_BENCH_IOC_PAGES: %s", strerror(errno));
		if (arg.alloc_ns < alloc_ns)
			alloc_ns = arg.alloc_ns;
		if (arg.free_ns < free_ns)
			free_ns = arg.free_ns;
	}
	nab_emit("\"t\":\"pages\",\"nr\":%lu,\"order\":%u,\"zero\":%d,"
		 "\"alloc_ns\":%" PRIu64 ",\"free_ns\":%" PRIu64,
		 nr, order, zero, alloc_ns, free_ns);
}

/* What the ioctl dispatcher's copies and the session mutex cost. */
static void nab_copies(int fd)
{
	static const size_t sizes[] = { 24, 56 };
	char ubuf[256] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct nab_bench_copy arg = {
			.iters = 10000,
			.size = sizes[i],
			.buf = (uintptr_t)ubuf,
		};

		if (ioctl(fd, NAB_BENCH_IOC_COPY, &arg))
			nab_die("NAB_BENCH_IOC_COPY: %s", strerror(errno));
		nab_emit("\"t\":\"copies\",\"size\":%zu,\"iters\":%llu,"
			 "\"from_ns\":%llu,\"to_ns\":%llu,\"struct_ns\":%llu,"
			 "\"mutex_ns\":%llu", sizes[i],
			 (unsigned long long)arg.iters,
			 (unsigned long long)arg.from_ns,
			 (unsigned long long)arg.to_ns,
			 (unsigned long long)arg.struct_ns,
			 (unsigned long long)arg.mutex_ns);
	}
}

static void nab_agent(void)
{
	const size_t len = 1 << 20;
	const unsigned long iters = 40;
	uint64_t t0, t1, t2, t3, call = 0, rd = 0, fr = 0;
	unsigned long i;
	char *ubuf;
	int fd;

	fd = open("/dev/netapibuf_bench", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		nab_emit("\"t\":\"absent\",\"peer\":\"agent\"");
		return;
	}
	ubuf = malloc(len);
	if (!ubuf)
		nab_die("out of memory");
	memset(ubuf, 0, len);

	for (i = 0; i < 4; i++)
		nab_deliver(len, NULL, NULL, NULL);
	t0 = nab_now();
	for (i = 0; i < iters; i++)
		nab_deliver(len, NULL, NULL, NULL);
	t1 = nab_now();
	for (i = 0; i < iters; i++)
		nab_deliver(len, &call, &rd, &fr);

	for (i = 0; i < 4; i++)
		if (pread(fd, ubuf, len, 0) != (ssize_t)len)
			nab_die("read of /dev/netapibuf_bench: %s", strerror(errno));
	t2 = nab_now();
	for (i = 0; i < iters; i++) {
		if (pread(fd, ubuf, len, 0) != (ssize_t)len)
			nab_die("read of /dev/netapibuf_bench: %s", strerror(errno));
		nab_check_pattern(ubuf, len);
	}
	t3 = nab_now();
	nab_emit("\"t\":\"deliver\",\"peer\":\"agent\",\"size\":%zu,"
		 "\"iters\":%lu,\"ns\":%" PRIu64 ",\"call_ns\":%" PRIu64
		 ",\"read_ns\":%" PRIu64 ",\"free_ns\":%" PRIu64,
		 len, iters, t1 - t0, call, rd, fr);
	nab_emit("\"t\":\"deliver\",\"peer\":\"read\",\"size\":%zu,"
		 "\"iters\":%lu,\"ns\":%" PRIu64, len, iters, t3 - t2);

	t2 = nab_now();
	for (i = 0; i < iters; i++) {
		if (pread(fd, ubuf, len, NAB_BENCH_COPY_ONLY) != (ssize_t)len)
			nab_die("read of /dev/netapibuf_bench: %s", strerror(errno));
		nab_check_pattern(ubuf, len);
	}
	t3 = nab_now();
	nab_emit("\"t\":\"deliver\",\"peer\":\"read-copy-only\",\"size\":%zu,"
		 "\"iters\":%lu,\"ns\":%" PRIu64, len, iters, t3 - t2);

	/* The page allocator: 1 MiB and 4 MiB, zeroed or not, order 0 or 8. */
	nab_pages(fd, 256, 0, 1);
	nab_pages(fd, 256, 0, 0);
	nab_pages(fd, 1024, 0, 1);
	nab_pages(fd, 1024, 0, 0);
	nab_pages(fd, 1024, 8, 1);
	nab_pages(fd, 1024, 8, 0);
	nab_copies(fd);
	free(ubuf);
	close(fd);
}

/*
 * A realistic agent caller: the facts of NetWkstaGetInfo level 100 and
 * NetInterfaceEnum level 0, per call, through the sample agent (the
 * library's calls: one ioctl, a buffer in the arena, NetApiBufferFree),
 * against reading the same facts the way a daemon does: uname(2), the
 * three files of /proc/sys/kernel, and for each interface in
 * /sys/class/net the nine files NETIF_INFO_0's fields come from.
 */

/* Reads a small file whole; its length, or -1. */
static ssize_t nab_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static volatile size_t nab_sink;

static void nab_wksta_lib(void)
{
	struct WKSTA_INFO_100 *wi;

	if (NetWkstaGetInfo(NULL, 100, (uint8_t **)&wi) != NERR_Success)
		nab_die("NetWkstaGetInfo failed");
	nab_sink += strlen(wi->wki100_computername) +
		    strlen(wi->wki100_langroup) + wi->wki100_ver_major;
	NetApiBufferFree(wi);
}

static void nab_wksta_uname(void)
{
	struct utsname u;
	unsigned int major, minor;

	if (uname(&u))
		nab_die("uname: %s", strerror(errno));
	if (sscanf(u.release, "%u.%u", &major, &minor) != 2)
		major = 0;
	nab_sink += strlen(u.nodename) + strlen(u.domainname) + major;
}

static void nab_wksta_proc(void)
{
	static const char *const files[] = {
		"/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname",
		"/proc/sys/kernel/osrelease",
	};
	char buf[128];
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (nab_read_file(files[i], buf, sizeof(buf)) < 0)
			nab_die("%s: %s", files[i], strerror(errno));
		else
			nab_sink += strlen(buf);
}

static unsigned int nab_netif_lib(void)
{
	uint32_t entries, total, resume = 0, i;
	struct NETIF_INFO_0 *nif;

	if (NetInterfaceEnum(NULL, 0, (uint8_t **)&nif, MAX_PREFERRED_LENGTH,
			     &entries, &total, &resume) != NERR_Success)
		nab_die("NetInterfaceEnum failed");
	for (i = 0; i < entries; i++)
		nab_sink += strlen(nif[i].nif0_name) + nif[i].nif0_mtu +
			    nif[i].nif0_rx_bytes;
	NetApiBufferFree(nif);
	return entries;
}

static unsigned int nab_netif_sysfs(void)
{
	static const char *const files[] = {
		"ifindex", "mtu", "flags", "addr_len", "address",
		"statistics/rx_packets", "statistics/tx_packets",
		"statistics/rx_bytes", "statistics/tx_bytes",
	};
	char path[512], buf[128];
	unsigned int n = 0, i;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/sys/class/net");
	if (!dir)
		nab_die("/sys/class/net: %s", strerror(errno));
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "/sys/class/net/%s/%s",
				 de->d_name, files[i]);
			if (nab_read_file(path, buf, sizeof(buf)) < 0)
				nab_die("%s: %s", path, strerror(errno));
			nab_sink += strtoull(buf, NULL, 0);
		}
		n++;
	}
	closedir(dir);
	return n;
}

/* @fn @iters times, after a few warm-up calls; one "sysinfo" line. */
static void nab_sysinfo_run(const char *peer, unsigned long iters,
			    unsigned int (*fn)(void))
{
	unsigned int entries = 0;
	uint64_t t0, t1;
	unsigned long i;

	for (i = 0; i < 4; i++)
		entries = fn();
	t0 = nab_now();
	for (i = 0; i < iters; i++)
		fn();
	t1 = nab_now();
	nab_emit("\"t\":\"sysinfo\",\"peer\":\"%s\",\"entries\":%u,"
		 "\"iters\":%lu,\"ns\":%" PRIu64, peer, entries, iters, t1 - t0);
}

static unsigned int nab_wksta_lib_1(void)
{
	nab_wksta_lib();
	return 1;
}

static unsigned int nab_wksta_uname_1(void)
{
	nab_wksta_uname();
	return 1;
}

static unsigned int nab_wksta_proc_1(void)
{
	nab_wksta_proc();
	return 1;
}

static void nab_sysinfo(void)
{
	struct WKSTA_INFO_100 *wi;

	/* The sample agent: loaded by nab-bench-run, or absent. */
	if (NetWkstaGetInfo(NULL, 100, (uint8_t **)&wi) != NERR_Success) {
		nab_emit("\"t\":\"absent\",\"peer\":\"sysinfo\"");
		return;
	}
	NetApiBufferFree(wi);
	nab_sysinfo_run("wksta", 1000, nab_wksta_lib_1);
	nab_sysinfo_run("wksta-uname", 1000, nab_wksta_uname_1);
	nab_sysinfo_run("wksta-proc", 1000, nab_wksta_proc_1);
	nab_sysinfo_run("netif", 300, nab_netif_lib);
	nab_sysinfo_run("netif-sysfs", 300, nab_netif_sysfs);
}

/*
 * A few operations with tracing on and a marker before each, for
 * bench/nab-bench-trace: where the kernel spends the time of one call.
 */
static int nab_tracing_fd = -1, nab_marker_fd = -1;

static void nab_mark(const char *op)
{
	if (write(nab_marker_fd, op, strlen(op)) < 0)
		nab_die("trace_marker: %s", strerror(errno));
}

static void nab_tracing(int on)
{
	if (write(nab_tracing_fd, on ? "1" : "0", 1) != 1)
		nab_die("tracing_on: %s", strerror(errno));
}

static void nab_trace(void)
{
	uint64_t args[4] = { 1 << 20 };
	struct nab_buf b;
	void *buf;
	size_t n;

	nab_tracing_fd = open("/sys/kernel/tracing/tracing_on",
			      O_WRONLY | O_CLOEXEC);
	nab_marker_fd = open("/sys/kernel/tracing/trace_marker",
			     O_WRONLY | O_CLOEXEC);
	if (nab_tracing_fd < 0 || nab_marker_fd < 0)
		nab_die("/sys/kernel/tracing: %s", strerror(errno));

	/* Warm up: the session, a chunk of the 16-byte class, the agent. */
	nab_alloc_or_die(&nab_lib, &b, 16);
	nab_touch(&b);
	lib_free(&b);
	nab_alloc_or_die(&nab_lib, &b, 4 << 20);
	nab_touch(&b);
	lib_free(&b);
	nab_alloc_or_die(&nab_lib, &b, 64 << 10);
	nab_touch(&b);
	lib_free(&b);
	if (NetApiBufferAgentCall("bench", 0, NULL, 0, args, &buf) !=
	    NERR_Success)
		nab_die("NetApiBufferAgentCall(\"bench\") failed");
	lib_free(&(struct nab_buf){ .p = buf });

	nab_tracing(1);
	nab_mark("op alloc 16 B");
	nab_alloc_or_die(&nab_lib, &b, 16);
	nab_mark("op touch 16 B");
	nab_touch(&b);
	nab_mark("op free 16 B");
	lib_free(&b);
	nab_mark("op alloc 64 KiB");
	nab_alloc_or_die(&nab_lib, &b, 64 << 10);
	nab_mark("op touch 64 KiB");
	nab_touch(&b);
	nab_mark("op free 64 KiB");
	lib_free(&b);
	nab_mark("op alloc 4 MiB");
	nab_alloc_or_die(&nab_lib, &b, 4 << 20);
	nab_mark("op touch 4 MiB");
	nab_touch(&b);
	nab_mark("op free 4 MiB");
	lib_free(&b);
	nab_tracing(0);

	/* One 4 KiB step of a buffer that has grown to 8 MiB - 4 KiB. */
	nab_alloc_or_die(&nab_lib, &b, NAB_PAGE);
	for (n = 2 * NAB_PAGE; n < (8 << 20); n += NAB_PAGE)
		if (lib_realloc(&b, n))
			nab_die("NetApiBufferReallocate failed");
	nab_touch(&b);
	nab_tracing(1);
	nab_mark("op realloc 8 MiB - 4 KiB -> 8 MiB");
	if (lib_realloc(&b, n))
		nab_die("NetApiBufferReallocate failed");
	nab_mark("op touch the new page");
	b.p[n - NAB_PAGE] = 1;
	nab_tracing(0);
	lib_free(&b);

	nab_tracing(1);
	nab_mark("op agent call 1 MiB");
	if (NetApiBufferAgentCall("bench", 0, NULL, 0, args, &buf) !=
	    NERR_Success)
		nab_die("NetApiBufferAgentCall(\"bench\") failed");
	nab_mark("op read the 1 MiB result");
	nab_check_pattern(buf, 1 << 20);
	nab_mark("op free the 1 MiB result");
	lib_free(&(struct nab_buf){ .p = buf });
	nab_mark("op end");
	nab_tracing(0);

}

static const struct nab_peer *const nab_peers[] = {
	&nab_lib, &nab_raw, &nab_glibc, &nab_memfd, &nab_anon, &nab_heap,
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2)
		nab_die("usage: nab-bench PEER|floor|agent|sysinfo|trace [TEST]...");
	if (!strcmp(argv[1], "floor")) {
		nab_floor();
		return 0;
	}
	if (!strcmp(argv[1], "agent")) {
		nab_agent();
		return 0;
	}
	if (!strcmp(argv[1], "sysinfo")) {
		nab_sysinfo();
		return 0;
	}
	if (!strcmp(argv[1], "trace")) {
		nab_trace();
		return 0;
	}
	for (i = 0; i < sizeof(nab_peers) / sizeof(nab_peers[0]); i++)
		if (!strcmp(argv[1], nab_peers[i]->name))
			return nab_bench_main(nab_peers[i], argc - 1, argv + 1);
	nab_die("unknown peer %s", argv[1]);
}
