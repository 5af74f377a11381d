// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: the arena - the space tree, the guard, mmap and faults.
 *
 * The arena is a range of page indices, mapped once, as a whole, at mmap
 * offset 0 of the session. The session's space tree maps each index in
 * use to the object that occupies it (a chunk of small buffers or a large
 * buffer, buffer.c); the first NAB_GUARD_PAGES are the guard, never handed
 * out. An object tells the arena nothing but its pages, through its
 * ops->pages(); what it is and how it keeps them is its own business.
 *
 * Nothing is mapped up front. The fault handler hands the page under the
 * faulting address to the core in vmf->page, with a reference that the
 * page table entry takes over, and the core installs the entry (as for
 * ALSA's snd_pcm_mmap_data_fault()): it allocates the page table itself
 * and retries the fault if that table went away meanwhile - which since
 * 6.14 a MADV_DONTNEED in another thread may do (commit 6375e95f381e,
 * "mm: pgtable: reclaim empty PTE page in madvise(MADV_DONTNEED)",
 * CONFIG_PT_RECLAIM). A fault on an address that no live buffer covers
 * gets SIGBUS.
 *
 * Pages leave the arena (buffer freed, shrunk or moved) only through
 * nab_arena_release(), which removes them from the tree and from every
 * mapping in one call, with the session locked. The entry for a faulting
 * page is installed after nab_fault() has returned, outside the session
 * lock. The page lock closes the gap, as it does for the page cache
 * between filemap_fault() and truncation:
 *
 * - nab_fault() looks the page up and locks it with the session locked,
 *   and returns VM_FAULT_LOCKED; the core unlocks the page only once the
 *   entry is in place or the fault gave up;
 * - nab_arena_release(), still with the session locked, removes the range
 *   from the tree, then locks and unlocks each of its pages before it
 *   unmaps the range.
 *
 * So a fault that found a page before it left has its entry in place
 * before the unmap that removes it, and a later fault does not find the
 * page: no entry for a page outlives its place in the arena, and a freed
 * buffer's address gets SIGBUS. The page locks nest inside the session
 * lock; the core calls nothing of ours while it holds one (no
 * .page_mkwrite, no .map_pages), so nothing waits for the session lock
 * with a page locked.
 *
 * A large buffer's next pages are mapped ahead by the same fault (buffers
 * are used whole), inserted with vm_insert_pages() under the session
 * lock, where nab_arena_release() finds them like any other entry. That
 * is only an optimisation: a neighbour that cannot be inserted (mapped
 * already, its page table freed under it, no memory for one) is left to
 * its own fault, and its error never reaches the faulting thread.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "compat.h"
#include "netapibuf_internal.h"

/* Most pages of a large buffer one fault maps. */
#define NAB_FAULT_AROUND	32

/* Occupies the arena's first pages; has no pages. */
static struct nab_obj nab_guard;

/**
 * nab_arena_init() - an empty space tree but for the guard
 * @s: the new session, with @s->arena_pages set
 *
 * The guard keeps the tree from ever being empty and puts the first
 * buffer well away from the arena's start.
 *
 * Return: 0 or -ENOMEM.
 */
int nab_arena_init(struct nab_session *s)
{
	int ret;

	mt_init_flags(&s->space, MT_FLAGS_ALLOC_RANGE);
	ret = mtree_store_range(&s->space, 0, NAB_GUARD_PAGES - 1, &nab_guard,
				NAB_GFP);
	if (ret)
		mtree_destroy(&s->space);
	return ret;
}

/**
 * nab_arena_destroy() - free the space tree
 * @s: the session; every object has left the arena
 */
void nab_arena_destroy(struct nab_session *s)
{
	mtree_destroy(&s->space);
}

static struct nab_obj *nab_arena_load(struct nab_session *s, pgoff_t pgoff)
{
	struct nab_obj *obj;

	lockdep_assert_held(&s->lock);
	obj = mtree_load(&s->space, pgoff);
	return obj == &nab_guard ? NULL : obj;
}

/**
 * nab_arena_at() - the object at a user address
 * @s: the session, locked
 * @addr: a user address
 * @offset: where to store @addr's offset in bytes from the object's start
 *
 * Return: the object, or NULL (arena not mapped, outside it, the guard, a
 * free page).
 */
