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
 * Nothing is mapped up front. The first fault on a large buffer maps the
 * page under the faulting address and up to NAB_FAULT_AROUND - 1 pages of
 * the same buffer after it in one pass (buffers are used whole); the
 * allocation of a large buffer does the same for its start, as that fault
 * would, before it returns, but only as far as the page tables already
 * exist (nab_arena_map_ahead(): a call allocates no page table, whose
 * charge could run the memory cgroup's OOM killer). Either way with PFN
 * entries: "special" page table entries that hold no reference to the page
 * and that vm_normal_page() does not resolve, in a VM_MIXEDMAP VMA on an
 * architecture with pte_special(). So get_user_pages() in every form -
 * GUP-fast, which does not look at VM_IO (vmsplice(2), O_DIRECT, RDMA),
 * and the slow path, which VM_IO stops too (io_uring's registered buffers,
 * /proc/PID/mem) - finds no page there and fails: nothing outside this
 * module ever holds a reference to an arena page, so a page the module
 * frees is free. The dma-buf system heap (remap_pfn_range()) and the DRM
 * drivers on TTM (vmf_insert_pfn_prot()) map their pages the same way.
 *
 * The pass is apply_to_page_range(), as remap_pfn_range() and i915's
 * remap_io_sg() do it: each page table is allocated if need be and locked
 * once, and every entry of the window in it is written under that one
 * lock, where vmf_insert_mixed() walks to, locks and unlocks the table
 * and looks the page's memory type up (PAT) for each page. The pages are
 * RAM the page allocator gave the module, write-back like the VMA's
 * vm_page_prot, which is what the PAT lookup returns for them. If the
 * pass cannot map the faulting page (no memory for a page table), that
 * page goes in alone with vmf_insert_mixed(), whose result the fault
 * returns. A fault on an address that no live buffer covers gets SIGBUS.
 *
 * With no reference in the page tables, an entry left behind when its
 * page is freed would map a freed page. No such entry can exist, by
 * construction: entries are installed only by nab_fault() and
 * nab_arena_map_ahead(), with the session locked, for pages they find in
 * the space tree under that lock;
 * pages leave the arena (buffer freed, shrunk or moved) only through
 * nab_arena_release(), which takes them out of the tree and out of every
 * mapping (unmap_mapping_range()) in one call, with the session locked.
 * A fault that found a page has installed its entry before the release
 * starts, and the release's unmap removes it; a fault after it does not
 * find the page. The object frees the pages only after that.
 *
 * A page table that MADV_DONTNEED freed under the fault (6.14+,
 * CONFIG_PT_RECLAIM, commit 6375e95f381e) makes the pass fail (the
 * table cannot be mapped: -ENOMEM) and the single insertion fail with
 * VM_FAULT_OOM; the fault then returns VM_FAULT_NOPAGE and the access
 * faults again, as finish_fault() and TTM's fault handler do. Pages
 * mapped ahead are best effort: what the pass did not reach is left to
 * its own fault.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "compat.h"
#include "netapibuf_internal.h"

/*
 * Most pages of a large buffer one fault maps: 4 MiB, two or three page
 * tables, written in about 60 us of guest time under -icount; a larger
 * buffer takes a fault per 4 MiB it is used by, and holds the session
 * lock no longer than that per fault.
 */
#define NAB_FAULT_AROUND	1024

/* Occupies the arena's first pages; has no pages. */
static struct nab_obj nab_guard;

/*
 * The space tree is locked by the session's mutex (MT_FLAGS_LOCK_EXTERN),
 * so a store may sleep for its nodes: it takes them all first with @gfp,
 * charged to the memory cgroup like the rest of the session, where the
 * kernel lets a module do so (NAB_TREE_CHARGED, compat.h); otherwise the
 * tree allocates them itself, uncharged.
 */
static int nab_arena_store(struct nab_session *s, pgoff_t first,
			   pgoff_t last, void *entry, gfp_t gfp)
{
	MA_STATE(mas, &s->space, first, last);
	int ret;

	lockdep_assert_held(&s->lock);
	if (!NAB_TREE_CHARGED)
		return mas_store_gfp(&mas, entry, gfp);
	ret = mas_preallocate(&mas, entry, gfp);
	if (ret)
		return ret;
	mas_store_prealloc(&mas, entry);
	return 0;
}

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

	mt_init_flags(&s->space, MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN);
	mt_set_external_lock(&s->space, &s->lock);
	mutex_lock(&s->lock);
	ret = nab_arena_store(s, 0, NAB_GUARD_PAGES - 1, &nab_guard, NAB_GFP);
	if (ret)
		__mt_destroy(&s->space);
	mutex_unlock(&s->lock);
	return ret;
}

