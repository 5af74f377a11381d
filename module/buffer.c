// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: buffers in a session's arena.
 *
 * Each buffer occupies pages of the arena (arena.c):
 *
 * - a chunk: one page cut into equal slots of one size class (16 bytes to
 *   half a page), holding small buffers of this session only;
 * - a large buffer: a vector of whole pages of its own (pages.c), which
 *   leave the arena when it is freed, so touching a freed large buffer
 *   faults.
 *
 * A buffer's handle is its user address: arena base + page index * page
 * size + slot offset. All pages come from the page allocator, zeroed and
 * charged to the caller's memory cgroup; slab memory is never mapped.
 *
 * Pages are allocated and zeroed with the session unlocked, as the dma-buf
 * system heap allocates before it publishes: the session lock covers the
 * space tree and the bookkeeping, so the process's faults and other calls
 * go on while one call allocates a large buffer. A call that needs memory
 * charges what it will hold against the limits under the lock (so concurrent
 * calls cannot together pass a limit), finds what it lacks (-EAGAIN),
 * allocates it unlocked into a struct nab_spare, and locks again to use
 * it - or to find that the buffer changed meanwhile and start over.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "netapibuf_internal.h"

static unsigned int nab_class_of(size_t size)
{
	if (size <= NAB_MIN_SIZE)
		return 0;
	return fls_long(size - 1) - NAB_MIN_SHIFT;
}

static size_t nab_class_size(unsigned int class)
{
	return NAB_MIN_SIZE << class;
}

static unsigned int nab_class_slots(unsigned int class)
{
	return PAGE_SIZE / nab_class_size(class);
}

static void *nab_slot_ptr(struct nab_chunk *c, unsigned int slot)
{
	return page_address(c->page) + slot * nab_class_size(c->class);
}

/* What the arena may ask of a chunk and of a large buffer. */

static struct page **nab_chunk_pages(struct nab_obj *obj, unsigned long index,
				     unsigned long *nr)
{
	if (index)
		return NULL;
	*nr = 1;
	return &container_of(obj, struct nab_chunk, obj)->page;
}

static const struct nab_obj_ops nab_chunk_ops = {
	.pages = nab_chunk_pages,
};

static struct page **nab_large_pages(struct nab_obj *obj, unsigned long index,
				     unsigned long *nr)
{
	struct nab_pages *pv = &container_of(obj, struct nab_large, obj)->pv;

	if (index >= pv->nr)
		return NULL;
	*nr = pv->nr - index;
	return pv->pages + index;
}

static const struct nab_obj_ops nab_large_ops = {
	.pages = nab_large_pages,
};

static size_t nab_ref_size(const struct nab_ref *ref)
{
	if (ref->chunk)
		return ref->chunk->size[ref->slot];
	return ref->large->size;
}

/*
 * Only the exact start of a live buffer of @s names it, and not while the
 * command that made it holds it (struct nab_ref).
 */
static int nab_find(struct nab_session *s, unsigned long addr,
		    struct nab_ref *ref)
{
	unsigned long offset;
	struct nab_chunk *c;
	struct nab_obj *obj;
	size_t slot_size;

	lockdep_assert_held(&s->lock);

	obj = nab_arena_at(s, addr, &offset);
	if (!obj)
		return -EINVAL;

	if (obj->ops == &nab_chunk_ops) {
		c = container_of(obj, struct nab_chunk, obj);
		slot_size = nab_class_size(c->class);
		if (offset % slot_size)
			return -EINVAL;
		ref->chunk = c;
		ref->slot = offset / slot_size;
		ref->large = NULL;
		if (!test_bit(ref->slot, c->used) ||
		    test_bit(ref->slot, c->held))
			return -EINVAL;
		return 0;
	}
	/* Nor is a delegated chunk (chunks.c) a buffer. */
	if (obj->ops != &nab_large_ops || offset)
		return -EINVAL;
	ref->chunk = NULL;
	ref->large = container_of(obj, struct nab_large, obj);
	if (test_bit(NAB_LARGE_HELD, &ref->large->flags))
		return -EINVAL;
	return 0;
}

/* Make a new buffer held by the command that made it; s->lock held. */
static void nab_ref_hold(struct nab_session *s, const struct nab_ref *ref,
			 struct nab_ref *hold)
{
	lockdep_assert_held(&s->lock);

