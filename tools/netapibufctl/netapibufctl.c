// SPDX-License-Identifier: GPL-2.0
/*
 * netapibufctl - load, unload and inspect the netapibuf kernel module.
 *
 * Module handling goes through libkmod, the library behind modprobe(8), so
 * the module is found, configured (modprobe.d options) and inserted the way
 * modprobe would do it. Figures come from the module's own interfaces:
 * NETAPIBUF_IOC_INFO on the device, its parameters in sysfs, its counters in
 * /sys/class/misc/netapibuf/stats/ and its sessions in debugfs, whose format
 * is private to the module and this tool (sessions.h).
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>
#include <linux/netapibuf.h>

#include "json.h"
#include "sessions.h"

#ifndef NETAPIBUFCTL_VERSION
#define NETAPIBUFCTL_VERSION "unknown"
#endif

#define MODNAME		"netapibuf"
#define DEFAULT_DEVICE	"/dev/netapibuf"
#define SYS_MODULE	"/sys/module/" MODNAME
#define SYS_PARAMS	SYS_MODULE "/parameters"
#define SYS_STATS	"/sys/class/misc/" MODNAME "/stats"
#define DEBUGFS_SESSIONS "/sys/kernel/debug/" MODNAME "/sessions"
#define SYS_LOCKDOWN	"/sys/kernel/security/lockdown"
#define PROC_MODULES_DISABLED "/proc/sys/kernel/modules_disabled"

/* Exit statuses; documented in netapibufctl(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* any failure not listed below */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOT_LOADED = 3,	/* status, stats, unload: module not loaded */
	EXIT_NOT_FOUND = 4,	/* load: no module file for this kernel */
	EXIT_REJECTED = 5,	/* load: signature check or lockdown refused it */
	EXIT_IN_USE = 6,	/* unload: module in use */
	EXIT_DENIED = 7,	/* not permitted (not root, modules disabled) */
};

static const char *prog = "netapibufctl";
static bool opt_json;
static bool opt_verbose;
static const char *opt_path;
static const char *opt_device;

/* The global counters, in the order they are shown. */
static const char *const stat_names[] = {
	"sessions", "live_buffers", "live_bytes", "peak_buffers",
	"peak_bytes", "alloc_failures", "pages", "charged_bytes",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- JSON */

/*
 * A minimal JSON writer: one compact object per command, on one line.
 * json_sep() puts the comma before every member but the first of its
 * object or array.
 */
static bool json_first[16] = { true };
static int json_depth;

static void json_sep(void)
{
	if (!json_first[json_depth])
		putchar(',');
	json_first[json_depth] = false;
}

static void json_open(char bracket)
{
	putchar(bracket);
	json_first[++json_depth] = true;
}

static void json_close(char bracket)
{
	json_depth--;
	putchar(bracket);
}

static void json_key(const char *key)
{
	json_sep();
	json_string(stdout, key);
	putchar(':');
}

static void json_kv_str(const char *key, const char *value)
{
	json_key(key);
	if (value)
		json_string(stdout, value);
	else
		fputs("null", stdout);
}

static void json_kv_u64(const char *key, uint64_t value)
{
	json_key(key);
	printf("%" PRIu64, value);
}

static void json_kv_i64(const char *key, int64_t value)
{
	json_key(key);
	printf("%" PRId64, value);
}

static void json_kv_bool(const char *key, bool value)
{
	json_key(key);
	fputs(value ? "true" : "false", stdout);
}

/* A value read from sysfs: a number if it is one, a string otherwise. */
static bool is_integer(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void json_kv_auto(const char *key, const char *value)
{
	json_key(key);
	if (is_integer(value))
		fputs(value, stdout);
	else
		json_string(stdout, value);
}

/* ------------------------------------------------------------ helpers */

/* Reads the first line of a small file, without its newline. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		err = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!err)
		buf[strcspn(buf, "\n")] = '\0';
	return err;
}

static bool read_u64(const char *path, uint64_t *value)
{
	char buf[64], *end;

	if (read_line(path, buf, sizeof(buf)))
		return false;
	errno = 0;
	*value = strtoull(buf, &end, 10);
	return !errno && end != buf && !*end;
}

/* "64.0 GiB" for a byte count, or "" when it is under 1 KiB. */
static const char *human(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	unsigned int i = 0;

	if (bytes < 1024) {
		buf[0] = '\0';
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && i + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		i++;
	}
	snprintf(buf, size, " (%.1f %s)", v, units[i]);
	return buf;
}

/* The kernel's lockdown mode, "none" when off or unknown. */
static void lockdown_mode(char *buf, size_t size)
{
	char line[128], *open, *close;

	snprintf(buf, size, "none");
	if (read_line(SYS_LOCKDOWN, line, sizeof(line)))
		return;
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		*close = '\0';
		snprintf(buf, size, "%s", open + 1);
	}
}

static bool modules_disabled(void)
{
	uint64_t v;

	return read_u64(PROC_MODULES_DISABLED, &v) && v;
}

static const char *device_path(void)
{
	const char *env;

	if (opt_device)
		return opt_device;
	env = getenv("NETAPIBUF_DEVICE");
	return env && *env ? env : DEFAULT_DEVICE;
}

/* ------------------------------------------------------------- libkmod */

static void kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	/* Without --verbose every failure is explained by netapibufctl itself. */
	if (!opt_verbose)
		return;
	fprintf(stderr, "%s: libkmod: ", prog);
	vfprintf(stderr, format, args);
}

