// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: NetApiBuffer-style buffers managed by the kernel.
 *
 * The misc device /dev/netapibuf: open, release, mmap and the ioctl
 * dispatcher. The ABI is described in include/uapi/linux/netapibuf.h.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/netapibuf.h>

#include "compat.h"
#include "netapibuf_internal.h"

/**
 * struct nab_ucmd - one ioctl call, as its handler sees it
 * @s: the caller's session
 * @ubuffer: the command's struct in the caller's memory
 * @user_size: its size, from the command number
 * @cmd: the struct, copied in; the handler fills in its results, which
 *	the dispatcher copies out
 * @hold: the buffer the handler made, held until the result is out: then
 *	published, or freed if the result cannot be copied out
 * @held_chunks: the same for the chunks a CHUNKS_GET delegated
 *	(struct nab_deleg): published, or taken back
 */
struct nab_ucmd {
	struct nab_session *s;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
	struct nab_ref hold;
	struct list_head held_chunks;
};

static int nab_open(struct inode *inode, struct file *file)
{
	struct nab_session *s;

	s = nab_session_create();
	if (IS_ERR(s))
		return PTR_ERR(s);

	file->private_data = s;
	/* The arena maps the session's own address space; see session.c. */
	file->f_mapping = s->mapping;
	return 0;
}

static int nab_release(struct inode *inode, struct file *file)
{
	nab_session_destroy(file->private_data);
	return 0;
}

static int nab_ioctl_info(struct nab_ucmd *ucmd)
{
	struct netapibuf_info *info = ucmd->cmd;
	struct nab_session *s = ucmd->s;

	info->abi_version = NETAPIBUF_ABI_VERSION;
	info->features = NETAPIBUF_FEATURE_ARENA |
			 NETAPIBUF_FEATURE_REALLOC_MOVE |
			 NETAPIBUF_FEATURE_AGENTS |
			 NETAPIBUF_FEATURE_SHORT_ARENA;
	if (nab_chunks_offered())
		info->features |= NETAPIBUF_FEATURE_CHUNKS;
	/* Pairs with nab_mmap(): a mapped arena's length is its mapping's. */
	info->arena_addr = smp_load_acquire(&s->arena_base);
	info->arena_size = (u64)READ_ONCE(s->arena_pages) << PAGE_SHIFT;
	info->max_buffer_bytes = READ_ONCE(nab_max_buffer_bytes);
	info->max_session_bytes = READ_ONCE(nab_max_session_bytes);
	info->max_total_bytes = READ_ONCE(nab_max_total_bytes);
	return 0;
}

static int nab_ioctl_alloc(struct nab_ucmd *ucmd)
{
	struct netapibuf_alloc *cmd = ucmd->cmd;
	unsigned long addr;
	int ret;

	ret = nab_buf_alloc_held(ucmd->s, cmd->size, &addr, &ucmd->hold);
	if (!ret)
		cmd->addr = addr;
	return ret;
}

static int nab_ioctl_free(struct nab_ucmd *ucmd)
{
	struct netapibuf_free *cmd = ucmd->cmd;

	return nab_buf_free(ucmd->s, cmd->addr);
}

static int nab_ioctl_realloc(struct nab_ucmd *ucmd)
{
	struct netapibuf_realloc *cmd = ucmd->cmd;
	struct nab_session *s = ucmd->s;
	unsigned long addr;
	int ret;

	if (!cmd->size) {
		cmd->new_addr = 0;
		return cmd->addr ? nab_buf_free(s, cmd->addr) : 0;
	}
	if (!cmd->addr)
		ret = nab_buf_alloc(s, cmd->size, &addr);
	else
		ret = nab_buf_realloc(s, cmd->addr, cmd->size, &addr);
	if (!ret)
		cmd->new_addr = addr;
	return ret;
}

static int nab_ioctl_size(struct nab_ucmd *ucmd)
{
	struct netapibuf_size *cmd = ucmd->cmd;

	return nab_buf_size(ucmd->s, cmd->addr, &cmd->size);
}

static int nab_ioctl_agent_call(struct nab_ucmd *ucmd)
{
	return nab_agent_call(ucmd->s, ucmd->cmd, &ucmd->hold);
}

static int nab_ioctl_chunks_get(struct nab_ucmd *ucmd)
{
	return nab_chunks_get(ucmd->s, ucmd->cmd, &ucmd->held_chunks);
}

static int nab_ioctl_chunks_put(struct nab_ucmd *ucmd)
{
	return nab_chunks_put(ucmd->s, ucmd->cmd);
}

/*
 * chunks=N hides the feature: GET is then an unknown command, as on a
 * module without it. PUT stays known to a session that still holds
 * delegated chunks, so that it can give them back.
 */
static bool nab_ioctl_chunks_get_hidden(struct nab_session *s)
{
	return !nab_chunks_offered();
}

static bool nab_ioctl_chunks_put_hidden(struct nab_session *s)
{
	return !nab_chunks_offered() && !nab_chunks_held(s);
}

