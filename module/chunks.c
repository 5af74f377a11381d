// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: delegated chunks - small buffers without a system call.
 *
 * NETAPIBUF_IOC_CHUNKS_GET hands the session whole zeroed pages of its
 * arena, which the library cuts into small buffers itself, keeping their
 * slot state (in use, size) in its own memory; NETAPIBUF_IOC_CHUNKS_PUT
 * takes them back. The kernel's part is deliberately small: it allocates,
 * charges, maps and frees whole pages, and acts only on pages that its own
 * list says it delegated to this session. It never reads a delegated
 * chunk, so nothing the process writes into one can steer the kernel: a
 * corrupted slot state hurts only the process that corrupted it.
 *
 * The one page the kernel reads is the session's counter page (struct
 * netapibuf_counters), where the library adds up the buffers it holds in
 * delegated chunks. Its sums are only reported (stats.c), bounded by what
 * the delegated chunks can hold; no decision depends on them.
 *
 * A delegated chunk is charged as its whole page (limits.c), as it stays
 * until it is given back, whatever the process keeps in it.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "netapibuf_internal.h"

static bool nab_chunks_enabled = true;
module_param_named(chunks, nab_chunks_enabled, bool, 0644);
MODULE_PARM_DESC(chunks,
		 "Offer delegated chunks (NETAPIBUF_FEATURE_CHUNKS, small buffers without a system call); N hides the feature from INFO and refuses CHUNKS_GET with ENOTTY, as a module without it would (default Y)");

/**
 * nab_chunks_offered() - whether INFO reports NETAPIBUF_FEATURE_CHUNKS
 *
 * Return: the chunks parameter.
 */
bool nab_chunks_offered(void)
{
	return READ_ONCE(nab_chunks_enabled);
}

/**
 * nab_chunks_held() - whether a session holds delegated chunks now
 * @s: the session, locked or not (a hint for the ioctl dispatcher)
 *
 * Return: true if @s has chunks it could give back.
 */
bool nab_chunks_held(struct nab_session *s)
{
	return READ_ONCE(s->nr_delegated);
}

static struct page **nab_deleg_pages(struct nab_obj *obj, unsigned long index,
				     unsigned long *nr)
{
	if (index)
		return NULL;
	*nr = 1;
	return &container_of(obj, struct nab_deleg, obj)->page;
}

/* A delegated chunk, and the counter page: the same, told apart by ops. */
static const struct nab_obj_ops nab_deleg_ops = {
	.pages = nab_deleg_pages,
};

static const struct nab_obj_ops nab_counters_ops = {
	.pages = nab_deleg_pages,
};

static struct nab_deleg *nab_deleg_new(const struct nab_obj_ops *ops)
{
	struct nab_deleg *d;

	d = kzalloc(sizeof(*d), NAB_GFP);
	if (!d)
		return NULL;
	d->obj.ops = ops;
	INIT_LIST_HEAD(&d->node);
	INIT_LIST_HEAD(&d->hold);
	d->page = alloc_page(NAB_GFP | __GFP_ZERO);
	if (!d->page) {
		kfree(d);
		return NULL;
	}
	return d;
}

static void nab_deleg_free(struct nab_deleg *d)
{
	put_page(d->page);
	kfree(d);
}

static void nab_deleg_free_list(struct list_head *list)
{
	struct nab_deleg *d, *tmp;

	list_for_each_entry_safe(d, tmp, list, node) {
		list_del(&d->node);
		nab_deleg_free(d);
	}
}

/* Allocate @nr zeroed chunks into @list, with the session unlocked. */
static int nab_deleg_alloc_list(struct list_head *list, unsigned int nr)
{
	struct nab_deleg *d;

	while (nr--) {
		if (fatal_signal_pending(current))
			return -EINTR;
		d = nab_deleg_new(&nab_deleg_ops);
		if (!d)
			return -ENOMEM;
		list_add_tail(&d->node, list);
	}
	return 0;
}

