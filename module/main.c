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

/* Where a command's struct lies in the caller's memory. */
struct nab_ucmd {
	void __user *uptr;
	size_t usize;
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

static int nab_ioctl_info(struct nab_session *s, void *arg,
			  const struct nab_ucmd *ucmd)
{
	struct netapibuf_info *info = arg;

	if (info->flags)
		return -EINVAL;

	info->abi_version = NETAPIBUF_ABI_VERSION;
	info->features = NETAPIBUF_FEATURE_ARENA |
			 NETAPIBUF_FEATURE_REALLOC_MOVE |
			 NETAPIBUF_FEATURE_AGENTS;
	info->arena_size = (u64)s->arena_pages << PAGE_SHIFT;
	info->arena_addr = READ_ONCE(s->arena_base);
	info->max_buffer_bytes = READ_ONCE(nab_max_buffer_bytes);
	info->max_session_bytes = READ_ONCE(nab_max_session_bytes);
	info->max_total_bytes = READ_ONCE(nab_max_total_bytes);
	return 0;
}

static int nab_ioctl_alloc(struct nab_session *s, void *arg,
			   const struct nab_ucmd *ucmd)
{
	struct netapibuf_alloc *cmd = arg;
	unsigned long addr;
	int ret;

	if (cmd->flags || cmd->reserved)
		return -EINVAL;

	ret = nab_buf_alloc(s, cmd->size, &addr);
	if (!ret)
		cmd->addr = addr;
	return ret;
}

static void nab_ioctl_alloc_undo(struct nab_session *s, void *arg)
{
	struct netapibuf_alloc *cmd = arg;

	nab_buf_free(s, cmd->addr);
}

static int nab_ioctl_free(struct nab_session *s, void *arg,
			  const struct nab_ucmd *ucmd)
{
	struct netapibuf_free *cmd = arg;

	if (cmd->flags || cmd->reserved)
		return -EINVAL;
	return nab_buf_free(s, cmd->addr);
}

/*
 * A struct that lies inside the buffer it resizes could not take the
 * result once the buffer moved, shrank or went away: refuse it up front,
 * so that the failure changes nothing.
 */
static int nab_realloc_check_struct(struct nab_session *s,
				    const struct netapibuf_realloc *cmd,
				    const struct nab_ucmd *ucmd)
{
	unsigned long start = (unsigned long)ucmd->uptr;
	u64 size;

	if (!cmd->addr || nab_buf_size(s, cmd->addr, &size))
		return 0;
	size = max_t(u64, size, 1);
	if (start < cmd->addr + size && cmd->addr < start + ucmd->usize)
		return -EINVAL;
	return 0;
}

static int nab_ioctl_realloc(struct nab_session *s, void *arg,
			     const struct nab_ucmd *ucmd)
{
	struct netapibuf_realloc *cmd = arg;
	unsigned long addr;
	int ret;

	if (cmd->flags || cmd->reserved)
		return -EINVAL;
	ret = nab_realloc_check_struct(s, cmd, ucmd);
	if (ret)
		return ret;

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

static int nab_ioctl_agent_call(struct nab_session *s, void *arg,
				const struct nab_ucmd *ucmd)
{
	return nab_agent_call(s, arg);
}

static void nab_ioctl_agent_call_undo(struct nab_session *s, void *arg)
{
	struct netapibuf_agent_call *cmd = arg;

	if (cmd->buffer)
		nab_buf_free(s, cmd->buffer);
}

static int nab_ioctl_size(struct nab_session *s, void *arg,
			  const struct nab_ucmd *ucmd)
{
	struct netapibuf_size *cmd = arg;

	if (cmd->flags || cmd->reserved)
		return -EINVAL;
	return nab_buf_size(s, cmd->addr, &cmd->size);
}

/**
 * struct nab_ioctl_op - one ioctl command
 * @size: size of the kernel's struct
 * @min_size: size of the struct's first version: anything shorter is EINVAL
 * @cmd: the command as the uapi header defines it (its size bits ignored)
 * @execute: does the work on the copied-in struct (@ucmd: where it came from)
 * @undo: reverts @execute when the result cannot be copied out
 * @probe: @execute changes what cannot be undone: prove the struct
 *	writable before it runs
 */
struct nab_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int cmd;
	int (*execute)(struct nab_session *s, void *arg,
		       const struct nab_ucmd *ucmd);
	void (*undo)(struct nab_session *s, void *arg);
	bool probe;
};

#define NAB_IOCTL_OP(_nr, _cmd, _fn, _undo, _probe, _struct, _last)	\
	[_nr] = {							\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.cmd = _cmd,						\
		.execute = _fn,						\
		.undo = _undo,						\
		.probe = _probe,					\
	}

/*
 * A command that returns a result either changes nothing (INFO, SIZE),
 * can be undone (ALLOC, AGENT_CALL: the new buffer is freed), or is
 * probed (REALLOC: a buffer that moved cannot be put back).
 */
static const struct nab_ioctl_op nab_ioctl_ops[] = {
	NAB_IOCTL_OP(NETAPIBUF_CMD_INFO, NETAPIBUF_IOC_INFO,
		     nab_ioctl_info, NULL, false,
		     struct netapibuf_info, max_total_bytes),
	NAB_IOCTL_OP(NETAPIBUF_CMD_ALLOC, NETAPIBUF_IOC_ALLOC,
		     nab_ioctl_alloc, nab_ioctl_alloc_undo, false,
		     struct netapibuf_alloc, addr),
	NAB_IOCTL_OP(NETAPIBUF_CMD_FREE, NETAPIBUF_IOC_FREE,
		     nab_ioctl_free, NULL, false,
		     struct netapibuf_free, reserved),
	NAB_IOCTL_OP(NETAPIBUF_CMD_REALLOC, NETAPIBUF_IOC_REALLOC,
		     nab_ioctl_realloc, NULL, true,
		     struct netapibuf_realloc, new_addr),
	NAB_IOCTL_OP(NETAPIBUF_CMD_SIZE, NETAPIBUF_IOC_SIZE,
		     nab_ioctl_size, NULL, false,
		     struct netapibuf_size, size),
	NAB_IOCTL_OP(NETAPIBUF_CMD_AGENT_CALL, NETAPIBUF_IOC_AGENT_CALL,
		     nab_ioctl_agent_call, nab_ioctl_agent_call_undo, false,
		     struct netapibuf_agent_call, buffer),
};

union nab_ioctl_buf {
	struct netapibuf_info info;
	struct netapibuf_alloc alloc;
	struct netapibuf_free free;
	struct netapibuf_realloc realloc;
	struct netapibuf_size size;
	struct netapibuf_agent_call agent_call;
};

static long nab_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct nab_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct nab_ioctl_op *op;
	union nab_ioctl_buf buf;
	struct nab_ucmd ucmd;
	unsigned int nr = _IOC_NR(cmd);
	size_t usize = _IOC_SIZE(cmd);
	int ret;

