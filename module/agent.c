// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf: the kernel API: kernel-side buffers and agents.
 *
 * See the DOC block of module/include/netapibuf_kernel.h.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/kmod.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <linux/netapibuf.h>
#include <netapibuf_kernel.h>

#include "compat.h"
#include "netapibuf_internal.h"

#define NAB_AGENT_IN_MAX	SZ_64K

/**
 * struct netapibuf_kbuf - a kernel-side buffer
 * @pv: its pages, at least 1; on delivery they move to the caller's session
 * @size: size in bytes
 * @vaddr: kernel address of the pages, mapped contiguously with vmap()
 * @nr_mapped: pages @vaddr maps
 * @delivered: the buffer is a call's result and belongs to the call; its
 *	pages are the session's, still mapped at @vaddr
 * @recycled_in: 0, or the id of the call in which some pages came from
 *	its session's pool, unzeroed: delivered in that call, the last page
 *	is zeroed past @size; in any other, the whole buffer is zeroed
 */
struct netapibuf_kbuf {
	struct nab_pages pv;
	size_t size;
	void *vaddr;
	unsigned long nr_mapped;
	bool delivered;
	u64 recycled_in;
};

/**
 * struct netapibuf_call - one call of an agent
 * @s: the calling process's session
 * @result: the delivered buffer, or NULL
 * @addr: @result's user address
 * @hold: @result in the session, held until the ioctl has returned @addr
 *	(struct nab_ref)
 * @args: the agent-defined in/out values
 * @status: the agent's NET_API_STATUS
 * @writes_all: the agent declared NETAPIBUF_AGENT_WRITES_ALL
 * @id: unique among all calls (nab_call_seq)
 */
struct netapibuf_call {
	struct nab_session *s;
	struct netapibuf_kbuf *result;
	unsigned long addr;
	struct nab_ref hold;
	u64 args[4];
	u32 status;
	bool writes_all;
	u64 id;
};

/*
 * Numbers the calls: a buffer made of a session's pooled pages may only
 * reach that session's process unzeroed, so it records the call it was
 * made in. 64 bits never wrap.
 */
static atomic64_t nab_call_seq;

static LIST_HEAD(nab_agents);
static DEFINE_MUTEX(nab_agents_lock);	/* protects nab_agents */

static unsigned long nab_kbuf_pages(size_t size)
{
	return max_t(unsigned long, 1, DIV_ROUND_UP(size, PAGE_SIZE));
}

/* Map the first @nr pages of @kb at a new kernel address. */
static int nab_kbuf_map(struct netapibuf_kbuf *kb, unsigned long nr)
{
	void *vaddr = vmap(kb->pv.pages, nr, VM_MAP, PAGE_KERNEL);

	if (!vaddr)
		return -ENOMEM;
	if (kb->vaddr)
		vunmap(kb->vaddr);
	kb->vaddr = vaddr;
	kb->nr_mapped = nr;
	return 0;
}

/*
 * A kernel-side buffer of @size bytes; with @call, as many of its pages as
 * the caller's session's pool has come from the pool, unzeroed, the rest
 * fresh and zeroed.
 */
static struct netapibuf_kbuf *nab_kbuf_alloc(struct netapibuf_call *call,
					     size_t size)
{
	struct nab_session *s = call ? call->s : NULL;
	struct netapibuf_kbuf *kb;
	int ret;

	if (nab_limit_size(size))
		return NULL;

	kb = kzalloc(sizeof(*kb), NAB_GFP);
	if (!kb)
		return NULL;
	if (nab_pages_alloc_array(&kb->pv, nab_kbuf_pages(size)))
		goto free_kbuf;
	if (s && nab_pool_take(s, &kb->pv))
		kb->recycled_in = call->id;
	ret = nab_pages_fill_up(&kb->pv);
	/* Pooled pages are charged to the memory cgroup too: give them back. */
	if (ret && s && nab_pool_drain(s))
		ret = nab_pages_fill_up(&kb->pv);
	if (ret)
		goto release_pages;
	if (nab_kbuf_map(kb, kb->pv.nr))
		goto release_pages;
	kb->size = size;
	return kb;

release_pages:
	nab_pages_release(&kb->pv);
free_kbuf:
	kfree(kb);
	return NULL;
}

