// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded in-guest fuzzer of /dev/netapibuf, with a fixed seed so that
 * a failure can be replayed (NETAPIBUF_FUZZ_SEED to change it):
 * NETAPIBUF_FUZZ_ITERATIONS calls (default 20000), or as many as fit in
 * NETAPIBUF_FUZZ_SECONDS when that is set (`make fuzz`).
 *
 * Each call is drawn at random: the command number (the six commands,
 * wrong directions, unknown numbers, other ioctl types), the struct size
 * (short, exact, longer with a zero or non-zero tail), flags and
 * reserved fields, sizes (0, small, page edges, huge, past the limits),
 * buffer addresses (live, interior, stale, 0, the arena's edges, random,
 * kernel, non-canonical), where the struct lies (a good page, NULL, an
 * unmapped page, a read-only page, across the end of a mapping, a kernel
 * address, inside another live buffer), the session (mapped or never
 * mapped), and agent calls with random names, levels, inputs and args.
 * Now and then: mmap(2) of a new session with random offsets, lengths,
 * protections and flags, a fork child that tries the parent's sessions
 * (EPERM), and reads of the arena through /proc/self/mem, as a debugger
 * makes them.
 *
 * The fuzzer keeps a model of the session's live buffers and computes,
 * for each call, the results the uapi DOC allows: where the call is well
 * formed that is the exact result (a FREE of a live buffer works, of
 * anything else is EINVAL), otherwise the set of errnos the ABI lists
 * for the command. Every result must be allowed; every live buffer keeps
 * its size and contents (checked every CHECK_EVERY calls, and the
 * counters match the model); the process never crashes; at the end the
 * counters are back at their baseline. The kernel log is judged by
 * tools/vmrun.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <sys/utsname.h>

#include "netapibuf_test.h"

#define DEFAULT_SEED		0x6e61627566757a7aULL	/* "nabufuzz" */
#define DEFAULT_ITERATIONS	20000
#define MAX_SECONDS		6600	/* below the test's timeout */
#define CHECK_EVERY		256
#define MAX_BUFS		512
#define MAX_LIVE_BYTES		(48u << 20)
#define MAX_BUF_BYTES		(2u << 20)	/* nab_fill()'s limit */
#define NSTALE			32
#define MAX_REPORTS		10

#define AGENT_IN_MAX		65536

/* ---- random numbers: xorshift64*, seeded --------------------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd(uint64_t n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/* ---- the set of results a call may have ------------------------------ */

struct allowed {
	int e[16];
	unsigned int n;
};

static void allow(struct allowed *a, int err)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->e[i] == err)
			return;
	if (a->n < ARRAY_SIZE(a->e))
		a->e[a->n++] = err;
}

static void allow_only(struct allowed *a, int err)
{
	a->n = 0;
	allow(a, err);
}

static void disallow(struct allowed *a, int err)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->e[i] == err)
			a->e[i] = a->e[--a->n];
}

static bool allowed_has(const struct allowed *a, int err)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->e[i] == err)
			return true;
	return false;
}

/* The allocation errors of the uapi DOC. */
static void allow_alloc_errors(struct allowed *a)
{
	allow(a, ENOMEM);
	allow(a, EDQUOT);
	allow(a, ENOSPC);
}

static const char *errname(int err)
{
	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case EACCES: return "EACCES";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EDQUOT: return "EDQUOT";
	case EOVERFLOW: return "EOVERFLOW";
	}
	return strerror(err);
}

/* ---- the model of the main session's buffers --------------------------- */

struct mbuf {
	uint64_t addr;
	uint64_t size;
	unsigned int seed;
};

struct model {
	struct mbuf b[MAX_BUFS];
	size_t n;
	uint64_t bytes;
	uint64_t stale[NSTALE];
	unsigned int nstale;
};

static struct mbuf *model_find(struct model *m, uint64_t addr)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->b[i].addr == addr)
			return &m->b[i];
	return NULL;
}

/* A live buffer containing [addr, addr + len), or NULL. */
static struct mbuf *model_covering(struct model *m, uint64_t addr,
				   uint64_t len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (addr >= m->b[i].addr &&
		    addr + len <= m->b[i].addr + m->b[i].size)
			return &m->b[i];
	return NULL;
}

static void model_add(struct model *m, uint64_t addr, uint64_t size)
{
	struct mbuf *b = &m->b[m->n++];

	b->addr = addr;
	b->size = size;
	b->seed = rnd(256);
	nab_fill((void *)(uintptr_t)addr, 0, size, b->seed);
	m->bytes += size;
}

static void model_del(struct model *m, struct mbuf *b)
{
	m->stale[m->nstale++ % NSTALE] = b->addr;
	m->bytes -= b->size;
	*b = m->b[--m->n];
}

/* ---- where the struct of a call lies ----------------------------------- */

enum where {
	W_GOOD,		/* a writable page */
	W_NULL,
	W_UNMAPPED,
	W_RDONLY,	/* a read-only page */
	W_PARTIAL,	/* across the end of a mapping */
	W_KERNEL,
	W_ARENA,	/* inside another live buffer */
	W_NWHERE,
};

static const char *const where_names[W_NWHERE] = {
	"good", "NULL", "unmapped", "read-only", "partial", "kernel", "arena",
};

/* ---- the fuzzer's state -------------------------------------------------- */

#define SCRATCH_PAGES	8	/* room for the largest _IOC_SIZE, and more */

struct fuzz {
	struct nab_session s;	/* mapped: the model's session */
	struct nab_session u;	/* never mapped */
	struct model m;
	char *scratch;		/* SCRATCH_PAGES writable, then a guard page */
	char *ro;		/* SCRATCH_PAGES read-only */
	void *unmapped;
	size_t page;
	unsigned long long max_buffer;
	bool agents;
	char nodename[65];
	unsigned long calls, by_result[4], where_used[W_NWHERE];
	unsigned long mmaps, mmaps_ok, forks, checks;
	unsigned int reports;
	/* delegated chunks (NETAPIBUF_FEATURE_CHUNKS) of s, and its counters */
	uint64_t deleg[256];
	size_t ndeleg;
	unsigned char *counters;
	unsigned long chunk_calls, chunk_ok, scribbles;
	/* /proc/self/mem, as a debugger reads and writes the arena */
	int mem_fd;
	unsigned long peeks, peeks_whole, peeks_eio;
};

#define R_OK_	0
#define R_ERR	1
#define R_NOTTY	2

static const uint64_t kernel_addrs[] = {
	0xffff888000000000ULL, 0xffffffff81000000ULL, 0xffffffffffffe000ULL,
	0x8000000000000000ULL, 0x0000800000000000ULL, 0xfffffffffffffff0ULL,
};

/* ---- one command -------------------------------------------------------- */