	if (_IOC_TYPE(cmd) != NETAPIBUF_IOCTL_TYPE ||
	    nr >= ARRAY_SIZE(nab_ioctl_ops))
		return -ENOTTY;
	op = &nab_ioctl_ops[nr];
	if (!op->execute || _IOC_DIR(cmd) != _IOC_DIR(op->cmd))
		return -ENOTTY;

	/* The session is bound to the process that opened it. */
	if (current->mm != s->mm)
		return -EPERM;

	if (usize < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (ret)
		return ret;

	/*
	 * A command whose result cannot be returned changes nothing: prove
	 * the struct writable before a change that cannot be undone.
	 */
	if (op->probe &&
	    copy_to_user(uarg, &buf, min_t(size_t, usize, op->size)))
		return -EFAULT;

	ucmd.uptr = uarg;
	ucmd.usize = usize;
	ret = op->execute(s, &buf, &ucmd);
	if (ret || !(_IOC_DIR(cmd) & _IOC_READ))
		return ret;

	if (copy_to_user(uarg, &buf, min_t(size_t, usize, op->size))) {
		if (op->undo)
			op->undo(s, &buf);
		return -EFAULT;
	}
	return 0;
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
	ret = misc_register(&nab_misc);
	if (ret)
		return ret;
	nab_debugfs_init();
	return 0;
}

static void __exit nab_exit(void)
{
	nab_debugfs_exit();
	misc_deregister(&nab_misc);
}

module_init(nab_init);
module_exit(nab_exit);

MODULE_DESCRIPTION("NetApiBuffer-style buffers managed by the kernel");
MODULE_AUTHOR("The netapibuf authors");
MODULE_LICENSE("GPL");