/**
 * nab_chunks_get() - NETAPIBUF_IOC_CHUNKS_GET: delegate a batch of chunks
 * @s: the session
 * @cmd: the command; @cmd->count chunks wanted, their addresses and the
 *	counter page's returned
 * @held: gets the new chunks, held (struct nab_deleg) until the caller
 *	publishes them with nab_chunks_publish() or takes them back with
 *	nab_chunks_unmake()
 *
 * Either every chunk is placed in the arena, charged and counted, or none.
 *
 * Return: 0, or -ENOTTY (feature hidden), -EINVAL (count), -ENXIO (arena
 * not mapped), -EDQUOT, -ENOMEM, -ENOSPC, -EINTR (fatal signal).
 */
int nab_chunks_get(struct nab_session *s, struct netapibuf_chunks *cmd,
		   struct list_head *held)
{
	struct nab_deleg *d, *counters = NULL;
	unsigned int i, inserted = 0;
	LIST_HEAD(list);
	int ret;

	/* chunks=N since the dispatcher looked: as it would have said. */
	if (!nab_chunks_offered())
		return -ENOTTY;
	if (!cmd->count || cmd->count > NETAPIBUF_CHUNKS_MAX)
		return -EINVAL;

	/* Pages are allocated and zeroed unlocked, as buffer.c does. */
	ret = nab_deleg_alloc_list(&list, cmd->count);
	if (ret)
		goto free;

	for (;;) {
		mutex_lock(&s->lock);
		if (s->counters || counters)
			break;
		/* The session's first delegation also needs its counter page. */
		mutex_unlock(&s->lock);
		counters = nab_deleg_new(&nab_counters_ops);
		if (!counters) {
			ret = -ENOMEM;
			goto free;
		}
	}

	if (!s->arena_base) {
		ret = -ENXIO;
		goto unlock;
	}
	ret = nab_charge_chunks(s, cmd->count);
	if (ret)
		goto unlock;
	list_for_each_entry(d, &list, node) {
		ret = nab_arena_insert(s, &d->obj, 1);
		if (ret)
			goto remove;
		inserted++;
	}
	if (!s->counters) {
		ret = nab_arena_insert(s, &counters->obj, 1);
		if (ret)
			goto remove;
		/* From here the session owns its counter page. */
		s->counters = counters;
		counters = NULL;
		nab_count_pages(s, 1);
	}

	i = 0;
	list_for_each_entry(d, &list, node) {
		cmd->addrs[i++] = nab_arena_addr(s, &d->obj);
		d->held = true;
		list_add_tail(&d->hold, held);
	}
	cmd->counters = nab_arena_addr(s, &s->counters->obj);
	/* From here the session's list and the space tree own the chunks. */
	list_splice_tail_init(&list, &s->delegated);
	WRITE_ONCE(s->nr_delegated, s->nr_delegated + cmd->count);
	nab_count_pages(s, cmd->count);
	mutex_unlock(&s->lock);
	return 0;

remove:
	/* A racing fault may have mapped one already: release unmaps it. */
	list_for_each_entry(d, &list, node) {
		if (!inserted--)
			break;
		nab_arena_release(s, &d->obj, 0, 1);
	}
	nab_uncharge_chunks(s, cmd->count);
unlock:
	mutex_unlock(&s->lock);
free:
	nab_deleg_free_list(&list);
	if (counters)
		nab_deleg_free(counters);
	return ret;
}

/* The delegated chunk at @addr, or NULL if @addr names none of @s. */
static struct nab_deleg *nab_deleg_find(struct nab_session *s, u64 addr)
{
	unsigned long offset;
	struct nab_deleg *d;
	struct nab_obj *obj;

	lockdep_assert_held(&s->lock);

	if (addr > ULONG_MAX)
		return NULL;
	obj = nab_arena_at(s, addr, &offset);
	if (!obj || obj->ops != &nab_deleg_ops || offset)
		return NULL;
	d = container_of(obj, struct nab_deleg, obj);
	/* Not handed out yet: as if it were not there. */
	return d->held ? NULL : d;
}

/**
 * nab_chunks_publish() - a CHUNKS_GET returned its chunks: PUT may take them
 * @s: the session
 * @held: what nab_chunks_get() held
 */
