// SPDX-License-Identifier: GPL-2.0
/*
 * Agents: the sample agent module netapibuf_sysinfo.ko ("wksta" level 100,
 * "netif" level 0) through libnetapibuf's <netapi.h> and through the raw
 * NETAPIBUF_IOC_AGENT_CALL.
 *
 * - zero copy: the result is a buffer of the caller's arena, its strings
 *   point into it, and its contents are uname(2)'s and /sys/class/net's;
 * - lifetime: a process that exits holding results leaves nothing behind;
 *   results outlive an rmmod of the agent; reloading works; threads;
 * - namespaces: a new UTS namespace's hostname, a new network namespace's
 *   interfaces;
 * - paging: prefmaxlen, resume handles (stale ones included), totals;
 * - bad input, the library's mapping of errno values to status codes, and
 *   the raw ABI of the ioctl.
 *
 * The test loads netapibuf_sysinfo.ko itself when the agents are not
 * registered (and unloads it at the end if it loaded it), from the
 * current directory or its parent; without it every test is skipped.  For
 * interfaces to page through it creates dummy interfaces in a private
 * network namespace, loading dummy.ko (numdummies=0, from the same
 * places) if the dummy driver is missing; without it those parts are
 * skipped.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/utsname.h>

#include <linux/netapibuf_sysinfo.h>
#include <netapi.h>

#include "netapibuf_test.h"

#define DUMMY_KO	"dummy.ko"

#define ST(x)		((NET_API_STATUS)(x))
#define ST_SUCCESS	ST(NERR_Success)
#define ST_MORE		ST(ERROR_MORE_DATA)
#define ST_INVALID	ST(ERROR_INVALID_PARAMETER)
#define ST_NOT_SUPP	ST(ERROR_NOT_SUPPORTED)
#define ST_BAD_LEVEL	ST(ERROR_INVALID_LEVEL)
#define ST_BAD_NETPATH	ST(ERROR_BAD_NETPATH)

#define NETIF_SIZE	sizeof(struct NETIF_INFO_0)
#define FAR_AWAY	"far-away-host.example"

/* The kernel's bound on an agent's input (module/agent.c). */
#define AGENT_IN_MAX	65536

/* The "netif" agent's args[] (<linux/netapibuf_sysinfo.h>). */
#define ARG_PREFMAXLEN	NETAPIBUF_SYSINFO_ARG_PREFMAXLEN
#define ARG_RESUME	NETAPIBUF_SYSINFO_ARG_RESUME
#define ARG_READ	NETAPIBUF_SYSINFO_ARG_ENTRIES_READ
#define ARG_TOTAL	NETAPIBUF_SYSINFO_ARG_TOTAL_ENTRIES

/* ---- the agent module ---------------------------------------------- */

static bool sysinfo_preloaded, dummy_preloaded;

/*
 * Where a module file to load is: in the current directory, or in its
 * parent (where tools/vmrun -f puts files when the tests run from a
 * copied directory, as tools/run-checks does).  False if in neither.
 */
static bool find_ko(const char *file, char *path, size_t size)
{
	static const char *const dirs[] = { ".", ".." };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, size, "%s/%s", dirs[i], file);
		if (!access(path, R_OK))
			return true;
	}
	return false;
}

static bool have_ko(const char *file)
{
	char path[PATH_MAX];

	return find_ko(file, path, sizeof(path));
}

/* insmod @file with @args; false if it is nowhere or insmod failed. */
static bool insmod(const char *file, const char *args)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];

	if (!find_ko(file, path, sizeof(path)))
		return false;
	snprintf(cmd, sizeof(cmd), "insmod %s %s", path, args);
	return !nab_run(cmd);
}

static bool sysinfo_load(void)
{
	return insmod(NAB_SYSINFO_KO, "");
}

static bool sysinfo_unload(void)
{
	return !nab_run("rmmod " NAB_SYSINFO_MOD);
}

/* Before the tests, in the harness's own process. */
static void __attribute__((constructor)) agents_note_modules(void)
{
	sysinfo_preloaded = nab_module_loaded(NAB_SYSINFO_MOD);
	dummy_preloaded = nab_module_loaded("dummy");
}

/* After the tests: leave the modules as they were found. */
static void __attribute__((destructor)) agents_restore_modules(void)
{
	if (!sysinfo_preloaded && nab_module_loaded(NAB_SYSINFO_MOD))
		sysinfo_unload();
	if (!dummy_preloaded && nab_module_loaded("dummy"))
		nab_run("rmmod dummy");
}

/* In a FIXTURE_SETUP: the agents are there, or the test is skipped. */
#define REQUIRE_AGENTS()						\
	do {								\
		if (!nab_agent_listed("wksta") &&			\
		    !nab_module_loaded(NAB_SYSINFO_MOD) &&		\
		    have_ko(NAB_SYSINFO_KO))				\
			ASSERT_TRUE(sysinfo_load())			\
				TH_LOG("insmod " NAB_SYSINFO_KO		\
				       " failed");			\
		if (!nab_agent_listed("wksta") ||			\
		    !nab_agent_listed("netif"))				\
			SETUP_SKIP("agents wksta and netif not registered, " \
				   "and no " NAB_SYSINFO_KO " in . or .."); \
	} while (0)

/* Whether a dummy interface can be made: tried in a throwaway namespace. */
static bool dummy_works(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(1);
		_exit(nab_run("ip link add nab-probe type dummy 2>/dev/null") ?
		      1 : 0);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Whether dummy interfaces can be made, with dummy.ko loaded if need be. */
static bool dummy_ready(void)
{
	if (dummy_works())
		return true;
	if (nab_module_loaded("dummy") || !insmod(DUMMY_KO, "numdummies=0"))
		return false;
	return dummy_works();
}

/* ---- the library's session ------------------------------------------ */

/* Whether this process has /dev/netapibuf open at all. */
static bool lib_session_open(void)
{
	struct netapibuf_info info;

	return nab_lib_session_info(&info, false);
}

static bool in_arena(const struct netapibuf_info *info, const void *p,
		     size_t len)
{
	uintptr_t a = info->arena_addr, x = (uintptr_t)p;

	return a && x >= a && x - a <= info->arena_size &&
	       len <= info->arena_size - (x - a);
}

/* The string at @s ends inside [@buf + @from, @buf + @size). */
static bool string_inside(const void *buf, size_t from, size_t size,
			  const char *s)
{
	uintptr_t b = (uintptr_t)buf, x = (uintptr_t)s;

	return x >= b + from && x < b + size &&
	       memchr(s, '\0', b + size - x) != NULL;
}

/* ---- expected interface lists ---------------------------------------- */

#define IFS_MAX	64

struct ifent {
	unsigned int index;
	char name[IF_NAMESIZE];
};

struct iflist {
	size_t n;
	struct ifent e[IFS_MAX];
};

static int ifent_cmp(const void *a, const void *b)
{
	const struct ifent *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static bool read_ulong(const char *fmt, const char *name, unsigned long *val)
{
	unsigned long long v;
	char path[256];

	snprintf(path, sizeof(path), fmt, name);
	if (!nab_read_ull(path, &v))
		return false;
	*val = v;
	return true;
}

/* The interfaces of /sys/class/net (this namespace's at mount time). */
static bool iflist_sysfs(struct iflist *l)
{
	struct dirent *de;
	unsigned long index;
	DIR *dir;

	l->n = 0;
	dir = opendir("/sys/class/net");
	if (!dir)
		return false;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (!read_ulong("/sys/class/net/%s/ifindex", de->d_name,
				&index) || l->n == IFS_MAX)
			continue;
		l->e[l->n].index = index;
		strcpy(l->e[l->n].name, de->d_name);
		l->n++;
	}
	closedir(dir);
	qsort(l->e, l->n, sizeof(l->e[0]), ifent_cmp);
	return l->n > 0;
}

/* The interfaces of the current network namespace, over netlink. */
static bool iflist_netlink(struct iflist *l)
{
	struct if_nameindex *ni, *p;

	l->n = 0;
	ni = if_nameindex();
	if (!ni)
		return false;
	for (p = ni; p->if_index && l->n < IFS_MAX; p++) {
		l->e[l->n].index = p->if_index;
		snprintf(l->e[l->n].name, IF_NAMESIZE, "%s", p->if_name);
		l->n++;
	}
	if_freenameindex(ni);
	qsort(l->e, l->n, sizeof(l->e[0]), ifent_cmp);
	return l->n > 0;
}

static const struct ifent *iflist_find(const struct iflist *l,
				       const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->e[i].name, name))
			return &l->e[i];
	return NULL;
}

/* Index in @l of the first interface after ifindex @resume. */
static size_t iflist_after(const struct iflist *l, unsigned long resume)
{
	size_t i;

	for (i = 0; i < l->n && l->e[i].index <= resume; i++)
		;
	return i;
}

static size_t netif_bytes(const char *name)
{
	return NETIF_SIZE + strlen(name) + 1;
}

/*
 * One page of NetInterfaceEnum, checked against @want from its entry
 * @first on: the indices and names, the names inside the buffer after
 * the array, the buffer in the arena with exactly the size the entries
 * need.
 */
