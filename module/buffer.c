// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: buffers in a session's arena.
 *
 * The arena is a range of page indices; the session's space tree maps each
 * index in use to what occupies it:
 *
 * - a chunk: one page cut into equal slots of one size class (16 bytes to
 *   half a page), holding small buffers of this session only;
 * - a large buffer: whole pages of its own, which are unmapped when it is
 *   freed, so touching a freed large buffer faults.
 *
 * A buffer's handle is its user address: arena base + page index * page
 * size + slot offset. All pages come from the page allocator, zeroed and
 * charged to the caller's memory cgroup; slab memory is never mapped.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "netapibuf_internal.h"

/* Occupies the arena's first pages; see nab_session_create(). */
struct nab_obj nab_guard = { .kind = NAB_GUARD };

#define NAB_GFP_PAGE	(NAB_GFP | __GFP_ZERO)

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

static unsigned long nab_addr(struct nab_session *s, pgoff_t pgoff,
			      size_t offset)
{
	return s->arena_base + (pgoff << PAGE_SHIFT) + offset;
}

/* Find room for @nr pages in the arena and make @obj occupy it. */
static int nab_space_insert(struct nab_session *s, struct nab_obj *obj,
			    unsigned long nr)
{
	MA_STATE(mas, &s->space, 0, 0);
	int ret;

	lockdep_assert_held(&s->lock);

	mtree_lock(&s->space);
	ret = mas_empty_area(&mas, NAB_GUARD_PAGES, s->arena_pages - 1, nr);
	mtree_unlock(&s->space);
	if (ret)
		return -ENOSPC;

	/* s->lock keeps every other writer out, so the gap is still free. */
	ret = mtree_store_range(&s->space, mas.index, mas.index + nr - 1, obj,
				NAB_GFP);
	if (ret)
		return ret;
	obj->pgoff = mas.index;
	return 0;
}

static void nab_space_remove(struct nab_session *s, struct nab_obj *obj,
			     unsigned long nr)
{
	lockdep_assert_held(&s->lock);
	/*
	 * Removal may need a tree node; it must not fail, or the tree would
	 * keep pointing at a freed object.
	 */
	mtree_store_range(&s->space, obj->pgoff, obj->pgoff + nr - 1, NULL,
			  GFP_KERNEL | __GFP_NOFAIL);
}

/**
 * nab_obj_lookup() - what occupies an arena page
 * @s: the session, locked
 * @pgoff: page index in the arena
 *
 * Return: the chunk, large buffer or guard at @pgoff, or NULL.
 */
struct nab_obj *nab_obj_lookup(struct nab_session *s, pgoff_t pgoff)
{
	lockdep_assert_held(&s->lock);
	return mtree_load(&s->space, pgoff);
}

/* A buffer found by its address: a slot of a chunk or a large buffer. */
struct nab_ref {
	struct nab_chunk *chunk;
	unsigned int slot;
	struct nab_large *large;
};

static size_t nab_ref_size(const struct nab_ref *ref)
{
	if (ref->chunk)
		return ref->chunk->size[ref->slot];
	return ref->large->size;
}

/* Only the exact start of a live buffer of @s names it. */
static int nab_find(struct nab_session *s, unsigned long addr,
		    struct nab_ref *ref)
{
	unsigned long offset, in_page;
	struct nab_chunk *c;
	struct nab_obj *obj;
	size_t slot_size;

	lockdep_assert_held(&s->lock);

	if (!s->arena_base || addr < s->arena_base ||
	    addr - s->arena_base >= s->arena_pages << PAGE_SHIFT)
		return -EINVAL;
	offset = addr - s->arena_base;
	in_page = offset & ~PAGE_MASK;

	obj = nab_obj_lookup(s, offset >> PAGE_SHIFT);
	if (!obj)
		return -EINVAL;