static struct kmod_ctx *kmod_open(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		error("cannot initialise libkmod");
		return NULL;
	}
	kmod_set_log_fn(ctx, kmod_log, NULL);
	kmod_set_log_priority(ctx, opt_verbose ? LOG_INFO : LOG_ERR);
	return ctx;
}

/* The loaded module, or NULL with *state = -ENOENT when it is not loaded. */
static struct kmod_module *loaded_module(struct kmod_ctx *ctx, int *state)
{
	struct kmod_module *mod;
	int err;

	err = kmod_module_new_from_name(ctx, MODNAME, &mod);
	if (err < 0) {
		*state = err;
		return NULL;
	}
	*state = kmod_module_get_initstate(mod);
	if (*state < 0) {
		kmod_module_unref(mod);
		return NULL;
	}
	return mod;
}

static const char *state_name(int state)
{
	switch (state) {
	case KMOD_MODULE_LIVE:
		return "live";
	case KMOD_MODULE_COMING:
		return "coming";
	case KMOD_MODULE_GOING:
		return "going";
	case KMOD_MODULE_BUILTIN:
		return "builtin";
	default:
		return "not loaded";
	}
}

/* Holders as "a, b", or "" when there are none. */
static void holder_names(struct kmod_module *mod, char *buf, size_t size)
{
	struct kmod_list *holders = kmod_module_get_holders(mod), *l;
	size_t len = 0;

	buf[0] = '\0';
	kmod_list_foreach(l, holders) {
		struct kmod_module *h = kmod_module_get_module(l);

		if (len < size)
			len += snprintf(buf + len, size - len, "%s%s",
					len ? ", " : "", kmod_module_get_name(h));
		kmod_module_unref(h);
	}
	kmod_module_unref_list(holders);
}

/* --------------------------------------------------------- session list */

static void shown_free(char ***shown, int nrows, int ncols)
{
	int i, j;

	for (i = 0; i < nrows; i++) {
		for (j = 0; shown[i] && j < ncols; j++)
			free(shown[i][j]);
		free(shown[i]);
	}
	free(shown);
}

/* The table's values made safe for a terminal; NULL if out of memory. */
static char ***table_shown(const struct session_table *t)
{
	char ***shown = calloc(t->nrows + 1, sizeof(*shown));
	int i, j;

	for (i = 0; shown && i < t->nrows; i++) {
		shown[i] = calloc(t->ncols, sizeof(**shown));
		for (j = 0; shown[i] && j < t->ncols; j++)
			if (!(shown[i][j] = session_shown(t->rows[i][j])))
				break;
		if (!shown[i] || j < t->ncols) {
			shown_free(shown, i + 1, t->ncols);
			return NULL;
		}
	}
	return shown;
}