static void check_netif_page(struct __test_metadata *_metadata,
			     const struct iflist *want, size_t first,
			     const uint8_t *buf, uint32_t entries)
{
	const struct NETIF_INFO_0 *nif = (const struct NETIF_INFO_0 *)buf;
	struct netapibuf_info info;
	size_t i, size = 0;
	DWORD bufsize = 0;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(first + entries, want->n);
	ASSERT_TRUE(nab_lib_session_info(&info, false));
	for (i = 0; i < entries; i++)
		size += netif_bytes(want->e[first + i].name);
	ASSERT_EQ(ST_SUCCESS, NetApiBufferSize((LPVOID)buf, &bufsize));
	EXPECT_EQ(size, bufsize);
	EXPECT_TRUE(in_arena(&info, buf, bufsize))
		TH_LOG("%p not in the arena %#llx+%#llx", (void *)buf,
		       (unsigned long long)info.arena_addr,
		       (unsigned long long)info.arena_size);
	for (i = 0; i < entries; i++, nif++) {
		const struct ifent *w = &want->e[first + i];

		ASSERT_TRUE(string_inside(buf, entries * NETIF_SIZE, bufsize,
					  nif->nif0_name))
			TH_LOG("entry %zu: name at %p, buffer %p+%u", i,
			       (void *)nif->nif0_name, (void *)buf, bufsize);
		EXPECT_EQ(w->index, nif->nif0_index);
		EXPECT_STREQ(w->name, nif->nif0_name);
		EXPECT_GE(sizeof(nif->nif0_addr), nif->nif0_addr_len);
	}
}

/*
 * Pages through every interface with @prefmaxlen, checking each page
 * against @want and the NetXxxEnum protocol: at least one entry a page,
 * ERROR_MORE_DATA exactly while entries remain, total_entries counting
 * from the resume position, the resume handle the last index returned
 * (0 at the end).  Returns the number of pages.
 */
static unsigned int page_all(struct __test_metadata *_metadata,
			     const struct iflist *want, uint32_t prefmaxlen,
			     size_t max_per_page)
{
	uint32_t entries, total, resume = 0;
	unsigned int pages = 0;
	NET_API_STATUS st;
	size_t seen = 0;
	uint8_t *buf;

	do {
		st = NetInterfaceEnum(NULL, 0, &buf, prefmaxlen, &entries,
				      &total, &resume);
		pages++;
		EXPECT_TRUE(st == ST_SUCCESS || st == ST_MORE)
			TH_LOG("page %u: status %u", pages, st);
		if (st != ST_SUCCESS && st != ST_MORE)
			return pages;
		EXPECT_EQ(want->n - seen, total);
		EXPECT_LE(1u, entries);
		EXPECT_GE(max_per_page, entries);
		if (entries < 1 || seen + entries > want->n) {
			NetApiBufferFree(buf);
			return pages;
		}
		check_netif_page(_metadata, want, seen, buf, entries);
		seen += entries;
		if (st == ST_MORE) {
			EXPECT_EQ(want->e[seen - 1].index, resume);
		} else {
			EXPECT_EQ(0u, resume);
		}
		EXPECT_EQ(seen < want->n, st == ST_MORE);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	} while (st == ST_MORE && pages <= want->n);
	EXPECT_EQ(want->n, seen);
	return pages;
}

/*
 * From every resume handle 0..max index + 2, whether an interface has
 * that index or not, the enumeration continues after it.
 */
static void check_resume_handles(struct __test_metadata *_metadata,
				 const struct iflist *want)
{
	unsigned long h, last = want->e[want->n - 1].index;
	uint32_t entries, total, resume;
	NET_API_STATUS st;
	uint8_t *buf;
	size_t first;

	for (h = 0; h <= last + 2; h++) {
		first = iflist_after(want, h);
		resume = h;
		st = NetInterfaceEnum(NULL, 0, &buf, MAX_PREFERRED_LENGTH,
				      &entries, &total, &resume);
		ASSERT_EQ(ST_SUCCESS, st) TH_LOG("resume %lu", h);
		EXPECT_EQ(want->n - first, entries) TH_LOG("resume %lu", h);
		EXPECT_EQ(want->n - first, total) TH_LOG("resume %lu", h);
		EXPECT_EQ(0u, resume);
		if (first == want->n) {
			/* Nothing left: no buffer at all. */
			EXPECT_EQ(NULL, buf);
			continue;
		}
		check_netif_page(_metadata, want, first, buf, entries);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	}
}

/* The enumeration in one buffer equals @want. */
static void check_enum_all(struct __test_metadata *_metadata,
			   const struct iflist *want)
{
	uint32_t entries = 99, total = 99, resume = 0;
	uint8_t *buf = NULL;

	ASSERT_EQ(ST_SUCCESS, NetInterfaceEnum(NULL, 0, &buf,
					       MAX_PREFERRED_LENGTH, &entries,
					       &total, &resume));
	EXPECT_EQ(want->n, entries);
	EXPECT_EQ(want->n, total);
	EXPECT_EQ(0u, resume);
	if (entries == want->n)
		check_netif_page(_metadata, want, 0, buf, entries);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
}

/* ---- the fixture ----------------------------------------------------- */

FIXTURE(agents) {
	struct nab_stats base;
	struct utsname uts;
};

FIXTURE_SETUP(agents)
{
	NAB_REQUIRE_DEVICE();
	REQUIRE_AGENTS();
	ASSERT_EQ(0, uname(&self->uts));
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(agents)
{
}

/* What NetWkstaGetInfo(level 100) must say in this UTS namespace. */
static void check_wksta(struct __test_metadata *_metadata, const uint8_t *buf)
{
	const struct WKSTA_INFO_100 *wi = (const struct WKSTA_INFO_100 *)buf;
	unsigned int major = 0, minor = 0;
	struct netapibuf_info info;
	struct utsname uts;
	DWORD size = 0;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, uname(&uts));
	ASSERT_TRUE(nab_lib_session_info(&info, false));
	ASSERT_EQ(ST_SUCCESS, NetApiBufferSize((LPVOID)buf, &size));
	EXPECT_EQ(sizeof(*wi) + strlen(uts.nodename) + 1 +
		  strlen(uts.domainname) + 1, size);
	EXPECT_TRUE(in_arena(&info, buf, size))
		TH_LOG("%p not in the arena %#llx+%#llx", (void *)buf,
		       (unsigned long long)info.arena_addr,
		       (unsigned long long)info.arena_size);
	EXPECT_EQ(0u, (uintptr_t)buf % 16);

	/* Strings after the struct, inside the buffer, as Windows does. */
	ASSERT_TRUE(string_inside(buf, sizeof(*wi), size,
				  wi->wki100_computername));
	ASSERT_TRUE(string_inside(buf, sizeof(*wi), size,
				  wi->wki100_langroup));
	EXPECT_STREQ(uts.nodename, wi->wki100_computername);
	EXPECT_STREQ(uts.domainname, wi->wki100_langroup);
	EXPECT_EQ((uint32_t)PLATFORM_ID_NT, wi->wki100_platform_id);
	ASSERT_EQ(2, sscanf(uts.release, "%u.%u", &major, &minor));
	EXPECT_EQ(major, wi->wki100_ver_major);
	EXPECT_EQ(minor, wi->wki100_ver_minor);
}

/* ---- zero copy, contents ------------------------------------------- */

TEST_F(agents, agents_listed)
{
	EXPECT_TRUE(nab_agent_listed("wksta"));
	EXPECT_TRUE(nab_agent_listed("netif"));
}

/*
 * The result is an ordinary buffer of the caller's arena: sized exactly,
 * counted, resizable, freed once.
 */
TEST_F(agents, wksta_zero_copy)
{
	uint8_t *buf = (uint8_t *)&buf, copy[512];
	struct nab_stats held;
	LPVOID big = NULL;
	DWORD size = 0;

	ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
	check_wksta(_metadata, buf);

	ASSERT_STATS(&held);
	EXPECT_EQ(self->base.sessions + 1, held.sessions);
	EXPECT_EQ(self->base.live_buffers + 1, held.live_buffers);

	/* Like any buffer: it may grow, keeping its bytes. */
	ASSERT_EQ(ST_SUCCESS, NetApiBufferSize(buf, &size));
	ASSERT_GE(sizeof(copy), size);
	memcpy(copy, buf, size);
	ASSERT_EQ(ST_SUCCESS, NetApiBufferReallocate(buf, 3 * NAB_PAGE_SIZE,
						     &big));
	EXPECT_EQ(0, memcmp(copy, big, size));
	EXPECT_EQ(-1, nab_check_zero(big, size, 3 * NAB_PAGE_SIZE - size));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(big));
	EXPECT_EQ(ST_INVALID, NetApiBufferFree(big));
	EXPECT_STATS_UNCHANGED(&self->base);

	/* Freed without resizing too. */
	ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	EXPECT_EQ(ST_INVALID, NetApiBufferFree(buf));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* Every name for this machine works; the answer is the same. */
