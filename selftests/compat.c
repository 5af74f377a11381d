// SPDX-License-Identifier: GPL-2.0
/*
 * Source compatibility and agents on demand:
 *
 * - with netapibuf.ko alone loaded and the sample agent installed where
 *   modprobe finds it (/lib/modules/$(uname -r)/extra, depmod, as
 *   `make install` does), the first NetWkstaGetInfo or NetInterfaceEnum
 *   loads the agent through its alias netapibuf-agent-NAME;
 * - an agent name outside [a-z0-9_-]{1,31} never reaches modprobe (a stub
 *   in /proc/sys/kernel/modprobe records every request) and gets
 *   ERROR_NOT_SUPPORTED; a valid unknown name is asked for exactly once,
 *   with the prefix;
 * - programs in each style (compat/: Windows' <lm.h> with a 4-byte and a
 *   2-byte wchar_t, Samba's <netapi.h> with a context, C++), built against
 *   the installed headers and library, print the UTS names of their
 *   namespace: ASCII, and non-ASCII UTF-8 with characters of 2, 3 and 4
 *   bytes (the last a UTF-16 surrogate pair), in every convention;
 * - Microsoft's NetWkstaGetInfo sample, verbatim, prints them with its
 *   wprintf(L"%s") lines (<lm.h>'s netapibuf_wprintf), 4- and 2-byte
 *   wchar_t;
 * - wmain's other documented forms, (argc, argv, envp) in C and C++ and
 *   C++'s wmain(), get their main from libnetapibuf_wmain.a, envp wide;
 * - the programs that spell headers as the SDK does build with clang
 *   too, when it is installed.
 *
 * Needs root (modprobe, UTS namespaces, utmp).
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <limits.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <utmpx.h>

#include <netapi.h>

#include "netapibuf_test.h"

#define ST(x)	((NET_API_STATUS)(x))
#define MODPROBE_SYSCTL	"/proc/sys/kernel/modprobe"
#define STUB		"/tmp/nab-modprobe-stub"
#define STUB_LOG	"/tmp/nab-modprobe.log"
#define UTMP		"/var/run/utmp"

/* ---- helpers -------------------------------------------------------- */

static bool read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return true;
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* @rel in the directory of this binary, in @path; false if too long. */
static bool beside_self(const char *rel, char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return snprintf(path, size, "%s/%s", self, rel) < (int)size;
}

/* The compat programs are in compat-progs/ beside this binary. */
static bool prog_path(const char *name, char *path, size_t size)
{
	char rel[PATH_MAX];

	if (snprintf(rel, sizeof(rel), "compat-progs/%s", name) >=
	    (int)sizeof(rel))
		return false;
	return beside_self(rel, path, size) && !access(path, X_OK);
}

/*
 * Where a program runs, beyond its UTS names: under an address-space
 * limit (@as_limit bytes, 0 for none), and through a launcher (@wrapper:
 * argv before the program's own, NULL-terminated; NULL for none).
 */
struct run_how {
	rlim_t as_limit;
	const char *const *wrapper;
};

/*
 * Runs @prog (with @arg if not NULL) in a new UTS namespace whose names
 * are @host and @domain (NULL: this one), as @how says (NULL: as it is),
 * its stdout in @out.  Returns its exit status, or -1.
 */
