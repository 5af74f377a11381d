// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading netapibuf.ko: rmmod is refused while anything still uses the
 * module (a session with buffers, an arena still mapped after its
 * descriptor was closed, the agent module netapibuf_sysinfo, which
 * depends on it); once nothing does it unloads cleanly, kmemleak (debug
 * kernel) finds nothing the module left behind, and insmod loads it
 * again.
 *
 * The module file: $NETAPIBUF_KO_FILE, else ./netapibuf.ko, else
 * /vmrun/netapibuf.ko (where tools/vmrun puts the module it loads).
 * Without one the module is never unloaded (nothing could load it back)
 * and those tests are skipped. The agent module: see nab_sysinfo_ko().
 * The last test leaves the module loaded, as it found it.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <stdarg.h>

#include "netapibuf_test.h"

#define MODNAME		"netapibuf"

/* A shell command's exit status, its output on our stderr. */
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return nab_run(cmd);
}

/* The module file to load netapibuf.ko back with; NULL if there is none. */
static const char *module_file(void)
{
	static const char *const candidates[] = {
		"./netapibuf.ko", "/vmrun/netapibuf.ko",
	};

	return nab_find_file("NETAPIBUF_KO_FILE", candidates,
			     ARRAY_SIZE(candidates));
}

/* rmmod must be refused, and the module stay. */
#define EXPECT_RMMOD_REFUSED(why)					\
	do {								\
		EXPECT_NE(0, run("rmmod " MODNAME " 2>&1 | sed 's/^/# /'; " \
				 "test -d /sys/module/" MODNAME " && "	\
				 "exit 1; exit 0")) TH_LOG(why);	\
		EXPECT_TRUE(nab_module_loaded(MODNAME)) TH_LOG(why);	\
	} while (0)

FIXTURE(unload) {
	struct nab_stats base;
	struct nab_session s;
};

FIXTURE_SETUP(unload)
{
	NAB_REQUIRE_DEVICE();
	if (access("/proc/modules", F_OK))
		SETUP_SKIP("no loadable modules");
	self->s.fd = -1;
	ASSERT_STATS(&self->base);
}

FIXTURE_TEARDOWN(unload)
{
	nab_session_close(&self->s);
	if (nab_module_loaded(MODNAME))
		EXPECT_STATS_BASELINE(&self->base);
}

/* A session with buffers, filled. */
static void session_with_buffers(struct __test_metadata *_metadata,
				 struct nab_session *s, void **bufs)
{
	static const size_t sizes[] = { 100, 5000, 3 * 4096 };
	size_t i;

	ASSERT_EQ(0, nab_session_open(s, true));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, _test_ioctl_alloc(s->fd, sizes[i], 0, 0, &bufs[i]));
		nab_fill(bufs[i], 0, sizes[i], i);
	}
}

TEST_F(unload, refused_while_open)
{
	void *bufs[3];

	session_with_buffers(_metadata, &self->s, bufs);
	EXPECT_RMMOD_REFUSED("with a session open and buffers live");
	EXPECT_EQ(0, _test_ioctl_free(self->s.fd, bufs[1], 0, 0));
	EXPECT_EQ(-1, nab_check(bufs[2], 0, 3 * 4096, 2));
}

TEST_F(unload, refused_while_only_mapped)
{
	void *bufs[3];

	session_with_buffers(_metadata, &self->s, bufs);
	ASSERT_EQ(0, close(self->s.fd));
	self->s.fd = -1;
	EXPECT_RMMOD_REFUSED("with the arena mapped, its descriptor closed");
	/* the buffers are still there */
	EXPECT_EQ(-1, nab_check(bufs[0], 0, 100, 0));
	EXPECT_EQ(-1, nab_check(bufs[2], 0, 3 * 4096, 2));
}

TEST_F(unload, refused_while_fork_child_holds_it)
{
	void *bufs[3];
	int go[2], status;
	pid_t pid;
	char c;

	session_with_buffers(_metadata, &self->s, bufs);
	ASSERT_EQ(0, pipe(go));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	nab_session_close(&self->s);
	EXPECT_RMMOD_REFUSED("a fork child holds the inherited descriptor");
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
}

TEST_F(unload, refused_while_agent_loaded)
{
	bool had = nab_module_loaded(NAB_SYSINFO_MOD);

	if (!had && !nab_sysinfo_ko())
		SKIP(return, "no " NAB_SYSINFO_KO_WHERE);
	if (!had)
		ASSERT_TRUE(nab_sysinfo_insmod());
	EXPECT_RMMOD_REFUSED(NAB_SYSINFO_MOD " depends on it");
	if (!had)
		EXPECT_EQ(0, run("rmmod " NAB_SYSINFO_MOD));
}