static void table_print(const struct session_table *t)
{
	char ***shown = table_shown(t);
	int width[SESSIONS_MAX_COLUMNS];
	int i, j;

	if (!shown) {
		printf("sessions: unavailable: %s\n", strerror(ENOMEM));
		return;
	}
	for (j = 0; j < t->ncols; j++) {
		width[j] = (int)strlen(t->cols[j]);
		for (i = 0; i < t->nrows; i++)
			if ((int)strlen(shown[i][j]) > width[j])
				width[j] = (int)strlen(shown[i][j]);
	}
	/* Column names upper-cased, like ps(1); the last column unpadded. */
	for (j = 0; j < t->ncols; j++) {
		const char *c;

		for (c = t->cols[j]; *c; c++)
			putchar(toupper((unsigned char)*c));
		if (j + 1 < t->ncols)
			printf("%*s", width[j] - (int)strlen(t->cols[j]) + 2, "");
	}
	putchar('\n');
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j + 1 < t->ncols; j++)
			printf("%-*s  ", width[j], shown[i][j]);
		printf("%s\n", shown[i][t->ncols - 1]);
	}
	shown_free(shown, t->nrows, t->ncols);
}

/* Numbers as numbers, the process name as a string, whatever it holds. */
static void table_json(const struct session_table *t)
{
	int i, j;

	json_open('[');
	for (i = 0; i < t->nrows; i++) {
		json_sep();
		json_open('{');
		for (j = 0; j < t->ncols; j++) {
			if (t->text[j]) {
				json_kv_str(t->cols[j], t->rows[i][j]);
			} else {
				json_key(t->cols[j]);
				fputs(t->rows[i][j], stdout);
			}
		}
		json_close('}');
	}
	json_close(']');
}

/* "pid 12 (prog), pid 13 (other)" for the in-use message. */
static void session_owners(char *buf, size_t size)
{
	struct session_table t;
	int pid_col = -1, comm_col = -1, i;
	size_t len = 0;
	char *comm;

	buf[0] = '\0';
	if (session_table_read(&t, DEBUGFS_SESSIONS))
		return;
	for (i = 0; i < t.ncols; i++) {
		if (!strcmp(t.cols[i], "pid"))
			pid_col = i;
		else if (!strcmp(t.cols[i], "comm"))
			comm_col = i;
	}
	for (i = 0; pid_col >= 0 && i < t.nrows && len < size; i++) {
		comm = comm_col >= 0 ? session_shown(t.rows[i][comm_col]) : NULL;
		len += snprintf(buf + len, size - len, "%spid %s%s%s%s",
				len ? ", " : "", t.rows[i][pid_col],
				comm ? " (" : "", comm ? comm : "",
				comm ? ")" : "");
		free(comm);
	}
	session_table_free(&t);
}

/* ------------------------------------------------------------------ load */

static int load_error(int err, const char *path)
{
	char mode[32];

	switch (err) {
	case EKEYREJECTED:
		error("the kernel rejected %s: %s", path, strerror(err));
		note("  The module is unsigned, or signed with a key the kernel does not trust,\n"
		     "  and module signatures are enforced (Secure Boot or module.sig_enforce=1).\n"
		     "  Sign it with a key enrolled as a Machine Owner Key (mokutil --import)\n"
		     "  or built into the kernel: see netapibufctl(8), SECURE BOOT.");
		return EXIT_REJECTED;
	case ENOKEY:
	case EKEYEXPIRED:
	case EKEYREVOKED:
	case EBADMSG:
	case ENOPKG:
		error("the kernel rejected the signature of %s: %s", path, strerror(err));
		note("  Re-sign the module with a valid key (make sign KEY=... CERT=...).");
		return EXIT_REJECTED;
	case EPERM:
		lockdown_mode(mode, sizeof(mode));
		if (strcmp(mode, "none")) {
			error("the kernel rejected %s: kernel lockdown (%s) refuses unsigned modules",
			      path, mode);
			note("  The kernel is locked down, usually because of Secure Boot. Sign the\n"
			     "  module with a key enrolled as a Machine Owner Key: see netapibufctl(8),\n"
			     "  SECURE BOOT.");
			return EXIT_REJECTED;
		}
		if (modules_disabled()) {
			error("cannot load %s: module loading is disabled (kernel.modules_disabled=1)",
			      path);
			return EXIT_DENIED;
		}
		if (geteuid() != 0) {
			error("cannot load %s: %s (loading modules needs root)", path, strerror(err));
			return EXIT_DENIED;
		}
		error("cannot load %s: %s (refused by a security module such as LoadPin or SELinux?)",
		      path, strerror(err));
		return EXIT_DENIED;
	case EACCES:
		error("cannot load %s: %s", path, strerror(err));
		return EXIT_DENIED;
	case ENOEXEC:
		error("cannot load %s: %s", path, strerror(err));
		note("  Built for another kernel? `modinfo -F vermagic` must start with `uname -r`.");
		return EXIT_FAIL;
	case ENOENT:
		error("cannot load %s: unknown symbol or missing dependency (see dmesg)", path);
		return EXIT_FAIL;
	case EINVAL:
		error("cannot load %s: %s (a bad module parameter? see dmesg)", path, strerror(err));
		return EXIT_FAIL;
	default:
		error("cannot load %s: %s", path, strerror(err));
		return EXIT_FAIL;
	}
}

