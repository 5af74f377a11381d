// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: page vectors.
 *
 * Every buffer of whole pages - a large buffer in an arena, an agent's
 * kernel-side buffer - keeps them in one struct nab_pages: the pages,
 * zeroed, and an array that grows geometrically, so that growing a page
 * at a time does not copy the array at every step.
 *
 * The pages come in blocks of up to 2^NAB_MAX_ORDER, which stay whole:
 * a block is one allocation of order > 0, not split and not compound,
 * whose first page (the head) holds the block's reference and its order
 * in page_private(); the others are counted by the head alone. Order-0
 * pages hold a reference each and page_private() 0. The array lists a
 * block's pages in order, head first, so the vector frees a block with
 * one __free_pages() and runs of order-0 pages with one release_pages(),
 * instead of a call per page. No one else takes a reference on these
 * pages: the arena maps them with PFN entries (arena.c) and the agents'
 * kernel mapping (vmap()) takes none. Dropping part of a block (a shrink)
 * splits it into order-0 pages first.
 *
 * Nothing here takes a lock. A vector that others read under a lock
 * (a large buffer's, read by the fault handler under the session lock)
 * grows in two steps: nab_pages_prepare() allocates everything with no
 * lock held, nab_pages_append() adds it under the lock without
 * allocating.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "netapibuf_internal.h"

#define NAB_GFP_PAGE	(NAB_GFP | __GFP_ZERO)

/* Blocks of up to 2^NAB_MAX_ORDER pages (see the top of this file). */
#define NAB_MAX_ORDER	8

/*
 * Higher orders are a convenience, as in the dma-buf system heap and
 * dma-iommu: taken only if free, never by reclaim or compaction, and
 * without the memcg's reclaim; order 0 then does what NAB_GFP says.
 */
#define NAB_GFP_HIGH_ORDER \
	((NAB_GFP_PAGE & ~(__GFP_RECLAIM | __GFP_RETRY_MAYFAIL)) | __GFP_NORETRY)

/* A smaller array, only if there is one at once: keeping the old is fine. */
#define NAB_GFP_SHRINK \
	((NAB_GFP & ~__GFP_RETRY_MAYFAIL) | __GFP_NORETRY)

/* Pages in the block @pages[0] heads: 1 for an order-0 page. */
static unsigned long nab_block_pages(struct page *page)
{
	return 1UL << page_private(page);
}

/**
 * nab_pages_poisoned() - whether a memory error hit one of some pages
 * @pages: the pages
 * @nr: how many
 *
 * The memory-failure handler marks a page it cannot take from its owner
 * (hard_offline_page, a machine check): it must not be used again, and
 * the page allocator keeps it out of use once it is freed (a block that
 * holds one too, when it would hand it out). So a session keeps no such
 * page for reuse (limits.c).
 *
 * Return: true if one of them is marked.
 */
bool nab_pages_poisoned(struct page **pages, unsigned long nr)
{
	while (nr--)
		if (PageHWPoison(pages[nr]))
			return true;
	return false;
}

/*
 * Free the pages of @pages[0..@nr), which start with a block's head or an
 * order-0 page and end with a block's last page: blocks whole, each run
 * of order-0 pages in one release_pages() (one memcg uncharge, one pass
 * to the per-CPU lists).
 */
static void nab_pages_put(struct page **pages, unsigned long nr)
{
	unsigned long i = 0, run = 0;
	unsigned int order;
	struct page *page;

	while (i < nr) {
		page = pages[i];
		order = page_private(page);
		if (!order) {
			i++;
			continue;
		}
		if (i > run)
			release_pages(pages + run, i - run);
		/* The allocator wants it 0 again (mainline checks). */
		set_page_private(page, 0);
		__free_pages(page, order);
		i += 1UL << order;
		run = i;
	}
	if (nr > run)
		release_pages(pages + run, nr - run);
}

/*
 * Make index @nr of @pages the start of a block or an order-0 page: a
 * block across it is split into order-0 pages. @pages holds @total pages.
 */
static void nab_pages_cut(struct page **pages, unsigned long total,
			  unsigned long nr)
{
	unsigned long i, n;
	struct page *page;

	for (i = 0; i < nr && i < total; i += n) {
		page = pages[i];
		n = nab_block_pages(page);
		if (i + n > nr) {
			split_page(page, page_private(page));
			set_page_private(page, 0);
			return;
		}
	}
}

/* Fill @pages with @nr fresh zeroed pages, or none. */
static int nab_pages_fill(struct page **pages, unsigned long nr)
{
	unsigned int order = NAB_MAX_ORDER;
	unsigned long i = 0, n;
	struct page *page;

	while (i < nr) {
		/* Up to 1 GiB of zeroing: let others run, and a kill stop it. */
		cond_resched();
		if (fatal_signal_pending(current))
			goto put_pages;
		order = min_t(unsigned int, order, __fls(nr - i));
		if (order) {
			page = alloc_pages(NAB_GFP_HIGH_ORDER, order);
			if (!page) {
				order--;	/* and the rest no higher */
				continue;
			}
			/* A block: its head says so (top of this file). */
			set_page_private(page, order);
		} else {
			page = alloc_page(NAB_GFP_PAGE);
			if (!page)
				goto put_pages;
		}
		for (n = 1UL << order; n; n--)
			pages[i++] = page++;
	}
	return 0;

put_pages:
	nab_pages_put(pages, i);
	return -ENOMEM;
}

/**
 * nab_pages_alloc_array() - an empty vector with room for @nr pages
 * @pv: the vector to fill in
 * @nr: room, at least 1
 *
 * Context: may sleep; allocates with NAB_GFP, so call it with no lock held.
 * Return: 0 or -ENOMEM; then @pv is empty.
 */
int nab_pages_alloc_array(struct nab_pages *pv, unsigned long nr)
{
	*pv = (struct nab_pages){};
	pv->pages = kvmalloc_array(nr, sizeof(*pv->pages), NAB_GFP);
	if (!pv->pages)
		return -ENOMEM;
	pv->cap = nr;
	return 0;
}

/**
 * nab_pages_init_fixed() - an empty vector on an array it does not own
 * @pv: the vector to fill in
 * @array: room for @cap page pointers, in the descriptor of @pv's owner,
 *	which outlives the vector's use of it
 * @cap: room, at least 1
 */
void nab_pages_init_fixed(struct nab_pages *pv, struct page **array,
			  unsigned long cap)
{
	*pv = (struct nab_pages){ .pages = array, .cap = cap, .fixed = true };
}

/**
 * nab_pages_fill_up() - fill the rest of a vector's array with zeroed pages
 * @pv: the vector; pages are added from @pv->nr to @pv->cap
 *
 * Context: may sleep; call it with no lock held.
 * Return: 0 or -ENOMEM; then @pv is unchanged.
 */
int nab_pages_fill_up(struct nab_pages *pv)
{
	if (nab_pages_fill(pv->pages + pv->nr, pv->cap - pv->nr))
		return -ENOMEM;
	pv->nr = pv->cap;
	return 0;
}

/**
 * nab_pages_alloc() - a new vector of zeroed pages
 * @pv: the vector to fill in
 * @nr: number of pages, at least 1
 *
 * Context: may sleep; allocates with NAB_GFP, so call it with no lock held.
 * Return: 0 or -ENOMEM; then @pv is empty.
 */
int nab_pages_alloc(struct nab_pages *pv, unsigned long nr)
{
	if (nab_pages_alloc_array(pv, nr))
		return -ENOMEM;
	if (nab_pages_fill_up(pv)) {
		kvfree(pv->pages);
		*pv = (struct nab_pages){};
		return -ENOMEM;
	}
	return 0;
}

/**
 * nab_pages_take() - move the last pages of one vector to the end of another
 * @to: the vector that gets them; its array has room for @nr more
 * @from: the vector they leave
 * @nr: how many, at most @from->nr
 *
 * A block across the cut is split first (nab_pages_cut()), so both
 * vectors keep whole blocks only. Allocates nothing: fine under a lock.
 */
void nab_pages_take(struct nab_pages *to, struct nab_pages *from,
		    unsigned long nr)
{
	unsigned long start = from->nr - nr;

	nab_pages_cut(from->pages, from->nr, start);
	memcpy(to->pages + to->nr, from->pages + start, nr * sizeof(*to->pages));
	to->nr += nr;
	from->nr = start;
}

/**
 * nab_pages_put_all() - free a vector's pages, keeping its array
 * @pv: the vector; it holds no page afterwards
 */
void nab_pages_put_all(struct nab_pages *pv)
{
	nab_pages_put(pv->pages, pv->nr);
	pv->nr = 0;
}

/* Fill @g->add with @nr pages; a few go in @g->few, no array allocated. */
static int nab_pages_growth_alloc(struct nab_pages_growth *g,
				  unsigned long nr)
{
	if (nr > NAB_GROWTH_FEW)
		return nab_pages_alloc(&g->add, nr);
	if (nab_pages_fill(g->few, nr))
		return -ENOMEM;
	g->add = (struct nab_pages){ .pages = g->few, .nr = nr, .cap = nr };
	return 0;
}

/**
 * nab_pages_release() - free a vector's pages and its array
 * @pv: the vector; empty afterwards
 */
void nab_pages_release(struct nab_pages *pv)
{
	nab_pages_put(pv->pages, pv->nr);
	if (!pv->fixed)
		kvfree(pv->pages);
	*pv = (struct nab_pages){};
}

/**
 * nab_pages_move() - hand a vector, pages and array, to a new owner
 * @to: empty; gets @from's pages
 * @from: empty afterwards; its array is its own (not @fixed)
 */
void nab_pages_move(struct nab_pages *to, struct nab_pages *from)
{
	/* A fixed array stays in its owner's descriptor. */
	WARN_ON_ONCE(from->fixed);
	*to = *from;
	*from = (struct nab_pages){};
}

/**
 * nab_pages_shrink() - drop the pages past the first @nr
 * @pv: the vector
 * @nr: pages to keep, at most @pv->nr
 *
 * A block with pages on both sides of @nr is split: those before stay,
 * as order-0 pages, the others are freed.
 *
 * An array with room for more than twice @nr pages is replaced by one of
 * @nr, if that can be had at once: the limits count room for twice a
 * vector's pages (limits.c). If not, or if the array is fixed (in the
 * owner's descriptor, where it costs nothing more), the array keeps its
 * capacity. The
 * new array is at most half the old one, so this allocates, under
 * whatever lock the caller holds, far less than it just freed.
 */
void nab_pages_shrink(struct nab_pages *pv, unsigned long nr)
{
	struct page **pages;

	nab_pages_cut(pv->pages, pv->nr, nr);
	nab_pages_put(pv->pages + nr, pv->nr - nr);
	pv->nr = nr;
	if (!nr || pv->fixed || pv->cap <= 2 * nr)
		return;
	pages = kvmalloc_array(nr, sizeof(*pages), NAB_GFP_SHRINK);
	if (!pages)
		return;
	memcpy(pages, pv->pages, nr * sizeof(*pages));
	kvfree(pv->pages);
	pv->pages = pages;
	pv->cap = nr;
}

/**
 * nab_pages_zero_tail() - zero what lies past @size in the pages already held
 * @pv: the vector, about to hold @new_size bytes of contents
 * @size: bytes of contents so far
 * @new_size: bytes of contents from now on
 *
 * Bytes past @size in the last page may have been written (by the user
 * through the mapping, or an agent); pages added afterwards come zeroed.
 * Call it before the vector grows.
 */
void nab_pages_zero_tail(struct nab_pages *pv, size_t size, size_t new_size)
{
	size_t end = min_t(size_t, new_size, (size_t)pv->nr << PAGE_SHIFT);
	size_t len;

	for (; size < end; size += len) {
		len = min_t(size_t, end - size, PAGE_SIZE - offset_in_page(size));
		memzero_page(pv->pages[size >> PAGE_SHIFT],
			     offset_in_page(size), len);
	}
}

/**
 * nab_pages_zero() - zero every page of a vector
 * @pv: the vector
 *
 * What the page allocator does for __GFP_ZERO (clear_page() a page), for
 * pages used again.
 */
void nab_pages_zero(struct nab_pages *pv)
{
	unsigned long i;

	for (i = 0; i < pv->nr; i++)
		clear_highpage(pv->pages[i]);
}

/**
 * nab_pages_prepare() - allocate what growing a vector takes
 * @g: filled in: the new pages and, if the array is too small, a bigger one
 * @nr: pages the vector holds now
 * @cap: room in its array now
 * @new_nr: pages it is to hold, more than @nr
 *
 * Context: may sleep; call it with no lock held.
 * Return: 0 or -ENOMEM; then @g holds nothing.
 */
int nab_pages_prepare(struct nab_pages_growth *g, unsigned long nr,
		      unsigned long cap, unsigned long new_nr)
{
	*g = (struct nab_pages_growth){};
	if (new_nr > cap) {
		g->room.cap = max(new_nr, 2 * cap);
		g->room.pages = kvmalloc_array(g->room.cap, sizeof(*g->room.pages),
					       NAB_GFP);
		if (!g->room.pages)
			return -ENOMEM;
	}
	if (nab_pages_growth_alloc(g, new_nr - nr)) {
		nab_pages_release(&g->room);
		return -ENOMEM;
	}
	return 0;
}

/**
 * nab_pages_growth_fits() - whether a prepared growth takes @pv to @new_nr
 * @g: prepared by nab_pages_prepare()
 * @pv: the vector as it is now
 * @new_nr: pages it is to hold
 */
bool nab_pages_growth_fits(const struct nab_pages_growth *g,
			   const struct nab_pages *pv, unsigned long new_nr)
{
	return new_nr > pv->nr && g->add.nr == new_nr - pv->nr &&
	       (pv->cap >= new_nr || g->room.cap >= new_nr);
}

/**
 * nab_pages_append() - add prepared pages to a vector, allocating nothing
 * @pv: the vector
 * @g: a growth that fits @pv (nab_pages_growth_fits()); afterwards it
 *	holds only what nab_pages_growth_release() must free (an old array)
 */
void nab_pages_append(struct nab_pages *pv, struct nab_pages_growth *g)
{
	unsigned long new_nr = pv->nr + g->add.nr;

	if (new_nr > pv->cap) {
		memcpy(g->room.pages, pv->pages, pv->nr * sizeof(*pv->pages));
		swap(pv->pages, g->room.pages);
		swap(pv->cap, g->room.cap);
		/* A fixed array stays in the descriptor that holds it. */
		if (pv->fixed) {
			g->room = (struct nab_pages){};
			pv->fixed = false;
		}
	}
	memcpy(pv->pages + pv->nr, g->add.pages, g->add.nr * sizeof(*pv->pages));
	pv->nr = new_nr;
	/* The pages are @pv's now: only the arrays are left to free. */
	g->add.nr = 0;
}

/**
 * nab_pages_growth_release() - free what a growth still holds
 * @g: prepared, appended or not
 */
void nab_pages_growth_release(struct nab_pages_growth *g)
{
	if (g->add.pages == g->few)
		nab_pages_put(g->few, g->add.nr);
	else
		nab_pages_release(&g->add);
	/* room holds no pages: at most an array, @pv's old one after append. */
	kvfree(g->room.pages);
	g->add = (struct nab_pages){};
	g->room = (struct nab_pages){};
}

/**
 * nab_pages_grow() - add zeroed pages to a vector no one else reads
 * @pv: the vector
 * @new_nr: pages it is to hold, more than @pv->nr
 *
 * Context: may sleep.
 * Return: 0 or -ENOMEM; then @pv is unchanged.
 */
int nab_pages_grow(struct nab_pages *pv, unsigned long new_nr)
{
	struct nab_pages_growth g;
	int ret;

	ret = nab_pages_prepare(&g, pv->nr, pv->cap, new_nr);
	if (ret)
		return ret;
	nab_pages_append(pv, &g);
	nab_pages_growth_release(&g);
	return 0;
}