	/* Atomic: nab_buf_publish() clears other bits of the word unlocked. */
	if (ref->chunk)
		set_bit(ref->slot, ref->chunk->held);
	else
		set_bit(NAB_LARGE_HELD, &ref->large->flags);
	*hold = *ref;
}

/**
 * struct nab_spare - memory a call allocates or frees with the session
 *	unlocked
 * @chunk: a fresh chunk, not in the arena
 * @large: a new large buffer with its pages, not in the arena
 * @growth: pages for a large buffer to grow by
 * @dead: a large buffer out of the arena, to free
 * @want: what the call found missing (-EAGAIN), to allocate, or
 *	NAB_WANT_ZEROED: @large is the session's kept buffer, to zero
 * @class: the class of the chunk wanted
 * @size: the size of the large buffer wanted
 * @nr: pages of the large buffer to grow, as they were
 * @cap: its capacity, as it was
 * @new_nr: pages it is to have
 */
struct nab_spare {
	struct nab_chunk *chunk;
	struct nab_large *large;
	struct nab_pages_growth growth;
	struct nab_large *dead;
	enum {
		NAB_WANT_CHUNK, NAB_WANT_LARGE, NAB_WANT_ZEROED, NAB_WANT_GROWTH
	} want;
	unsigned int class;
	size_t size;
	unsigned long nr, cap, new_nr;
};

/* Chunks: one page of small slots. */

static struct nab_chunk *nab_chunk_new(unsigned int class)
{
	struct nab_chunk *c;

	c = kzalloc(struct_size(c, size, nab_class_slots(class)), NAB_GFP);
	if (!c)
		return NULL;
	c->obj.ops = &nab_chunk_ops;
	c->class = class;
	INIT_LIST_HEAD(&c->partial);
	c->page = alloc_page(NAB_GFP | __GFP_ZERO);
	if (!c->page) {
		kfree(c);
		return NULL;
	}
	return c;
}

static void nab_chunk_free(struct nab_chunk *c)
{
	put_page(c->page);
	kfree(c);
}

/* Put a fresh chunk in the arena as the partial chunk of its class. */
static int nab_chunk_insert(struct nab_session *s, struct nab_chunk *c)
{
	int ret;

	lockdep_assert_held(&s->lock);

	ret = nab_arena_insert(s, &c->obj, 1);
	if (ret)
		return ret;
	/* From here the space tree owns the chunk. */
	list_add(&c->partial, &s->partial[c->class]);
	nab_count_pages(s, 1);
	return 0;
}

static void nab_chunk_destroy(struct nab_session *s, struct nab_chunk *c)
{
	lockdep_assert_held(&s->lock);

	list_del(&c->partial);
	nab_arena_release(s, &c->obj, 0, 1);
	/* Mappings are gone: ours is the last reference. */
	nab_count_pages(s, -1);
	nab_chunk_free(c);
}

static int nab_small_alloc(struct nab_session *s, size_t size,
			   struct nab_ref *ref, struct nab_spare *spare)
{
	unsigned int class = nab_class_of(size);
	unsigned int slot, slots = nab_class_slots(class);
	struct nab_chunk *c;
	int ret;

	lockdep_assert_held(&s->lock);

	c = list_first_entry_or_null(&s->partial[class], struct nab_chunk,
				     partial);
	/*
	 * A chunk whose page has a memory error gives no new slot: it
	 * leaves the partial list, and goes with its last buffer (now, if
	 * it has none), its page to the page allocator, which keeps it
	 * out of use.
	 */
	while (c && unlikely(PageHWPoison(c->page))) {
		list_del_init(&c->partial);
		if (!c->nr_used)
			nab_chunk_destroy(s, c);
		c = list_first_entry_or_null(&s->partial[class],
					     struct nab_chunk, partial);
	}
	if (!c) {
		if (!spare->chunk || spare->chunk->class != class) {
			spare->want = NAB_WANT_CHUNK;
			spare->class = class;
			return -EAGAIN;
		}
		ret = nab_chunk_insert(s, spare->chunk);
		if (ret)
			return ret;
		c = spare->chunk;
		spare->chunk = NULL;
	}