TEST_F(agents, wksta_local_names)
{
	char upper[sizeof(self->uts.nodename)], bs[sizeof(upper) + 2];
	const char *names[] = {
		"", "localhost", "127.0.0.1", self->uts.nodename, upper, bs,
		"\\\\localhost",
	};
	uint32_t entries, total;
	uint8_t *buf;
	size_t i;

	for (i = 0; self->uts.nodename[i]; i++)
		upper[i] = toupper((unsigned char)self->uts.nodename[i]);
	upper[i] = '\0';
	snprintf(bs, sizeof(bs), "\\\\%s", self->uts.nodename);

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		buf = NULL;
		ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(names[i], 100, &buf))
			TH_LOG("name \"%s\"", names[i]);
		check_wksta(_metadata, buf);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));

		ASSERT_EQ(ST_SUCCESS,
			  NetInterfaceEnum(names[i], 0, &buf,
					   MAX_PREFERRED_LENGTH, &entries,
					   &total, NULL))
			TH_LOG("name \"%s\"", names[i]);
		EXPECT_LE(1u, entries);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	}
	EXPECT_STATS_UNCHANGED(&self->base);
}

/*
 * The interface table is /sys/class/net's: indices, names, MTU, address,
 * IFF_UP, counters at least those read before.
 */
TEST_F(agents, netif_matches_sysfs)
{
	unsigned long mtu, addr_len, flags, rx_packets[IFS_MAX];
	uint32_t entries, total, resume = 0;
	const struct NETIF_INFO_0 *nif;
	struct iflist want;
	char path[128], want_addr[64], have_addr[64];
	uint8_t *buf;
	size_t i, j;
	FILE *f;

	ASSERT_TRUE(iflist_sysfs(&want));
	for (i = 0; i < want.n; i++)
		ASSERT_TRUE(read_ulong("/sys/class/net/%s/statistics/rx_packets",
				       want.e[i].name, &rx_packets[i]));

	ASSERT_EQ(ST_SUCCESS, NetInterfaceEnum(NULL, 0, &buf,
					       MAX_PREFERRED_LENGTH, &entries,
					       &total, &resume));
	ASSERT_EQ(want.n, entries);
	EXPECT_EQ(want.n, total);
	EXPECT_EQ(0u, resume);
	check_netif_page(_metadata, &want, 0, buf, entries);

	nif = (const struct NETIF_INFO_0 *)buf;
	for (i = 0; i < entries; i++, nif++) {
		const char *name = want.e[i].name;

		ASSERT_TRUE(read_ulong("/sys/class/net/%s/mtu", name, &mtu));
		ASSERT_TRUE(read_ulong("/sys/class/net/%s/addr_len", name,
				       &addr_len));
		ASSERT_TRUE(read_ulong("/sys/class/net/%s/flags", name,
				       &flags));
		EXPECT_EQ(mtu, nif->nif0_mtu) TH_LOG("%s", name);
		EXPECT_EQ(addr_len < 8 ? addr_len : 8, nif->nif0_addr_len)
			TH_LOG("%s", name);
		EXPECT_EQ(flags & IFF_UP, nif->nif0_flags & IFF_UP)
			TH_LOG("%s", name);
		EXPECT_LE(rx_packets[i], nif->nif0_rx_packets)
			TH_LOG("%s", name);

		snprintf(path, sizeof(path), "/sys/class/net/%s/address",
			 name);
		f = fopen(path, "re");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(want_addr, sizeof(want_addr), f));
		fclose(f);
		want_addr[strcspn(want_addr, "\n")] = '\0';
		have_addr[0] = '\0';
		for (j = 0; j < nif->nif0_addr_len && j < 8; j++)
			sprintf(have_addr + 3 * j, "%s%02x", j ? ":" : "",
				nif->nif0_addr[j]);
		/* The agent keeps the first 8 bytes of longer addresses. */
		EXPECT_EQ(0, strncmp(want_addr, have_addr, strlen(have_addr)))
			TH_LOG("%s: %s, agent %s", name, want_addr, have_addr);
	}
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* ---- paging ---------------------------------------------------------- */

/* In this namespace, whatever its interfaces are. */
TEST_F(agents, netif_paging)
{
	uint32_t entries, total;
	struct iflist want;
	uint8_t *buf;

	ASSERT_TRUE(iflist_sysfs(&want));
	check_enum_all(_metadata, &want);

	/* prefmaxlen 1 and 0: one entry a page, never none. */
	EXPECT_EQ(want.n, page_all(_metadata, &want, 1, 1));
	EXPECT_EQ(want.n, page_all(_metadata, &want, 0, 1));
	EXPECT_EQ(1u, page_all(_metadata, &want, MAX_PREFERRED_LENGTH, IFS_MAX));

	check_resume_handles(_metadata, &want);

	/* No resume handle: a single call from the start. */
	ASSERT_EQ(ST(want.n > 1 ? ERROR_MORE_DATA : NERR_Success),
		  NetInterfaceEnum(NULL, 0, &buf, 1, &entries, &total, NULL));
	EXPECT_EQ(1u, entries);
	EXPECT_EQ(want.n, total);
	check_netif_page(_metadata, &want, 0, buf, 1);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* Resume handles beyond what an ifindex can be. */
TEST_F(agents, netif_resume_range)
{
	uint32_t entries = 7, total = 7, resume;
	uint8_t *buf = (uint8_t *)&buf;

	resume = INT_MAX;
	EXPECT_EQ(ST_SUCCESS, NetInterfaceEnum(NULL, 0, &buf, 1, &entries,
					       &total, &resume));
	EXPECT_EQ(NULL, buf);
	EXPECT_EQ(0u, entries);
	EXPECT_EQ(0u, total);
	EXPECT_EQ(0u, resume);

	for (resume = (uint32_t)INT_MAX + 1; resume; resume <<= 1) {
		uint32_t r = resume;

		buf = (uint8_t *)&buf;
		EXPECT_EQ(ST_INVALID, NetInterfaceEnum(NULL, 0, &buf, 1,
						       &entries, &total, &r));
		EXPECT_EQ(NULL, buf);
		EXPECT_EQ(0u, entries);
		EXPECT_EQ(0u, total);
		/* A failed call leaves the handle as it was. */
		EXPECT_EQ(resume, r);
	}
	resume = UINT32_MAX;
	EXPECT_EQ(ST_INVALID, NetInterfaceEnum(NULL, 0, &buf, 1, &entries,
					       &total, &resume));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* Probes in a throwaway child whether this process could unshare @flags. */
static bool can_unshare(int flags)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(unshare(flags) ? 1 : 0);
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/*
 * Paging over interfaces made for it: in a new network namespace, lo and
 * six dummies with a gap where d2 was deleted.
 */
TEST_F_TIMEOUT(agents, netif_paging_dummies, 120)
{
	if (!can_unshare(CLONE_NEWNET))
		SKIP(return, "no network namespaces");
	if (!dummy_ready())
		SKIP(return, "no dummy driver (and no " DUMMY_KO " in . or ..)");

	IN_CHILD({
		const struct ifent *d2;
		struct iflist want, before;
		uint32_t entries, total, resume, two;
		unsigned long gap;
		uint8_t *buf;
		char cmd[64];
		int i;

		ASSERT_EQ(0, unshare(CLONE_NEWNET));
		for (i = 0; i < 6; i++) {
			snprintf(cmd, sizeof(cmd),
				 "ip link add d%d type dummy", i);
			ASSERT_EQ(0, nab_run(cmd));
		}
		ASSERT_TRUE(iflist_netlink(&before));
		d2 = iflist_find(&before, "d2");
		ASSERT_NE(NULL, d2);
		gap = d2->index;
		ASSERT_EQ(0, nab_run("ip link del d2"));
		ASSERT_TRUE(iflist_netlink(&want));
		ASSERT_EQ(6u, want.n);
		ASSERT_EQ(NULL, iflist_find(&want, "d2"));

		check_enum_all(_metadata, &want);
		EXPECT_EQ(6u, page_all(_metadata, &want, 1, 1));
		EXPECT_EQ(6u, page_all(_metadata, &want, NETIF_SIZE, 1));

		/* Exactly two entries' worth: two a page; a byte less: one. */
		two = netif_bytes(want.e[0].name) +
		      netif_bytes(want.e[1].name);
		resume = 0;
		ASSERT_EQ(ST_MORE, NetInterfaceEnum(NULL, 0, &buf, two,
						    &entries, &total,
						    &resume));
		EXPECT_EQ(2u, entries);
		EXPECT_EQ(6u, total);
		EXPECT_EQ(want.e[1].index, resume);
		check_netif_page(_metadata, &want, 0, buf, entries);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
		resume = 0;
		ASSERT_EQ(ST_MORE, NetInterfaceEnum(NULL, 0, &buf, two - 1,
						    &entries, &total,
						    &resume));
		EXPECT_EQ(1u, entries);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
		/* lo, d0 and d1 are 3 + 2 * 3 bytes of names: 3 a page. */
		EXPECT_EQ(2u, page_all(_metadata, &want,
				      3 * NETIF_SIZE + 9, 3));

		/* A stale handle: d2's index continues with d3. */
		resume = gap;
		ASSERT_EQ(ST_MORE, NetInterfaceEnum(NULL, 0, &buf, 1,
						    &entries, &total,
						    &resume));
		EXPECT_EQ(1u, entries);
		EXPECT_EQ(3u, total);
		EXPECT_STREQ("d3", ((struct NETIF_INFO_0 *)buf)->nif0_name);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));

		check_resume_handles(_metadata, &want);
	});
	EXPECT_STATS_BASELINE(&self->base);
}

/* ---- lifetime -------------------------------------------------------- */