/* kmemleak's reports, and how many name netapibuf (or its old text). */
static unsigned int kmemleak_reports(unsigned long text, unsigned long size,
				     unsigned int *ours, FILE *log)
{
	char line[512];
	unsigned int reports = 0;
	bool in_ours = false;
	FILE *f;

	*ours = 0;
	f = fopen(NAB_KMEMLEAK, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long addr;
		char *p = strstr(line, "[<");

		if (!strncmp(line, "unreferenced object", 19)) {
			reports++;
			in_ours = false;
		}
		if (!in_ours && (strstr(line, MODNAME) ||
				 (p && sscanf(p, "[<%lx>]", &addr) == 1 &&
				  addr >= text && addr - text < size))) {
			in_ours = true;
			++*ours;
		}
		if (in_ours && log)
			fprintf(log, "# %s", line);
	}
	fclose(f);
	return reports;
}

TEST_F_TIMEOUT(unload, unloads_when_idle_then_loads_again, 300)
{
	const char *ko = module_file();
	bool sysinfo = nab_module_loaded(NAB_SYSINFO_MOD);
	unsigned long long text = 0, size = 0;
	unsigned int before = 0, after, ours;
	bool kmemleak = !access(NAB_KMEMLEAK, W_OK);
	struct nab_stats now;
	void *buf;
	int i;

	if (!ko)
		SKIP(return, "no module file to load it back with "
		     "(NETAPIBUF_KO_FILE, ./netapibuf.ko, /vmrun/netapibuf.ko)");
	if (sysinfo && !nab_sysinfo_ko())
		SKIP(return, NAB_SYSINFO_MOD " is loaded and there is no "
		     NAB_SYSINFO_KO_WHERE " to load it back with");

	/* Nothing of ours is left: no session, no buffer. */
	EXPECT_STATS_BASELINE(&self->base);
	ASSERT_STATS(&now);
	ASSERT_EQ(0, now.sessions) TH_LOG("sessions left: the module is busy");
	ASSERT_EQ(0, now.live_buffers);
	ASSERT_EQ(0, now.pages);

	nab_read_ull("/sys/module/" MODNAME "/sections/.text", &text);
	nab_read_ull("/sys/module/" MODNAME "/coresize", &size);
	if (kmemleak)
		before = kmemleak_reports(text, size, &ours, NULL);

	if (sysinfo)
		ASSERT_EQ(0, run("rmmod " NAB_SYSINFO_MOD));
	ASSERT_EQ(0, run("rmmod " MODNAME)) TH_LOG("rmmod of an idle module");
	EXPECT_FALSE(nab_module_loaded(MODNAME));
	EXPECT_NE(0, access(NAB_DEVICE, F_OK)) TH_LOG(NAB_DEVICE " stayed");

	if (kmemleak) {
		/* An object is reported once unreferenced for 5 s, over two scans. */
		sleep(6);
		EXPECT_EQ(0, run("echo scan > " NAB_KMEMLEAK));
		EXPECT_EQ(0, run("echo scan > " NAB_KMEMLEAK));
		after = kmemleak_reports(text, size, &ours, stderr);
		EXPECT_EQ(0U, ours) TH_LOG("kmemleak: %u reports from netapibuf",
					   ours);
		EXPECT_EQ(before, after) TH_LOG("kmemleak: %u new reports",
						after - before);
	}

	ASSERT_EQ(0, run("insmod %s", ko)) TH_LOG("insmod %s again", ko);
	EXPECT_TRUE(nab_module_loaded(MODNAME));
	/* devtmpfs makes the node as the device registers. */
	for (i = 0; i < 100 && access(NAB_DEVICE, F_OK); i++)
		usleep(20000);
	ASSERT_EQ(0, nab_session_open(&self->s, true));
	ASSERT_EQ(0, _test_ioctl_alloc(self->s.fd, 100, 0, 0, &buf));
	nab_fill(buf, 0, 100, 1);
	EXPECT_EQ(-1, nab_check(buf, 0, 100, 1));
	nab_session_close(&self->s);
	if (sysinfo)
		EXPECT_TRUE(nab_sysinfo_insmod());
	/* A fresh module: fresh counters. */
	ASSERT_STATS(&now);
	EXPECT_EQ(0, now.sessions);
	EXPECT_EQ(0, now.live_buffers);
	EXPECT_EQ(0, now.live_bytes);
	self->base = now;
}

TEST_HARNESS_MAIN