	switch (obj->kind) {
	case NAB_CHUNK:
		c = container_of(obj, struct nab_chunk, obj);
		slot_size = nab_class_size(c->class);
		if (in_page % slot_size)
			return -EINVAL;
		ref->chunk = c;
		ref->slot = in_page / slot_size;
		ref->large = NULL;
		if (!test_bit(ref->slot, c->used))
			return -EINVAL;
		return 0;
	case NAB_LARGE:
		if (in_page || obj->pgoff != offset >> PAGE_SHIFT)
			return -EINVAL;
		ref->chunk = NULL;
		ref->large = container_of(obj, struct nab_large, obj);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Chunks: one page of small slots. */

static struct nab_chunk *nab_chunk_new(struct nab_session *s,
				       unsigned int class)
{
	unsigned int slots = nab_class_slots(class);
	struct nab_chunk *c;
	int ret;

	c = kzalloc(struct_size(c, size, slots), NAB_GFP);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->obj.kind = NAB_CHUNK;
	c->class = class;
	INIT_LIST_HEAD(&c->partial);

	c->page = alloc_page(NAB_GFP_PAGE);
	if (!c->page) {
		ret = -ENOMEM;
		goto free_chunk;
	}

	ret = nab_space_insert(s, &c->obj, 1);
	if (ret)
		goto free_page;

	/* From here the space tree owns the chunk. */
	list_add(&c->partial, &s->partial[class]);
	nab_count_pages(s, 1);
	return c;

free_page:
	__free_page(c->page);
free_chunk:
	kfree(c);
	return ERR_PTR(ret);
}

static void nab_chunk_destroy(struct nab_session *s, struct nab_chunk *c)
{
	lockdep_assert_held(&s->lock);

	list_del(&c->partial);
	nab_space_remove(s, &c->obj, 1);
	nab_unmap_pages(s, c->obj.pgoff, &c->page, 1);
	/* Mappings are gone: ours is the last reference. */
	__free_page(c->page);
	nab_count_pages(s, -1);
	kfree(c);
}

static int nab_small_alloc(struct nab_session *s, size_t size,
			   struct nab_ref *ref)
{
	unsigned int class = nab_class_of(size);
	unsigned int slot, slots = nab_class_slots(class);
	struct nab_chunk *c;

	lockdep_assert_held(&s->lock);

	c = list_first_entry_or_null(&s->partial[class], struct nab_chunk,
				     partial);
	if (!c) {
		c = nab_chunk_new(s, class);
		if (IS_ERR(c))
			return PTR_ERR(c);
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
	if (c->nr_used-- == slots)
		list_add(&c->partial, &s->partial[c->class]);

	/*
	 * Keep one empty chunk per class, so that a loop of allocate and
	 * free does not get and map a fresh page every time.
	 */
	if (!c->nr_used && !list_is_singular(&s->partial[c->class]))
		nab_chunk_destroy(s, c);
}

/* Large buffers: pages of their own. */

void nab_pages_free(struct page **pages, unsigned long nr)
{
	while (nr--)
		__free_page(pages[nr]);
}

/*
 * Blocks of up to 2^NAB_MAX_ORDER pages: one allocation and one zeroing
 * loop per block instead of per page. They are split right away, so
 * every page is an order-0 page of its own, to map, move and free.
 */
#define NAB_MAX_ORDER	8

/*
 * Higher orders are a convenience, as in the dma-buf system heap and
 * dma-iommu: taken only if free, never by reclaim or compaction, and
 * without the memcg's reclaim; order 0 then does what NAB_GFP says.
 */
#define NAB_GFP_HIGH_ORDER \
	((NAB_GFP_PAGE & ~(__GFP_RECLAIM | __GFP_RETRY_MAYFAIL)) | __GFP_NORETRY)

int nab_pages_alloc(struct page **pages, unsigned long nr)
{
	unsigned int order = NAB_MAX_ORDER;
	unsigned long i = 0, n;
	struct page *page;

	while (i < nr) {
		if (fatal_signal_pending(current))
			goto free_pages;
		order = min_t(unsigned int, order, __fls(nr - i));
		if (order) {
			page = alloc_pages(NAB_GFP_HIGH_ORDER, order);
			if (!page) {
				order--;	/* and the rest no higher */
				continue;
			}
			split_page(page, order);
		} else {
			page = alloc_page(NAB_GFP_PAGE);
			if (!page)
				goto free_pages;
		}
		for (n = 1UL << order; n; n--)
			pages[i++] = page++;
	}
	return 0;

free_pages:
	nab_pages_free(pages, i);
	return -ENOMEM;
}

/* A large buffer's descriptor and page array, for @nr pages not yet there. */
static struct nab_large *nab_large_new(size_t size, unsigned long nr)
{
	struct nab_large *lb;

	lb = kzalloc(sizeof(*lb), NAB_GFP);
	if (!lb)
		return NULL;
	lb->obj.kind = NAB_LARGE;
	lb->size = size;
	lb->nr_pages = nr;
	lb->cap = nr;
	lb->pages = kvmalloc_array(nr, sizeof(*lb->pages), NAB_GFP);
	if (!lb->pages) {
		kfree(lb);
		return NULL;
	}
	return lb;
}

static int nab_large_alloc(struct nab_session *s, size_t size,
			   struct nab_ref *ref)
{
	unsigned long nr = DIV_ROUND_UP(size, PAGE_SIZE);
	struct nab_large *lb;
	int ret;

	lockdep_assert_held(&s->lock);

	lb = nab_large_new(size, nr);
	if (!lb)
		return -ENOMEM;

	ret = nab_pages_alloc(lb->pages, nr);
	if (ret)
		goto free_array;

	ret = nab_space_insert(s, &lb->obj, nr);
	if (ret)
		goto free_pages;

	/* From here the space tree owns the buffer. */
	nab_count_pages(s, nr);
	ref->chunk = NULL;
	ref->large = lb;
	return 0;

free_pages:
	nab_pages_free(lb->pages, nr);
free_array:
	kvfree(lb->pages);
	kfree(lb);
	return ret;
}

static void nab_large_free(struct nab_session *s, struct nab_large *lb)
{
	lockdep_assert_held(&s->lock);

	nab_space_remove(s, &lb->obj, lb->nr_pages);
	nab_unmap_pages(s, lb->obj.pgoff, lb->pages, lb->nr_pages);
	nab_pages_free(lb->pages, lb->nr_pages);
	nab_count_pages(s, -(long)lb->nr_pages);
	kvfree(lb->pages);
	kfree(lb);
}

/*
 * Resize a large buffer to @size > NAB_SMALL_MAX. The pages it keeps are
 * never copied: it grows in place when the arena pages after it are free,
 * and otherwise its pages move to a new range of the arena.
 */
static int nab_large_resize(struct nab_session *s, struct nab_large *lb,
			    size_t size)
{
	unsigned long nr = DIV_ROUND_UP(size, PAGE_SIZE);
	unsigned long old_nr = lb->nr_pages;
	unsigned long index, old_pgoff = lb->obj.pgoff, cap;
	struct page **pages;
	int ret;

	lockdep_assert_held(&s->lock);

	/*
	 * Growing: the rest of the old last page, past the old size, may
	 * hold user writes; pages added below come zeroed.
	 */
	if (size > lb->size && offset_in_page(lb->size)) {
		size_t end = min_t(size_t, size, round_up(lb->size, PAGE_SIZE));

		memset(page_address(lb->pages[lb->size >> PAGE_SHIFT]) +
		       offset_in_page(lb->size), 0, end - lb->size);
	}

	if (nr == old_nr) {
		lb->size = size;
		return 0;
	}

	if (nr < old_nr) {
		nab_space_remove(s, &(struct nab_obj){ .pgoff = old_pgoff + nr },
				 old_nr - nr);
		nab_unmap_pages(s, old_pgoff + nr, lb->pages + nr,
				old_nr - nr);
		nab_pages_free(lb->pages + nr, old_nr - nr);
		nab_count_pages(s, -(long)(old_nr - nr));
		lb->nr_pages = nr;
		lb->size = size;
		return 0;
	}

	/*
	 * The page array grows geometrically, so that growing a page at a
	 * time does not copy the array at every step.
	 */
	cap = lb->cap;
	pages = lb->pages;
	if (nr > cap) {
		cap = max(nr, 2 * lb->cap);
		pages = kvmalloc_array(cap, sizeof(*pages), NAB_GFP);
		if (!pages)
			return -ENOMEM;
	}
	ret = nab_pages_alloc(pages + old_nr, nr - old_nr);
	if (ret)
		goto free_array;

	index = old_pgoff + old_nr;
	if (old_pgoff + nr <= s->arena_pages &&
	    !mt_find(&s->space, &index, old_pgoff + nr - 1)) {
		/* The pages after it are free: grow in place. */
		ret = mtree_store_range(&s->space, old_pgoff,
					old_pgoff + nr - 1, &lb->obj,
					NAB_GFP);
		if (ret)
			goto free_pages;
	} else {
		ret = nab_space_insert(s, &lb->obj, nr);
		if (ret) {
			lb->obj.pgoff = old_pgoff;
			goto free_pages;
		}
		nab_space_remove(s, &(struct nab_obj){ .pgoff = old_pgoff },
				 old_nr);
		nab_unmap_pages(s, old_pgoff, lb->pages, old_nr);
	}

	if (pages != lb->pages) {
		memcpy(pages, lb->pages, old_nr * sizeof(*pages));
		kvfree(lb->pages);
		lb->pages = pages;
		lb->cap = cap;
	}
	lb->nr_pages = nr;
	lb->size = size;
	nab_count_pages(s, nr - old_nr);
	return 0;

free_pages:
	nab_pages_free(pages + old_nr, nr - old_nr);
free_array:
	if (pages != lb->pages)
		kvfree(pages);
	return ret;
}

static int nab_ref_alloc(struct nab_session *s, size_t size,
			 struct nab_ref *ref)
{
	if (size <= NAB_SMALL_MAX)
		return nab_small_alloc(s, size, ref);
	return nab_large_alloc(s, size, ref);
}

static void nab_ref_free(struct nab_session *s, struct nab_ref *ref)
{
	if (ref->chunk)
		nab_small_free(s, ref->chunk, ref->slot);
	else
		nab_large_free(s, ref->large);
}

static unsigned long nab_ref_addr(struct nab_session *s,
				  const struct nab_ref *ref)
{
	if (ref->chunk)
		return nab_addr(s, ref->chunk->obj.pgoff,
				ref->slot * nab_class_size(ref->chunk->class));
	return nab_addr(s, ref->large->obj.pgoff, 0);
}

/* Kernel address of the first bytes of a buffer; they fit in one page. */
static void *nab_ref_head(const struct nab_ref *ref)
{
	if (ref->chunk)
		return nab_slot_ptr(ref->chunk, ref->slot);
	return page_address(ref->large->pages[0]);
}

static int nab_check_size(u64 size)
{
	if (size > READ_ONCE(nab_max_buffer_bytes))
		return -EDQUOT;
	return 0;
}

/**
 * nab_buf_alloc() - allocate a zeroed buffer in a session's arena
 * @s: the session, with its arena mapped
 * @size: bytes; 0 gives a buffer of size 0 that still has an address
 * @addr: where to store the buffer's user address
 *
 * Return: 0, or -ENXIO (arena not mapped), -EDQUOT (a limit), -ENOMEM,
 * -ENOSPC (arena full).
 */
int nab_buf_alloc(struct nab_session *s, u64 size, unsigned long *addr)
{
	struct nab_ref ref;
	int ret;

	ret = nab_check_size(size);
	if (ret)
		goto fail;

	mutex_lock(&s->lock);
	if (!s->arena_base) {
		ret = -ENXIO;
		goto unlock;
	}
	ret = nab_charge(s, size);
	if (ret)
		goto unlock;
	ret = nab_ref_alloc(s, size, &ref);
	if (ret) {
		nab_uncharge(s, size);
		goto unlock;
	}
	nab_count_buffer(s, 1);
	*addr = nab_ref_addr(s, &ref);
unlock:
	mutex_unlock(&s->lock);
fail:
	if (ret)
		atomic64_inc(&nab_stats.alloc_failures);
	return ret;
}

/**
 * nab_buf_adopt() - make pages a new large buffer of a session
 * @s: the session, with its arena mapped
 * @pages: the pages; each gets a reference of the session's own
 * @nr: number of pages, at least 1
 * @size: the buffer's size, at most @nr pages
 * @addr: where to store the buffer's user address
 *
 * The caller keeps its own references and may go on writing the pages.
 *
 * Return: 0, or -ENXIO, -EDQUOT, -ENOMEM, -ENOSPC.
 */
int nab_buf_adopt(struct nab_session *s, struct page **pages,
		  unsigned long nr, size_t size, unsigned long *addr)
{
	struct nab_large *lb;
	unsigned long i;
	int ret;

	ret = nab_check_size(size);
	if (ret)
		return ret;

	lb = nab_large_new(size, nr);
	if (!lb)
		return -ENOMEM;
	memcpy(lb->pages, pages, nr * sizeof(*pages));

	mutex_lock(&s->lock);
	if (!s->arena_base) {
		ret = -ENXIO;
		goto unlock;
	}
	ret = nab_charge(s, size);
	if (ret)
		goto unlock;
	ret = nab_space_insert(s, &lb->obj, nr);
	if (ret) {
		nab_uncharge(s, size);
		goto unlock;
	}
	/* From here the space tree owns the buffer, with its references. */
	for (i = 0; i < nr; i++)
		get_page(pages[i]);
	nab_count_pages(s, nr);
	nab_count_buffer(s, 1);
	*addr = nab_addr(s, lb->obj.pgoff, 0);
	mutex_unlock(&s->lock);
	return 0;

unlock:
	mutex_unlock(&s->lock);
	kvfree(lb->pages);
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
	struct nab_ref ref;
	int ret;

	mutex_lock(&s->lock);
	ret = nab_find(s, addr, &ref);
	if (!ret) {
		nab_uncharge(s, nab_ref_size(&ref));
		nab_count_buffer(s, -1);
		nab_ref_free(s, &ref);
	}
	mutex_unlock(&s->lock);
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
			size_t size)
{
	size_t old = nab_ref_size(ref);
	struct nab_ref new;
	int ret;

	ret = nab_ref_alloc(s, size, &new);
	if (ret)
		return ret;
	/* One side is small, so what is kept fits in the first page. */
	memcpy(nab_ref_head(&new), nab_ref_head(ref), min(old, size));
	nab_ref_free(s, ref);
	*ref = new;
	return 0;
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
	struct nab_ref ref;
	size_t old;
	int ret;

	mutex_lock(&s->lock);
	ret = nab_find(s, addr, &ref);
	if (ret)
		goto unlock;

	ret = nab_check_size(size);
	if (ret)
		goto unlock;

	old = nab_ref_size(&ref);
	if (size > old) {
		ret = nab_charge(s, size - old);
		if (ret)
			goto unlock;
	}

	if (ref.chunk && nab_class_of(size) == ref.chunk->class &&
	    size <= NAB_SMALL_MAX) {
		if (size > old)
			memset(nab_ref_head(&ref) + old, 0, size - old);
		ref.chunk->size[ref.slot] = size;
	} else if (ref.large && size > NAB_SMALL_MAX) {
		ret = nab_large_resize(s, ref.large, size);
	} else {
		ret = nab_ref_move(s, &ref, size);
	}

	if (ret) {
		if (size > old)
			nab_uncharge(s, size - old);
		goto unlock;
	}
	if (size < old)
		nab_uncharge(s, old - size);
	*new_addr = nab_ref_addr(s, &ref);
unlock:
	mutex_unlock(&s->lock);
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
	unsigned long index = NAB_GUARD_PAGES;
	struct nab_obj *obj;
	unsigned int slot;

	mutex_lock(&s->lock);
	mt_for_each(&s->space, obj, index, s->arena_pages) {
		if (obj->kind == NAB_CHUNK) {
			struct nab_chunk *c = container_of(obj, struct nab_chunk,
							   obj);

			for_each_set_bit(slot, c->used, nab_class_slots(c->class)) {
				nab_uncharge(s, c->size[slot]);
				nab_count_buffer(s, -1);
			}
			nab_chunk_destroy(s, c);
		} else if (obj->kind == NAB_LARGE) {
			struct nab_large *lb = container_of(obj, struct nab_large,
							    obj);

			nab_uncharge(s, lb->size);
			nab_count_buffer(s, -1);
			nab_large_free(s, lb);
		}
	}
	mutex_unlock(&s->lock);
}