void nab_chunks_publish(struct nab_session *s, struct list_head *held)
{
	struct nab_deleg *d, *tmp;

	mutex_lock(&s->lock);
	list_for_each_entry_safe(d, tmp, held, hold) {
		d->held = false;
		list_del_init(&d->hold);
	}
	mutex_unlock(&s->lock);
}

/**
 * nab_chunks_unmake() - a CHUNKS_GET failed to return its chunks: take back
 *	exactly those
 * @s: the session
 * @held: what nab_chunks_get() held; nothing else could give them back
 */
void nab_chunks_unmake(struct nab_session *s, struct list_head *held)
{
	struct nab_deleg *d, *tmp;
	unsigned long nr = 0;
	LIST_HEAD(dead);

	mutex_lock(&s->lock);
	list_for_each_entry_safe(d, tmp, held, hold) {
		list_del_init(&d->hold);
		nab_arena_release(s, &d->obj, 0, 1);
		list_move(&d->node, &dead);
		nr++;
	}
	WRITE_ONCE(s->nr_delegated, s->nr_delegated - nr);
	nab_count_pages(s, -(long)nr);
	nab_uncharge_chunks(s, nr);
	mutex_unlock(&s->lock);
	nab_deleg_free_list(&dead);
}

/**
 * nab_chunks_put() - NETAPIBUF_IOC_CHUNKS_PUT: take delegated chunks back
 * @s: the session
 * @cmd: the command; @cmd->count addresses in @cmd->addrs
 *
 * Every address is checked against the session's own records before
 * anything is done: each must be the start of a chunk delegated to @s,
 * and appear once. Whatever the chunks hold is never read.
 *
 * Return: 0, or -EINVAL (count, or an address that is not a delegated
 * chunk of @s); then nothing was given back.
 */
int nab_chunks_put(struct nab_session *s, const struct netapibuf_chunks *cmd)
{
	struct nab_deleg *put[NETAPIBUF_CHUNKS_MAX];
	unsigned int i, j;
	LIST_HEAD(dead);
	int ret = 0;

	if (!cmd->count || cmd->count > NETAPIBUF_CHUNKS_MAX)
		return -EINVAL;

	mutex_lock(&s->lock);
	for (i = 0; i < cmd->count; i++) {
		put[i] = nab_deleg_find(s, cmd->addrs[i]);
		if (!put[i]) {
			ret = -EINVAL;
			goto unlock;
		}
		for (j = 0; j < i; j++) {
			if (put[j] == put[i]) {
				ret = -EINVAL;
				goto unlock;
			}
		}
	}
	for (i = 0; i < cmd->count; i++) {
		nab_arena_release(s, &put[i]->obj, 0, 1);
		/* Unmapped everywhere: ours alone, to free once unlocked. */
		list_move(&put[i]->node, &dead);
	}
	WRITE_ONCE(s->nr_delegated, s->nr_delegated - cmd->count);
	nab_count_pages(s, -(long)cmd->count);
	nab_uncharge_chunks(s, cmd->count);
unlock:
	mutex_unlock(&s->lock);
	nab_deleg_free_list(&dead);
	return ret;
}

/**
 * nab_chunks_free_all() - free the delegated chunks of a session going away
 * @s: the session; nothing maps its arena any more
 */
void nab_chunks_free_all(struct nab_session *s)
{
	struct nab_deleg *d;
	LIST_HEAD(dead);

	mutex_lock(&s->lock);
	list_for_each_entry(d, &s->delegated, node)
		nab_arena_release(s, &d->obj, 0, 1);
	list_splice_init(&s->delegated, &dead);
	nab_count_pages(s, -(long)s->nr_delegated);
	nab_uncharge_chunks(s, s->nr_delegated);
	WRITE_ONCE(s->nr_delegated, 0);
	if (s->counters) {
		nab_arena_release(s, &s->counters->obj, 0, 1);
		list_add(&s->counters->node, &dead);
		s->counters = NULL;
		nab_count_pages(s, -1);
	}
	mutex_unlock(&s->lock);
	nab_deleg_free_list(&dead);
}