/* Joins the modprobe.d options for the module and those given on the command line. */
static char *join_options(const char *config, char **params, int nparams)
{
	size_t len = config ? strlen(config) : 0;
	char *opts, *p;
	int i;

	for (i = 0; i < nparams; i++)
		len += strlen(params[i]) + 1;
	opts = malloc(len + 1);
	if (!opts)
		return NULL;
	p = opts;
	*p = '\0';
	if (config && *config)
		p += sprintf(p, "%s", config);
	for (i = 0; i < nparams; i++)
		p += sprintf(p, "%s%s", p == opts ? "" : " ", params[i]);
	return opts;
}

static int cmd_load(char **params, int nparams)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	char *opts = NULL;
	const char *path;
	int err, state, ret = EXIT_OK;
	int i;

	for (i = 0; i < nparams; i++) {
		if (!strchr(params[i], '=') || params[i][0] == '=') {
			error("load: not a PARAMETER=VALUE: %s", params[i]);
			return EXIT_USAGE;
		}
	}
	ctx = kmod_open();
	if (!ctx)
		return EXIT_FAIL;

	mod = loaded_module(ctx, &state);
	if (mod) {
		printf("%s is already loaded (%s)\n", MODNAME, state_name(state));
		goto out;
	}

	if (opt_path) {
		err = kmod_module_new_from_path(ctx, opt_path, &mod);
		if (err < 0) {
			error("cannot use %s: %s", opt_path, strerror(-err));
			ret = err == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
			mod = NULL;
			goto out;
		}
		if (strcmp(kmod_module_get_name(mod), MODNAME)) {
			error("%s is the module \"%s\", not %s", opt_path,
			      kmod_module_get_name(mod), MODNAME);
			ret = EXIT_USAGE;
			goto out;
		}
		opts = join_options(kmod_module_get_options(mod), params, nparams);
		if (!opts) {
			ret = EXIT_FAIL;
			goto out;
		}
		err = kmod_module_insert_module(mod, 0, opts);
		path = opt_path;
	} else {
		struct kmod_list *list = NULL;
		struct utsname u;

		err = kmod_module_new_from_lookup(ctx, MODNAME, &list);
		if (err < 0 || !list) {
			uname(&u);
			error("module %s not found for kernel %s", MODNAME, u.release);
			note("  Install it (netapibuf-dkms, `make dkms-install` or `make install`),\n"
			     "  run `depmod -a %s`, or give the file with --path FILE.", u.release);
			ret = EXIT_NOT_FOUND;
			goto out;
		}
		mod = kmod_module_get_module(list);
		kmod_module_unref_list(list);
		path = kmod_module_get_path(mod);
		if (!path) {
			uname(&u);
			error("module %s not found in /lib/modules/%s (run depmod?)",
			      MODNAME, u.release);
			ret = EXIT_NOT_FOUND;
			goto out;
		}
		opts = join_options(NULL, params, nparams);
		if (!opts) {
			ret = EXIT_FAIL;
			goto out;
		}
		err = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED,
						      opts, NULL, NULL, NULL);
	}

	if (err == -EEXIST) {
		printf("%s is already loaded\n", MODNAME);
	} else if (err < 0) {
		ret = load_error(-err, path);
	} else if (err > 0) {
		error("%s was not loaded: it is blacklisted or has an install command", MODNAME);
		ret = EXIT_FAIL;
	} else {
		printf("loaded %s from %s\n", MODNAME, path);
	}
out:
	free(opts);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/* ---------------------------------------------------------------- unload */

static int report_in_use(struct kmod_module *mod)
{
	char holders[256], owners[1024];
	int refcnt = kmod_module_get_refcnt(mod);

	holder_names(mod, holders, sizeof(holders));
	session_owners(owners, sizeof(owners));
	error("cannot unload %s: in use (refcount %d%s%s%s%s)", MODNAME, refcnt,
	      holders[0] ? "; used by modules " : "", holders,
	      owners[0] ? "; open by " : "", owners);
	if (!owners[0] && refcnt > 0)
		note("  Some process has /dev/%s open or mapped; close it first\n"
		     "  (`netapibufctl stats` as root lists the sessions).", MODNAME);
	return EXIT_IN_USE;
}