/* Room on the stack for any command's struct. */
union nab_ucmd_buffer {
	struct netapibuf_info info;
	struct netapibuf_alloc alloc;
	struct netapibuf_free free;
	struct netapibuf_realloc realloc;
	struct netapibuf_size size;
	struct netapibuf_agent_call agent_call;
	struct netapibuf_chunks chunks;
};

/**
 * struct nab_ioctl_op - one ioctl command
 * @size: size of the kernel's struct
 * @min_size: size of the struct's first version: anything shorter is EINVAL
 * @ioctl_num: the command as the uapi header defines it (its size bits
 *	are ignored: they carry the caller's struct size)
 * @flags: offset of the struct's u32 flags field; no command defines a
 *	flag yet, so it must be zero
 * @reserved: offset of its u32 reserved field, which must be zero; 0 for a
 *	struct without one
 * @execute: does the work on the copied-in struct; a buffer it makes
 *	stays held in &nab_ucmd.hold until the result is out (freed if it
 *	cannot be copied out)
 * @probe: @execute changes what cannot be undone: prove the struct
 *	writable before it runs
 * @outside_arena: @execute hands out, moves, unmaps or writes arena pages:
 *	the struct must not lie in the arena
 * @hidden: the command is a hidden feature's now: ENOTTY before any
 *	other check, as from a module that never had it
 */
struct nab_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	unsigned int flags;
	unsigned int reserved;
	int (*execute)(struct nab_ucmd *ucmd);
	bool (*hidden)(struct nab_session *s);
	bool probe;
	bool outside_arena;
};

/*
 * As iommufd's: the index is the command's number, and the union must hold
 * every struct. Every struct has a flags field; the optional properties
 * (NAB_RESERVED(), .probe, .outside_arena) follow the last field.
 */
#define IOCTL_OP(_ioctl, _fn, _struct, _last, ...)			\
	[_IOC_NR(_ioctl)] = {						\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union nab_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.flags = offsetof(_struct, flags),			\
		.execute = _fn,						\
		__VA_ARGS__						\
	}

/* A reserved field that follows flags, so never at offset 0. */
#define NAB_RESERVED(_struct)						\
	.reserved = offsetof(_struct, reserved) +			\
		    BUILD_BUG_ON_ZERO(offsetof(_struct, reserved) == 0)

/*
 * A command that returns a result either changes nothing (INFO, SIZE),
 * can be undone (ALLOC, AGENT_CALL: the new buffer, held until then, is
 * freed by identity; CHUNKS_GET: the new chunks, held the same way, are
 * taken back), or is probed (REALLOC: a buffer that moved cannot be put
 * back).
 *
 * ALLOC and REALLOC take their struct only from outside the arena. Both
 * write the bytes of a new buffer, which may be a free slot of a chunk
 * page the process has mapped; REALLOC also unmaps the pages a buffer
 * leaves (shrunk, moved, freed, its chunk page emptied) and zeroes the
 * bytes it gains, slack of its own slot or page included. A struct in any
 * of those places would make the call fail after its change (EFAULT) or
 * write its result into a buffer that must read as zero, and which pages
 * those are depends on what the session's other threads do meanwhile: the
 * one rule that holds without the session lock is the whole arena.
 *
 * CHUNKS_GET and CHUNKS_PUT follow the same rule, though neither needs it
 * for its own pages (GET writes its result only where the struct was
 * read, which none of its new pages can be; PUT writes nothing back):
 * GET's result may land in a page freed and reused by another thread
 * meanwhile, a new buffer or chunk that must read as zero, and one rule
 * for every command that places or unmaps arena pages is simpler to
 * state and to keep than a proof for each.
 */
static const struct nab_ioctl_op nab_ioctl_ops[] = {
	IOCTL_OP(NETAPIBUF_IOC_INFO, nab_ioctl_info, struct netapibuf_info,
		 max_total_bytes),
	IOCTL_OP(NETAPIBUF_IOC_ALLOC, nab_ioctl_alloc, struct netapibuf_alloc,
		 addr, NAB_RESERVED(struct netapibuf_alloc),
		 .outside_arena = true),
	IOCTL_OP(NETAPIBUF_IOC_FREE, nab_ioctl_free, struct netapibuf_free,
		 reserved, NAB_RESERVED(struct netapibuf_free)),
	IOCTL_OP(NETAPIBUF_IOC_REALLOC, nab_ioctl_realloc,
		 struct netapibuf_realloc, new_addr,
		 NAB_RESERVED(struct netapibuf_realloc), .probe = true,
		 .outside_arena = true),
	IOCTL_OP(NETAPIBUF_IOC_SIZE, nab_ioctl_size, struct netapibuf_size,
		 size, NAB_RESERVED(struct netapibuf_size)),
	IOCTL_OP(NETAPIBUF_IOC_AGENT_CALL, nab_ioctl_agent_call,
		 struct netapibuf_agent_call, buffer),
	IOCTL_OP(NETAPIBUF_IOC_CHUNKS_GET, nab_ioctl_chunks_get,
		 struct netapibuf_chunks, addrs, .outside_arena = true,
		 .hidden = nab_ioctl_chunks_get_hidden),
	IOCTL_OP(NETAPIBUF_IOC_CHUNKS_PUT, nab_ioctl_chunks_put,
		 struct netapibuf_chunks, addrs, .outside_arena = true,
		 .hidden = nab_ioctl_chunks_put_hidden),
};

