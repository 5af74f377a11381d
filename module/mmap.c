// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: the arena mapping.
 *
 * Each session is mapped once, as a whole, at mmap offset 0: the arena.
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
 * A page leaves the arena (buffer freed, shrunk or moved) with the
 * session locked, and the entry for a faulting page is installed after
 * nab_fault() has returned, outside the session lock. The page lock
 * closes the gap, as it does for the page cache between filemap_fault()
 * and truncation:
 *
 * - nab_fault() looks the page up and locks it with the session locked,
 *   and returns VM_FAULT_LOCKED; the core unlocks the page only once the
 *   entry is in place or the fault gave up;
 * - nab_unmap_pages(), still with the session locked, locks and unlocks
 *   each page that left the arena before it unmaps their range.
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
 * lock, where nab_unmap_pages() finds them like any other entry. That is
 * only an optimisation: a neighbour that cannot be inserted (mapped
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

/* Map the pages after the faulting one, best effort (see above). */
static void nab_map_ahead(struct vm_fault *vmf, struct nab_large *lb)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long next = vmf->pgoff - lb->obj.pgoff + 1;
	unsigned long addr = (vmf->address & PAGE_MASK) + PAGE_SIZE;
	unsigned long nr;

	nr = min3(lb->nr_pages - next, (vma->vm_end - addr) >> PAGE_SHIFT,
		  (unsigned long)NAB_FAULT_AROUND - 1);
	if (nr)
		vm_insert_pages(vma, addr, lb->pages + next, &nr);
}

static vm_fault_t nab_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nab_session *s = vma->vm_private_data;
	struct page *page = NULL;
	struct nab_large *lb;
	struct nab_obj *obj;

	/* VM_DONTCOPY | VM_IO keep other processes out; be sure of it. */
	if (vma->vm_mm != s->mm)
		return VM_FAULT_SIGBUS;

	mutex_lock(&s->lock);
	obj = nab_obj_lookup(s, vmf->pgoff);
	if (obj && obj->kind == NAB_CHUNK) {
		page = container_of(obj, struct nab_chunk, obj)->page;
	} else if (obj && obj->kind == NAB_LARGE) {
		lb = container_of(obj, struct nab_large, obj);
		nab_map_ahead(vmf, lb);
		page = lb->pages[vmf->pgoff - lb->obj.pgoff];
	}
	if (page) {
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

/**
 * nab_unmap_pages() - remove pages that left the arena from every mapping
 * @s: the session, locked since the pages left its space tree
 * @pgoff: arena index the first page had
 * @pages: the pages, still referenced by the caller
 * @nr: number of pages
 *
 * First waits, by taking each page lock, for any fault that found one of
 * the pages before they left and has yet to install its entry; then
 * unmaps the range (see the top of this file). On return no page table
 * maps the pages at these indices and the TLBs are flushed, so the caller
 * may free the pages.
 */
void nab_unmap_pages(struct nab_session *s, pgoff_t pgoff,
		     struct page **pages, unsigned long nr)
{
	unsigned long i;

	lockdep_assert_held(&s->lock);
	for (i = 0; i < nr; i++) {
		lock_page(pages[i]);
		unlock_page(pages[i]);
	}
	unmap_mapping_range(s->mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 1);
}