static int cmd_unload(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	struct kmod_list *holders;
	bool held;
	int state, err, ret = EXIT_OK;

	ctx = kmod_open();
	if (!ctx)
		return EXIT_FAIL;
	mod = loaded_module(ctx, &state);
	if (!mod) {
		printf("%s is not loaded\n", MODNAME);
		kmod_unref(ctx);
		return EXIT_NOT_LOADED;
	}
	if (state == KMOD_MODULE_BUILTIN) {
		error("%s is built into the kernel and cannot be unloaded", MODNAME);
		ret = EXIT_FAIL;
		goto out;
	}

	/* Like rmmod(8): say who uses it rather than just "busy". */
	holders = kmod_module_get_holders(mod);
	held = holders != NULL;
	kmod_module_unref_list(holders);
	if (kmod_module_get_refcnt(mod) > 0 || held) {
		ret = report_in_use(mod);
		goto out;
	}

	err = kmod_module_remove_module(mod, 0);
	switch (-err) {
	case 0:
		printf("unloaded %s\n", MODNAME);
		break;
	case EAGAIN:
	case EBUSY:
		ret = report_in_use(mod);
		break;
	case ENOENT:
		printf("%s is not loaded\n", MODNAME);
		ret = EXIT_NOT_LOADED;
		break;
	case EPERM:
		error("cannot unload %s: %s%s", MODNAME, strerror(-err),
		      geteuid() ? " (unloading modules needs root)" : "");
		ret = EXIT_DENIED;
		break;
	default:
		error("cannot unload %s: %s", MODNAME, strerror(-err));
		ret = EXIT_FAIL;
		break;
	}
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/* ---------------------------------------------------------------- status */

struct param {
	char name[256];
	char value[128];
};

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

/* The module's parameters from sysfs, sorted by name. */
static int read_params(struct param *params, int max)
{
	DIR *dir = opendir(SYS_PARAMS);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(params[n].name, sizeof(params[n].name), "%s", de->d_name);
		snprintf(path, sizeof(path), SYS_PARAMS "/%s", de->d_name);
		if (read_line(path, params[n].value, sizeof(params[n].value)))
			continue;
		n++;
	}
	closedir(dir);
	qsort(params, n, sizeof(*params), param_cmp);
	return n;
}

static const struct {
	uint64_t bit;
	const char *name;
} feature_names[] = {
	{ NETAPIBUF_FEATURE_ARENA, "arena" },
	{ NETAPIBUF_FEATURE_REALLOC_MOVE, "realloc_move" },
};

static void features_text(uint64_t features, char *buf, size_t size)
{
	size_t len = 0, i;
	uint64_t known = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
		known |= feature_names[i].bit;
		if (features & feature_names[i].bit)
			len += snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
					feature_names[i].name);
	}
	if (len < size && (features & ~known))
		snprintf(buf + len, size - len, "%sunknown 0x%" PRIx64, len ? ", " : "",
			 features & ~known);
}

/* NETAPIBUF_IOC_INFO; 0 or a positive errno. Opening the device makes a session. */
static int query_info(const char *dev, struct netapibuf_info *info)
{
	int fd, err = 0;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	memset(info, 0, sizeof(*info));
	if (ioctl(fd, NETAPIBUF_IOC_INFO, info) < 0)
		err = errno;
	close(fd);
	return err;
}

static void print_limit(const char *name, uint64_t value, bool zero_is_none)
{
	char h[32];

	printf("%-18s %" PRIu64 "%s\n", name, value,
	       zero_is_none && !value ? " (no limit)" : human(value, h, sizeof(h)));
}

