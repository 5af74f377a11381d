// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: the limits.
 *
 * The module parameters that bound what sessions may hold, and the one
 * place that checks and charges against them. Everything else asks here:
 * the buffer code before it allocates, resizes or frees (nab_charge() and
 * friends, with the session locked), the kernel API before it makes or
 * grows a kernel-side buffer (nab_limit_size()), session creation for the
 * arena's length (nab_arena_pages()).
 *
 * Every parameter is validated when it is written, at load or later in
 * /sys/module/netapibuf/parameters/: a value outside its bounds is refused
 * with EINVAL and the old value stays. The bounds are what make the
 * arithmetic below safe: once a size has passed nab_limit_size() it is at
 * most NAB_BUFFER_MAX, so nothing computed from it can wrap, and the sums
 * are overflow-checked on top of that.
 *
 * What a buffer counts against max_session_bytes and max_total_bytes is
 * nab_cost() of its size, and only nab_cost() says what that is: the
 * charge follows a buffer through allocation, resizing and freeing as the
 * cost of its size before and after, so changing what a buffer costs
 * (its slot, its whole pages, its metadata) changes this file only.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "netapibuf_internal.h"

/*
 * The arena: at least 64 MiB, so that it holds the guard pages and a
 * default-sized buffer with room to spare; at most 1 TiB, so that a few
 * sessions cannot exhaust the process's address space (128 TiB on
 * x86-64 with 4-level page tables) and page indices stay far from any
 * overflow; whole pages, because it is mapped as whole pages.
 */
#define NAB_ARENA_MIN		SZ_64M
#define NAB_ARENA_MAX		SZ_1T

/* No buffer can be larger than the largest arena. */
#define NAB_BUFFER_MAX		NAB_ARENA_MAX

unsigned long nab_max_buffer_bytes = SZ_1G;
unsigned long nab_max_session_bytes;
unsigned long nab_max_total_bytes;
unsigned long nab_arena_size = 64 * (unsigned long)SZ_1G;

/* What all sessions are charged, checked against max_total_bytes. */
static atomic64_t nab_charged = ATOMIC64_INIT(0);

/**
 * struct nab_param - a parameter and the values it accepts
 * @value: the parameter
 * @min: smallest value accepted
 * @max: largest value accepted
 * @align: accepted values are multiples of this
 */
struct nab_param {
	unsigned long *value;
	unsigned long min;
	unsigned long max;
	unsigned long align;
};

static int nab_param_set(const char *val, const struct kernel_param *kp)
{
	const struct nab_param *p = kp->arg;
	unsigned long v;

	/* Not a number, or out of range for one: refused like any bad value. */
	if (kstrtoul(val, 0, &v) || v < p->min || v > p->max || v % p->align)
		return -EINVAL;
	/* Read without a lock by every allocation: one store, whole. */
	WRITE_ONCE(*p->value, v);
	return 0;
}

static int nab_param_get(char *buf, const struct kernel_param *kp)
{
	const struct nab_param *p = kp->arg;

	return sysfs_emit(buf, "%lu\n", READ_ONCE(*p->value));
}

static const struct kernel_param_ops nab_param_ops = {
	.set = nab_param_set,
	.get = nab_param_get,
};

