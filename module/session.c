// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: sessions, one per open of /dev/netapibuf.
 *
 * Each session gets an inode of its own from a small pseudo filesystem, so
 * that its arena VMAs hang off an address space no other session shares:
 * unmap_mapping_range() on it then reaches exactly this session's mappings,
 * wherever the process split or moved them (the DRM core does the same).
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "netapibuf_internal.h"

/* Private to the module: the pseudo filesystem is never mounted. */
#define NAB_FS_MAGIC	0x6e616275	/* "nabu" */

static struct vfsmount *nab_fs_mnt;
static int nab_fs_cnt;

static int nab_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, NAB_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type nab_fs_type = {
	.owner = THIS_MODULE,
	.name = "netapibuf",
	.init_fs_context = nab_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static struct inode *nab_inode_new(void)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&nab_fs_type, &nab_fs_mnt, &nab_fs_cnt);
	if (ret)
		return ERR_PTR(ret);

	inode = alloc_anon_inode(nab_fs_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&nab_fs_mnt, &nab_fs_cnt);
	return inode;
}

static void nab_inode_put(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&nab_fs_mnt, &nab_fs_cnt);
}

/**
 * nab_session_create() - a new session for the calling process
 *
 * Everything a session allocates is charged to the caller's memory cgroup
 * (NAB_GFP; anonymous inodes come from an accounted cache), and it counts
 * against its user's max_user_sessions.
 *
 * Return: the session, or an ERR_PTR(): -EMFILE (max_user_sessions),
 * -ENOMEM.
 */
struct nab_session *nab_session_create(void)
{
	struct nab_session *s;
	struct inode *inode;
	unsigned int i;
	int ret;

	s = kzalloc(sizeof(*s), NAB_GFP);
	if (!s)
		return ERR_PTR(-ENOMEM);

	ret = nab_user_session_get(s);
	if (ret)
		goto free_session;

	inode = nab_inode_new();
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto put_user;
	}
	s->mapping = inode->i_mapping;

	mutex_init(&s->lock);
	for (i = 0; i < NAB_NR_CLASSES; i++)
		INIT_LIST_HEAD(&s->partial[i]);
	INIT_LIST_HEAD(&s->delegated);

	s->arena_pages = nab_arena_pages();

	ret = nab_pool_open(s);
	if (ret)
		goto put_inode;
	ret = nab_arena_init(s);
	if (ret)
		goto close_pool;

	/* Kernel threads (KUnit, agents) have no mm and map no arena. */
	s->mm = current->mm;
	if (s->mm)
		mmgrab(s->mm);
	s->pid = task_tgid_nr(current);
	get_task_comm(s->comm, current);
	nab_sessions_add(s);
	return s;

close_pool:
	nab_pool_destroy(s);
put_inode:
	nab_inode_put(inode);
put_user:
	nab_user_session_put(s);
free_session:
	kfree(s);
	return ERR_PTR(ret);
}

/**
 * nab_session_destroy() - free a session and every buffer it still owns
 * @s: the session; no mapping of its arena is left
 */
void nab_session_destroy(struct nab_session *s)
{
	nab_sessions_del(s);
	nab_chunks_free_all(s);
	nab_buf_free_all(s);
	nab_pool_destroy(s);
	nab_arena_destroy(s);
	if (s->mm)
		mmdrop(s->mm);
	nab_inode_put(s->mapping->host);
	nab_user_session_put(s);
	mutex_destroy(&s->lock);
	kfree(s);
}
