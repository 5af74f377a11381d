/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netapibuf: the kernel API, for agents.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef _NETAPIBUF_KERNEL_H
#define _NETAPIBUF_KERNEL_H

#include <linux/list.h>
#include <linux/module.h>
#include <linux/types.h>

/**
 * DOC: netapibuf agents
 *
 * An agent is a module that answers queries from processes with a buffer
 * the process later frees with NetApiBufferFree(), as the RPC runtime does
 * for NetWkstaGetInfo() on Windows. Every symbol is exported in the
 * ``NETAPIBUF`` namespace: an agent says ``NETAPIBUF_IMPORT_NS();`` (the
 * same on every kernel) and builds with netapibuf's Module.symvers in
 * KBUILD_EXTRA_SYMBOLS.
 *
 * Kernel-side buffers (netapibuf_kalloc() and friends) are zeroed pages
 * with a kernel address. During a call, netapibuf_call_deliver() makes one
 * of them the call's result: its pages join the calling process's session
 * at a user address the agent learns at once, so it can build structures
 * that point into the buffer (strings after a fixed array, as Windows
 * does). The agent goes on writing through the kernel address until its
 * handler returns; the process then reads the same pages: no copy.
 *
 * A handler runs in the caller's context: current's namespaces and
 * credentials are the caller's. It may sleep. netapibuf holds a reference
 * on the agent's module for the duration of a call, and delivered buffers
 * no longer involve the agent, so it may be unloaded while they live.
 */

/* MODULE_IMPORT_NS(NETAPIBUF), whether namespaces are strings or not. */
#define NETAPIBUF_IMPORT_NS()	MODULE_INFO(import_ns, "NETAPIBUF")

/*
 * Loading on demand: a call for an agent not registered makes netapibuf
 * ask modprobe for "netapibuf-agent-NAME" (NAME of 1 to
 * NETAPIBUF_AGENT_NAME_MAX - 1 characters from [a-z0-9_-]); the agent's
 * module declares that alias with MODULE_ALIAS_NETAPIBUF_AGENT("NAME")
 * for each agent it registers, and is installed where depmod indexes it.
 */
#define NETAPIBUF_AGENT_ALIAS_PREFIX	"netapibuf-agent-"
#define MODULE_ALIAS_NETAPIBUF_AGENT(name)	\
	MODULE_ALIAS(NETAPIBUF_AGENT_ALIAS_PREFIX name)

/* The ERROR_MORE_DATA status of the NetXxxEnum calls. */
#define NETAPIBUF_ERROR_MORE_DATA	234

struct netapibuf_kbuf;
struct netapibuf_call;

/**
 * struct netapibuf_agent - an agent, as registered
 * @name: unique name, at most NETAPIBUF_AGENT_NAME_MAX - 1 characters
 * @owner: THIS_MODULE
 * @call: answers one query: @level and the input (a kernel copy of
 *	the caller's, @in_len bytes, NULL when empty); returns 0 or a
 *	negative errno, which the caller sees
 * @flags: NETAPIBUF_AGENT_* below, or 0
 * @node: private to netapibuf
 */
struct netapibuf_agent {
	const char *name;
	struct module *owner;
	int (*call)(struct netapibuf_call *call, u32 level, const void *in,
		    size_t in_len);
	unsigned int flags;
	struct list_head node;
};

/*
 * The agent writes every byte of each buffer it makes with
 * netapibuf_call_kalloc() (bytes 0 to the size it delivers): such buffers
 * may then be made of pages the calling process's own session freed,
 * not zeroed again. What lies past the size in the last page is zeroed
 * on delivery. An agent that declares this and leaves a byte unwritten
 * shows the caller its own old data there, never anyone else's. Such a
 * buffer delivered in a later call (an agent that kept it) is zeroed
 * whole first: the pages were the first caller's.
 */
#define NETAPIBUF_AGENT_WRITES_ALL	0x1U

int netapibuf_agent_register(struct netapibuf_agent *agent);
void netapibuf_agent_unregister(struct netapibuf_agent *agent);

struct netapibuf_kbuf *netapibuf_kalloc(size_t size);
struct netapibuf_kbuf *netapibuf_call_kalloc(struct netapibuf_call *call,
					     size_t size);
int netapibuf_krealloc(struct netapibuf_kbuf *kb, size_t size);
void netapibuf_kfree(struct netapibuf_kbuf *kb);
size_t netapibuf_ksize(const struct netapibuf_kbuf *kb);
void *netapibuf_kptr(const struct netapibuf_kbuf *kb);

int netapibuf_call_deliver(struct netapibuf_call *call,
			   struct netapibuf_kbuf *kb, u64 *uaddr);
u64 *netapibuf_call_args(struct netapibuf_call *call);
void netapibuf_call_set_status(struct netapibuf_call *call, u32 status);

#endif /* _NETAPIBUF_KERNEL_H */