/* A process that exits holding results leaves nothing behind. */
TEST_F(agents, exit_without_free)
{
	struct nab_stats *seen;

	seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);

	IN_CHILD({
		uint32_t entries, total, resume = 0;
		uint8_t *buf;
		int i, held = 0;

		for (i = 0; i < 20; i++) {
			ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
			held++;
		}
		do {
			NET_API_STATUS st;

			st = NetInterfaceEnum(NULL, 0, &buf, 1, &entries,
					      &total, &resume);
			ASSERT_TRUE(st == ST_SUCCESS || st == ST_MORE);
			held++;
		} while (resume);
		ASSERT_STATS(seen);
		EXPECT_EQ(self->base.sessions + 1, seen->sessions);
		EXPECT_EQ(self->base.live_buffers + held, seen->live_buffers);
	});
	EXPECT_STATS_BASELINE(&self->base);
	munmap(seen, sizeof(*seen));
}

/*
 * rmmod of the agent while its results are held: they stay readable and
 * freeable, the next call finds no agent, and a reload answers again.
 */
TEST_F_TIMEOUT(agents, unload_while_held, 120)
{
	uint32_t entries, total, resume = 0;
	uint8_t *wk, *nif, *buf;
	struct iflist want;
	DWORD size;

	if (!have_ko(NAB_SYSINFO_KO))
		SKIP(return, "no " NAB_SYSINFO_KO
		     " in . or .. to load it again");
	ASSERT_TRUE(iflist_sysfs(&want));

	ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &wk));
	ASSERT_EQ(ST_SUCCESS, NetInterfaceEnum(NULL, 0, &nif,
					       MAX_PREFERRED_LENGTH, &entries,
					       &total, &resume));

	ASSERT_TRUE(sysinfo_unload())
		TH_LOG("rmmod " NAB_SYSINFO_MOD " failed");
	EXPECT_FALSE(nab_agent_listed("wksta"));
	EXPECT_FALSE(nab_agent_listed("netif"));

	/* The results are the process's own now. */
	check_wksta(_metadata, wk);
	check_netif_page(_metadata, &want, 0, nif, entries);

	buf = (uint8_t *)&buf;
	EXPECT_EQ(ST_NOT_SUPP, NetWkstaGetInfo(NULL, 100, &buf));
	EXPECT_EQ(NULL, buf);
	buf = (uint8_t *)&buf;
	EXPECT_EQ(ST_NOT_SUPP, NetInterfaceEnum(NULL, 0, &buf, 1, &entries,
						&total, &resume));
	EXPECT_EQ(NULL, buf);
	EXPECT_EQ(0u, entries);
	/* The agents judge server names: without them, no call works. */
	EXPECT_EQ(ST_NOT_SUPP, NetWkstaGetInfo(FAR_AWAY, 100, &buf));
	EXPECT_EQ(ST_NOT_SUPP, NetInterfaceEnum(FAR_AWAY, 0, &buf, 1,
						&entries, &total, NULL));

	/* Writable, sized, freeable, as before. */
	memset(wk + sizeof(struct WKSTA_INFO_100), 'x', 1);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferSize(nif, &size));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(wk));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(nif));
	EXPECT_STATS_UNCHANGED(&self->base);

	ASSERT_TRUE(sysinfo_load()) TH_LOG("insmod " NAB_SYSINFO_KO " failed");
	ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
	check_wksta(_metadata, buf);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));

	/* Unloading with no result held, and again with results held. */
	ASSERT_TRUE(sysinfo_unload());
	ASSERT_TRUE(sysinfo_load());
	ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &wk));
	ASSERT_TRUE(sysinfo_unload());
	ASSERT_TRUE(sysinfo_load());
	check_wksta(_metadata, wk);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(wk));
	EXPECT_STATS_UNCHANGED(&self->base);
}

#define NTHREADS	6
#define THREAD_ITERATIONS	150

struct worker {
	pthread_t thread;
	unsigned int id;
	pthread_barrier_t *start;
	const struct iflist *want;
	const char *nodename;
	unsigned long calls, errors;
	char first_error[200];
};

#define FAIL(w, fmt, ...)						\
	do {								\
		if (!(w)->errors++)					\
			snprintf((w)->first_error,			\
				 sizeof((w)->first_error),		\
				 "thread %u: " fmt, (w)->id,		\
				 ##__VA_ARGS__);			\
	} while (0)

/* The names of a page, against the expected list; 0 or a failure. */
static bool worker_page_ok(const struct worker *w, const uint8_t *buf,
			   size_t first, uint32_t entries)
{
	const struct NETIF_INFO_0 *nif = (const struct NETIF_INFO_0 *)buf;
	uint32_t i;

	if (!buf || first + entries > w->want->n)
		return false;
	for (i = 0; i < entries; i++)
		if (nif[i].nif0_index != w->want->e[first + i].index ||
		    strcmp(nif[i].nif0_name, w->want->e[first + i].name))
			return false;
	return true;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint32_t entries, total, resume;
	NET_API_STATUS st;
	unsigned int i;
	size_t seen;
	uint8_t *buf;
	int sentinel = 2000 + (int)w->id;

	pthread_barrier_wait(w->start);
	for (i = 0; i < THREAD_ITERATIONS; i++) {
		errno = sentinel;
		st = NetWkstaGetInfo(NULL, 100, &buf);
		w->calls++;
		if (errno != sentinel)
			FAIL(w, "NetWkstaGetInfo changed errno to %d", errno);
		if (st != ST_SUCCESS) {
			FAIL(w, "NetWkstaGetInfo: %u", st);
			continue;
		}
		if (strcmp(((struct WKSTA_INFO_100 *)buf)->wki100_computername,
			   w->nodename))
			FAIL(w, "computer name %s",
			     ((struct WKSTA_INFO_100 *)buf)->wki100_computername);
		if (NetApiBufferFree(buf) != ST_SUCCESS)
			FAIL(w, "free of a wksta result");

		/* Every other time all at once, else a page at a time. */
		resume = 0;
		seen = 0;
		do {
			st = NetInterfaceEnum(NULL, 0, &buf,
					      i & 1 ? MAX_PREFERRED_LENGTH : 1,
					      &entries, &total, &resume);
			w->calls++;
			if (st != ST_SUCCESS && st != ST_MORE) {
				FAIL(w, "NetInterfaceEnum: %u", st);
				break;
			}
			if (!worker_page_ok(w, buf, seen, entries))
				FAIL(w, "page at %zu: wrong entries", seen);
			seen += entries;
			if (NetApiBufferFree(buf) != ST_SUCCESS)
				FAIL(w, "free of a netif result");
		} while (st == ST_MORE && seen < w->want->n);
		if (seen != w->want->n)
			FAIL(w, "%zu interfaces, want %zu", seen, w->want->n);
	}
	return NULL;
}

/* Threads racing on the calls (the first ones on opening the session). */
TEST_F_TIMEOUT(agents, threads, 300)
{
	struct worker w[NTHREADS];
	pthread_barrier_t start;
	unsigned long calls = 0;
	struct iflist want;
	unsigned int i;

	ASSERT_TRUE(iflist_sysfs(&want));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NTHREADS));
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].start = &start;
		w[i].want = &want;
		w[i].nodename = self->uts.nodename;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_run,
					    &w[i]));
	}
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
		calls += w[i].calls;
		EXPECT_EQ(0u, w[i].errors) TH_LOG("%s", w[i].first_error);
	}
	pthread_barrier_destroy(&start);
	EXPECT_LE(NTHREADS * THREAD_ITERATIONS * 2UL, calls);
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* ---- namespaces ------------------------------------------------------ */

/* A new UTS namespace: its hostname and domain name, not the parent's. */
TEST_F(agents, uts_namespace)
{
	uint8_t *buf;

	if (!can_unshare(CLONE_NEWUTS))
		SKIP(return, "no UTS namespaces");

	IN_CHILD({
		static const char host[] = "nab-test-host";
		static const char domain[] = "nab-test-domain";
		uint32_t entries, total;
		struct WKSTA_INFO_100 *wi;

		ASSERT_EQ(0, unshare(CLONE_NEWUTS));
		ASSERT_EQ(0, sethostname(host, strlen(host)));
		ASSERT_EQ(0, setdomainname(domain, strlen(domain)));

		ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
		check_wksta(_metadata, buf);
		wi = (struct WKSTA_INFO_100 *)buf;
		EXPECT_STREQ(host, wi->wki100_computername);
		EXPECT_STREQ(domain, wi->wki100_langroup);
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));

		/* This machine is called so now, and no longer the old way. */
		EXPECT_EQ(ST_SUCCESS, NetWkstaGetInfo(host, 100, &buf));
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
		EXPECT_EQ(ST_SUCCESS, NetInterfaceEnum(host, 0, &buf,
						       MAX_PREFERRED_LENGTH,
						       &entries, &total,
						       NULL));
		EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
		if (strcasecmp(self->uts.nodename, host)) {
			EXPECT_EQ(ST_BAD_NETPATH,
				  NetWkstaGetInfo(self->uts.nodename, 100,
						  &buf));
			EXPECT_EQ(ST_BAD_NETPATH,
				  NetInterfaceEnum(self->uts.nodename, 0,
						   &buf, 1, &entries, &total,
						   NULL));
		}
	});

	/* The child's session went with it; the parent's namespace is untouched. */
	EXPECT_STATS_BASELINE(&self->base);
	ASSERT_EQ(ST_SUCCESS, NetWkstaGetInfo(NULL, 100, &buf));
	EXPECT_STREQ(self->uts.nodename,
		     ((struct WKSTA_INFO_100 *)buf)->wki100_computername);
	check_wksta(_metadata, buf);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
}