/**
 * nab_arena_destroy() - free the space tree
 * @s: the session; every object has left the arena
 */
void nab_arena_destroy(struct nab_session *s)
{
	mutex_lock(&s->lock);
	__mt_destroy(&s->space);
	mutex_unlock(&s->lock);
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

	ret = mas_empty_area(&mas, NAB_GUARD_PAGES, s->arena_pages - 1, nr);
	if (ret)
		return -ENOSPC;

	/* s->lock keeps every other writer out, so the gap is still free. */
	ret = nab_arena_store(s, mas.index, mas.index + nr - 1, obj, NAB_GFP);
	if (ret)
		return ret;
	obj->pgoff = mas.index;
	return 0;
}

/* Unmap pages [pgoff, pgoff + nr) from every mapping of the arena. */
static void nab_arena_unmap(struct nab_session *s, pgoff_t pgoff,
			    unsigned long nr)
{
	unmap_mapping_range(s->mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 1);
}

/* Make pages [pgoff, pgoff + nr) free space again; it cannot fail. */
static void nab_arena_clear(struct nab_session *s, pgoff_t pgoff,
			    unsigned long nr)
{
	/*
	 * Removal may need a tree node; it must not fail, or the tree would
	 * keep pointing at a freed object. Nor is it charged: a charge that
	 * cannot fail invokes the OOM killer in a group at its limit, and a
	 * Free must never get anyone killed.
	 */
	nab_arena_store(s, pgoff, pgoff + nr - 1, NULL,
			GFP_KERNEL | __GFP_NOFAIL);
}

/**
 * nab_arena_release() - take pages of an object out of the arena
 * @s: the session, locked
 * @obj: the object
 * @index: its first page to go, counted from @obj's first
 * @nr: pages to go
 *
 * Removes the pages from the space tree and unmaps them. Faults install
 * entries only with the session locked, so on return no page table maps
 * them at these indices, none will, and the TLBs are flushed (see the top
 * of this file): the caller may free them; they are still the object's
 * until it does.
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
	nab_arena_unmap(s, obj->pgoff + index, nr);
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
		return nab_arena_store(s, old_pgoff, old_pgoff + new_nr - 1,
				       obj, NAB_GFP);

	pages = obj->ops->pages(obj, 0, &have);
	if (WARN_ON_ONCE(!pages || have < nr))
		return -EINVAL;
	ret = nab_arena_insert(s, obj, new_nr);
	if (ret)
		return ret;
	/* From its new place on the object's pages leave the old one. */
	nab_arena_clear(s, old_pgoff, nr);
	nab_arena_unmap(s, old_pgoff, nr);
	return 0;
}

/* Map one page with a PFN entry: no reference, invisible to GUP. */
static vm_fault_t nab_insert(struct vm_area_struct *vma, unsigned long addr,
			     struct page *page)
{
	return nab_vmf_insert_mixed(vma, addr, page_to_pfn(page));
}

/**
 * struct nab_map_pass - what apply_to_page_range() hands nab_map_pte()
 * @mm: the arena's mm
 * @pages: the page for the next entry
 * @prot: the VMA's page protection
 * @done: entries visited so far
 */
