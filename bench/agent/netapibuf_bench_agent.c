// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf_bench_agent: what `make bench` measures inside the kernel.
 *
 * - The agent "bench", level 0: a result of args[0] bytes (at most
 *   NAB_BENCH_MAX) filled with the pattern below, delivered the netapibuf
 *   way: netapibuf_call_kalloc(), netapibuf_call_deliver(), written in
 *   place, every byte (NETAPIBUF_AGENT_WRITES_ALL: the result may be
 *   made of pages the caller's session freed, not zeroed again).
 *   args[1] returns the number of bytes written.
 * - The misc device /dev/netapibuf_bench, the same bytes through a copy:
 *   pread(2) at offset 0 fills a staging buffer with the pattern and copies
 *   it out with copy_to_user(), as a driver producing its answer per
 *   request would; at offset NAB_BENCH_COPY_ONLY it copies the staging
 *   buffer as it is (the producer's work is left out).
 * - NAB_BENCH_IOC_PAGES on the device: allocate and free pages with the
 *   page allocator, zeroed or not, order 0 or higher (split_page()), and
 *   return the kernel time spent, for the reasons in docs/bench.md.
 * - NAB_BENCH_IOC_COPY: the time of what netapibuf's ioctl dispatcher
 *   does around every command: copies from and to user memory, a mutex.
 *
 * The pattern: the 64-bit word at byte offset o holds o + NAB_BENCH_MAGIC,
 * so that the reader can check any word. It is written four words per
 * loop, about two instructions per word: producing the bytes costs less
 * than copying them (copy_to_user() is one `rep movsb`), so what the two
 * paths do besides producing shows.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/ioctl.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <netapibuf_kernel.h>

#include "netapibuf_bench_agent.h"

static void nab_bench_fill(void *buf, size_t len)
{
	u64 *w = buf, v = NAB_BENCH_MAGIC;
	size_t i, n = len / sizeof(*w);

	for (i = 0; i + 4 <= n; i += 4, v += 4 * sizeof(*w)) {
		w[i] = v;
		w[i + 1] = v + 8;
		w[i + 2] = v + 16;
		w[i + 3] = v + 24;
	}
	for (; i < n; i++, v += sizeof(*w))
		w[i] = v;
	/* The last bytes too: the agent declares it writes every byte. */
	memcpy(&w[n], &v, len % sizeof(*w));
}

static int nab_bench_call(struct netapibuf_call *call, u32 level,
			  const void *in, size_t in_len)
{
	u64 *args = netapibuf_call_args(call);
	struct netapibuf_kbuf *kb;
	size_t len = args[0];
	u64 uaddr;
	int ret;

	if (level != 0 || in_len || len > NAB_BENCH_MAX)
		return -EINVAL;

	kb = netapibuf_call_kalloc(call, len);
	if (!kb)
		return -ENOMEM;
	ret = netapibuf_call_deliver(call, kb, &uaddr);
	if (ret) {
		netapibuf_kfree(kb);
		return ret;
	}
	/* Written in place: the caller reads these very pages. */
	nab_bench_fill(netapibuf_kptr(kb), len);
	args[1] = len;
	return 0;
}

static struct netapibuf_agent nab_bench_agent = {
	.name = "bench",
	.owner = THIS_MODULE,
	.call = nab_bench_call,
	.flags = NETAPIBUF_AGENT_WRITES_ALL,
};

/* The staging buffer of the read(2) path, grown on demand. */
static DEFINE_MUTEX(nab_bench_lock);
static void *nab_bench_stage;
static size_t nab_bench_stage_len;

static ssize_t nab_bench_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	bool copy_only = *ppos == NAB_BENCH_COPY_ONLY;
	ssize_t ret = len;

	if (len > NAB_BENCH_MAX)
		return -EINVAL;
	if (*ppos && !copy_only)
		return 0;

	mutex_lock(&nab_bench_lock);
	if (len > nab_bench_stage_len) {
		void *stage = kvzalloc(len, GFP_KERNEL);

		if (!stage) {
			ret = -ENOMEM;
			goto unlock;
		}
		kvfree(nab_bench_stage);
		nab_bench_stage = stage;
		nab_bench_stage_len = len;
		nab_bench_fill(stage, len);
	}
	if (!copy_only)
		nab_bench_fill(nab_bench_stage, len);
	if (copy_to_user(ubuf, nab_bench_stage, len))
		ret = -EFAULT;
unlock:
	mutex_unlock(&nab_bench_lock);
	return ret;
}

static int nab_bench_pages(struct nab_bench_pages *arg)
{
	gfp_t gfp = GFP_KERNEL | (arg->zero ? __GFP_ZERO : 0);
	unsigned long per = 1UL << arg->order, i, j, nr;
	struct page **pages;
	u64 start;

	if (arg->order > 10 || !arg->nr || arg->nr % per ||
	    arg->nr > NAB_BENCH_MAX >> PAGE_SHIFT)
		return -EINVAL;
	nr = arg->nr;
	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	start = ktime_get_ns();
	for (i = 0; i < nr; i += per) {
		struct page *page = alloc_pages(gfp, arg->order);

		if (!page)
			break;
		if (arg->order)
			split_page(page, arg->order);
		for (j = 0; j < per; j++)
			pages[i + j] = page + j;
	}
	arg->alloc_ns = ktime_get_ns() - start;
	nr = i;

	start = ktime_get_ns();
	for (i = 0; i < nr; i++)
		__free_page(pages[i]);
	arg->free_ns = ktime_get_ns() - start;

	kvfree(pages);
	return nr == arg->nr ? 0 : -ENOMEM;
}

static int nab_bench_copy(struct nab_bench_copy *arg)
{
	void __user *ubuf = u64_to_user_ptr(arg->buf);
	static DEFINE_MUTEX(lock);
	u8 kbuf[256];
	u64 i, start;

	if (arg->size > sizeof(kbuf) || !arg->iters || arg->iters > 1000000)
		return -EINVAL;

	start = ktime_get_ns();
	for (i = 0; i < arg->iters; i++)
		if (copy_from_user(kbuf, ubuf, arg->size))
			return -EFAULT;
	arg->from_ns = ktime_get_ns() - start;

	start = ktime_get_ns();
	for (i = 0; i < arg->iters; i++)
		if (copy_to_user(ubuf, kbuf, arg->size))
			return -EFAULT;
	arg->to_ns = ktime_get_ns() - start;

	start = ktime_get_ns();
	for (i = 0; i < arg->iters; i++)
		if (copy_struct_from_user(kbuf, arg->size, ubuf, arg->size))
			return -EFAULT;
	arg->struct_ns = ktime_get_ns() - start;

	start = ktime_get_ns();
	for (i = 0; i < arg->iters; i++) {
		mutex_lock(&lock);
		mutex_unlock(&lock);
	}
	arg->mutex_ns = ktime_get_ns() - start;
	return 0;
}

static long nab_bench_ioctl(struct file *file, unsigned int cmd,
			    unsigned long uarg)
{
	union {
		struct nab_bench_pages pages;
		struct nab_bench_copy copy;
	} arg;
	size_t size;
	int ret;

	switch (cmd) {
	case NAB_BENCH_IOC_PAGES:
		size = sizeof(arg.pages);
		break;
	case NAB_BENCH_IOC_COPY:
		size = sizeof(arg.copy);
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&arg, (void __user *)uarg, size))
		return -EFAULT;
	if (cmd == NAB_BENCH_IOC_PAGES)
		ret = nab_bench_pages(&arg.pages);
	else
		ret = nab_bench_copy(&arg.copy);
	if (ret)
		return ret;
	if (copy_to_user((void __user *)uarg, &arg, size))
		return -EFAULT;
	return 0;
}

static const struct file_operations nab_bench_fops = {
	.owner = THIS_MODULE,
	.read = nab_bench_read,
	.unlocked_ioctl = nab_bench_ioctl,
	.llseek = default_llseek,
};

static struct miscdevice nab_bench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netapibuf_bench",
	.fops = &nab_bench_fops,
	.mode = 0600,
};

static int __init nab_bench_init(void)
{
	int ret;

	ret = misc_register(&nab_bench_misc);
	if (ret)
		return ret;
	ret = netapibuf_agent_register(&nab_bench_agent);
	if (ret)
		misc_deregister(&nab_bench_misc);
	return ret;
}

static void __exit nab_bench_exit(void)
{
	netapibuf_agent_unregister(&nab_bench_agent);
	misc_deregister(&nab_bench_misc);
	kvfree(nab_bench_stage);
}

module_init(nab_bench_init);
module_exit(nab_bench_exit);

MODULE_DESCRIPTION("netapibuf benchmark agent: delivery versus read(2)");
MODULE_AUTHOR("The netapibuf authors");
MODULE_LICENSE("GPL");
NETAPIBUF_IMPORT_NS();