/* Interfaces the kernel creates in every new network namespace. */
static bool fallback_device(const char *name)
{
	static const char *const names[] = {
		"sit0", "tunl0", "ip6tnl0", "ip6gre0", "gre0", "gretap0",
		"erspan0", "ip_vti0", "ip6_vti0",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* A new network namespace: lo (and d0 when it can be made), nothing else. */
TEST_F_TIMEOUT(agents, net_namespace, 120)
{
	struct iflist parent;
	bool dummy;

	if (!can_unshare(CLONE_NEWNET))
		SKIP(return, "no network namespaces");
	dummy = dummy_ready();
	ASSERT_TRUE(iflist_sysfs(&parent));

	IN_CHILD({
		const struct ifent *lo, *d0;
		struct iflist want;
		size_t i;

		ASSERT_EQ(0, unshare(CLONE_NEWNET));
		ASSERT_TRUE(iflist_netlink(&want));
		lo = iflist_find(&want, "lo");
		ASSERT_NE(NULL, lo);
		EXPECT_EQ(1u, lo->index);
		for (i = 0; i < want.n; i++)
			EXPECT_TRUE(!strcmp(want.e[i].name, "lo") ||
				    fallback_device(want.e[i].name))
				TH_LOG("new namespace has %s", want.e[i].name);
		check_enum_all(_metadata, &want);

		if (dummy && !nab_run("ip link add d0 type dummy")) {
			ASSERT_TRUE(iflist_netlink(&want));
			d0 = iflist_find(&want, "d0");
			ASSERT_NE(NULL, d0);
			EXPECT_EQ(if_nametoindex("d0"), d0->index);
			check_enum_all(_metadata, &want);
			EXPECT_EQ(want.n, page_all(_metadata, &want, 1, 1));
		} else {
			TH_LOG("no dummy interface: lo only");
		}
	});

	/* The child's session went with it; this namespace kept its own. */
	EXPECT_STATS_BASELINE(&self->base);
	check_enum_all(_metadata, &parent);
}

/* ---- bad input and the status codes --------------------------------- */

TEST_F(agents, unknown_agent)
{
	char name[NETAPIBUF_AGENT_NAME_MAX + 1];
	uint64_t args[4] = { 1, 2, 3, 4 };
	void *buf = &buf;

	EXPECT_EQ(ST_NOT_SUPP, NetApiBufferAgentCall("no-such-agent", 0, NULL,
						     0, args, &buf));
	EXPECT_EQ(NULL, buf);
	/* A failed call gives nothing back. */
	EXPECT_EQ(1u, args[0]);
	EXPECT_EQ(4u, args[3]);
	EXPECT_EQ(ST_NOT_SUPP, NetApiBufferAgentCall("", 0, NULL, 0, NULL,
						     &buf));
	/* Names are exact: no prefix, no case folding. */
	EXPECT_EQ(ST_NOT_SUPP, NetApiBufferAgentCall("wkst", 100, NULL, 0,
						     NULL, &buf));
	EXPECT_EQ(ST_NOT_SUPP, NetApiBufferAgentCall("WKSTA", 100, NULL, 0,
						     NULL, &buf));

	/* The longest possible name, and one too long for any agent. */
	memset(name, 'a', sizeof(name));
	name[NETAPIBUF_AGENT_NAME_MAX - 1] = '\0';
	EXPECT_EQ(ST_NOT_SUPP, NetApiBufferAgentCall(name, 0, NULL, 0, NULL,
						     &buf));
	name[NETAPIBUF_AGENT_NAME_MAX - 1] = 'a';
	name[NETAPIBUF_AGENT_NAME_MAX] = '\0';
	buf = &buf;
	EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall(name, 0, NULL, 0, NULL,
						    &buf));
	EXPECT_EQ(NULL, buf);
	EXPECT_STATS_UNCHANGED(&self->base);
}

TEST_F(agents, bad_level)
{
	/* 100 with a flag of the protocol's: not the caller's to pass. */
	static const uint32_t levels[] = { 0, 1, 99, 103, 502, 0x10064,
					   UINT32_MAX };
	uint32_t entries = 5, total = 5, resume = 0;
	uint8_t *buf;
	void *vbuf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		buf = (uint8_t *)&buf;
		EXPECT_EQ(ST_BAD_LEVEL, NetWkstaGetInfo(NULL, levels[i], &buf))
			TH_LOG("level %u", levels[i]);
		EXPECT_EQ(NULL, buf);
		if (!levels[i])
			continue;
		buf = (uint8_t *)&buf;
		EXPECT_EQ(ST_BAD_LEVEL, NetInterfaceEnum(NULL, levels[i], &buf,
							 1, &entries, &total,
							 &resume))
			TH_LOG("level %u", levels[i]);
		EXPECT_EQ(NULL, buf);
		EXPECT_EQ(0u, entries);
		EXPECT_EQ(0u, total);
	}
	EXPECT_EQ(ST_BAD_LEVEL, NetApiBufferAgentCall("wksta", 0, NULL, 0,
						      NULL, &vbuf));
	EXPECT_EQ(ST_BAD_LEVEL, NetApiBufferAgentCall("netif", 100, NULL, 0,
						      NULL, &vbuf));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* The input's bound (E2BIG), and its contents (EINVAL), by the library. */
TEST_F(agents, input_size)
{
	uint64_t args[4] = { 0 };
	void *buf = &buf;
	char *in;

	in = calloc(1, AGENT_IN_MAX + 1);
	ASSERT_NE(NULL, in);

	/* 64 KiB of NULs is the empty name: this machine. */
	EXPECT_EQ(ST_SUCCESS, NetApiBufferAgentCall("wksta", 100, in,
						    AGENT_IN_MAX, args, &buf));
	check_wksta(_metadata, buf);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));

	buf = &buf;
	EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("wksta", 100, in,
						    AGENT_IN_MAX + 1, args,
						    &buf));
	EXPECT_EQ(NULL, buf);
	EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("wksta", 100, in,
						    UINT32_MAX, args, &buf));

	/* Server names: 65535 characters fit, 65536 do not. */
	buf = &buf;
	memset(in, 'a', AGENT_IN_MAX);
	in[AGENT_IN_MAX] = '\0';
	EXPECT_EQ(ST_INVALID, NetWkstaGetInfo(in, 100, (uint8_t **)&buf));
	EXPECT_EQ(NULL, buf);
	in[AGENT_IN_MAX - 1] = '\0';
	EXPECT_EQ(ST_BAD_NETPATH, NetWkstaGetInfo(in, 100, (uint8_t **)&buf));
	memset(in, 0, AGENT_IN_MAX + 1);

	/* A server name without its NUL. */
	memcpy(in, "localhost", 9);
	EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("wksta", 100, in, 9, args,
						    &buf));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferAgentCall("wksta", 100, in, 10, args,
						    &buf));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	/*
	 * The netif agent takes the same input. Everything in one result: the
	 * guest may have more interfaces than lo (the debug kernel's dummy0).
	 */
	args[ARG_PREFMAXLEN] = MAX_PREFERRED_LENGTH;
	args[ARG_RESUME] = 0;
	EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("netif", 0, in, 9, args,
						    &buf));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferAgentCall("netif", 0, in, 10, args,
						    &buf));
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	/* Input bytes claimed but no pointer. */
	EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("wksta", 100, NULL, 1,
						    args, &buf));
	free(in);
	EXPECT_STATS_UNCHANGED(&self->base);
}

TEST_F(agents, not_this_machine)
{
	static const char *const names[] = {
		FAR_AWAY, "\\\\" FAR_AWAY, "localhost.", "127.0.0.2", " ",
	};
	uint32_t entries = 3, total = 3, resume = 5;
	uint8_t *buf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		buf = (uint8_t *)&buf;
		EXPECT_EQ(ST_BAD_NETPATH, NetWkstaGetInfo(names[i], 100, &buf))
			TH_LOG("\"%s\"", names[i]);
		EXPECT_EQ(NULL, buf);
		buf = (uint8_t *)&buf;
		EXPECT_EQ(ST_BAD_NETPATH,
			  NetInterfaceEnum(names[i], 0, &buf, 1, &entries,
					   &total, &resume))
			TH_LOG("\"%s\"", names[i]);
		EXPECT_EQ(NULL, buf);
		EXPECT_EQ(0u, entries);
		EXPECT_EQ(0u, total);
		EXPECT_EQ(5u, resume);
	}
	EXPECT_STATS_UNCHANGED(&self->base);
}

/*
 * NULL where a pointer is needed: ERROR_INVALID_PARAMETER before any
 * system call, so a fresh process does not even open its session.
 */