struct nab_map_pass {
	struct mm_struct *mm;
	struct page **pages;
	pgprot_t prot;
	unsigned long done;
};

/* One entry of the pass, its page table locked (apply_to_pte_range()). */
static int nab_map_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct nab_map_pass *p = data;
	struct page *page = p->pages[p->done];

	/* Left to its own fault, which reports it with its address. */
	if (unlikely(PageHWPoison(page)))
		return -EHWPOISON;
	/*
	 * A present entry was installed by an earlier fault for the page at
	 * this index, and is still that page's (top of this file). An entry
	 * that is neither none nor present is a marker mm/ left, with no
	 * page behind it: userfaultfd's asynchronous write protection,
	 * which from 6.7 registers any VMA (the arena too on 6.12; the 7.3
	 * source refuses VM_SPECIAL ones), puts PTE_MARKER_UFFD_WP where
	 * it protects an empty entry and where an unmap removes a
	 * protected one. A fault on a marker comes here
	 * (do_pte_missing()): kept, it would fault again for ever. It goes,
	 * and the page counts as written, as after any write to it.
	 */
	if (!pte_present(ptep_get(pte)))
		set_pte_at(p->mm, addr, pte,
			   pte_mkspecial(pfn_pte(page_to_pfn(page), p->prot)));
	p->done++;
	return 0;
}

/*
 * How many of the @nr pages from @addr on have every level of page table
 * above them: the pass maps those without allocating a table. The
 * arena's tables hold no huge entries (VM_MIXEDMAP, no THP); one that
 * is bad counts as missing. This is apply_to_existing_page_range()'s
 * test, which 6.1 and 6.12 export and later kernels do not.
 */
static unsigned long nab_pages_with_tables(struct mm_struct *mm,
					   unsigned long addr,
					   unsigned long nr)
{
	unsigned long start = addr, end = addr + (nr << PAGE_SHIFT);
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd, pmdval;

	lockdep_assert_held(&mm->mmap_lock);
	while (addr < end) {
		pgd = pgd_offset(mm, addr);
		if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
			break;
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d)))
			break;
		pud = pud_offset(p4d, addr);
		if (pud_none(READ_ONCE(*pud)) || pud_bad(READ_ONCE(*pud)))
			break;
		pmd = pmd_offset(pud, addr);
		pmdval = READ_ONCE(*pmd);
		if (pmd_none(pmdval) || pmd_bad(pmdval))
			break;
		addr = pmd_addr_end(addr, end);
	}
	return (addr - start) >> PAGE_SHIFT;
}

/*
 * Map the page at @addr and up to NAB_FAULT_AROUND - 1 after it of the
 * same object, @nr pages from @pages on, in one pass (see above). Returns
 * how many entries the pass visited: 0 if it could not map the first.
 */
static unsigned long nab_map(struct vm_area_struct *vma, unsigned long addr,
			     struct page **pages, unsigned long nr)
{
	struct nab_map_pass pass = {
		.mm = vma->vm_mm,
		.pages = pages,
		.prot = vma->vm_page_prot,
	};

	nr = min3(nr, (vma->vm_end - addr) >> PAGE_SHIFT,
		  (unsigned long)NAB_FAULT_AROUND);
	apply_to_page_range(vma->vm_mm, addr, nr << PAGE_SHIFT, nab_map_pte,
			    &pass);
	return pass.done;
}