struct call {
	unsigned long nr;
	unsigned int dir;
	unsigned int type;
	size_t usize;		/* the size bits */
	size_t ksize;		/* the kernel's struct size, 0: unknown command */
	bool tail_nonzero;
	enum where where;
	struct nab_session *sess;
	union {
		struct netapibuf_info info;
		struct netapibuf_alloc alloc;
		struct netapibuf_free free;
		struct netapibuf_realloc realloc;
		struct netapibuf_size size;
		struct netapibuf_agent_call agent;
		unsigned char raw[sizeof(struct netapibuf_agent_call)];
	} k;			/* the struct as the kernel's size holds it */
	char *arg;		/* where it was put */
	uint64_t arena_buf;	/* W_ARENA: the buffer holding it */
	struct allowed allowed;
	int result;
};

static const struct {
	unsigned int nr;
	unsigned int dir;
	size_t size;
	const char *name;
} cmds[] = {
	{ NETAPIBUF_CMD_INFO, _IOC_READ | _IOC_WRITE,
	  sizeof(struct netapibuf_info), "INFO" },
	{ NETAPIBUF_CMD_ALLOC, _IOC_READ | _IOC_WRITE,
	  sizeof(struct netapibuf_alloc), "ALLOC" },
	{ NETAPIBUF_CMD_FREE, _IOC_WRITE,
	  sizeof(struct netapibuf_free), "FREE" },
	{ NETAPIBUF_CMD_REALLOC, _IOC_READ | _IOC_WRITE,
	  sizeof(struct netapibuf_realloc), "REALLOC" },
	{ NETAPIBUF_CMD_SIZE, _IOC_READ | _IOC_WRITE,
	  sizeof(struct netapibuf_size), "SIZE" },
	{ NETAPIBUF_CMD_AGENT_CALL, _IOC_READ | _IOC_WRITE,
	  sizeof(struct netapibuf_agent_call), "AGENT_CALL" },
};