	slot = find_first_zero_bit(c->used, slots);
	__set_bit(slot, c->used);
	c->size[slot] = size;
	if (++c->nr_used == slots)
		list_del_init(&c->partial);

	/* The slot may hold what an earlier buffer of this session left. */
	memset(nab_slot_ptr(c, slot), 0, size);

	ref->chunk = c;
	ref->slot = slot;
	ref->large = NULL;
	return 0;
}

static void nab_small_free(struct nab_session *s, struct nab_chunk *c,
			   unsigned int slot)
{
	unsigned int slots = nab_class_slots(c->class);

	lockdep_assert_held(&s->lock);

	__clear_bit(slot, c->used);
	c->size[slot] = 0;
	if (c->nr_used-- == slots && !PageHWPoison(c->page))
		list_add(&c->partial, &s->partial[c->class]);

	/*
	 * Keep one empty chunk per class, so that a loop of allocate and
	 * free does not get and map a fresh page every time; but never one
	 * with a memory error (nab_small_alloc()).
	 */
	if (!c->nr_used && (!list_is_singular(&s->partial[c->class]) ||
			    PageHWPoison(c->page)))
		nab_chunk_destroy(s, c);
}

/* Large buffers: pages of their own. */

static struct nab_large *nab_large_new(size_t size)
{
	unsigned long nr = DIV_ROUND_UP(size, PAGE_SIZE);
	struct nab_large *lb;

	/* A few pages: their array comes with the descriptor. */
	lb = kzalloc(struct_size(lb, few, nr <= NAB_LARGE_FEW ? nr : 0),
		     NAB_GFP);
	if (!lb)
		return NULL;
	lb->obj.ops = &nab_large_ops;
	lb->size = size;
	if (nr <= NAB_LARGE_FEW) {
		nab_pages_init_fixed(&lb->pv, lb->few, nr);
		if (nab_pages_fill_up(&lb->pv))
			goto free_lb;
	} else if (nab_pages_alloc(&lb->pv, nr)) {
		goto free_lb;
	}
	return lb;

free_lb:
	kfree(lb);
	return NULL;
}

static void nab_large_destroy(struct nab_large *lb)
{
	nab_pages_release(&lb->pv);
	kfree(lb);
}

static int nab_large_alloc(struct nab_session *s, size_t size,
			   struct nab_ref *ref, struct nab_spare *spare)
{
	unsigned long nr = DIV_ROUND_UP(size, PAGE_SIZE);
	struct nab_large *lb = spare->large;
	int ret;

	lockdep_assert_held(&s->lock);

	if (!lb || lb->pv.nr != nr) {
		spare->want = NAB_WANT_LARGE;
		spare->size = size;
		/* The buffer the session kept, zeroed unlocked, if it fits. */
		if (!lb) {
			spare->large = nab_kept_take(s, nr);
			if (spare->large)
				spare->want = NAB_WANT_ZEROED;
		}
		return -EAGAIN;
	}
	ret = nab_arena_insert(s, &lb->obj, nr);
	if (ret)
		return ret;

	/* From here the space tree owns the buffer. */
	spare->large = NULL;
	lb->size = size;
	nab_count_pages(s, nr);
	ref->chunk = NULL;
	ref->large = lb;
	return 0;
}

/* Take a large buffer out of the arena; it is freed once unlocked. */
static void nab_large_remove(struct nab_session *s, struct nab_large *lb)
{
	lockdep_assert_held(&s->lock);

	nab_arena_release(s, &lb->obj, 0, lb->pv.nr);
	nab_count_pages(s, -(long)lb->pv.nr);
}

/*
 * Resize a large buffer to @size > NAB_SMALL_MAX. The pages it keeps are
 * never copied: it grows in place when the arena pages after it are free,
 * and otherwise its pages move to a new range of the arena.
 */