static vm_fault_t nab_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nab_session *s = vma->vm_private_data;
	struct page **pages;
	unsigned long nr;
	vm_fault_t ret;

	/* VM_DONTCOPY | VM_IO keep other processes out; be sure of it. */
	if (vma->vm_mm != s->mm)
		return VM_FAULT_SIGBUS;

	/*
	 * The entries go in with the session locked: nab_arena_release()
	 * cannot run between the lookup and the insertion (see the top of
	 * this file).
	 */
	mutex_lock(&s->lock);
	pages = nab_arena_pages_at(s, vmf->pgoff, &nr);
	if (!pages) {
		ret = VM_FAULT_SIGBUS;
	} else if (unlikely(PageHWPoison(pages[0]))) {
		/* A memory error: SIGBUS with the error's address. */
		ret = VM_FAULT_HWPOISON;
	} else if (nab_map(vma, vmf->address & PAGE_MASK, pages, nr)) {
		ret = VM_FAULT_NOPAGE;
	} else {
		ret = nab_insert(vma, vmf->address & PAGE_MASK, pages[0]);
	}
	mutex_unlock(&s->lock);

	/*
	 * The page table went away under the insertion (6.14+, see above),
	 * or none could be had: fault again, unless the task is dying.
	 */
	if (ret == VM_FAULT_OOM && !fatal_signal_pending(current))
		ret = VM_FAULT_NOPAGE;
	return ret;
}

static const struct vm_operations_struct nab_vm_ops;

/**
 * nab_arena_map_ahead() - map a new buffer before its first touch
 * @s: the session, unlocked
 * @addr: the buffer's address, as its allocation returned it
 *
 * Does what the first fault at @addr would do, with the locks a fault
 * holds, taken in the same order: the process's mmap_lock for reading,
 * then the session lock, under which the pages are looked up in the
 * space tree and their entries installed (see the top of this file). A
 * buffer freed or moved by another thread in the meantime is not found,
 * and nothing is mapped. It maps only for the process that owns the
 * session, only while its arena is mapped, and only if its mmap_lock is
 * free at once: otherwise, or if the pass fails, the first touch maps the
 * buffer as before. Saves a buffer that is used at once its first fault
 * (1.5 us of guest time under -icount at 64 KiB, docs/bench.md).
 *
 * It maps only the pages whose page tables the process already has, and
 * allocates none: apply_to_page_range() allocates a missing table with
 * GFP_PGTABLE_USER, charged to the memory cgroup without
 * __GFP_RETRY_MAYFAIL, so in a group at memory.max that charge runs the
 * OOM killer, in the middle of a call that must fail with ENOMEM and
 * kill nobody. A page past the tables the process has is mapped by its
 * first touch, whose fault allocates the table, as the first touch of
 * any new memory does. (A table freed under the pass by a concurrent
 * MADV_DONTNEED of the arena, 6.14+ with CONFIG_PT_RECLAIM, is allocated
 * again by the pass: the process's own doing.)
 */
void nab_arena_map_ahead(struct nab_session *s, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct page **pages;
	unsigned long nr;

	/* Not from a kernel thread (KUnit's sessions have no mm either). */
	if (!mm || mm != s->mm || !mmap_read_trylock(mm))
		return;
	/* The arena may have been unmapped, and something else put there. */
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_ops == &nab_vm_ops && vma->vm_private_data == s) {
		mutex_lock(&s->lock);
		pages = nab_arena_pages_at(s, vma->vm_pgoff +
					   ((addr - vma->vm_start) >> PAGE_SHIFT),
					   &nr);
		/* Only where the pass needs no new page table (above). */
		nr = pages ? nab_pages_with_tables(mm, addr,
						   min_t(unsigned long, nr,
							 NAB_FAULT_AROUND)) : 0;
		if (nr && !PageHWPoison(pages[0]))
			nab_map(vma, addr, pages, nr);
		mutex_unlock(&s->lock);
	}
	mmap_read_unlock(mm);
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

/*
 * A debugger's read or write: ptrace(2)'s PEEKDATA and POKEDATA and
 * /proc/PID/mem go through get_user_pages_remote(), which the arena's PFN
 * entries refuse, and then, for a VM_IO mapping, through ->access(), as
 * for /dev/mem and GPU buffers (generic_access_phys(), TTM, i915). This
 * copies to or from the page the fault handler would map at @addr, under
 * the session lock, taking no reference: the debugger sees what the
 * process sees, a freed address stays an error (EIO), and nothing is
 * pinned. The caller holds the process's mmap_lock, as a fault does, and
 * has passed ptrace's access check on it; @buf is kernel memory.
 *
 * Return: the bytes copied, up to the end of @addr's page, or -EIO
 * (no buffer there, or a memory error) or -EACCES (a write to an arena
 * mapped read-only).
 */