static int run_prog_how(const char *prog, const char *arg, const char *host,
			const char *domain, const struct run_how *how,
			char *out, size_t size)
{
	int fds[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		if (host && (unshare(CLONE_NEWUTS) ||
			     sethostname(host, strlen(host)) ||
			     setdomainname(domain, strlen(domain))))
			_exit(126);
		if (how && how->as_limit) {
			struct rlimit lim = { how->as_limit, how->as_limit };

			if (setrlimit(RLIMIT_AS, &lim))
				_exit(125);
		}
		if (how && how->wrapper) {
			const char *argv[16];
			size_t n = 0;

			while (how->wrapper[n] && n < ARRAY_SIZE(argv) - 3) {
				argv[n] = how->wrapper[n];
				n++;
			}
			argv[n++] = prog;
			argv[n++] = arg;
			argv[n] = NULL;
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		execl(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len < size - 1 &&
	       (n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int run_prog(const char *prog, const char *arg, const char *host,
		    const char *domain, char *out, size_t size)
{
	return run_prog_how(prog, arg, host, domain, NULL, out, size);
}

/* The value of "@key=" in @out, copied to @val; false if there is none. */
static bool field(const char *out, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = out, *end;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			p += klen + 1;
			end = strchrnul(p, '\n');
			snprintf(val, size, "%.*s", (int)(end - p), p);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

#define EXPECT_FIELD(out, key, want)					\
	do {								\
		char _v[1024];						\
		EXPECT_TRUE(field(out, key, _v, sizeof(_v)))		\
			TH_LOG("no %s in:\n%s", key, out);		\
		EXPECT_STREQ(want, _v) TH_LOG("%s", key);		\
	} while (0)

/* @s (UTF-8) as UTF-16 code units in hex, as win_wksta16 prints them. */
static void utf16_hex(const char *s, char *hex, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;
	uint32_t c;

	hex[0] = '\0';
	while (*p) {
		if (*p < 0x80) {
			c = *p++;
		} else if ((*p & 0xe0) == 0xc0) {
			c = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0) {
			c = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 |
			    (p[2] & 0x3fu);
			p += 3;
		} else {
			c = (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 |
			    (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
			p += 4;
		}
		if (c >= 0x10000)
			len += snprintf(hex + len, size - len, "%04x%04x",
					0xd800 + ((c - 0x10000) >> 10),
					0xdc00 + (c & 0x3ff));
		else
			len += snprintf(hex + len, size - len, "%04x", c);
	}
}

/* Names of the loaded modules, one per line, as /proc/modules lists them. */
static void modules_list(char *buf, size_t size)
{
	char line[512];
	size_t len = 0;
	FILE *f = fopen("/proc/modules", "re");

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && len < size - 1) {
		line[strcspn(line, " ")] = '\0';
		len += snprintf(buf + len, size - len, "%s\n", line);
	}
	fclose(f);
}

/* ---- the agent installed where modprobe finds it --------------------- */

static char moddir[PATH_MAX];		/* /lib/modules/RELEASE */
static bool moddir_made;		/* by this test: removed after */
static bool sysinfo_preloaded;

static bool agent_install(void)
{
	const char *ko = nab_sysinfo_ko();
	struct utsname u;
	char cmd[PATH_MAX * 2 + 64];

	if (!ko || uname(&u))
		return false;
	snprintf(moddir, sizeof(moddir), "/lib/modules/%s", u.release);
	if (access(moddir, F_OK))
		moddir_made = true;
	if (snprintf(cmd, sizeof(cmd),
		     "mkdir -p %s/extra && cp %s %s/extra/ && depmod %s",
		     moddir, ko, moddir, u.release) >= (int)sizeof(cmd))
		return false;
	return !nab_run(cmd);
}

static void agent_uninstall(void)
{
	char cmd[PATH_MAX + 64];

	if (!moddir[0])
		return;
	if (moddir_made)
		snprintf(cmd, sizeof(cmd), "rm -rf %s", moddir);
	else
		snprintf(cmd, sizeof(cmd), "rm -f %s/extra/" NAB_SYSINFO_KO
			 " && depmod", moddir);
	nab_run(cmd);
}

static bool agent_installed;

/*
 * Before the tests, in the harness's own process (each test runs in a
 * child that ends with _exit(): the destructor below runs once, here).
 */
static void __attribute__((constructor)) compat_setup(void)
{
	sysinfo_preloaded = nab_module_loaded(NAB_SYSINFO_MOD);
	if (!geteuid())
		agent_installed = agent_install();
}

/* Leave the modules and /lib/modules as they were found. */
static void __attribute__((destructor)) compat_restore(void)
{
	agent_uninstall();
	if (!sysinfo_preloaded && nab_module_loaded(NAB_SYSINFO_MOD))
		nab_run("rmmod " NAB_SYSINFO_MOD);
	if (sysinfo_preloaded && !nab_module_loaded(NAB_SYSINFO_MOD))
		nab_sysinfo_insmod();
}

/* In a FIXTURE_SETUP: the agent installed and not loaded, or skip. */
#define REQUIRE_AGENT_UNLOADED()					\
	do {								\
		if (geteuid())						\
			SETUP_SKIP("needs root");			\
		if (!agent_installed)					\
			SETUP_SKIP("cannot install " NAB_SYSINFO_KO_WHERE \
				   " with depmod");			\
		if (nab_module_loaded(NAB_SYSINFO_MOD))			\
			ASSERT_EQ(0, nab_run("rmmod " NAB_SYSINFO_MOD))	\
				TH_LOG("rmmod " NAB_SYSINFO_MOD);	\
		ASSERT_FALSE(nab_agent_listed("wksta"));		\
	} while (0)

/* ---- loading on demand --------------------------------------------- */

FIXTURE(ondemand) {
	struct utsname uts;
};

FIXTURE_SETUP(ondemand)
{
	NAB_REQUIRE_DEVICE();
	REQUIRE_AGENT_UNLOADED();
	ASSERT_EQ(0, uname(&self->uts));
}

FIXTURE_TEARDOWN(ondemand)
{
}

TEST_F(ondemand, wksta_loads_the_agent)
{
	struct WKSTA_INFO_100 *w;
	uint8_t *buf = NULL;

	ASSERT_FALSE(nab_module_loaded(NAB_SYSINFO_MOD));
	ASSERT_EQ(ST(NERR_Success), NetWkstaGetInfo(NULL, 100, &buf));
	EXPECT_TRUE(nab_module_loaded(NAB_SYSINFO_MOD));
	EXPECT_TRUE(nab_agent_listed("wksta"));
	w = (struct WKSTA_INFO_100 *)buf;
	EXPECT_STREQ(self->uts.nodename, w->wki100_computername);
	EXPECT_EQ(ST(NERR_Success), NetApiBufferFree(buf));
}

TEST_F(ondemand, netif_loads_the_agent)
{
	uint32_t entries = 0, total = 0, resume = 0;
	uint8_t *buf = NULL;

	ASSERT_FALSE(nab_module_loaded(NAB_SYSINFO_MOD));
	ASSERT_EQ(ST(NERR_Success),
		  NetInterfaceEnum(NULL, 0, &buf, MAX_PREFERRED_LENGTH,
				   &entries, &total, &resume));
	EXPECT_TRUE(nab_module_loaded(NAB_SYSINFO_MOD));
	EXPECT_LT(0u, entries);
	EXPECT_EQ(ST(NERR_Success), NetApiBufferFree(buf));
}

/*
 * Hostile names: with a modprobe stub that records its arguments, only
 * names of the allowed set reach it, each with the fixed prefix; the
 * others are ERROR_NOT_SUPPORTED without a request, and no module loads.
 */
TEST_F(ondemand, hostile_names_load_nothing)
{
	static const char *const hostile[] = {
		"", "../../kernel/drivers/net/dummy", "a/b", "Wksta", "a b",
		"a.b", "x\n", "dummy;", "wk*", "\xc3\xa9t\xc3\xa9",
		"UPPER_CASE", "tab\tname", "x=1", "a:b",
	};
	/* 31 characters: the longest name that fits, allowed. */
	static const char longest[] = "abcdefghijklmnopqrstuvwxyz01234";
	char saved[PATH_MAX], log[4096], mods_before[8192], mods_after[8192];
	char want[128];
	uint64_t args[4] = { 0 };
	void *buf;
	size_t i;

	ASSERT_TRUE(read_file(MODPROBE_SYSCTL, saved, sizeof(saved)));
	ASSERT_TRUE(write_file(STUB, "#!/bin/sh\necho \"$*\" >>" STUB_LOG
			       "\nexit 1\n"));
	ASSERT_EQ(0, chmod(STUB, 0755));
	unlink(STUB_LOG);
	ASSERT_TRUE(write_file(MODPROBE_SYSCTL, STUB));
	modules_list(mods_before, sizeof(mods_before));

	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		buf = &buf;
		EXPECT_EQ(ST(ERROR_NOT_SUPPORTED),
			  NetApiBufferAgentCall(hostile[i], 0, NULL, 0, args,
						&buf))
			TH_LOG("name \"%s\"", hostile[i]);
		EXPECT_EQ(NULL, buf);
	}
	/* Nothing asked for so far. */
	EXPECT_NE(0, access(STUB_LOG, F_OK)) {
		read_file(STUB_LOG, log, sizeof(log));
		TH_LOG("modprobe was asked for: %s", log);
	}

	/*
	 * Allowed names are asked for, with the prefix, once each: even
	 * "-v" is the module name "netapibuf-agent--v", never an option.
	 */
	EXPECT_EQ(ST(ERROR_NOT_SUPPORTED),
		  NetApiBufferAgentCall("nope", 0, NULL, 0, args, &buf));
	EXPECT_EQ(ST(ERROR_NOT_SUPPORTED),
		  NetApiBufferAgentCall("-v", 0, NULL, 0, args, &buf));
	EXPECT_EQ(ST(ERROR_NOT_SUPPORTED),
		  NetApiBufferAgentCall(longest, 0, NULL, 0, args, &buf));

	ASSERT_TRUE(write_file(MODPROBE_SYSCTL, saved));
	modules_list(mods_after, sizeof(mods_after));
	EXPECT_STREQ(mods_before, mods_after);

	ASSERT_TRUE(read_file(STUB_LOG, log, sizeof(log)));
	snprintf(want, sizeof(want), "-q -- netapibuf-agent-nope\n"
		 "-q -- netapibuf-agent--v\n-q -- netapibuf-agent-%s\n",
		 longest);
	EXPECT_STREQ(want, log);
	unlink(STUB_LOG);
	unlink(STUB);
}

/* ---- programs in each style ---------------------------------------- */

FIXTURE(styles) {
	char release_ver[32];
	char users[16];
	bool made_utmp;
};

FIXTURE_VARIANT(styles) {
	const char *host;	/* NULL: the guest's own names */
	const char *domain;
};

FIXTURE_VARIANT_ADD(styles, own_names) {
	.host = NULL,
};

/* é (2 bytes), 中 (3), 😀 (4: a surrogate pair in UTF-16). */
FIXTURE_VARIANT_ADD(styles, utf8_names) {
	.host = "h\xc3\xb4te-\xe4\xb8\xad-\xf0\x9f\x98\x80",
	.domain = "domaine-\xc3\xa9t\xc3\xa9-\xe4\xb8\xad\xe6\x96\x87",
};

/*
 * utmp with three login sessions of two users, unless the guest has one
 * already: then the count is read from it as the library should.
 */
static bool utmp_prepare(char *users, size_t size)
{
	static const char *const who[][2] = {
		{ "alice", "tty1" }, { "bob", "pts/0" }, { "alice", "pts/1" },
	};
	struct utmpx u, *e;
	unsigned int n = 0, i, j;
	char names[64][sizeof(u.ut_user)];

	if (!access(UTMP, F_OK)) {
		setutxent();
		while ((e = getutxent()) && n < 64) {
			if (e->ut_type != USER_PROCESS || !e->ut_user[0])
				continue;
			for (j = 0; j < n; j++)
				if (!strncmp(names[j], e->ut_user,
					     sizeof(names[j])))
					break;
			if (j == n)
				memcpy(names[n++], e->ut_user, sizeof(names[0]));
		}
		endutxent();
		snprintf(users, size, "%u", n);
		return false;
	}
	nab_run("mkdir -p /var/run && touch " UTMP);
	setutxent();
	for (i = 0; i < ARRAY_SIZE(who); i++) {
		memset(&u, 0, sizeof(u));
		u.ut_type = USER_PROCESS;
		u.ut_pid = 1000 + i;
		strncpy(u.ut_user, who[i][0], sizeof(u.ut_user));
		strncpy(u.ut_line, who[i][1], sizeof(u.ut_line));
		pututxline(&u);
	}
	endutxent();
	snprintf(users, size, "2");
	return true;
}

FIXTURE_SETUP(styles)
{
	struct utsname u;
	unsigned int major, minor;

	NAB_REQUIRE_DEVICE();
	REQUIRE_AGENT_UNLOADED();
	ASSERT_EQ(0, uname(&u));
	ASSERT_EQ(2, sscanf(u.release, "%u.%u", &major, &minor));
	snprintf(self->release_ver, sizeof(self->release_ver), "%u.%u",
		 major, minor);
	self->made_utmp = utmp_prepare(self->users, sizeof(self->users));
}

FIXTURE_TEARDOWN(styles)
{
	if (self->made_utmp)
		unlink(UTMP);
}

/* The names the programs must print: the variant's, or uname's. */
static void want_names(const FIXTURE_VARIANT(styles) *variant,
		       char *host, char *domain, size_t size)
{
	struct utsname u;

	if (variant->host) {
		snprintf(host, size, "%s", variant->host);
		snprintf(domain, size, "%s", variant->domain);
	} else if (!uname(&u)) {
		snprintf(host, size, "%s", u.nodename);
		snprintf(domain, size, "%s", u.domainname);
	}
}

static void check_levels(struct __test_metadata *_metadata, const char *out,
			 const char *host, const char *domain,
			 const char *users, bool lanroot_brackets)
{
	static const char *const levels[] = { "level100", "level101",
					      "level102" };
	char key[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		snprintf(key, sizeof(key), "%s.name", levels[i]);
		EXPECT_FIELD(out, key, host);
		snprintf(key, sizeof(key), "%s.domain", levels[i]);
		EXPECT_FIELD(out, key, domain);
		if (i) {
			snprintf(key, sizeof(key), "%s.lanroot", levels[i]);
			EXPECT_FIELD(out, key, lanroot_brackets ? "[]" : "");
		}
	}
	if (users)
		EXPECT_FIELD(out, "level102.users", users);
}

/* win_wksta, built by gcc (@name "win_wksta") or clang. */
static void windows_wchar32(struct __test_metadata *_metadata,
			    FIXTURE_DATA(styles) *self,
			    const FIXTURE_VARIANT(styles) *variant,
			    const char *name)
{
	char prog[PATH_MAX], out[8192], host[256], domain[256], ver[64];

	if (!prog_path(name, prog, sizeof(prog)))
		SKIP(return, "no compat-progs/%s", name);
	want_names(variant, host, domain, sizeof(host));
	ASSERT_EQ(0, run_prog(prog, NULL, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("output:\n%s", out);
	/* The program's first call loaded the agent. */
	EXPECT_TRUE(nab_module_loaded(NAB_SYSINFO_MOD));
	check_levels(_metadata, out, host, domain, self->users, true);
	EXPECT_FIELD(out, "level100.platform", "500");
	snprintf(ver, sizeof(ver), "%s", self->release_ver);
	EXPECT_FIELD(out, "level100.version", ver);
	EXPECT_FIELD(out, "level7.status", "124");
}

TEST_F_TIMEOUT(styles, windows_wchar32, 120)
{
	windows_wchar32(_metadata, self, variant, "win_wksta");
}

/*
 * The same source built by clang (when installed), whose default
 * -Wnonportable-include-path rejected <Lm.h> as a link to lm.h.
 */
TEST_F_TIMEOUT(styles, windows_clang, 120)
{
	windows_wchar32(_metadata, self, variant, "win_wksta_clang");
}

TEST_F_TIMEOUT(styles, windows_server_name, 120)
{
	char prog[PATH_MAX], out[8192], host[256], domain[256], arg[300];

	if (!prog_path("win_wksta", prog, sizeof(prog)))
		SKIP(return, "no compat-progs/win_wksta");
	want_names(variant, host, domain, sizeof(host));
	/* This machine by its own (non-ASCII) name: converted to UTF-8. */
	snprintf(arg, sizeof(arg), "\\\\%s", host);
	ASSERT_EQ(0, run_prog(prog, arg, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("output:\n%s", out);
	check_levels(_metadata, out, host, domain, NULL, true);
	/* Another machine: ERROR_BAD_NETPATH at every level. */
	ASSERT_NE(0, run_prog(prog, "\\\\far.away.example", variant->host,
			      variant->domain, out, sizeof(out)));
	EXPECT_FIELD(out, "level100.status", "53");
	EXPECT_FIELD(out, "level102.status", "53");
}

TEST_F_TIMEOUT(styles, windows_wchar16, 120)
{
	char prog[PATH_MAX], out[8192], host[256], domain[256];
	char host16[1024], domain16[1024];

	if (!prog_path("win_wksta16", prog, sizeof(prog)))
		SKIP(return, "no compat-progs/win_wksta16");
	want_names(variant, host, domain, sizeof(host));
	utf16_hex(host, host16, sizeof(host16));
	utf16_hex(domain, domain16, sizeof(domain16));
	ASSERT_EQ(0, run_prog(prog, NULL, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("output:\n%s", out);
	check_levels(_metadata, out, host16, domain16, NULL, false);
}

TEST_F_TIMEOUT(styles, samba, 120)
{
	char prog[PATH_MAX], out[8192], host[256], domain[256];

	if (!prog_path("samba_wksta", prog, sizeof(prog)))
		SKIP(return, "no compat-progs/samba_wksta");
	want_names(variant, host, domain, sizeof(host));
	ASSERT_EQ(0, run_prog(prog, NULL, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("output:\n%s", out);
	check_levels(_metadata, out, host, domain, self->users, true);
	EXPECT_FIELD(out, "ctx.username", "Administrator");
	EXPECT_FIELD(out, "level100.platform", "500");
	EXPECT_FIELD(out, "level100.version", self->release_ver);
	EXPECT_FIELD(out, "level7.status",
		     "124 The system call level is not correct.");
	EXPECT_FIELD(out, "faraway.status",
		     "53 The network path was not found (netapibuf answers for this machine only).");
	/* Its own name as the server, in UTF-8. */
	ASSERT_EQ(0, run_prog(prog, host, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("output:\n%s", out);
	check_levels(_metadata, out, host, domain, NULL, true);
}

static void cxx(struct __test_metadata *_metadata,
		FIXTURE_DATA(styles) *self,
		const FIXTURE_VARIANT(styles) *variant, const char *name)
{
	char prog[PATH_MAX], out[8192], host[256], domain[256];

	if (!prog_path(name, prog, sizeof(prog)))
		SKIP(return, "no compat-progs/%s", name);
	want_names(variant, host, domain, sizeof(host));
	ASSERT_EQ(0, run_prog(prog, NULL, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("output:\n%s", out);
	check_levels(_metadata, out, host, domain, self->users, true);
}

TEST_F_TIMEOUT(styles, cxx, 120)
{
	cxx(_metadata, self, variant, "cxx_wksta");
}

/* <LMAPIbuf.h> and <LMWksta.h> with clang++ (when installed). */
TEST_F_TIMEOUT(styles, cxx_clang, 120)
{
	cxx(_metadata, self, variant, "cxx_wksta_clang");
}

/*
 * The other forms of wmain Microsoft documents, with no main: (argc,
 * argv, envp) in C with a 4- and a 2-byte wchar_t and in C++, and C++'s
 * int wmain().  libnetapibuf_wmain.a's main calls each (it called the C++
 * ones never: "defines neither main nor wmain", exit 127) and passes the
 * environment wide: a UTF-8 value (2-, 3- and 4-byte characters) comes
 * back through envp, and the server name through argv.
 */
TEST_F_TIMEOUT(styles, wmain_forms, 120)
{
	static const char *const envp_progs[] = {
		"wmain_envp", "wmain_envp16", "wmain_envp_cxx",
	};
	static const char value[] = "v\xc3\xa4lue-\xe4\xb8\xad-\xf0\x9f\x98\x80";
	char prog[PATH_MAX], out[8192], host[256], domain[256], arg[300];
	size_t i;

	want_names(variant, host, domain, sizeof(host));
	snprintf(arg, sizeof(arg), "\\\\%s", host);
	ASSERT_EQ(0, setenv("NAB_COMPAT_ENV", value, 1));
	for (i = 0; i < ARRAY_SIZE(envp_progs); i++) {
		ASSERT_TRUE(prog_path(envp_progs[i], prog, sizeof(prog)))
			TH_LOG("%s", envp_progs[i]);
		ASSERT_EQ(0, run_prog(prog, arg, variant->host,
				      variant->domain, out, sizeof(out)))
			TH_LOG("%s output:\n%s", envp_progs[i], out);
		EXPECT_FIELD(out, "env", value);
		EXPECT_FIELD(out, "name", host);
	}
	unsetenv("NAB_COMPAT_ENV");

	ASSERT_TRUE(prog_path("cxx_wmain_void", prog, sizeof(prog)));
	ASSERT_EQ(0, run_prog(prog, NULL, variant->host, variant->domain,
			      out, sizeof(out)))
		TH_LOG("cxx_wmain_void output:\n%s", out);
	EXPECT_FIELD(out, "name", host);
}

/*
 * Programs written from Microsoft's pages for the four calls and
 * NetWkstaGetInfo alone (compat/doc_*): each checks what the pages
 * document (sizes, zeroed and kept bytes, the result of NetWkstaGetInfo
 * sized and reallocated like any buffer, the status codes) and prints a
 * line per check; C with a 4- and a 2-byte wchar_t, fortified with
 * -flto, and linked statically; C++20. (The Makefile compiles both files
 * with every C and C++ standard, -pedantic and clang too.)
 */
TEST_F_TIMEOUT(styles, from_the_docs, 120)
{
	static const struct {
		const char *prog, *name_key, *domain_key;
	} progs[] = {
		{ "doc_buffers", "wksta.name", "wksta.domain" },
		{ "doc_buffers16", "wksta.name", "wksta.domain" },
		{ "doc_buffers_lto", "wksta.name", "wksta.domain" },
		{ "doc_buffers_static", "wksta.name", "wksta.domain" },
		{ "doc_cxx", "name", "domain" },
	};
	char prog[PATH_MAX], out[8192], host[256], domain[256];
	size_t i;

	want_names(variant, host, domain, sizeof(host));
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		ASSERT_TRUE(prog_path(progs[i].prog, prog, sizeof(prog)))
			TH_LOG("%s", progs[i].prog);
		EXPECT_EQ(0, run_prog(prog, NULL, variant->host,
				      variant->domain, out, sizeof(out)))
			TH_LOG("%s output:\n%s", progs[i].prog, out);
		EXPECT_EQ(NULL, strstr(out, "=FAIL"))
			TH_LOG("%s output:\n%s", progs[i].prog, out);
		EXPECT_NE(NULL, strstr(out, "reallocate=ok"))
			TH_LOG("%s output:\n%s", progs[i].prog, out);
		EXPECT_FIELD(out, progs[i].name_key, host);
		EXPECT_FIELD(out, progs[i].domain_key, domain);
	}
}

/*
 * Microsoft's samples as they are (compat/ms_*.c): <lm.h> without
 * <windows.h> declares what they use (exit, fwprintf, LPTSTR, ...), and
 * libnetapibuf_wmain.a gives the NetWkstaGetInfo sample, which defines
 * only wmain(), its main().  <lm.h> maps its wprintf(L"%s") to the
 * library's, which reads %s as a wide string as MSVC does and writes to a
 * stdout its printf lines have made byte-oriented: the whole output is
 * checked, names included, with a 4-byte and a 2-byte wchar_t, in the C
 * locale (names beyond ASCII written as UTF-8) and in C.UTF-8.
 */
static void ms_wksta_expect(struct __test_metadata *_metadata,
			    const char *name, const char *arg,
			    const FIXTURE_VARIANT(styles) *variant,
			    const char *want)
{
	static const char *const locales[] = { "C", "C.UTF-8" };
	char prog[PATH_MAX], out[8192];
	size_t i;

	ASSERT_TRUE(prog_path(name, prog, sizeof(prog))) TH_LOG("%s", name);
	for (i = 0; i < ARRAY_SIZE(locales); i++) {
		ASSERT_EQ(0, setenv("LC_ALL", locales[i], 1));
		ASSERT_EQ(0, run_prog(prog, arg, variant->host, variant->domain,
				      out, sizeof(out)))
			TH_LOG("%s output:\n%s", name, out);
		EXPECT_STREQ(want, out)
			TH_LOG("%s %s, LC_ALL=%s", name, arg ? arg : "",
			       locales[i]);
	}
	unsetenv("LC_ALL");
}

TEST_F_TIMEOUT(styles, ms_samples, 180)
{
	static const char *const wksta[] = { "ms_netwkstagetinfo",
					     "ms_netwkstagetinfo16" };
	char prog[PATH_MAX], out[8192], want[1024], arg[300];
	char host[256], domain[256];
	size_t i;

	if (!prog_path("ms_netapibufferallocate", prog, sizeof(prog)))
		SKIP(return, "no compat-progs/ms_netapibufferallocate");
	ASSERT_EQ(0, run_prog(prog, NULL, NULL, NULL, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "NetApiBufferSize:       Buffer has 1024 bytes.\n"))
		TH_LOG("output:\n%s", out);
	EXPECT_NE(NULL, strstr(out, "NetApiBufferReallocate: Re-Allocated 2048 bytes.\n"));
	EXPECT_NE(NULL, strstr(out, "Freed Buffer\n"));
	EXPECT_EQ(NULL, strstr(out, "Error"));

	want_names(variant, host, domain, sizeof(host));
	snprintf(want, sizeof(want),
		 "\n\tPlatform: 500\n\tName:     %s\n\tVersion:  %s\n"
		 "\tDomain:   %s\n\tLan Root: \n\t# Logged On Users: %s\n",
		 host, self->release_ver, domain, self->users);
	/* wmain's argv: this machine by name, converted by the shim. */
	snprintf(arg, sizeof(arg), "\\\\%s", host);
	for (i = 0; i < ARRAY_SIZE(wksta); i++) {
		ms_wksta_expect(_metadata, wksta[i], NULL, variant, want);
		ms_wksta_expect(_metadata, wksta[i], arg, variant, want);
		/* Another machine: the sample's own error path. */
		ASSERT_TRUE(prog_path(wksta[i], prog, sizeof(prog)));
		ASSERT_EQ(0, run_prog(prog, "\\\\far.away.example",
				      variant->host, variant->domain, out,
				      sizeof(out)));
		EXPECT_STREQ("", out) TH_LOG("%s", wksta[i]);
	}
}

/* ---- where users run them ------------------------------------------ */

/*
 * The programs written from the documentation, run as their developers
 * run them: under valgrind's memcheck, and under an address-space limit
 * (ulimit -v, systemd's LimitAS=).  Either used to fail every call: the
 * 64 GiB arena did not fit, and the library now maps a shorter one.
 */
FIXTURE(outside) {
	char host[256], domain[256];
};

FIXTURE_SETUP(outside)
{
	struct utsname u;

	NAB_REQUIRE_DEVICE();
	REQUIRE_AGENT_UNLOADED();
	ASSERT_EQ(0, uname(&u));
	snprintf(self->host, sizeof(self->host), "%s", u.nodename);
	snprintf(self->domain, sizeof(self->domain), "%s", u.domainname);
}

FIXTURE_TEARDOWN(outside)
{
}

/* Runs the doc_* program @name as @how says; it must pass every check. */
static void doc_prog_passes(struct __test_metadata *_metadata,
			    FIXTURE_DATA(outside) *self, const char *name,
			    const struct run_how *how)
{
	bool cxx = !strcmp(name, "doc_cxx");
	char prog[PATH_MAX], out[8192];

	ASSERT_TRUE(prog_path(name, prog, sizeof(prog))) TH_LOG("%s", name);
	EXPECT_EQ(0, run_prog_how(prog, NULL, NULL, NULL, how, out,
				  sizeof(out)))
		TH_LOG("%s output:\n%s", name, out);
	EXPECT_EQ(NULL, strstr(out, "=FAIL")) TH_LOG("%s output:\n%s", name, out);
	EXPECT_NE(NULL, strstr(out, "reallocate=ok"))
		TH_LOG("%s output:\n%s", name, out);
	EXPECT_FIELD(out, cxx ? "name" : "wksta.name", self->host);
	EXPECT_FIELD(out, cxx ? "domain" : "wksta.domain", self->domain);
}

/*
 * 256 MiB leaves the arena less than its 64 MiB minimum by the quarter
 * rule (the library maps the minimum); 4 GiB, a quarter of what is left.
 */
TEST_F_TIMEOUT(outside, address_space_limit, 120)
{
	static const char *const progs[] = {
		"doc_buffers", "doc_buffers_static", "doc_cxx",
	};
	static const rlim_t limits[] = { 256ULL << 20, 4ULL << 30 };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(limits); i++)
		for (j = 0; j < ARRAY_SIZE(progs); j++) {
			struct run_how how = { .as_limit = limits[i] };

			TH_LOG("%s, RLIMIT_AS %llu MiB", progs[j],
			       (unsigned long long)limits[i] >> 20);
			doc_prog_passes(_metadata, self, progs[j], &how);
		}
}

/*
 * memcheck: no invalid access, no use of an uninitialised byte and no
 * definite leak in the library, C and C++, Microsoft's sample, Samba's
 * style and Windows' with a 2-byte wchar_t (the library's conversions).  The
 * build stages valgrind beside this binary (valgrind/, selftests/Makefile)
 * with the loader's debug symbols, which it needs under
 * /usr/lib/debug/.build-id: linked there for the run if that is missing.
 */
TEST_F_TIMEOUT(outside, valgrind_memcheck, 900)
{
	static const char *const progs[] = { "doc_buffers", "doc_cxx" };
	char vg[PATH_MAX], lib[PATH_MAX], dbg[PATH_MAX], why[512] = "";
	const char *wrapper[] = {
		vg, "-q", "--error-exitcode=99", "--leak-check=full",
		"--errors-for-leak-kinds=definite",
		"--show-leak-kinds=definite", NULL,
	};
	struct run_how how = { .wrapper = wrapper };
	char prog[PATH_MAX], out[8192];
	bool linked = false;
	size_t i;

	ASSERT_TRUE(beside_self("valgrind/valgrind", vg, sizeof(vg)));
	ASSERT_TRUE(beside_self("valgrind/lib", lib, sizeof(lib)));
	ASSERT_TRUE(beside_self("valgrind/debug", dbg, sizeof(dbg)));
	if (access(vg, X_OK)) {
		char missing[PATH_MAX];

		ASSERT_TRUE(beside_self("valgrind/missing", missing,
					sizeof(missing)));
		read_file(missing, why, sizeof(why));
		SKIP(return, "no valgrind staged: %s", why);
	}
	if (access("/usr/lib/debug/.build-id", F_OK)) {
		ASSERT_EQ(0, nab_run("mkdir -p /usr/lib/debug"));
		ASSERT_EQ(0, symlink(dbg, "/usr/lib/debug/.build-id"));
		linked = true;
	}
	ASSERT_EQ(0, setenv("VALGRIND_LIB", lib, 1));

	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		TH_LOG("%s under memcheck", progs[i]);
		doc_prog_passes(_metadata, self, progs[i], &how);
	}
	TH_LOG("ms_netapibufferallocate under memcheck");
	ASSERT_TRUE(prog_path("ms_netapibufferallocate", prog, sizeof(prog)));
	EXPECT_EQ(0, run_prog_how(prog, NULL, NULL, NULL, &how, out,
				  sizeof(out)))
		TH_LOG("output:\n%s", out);
	EXPECT_NE(NULL, strstr(out, "Freed Buffer\n")) TH_LOG("output:\n%s", out);

	/* Samba's style (UTF-8, a context) and Windows' UTF-16 strings. */
	TH_LOG("samba_wksta under memcheck");
	ASSERT_TRUE(prog_path("samba_wksta", prog, sizeof(prog)));
	EXPECT_EQ(0, run_prog_how(prog, NULL, NULL, NULL, &how, out,
				  sizeof(out)))
		TH_LOG("output:\n%s", out);
	EXPECT_FIELD(out, "level100.platform", "500");
	TH_LOG("win_wksta16 under memcheck");
	ASSERT_TRUE(prog_path("win_wksta16", prog, sizeof(prog)));
	EXPECT_EQ(0, run_prog_how(prog, NULL, NULL, NULL, &how, out,
				  sizeof(out)))
		TH_LOG("output:\n%s", out);
	EXPECT_NE('\0', out[0]);

	unsetenv("VALGRIND_LIB");
	if (linked)
		unlink("/usr/lib/debug/.build-id");
}

TEST_HARNESS_MAIN