static int nab_large_resize(struct nab_session *s, struct nab_large *lb,
			    size_t size, struct nab_spare *spare)
{
	unsigned long nr = DIV_ROUND_UP(size, PAGE_SIZE);
	unsigned long old_nr = lb->pv.nr;
	int ret;

	lockdep_assert_held(&s->lock);

	if (nr > old_nr) {
		if (!nab_pages_growth_fits(&spare->growth, &lb->pv, nr)) {
			spare->want = NAB_WANT_GROWTH;
			spare->nr = old_nr;
			spare->cap = lb->pv.cap;
			spare->new_nr = nr;
			return -EAGAIN;
		}
		ret = nab_arena_grow(s, &lb->obj, old_nr, nr);
		if (ret)
			return ret;
	}

	if (size > lb->size)
		nab_pages_zero_tail(&lb->pv, lb->size, size);
	if (nr > old_nr) {
		nab_pages_append(&lb->pv, &spare->growth);
	} else if (nr < old_nr) {
		nab_arena_release(s, &lb->obj, nr, old_nr - nr);
		nab_pages_shrink(&lb->pv, nr);
	}
	nab_count_pages(s, (long)nr - (long)old_nr);
	lb->size = size;
	return 0;
}

/* Allocate what a call found missing; the session is unlocked. */
static int nab_spare_fill(struct nab_spare *spare)
{
	switch (spare->want) {
	case NAB_WANT_CHUNK:
		if (spare->chunk)
			nab_chunk_free(spare->chunk);
		spare->chunk = nab_chunk_new(spare->class);
		return spare->chunk ? 0 : -ENOMEM;
	case NAB_WANT_LARGE:
		if (spare->large)
			nab_large_destroy(spare->large);
		spare->large = nab_large_new(spare->size);
		return spare->large ? 0 : -ENOMEM;
	case NAB_WANT_ZEROED:
		/* It held only this session's data; Allocate gives zeroes. */
		nab_pages_zero(&spare->large->pv);
		return 0;
	case NAB_WANT_GROWTH:
		if (spare->growth.add.pages || spare->growth.room.pages)
			nab_pages_growth_release(&spare->growth);
		return nab_pages_prepare(&spare->growth, spare->nr, spare->cap,
					 spare->new_nr);
	}
	return -EINVAL;
}

/*
 * nab_spare_fill() for @s; an allocation that fails first gives back the
 * session's pool, whose pages are charged to the same memory cgroup, and
 * tries once more.
 */
static int nab_spare_fill_for(struct nab_session *s, struct nab_spare *spare)
{
	int ret = nab_spare_fill(spare);

	if (ret == -ENOMEM && nab_pool_drain(s))
		ret = nab_spare_fill(spare);
	return ret;
}

static noinline void __nab_spare_release(struct nab_spare *spare)
{
	if (spare->chunk)
		nab_chunk_free(spare->chunk);
	if (spare->large)
		nab_large_destroy(spare->large);
	if (spare->dead)
		nab_large_destroy(spare->dead);
	nab_pages_growth_release(&spare->growth);
}

/*
 * Free what a call allocated and did not use, or took out of the arena.
 * Most calls hold nothing: they pay a few tests, no call.
 */
static inline void nab_spare_release(struct nab_spare *spare)
{
	if (unlikely(spare->chunk || spare->large || spare->dead ||
		     spare->growth.add.pages || spare->growth.room.pages))
		__nab_spare_release(spare);
}

static int nab_ref_alloc(struct nab_session *s, size_t size,
			 struct nab_ref *ref, struct nab_spare *spare)
{
	if (size <= NAB_SMALL_MAX)
		return nab_small_alloc(s, size, ref, spare);
	return nab_large_alloc(s, size, ref, spare);
}

/* Returns a large buffer out of the arena, to destroy once unlocked. */
static struct nab_large *nab_ref_free(struct nab_session *s,
				      struct nab_ref *ref)
{
	if (ref->chunk) {
		nab_small_free(s, ref->chunk, ref->slot);
		return NULL;
	}
	nab_large_remove(s, ref->large);
	return ref->large;
}

static unsigned long nab_ref_addr(struct nab_session *s,
				  const struct nab_ref *ref)
{
	if (ref->chunk)
		return nab_arena_addr(s, &ref->chunk->obj) +
		       ref->slot * nab_class_size(ref->chunk->class);
	return nab_arena_addr(s, &ref->large->obj);
}

/* Kernel address of the first bytes of a buffer; they fit in one page. */
static void *nab_ref_head(const struct nab_ref *ref)
{
	if (ref->chunk)
		return nab_slot_ptr(ref->chunk, ref->slot);
	return page_address(ref->large->pv.pages[0]);
}