static uint64_t random_size(struct fuzz *f)
{
	static const uint64_t edges[] = {
		0, 1, 15, 16, 17, 2047, 2048, 2049, 4095, 4096, 4097, 8191,
		8192, 65536,
	};
	uint64_t big;

	switch (rnd(10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return rnd(2049);
	case 4:
		return edges[rnd(ARRAY_SIZE(edges))];
	case 5:
	case 6:
		return 2049 + rnd(65536);
	case 7:
		return rnd(MAX_BUF_BYTES + 1);
	case 8:	/* past max_buffer_bytes */
		big = f->max_buffer + 1 + rnd(3) * rnd64() % (1ULL << 40);
		return chance(20) ? ~0ULL - rnd(4096) : big;
	default:
		return 0;
	}
}

/* A buffer address of the main session's arena, or around it. */
static uint64_t random_addr(struct fuzz *f)
{
	uint64_t base = (uintptr_t)f->s.arena, size = f->s.info.arena_size;
	struct mbuf *b = f->m.n ? &f->m.b[rnd(f->m.n)] : NULL;

	switch (rnd(20)) {
	case 0 ... 8:
		if (b)
			return b->addr;
		return base + 16 * f->page;
	case 9:
	case 10:	/* interior */
		if (b)
			return b->addr + 1 + rnd(b->size > 1 ? b->size - 1 : 32);
		return base + 16 * f->page + 16;
	case 11:
	case 12:
		if (f->m.nstale)
			return f->m.stale[rnd(f->m.nstale < NSTALE ?
					      f->m.nstale : NSTALE)];
		return base;
	case 13:
		return 0;
	case 14:
		{
			const uint64_t edges[] = {
				base, base - 16, base + size, base + size - 16,
				base + 16 * f->page - 16, base + size - f->page,
			};

			return edges[rnd(ARRAY_SIZE(edges))];
		}
	case 15:
		return kernel_addrs[rnd(ARRAY_SIZE(kernel_addrs))];
	case 16:
		return rnd64();
	default:	/* somewhere in the arena, aligned */
		return base + (rnd(size / 16) * 16);
	}
}

/* A large enough live buffer for the struct, other than @avoid. */
static struct mbuf *arena_home(struct fuzz *f, size_t len, uint64_t avoid)
{
	size_t i, start = f->m.n ? rnd(f->m.n) : 0;

	for (i = 0; i < f->m.n; i++) {
		struct mbuf *b = &f->m.b[(start + i) % f->m.n];

		if (b->size >= len && b->addr != avoid)
			return b;
	}
	return NULL;
}

/*
 * Puts @len bytes of @src (the struct, then its tail) where @c->where
 * says; returns the pointer to pass, possibly bad.
 */
static char *place(struct fuzz *f, struct call *c, const void *src,
		   size_t len, uint64_t avoid)
{
	char *end = f->scratch + SCRATCH_PAGES * f->page;
	struct mbuf *b;
	char *p;

	switch (c->where) {
	case W_NULL:
		return NULL;
	case W_UNMAPPED:
		return f->unmapped;
	case W_KERNEL:
		return (char *)(uintptr_t)kernel_addrs[rnd(2)];
	case W_PARTIAL:	/* the guard page starts inside the struct */
		if (!len)
			return end;
		p = end - len + 1 + rnd(len - 1);
		memcpy(p, src, end - p);
		return p;
	case W_RDONLY:
		mprotect(f->ro, SCRATCH_PAGES * f->page, PROT_READ | PROT_WRITE);
		p = f->ro + SCRATCH_PAGES * f->page - len - rnd(64);
		memcpy(p, src, len);
		mprotect(f->ro, SCRATCH_PAGES * f->page, PROT_READ);
		return p;
	case W_ARENA:
		b = arena_home(f, len, avoid);
		if (b) {
			c->arena_buf = b->addr;
			p = (char *)(uintptr_t)b->addr + rnd(b->size - len + 1);
			memcpy(p, src, len);
			return p;
		}
		c->where = W_GOOD;
		/* fall through */
	default:
		p = f->scratch + rnd(SCRATCH_PAGES * f->page - len + 1);
		memcpy(p, src, len);
		return p;
	}
}

static enum where random_where(void)
{
	unsigned int r = rnd(100);

	if (r < 78)
		return W_GOOD;
	if (r < 82)
		return W_NULL;
	if (r < 85)
		return W_UNMAPPED;
	if (r < 89)
		return W_RDONLY;
	if (r < 92)
		return W_PARTIAL;
	if (r < 94)
		return W_KERNEL;
	return W_ARENA;
}

/* Agent names, levels and inputs. */
static void random_agent(struct fuzz *f, struct netapibuf_agent_call *a,
			 char *in_buf, size_t in_room)
{
	static const char *const servers[] = {
		"localhost", "127.0.0.1", "\\\\localhost", "", "\\\\",
		"far-away.example", "LOCALHOST", "127.0.0.2",
	};
	const char *server;
	size_t i, len;

	memset(a, 0, sizeof(*a));
	switch (rnd(20)) {
	case 0 ... 6:
		strcpy(a->name, "wksta");
		break;
	case 7 ... 13:
		strcpy(a->name, "netif");
		break;
	case 14:
		strcpy(a->name, "WKSTA");
		break;
	case 15:	/* no NUL at all */
		memset(a->name, 'w', sizeof(a->name));
		break;
	case 16:	/* a NUL, then garbage */
		strcpy(a->name, "wksta");
		for (i = 6; i < sizeof(a->name); i++)
			a->name[i] = 1 + rnd(255);
		break;
	case 17:
		break;	/* "" */
	default:
		for (i = 0; i < 1 + rnd(sizeof(a->name) - 1); i++)
			a->name[i] = 'a' + rnd(26);
		break;
	}
	a->level = chance(70) ? (!strcmp(a->name, "netif") ? 0 : 100)
			      : (uint32_t)rnd64();
	if (chance(8))
		a->flags = 1u << rnd(32);
	if (!strcmp(a->name, "netif")) {
		a->args[0] = chance(50) ? 0xffffffff : rnd(300);
		a->args[1] = chance(70) ? rnd(8) :
			     chance(50) ? 0x80000000ULL + rnd(1000) : rnd64();
	} else {
		for (i = 0; i < 4; i++)
			a->args[i] = chance(20) ? rnd64() : 0;
	}
	a->buffer = chance(20) ? rnd64() : 0;	/* out only */

	switch (rnd(12)) {
	case 0 ... 4:
		break;	/* no input */
	case 5 ... 7:
		server = chance(15) ? f->nodename : servers[rnd(ARRAY_SIZE(servers))];
		len = strlen(server) + 1;
		memcpy(in_buf, server, len);
		a->in = (uintptr_t)in_buf;
		a->in_len = len;
		break;
	case 8:	/* random bytes, maybe without a NUL */
		len = 1 + rnd(in_room < 4096 ? in_room : 4096);
		for (i = 0; i < len; i++)
			in_buf[i] = rnd(256);
		a->in = (uintptr_t)in_buf;
		a->in_len = len;
		break;
	case 9:
		a->in = chance(50) ? 0 : (uintptr_t)f->unmapped;
		a->in_len = 1 + rnd(64);
		break;
	case 10:
		a->in = (uintptr_t)in_buf;
		a->in_len = AGENT_IN_MAX + 1 + rnd(1 << 20);
		break;
	default:
		a->in = (uintptr_t)in_buf;
		a->in_len = chance(50) ? AGENT_IN_MAX : 0;
		memset(in_buf, 0, in_room);
		break;
	}
}

/* Whether the sample's agents take @in as this machine's name. */
static bool server_local(struct fuzz *f, const char *in, size_t len)
{
	if (!len)
		return true;
	while (*in == '\\')
		in++;
	return !*in || !strcasecmp(in, f->nodename) ||
	       !strcmp(in, "localhost") || !strcmp(in, "127.0.0.1");
}

/*
 * The error a delivered AGENT_CALL struct must get, or 0 if it may work:
 * the errno values of agent.c and of the sample agent
 * (module/agents/sysinfo.c: EOPNOTSUPP for an unknown level,
 * EHOSTUNREACH for another machine's name, EINVAL for bad input).
 */
static int agent_error(struct fuzz *f, const struct netapibuf_agent_call *a,
		       const char *in_buf)
{
	if (a->flags || !memchr(a->name, 0, sizeof(a->name)))
		return EINVAL;
	if (a->in_len > AGENT_IN_MAX)
		return E2BIG;
	if (a->in_len && a->in != (uintptr_t)in_buf)
		return EFAULT;
	if (!f->agents || (strcmp(a->name, "wksta") && strcmp(a->name, "netif")))
		return ENOENT;
	if (a->level != (strcmp(a->name, "wksta") ? 0 : 100))
		return EOPNOTSUPP;
	/* Both take the server name (<linux/netapibuf_sysinfo.h>). */
	if (a->in_len && !memchr(in_buf, 0, a->in_len))
		return EINVAL;
	if (!server_local(f, in_buf, a->in_len))
		return EHOSTUNREACH;
	if (!strcmp(a->name, "netif") && a->args[1] > 0x7fffffff)
		return EINVAL;
	return 0;
}

static void agent_allowed(struct fuzz *f, struct call *c, const char *in_buf)
{
	int err = agent_error(f, &c->k.agent, in_buf);

	allow_only(&c->allowed, err);
	if (err)
		return;
	if (c->sess != &f->s)
		allow(&c->allowed, ENXIO);	/* no arena to deliver into */
	allow_alloc_errors(&c->allowed);
}

/*
 * The results the ABI allows for a delivered struct @c->k of a known
 * command with the right direction and size bits.
 */
static void semantic_allowed(struct fuzz *f, struct call *c,
			     const char *in_buf)
{
	struct allowed *al = &c->allowed;
	bool mapped = c->sess == &f->s;
	uint64_t addr, size;
	bool live;

	al->n = 0;
	switch (c->nr) {
	case NETAPIBUF_CMD_INFO:
		allow(al, c->k.info.flags ? EINVAL : 0);
		break;
	case NETAPIBUF_CMD_ALLOC:
		if (c->k.alloc.flags || c->k.alloc.reserved)
			allow(al, EINVAL);
		else if (c->k.alloc.size > f->max_buffer)
			allow(al, EDQUOT);
		else if (!mapped)
			allow(al, ENXIO);
		else {
			allow(al, 0);
			allow_alloc_errors(al);
		}
		break;
	case NETAPIBUF_CMD_FREE:
		live = mapped && model_find(&f->m, c->k.free.addr);
		if (c->k.free.flags || c->k.free.reserved)
			allow(al, EINVAL);
		else
			allow(al, live ? 0 : EINVAL);
		break;
	case NETAPIBUF_CMD_SIZE:
		live = mapped && model_find(&f->m, c->k.size.addr);
		if (c->k.size.flags || c->k.size.reserved)
			allow(al, EINVAL);
		else
			allow(al, live ? 0 : EINVAL);
		break;
	case NETAPIBUF_CMD_REALLOC:
		addr = c->k.realloc.addr;
		size = c->k.realloc.size;
		live = mapped && model_find(&f->m, addr);
		if (c->k.realloc.flags || c->k.realloc.reserved)
			allow(al, EINVAL);
		else if (!size)
			allow(al, !addr || live ? 0 : EINVAL);
		else if (addr && !live)
			allow(al, EINVAL);
		else if (size > f->max_buffer)
			allow(al, EDQUOT);
		else if (!addr && !mapped)
			allow(al, ENXIO);
		else {
			allow(al, 0);
			allow_alloc_errors(al);
		}
		break;
	case NETAPIBUF_CMD_AGENT_CALL:
		agent_allowed(f, c, in_buf);
		break;
	}
}

/*
 * Draws a call, works out what it may return, issues it, checks the
 * result and updates the model. Returns false if the result was not
 * allowed.
 */
static bool one_call(struct __test_metadata *_metadata, struct fuzz *f,
		     unsigned long iter)
{
	static char in_buf[AGENT_IN_MAX];
	static unsigned char argbuf[_IOC_SIZEMASK + 1 + 64];
	struct call c;
	size_t known = rnd(ARRAY_SIZE(cmds)), copy, i;
	uint64_t avoid = 0, old_size = 0;
	struct mbuf *b;
	unsigned long req;
	unsigned int r;
	bool ok, good;
	int ret;

	/* Room in the model: free half of it, outside the count. */
	if (f->m.n >= MAX_BUFS - 4) {
		while (f->m.n > MAX_BUFS / 2) {
			struct mbuf *v = &f->m.b[rnd(f->m.n)];

			EXPECT_EQ(0, _test_ioctl_free(f->s.fd, (void *)(uintptr_t)
						      v->addr, 0, 0));
			model_del(&f->m, v);
		}
	}

	memset(&c, 0, sizeof(c));
	c.type = NETAPIBUF_IOCTL_TYPE;
	c.nr = cmds[known].nr;
	c.dir = cmds[known].dir;
	c.ksize = cmds[known].size;
	c.usize = c.ksize;
	c.sess = chance(92) ? &f->s : &f->u;
	c.where = random_where();

	/* The command number. */
	r = rnd(100);
	if (r < 4) {		/* a known number, the wrong direction */
		while (c.dir == cmds[known].dir)
			c.dir = rnd(4);
		c.ksize = 0;
	} else if (r < 7) {	/* an unknown number */
		/* past CHUNKS_GET and _PUT too (fuzz_chunks() has them) */
		c.nr = NETAPIBUF_CMD_CHUNKS_PUT + 1 +
		       rnd(255 - NETAPIBUF_CMD_CHUNKS_PUT);
		c.dir = rnd(4);
		c.ksize = 0;
	} else if (r < 9) {	/* another type (not one the VFS handles) */
		do
			c.type = rnd(256);
		while (c.type == NETAPIBUF_IOCTL_TYPE || c.type == 0 ||
		       c.type == 'T' || c.type == 'X' || c.type == 'f' ||
		       c.type == 0x94);
		c.nr = rnd(256);
		c.dir = rnd(4);
		c.ksize = 0;
	}

	/* The struct size. */
	r = rnd(100);
	if (!c.ksize) {
		c.usize = rnd(_IOC_SIZEMASK + 1);
	} else if (r < 8) {
		c.usize = rnd(c.ksize);
	} else if (r < 22) {
		c.usize = c.ksize + 1 + rnd(chance(80) ? 64 :
					    _IOC_SIZEMASK - c.ksize);
		c.tail_nonzero = chance(50);
	}

	/* The struct's fields. */
	switch (c.nr) {
	case NETAPIBUF_CMD_INFO:
		c.k.info.flags = chance(8) ? 1u << rnd(32) : 0;
		if (chance(10))
			c.k.info.abi_version = rnd64();
		break;
	case NETAPIBUF_CMD_ALLOC:
		c.k.alloc.size = random_size(f);
		c.k.alloc.flags = chance(6) ? 1u << rnd(32) : 0;
		c.k.alloc.reserved = chance(6) ? rnd64() | 1 : 0;
		c.k.alloc.addr = chance(10) ? rnd64() : 0;
		break;
	case NETAPIBUF_CMD_FREE:
		c.k.free.addr = random_addr(f);
		c.k.free.flags = chance(6) ? 1u << rnd(32) : 0;
		c.k.free.reserved = chance(6) ? rnd64() | 1 : 0;
		avoid = c.k.free.addr;
		break;
	case NETAPIBUF_CMD_REALLOC:
		c.k.realloc.addr = chance(15) ? 0 : random_addr(f);
		c.k.realloc.size = chance(10) ? 0 : random_size(f);
		c.k.realloc.flags = chance(6) ? 1u << rnd(32) : 0;
		c.k.realloc.reserved = chance(6) ? rnd64() | 1 : 0;
		c.k.realloc.new_addr = chance(10) ? rnd64() : 0;
		avoid = c.k.realloc.addr;
		break;
	case NETAPIBUF_CMD_SIZE:
		c.k.size.addr = random_addr(f);
		c.k.size.flags = chance(6) ? 1u << rnd(32) : 0;
		c.k.size.reserved = chance(6) ? rnd64() | 1 : 0;
		c.k.size.size = rnd64();
		break;
	case NETAPIBUF_CMD_AGENT_CALL:
		random_agent(f, &c.k.agent, in_buf, sizeof(in_buf));
		break;
	default:
		for (i = 0; i < sizeof(c.k.raw); i++)
			c.k.raw[i] = rnd(256);
		break;
	}
	/* Keep the live bytes bounded: only small buffers past the budget. */
	if (f->m.bytes > MAX_LIVE_BYTES) {
		if (c.nr == NETAPIBUF_CMD_ALLOC &&
		    c.k.alloc.size <= f->max_buffer)
			c.k.alloc.size %= 64;
		if (c.nr == NETAPIBUF_CMD_REALLOC &&
		    c.k.realloc.size <= f->max_buffer)
			c.k.realloc.size %= 64;
	}

	/* The argument: the struct, then the tail. */
	memset(argbuf, 0, sizeof(argbuf));
	copy = c.usize < sizeof(c.k) ? c.usize : sizeof(c.k);
	memcpy(argbuf, &c.k, copy);
	if (c.tail_nonzero)
		argbuf[c.ksize + rnd(c.usize - c.ksize)] = 1 + rnd(255);
	c.arg = place(f, &c, argbuf, c.usize, avoid);
	f->where_used[c.where]++;

	/* What it may return. */
	if (c.type != NETAPIBUF_IOCTL_TYPE || !c.ksize) {
		allow_only(&c.allowed, ENOTTY);
	} else if (c.usize < c.ksize) {
		allow_only(&c.allowed, EINVAL);
	} else if (c.where == W_NULL || c.where == W_UNMAPPED ||
		   c.where == W_PARTIAL || c.where == W_KERNEL) {
		allow_only(&c.allowed, EFAULT);
		/* a non-zero tail byte before the fault */
		if (c.where == W_PARTIAL && c.tail_nonzero)
			allow(&c.allowed, E2BIG);
	} else if (c.tail_nonzero) {
		allow_only(&c.allowed, E2BIG);
	} else if (c.where == W_RDONLY && (c.dir & _IOC_READ)) {
		/*
		 * The result cannot be written back: EFAULT, or the error
		 * the command fails with first (which one is the module's
		 * choice), never success.
		 */
		semantic_allowed(f, &c, in_buf);
		disallow(&c.allowed, 0);
		allow(&c.allowed, EFAULT);
	} else {
		semantic_allowed(f, &c, in_buf);
	}
	/*
	 * A struct inside the arena: a module may refuse it as it would a
	 * bad pointer (the model then checks that nothing changed).
	 */
	if (c.where == W_ARENA && c.ksize && c.usize >= c.ksize &&
	    c.type == NETAPIBUF_IOCTL_TYPE)
		allow(&c.allowed, EFAULT);
	/* ALLOC and REALLOC refuse one (the uapi's EINVAL). */
	if (c.where == W_ARENA && c.ksize && c.usize >= c.ksize &&
	    c.type == NETAPIBUF_IOCTL_TYPE && !c.tail_nonzero &&
	    (c.nr == NETAPIBUF_CMD_ALLOC || c.nr == NETAPIBUF_CMD_REALLOC))
		allow(&c.allowed, EINVAL);

	if (c.nr == NETAPIBUF_CMD_REALLOC && c.ksize) {
		b = model_find(&f->m, c.k.realloc.addr);
		old_size = b ? b->size : 0;
	}

	req = _IOC(c.dir, c.type, c.nr, c.usize);
	ret = ioctl(c.sess->fd, req, c.arg);
	c.result = ret ? errno : 0;
	f->calls++;
	f->by_result[c.result == 0 ? R_OK_ : c.result == ENOTTY ? R_NOTTY
							   : R_ERR]++;

	ok = allowed_has(&c.allowed, c.result);
	if (!ok && f->reports++ < MAX_REPORTS) {
		char set[128] = "";
		size_t n = 0;

		for (i = 0; i < c.allowed.n; i++)
			n += snprintf(set + n, sizeof(set) - n, "%s%s",
				      i ? " " : "", errname(c.allowed.e[i]));
		TH_LOG("call %lu: %s nr %lu dir %u type %#x size %zu (kernel %zu%s), "
		       "struct %s, %s session: got %s, allowed: %s",
		       iter, c.ksize ? cmds[known].name : "unknown", c.nr,
		       c.dir, c.type, c.usize, c.ksize,
		       c.tail_nonzero ? ", tail not zero" : "",
		       where_names[c.where],
		       c.sess == &f->s ? "mapped" : "unmapped",
		       errname(c.result), set);
		TH_LOG("  fields: %016llx %016llx %016llx %016llx",
		       (unsigned long long)((uint64_t *)c.k.raw)[0],
		       (unsigned long long)((uint64_t *)c.k.raw)[1],
		       (unsigned long long)((uint64_t *)c.k.raw)[2],
		       (unsigned long long)((uint64_t *)c.k.raw)[3]);
	}
	if (c.result || c.sess != &f->s || !c.ksize)
		goto out;

	/* It worked: what it returned, into the model. */
	memcpy(&c.k, c.arg, c.usize < sizeof(c.k) ? c.usize : sizeof(c.k));
	switch (c.nr) {
	case NETAPIBUF_CMD_INFO:
		EXPECT_EQ((__u32)NETAPIBUF_ABI_VERSION, c.k.info.abi_version);
		EXPECT_EQ((uintptr_t)f->s.arena, c.k.info.arena_addr);
		break;
	case NETAPIBUF_CMD_ALLOC:
		good = c.k.alloc.addr % 16 == 0 &&
		       nab_in_arena(&f->s, (void *)(uintptr_t)c.k.alloc.addr,
				    c.k.alloc.size) &&
		       !model_covering(&f->m, c.k.alloc.addr, 1);
		EXPECT_TRUE(good) {
			b = model_covering(&f->m, c.k.alloc.addr, 1);
			TH_LOG("call %lu: ALLOC of %llu gave %#llx", iter,
			       (unsigned long long)c.k.alloc.size,
			       (unsigned long long)c.k.alloc.addr);
			if (b) {
				__u64 size = ~0ULL;
				int err = _test_ioctl_size(f->s.fd,
					(void *)(uintptr_t)b->addr, 0, 0,
					&size) ? errno : 0;

				TH_LOG("  inside live buffer %#llx of %llu "
				       "bytes (SIZE: %s, %llu)",
				       (unsigned long long)b->addr,
				       (unsigned long long)b->size,
				       errname(err), (unsigned long long)size);
			}
		}
		if (good) {
			EXPECT_EQ(-1, nab_check_zero((void *)(uintptr_t)
						     c.k.alloc.addr, 0,
						     c.k.alloc.size));
			model_add(&f->m, c.k.alloc.addr, c.k.alloc.size);
		}
		break;
	case NETAPIBUF_CMD_FREE:
		b = model_find(&f->m, c.k.free.addr);
		if (b)
			model_del(&f->m, b);
		break;
	case NETAPIBUF_CMD_SIZE:
		b = model_find(&f->m, c.k.size.addr);
		EXPECT_TRUE(b && b->size == c.k.size.size)
			TH_LOG("call %lu: SIZE %llu", iter,
			       (unsigned long long)c.k.size.size);
		break;
	case NETAPIBUF_CMD_REALLOC:
		b = model_find(&f->m, c.k.realloc.addr);
		if (!c.k.realloc.size) {
			EXPECT_EQ(0ULL, c.k.realloc.new_addr);
			if (b)
				model_del(&f->m, b);
			break;
		}
		if (b) {
			uint64_t keep = old_size < c.k.realloc.size ?
					old_size : c.k.realloc.size;
			void *q = (void *)(uintptr_t)c.k.realloc.new_addr;

			EXPECT_EQ(-1, nab_check(q, 0, keep, b->seed))
				TH_LOG("call %lu: REALLOC lost data", iter);
			EXPECT_EQ(-1, nab_check_zero(q, old_size < c.k.realloc.size ?
							old_size : c.k.realloc.size,
						     c.k.realloc.size > old_size ?
						     c.k.realloc.size - old_size : 0));
			model_del(&f->m, b);
		}
		good = c.k.realloc.new_addr % 16 == 0 &&
		       !model_covering(&f->m, c.k.realloc.new_addr, 1);
		EXPECT_TRUE(good) TH_LOG("call %lu: REALLOC gave %#llx", iter,
				(unsigned long long)c.k.realloc.new_addr);
		if (good)
			model_add(&f->m, c.k.realloc.new_addr,
				  c.k.realloc.size);
		break;
	case NETAPIBUF_CMD_AGENT_CALL:
		if (c.k.agent.buffer) {
			__u64 size = 0;

			good = !_test_ioctl_size(f->s.fd, (void *)(uintptr_t)
						 c.k.agent.buffer, 0, 0, &size) &&
			       !model_covering(&f->m, c.k.agent.buffer, 1);
			EXPECT_TRUE(good) TH_LOG("call %lu: agent buffer %#llx",
					       iter,
					       (unsigned long long)c.k.agent.buffer);
			if (good)
				model_add(&f->m, c.k.agent.buffer, size);
		}
		break;
	}
out:
	/*
	 * The struct was written into a buffer of ours: its pattern again
	 * (found by address: the model moves its entries around).
	 */
	b = c.where == W_ARENA ? model_find(&f->m, c.arena_buf) : NULL;
	if (b)
		nab_fill((void *)(uintptr_t)b->addr, 0, b->size, b->seed);
	return ok;
}

/* Every live buffer has its size and contents; the counters agree. */
static void check_model(struct __test_metadata *_metadata, struct fuzz *f,
			const struct nab_stats *base, unsigned long iter)
{
	struct nab_stats now;
	size_t i;

	f->checks++;
	for (i = 0; i < f->m.n; i++) {
		struct mbuf *b = &f->m.b[i];
		__u64 size = ~0ULL;

		EXPECT_EQ(0, _test_ioctl_size(f->s.fd, (void *)(uintptr_t)b->addr,
					      0, 0, &size))
			TH_LOG("after call %lu: buffer %#llx is gone", iter,
			       (unsigned long long)b->addr);
		EXPECT_EQ(b->size, size);
		EXPECT_EQ(-1, nab_check((void *)(uintptr_t)b->addr, 0, b->size,
					b->seed))
			TH_LOG("after call %lu: buffer %#llx (%llu bytes) "
			       "damaged", iter, (unsigned long long)b->addr,
			       (unsigned long long)b->size);
	}
	ASSERT_STATS(&now);
	/*
	 * What the counter page says is shown bounded by what the delegated
	 * chunks can hold, and the fuzzer scribbles over it.
	 */
	EXPECT_LE(base->live_buffers + (long long)f->m.n, now.live_buffers)
		TH_LOG("after call %lu", iter);
	EXPECT_GE(base->live_buffers + (long long)f->m.n +
		  (long long)(f->ndeleg * f->page / 16), now.live_buffers)
		TH_LOG("after call %lu", iter);
	EXPECT_LE(base->live_bytes + (long long)f->m.bytes, now.live_bytes)
		TH_LOG("after call %lu", iter);
	EXPECT_GE(base->live_bytes + (long long)f->m.bytes +
		  (long long)(f->ndeleg * f->page), now.live_bytes)
		TH_LOG("after call %lu", iter);
}

/*
 * Delegated chunks: GET and PUT with random counts, flags and addresses
 * (delegated ones, buffers, the counter page, anything), and random
 * writes into the chunks and the counter page between calls. The kernel
 * must act only on what it delegated: every result is one the ABI
 * allows, the model's buffers stay intact (check_model()), and the
 * kernel log stays clean.
 */
static void fuzz_chunks(struct __test_metadata *_metadata, struct fuzz *f,
			unsigned long iter)
{
	struct netapibuf_chunks c;
	size_t i, j;
	int ret, err;

	if (!(f->s.info.features & NETAPIBUF_FEATURE_CHUNKS))
		return;
	f->chunk_calls++;

	/* Scribble: the counter page and a few chunks, random bytes. */
	if (f->counters)
		for (i = rnd(64); i--; f->scribbles++)
			f->counters[rnd(f->page)] = (unsigned char)rnd64();
	for (i = 0; f->ndeleg && i < rnd(4); i++) {
		unsigned char *p = (void *)(uintptr_t)f->deleg[rnd(f->ndeleg)];

		p[rnd(f->page)] = (unsigned char)rnd64();
	}

	memset(&c, 0, sizeof(c));
	c.flags = chance(5) ? 1u << rnd(32) : 0;
	if (chance(50) && f->ndeleg < ARRAY_SIZE(f->deleg) - NETAPIBUF_CHUNKS_MAX) {
		c.count = chance(10) ? (__u32)rnd64() : 1 + rnd(8);
		ret = ioctl(f->s.fd, NETAPIBUF_IOC_CHUNKS_GET, &c);
		err = ret ? errno : 0;
		EXPECT_TRUE(!err || err == EINVAL || err == ENOMEM ||
			    err == EDQUOT || err == ENOSPC)
			TH_LOG("call %lu: CHUNKS_GET count %u flags %#x: %s",
			       iter, c.count, c.flags, strerror(err));
		if (err)
			return;
		f->chunk_ok++;
		EXPECT_TRUE(c.count >= 1 && c.count <= NETAPIBUF_CHUNKS_MAX);
		f->counters = (void *)(uintptr_t)c.counters;
		for (i = 0; i < c.count; i++) {
			EXPECT_EQ(NULL, model_covering(&f->m, c.addrs[i], f->page))
				TH_LOG("call %lu: chunk %#llx over a buffer", iter,
				       (unsigned long long)c.addrs[i]);
			f->deleg[f->ndeleg++] = c.addrs[i];
		}
		return;
	}

	/* PUT: delegated chunks, maybe with something else among them. */
	c.count = 1 + rnd(4);
	if (chance(5))
		c.count = chance(50) ? 0 : NETAPIBUF_CHUNKS_MAX + 1 + rnd(100);
	for (i = 0; i < c.count && i < NETAPIBUF_CHUNKS_MAX; i++) {
		if (f->ndeleg && chance(85))
			c.addrs[i] = f->deleg[rnd(f->ndeleg)];
		else if (chance(30) && f->counters)
			c.addrs[i] = (uintptr_t)f->counters;
		else if (chance(30) && f->m.n)
			c.addrs[i] = f->m.b[rnd(f->m.n)].addr & ~(uint64_t)(f->page - 1);
		else
			c.addrs[i] = random_addr(f);
	}
	ret = ioctl(f->s.fd, NETAPIBUF_IOC_CHUNKS_PUT, &c);
	err = ret ? errno : 0;
	EXPECT_TRUE(!err || err == EINVAL)
		TH_LOG("call %lu: CHUNKS_PUT: %s", iter, strerror(err));
	if (err)
		return;
	f->chunk_ok++;
	/* It worked: every address was a delegated chunk, each once. */
	for (i = 0; i < c.count; i++) {
		for (j = 0; j < f->ndeleg && f->deleg[j] != c.addrs[i]; j++)
			;
		EXPECT_LT(j, f->ndeleg)
			TH_LOG("call %lu: PUT took back %#llx, never delegated",
			       iter, (unsigned long long)c.addrs[i]);
		if (j < f->ndeleg)
			f->deleg[j] = f->deleg[--f->ndeleg];
	}
}

/* ---- a debugger's view: /proc/self/mem -------------------------------------- */

/*
 * A read of up to three pages at a random address (live, interior,
 * stale, the arena's edges, anywhere in it), through the module's
 * ->access(). A range inside one live buffer reads whole and as the
 * process sees it, and writing those bytes back changes nothing; any
 * other range in the arena reads some bytes or fails with EIO, never
 * anything else.
 */
static void fuzz_peek(struct __test_metadata *_metadata, struct fuzz *f)
{
	uint64_t base = (uintptr_t)f->s.arena, size = f->s.info.arena_size;
	uint64_t addr = random_addr(f), len = 1 + rnd(3 * f->page);
	char *buf = f->scratch;
	struct mbuf *b;
	ssize_t n;

	if (f->mem_fd < 0 || addr < base || addr >= base + size ||
	    len > size - (addr - base))
		return;
	f->peeks++;
	b = model_covering(&f->m, addr, len);
	n = pread(f->mem_fd, buf, len, (off_t)addr);
	if (!b) {
		if (n < 0)
			f->peeks_eio++;
		EXPECT_TRUE((n < 0 && errno == EIO) ||
			    (n >= 0 && (uint64_t)n <= len))
			TH_LOG("/proc/self/mem at arena + %#llx, %llu bytes: %zd (%s)",
			       (unsigned long long)(addr - base),
			       (unsigned long long)len, n,
			       n < 0 ? errname(errno) : "short");
		return;
	}
	f->peeks_whole++;
	EXPECT_EQ((ssize_t)len, n)
		TH_LOG("/proc/self/mem of a live buffer: %s",
		       n < 0 ? errname(errno) : "short");
	if (n != (ssize_t)len)
		return;
	EXPECT_EQ(0, memcmp(buf, (void *)(uintptr_t)addr, len))
		TH_LOG("/proc/self/mem and the process see different bytes");
	EXPECT_EQ((ssize_t)len, pwrite(f->mem_fd, buf, len, (off_t)addr));
}

/* ---- mmap(2) of a new session ----------------------------------------------- */

static void fuzz_mmap(struct __test_metadata *_metadata, struct fuzz *f)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE, PROT_WRITE,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_EXEC,
	};
	static const int flag_sets[] = {
		MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE,
		MAP_SHARED | MAP_POPULATE, MAP_SHARED | MAP_LOCKED,
		MAP_SHARED | MAP_NORESERVE, MAP_SHARED | MAP_32BIT,
		MAP_SHARED_VALIDATE | MAP_SYNC, MAP_SHARED | MAP_GROWSDOWN,
	};
	struct nab_session s;
	bool rdonly = chance(15);
	unsigned int tries = 1 + rnd(3), t;
	size_t arena_pages = 0;
	bool mapped = false;
	struct allowed al;

	memset(&s, 0, sizeof(s));
	s.fd = open(NAB_DEVICE, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	ASSERT_LE(0, s.fd);
	ASSERT_EQ(0, _test_ioctl_info(s.fd, 0, &s.info));

	for (t = 0; t < tries; t++) {
		size_t len = s.info.arena_size, pages;
		off_t off = 0;
		int prot = prots[chance(60) ? 0 : rnd(ARRAY_SIZE(prots))];
		int flags = flag_sets[chance(60) ? 0 : rnd(ARRAY_SIZE(flag_sets))];
		unsigned int r;
		bool valid;
		void *p;
		int err;

		r = rnd(8);
		if (r == 0)
			len -= f->page;
		else if (r == 1)
			len += f->page;
		else if (r == 2)
			len = rnd(4) * f->page + rnd(2);
		else if (r == 3)
			len -= rnd(f->page);	/* rounds up to the size */
		else if (r == 4)
			len = ~0UL - rnd(f->page);
		r = rnd(8);
		if (r == 0)
			off = f->page * (1 + rnd(16));
		else if (r == 1)
			off = 1 + rnd(f->page - 1);
		else if (r == 2)
			off = (off_t)1 << (32 + rnd(31));

		/*
		 * The arena: offset 0, its size in pages or fewer down to
		 * NETAPIBUF_ARENA_MIN_SIZE, shared (which a read-only open
		 * cannot be), no exec: it works the first time and is EBUSY
		 * after.
		 */
		r = rnd(8);
		if (r == 0)
			len = NETAPIBUF_ARENA_MIN_SIZE - rnd(2) * f->page;
		else if (r == 1)
			len = s.info.arena_size / (2 + rnd(3)) & ~(f->page - 1);
		pages = len / f->page + !!(len % f->page);
		valid = !off && len && pages <= s.info.arena_size / f->page &&
			pages >= NETAPIBUF_ARENA_MIN_SIZE / f->page && !rdonly &&
			(flags & MAP_SHARED) && !(prot & PROT_EXEC) &&
			!(flags & (MAP_SYNC | MAP_GROWSDOWN | MAP_32BIT));
		al.n = 0;
		if (valid && mapped) {
			allow(&al, EBUSY);
		} else if (valid) {
			allow(&al, 0);
			allow(&al, ENOMEM);	/* no address space left */
		} else {
			allow(&al, EINVAL);
			allow(&al, EPERM);	/* PROT_EXEC */
			allow(&al, EBUSY);
			allow(&al, ENOMEM);	/* no room for the length */
			allow(&al, EACCES);	/* PROT_WRITE, read-only open */
			allow(&al, EOVERFLOW);	/* offset + length overflow */
			allow(&al, EOPNOTSUPP);	/* MAP_SYNC */
		}

		f->mmaps++;
		p = mmap(NULL, len, prot, flags, s.fd, off);
		err = p == MAP_FAILED ? errno : 0;
		EXPECT_TRUE(allowed_has(&al, err))
			TH_LOG("mmap(len %#zx, prot %#x, flags %#x, off %#llx)%s: %s",
			       len, prot, flags, (unsigned long long)off,
			       mapped ? " again" : "", errname(err));
		if (err)
			continue;
		f->mmaps_ok++;
		if (!valid) {
			munmap(p, len);
			continue;
		}
		mapped = true;
		s.arena = p;
		arena_pages = pages;
		/* The session's arena is now this long (a longer one EBUSY). */
		s.info.arena_size = pages * f->page;
	}
	if (mapped) {
		struct netapibuf_info info;
		void *buf;

		ASSERT_EQ(0, _test_ioctl_info(s.fd, 0, &info));
		EXPECT_EQ((uintptr_t)s.arena, info.arena_addr);
		EXPECT_EQ(arena_pages * f->page, info.arena_size);
		EXPECT_EQ(0, _test_ioctl_alloc(s.fd, 100, 0, 0, &buf));
	}
	nab_session_close(&s);
}