/* A parameter, @_min to @_max and a multiple of @_align. */
#define NAB_PARAM(_name, _min, _max, _align)				\
	static struct nab_param nab_param_##_name = {			\
		.value = &nab_##_name,					\
		.min = _min,						\
		.max = _max,						\
		.align = _align,					\
	};								\
	module_param_cb(_name, &nab_param_ops, &nab_param_##_name, 0644)

NAB_PARAM(max_buffer_bytes, 0, NAB_BUFFER_MAX, 1);
MODULE_PARM_DESC(max_buffer_bytes,
		 "Largest buffer, in bytes of its size; 0 to 1 TiB (default 1 GiB)");

NAB_PARAM(max_session_bytes, 0, ULONG_MAX, 1);
MODULE_PARM_DESC(max_session_bytes,
		 "Most bytes of live buffers per open of the device, counted as the sum of their sizes; 0 for no limit (default 0)");

NAB_PARAM(max_total_bytes, 0, ULONG_MAX, 1);
MODULE_PARM_DESC(max_total_bytes,
		 "Most bytes of live buffers in all, counted as for max_session_bytes; 0 for no limit (0 at load: half of RAM)");

NAB_PARAM(arena_size, NAB_ARENA_MIN, NAB_ARENA_MAX, PAGE_SIZE);
MODULE_PARM_DESC(arena_size,
		 "Address space of each new session's arena in bytes, whole pages from 64 MiB to 1 TiB (default 64 GiB)");

/**
 * nab_limits_init() - defaults that depend on the machine
 *
 * Called once at load, after the parameters given to modprobe are set.
 */
void nab_limits_init(void)
{
	if (!nab_max_total_bytes)
		nab_max_total_bytes = (totalram_pages() << PAGE_SHIFT) / 2;
}

/**
 * nab_arena_pages() - the length of a new session's arena
 *
 * Return: arena_size in pages.
 */
unsigned long nab_arena_pages(void)
{
	return READ_ONCE(nab_arena_size) >> PAGE_SHIFT;
}

/**
 * nab_limit_size() - whether a buffer may have @size bytes at all
 * @size: the size asked for, anything userspace or an agent passed
 *
 * Return: 0, or -EDQUOT past max_buffer_bytes. After 0, @size is at most
 * NAB_BUFFER_MAX: page counts and charges computed from it cannot wrap.
 */
int nab_limit_size(u64 size)
{
	if (size > READ_ONCE(nab_max_buffer_bytes))
		return -EDQUOT;
	return 0;
}

/* What a buffer of @size bytes, @size within the limit, counts. */
static u64 nab_cost(u64 size)
{
	return size;
}

/* Take @cost more for @s, or nothing and -EDQUOT past a limit. */
static int nab_take(struct nab_session *s, u64 cost)
{
	u64 session_max = READ_ONCE(nab_max_session_bytes);
	u64 total_max = READ_ONCE(nab_max_total_bytes);
	u64 sum;

	lockdep_assert_held(&s->lock);

	if (check_add_overflow(s->charged, cost, &sum) ||
	    (session_max && sum > session_max))
		return -EDQUOT;

	/*
	 * Sessions charge concurrently: add first, and take it back if the
	 * sum went past the limit, so two sessions cannot both fit in the
	 * same room. A cost is at most NAB_BUFFER_MAX, so the sum of all
	 * of them cannot reach the sign bit.
	 */
	sum = atomic64_add_return(cost, &nab_charged);
	if (total_max && sum > total_max) {
		atomic64_sub(cost, &nab_charged);
		return -EDQUOT;
	}
	s->charged += cost;
	return 0;
}

static void nab_give(struct nab_session *s, u64 cost)
{
	lockdep_assert_held(&s->lock);

	if (WARN_ON_ONCE(cost > s->charged))
		cost = s->charged;
	s->charged -= cost;
	atomic64_sub(cost, &nab_charged);
}

/**
 * nab_charge() - charge a session for a new buffer
 * @s: the session, locked
 * @size: the buffer's size
 *
 * Return: 0, or -EDQUOT (past max_buffer_bytes, max_session_bytes or
 * max_total_bytes); then nothing is charged.
 */
int nab_charge(struct nab_session *s, u64 size)
{
	int ret;

	ret = nab_limit_size(size);
	if (ret)
		return ret;
	ret = nab_take(s, nab_cost(size));
	if (ret)
		return ret;
	nab_count_bytes(s, size);
	return 0;
}

/**
 * nab_uncharge() - give back what a buffer was charged
 * @s: the session, locked
 * @size: the size of the buffer that is gone (or was never made)
 */
void nab_uncharge(struct nab_session *s, u64 size)
{
	nab_give(s, nab_cost(size));
	nab_count_bytes(s, -(s64)size);
}

/**
 * nab_charge_resize() - charge a session for a buffer about to grow
 * @s: the session, locked
 * @old: the buffer's size, charged
 * @size: its new size
 *
 * Charges what the buffer will hold beyond what it holds; nothing if it
 * shrinks. Afterwards nab_uncharge_resize(@old, @size) settles a resize
 * that worked, nab_uncharge_resize(@size, @old) undoes this one.
 *
 * Return: 0, or -EDQUOT; then nothing is charged.
 */
int nab_charge_resize(struct nab_session *s, u64 old, u64 size)
{
	u64 from = nab_cost(old), to;
	int ret;

	ret = nab_limit_size(size);
	if (ret)
		return ret;
	to = nab_cost(size);
	if (to > from) {
		ret = nab_take(s, to - from);
		if (ret)
			return ret;
	}
	if (size > old)
		nab_count_bytes(s, size - old);
	return 0;
}

/**
 * nab_uncharge_resize() - give back what a buffer no longer holds
 * @s: the session, locked
 * @old: the size the buffer is charged for
 * @size: the size it has now
 *
 * Gives back what a buffer of @old holds beyond one of @size; nothing if
 * @size is larger.
 */
void nab_uncharge_resize(struct nab_session *s, u64 old, u64 size)
{
	u64 from = nab_cost(old), to = nab_cost(size);

	if (from > to)
		nab_give(s, from - to);
	if (old > size)
		nab_count_bytes(s, -(s64)(old - size));
}