/**
 * netapibuf_kalloc() - allocate a zeroed kernel-side buffer
 * @size: bytes, 0 included; at most the module's max_buffer_bytes
 *
 * Context: process context; may sleep.
 * Return: the buffer, or NULL if out of memory or over the limit.
 */
struct netapibuf_kbuf *netapibuf_kalloc(size_t size)
{
	return nab_kbuf_alloc(NULL, size);
}
EXPORT_SYMBOL_NS_GPL(netapibuf_kalloc, NAB_NS);

/**
 * netapibuf_call_kalloc() - allocate a kernel-side buffer for a call's result
 * @call: the call
 * @size: bytes, 0 included; at most the module's max_buffer_bytes
 *
 * For an agent registered with NETAPIBUF_AGENT_WRITES_ALL, the buffer may
 * be made of pages the caller's own session freed, holding that
 * process's old data: the agent must write each of its @size bytes (it
 * may grow it with netapibuf_krealloc(), whose new bytes read as zero).
 * For any other agent it is netapibuf_kalloc().
 *
 * Context: only from an agent's handler; may sleep.
 * Return: the buffer, or NULL if out of memory or over the limit.
 */
struct netapibuf_kbuf *netapibuf_call_kalloc(struct netapibuf_call *call,
					     size_t size)
{
	return nab_kbuf_alloc(call->writes_all ? call : NULL, size);
}
EXPORT_SYMBOL_NS_GPL(netapibuf_call_kalloc, NAB_NS);

/**
 * netapibuf_krealloc() - resize a kernel-side buffer, keeping its contents
 * @kb: the buffer, not delivered
 * @size: the new size; the first min(old, @size) bytes are kept and the
 *	rest reads as zero. Pages are never copied, but the kernel address
 *	may change: call netapibuf_kptr() again.
 *
 * Context: process context; may sleep.
 * Return: 0, -EBUSY if @kb was delivered, -ENOMEM or -EDQUOT; on failure
 * @kb is unchanged.
 */
int netapibuf_krealloc(struct netapibuf_kbuf *kb, size_t size)
{
	unsigned long nr, old_nr = kb->pv.nr;
	int ret;

	if (kb->delivered)
		return -EBUSY;
	ret = nab_limit_size(size);
	if (ret)
		return ret;
	nr = nab_kbuf_pages(size);

	/* Past the old size, the pages it has may have been written. */
	if (size > kb->size)
		nab_pages_zero_tail(&kb->pv, kb->size, size);
	if (nr < old_nr) {
		ret = nab_kbuf_map(kb, nr);
		if (ret)
			return ret;
		nab_pages_shrink(&kb->pv, nr);
	} else if (nr > old_nr) {
		ret = nab_pages_grow(&kb->pv, nr);
		if (ret)
			return ret;
		ret = nab_kbuf_map(kb, nr);
		if (ret) {
			nab_pages_shrink(&kb->pv, old_nr);
			return ret;
		}
	}
	kb->size = size;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_krealloc, NAB_NS);

static void nab_kbuf_destroy(struct netapibuf_kbuf *kb)
{
	/* A delivered buffer's pages are the session's: only unmap them. */
	vunmap(kb->vaddr);
	nab_pages_release(&kb->pv);
	kfree(kb);
}

/**
 * netapibuf_kfree() - free a kernel-side buffer
 * @kb: the buffer, or NULL; a delivered buffer belongs to its call and is
 *	left alone
 */
void netapibuf_kfree(struct netapibuf_kbuf *kb)
{
	if (kb && !kb->delivered)
		nab_kbuf_destroy(kb);
}
EXPORT_SYMBOL_NS_GPL(netapibuf_kfree, NAB_NS);

/**
 * netapibuf_ksize() - size of a kernel-side buffer
 * @kb: the buffer
 *
 * Return: its size in bytes.
 */
size_t netapibuf_ksize(const struct netapibuf_kbuf *kb)
{
	return kb->size;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_ksize, NAB_NS);

/**
 * netapibuf_kptr() - kernel address of a kernel-side buffer
 * @kb: the buffer
 *
 * Return: the address of its first byte; valid until @kb is resized or
 * freed, and for a delivered buffer until the agent's handler returns.
 */
void *netapibuf_kptr(const struct netapibuf_kbuf *kb)
{
	return kb->vaddr;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_kptr, NAB_NS);