struct nab_obj *nab_arena_at(struct nab_session *s, unsigned long addr,
			     unsigned long *offset)
{
	struct nab_obj *obj;
	unsigned long off;

	if (!s->arena_base || addr < s->arena_base ||
	    addr - s->arena_base >= s->arena_pages << PAGE_SHIFT)
		return NULL;
	off = addr - s->arena_base;
	obj = nab_arena_load(s, off >> PAGE_SHIFT);
	if (obj)
		*offset = off - (obj->pgoff << PAGE_SHIFT);
	return obj;
}

/**
 * nab_arena_next() - walk the objects of an arena
 * @s: the session, locked
 * @pgoff: where to start; set past the object found
 *
 * Return: the first object at or after @pgoff, or NULL.
 */
struct nab_obj *nab_arena_next(struct nab_session *s, pgoff_t *pgoff)
{
	struct nab_obj *obj;

	lockdep_assert_held(&s->lock);
	do {
		obj = mt_find(&s->space, pgoff, s->arena_pages);
	} while (obj == &nab_guard);
	return obj;
}

/**
 * nab_arena_pages_at() - the pages from an arena index on
 * @s: the session, locked
 * @pgoff: page index in the arena
 * @nr: where to store how many pages of the same object follow from
 *	@pgoff on, @pgoff's own included
 *
 * Return: the object's pages from @pgoff's on, or NULL if no buffer
 * covers @pgoff.
 */
struct page **nab_arena_pages_at(struct nab_session *s, pgoff_t pgoff,
				 unsigned long *nr)
{
	struct nab_obj *obj = nab_arena_load(s, pgoff);

	return obj ? obj->ops->pages(obj, pgoff - obj->pgoff, nr) : NULL;
}

/**
 * nab_arena_insert() - place an object in free arena space
 * @s: the session, locked
 * @obj: the object, with its ops set; gets its place in @obj->pgoff
 * @nr: pages it covers
 *
 * Return: 0, -ENOSPC (no room) or -ENOMEM (no tree node).
 */
int nab_arena_insert(struct nab_session *s, struct nab_obj *obj,
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

/* Wait for faults that found the pages, then unmap them. */
static void nab_arena_unmap(struct nab_session *s, pgoff_t pgoff,
			    struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		lock_page(pages[i]);
		unlock_page(pages[i]);
	}
	unmap_mapping_range(s->mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 1);
}

/* Make pages [pgoff, pgoff + nr) free space again; it cannot fail. */
static void nab_arena_clear(struct nab_session *s, pgoff_t pgoff,
			    unsigned long nr)
{
	/*
	 * Removal may need a tree node; it must not fail, or the tree would
	 * keep pointing at a freed object.
	 */
	mtree_store_range(&s->space, pgoff, pgoff + nr - 1, NULL,
			  GFP_KERNEL | __GFP_NOFAIL);
}

/**
 * nab_arena_release() - take pages of an object out of the arena
 * @s: the session, locked
 * @obj: the object
 * @index: its first page to go, counted from @obj's first
 * @nr: pages to go
 *
 * Removes the pages from the space tree, waits (by taking each page lock)
 * for any fault that found one of them before and has yet to install its
 * entry, and unmaps them (see the top of this file). On return no page
 * table maps them at these indices and the TLBs are flushed, so the
 * caller may free them; they are still the object's until it does.
 */
void nab_arena_release(struct nab_session *s, struct nab_obj *obj,
		       unsigned long index, unsigned long nr)
{
	unsigned long have;
	struct page **pages;

	lockdep_assert_held(&s->lock);
	pages = obj->ops->pages(obj, index, &have);
	if (WARN_ON_ONCE(!pages || have < nr))
		return;
	nab_arena_clear(s, obj->pgoff + index, nr);
	nab_arena_unmap(s, obj->pgoff + index, pages, nr);
}

/**
 * nab_arena_grow() - give an object more pages of arena, keeping its pages
 * @s: the session, locked
 * @obj: the object, covering @nr pages
 * @nr: pages it covers now; these keep their contents
 * @new_nr: pages it is to cover, more than @nr
 *
 * It grows in place when the arena after it is free, and otherwise moves
 * to a new range (its pages unmapped from the old one, @obj->pgoff
 * updated). The object's pages past @nr must be in place before the
 * session is unlocked.
 *
 * Return: 0, -ENOSPC or -ENOMEM; then nothing changed.
 */
