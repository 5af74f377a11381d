// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: the arena mapping.
 *
 * Each session is mapped once, as a whole, at mmap offset 0: the arena.
 * Nothing is mapped up front; the fault handler inserts the pages of the
 * buffer under the faulting address with vm_insert_page(s), which take a
 * reference on each page for as long as it stays mapped. A fault on an
 * address that no live buffer covers gets SIGBUS.
 *
 * Page table entries are only ever installed and removed with the session
 * locked, so a buffer being freed cannot race with a fault that would map
 * its pages again.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/fs.h>
#include <linux/mm.h>

#include "compat.h"
#include "netapibuf_internal.h"

/* Most pages of a large buffer one fault maps. */
#define NAB_FAULT_AROUND	32

static vm_fault_t nab_fault_large(struct vm_fault *vmf, struct nab_large *lb)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long first = vmf->pgoff - lb->obj.pgoff;
	unsigned long addr = vmf->address & PAGE_MASK;
	unsigned long nr;
	int ret;

	/* Map ahead within the buffer and the VMA: buffers are used whole. */
	nr = min3(lb->nr_pages - first, (vma->vm_end - addr) >> PAGE_SHIFT,
		  (unsigned long)NAB_FAULT_AROUND);
	ret = vm_insert_pages(vma, addr, lb->pages + first, &nr);
	/* -EBUSY: a page was mapped already, by a racing fault or before. */
	if (ret && ret != -EBUSY)
		return vmf_error(ret);
	return VM_FAULT_NOPAGE;
}

static vm_fault_t nab_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nab_session *s = vma->vm_private_data;
	struct nab_obj *obj;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int err;

	/* VM_DONTCOPY | VM_IO keep other processes out; be sure of it. */
	if (vma->vm_mm != s->mm)
		return VM_FAULT_SIGBUS;

	mutex_lock(&s->lock);
	obj = nab_obj_lookup(s, vmf->pgoff);
	if (!obj)
		goto unlock;

	switch (obj->kind) {
	case NAB_CHUNK:
		err = vm_insert_page(vma, vmf->address & PAGE_MASK,
				     container_of(obj, struct nab_chunk,
						  obj)->page);
		ret = err && err != -EBUSY ? vmf_error(err) : VM_FAULT_NOPAGE;
		break;
	case NAB_LARGE:
		ret = nab_fault_large(vmf, container_of(obj, struct nab_large,
							obj));
		break;
	default:
		break;
	}
unlock:
	mutex_unlock(&s->lock);
	return ret;
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
	 * VM_MIXEDMAP: refcounted pages inserted by the fault handler.
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
 * nab_unmap_pages() - remove arena pages from every mapping of the session
 * @s: the session, locked
 * @pgoff: first arena page
 * @nr: number of pages
 *
 * On return no page table maps the range and the TLBs are flushed, so the
 * caller may free the pages.
 */
void nab_unmap_pages(struct nab_session *s, pgoff_t pgoff, unsigned long nr)
{
	lockdep_assert_held(&s->lock);
	unmap_mapping_range(s->mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 1);
}