/**
 * nab_buf_alloc_held() - allocate a zeroed buffer in a session's arena
 * @s: the session, with its arena mapped
 * @size: bytes; 0 gives a buffer of size 0 that still has an address
 * @addr: where to store the buffer's user address
 * @hold: NULL, or where to store the buffer held (struct nab_ref): then
 *	no other call finds it until nab_buf_publish() or nab_buf_unmake()
 *
 * A large buffer is mapped before it returns (nab_arena_map_ahead()),
 * when called by the process that owns the session, as far as its page
 * tables already exist.
 *
 * Return: 0, or -ENXIO (arena not mapped), -EDQUOT (a limit), -ENOMEM,
 * -ENOSPC (arena full).
 */
int nab_buf_alloc_held(struct nab_session *s, u64 size, unsigned long *addr,
		       struct nab_ref *hold)
{
	struct nab_spare spare = {};
	struct nab_ref ref;
	int ret;

	/* A size no buffer may have is EDQUOT, mapped arena or not. */
	ret = nab_limit_size(size);
	if (ret)
		goto fail;

	mutex_lock(&s->lock);
	if (!s->arena_base) {
		ret = -ENXIO;
		goto unlock;
	}
	/* Charged before anything is allocated, undone on failure. */
	ret = nab_charge(s, size, size > NAB_SMALL_MAX);
	if (ret)
		goto unlock;
	while ((ret = nab_ref_alloc(s, size, &ref, &spare)) == -EAGAIN) {
		/* Allocate what is missing unlocked, then try again. */
		mutex_unlock(&s->lock);
		ret = nab_spare_fill_for(s, &spare);
		mutex_lock(&s->lock);
		if (ret)
			break;
	}
	if (ret) {
		nab_uncharge(s, size, size > NAB_SMALL_MAX);
		goto unlock;
	}
	nab_count_buffer(s, 1);
	if (hold)
		nab_ref_hold(s, &ref, hold);
	*addr = nab_ref_addr(s, &ref);
unlock:
	mutex_unlock(&s->lock);
	nab_spare_release(&spare);
	/* Used at once, as a rule: saves the first touch its fault. */
	if (!ret && size > NAB_SMALL_MAX)
		nab_arena_map_ahead(s, *addr);
fail:
	if (ret)
		atomic64_inc(&nab_stats.alloc_failures);
	return ret;
}

/**
 * nab_buf_alloc() - allocate a zeroed buffer, found by its address at once
 * @s: the session, with its arena mapped
 * @size: bytes
 * @addr: where to store the buffer's user address
 *
 * Return: as nab_buf_alloc_held().
 */
int nab_buf_alloc(struct nab_session *s, u64 size, unsigned long *addr)
{
	return nab_buf_alloc_held(s, size, addr, NULL);
}

/**
 * nab_buf_publish() - let other calls find a held buffer
 * @hold: the buffer, as nab_buf_alloc_held() or nab_buf_adopt() held it;
 *	empty afterwards
 *
 * Takes no lock: while the buffer is held nothing else can free it, so
 * its chunk or large buffer is still there.
 */
void nab_buf_publish(struct nab_ref *hold)
{
	/*
	 * Release: a call that then finds the buffer, under the session lock,
	 * sees everything done to it before.
	 */
	if (hold->chunk)
		clear_bit_unlock(hold->slot, hold->chunk->held);
	else
		clear_bit_unlock(NAB_LARGE_HELD, &hold->large->flags);
	*hold = (struct nab_ref){};
}

/**
 * nab_buf_unmake() - free a held buffer: the command that made it failed
 * @s: the session
 * @hold: the buffer, as nab_buf_alloc_held() or nab_buf_adopt() held it;
 *	empty afterwards
 *
 * Frees exactly that buffer, found by identity, not by address: no other
 * call could have freed it and put another buffer at its address.
 */
void nab_buf_unmake(struct nab_session *s, struct nab_ref *hold)
{
	struct nab_large *dead;

	mutex_lock(&s->lock);
	if (hold->chunk)
		clear_bit(hold->slot, hold->chunk->held);
	else
		clear_bit(NAB_LARGE_HELD, &hold->large->flags);
	nab_uncharge(s, nab_ref_size(hold), !hold->chunk);
	nab_count_buffer(s, -1);
	dead = nab_ref_free(s, hold);
	mutex_unlock(&s->lock);
	if (dead)
		nab_large_destroy(dead);
	*hold = (struct nab_ref){};
}