/**
 * netapibuf_call_deliver() - make a buffer the call's result
 * @call: the call
 * @kb: the buffer; on success it belongs to the call
 * @uaddr: where to store the address the buffer has in the caller
 *
 * The buffer's pages join the caller's session at once, at *@uaddr. The
 * agent may go on writing through netapibuf_kptr() until its handler
 * returns; the caller frees the buffer with NetApiBufferFree(). If the
 * handler then fails, netapibuf frees the buffer again.
 *
 * Context: only from an agent's handler; may sleep.
 * Return: 0, -EBUSY (a result was delivered already), or the allocation
 * errors (-ENOMEM, -EDQUOT, -ENOSPC); on failure @kb is still the agent's.
 */
int netapibuf_call_deliver(struct netapibuf_call *call,
			   struct netapibuf_kbuf *kb, u64 *uaddr)
{
	int ret;

	if (call->result || kb->delivered)
		return -EBUSY;
	/*
	 * Pooled pages: past the result, nothing of their old data reaches
	 * the caller; and in another call than the one they were taken in
	 * (an agent that kept the buffer), the caller may be another
	 * session's process: nothing of them at all.
	 */
	if (kb->recycled_in)
		nab_pages_zero_tail(&kb->pv,
				    kb->recycled_in == call->id ? kb->size : 0,
				    (size_t)kb->pv.nr << PAGE_SHIFT);
	/*
	 * The result stays held (struct nab_ref) until the ioctl has
	 * returned: no FREE or REALLOC finds it meanwhile, and the session
	 * cannot go while its ioctl runs, so the pages the agent goes on
	 * writing through the kernel mapping stay allocated without a
	 * reference of their own.
	 */
	ret = nab_buf_adopt(call->s, &kb->pv, kb->size, &call->addr,
			    &call->hold);
	if (ret)
		return ret;
	/* The session owns the pages now, and kb->pv is empty. */
	kb->delivered = true;
	call->result = kb;
	*uaddr = call->addr;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_call_deliver, NAB_NS);

/**
 * netapibuf_call_args() - the call's four agent-defined values
 * @call: the call
 *
 * Return: the values, as the caller passed them; what the handler leaves
 * in them goes back to the caller.
 */
u64 *netapibuf_call_args(struct netapibuf_call *call)
{
	return call->args;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_call_args, NAB_NS);

/**
 * netapibuf_call_set_status() - the NET_API_STATUS the caller gets
 * @call: the call
 * @status: e.g. NETAPIBUF_ERROR_MORE_DATA; 0 (NERR_Success) by default
 */
void netapibuf_call_set_status(struct netapibuf_call *call, u32 status)
{
	call->status = status;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_call_set_status, NAB_NS);

static struct netapibuf_agent *nab_agent_find(const char *name)
{
	struct netapibuf_agent *agent;

	lockdep_assert_held(&nab_agents_lock);
	list_for_each_entry(agent, &nab_agents, node)
		if (!strcmp(agent->name, name))
			return agent;
	return NULL;
}

/*
 * Whether an agent of this name may be loaded on demand: 1 to
 * NETAPIBUF_AGENT_NAME_MAX - 1 characters from [a-z0-9_-], so that the
 * module name modprobe is asked for is always "netapibuf-agent-" and a
 * plain word: no path, no option, no other module's alias.
 */