static int nab_access(struct vm_area_struct *vma, unsigned long addr,
		      void *buf, int len, int write)
{
	struct nab_session *s = vma->vm_private_data;
	unsigned int offset = offset_in_page(addr);
	struct page **pages;
	unsigned long nr;
	void *vaddr;
	int ret;

	if (vma->vm_mm != s->mm)
		return -EIO;
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	len = min_t(int, len, PAGE_SIZE - offset);

	mutex_lock(&s->lock);
	pages = nab_arena_pages_at(s, vma->vm_pgoff +
				   ((addr - vma->vm_start) >> PAGE_SHIFT), &nr);
	if (!pages || PageHWPoison(pages[0])) {
		ret = -EIO;
	} else {
		vaddr = kmap_local_page(pages[0]);
		if (write)
			memcpy(vaddr + offset, buf, len);
		else
			memcpy(buf, vaddr + offset, len);
		kunmap_local(vaddr);
		ret = len;
	}
	mutex_unlock(&s->lock);
	return ret;
}

static const struct vm_operations_struct nab_vm_ops = {
	.fault = nab_fault,
	.access = nab_access,
	.mremap = nab_mremap,
	.may_split = nab_may_split,
};

/**
 * nab_mmap() - map a session's arena
 * @file: the session's file
 * @vma: the new mapping: offset 0, MAP_SHARED, from
 *	%NETAPIBUF_ARENA_MIN_SIZE up to the arena's size
 *
 * A process whose address space cannot take the whole arena (under
 * RLIMIT_AS, or valgrind's own limit) maps a shorter one: the session's
 * arena is then as long as the mapping. No buffer exists before the
 * mapping, so nothing lies past the new end.
 *
 * Return: 0, -EPERM (another process's session, or PROT_EXEC), -EINVAL
 * (wrong offset, size or MAP_PRIVATE), -EBUSY (already mapped once).
 */
int nab_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);
	struct nab_session *s = file->private_data;
	int ret = 0;

	if (vma->vm_mm != s->mm)
		return -EPERM;
	if (vma->vm_pgoff || pages < (NETAPIBUF_ARENA_MIN_SIZE >> PAGE_SHIFT) ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	/*
	 * The longest length is checked under the lock, after EBUSY: a
	 * mapping shortens the arena, so a second one, of any length up to
	 * the one INFO gave before the first, must see that the arena is
	 * mapped rather than compare against the first one's length.
	 */
	mutex_lock(&s->lock);
	if (s->arena_base) {
		ret = -EBUSY;
	} else if (pages > s->arena_pages) {
		ret = -EINVAL;
	} else {
		WRITE_ONCE(s->arena_pages, pages);
		/* Pairs with INFO's and nab_ucmd_in_arena()'s acquire. */
		smp_store_release(&s->arena_base, vma->vm_start);
	}
	mutex_unlock(&s->lock);
	if (ret)
		return ret;

	/*
	 * VM_MIXEDMAP: the fault handler maps pages with PFN entries (see
	 * the top of this file); unlike VM_PFNMAP it keeps MADV_DONTNEED
	 * working on the arena.
	 * VM_DONTCOPY: a child of fork() does not get the parent's buffers.
	 * VM_IO: and cannot get them back with madvise(MADV_DOFORK); it also
	 * keeps the slow get_user_pages() away, which PFN entries alone do
	 * too.
	 * VM_DONTEXPAND, no VM_MAYEXEC: the arena is data of a fixed size.
	 */
	nab_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTCOPY | VM_IO |
			 VM_DONTEXPAND | VM_DONTDUMP);
	nab_vm_flags_clear(vma, VM_MAYEXEC);
	vma->vm_ops = &nab_vm_ops;
	vma->vm_private_data = s;
	return 0;
}