/**
 * nab_buf_adopt() - make a vector of pages a new large buffer of a session
 * @s: the session, with its arena mapped
 * @pv: the pages; on success the buffer owns the vector, with its
 *	references, and @pv is empty
 * @size: the buffer's size, at most @pv->nr pages
 * @addr: where to store the buffer's user address
 * @hold: NULL, or where to store the buffer held, as by
 *	nab_buf_alloc_held()
 *
 * Return: 0, or -ENXIO, -EDQUOT, -ENOMEM, -ENOSPC; then @pv is unchanged.
 */
int nab_buf_adopt(struct nab_session *s, struct nab_pages *pv, size_t size,
		  unsigned long *addr, struct nab_ref *hold)
{
	struct nab_ref ref = {};
	struct nab_large *lb;
	int ret;

	ret = nab_limit_size(size);
	if (ret)
		return ret;

	lb = kzalloc(sizeof(*lb), NAB_GFP);
	if (!lb)
		return -ENOMEM;
	lb->obj.ops = &nab_large_ops;
	lb->size = size;

	mutex_lock(&s->lock);
	if (!s->arena_base) {
		ret = -ENXIO;
		goto unlock;
	}
	ret = nab_charge(s, size, true);
	if (ret)
		goto unlock;
	nab_pages_move(&lb->pv, pv);
	ret = nab_arena_insert(s, &lb->obj, lb->pv.nr);
	if (ret) {
		nab_pages_move(pv, &lb->pv);
		nab_uncharge(s, size, true);
		goto unlock;
	}
	/* From here the space tree owns the buffer, with its references. */
	nab_count_pages(s, lb->pv.nr);
	nab_count_buffer(s, 1);
	if (hold) {
		ref.large = lb;
		nab_ref_hold(s, &ref, hold);
	}
	*addr = nab_arena_addr(s, &lb->obj);
	mutex_unlock(&s->lock);
	return 0;

unlock:
	mutex_unlock(&s->lock);
	kfree(lb);
	return ret;
}

/**
 * nab_buf_free() - free a buffer
 * @s: the session
 * @addr: the buffer's address, exactly as allocation returned it
 *
 * Return: 0, or -EINVAL if @addr is not the start of a live buffer of @s.
 */
int nab_buf_free(struct nab_session *s, unsigned long addr)
{
	struct nab_large *dead = NULL;
	struct nab_ref ref;
	int ret;

	mutex_lock(&s->lock);
	ret = nab_find(s, addr, &ref);
	if (!ret) {
		nab_uncharge(s, nab_ref_size(&ref), !ref.chunk);
		nab_count_buffer(s, -1);
		dead = nab_ref_free(s, &ref);
		/*
		 * Unmapped now: the session may keep the pages (limits.c),
		 * in its pool if it has one, else as its kept buffer.
		 */
		if (dead && s->pool.cap)
			nab_pool_fill(s, &dead->pv);
		else if (dead && nab_kept_put(s, dead))
			dead = NULL;
	}
	mutex_unlock(&s->lock);
	if (dead)
		nab_large_destroy(dead);
	return ret;
}

/**
 * nab_buf_size() - the size a buffer was allocated with
 * @s: the session
 * @addr: the buffer's address
 * @size: where to store the size
 *
 * Return: 0, or -EINVAL if @addr is not the start of a live buffer of @s.
 */
int nab_buf_size(struct nab_session *s, unsigned long addr, u64 *size)
{
	struct nab_ref ref;
	int ret;

	mutex_lock(&s->lock);
	ret = nab_find(s, addr, &ref);
	if (!ret)
		*size = nab_ref_size(&ref);
	mutex_unlock(&s->lock);
	return ret;
}

/* Move a buffer into a new one of @size, copying what fits; s->lock held. */
static int nab_ref_move(struct nab_session *s, struct nab_ref *ref,
			size_t size, struct nab_spare *spare)
{
	size_t old = nab_ref_size(ref);
	struct nab_ref new;
	int ret;

	ret = nab_ref_alloc(s, size, &new, spare);
	if (ret)
		return ret;
	/* One side is small, so what is kept fits in the first page. */
	memcpy(nab_ref_head(&new), nab_ref_head(ref), min(old, size));
	spare->dead = nab_ref_free(s, ref);
	*ref = new;
	return 0;
}