TEST_F(agents, null_pointers)
{
	IN_CHILD({
		uint32_t entries, total, resume = 0;
		uint64_t args[4] = { 0 };
		uint8_t *buf;
		void *vbuf;

		EXPECT_FALSE(lib_session_open());
		EXPECT_EQ(ST_INVALID, NetWkstaGetInfo(NULL, 100, NULL));
		EXPECT_EQ(ST_INVALID, NetInterfaceEnum(NULL, 0, NULL, 1,
						       &entries, &total,
						       &resume));
		EXPECT_EQ(ST_INVALID, NetInterfaceEnum(NULL, 0, &buf, 1, NULL,
						       &total, &resume));
		EXPECT_EQ(ST_INVALID, NetInterfaceEnum(NULL, 0, &buf, 1,
						       &entries, NULL,
						       &resume));
		EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("wksta", 100, NULL,
							    0, args, NULL));
		EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall(NULL, 100, NULL, 0,
							    args, &vbuf));
		EXPECT_EQ(ST_INVALID, NetApiBufferAgentCall("wksta", 100, NULL,
							    5, args, &vbuf));
		EXPECT_FALSE(lib_session_open());
	});
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* Every call, whatever its outcome, leaves errno as it was. */
TEST_F(agents, errno_preserved)
{
	uint32_t entries, total, resume = 0;
	uint64_t args[4] = { 1, 0, 0, 0 };
	uint8_t *buf;
	void *vbuf;

#define KEEPS_ERRNO(want_status, call)					\
	do {								\
		errno = 4242;						\
		EXPECT_EQ(ST(want_status), call);			\
		EXPECT_EQ(4242, errno) TH_LOG("%s", #call);		\
	} while (0)

	KEEPS_ERRNO(NERR_Success, NetWkstaGetInfo(NULL, 100, &buf));
	NetApiBufferFree(buf);
	KEEPS_ERRNO(NERR_Success, NetWkstaGetInfo(self->uts.nodename, 100,
						  &buf));
	NetApiBufferFree(buf);
	KEEPS_ERRNO(ERROR_INVALID_LEVEL, NetWkstaGetInfo(NULL, 7, &buf));
	KEEPS_ERRNO(ERROR_BAD_NETPATH, NetWkstaGetInfo(FAR_AWAY, 100, &buf));
	KEEPS_ERRNO(ERROR_INVALID_PARAMETER, NetWkstaGetInfo(NULL, 100, NULL));
	KEEPS_ERRNO(NERR_Success, NetInterfaceEnum(self->uts.nodename, 0,
						   &buf, MAX_PREFERRED_LENGTH,
						   &entries, &total, &resume));
	NetApiBufferFree(buf);
	KEEPS_ERRNO(ERROR_BAD_NETPATH, NetInterfaceEnum(FAR_AWAY, 0, &buf, 1,
							&entries, &total,
							&resume));
	resume = 0x80000000u;
	KEEPS_ERRNO(ERROR_INVALID_PARAMETER,
		    NetInterfaceEnum(NULL, 0, &buf, 1, &entries, &total,
				     &resume));
	KEEPS_ERRNO(ERROR_NOT_SUPPORTED,
		    NetApiBufferAgentCall("nope", 0, NULL, 0, args, &vbuf));
	KEEPS_ERRNO(ERROR_INVALID_PARAMETER,
		    NetApiBufferAgentCall("netif", 0, "x", 1, args, &vbuf));
#undef KEEPS_ERRNO
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* The generic call: args in and out as the agent defines them. */
TEST_F(agents, agent_call_args)
{
	uint64_t args[4] = {
		[ARG_PREFMAXLEN] = 1, [ARG_RESUME] = 0,
		[ARG_READ] = 0xdead, [ARG_TOTAL] = 0xbeef,
	};
	struct iflist want;
	NET_API_STATUS st;
	void *buf;

	ASSERT_TRUE(iflist_sysfs(&want));
	st = NetApiBufferAgentCall("netif", 0, NULL, 0, args, &buf);
	EXPECT_EQ(ST(want.n > 1 ? ERROR_MORE_DATA : NERR_Success), st);
	EXPECT_EQ(1u, args[ARG_PREFMAXLEN]);
	EXPECT_EQ(want.n > 1 ? want.e[0].index : 0, args[ARG_RESUME]);
	EXPECT_EQ(1u, args[ARG_READ]);
	EXPECT_EQ(want.n, args[ARG_TOTAL]);
	check_netif_page(_metadata, &want, 0, buf, 1);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));

	/* Past the end: NERR_Success and no buffer. */
	args[ARG_PREFMAXLEN] = NETAPIBUF_SYSINFO_PREFMAXLEN_ALL;
	args[ARG_RESUME] = want.e[want.n - 1].index;
	buf = &buf;
	EXPECT_EQ(ST_SUCCESS, NetApiBufferAgentCall("netif", 0, NULL, 0, args,
						    &buf));
	EXPECT_EQ(NULL, buf);
	EXPECT_EQ(0u, args[ARG_READ]);
	EXPECT_EQ(0u, args[ARG_TOTAL]);

	/* NULL args: zeros in, nothing out. */
	EXPECT_EQ(ST_SUCCESS, NetApiBufferAgentCall("wksta", 100, NULL, 0,
						    NULL, &buf));
	check_wksta(_metadata, buf);
	EXPECT_EQ(ST_SUCCESS, NetApiBufferFree(buf));
	EXPECT_STATS_UNCHANGED(&self->base);
}

/* ---- the raw ioctl --------------------------------------------------- */

FIXTURE(agent_abi) {
	struct nab_session s;
	struct nab_stats base;
};

FIXTURE_SETUP(agent_abi)
{
	int ret;

	NAB_REQUIRE_DEVICE();
	REQUIRE_AGENTS();
	ASSERT_STATS(&self->base);
	ret = nab_session_open(&self->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(agent_abi)
{
	nab_session_close(&self->s);
}

static void agent_cmd(struct netapibuf_agent_call *cmd, const char *name,
		      __u32 level)
{
	memset(cmd, 0, sizeof(*cmd));
	strncpy(cmd->name, name, sizeof(cmd->name));
	cmd->level = level;
}

static inline int _test_ioctl_agent(int fd, struct netapibuf_agent_call *cmd)
{
	return ioctl(fd, NETAPIBUF_IOC_AGENT_CALL, cmd);
}

#define test_ioctl_agent(cmd) \
	ASSERT_EQ(0, _test_ioctl_agent(self->s.fd, cmd))
#define test_err_ioctl_agent(_errno, cmd) \
	EXPECT_ERRNO(_errno, _test_ioctl_agent(self->s.fd, cmd))

/* A raw call: status, args, and a buffer of the session at its address. */
TEST_F(agent_abi, call)
{
	struct netapibuf_agent_call cmd;
	const struct WKSTA_INFO_100 *wi;
	struct utsname uts;
	__u64 size = 0;

	ASSERT_EQ(0, uname(&uts));
	agent_cmd(&cmd, NETAPIBUF_SYSINFO_WKSTA,
		  NETAPIBUF_SYSINFO_WKSTA_LEVEL_100);
	cmd.status = 0xdeadbeef;
	cmd.args[0] = 17;
	test_ioctl_agent(&cmd);
	EXPECT_EQ(0u, cmd.status);
	EXPECT_EQ(17u, cmd.args[0]);	/* the wksta agent leaves them */
	ASSERT_NE(0u, cmd.buffer);
	wi = (const struct WKSTA_INFO_100 *)(uintptr_t)cmd.buffer;
	ASSERT_EQ(0, _test_ioctl_size(self->s.fd, wi, 0, 0, &size));
	EXPECT_TRUE(nab_in_arena(&self->s, wi, size));
	EXPECT_EQ(0u, cmd.buffer % 16);
	EXPECT_STREQ(uts.nodename, wi->wki100_computername);
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, wi, 0, 0));
	EXPECT_ERRNO(EINVAL, _test_ioctl_free(self->s.fd, wi, 0, 0));

	/* An enumeration past its end: success, no buffer. */
	agent_cmd(&cmd, NETAPIBUF_SYSINFO_NETIF,
		  NETAPIBUF_SYSINFO_NETIF_LEVEL_0);
	cmd.args[ARG_RESUME] = NETAPIBUF_SYSINFO_RESUME_MAX;
	cmd.buffer = 0x1234;
	test_ioctl_agent(&cmd);
	EXPECT_EQ(0u, cmd.buffer);
	EXPECT_EQ(0u, cmd.args[ARG_READ]);

	/* ERROR_MORE_DATA: the ioctl worked, the status says more. */
	agent_cmd(&cmd, NETAPIBUF_SYSINFO_NETIF,
		  NETAPIBUF_SYSINFO_NETIF_LEVEL_0);
	cmd.args[ARG_PREFMAXLEN] = 1;
	cmd.args[ARG_RESUME] = 0;
	test_ioctl_agent(&cmd);
	ASSERT_NE(0u, cmd.buffer);
	EXPECT_EQ(1u, cmd.args[ARG_READ]);
	EXPECT_EQ(ST(cmd.args[ARG_TOTAL] > 1 ? ERROR_MORE_DATA : 0),
		  cmd.status);
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd,
				      (void *)(uintptr_t)cmd.buffer, 0, 0));
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/*
 * Agents delivering into a full short arena (NETAPIBUF_ARENA_MIN_SIZE,
 * filled with 4 MiB, one-page and 64-byte buffers to ENOSPC): a call
 * that has a result to deliver fails, with ENOSPC or a status, returns
 * no buffer and leaves nothing allocated (its kernel-side buffer, pooled
 * pages included, goes); with one page freed, the same call delivers
 * into it, inside the arena. The other buffers keep their bytes.
 */