/* The command number without its size bits, which vary by caller. */
#define NAB_IOC_SIZELESS(_cmd)	((_cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static u32 nab_ucmd_u32(const struct nab_ucmd *ucmd, unsigned int offset)
{
	return *(u32 *)((u8 *)ucmd->cmd + offset);
}

/* Whether the command's struct overlaps the session's arena. */
static bool nab_ucmd_in_arena(const struct nab_ucmd *ucmd)
{
	unsigned long start = (unsigned long)ucmd->ubuffer;
	unsigned long base;

	/* Pairs with nab_mmap(): the base comes with the arena's length. */
	base = smp_load_acquire(&ucmd->s->arena_base);

	/* The arena lies below TASK_SIZE, so start + user_size cannot wrap. */
	return base &&
	       start < base + (READ_ONCE(ucmd->s->arena_pages) << PAGE_SHIFT) &&
	       start + ucmd->user_size > base;
}

static long nab_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct nab_ioctl_op *op;
	union nab_ucmd_buffer buf;
	struct nab_ucmd ucmd;
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (nr >= ARRAY_SIZE(nab_ioctl_ops))
		return -ENOTTY;
	op = &nab_ioctl_ops[nr];
	if (!op->execute ||
	    NAB_IOC_SIZELESS(cmd) != NAB_IOC_SIZELESS(op->ioctl_num))
		return -ENOTTY;

	ucmd.s = file->private_data;
	if (op->hidden && op->hidden(ucmd.s))
		return -ENOTTY;
	/* The session is bound to the process that opened it. */
	if (current->mm != ucmd.s->mm)
		return -EPERM;

	ucmd.ubuffer = (void __user *)arg;
	ucmd.user_size = _IOC_SIZE(cmd);
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ucmd.cmd = &buf;
	ucmd.hold = (struct nab_ref){};
	INIT_LIST_HEAD(&ucmd.held_chunks);
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;

	/* Once for every command: no flag is defined, reserved is zero. */
	if (nab_ucmd_u32(&ucmd, op->flags) ||
	    (op->reserved && nab_ucmd_u32(&ucmd, op->reserved)))
		return -EINVAL;

	/* Refused before anything changes; see nab_ioctl_ops[]. */
	if (op->outside_arena && nab_ucmd_in_arena(&ucmd))
		return -EINVAL;

	/*
	 * A command whose result cannot be returned changes nothing: prove
	 * the struct writable before a change that cannot be undone.
	 */
	if (op->probe && copy_to_user(ucmd.ubuffer, ucmd.cmd,
				      min(ucmd.user_size, op->size)))
		return -EFAULT;

	ret = op->execute(&ucmd);
	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(ucmd.ubuffer, ucmd.cmd, min(ucmd.user_size, op->size)))
		ret = -EFAULT;

	/*
	 * A buffer the command made is held until here: no other thread can
	 * have freed it and put another buffer at its address, so a failure
	 * frees exactly it.
	 */
	if (nab_ref_valid(&ucmd.hold)) {
		if (ret)
			nab_buf_unmake(ucmd.s, &ucmd.hold);
		else
			nab_buf_publish(&ucmd.hold);
	}
	/* The same for the chunks a CHUNKS_GET delegated. */
	if (!list_empty(&ucmd.held_chunks)) {
		if (ret)
			nab_chunks_unmake(ucmd.s, &ucmd.held_chunks);
		else
			nab_chunks_publish(ucmd.s, &ucmd.held_chunks);
	}
	return ret;
}

static const struct file_operations nab_fops = {
	.owner = THIS_MODULE,
	.open = nab_open,
	.release = nab_release,
	.unlocked_ioctl = nab_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = nab_mmap,
	.llseek = NAB_NO_LLSEEK,
};

static const struct attribute_group *nab_attr_groups[] = {
	&nab_stats_group,
	&nab_agents_group,
	NULL
};

static struct miscdevice nab_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netapibuf",
	.fops = &nab_fops,
	.groups = nab_attr_groups,
	/*
	 * Root only until udev (tools/udev/60-netapibuf.rules) hands the node
	 * to the netapibuf group: buffers are unswappable kernel memory.
	 */
	.mode = 0600,
};

static int __init nab_init(void)
{
	int ret;

	nab_limits_init();
	/* Before any session can keep a pool, and gone after the last. */
	ret = nab_pool_init();
	if (ret)
		return ret;
	ret = misc_register(&nab_misc);
	if (ret)
		goto pool_exit;
	nab_debugfs_init();
	return 0;

pool_exit:
	nab_pool_exit();
	return ret;
}

static void __exit nab_exit(void)
{
	nab_debugfs_exit();
	misc_deregister(&nab_misc);
	nab_pool_exit();
}

module_init(nab_init);
module_exit(nab_exit);

MODULE_DESCRIPTION("NetApiBuffer-style buffers managed by the kernel");
MODULE_AUTHOR("The netapibuf authors");
MODULE_LICENSE("GPL");