/* ---- another process: every known command is EPERM --------------------------- */

static void fuzz_fork(struct __test_metadata *_metadata, struct fuzz *f)
{
	pid_t pid;
	int status;

	f->forks++;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char arg[_IOC_SIZEMASK + 1] = { 0 };
		unsigned int i, bad = 0;

		for (i = 0; i < 64; i++) {
			size_t k = rnd(ARRAY_SIZE(cmds));
			unsigned int dir = chance(80) ? cmds[k].dir : rnd(4);
			size_t size = chance(80) ? cmds[k].size : rnd(256);
			int fd = chance(50) ? f->s.fd : f->u.fd;
			int want = dir == cmds[k].dir ? EPERM : ENOTTY;
			int ret;

			ret = ioctl(fd, _IOC(dir, NETAPIBUF_IOCTL_TYPE,
					     cmds[k].nr, size),
				    chance(10) ? NULL : arg);
			if (!ret || errno != want)
				bad++;
		}
		/* Nor can it map the parent's session. */
		if (mmap(NULL, f->s.info.arena_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, f->u.fd, 0) != MAP_FAILED || errno != EPERM)
			bad++;
		_exit(bad ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("a fork child's calls on the parent's sessions: %#x",
		       status);
}

/* ---- the agents ---------------------------------------------------------- */

static bool sysinfo_loaded_here;

static bool agents_ready(void)
{
	if (!nab_agent_listed("wksta"))
		sysinfo_loaded_here = nab_sysinfo_insmod();
	return nab_agent_listed("wksta") && nab_agent_listed("netif");
}

static void __attribute__((destructor)) agents_restore(void)
{
	if (sysinfo_loaded_here && system("rmmod " NAB_SYSINFO_MOD))
		fprintf(stderr, "# rmmod " NAB_SYSINFO_MOD " failed\n");
}

/* ---- the test ----------------------------------------------------------- */

FIXTURE(fuzz) {
	struct nab_stats base;
	struct fuzz *f;
};

FIXTURE_SETUP(fuzz)
{
	struct fuzz *f;
	struct utsname uts;
	int ret;

	NAB_REQUIRE_DEVICE();
	nab_pattern_init();
	ASSERT_STATS(&self->base);
	f = self->f = calloc(1, sizeof(*f));
	ASSERT_NE(NULL, f);
	f->mem_fd = -1;
	f->page = NAB_PAGE_SIZE;
	ASSERT_TRUE(nab_param_read("max_buffer_bytes", &f->max_buffer));
	f->agents = agents_ready();
	ASSERT_EQ(0, uname(&uts));
	snprintf(f->nodename, sizeof(f->nodename), "%s", uts.nodename);

	f->scratch = mmap(NULL, (SCRATCH_PAGES + 1) * f->page,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ASSERT_NE(MAP_FAILED, f->scratch);
	ASSERT_EQ(0, mprotect(f->scratch + SCRATCH_PAGES * f->page, f->page,
			      PROT_NONE));
	f->ro = mmap(NULL, SCRATCH_PAGES * f->page, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->ro);
	f->unmapped = nab_unmapped_page();
	ASSERT_NE(NULL, f->unmapped);

	ret = nab_session_open(&f->s, true);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	ret = nab_session_open(&f->u, false);
	ASSERT_EQ(0, ret) TH_LOG("session: %s", strerror(-ret));
	f->mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
}

FIXTURE_TEARDOWN(fuzz)
{
	struct fuzz *f = self->f;

	if (f) {
		if (f->mem_fd >= 0)
			close(f->mem_fd);
		nab_session_close(&f->s);
		nab_session_close(&f->u);
		free(f);
	}
	EXPECT_STATS_BASELINE(&self->base);
}

TEST_F_TIMEOUT(fuzz, random_calls, 7200)
{
	unsigned long iterations = DEFAULT_ITERATIONS, seconds = 0, i, bad = 0;
	struct fuzz *f = self->f;
	const char *env;
	long long start = nab_now_ms(), deadline = 0;
	uint64_t seed = DEFAULT_SEED;

	env = getenv("NETAPIBUF_FUZZ_SEED");
	if (env && *env)
		seed = strtoull(env, NULL, 0);
	env = getenv("NETAPIBUF_FUZZ_ITERATIONS");
	if (env && *env)
		iterations = strtoul(env, NULL, 0);
	env = getenv("NETAPIBUF_FUZZ_SECONDS");
	if (env && *env)
		seconds = strtoul(env, NULL, 0);
	if (seconds > MAX_SECONDS)
		seconds = MAX_SECONDS;
	if (seconds) {
		deadline = start + seconds * 1000;
		iterations = ~0UL;
	}
	rng_state = seed ? seed : 1;
	TH_LOG("seed %#llx, %s %lu%s, agents %s",
	       (unsigned long long)seed, seconds ? "for" : "calls",
	       seconds ? seconds : iterations, seconds ? " s" : "",
	       f->agents ? "loaded" : "absent");

	for (i = 0; i < iterations; i++) {
		if (deadline && (i & 63) == 0 && nab_now_ms() >= deadline)
			break;
		if (!one_call(_metadata, f, i))
			bad++;
		if (i % CHECK_EVERY == CHECK_EVERY - 1)
			check_model(_metadata, f, &self->base, i);
		if (rnd(400) == 0)
			fuzz_mmap(_metadata, f);
		if (rnd(4000) == 0)
			fuzz_fork(_metadata, f);
		if (rnd(20) == 0)
			fuzz_chunks(_metadata, f, i);
		if (rnd(10) == 0)
			fuzz_peek(_metadata, f);
		if (!_metadata->passed && f->reports > MAX_REPORTS)
			break;
	}
	check_model(_metadata, f, &self->base, i);
	EXPECT_EQ(0UL, bad) TH_LOG("%lu calls had a result the ABI does not "
				   "allow (seed %#llx)", bad,
				   (unsigned long long)seed);

	TH_LOG("%lu calls in %lld ms: %lu worked, %lu ENOTTY, %lu other errors; "
	       "%zu buffers live at the end, %lu model checks",
	       f->calls, nab_now_ms() - start, f->by_result[R_OK_],
	       f->by_result[R_NOTTY], f->by_result[R_ERR], f->m.n, f->checks);
	TH_LOG("struct: %lu good, %lu NULL, %lu unmapped, %lu read-only, "
	       "%lu partial, %lu kernel, %lu arena; %lu mmaps (%lu mapped), "
	       "%lu fork children", f->where_used[W_GOOD],
	       f->where_used[W_NULL], f->where_used[W_UNMAPPED],
	       f->where_used[W_RDONLY], f->where_used[W_PARTIAL],
	       f->where_used[W_KERNEL], f->where_used[W_ARENA], f->mmaps,
	       f->mmaps_ok, f->forks);
	TH_LOG("delegated chunks: %lu GET/PUT (%lu worked), %lu bytes of the "
	       "counter page scribbled, %zu held at the end", f->chunk_calls,
	       f->chunk_ok, f->scribbles, f->ndeleg);
	TH_LOG("/proc/self/mem: %lu reads of the arena, %lu inside a live "
	       "buffer, %lu EIO", f->peeks, f->peeks_whole, f->peeks_eio);

	/* Free what is left: each FREE works once. */
	while (f->m.n) {
		EXPECT_EQ(0, _test_ioctl_free(f->s.fd, (void *)(uintptr_t)
					      f->m.b[0].addr, 0, 0));
		model_del(&f->m, &f->m.b[0]);
	}
	check_model(_metadata, f, &self->base, i);
}

/*
 * REALLOC whose struct lies in the very buffer it resizes: when the
 * buffer moves its old pages are unmapped, so the new address cannot be
 * written back. The uapi DOC says a failed command changes nothing:
 * either the call works and reports the new address, or it fails and
 * the buffer is still there.
 */
TEST_F(fuzz, struct_in_resized_buffer)
{
	struct fuzz *f = self->f;
	size_t page = f->page;
	static const struct {
		size_t from, to;
	} cases[] = {
		{ 3, 6 },	/* pages: moves (a buffer follows) */
		{ 3, 0 },	/* to size 0: frees */
		{ 3, 100 },	/* bytes: into a small slot */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct netapibuf_realloc *arg;
		void *buf, *after;
		__u64 size = 0;
		size_t to = cases[i].to > 8 ? cases[i].to : cases[i].to * page;
		int ret, err;

		ASSERT_EQ(0, _test_ioctl_alloc(f->s.fd, cases[i].from * page,
					       0, 0, &buf));
		ASSERT_EQ(0, _test_ioctl_alloc(f->s.fd, page, 0, 0, &after));
		arg = buf;
		memset(arg, 0, sizeof(*arg));
		arg->addr = (uintptr_t)buf;
		arg->size = to;
		ret = ioctl(f->s.fd, NETAPIBUF_IOC_REALLOC, arg);
		err = ret ? errno : 0;
		if (!err) {
			if (to)
				EXPECT_EQ(0, _test_ioctl_free(f->s.fd,
					(void *)(uintptr_t)arg->new_addr, 0, 0));
		} else {
			EXPECT_EQ(0, _test_ioctl_size(f->s.fd, buf, 0, 0,
						      &size))
				TH_LOG("REALLOC %zu -> %zu failed with %s but "
				       "the buffer is gone", cases[i].from * page,
				       to, errname(err));
			EXPECT_EQ((__u64)cases[i].from * page, size);
			_test_ioctl_free(f->s.fd, buf, 0, 0);
		}
		EXPECT_EQ(0, _test_ioctl_free(f->s.fd, after, 0, 0));
	}
	/* Nothing left in the session, whatever happened. */
	nab_session_close(&f->s);
}

TEST_HARNESS_MAIN