static int nab_ref_resize(struct nab_session *s, struct nab_ref *ref,
			  size_t size, struct nab_spare *spare)
{
	size_t old = nab_ref_size(ref);

	if (ref->chunk && nab_class_of(size) == ref->chunk->class &&
	    size <= NAB_SMALL_MAX) {
		if (size > old)
			memset(nab_ref_head(ref) + old, 0, size - old);
		ref->chunk->size[ref->slot] = size;
		return 0;
	}
	if (ref->large && size > NAB_SMALL_MAX)
		return nab_large_resize(s, ref->large, size, spare);
	return nab_ref_move(s, ref, size, spare);
}

/**
 * nab_buf_realloc() - resize a buffer, keeping its contents
 * @s: the session
 * @addr: the buffer's address
 * @size: the new size, not 0
 * @new_addr: where to store the buffer's address afterwards
 *
 * The first min(old size, @size) bytes are kept and the rest reads as zero.
 * On failure the buffer is unchanged.
 *
 * Return: 0, -EINVAL (@addr not a live buffer), -EDQUOT, -ENOMEM, -ENOSPC.
 */
int nab_buf_realloc(struct nab_session *s, unsigned long addr, u64 size,
		    unsigned long *new_addr)
{
	struct nab_spare spare = {};
	struct nab_ref ref;
	bool old_pages;
	size_t old;
	int ret;

	mutex_lock(&s->lock);
	/*
	 * Each round looks the buffer up afresh: while the session was
	 * unlocked to allocate, another thread may have resized or freed it.
	 */
	for (;;) {
		ret = nab_find(s, addr, &ref);
		if (ret)
			goto unlock;
		old = nab_ref_size(&ref);
		old_pages = !ref.chunk;
		/* Charged before anything is allocated, as by nab_buf_alloc(). */
		ret = nab_charge_resize(s, old, old_pages, size);
		if (ret)
			goto unlock;
		ret = nab_ref_resize(s, &ref, size, &spare);
		if (ret != -EAGAIN)
			break;
		mutex_unlock(&s->lock);
		ret = nab_spare_fill_for(s, &spare);
		mutex_lock(&s->lock);
		/* The next round charges again for what it finds. */
		nab_cancel_resize(s, old, old_pages, size);
		if (ret)
			goto unlock;
	}

	if (ret) {
		nab_cancel_resize(s, old, old_pages, size);
		goto unlock;
	}
	nab_commit_resize(s, old, old_pages, size);
	*new_addr = nab_ref_addr(s, &ref);
unlock:
	mutex_unlock(&s->lock);
	nab_spare_release(&spare);
	if (ret && ret != -EINVAL)
		atomic64_inc(&nab_stats.alloc_failures);
	return ret;
}

/**
 * nab_buf_free_all() - free every buffer of a session that is going away
 * @s: the session; nothing maps its arena any more
 */
void nab_buf_free_all(struct nab_session *s)
{
	struct nab_large *lb;
	struct nab_chunk *c;
	struct nab_obj *obj;
	pgoff_t pgoff = 0;
	unsigned int slot;

	mutex_lock(&s->lock);
	while ((obj = nab_arena_next(s, &pgoff))) {
		/*
		 * A session may hold millions of buffers: let others run (the
		 * lock is a mutex, and nothing else can use a dying session).
		 */
		cond_resched();
		if (obj->ops == &nab_chunk_ops) {
			c = container_of(obj, struct nab_chunk, obj);
			for_each_set_bit(slot, c->used, nab_class_slots(c->class)) {
				nab_uncharge(s, c->size[slot], false);
				nab_count_buffer(s, -1);
			}
			nab_chunk_destroy(s, c);
		} else {
			lb = container_of(obj, struct nab_large, obj);
			nab_uncharge(s, lb->size, true);
			nab_count_buffer(s, -1);
			nab_large_remove(s, lb);
			nab_large_destroy(lb);
		}
	}
	mutex_unlock(&s->lock);
}