static bool nab_agent_name_loadable(const char *name)
{
	size_t i, len = strnlen(name, NETAPIBUF_AGENT_NAME_MAX);

	if (!len || len == NETAPIBUF_AGENT_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

/* The registered agent @name with a reference on its module, or NULL. */
static struct netapibuf_agent *nab_agent_get(const char *name)
{
	struct netapibuf_agent *agent;

	mutex_lock(&nab_agents_lock);
	agent = nab_agent_find(name);
	/* A module on its way out no longer answers. */
	if (agent && !try_module_get(agent->owner))
		agent = NULL;
	mutex_unlock(&nab_agents_lock);
	return agent;
}

/**
 * netapibuf_agent_register() - offer an agent to processes
 * @agent: the agent; it must stay valid until unregistered
 *
 * Return: 0, -EINVAL (bad name, no handler or an unknown flag) or
 * -EEXIST (name taken).
 */
int netapibuf_agent_register(struct netapibuf_agent *agent)
{
	int ret = 0;

	if (!agent->call || !agent->name || !agent->name[0] ||
	    (agent->flags & ~NETAPIBUF_AGENT_WRITES_ALL) ||
	    strlen(agent->name) >= NETAPIBUF_AGENT_NAME_MAX ||
	    strchr(agent->name, '\n'))
		return -EINVAL;

	mutex_lock(&nab_agents_lock);
	if (nab_agent_find(agent->name))
		ret = -EEXIST;
	else
		list_add_tail(&agent->node, &nab_agents);
	mutex_unlock(&nab_agents_lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(netapibuf_agent_register, NAB_NS);

/**
 * netapibuf_agent_unregister() - withdraw an agent
 * @agent: a registered agent
 *
 * Calls in progress hold a reference on the agent's module, so from its
 * module's exit function no call of it is running any more.
 */
void netapibuf_agent_unregister(struct netapibuf_agent *agent)
{
	mutex_lock(&nab_agents_lock);
	list_del(&agent->node);
	mutex_unlock(&nab_agents_lock);
}
EXPORT_SYMBOL_NS_GPL(netapibuf_agent_unregister, NAB_NS);

/**
 * nab_agent_call() - NETAPIBUF_IOC_AGENT_CALL
 * @s: the caller's session
 * @cmd: the command, copied in, its flags checked; on success filled in
 *	for copying out
 * @hold: on success, the result buffer, held (struct nab_ref) for the
 *	caller to publish or unmake; empty if there is none
 *
 * Return: 0 or a negative errno; the uapi header lists them.
 */
int nab_agent_call(struct nab_session *s, struct netapibuf_agent_call *cmd,
		   struct nab_ref *hold)
{
	struct netapibuf_call call = { .s = s };
	struct netapibuf_agent *agent;
	void *in = NULL;
	int ret;

	if (!memchr(cmd->name, 0, sizeof(cmd->name)))
		return -EINVAL;
	if (cmd->in_len > NAB_AGENT_IN_MAX)
		return -E2BIG;
	if (cmd->in_len) {
		in = vmemdup_user(u64_to_user_ptr(cmd->in), cmd->in_len);
		if (IS_ERR(in))
			return PTR_ERR(in);
	}

	agent = nab_agent_get(cmd->name);
	/*
	 * Load on demand, as the kernel does for "net-pf-%d" and "crypto-%s":
	 * modprobe resolves the alias an agent module declares with
	 * MODULE_ALIAS_NETAPIBUF_AGENT(). No lock is held: the module's init
	 * registers the agent. Whether modprobe worked, the list says.
	 */
	if (!agent && nab_agent_name_loadable(cmd->name)) {
		request_module(NETAPIBUF_AGENT_ALIAS_PREFIX "%s", cmd->name);
		agent = nab_agent_get(cmd->name);
	}
	if (!agent) {
		ret = -ENOENT;
		goto free_in;
	}

	memcpy(call.args, cmd->args, sizeof(call.args));
	call.writes_all = agent->flags & NETAPIBUF_AGENT_WRITES_ALL;
	call.id = atomic64_inc_return(&nab_call_seq);
	ret = agent->call(&call, cmd->level, in, cmd->in_len);
	module_put(agent->owner);

	if (call.result) {
		/* The kernel mapping goes first, then the pages if need be. */
		nab_kbuf_destroy(call.result);
		/* Held, so exactly the result goes, whatever the address. */
		if (ret)
			nab_buf_unmake(s, &call.hold);
	}
	if (!ret) {
		cmd->status = call.status;
		memcpy(cmd->args, call.args, sizeof(cmd->args));
		cmd->buffer = call.result ? call.addr : 0;
		*hold = call.hold;
	}
free_in:
	kvfree(in);
	return ret;
}

static ssize_t agents_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct netapibuf_agent *agent;
	ssize_t len = 0;

	mutex_lock(&nab_agents_lock);
	list_for_each_entry(agent, &nab_agents, node)
		len += sysfs_emit_at(buf, len, "%s\n", agent->name);
	mutex_unlock(&nab_agents_lock);
	return len;
}
static DEVICE_ATTR_RO(agents);

static struct attribute *nab_agents_attrs[] = {
	&dev_attr_agents.attr,
	NULL
};

const struct attribute_group nab_agents_group = {
	.attrs = nab_agents_attrs,
};
