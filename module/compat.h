/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels netapibuf builds for.
 *
 * Each entry names the kernel version and the commit that made the
 * difference. Built and tested by make check on 6.1 (Debian 12, and the
 * debug kernel), 6.12 and 6.12-rt (Debian's LTS) and mainline 7.x
 * (tools/kernel); docs/ecosystem.md lists the exact versions.
 *
 * Not here because the code handles it the same way on every kernel: the
 * 6.14 PT_RECLAIM race of a page table freed under the fault handler's
 * insertion (arena.c retries the fault).
 */
#ifndef _NETAPIBUF_COMPAT_H
#define _NETAPIBUF_COMPAT_H

#include <linux/export.h>
#include <linux/mm.h>
#include <linux/version.h>

/*
 * 6.1 is the oldest: the space tree is a maple tree (6.1, commit
 * 54a611b60590, "Maple Tree: add new data structure"). dkms.conf's
 * BUILD_EXCLUSIVE_KERNEL skips older kernels; a build by hand stops here.
 */
#if KERNEL_VERSION(6, 1, 0) > LINUX_VERSION_CODE
#error "netapibuf needs Linux 6.1 or later"
#endif

/* 6.3 made vma->vm_flags read-only and added the setters. */
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
static inline void nab_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void nab_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define nab_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#define nab_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#endif

/*
 * The arena's PFN entries hold no page reference only where the
 * architecture has pte_special(); elsewhere vmf_insert_mixed() falls back
 * to refcounted entries that get_user_pages() can pin (arena.c).
 */
#ifndef CONFIG_ARCH_HAS_PTE_SPECIAL
#error "netapibuf needs CONFIG_ARCH_HAS_PTE_SPECIAL (x86-64, arm64, ...)"
#endif

/*
 * vmf_insert_mixed() took a pfn_t until 6.17 removed the type and
 * <linux/pfn_t.h> (Alistair Popple's "mm: remove pfn_t" series); since
 * then it takes the bare PFN.
 */
#if KERNEL_VERSION(6, 17, 0) > LINUX_VERSION_CODE
#include <linux/pfn_t.h>
#define nab_vmf_insert_mixed(vma, addr, pfn) \
	vmf_insert_mixed(vma, addr, pfn_to_pfn_t(pfn))
#else
#define nab_vmf_insert_mixed(vma, addr, pfn) vmf_insert_mixed(vma, addr, pfn)
#endif

/* 6.12 removed no_llseek; a NULL .llseek means the same since 6.0. */
#if KERNEL_VERSION(6, 12, 0) > LINUX_VERSION_CODE
#define NAB_NO_LLSEEK	no_llseek
#else
#define NAB_NO_LLSEEK	NULL
#endif

/*
 * The namespace of the exported API. 6.13 made namespaces string
 * literals; before, EXPORT_SYMBOL_NS_GPL() stringified an identifier.
 */
#if KERNEL_VERSION(6, 13, 0) > LINUX_VERSION_CODE
#define NAB_NS	NETAPIBUF
#else
#define NAB_NS	"NETAPIBUF"
#endif

/*
 * 6.17 renamed dev_get_flags() to netif_get_flags(), commit 93893a57efd4
 * ("net: s/dev_get_flags/netif_get_flags/"); same arguments and result.
 */
#if KERNEL_VERSION(6, 17, 0) > LINUX_VERSION_CODE
#define nab_netif_get_flags(dev)	dev_get_flags(dev)
#else
#define nab_netif_get_flags(dev)	netif_get_flags(dev)
#endif

/*
 * 6.7 made shrinkers dynamically allocated: shrinker_alloc(),
 * shrinker_register() and shrinker_free() replaced register_shrinker()
 * and unregister_shrinker() on a caller's struct, commit c42d50aefd17
 * ("mm: shrinker: add infrastructure for dynamically allocating shrinker").
 * Both ways the shrinker is allocated here and named for debugfs, and is
 * memcg-aware with its memcg-aware list_lru @lru, whose lists name the
 * shrinker's id: 6.7 has the id at shrinker_alloc(), before registration;
 * 6.1 only once register_shrinker() returns (prealloc_shrinker() is not
 * exported), so there the shrinker may be called before @lru is ready.
 */
#include <linux/list_lru.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#define NAB_SHRINKER_FLAGS	(SHRINKER_MEMCG_AWARE | SHRINKER_NONSLAB)

static inline struct shrinker *
nab_shrinker_create(unsigned long (*count)(struct shrinker *,
					   struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *,
					  struct shrink_control *),
		    const char *name, struct list_lru *lru)
{
	struct shrinker *shrinker;

#if KERNEL_VERSION(6, 7, 0) > LINUX_VERSION_CODE
	shrinker = kzalloc(sizeof(*shrinker), GFP_KERNEL);
	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->seeks = DEFAULT_SEEKS;
	shrinker->flags = NAB_SHRINKER_FLAGS;
	if (register_shrinker(shrinker, "%s", name)) {
		kfree(shrinker);
		return NULL;
	}
	if (list_lru_init_memcg(lru, shrinker)) {
		unregister_shrinker(shrinker);
		kfree(shrinker);
		return NULL;
	}
#else
	shrinker = shrinker_alloc(NAB_SHRINKER_FLAGS, "%s", name);
	if (!shrinker)
		return NULL;
	if (list_lru_init_memcg(lru, shrinker)) {
		shrinker_free(shrinker);
		return NULL;
	}
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker_register(shrinker);
#endif
	return shrinker;
}

static inline void nab_shrinker_destroy(struct shrinker *shrinker,
					struct list_lru *lru)
{
#if KERNEL_VERSION(6, 7, 0) > LINUX_VERSION_CODE
	unregister_shrinker(shrinker);
	kfree(shrinker);
#else
	shrinker_free(shrinker);
#endif
	list_lru_destroy(lru);
}

/*
 * 6.8 made list_lru_add() and list_lru_del() take the node and memory
 * cgroup, and named the old calls, which find both from a slab object,
 * list_lru_add_obj() and list_lru_del_obj() ("list_lru: allow explicit
 * memcg and NUMA node selection").
 */
#if KERNEL_VERSION(6, 8, 0) > LINUX_VERSION_CODE
#define nab_list_lru_add(lru, item)	list_lru_add(lru, item)
#define nab_list_lru_del(lru, item)	list_lru_del(lru, item)
#else
#define nab_list_lru_add(lru, item)	list_lru_add_obj(lru, item)
#define nab_list_lru_del(lru, item)	list_lru_del_obj(lru, item)
#endif

/*
 * A list_lru walk's callback got the list's lock as an argument and had
 * to return with it held, LRU_REMOVED_RETRY included (6.1, 6.12), until
 * 6.13 dropped the argument ("mm/list_lru: split the lock to per-cgroup
 * scope" and its series): since then the lock is the list's own and the
 * walk takes it again itself after LRU_REMOVED_RETRY (7.x).
 */
#if KERNEL_VERSION(6, 13, 0) > LINUX_VERSION_CODE
#define NAB_LRU_WALK_LOCK_ARG		spinlock_t *nab_lru_lock,
#define nab_lru_walk_unlock(list)	spin_unlock(nab_lru_lock)
#define nab_lru_walk_relock(list)	spin_lock(nab_lru_lock)
#else
#define NAB_LRU_WALK_LOCK_ARG
#define nab_lru_walk_unlock(list)	spin_unlock(&(list)->lock)
#define nab_lru_walk_relock(list)	do { } while (0)
#endif

/*
 * Storing in a maple tree allocates its nodes GFP_NOWAIT first, without
 * __GFP_ACCOUNT, whatever the caller's gfp; only mas_preallocate() takes
 * every node it will need with the caller's flags (and so charges them to
 * the memory cgroup). Debian 12's 6.1 does not export it; 6.12 and 7.x
 * do. Kernels without it store with mas_store_gfp(), whose nodes stay
 * uncharged but for those a failed first try allocates. On 7.x a
 * preallocation of more than one node fills a slab sheaf, from which
 * the tree takes its nodes with GFP_NOWAIT, uncharged (mas_pop_node());
 * only single nodes are charged there.
 */
#if KERNEL_VERSION(6, 12, 0) > LINUX_VERSION_CODE
#define NAB_TREE_CHARGED	0
#else
#define NAB_TREE_CHARGED	1
#endif

#endif /* _NETAPIBUF_COMPAT_H */