TEST_F(agent_abi, full_short_arena)
{
	const size_t page = NAB_PAGE_SIZE, len = NETAPIBUF_ARENA_MIN_SIZE;
	const char *names[] = { NETAPIBUF_SYSINFO_WKSTA,
				NETAPIBUF_SYSINFO_NETIF };
	struct netapibuf_agent_call cmd;
	struct nab_stats before;
	void **bufs, *p, *one = NULL;
	size_t n = 0, max = 20000, i, k;
	__u64 sizes[] = { 4 << 20, page, 64 }, size;
	int ret;

	nab_session_close(&self->s);
	ret = nab_session_open(&self->s, false);
	ASSERT_EQ(0, ret);
	if (self->s.info.arena_size < len)
		SKIP(return, "arena shorter than %zu", len);
	self->s.arena = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     self->s.fd, 0);
	ASSERT_NE(MAP_FAILED, self->s.arena);
	self->s.info.arena_size = len;
	bufs = calloc(max, sizeof(*bufs));
	ASSERT_NE(NULL, bufs);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		while (n < max &&
		       !_test_ioctl_alloc(self->s.fd, sizes[k], 0, 0, &p)) {
			nab_fill(p, 0, sizes[k] < page ? sizes[k] : page,
				 (unsigned int)(n & 0xff));
			if (sizes[k] == page && !one)
				one = p;
			bufs[n++] = p;
		}
		ASSERT_EQ(ENOSPC, errno) TH_LOG("%zu buffers", n);
	}
	ASSERT_NE(NULL, one);

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		ASSERT_STATS(&before);
		if (i)
			agent_cmd(&cmd, NETAPIBUF_SYSINFO_NETIF,
				  NETAPIBUF_SYSINFO_NETIF_LEVEL_0);
		else
			agent_cmd(&cmd, NETAPIBUF_SYSINFO_WKSTA,
				  NETAPIBUF_SYSINFO_WKSTA_LEVEL_100);
		cmd.buffer = 0x1234;
		ret = _test_ioctl_agent(self->s.fd, &cmd);
		TH_LOG("%s into a full arena: %s, status %u", names[i],
		       ret ? strerror(errno) : "done", cmd.status);
		EXPECT_TRUE(ret ? errno == ENOSPC : cmd.status != 0);
		EXPECT_TRUE(ret || !cmd.buffer);
		EXPECT_NOTHING_ALLOCATED(&before);
	}

	ASSERT_EQ(0, _test_ioctl_free(self->s.fd, one, 0, 0));
	for (i = 0; i < n; i++)
		if (bufs[i] == one)
			bufs[i] = NULL;
	agent_cmd(&cmd, NETAPIBUF_SYSINFO_WKSTA,
		  NETAPIBUF_SYSINFO_WKSTA_LEVEL_100);
	test_ioctl_agent(&cmd);
	EXPECT_EQ(0u, cmd.status);
	ASSERT_NE(0u, cmd.buffer);
	ASSERT_EQ(0, _test_ioctl_size(self->s.fd,
				      (void *)(uintptr_t)cmd.buffer, 0, 0,
				      &size));
	EXPECT_TRUE(nab_in_arena(&self->s, (void *)(uintptr_t)cmd.buffer,
				 size));
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd,
				      (void *)(uintptr_t)cmd.buffer, 0, 0));

	for (i = 0; i < n; i++) {
		if (!bufs[i])
			continue;
		ASSERT_EQ(0, _test_ioctl_size(self->s.fd, bufs[i], 0, 0,
					      &size));
		EXPECT_EQ(-1, nab_check(bufs[i], 0, size < page ? size : page,
					(unsigned int)(i & 0xff)))
			TH_LOG("buffer %zu", i);
		ASSERT_EQ(0, _test_ioctl_free(self->s.fd, bufs[i], 0, 0));
	}
	free(bufs);
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* Errors of the ioctl; none changes anything. */
TEST_F(agent_abi, errors)
{
	struct netapibuf_agent_call cmd;
	char in[64] = "localhost";
	void *bad = nab_unmapped_page();
	size_t i;

	ASSERT_NE(NULL, bad);

	/* Flags: every bit is unknown. */
	for (i = 0; i < 32; i++) {
		agent_cmd(&cmd, "wksta", 100);
		cmd.flags = 1u << i;
		test_err_ioctl_agent(EINVAL, &cmd) TH_LOG("flag bit %zu", i);
	}

	/* The name must be terminated within its 32 bytes. */
	agent_cmd(&cmd, "wksta", 100);
	memset(cmd.name, 'w', sizeof(cmd.name));
	test_err_ioctl_agent(EINVAL, &cmd);
	agent_cmd(&cmd, "no-such-agent", 0);
	test_err_ioctl_agent(ENOENT, &cmd);
	agent_cmd(&cmd, "", 0);
	test_err_ioctl_agent(ENOENT, &cmd);
	/* Bytes after the NUL do not matter. */
	agent_cmd(&cmd, "wksta", 100);
	memset(cmd.name + 6, 'z', sizeof(cmd.name) - 6);
	test_ioctl_agent(&cmd);
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd,
				      (void *)(uintptr_t)cmd.buffer, 0, 0));

	/*
	 * Levels, as the agents decide. The one request flag is the string
	 * encoding of "wksta" (bits 16-17; 3 is no encoding); "netif" takes
	 * none.
	 */
	agent_cmd(&cmd, "wksta", 103);
	test_err_ioctl_agent(EOPNOTSUPP, &cmd);
	agent_cmd(&cmd, "wksta", 100 | NETAPIBUF_SYSINFO_STR_MASK);
	test_err_ioctl_agent(EOPNOTSUPP, &cmd);
	agent_cmd(&cmd, "netif", 1);
	test_err_ioctl_agent(EOPNOTSUPP, &cmd);
	for (i = 16; i < 32; i++) {
		ASSERT_NE(0u, NETAPIBUF_SYSINFO_LEVEL_FLAGS & (1u << i));
		agent_cmd(&cmd, "netif", 1u << i);
		test_err_ioctl_agent(EOPNOTSUPP, &cmd) TH_LOG("bit %zu", i);
		if (NETAPIBUF_SYSINFO_STR_MASK & (1u << i))
			continue;
		agent_cmd(&cmd, "wksta", 100 | 1u << i);
		test_err_ioctl_agent(EOPNOTSUPP, &cmd) TH_LOG("bit %zu", i);
	}

	/* Input: its bound, its pointer, its contents. */
	agent_cmd(&cmd, "wksta", 100);
	cmd.in = (uintptr_t)bad;
	cmd.in_len = AGENT_IN_MAX + 1;
	test_err_ioctl_agent(E2BIG, &cmd);
	cmd.in_len = UINT32_MAX;
	test_err_ioctl_agent(E2BIG, &cmd);
	cmd.in_len = 10;
	test_err_ioctl_agent(EFAULT, &cmd);
	cmd.in = (uintptr_t)in;
	cmd.in_len = 9;		/* "localhost" without its NUL */
	test_err_ioctl_agent(EINVAL, &cmd);
	strcpy(in, FAR_AWAY);
	cmd.in_len = strlen(in) + 1;
	test_err_ioctl_agent(EHOSTUNREACH, &cmd);
	/* The netif agent takes the same input. */
	agent_cmd(&cmd, "netif", 0);
	cmd.in = (uintptr_t)in;
	cmd.in_len = strlen(in) + 1;
	test_err_ioctl_agent(EHOSTUNREACH, &cmd);
	cmd.in_len = 1;
	test_err_ioctl_agent(EINVAL, &cmd);
	agent_cmd(&cmd, "netif", 0);
	cmd.args[ARG_RESUME] = (__u64)INT_MAX + 1;
	test_err_ioctl_agent(EINVAL, &cmd);
	cmd.args[ARG_RESUME] = ~0ULL;
	test_err_ioctl_agent(EINVAL, &cmd);
	/* The server name first: it decides whose interfaces these are. */
	cmd.in = (uintptr_t)in;
	cmd.in_len = strlen(in) + 1;
	test_err_ioctl_agent(EHOSTUNREACH, &cmd);

	/* The struct itself not readable. */
	EXPECT_ERRNO(EFAULT, ioctl(self->s.fd, NETAPIBUF_IOC_AGENT_CALL, bad));
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* A failed call leaves the caller's struct as it was. */
TEST_F(agent_abi, failure_changes_nothing)
{
	struct netapibuf_agent_call cmd, before;

	agent_cmd(&cmd, "netif", 7);
	cmd.status = 0x5555;
	cmd.args[0] = 1;
	cmd.args[1] = 2;
	cmd.args[2] = 3;
	cmd.args[3] = 4;
	cmd.buffer = 0x1000;
	before = cmd;
	test_err_ioctl_agent(EOPNOTSUPP, &cmd);
	EXPECT_EQ(0, memcmp(&before, &cmd, sizeof(cmd)));
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* Struct sizes: short, long with a non-zero tail, long with zeros. */
TEST_F(agent_abi, struct_size)
{
	struct {
		struct netapibuf_agent_call cmd;
		__u64 tail[2];
	} big;
	size_t full = sizeof(struct netapibuf_agent_call);
	unsigned int rw = _IOC_READ | _IOC_WRITE;

	agent_cmd(&big.cmd, "wksta", 100);
	EXPECT_ERRNO(EINVAL, nab_ioctl_raw(self->s.fd, rw,
					   NETAPIBUF_CMD_AGENT_CALL, full - 8,
					   &big.cmd));
	EXPECT_ERRNO(EINVAL, nab_ioctl_raw(self->s.fd, rw,
					   NETAPIBUF_CMD_AGENT_CALL, 0,
					   &big.cmd));

	big.tail[0] = 0;
	big.tail[1] = 1;
	EXPECT_ERRNO(E2BIG, nab_ioctl_raw(self->s.fd, rw,
					  NETAPIBUF_CMD_AGENT_CALL,
					  sizeof(big), &big));

	big.tail[1] = 0;
	ASSERT_EQ(0, nab_ioctl_raw(self->s.fd, rw, NETAPIBUF_CMD_AGENT_CALL,
				   sizeof(big), &big));
	EXPECT_NE(0u, big.cmd.buffer);
	EXPECT_EQ(0u, big.tail[0]);
	EXPECT_EQ(0u, big.tail[1]);
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd,
				      (void *)(uintptr_t)big.cmd.buffer, 0, 0));

	/* The wrong direction is another command. */
	agent_cmd(&big.cmd, "wksta", 100);
	EXPECT_ERRNO(ENOTTY, nab_ioctl_raw(self->s.fd, _IOC_WRITE,
					   NETAPIBUF_CMD_AGENT_CALL, full,
					   &big.cmd));
	EXPECT_ERRNO(ENOTTY, nab_ioctl_raw(self->s.fd, _IOC_READ,
					   NETAPIBUF_CMD_AGENT_CALL, full,
					   &big.cmd));
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* A session without its arena cannot take a result; one without need can. */
TEST_F(agent_abi, unmapped_session)
{
	struct netapibuf_agent_call cmd;
	struct nab_session s;

	ASSERT_EQ(0, nab_session_open(&s, false));
	agent_cmd(&cmd, "wksta", 100);
	EXPECT_ERRNO(ENXIO, _test_ioctl_agent(s.fd, &cmd));
	agent_cmd(&cmd, "netif", 0);
	cmd.args[ARG_RESUME] = INT_MAX;
	EXPECT_EQ(0, _test_ioctl_agent(s.fd, &cmd));
	EXPECT_EQ(0u, cmd.buffer);
	nab_session_close(&s);
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* The session belongs to the process that opened it. */
TEST_F(agent_abi, other_process)
{
	IN_CHILD({
		struct netapibuf_agent_call cmd;

		agent_cmd(&cmd, "wksta", 100);
		test_err_ioctl_agent(EPERM, &cmd);
	});
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

/* ---- recycled pages: a session's own, never another's ----------------- */

/*
 * The "netif" agent declares NETAPIBUF_AGENT_WRITES_ALL: its results may
 * be made of pages the calling session itself freed, not zeroed again.
 * Freed buffers carry a marker; it must never show in another session's
 * results or buffers, nor in a plain Allocate, nor past the end of a
 * recycled result.
 */
#define MARK		0xa5
#define MARK_BUFS	8
#define MARK_SIZE	(64 * 1024)

static long long pool_pages(struct __test_metadata *_metadata)
{
	long long v = -1;

	EXPECT_TRUE(nab_stat("pool_pages", &v))
		TH_LOG("cannot read " NAB_STATS_DIR "pool_pages");
	return v;
}

/* The offset of a 16-byte run of the marker in @len bytes at @p, or -1. */
static long find_marker(const uint8_t *p, size_t len)
{
	static const uint8_t mark[16] = {
		MARK, MARK, MARK, MARK, MARK, MARK, MARK, MARK,
		MARK, MARK, MARK, MARK, MARK, MARK, MARK, MARK,
	};
	size_t i;

	for (i = 0; i + sizeof(mark) <= len; i += sizeof(mark))
		if (!memcmp(p + i, mark, sizeof(mark)))
			return i;
	return -1;
}

/* Allocates buffers on @fd, fills them with the marker, frees them. */
static void mark_and_free(struct __test_metadata *_metadata, int fd)
{
	void *bufs[MARK_BUFS];
	size_t i;

	for (i = 0; i < MARK_BUFS; i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(fd, MARK_SIZE, 0, 0, &bufs[i]));
		memset(bufs[i], MARK, MARK_SIZE);
	}
	for (i = 0; i < MARK_BUFS; i++)
		ASSERT_EQ(0, _test_ioctl_free(fd, bufs[i], 0, 0));
}

/*
 * A "netif" result on @fd, checked: every entry names an interface of
 * this namespace by its index, its name inside the buffer; no marker in
 * its pages; zero past its size to the end of its last page. Freed;
 * before that, *@pooled_now is the pool_pages counter (if not NULL).
 */
static void netif_checked(struct __test_metadata *_metadata, int fd,
			  long long *pooled_now)
{
	const struct NETIF_INFO_0 *nif;
	struct netapibuf_agent_call cmd;
	char name[IF_NAMESIZE];
	size_t i, end;
	__u64 size = 0;
	const uint8_t *buf;
	long at;

	agent_cmd(&cmd, NETAPIBUF_SYSINFO_NETIF,
		  NETAPIBUF_SYSINFO_NETIF_LEVEL_0);
	cmd.args[ARG_PREFMAXLEN] = NETAPIBUF_SYSINFO_PREFMAXLEN_ALL;
	ASSERT_EQ(0, _test_ioctl_agent(fd, &cmd));
	ASSERT_NE(0u, cmd.buffer);
	ASSERT_LT(0u, cmd.args[ARG_READ]);
	buf = (const uint8_t *)(uintptr_t)cmd.buffer;
	ASSERT_EQ(0, _test_ioctl_size(fd, buf, 0, 0, &size));

	nif = (const struct NETIF_INFO_0 *)buf;
	for (i = 0; i < cmd.args[ARG_READ]; i++, nif++) {
		ASSERT_TRUE(string_inside(buf, cmd.args[ARG_READ] * NETIF_SIZE,
					  size, nif->nif0_name));
		ASSERT_NE(NULL, if_indextoname(nif->nif0_index, name));
		EXPECT_STREQ(name, nif->nif0_name);
	}
	end = (size + NAB_PAGE_SIZE - 1) & ~(NAB_PAGE_SIZE - 1);
	at = find_marker(buf, end);
	EXPECT_EQ(-1, at) TH_LOG("marker at byte %ld of %llu", at,
				 (unsigned long long)size);
	for (i = size; i < end; i++)
		if (buf[i])
			break;
	EXPECT_EQ(end, i) TH_LOG("byte %zu past the result is %#x", i,
				 i < end ? buf[i] : 0);
	if (pooled_now)
		*pooled_now = pool_pages(_metadata);
	EXPECT_EQ(0, _test_ioctl_free(fd, buf, 0, 0));
}

TEST_F(agent_abi, recycled_pages)
{
	long long pooled, now = -1;
	uint8_t *p;
	long at;

	/* The first call of such an agent gives the session its pool. */
	netif_checked(_metadata, self->s.fd, NULL);
	mark_and_free(_metadata, self->s.fd);
	pooled = pool_pages(_metadata);
	ASSERT_LT(0, pooled) TH_LOG("freed pages were not kept");

	/* Its own pages come back, overwritten and zeroed past the end. */
	netif_checked(_metadata, self->s.fd, &now);
	EXPECT_GT(pooled, now)
		TH_LOG("the result was not made of pooled pages");

	/* A plain Allocate is zero, whatever the session keeps. */
	mark_and_free(_metadata, self->s.fd);
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, MARK_SIZE, 0, 0,
				       (void **)&p));
	at = find_marker(p, MARK_SIZE);
	EXPECT_EQ(-1, at) TH_LOG("marker at byte %ld of an Allocate", at);
	EXPECT_EQ(0, p[MARK_SIZE - 1]);
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, p, 0, 0));

	/* Another process's session never sees this one's pages. */
	mark_and_free(_metadata, self->s.fd);
	ASSERT_LT(0, pool_pages(_metadata));
	IN_CHILD({
		struct nab_session other;
		void *bufs[2 * MARK_BUFS];
		size_t i;

		ASSERT_EQ(0, nab_session_open(&other, true));
		netif_checked(_metadata, other.fd, NULL);
		mark_and_free(_metadata, other.fd);
		netif_checked(_metadata, other.fd, NULL);
		for (i = 0; i < 2 * MARK_BUFS; i++) {
			ASSERT_EQ(0, _test_ioctl_alloc(other.fd, MARK_SIZE, 0,
						       0, &bufs[i]));
			at = find_marker(bufs[i], MARK_SIZE);
			EXPECT_EQ(-1, at) TH_LOG("buffer %zu: marker at %ld",
						 i, at);
		}
		for (i = 0; i < 2 * MARK_BUFS; i++)
			EXPECT_EQ(0, _test_ioctl_free(other.fd, bufs[i], 0, 0));
		nab_session_close(&other);
	});
	EXPECT_NOTHING_ALLOCATED(&self->base);
}

TEST_HARNESS_MAIN