int nab_arena_grow(struct nab_session *s, struct nab_obj *obj,
		   unsigned long nr, unsigned long new_nr)
{
	pgoff_t old_pgoff = obj->pgoff, index = old_pgoff + nr;
	unsigned long have;
	struct page **pages;
	int ret;

	lockdep_assert_held(&s->lock);

	if (old_pgoff + new_nr <= s->arena_pages &&
	    !mt_find(&s->space, &index, old_pgoff + new_nr - 1))
		/* The pages after it are free: grow in place. */
		return mtree_store_range(&s->space, old_pgoff,
					 old_pgoff + new_nr - 1, obj, NAB_GFP);

	pages = obj->ops->pages(obj, 0, &have);
	if (WARN_ON_ONCE(!pages || have < nr))
		return -EINVAL;
	ret = nab_arena_insert(s, obj, new_nr);
	if (ret)
		return ret;
	/* From its new place on the object's pages leave the old one. */
	nab_arena_clear(s, old_pgoff, nr);
	nab_arena_unmap(s, old_pgoff, pages, nr);
	return 0;
}

/* Map the pages after the faulting one, best effort (see above). */
static void nab_map_ahead(struct vm_fault *vmf, struct page **pages,
			  unsigned long nr)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = (vmf->address & PAGE_MASK) + PAGE_SIZE;

	nr = min3(nr, (vma->vm_end - addr) >> PAGE_SHIFT,
		  (unsigned long)NAB_FAULT_AROUND - 1);
	if (nr)
		vm_insert_pages(vma, addr, pages, &nr);
}

static vm_fault_t nab_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nab_session *s = vma->vm_private_data;
	struct page **pages, *page = NULL;
	unsigned long nr;

	/* VM_DONTCOPY | VM_IO keep other processes out; be sure of it. */
	if (vma->vm_mm != s->mm)
		return VM_FAULT_SIGBUS;

	mutex_lock(&s->lock);
	pages = nab_arena_pages_at(s, vmf->pgoff, &nr);
	if (pages) {
		nab_map_ahead(vmf, pages + 1, nr - 1);
		page = pages[0];
		get_page(page);
		lock_page(page);
	}
	mutex_unlock(&s->lock);
	if (!page)
		return VM_FAULT_SIGBUS;

	/*
	 * A memory error: SIGBUS, without the core's page cache handling
	 * of one, which expects a page->mapping that ours lack.
	 */
	if (unlikely(PageHWPoison(page))) {
		unlock_page(page);
		put_page(page);
		return VM_FAULT_HWPOISON;
	}
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/* Buffer addresses are arena base + offset: the arena must not move. */
static int nab_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

/*
 * Nor be cut: munmap, mprotect, mlock or an mremap shrink of part of it
 * fail, so the arena is always one VMA, mapped or unmapped as a whole.
 */
static int nab_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct nab_vm_ops = {
	.fault = nab_fault,
	.mremap = nab_mremap,
	.may_split = nab_may_split,
};

/**
 * nab_mmap() - map a session's arena
 * @file: the session's file
 * @vma: the new mapping: offset 0, the arena's full size, MAP_SHARED
 *
 * Return: 0, -EPERM (another process's session, or PROT_EXEC), -EINVAL
 * (wrong offset, size or MAP_PRIVATE), -EBUSY (already mapped once).
 */
int nab_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nab_session *s = file->private_data;
	int ret = 0;

	if (vma->vm_mm != s->mm)
		return -EPERM;
	if (vma->vm_pgoff || vma_pages(vma) != s->arena_pages ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	mutex_lock(&s->lock);
	if (s->arena_base)
		ret = -EBUSY;
	else
		s->arena_base = vma->vm_start;
	mutex_unlock(&s->lock);
	if (ret)
		return ret;

	/*
	 * VM_MIXEDMAP: vm_insert_pages(), which maps ahead from the fault
	 * handler, needs it set here (else it sets it itself, which needs
	 * mmap_lock held for writing). The faulting page itself goes back
	 * through vmf->page, which the core maps in any VMA.
	 * VM_DONTCOPY: a child of fork() does not get the parent's buffers.
	 * VM_IO: and cannot get them back with madvise(MADV_DOFORK); it also
	 * keeps get_user_pages() away, so only these page tables ever hold
	 * references to the pages.
	 * VM_DONTEXPAND, no VM_MAYEXEC: the arena is data of a fixed size.
	 */
	nab_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTCOPY | VM_IO |
			 VM_DONTEXPAND | VM_DONTDUMP);
	nab_vm_flags_clear(vma, VM_MAYEXEC);
	vma->vm_ops = &nab_vm_ops;
	vma->vm_private_data = s;
	return 0;
}