static int cmd_status(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	struct netapibuf_info info;
	struct param params[32];
	char holders[256], taint[32] = "", feat[128], h[32];
	const char *dev = device_path();
	int state, refcnt = -1, nparams, info_err, i;
	long size = -1;

	ctx = kmod_open();
	if (!ctx)
		return EXIT_FAIL;
	mod = loaded_module(ctx, &state);
	if (!mod) {
		if (opt_json) {
			json_open('{');
			json_kv_str("module", MODNAME);
			json_kv_bool("loaded", false);
			json_kv_str("state", state_name(state));
			json_close('}');
			putchar('\n');
		} else {
			printf("%-18s %s\n", "module:", MODNAME);
			printf("%-18s %s\n", "state:", "not loaded");
		}
		kmod_unref(ctx);
		return EXIT_NOT_LOADED;
	}
	refcnt = kmod_module_get_refcnt(mod);
	size = kmod_module_get_size(mod);
	holder_names(mod, holders, sizeof(holders));
	read_line(SYS_MODULE "/taint", taint, sizeof(taint));
	nparams = read_params(params, (int)ARRAY_SIZE(params));
	info_err = query_info(dev, &info);

	if (opt_json) {
		json_open('{');
		json_kv_str("module", MODNAME);
		json_kv_bool("loaded", true);
		json_kv_str("state", state_name(state));
		json_kv_i64("refcount", refcnt);
		json_key("holders");
		json_open('[');
		if (holders[0]) {
			char *save = NULL, *tok;

			for (tok = strtok_r(holders, ", ", &save); tok;
			     tok = strtok_r(NULL, ", ", &save)) {
				json_sep();
				json_string(stdout, tok);
			}
		}
		json_close(']');
		json_kv_i64("size", size);
		json_kv_str("taint", taint);
		json_key("device");
		json_open('{');
		json_kv_str("path", dev);
		if (info_err) {
			json_kv_str("error", strerror(info_err));
		} else {
			json_kv_u64("abi_version", info.abi_version);
			json_kv_bool("abi_supported",
				     info.abi_version == NETAPIBUF_ABI_VERSION);
			json_kv_u64("features", info.features);
			json_key("feature_names");
			json_open('[');
			for (i = 0; i < (int)ARRAY_SIZE(feature_names); i++) {
				if (info.features & feature_names[i].bit) {
					json_sep();
					json_string(stdout, feature_names[i].name);
				}
			}
			json_close(']');
			json_kv_u64("arena_size", info.arena_size);
			json_kv_u64("max_buffer_bytes", info.max_buffer_bytes);
			json_kv_u64("max_session_bytes", info.max_session_bytes);
			json_kv_u64("max_total_bytes", info.max_total_bytes);
		}
		json_close('}');
		json_key("parameters");
		json_open('{');
		for (i = 0; i < nparams; i++)
			json_kv_auto(params[i].name, params[i].value);
		json_close('}');
		json_close('}');
		putchar('\n');
	} else {
		printf("%-18s %s\n", "module:", MODNAME);
		printf("%-18s %s\n", "state:", state_name(state));
		printf("%-18s %d\n", "refcount:", refcnt);
		if (holders[0])
			printf("%-18s %s\n", "holders:", holders);
		if (size >= 0)
			printf("%-18s %ld%s\n", "size:", size, human((uint64_t)size, h, sizeof(h)));
		if (taint[0])
			printf("%-18s %s\n", "taint:", taint);
		printf("%-18s %s\n", "device:", dev);
		if (info_err) {
			printf("%-18s unavailable: %s: %s\n", "info:", dev, strerror(info_err));
		} else {
			printf("%-18s %" PRIu32, "abi_version:", info.abi_version);
			if (info.abi_version != NETAPIBUF_ABI_VERSION)
				printf(" (netapibufctl was built for %d)",
				       NETAPIBUF_ABI_VERSION);
			putchar('\n');
			features_text(info.features, feat, sizeof(feat));
			printf("%-18s 0x%" PRIx64 "%s%s%s\n", "features:", (uint64_t)info.features,
			       feat[0] ? " (" : "", feat, feat[0] ? ")" : "");
			print_limit("arena_size:", info.arena_size, false);
			print_limit("max_buffer_bytes:", info.max_buffer_bytes, false);
			print_limit("max_session_bytes:", info.max_session_bytes, true);
			print_limit("max_total_bytes:", info.max_total_bytes, true);
		}
		if (nparams) {
			printf("parameters:\n");
			for (i = 0; i < nparams; i++)
				printf("  %-18s %s\n", params[i].name, params[i].value);
		}
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return EXIT_OK;
}

/* ----------------------------------------------------------------- stats */

static int cmd_stats(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	struct session_table t;
	uint64_t values[ARRAY_SIZE(stat_names)];
	bool have[ARRAY_SIZE(stat_names)];
	int state, table_err;
	size_t i;

	ctx = kmod_open();
	if (!ctx)
		return EXIT_FAIL;
	mod = loaded_module(ctx, &state);
	if (!mod) {
		if (opt_json) {
			json_open('{');
			json_kv_str("module", MODNAME);
			json_kv_bool("loaded", false);
			json_close('}');
			putchar('\n');
		} else {
			printf("%s is not loaded\n", MODNAME);
		}
		kmod_unref(ctx);
		return EXIT_NOT_LOADED;
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);

	for (i = 0; i < ARRAY_SIZE(stat_names); i++) {
		char path[256];

		snprintf(path, sizeof(path), SYS_STATS "/%s", stat_names[i]);
		have[i] = read_u64(path, &values[i]);
	}
	table_err = session_table_read(&t, DEBUGFS_SESSIONS);

	if (opt_json) {
		json_open('{');
		json_kv_str("module", MODNAME);
		json_kv_bool("loaded", true);
		json_key("counters");
		json_open('{');
		for (i = 0; i < ARRAY_SIZE(stat_names); i++) {
			if (have[i])
				json_kv_u64(stat_names[i], values[i]);
			else
				json_kv_str(stat_names[i], NULL);
		}
		json_close('}');
		json_key("sessions");
		if (table_err)
			fputs("null", stdout);
		else
			table_json(&t);
		if (table_err)
			json_kv_str("sessions_error", strerror(-table_err));
		json_close('}');
		putchar('\n');
	} else {
		char h[32];

		for (i = 0; i < ARRAY_SIZE(stat_names); i++) {
			if (have[i])
				printf("%-15s %" PRIu64 "%s\n", stat_names[i], values[i],
				       strstr(stat_names[i], "bytes") ?
				       human(values[i], h, sizeof(h)) : "");
			else
				printf("%-15s unavailable\n", stat_names[i]);
		}
		putchar('\n');
		if (table_err) {
			printf("sessions: unavailable: %s: %s%s\n", DEBUGFS_SESSIONS,
			       strerror(-table_err),
			       table_err == -ENOENT || table_err == -EACCES ?
			       " (needs root and debugfs mounted on /sys/kernel/debug)" :
			       table_err == -EBADMSG ?
			       " (not in the format this netapibufctl reads)" : "");
		} else {
			table_print(&t);
		}
	}
	if (!table_err)
		session_table_free(&t);
	return EXIT_OK;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [OPTION]... COMMAND [ARG]...\n"
		"\n"
		"Load, unload and inspect the netapibuf kernel module.\n"
		"\n"
		"Commands:\n"
		"  load [PARAM=VALUE]...  load netapibuf.ko the way modprobe does (with its\n"
		"                         modprobe.d options), or the file given with --path\n"
		"  unload                 unload it; fails while it is in use\n"
		"  status                 loaded or not; ABI version, features, arena size,\n"
		"                         limits and module parameters\n"
		"  stats                  global counters and, as root, the open sessions\n"
		"\n"
		"Options:\n"
		"  -p, --path FILE        load: insert FILE instead of looking the module up\n"
		"  -d, --device PATH      status: the device (default $NETAPIBUF_DEVICE or\n"
		"                         " DEFAULT_DEVICE ")\n"
		"  -j, --json             status, stats: one JSON object on stdout\n"
		"  -v, --verbose          show libkmod's messages\n"
		"  -h, --help             this help\n"
		"  -V, --version          the version\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 bad usage, 3 not loaded,\n"
		"4 module not found, 5 rejected by signature check or lockdown,\n"
		"6 in use, 7 not permitted. See netapibufctl(8).\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "p:d:jvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt_path = optarg;
			break;
		case 'd':
			opt_device = optarg;
			break;
		case 'j':
			opt_json = true;
			break;
		case 'v':
			opt_verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", prog, NETAPIBUFCTL_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];

	if (!strcmp(cmd, "load"))
		return cmd_load(argv + optind, argc - optind);

	if (optind < argc) {
		error("%s: unexpected argument: %s", cmd, argv[optind]);
		return EXIT_USAGE;
	}
	if (opt_path) {
		error("--path applies to load only");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "unload"))
		return cmd_unload();
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "stats"))
		return cmd_stats();

	error("unknown command: %s", cmd);
	fprintf(stderr, "Try '%s --help'.\n", prog);
	return EXIT_USAGE;
}
