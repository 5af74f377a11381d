// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf_sysinfo: a sample netapibuf agent.
 *
 * Two agents, answering from kernel data in the caller's namespaces:
 *
 * - "wksta", level 100: WKSTA_INFO_100 as Samba's netapi.h defines it
 *   (platform id, computer name from the caller's UTS namespace, domain,
 *   version), strings in UTF-8 after the struct, pointing into the buffer;
 * - "netif", level 0: the network interfaces of the caller's network
 *   namespace, as an array of NETIF_INFO_0 with the names after it, paged
 *   like NetXxxEnum: args[0] prefmaxlen, args[1] resume handle (in and
 *   out), args[2] entries read, args[3] total entries.
 *
 * The layouts are those of a 64-bit process; 32-bit callers are refused.
 *
 * Copyright (C) 2026 The netapibuf authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <net/net_namespace.h>

#include <netapibuf_kernel.h>

#include "compat.h"

#define SYSINFO_PLATFORM_ID_NT		500
#define SYSINFO_MAX_PREFERRED_LENGTH	0xffffffffULL

/* struct WKSTA_INFO_100 of a 64-bit process. */
struct sysinfo_wksta_info_100 {
	u32 platform_id;
	u32 pad;
	u64 computername;
	u64 langroup;
	u32 ver_major;
	u32 ver_minor;
};

/* struct NETIF_INFO_0 of a 64-bit process (userlib/include/netapi.h). */
struct sysinfo_netif_info_0 {
	u64 name;
	u32 index;
	u32 mtu;
	u32 flags;
	u32 addr_len;
	u8 addr[8];
	u64 rx_packets;
	u64 tx_packets;
	u64 rx_bytes;
	u64 tx_bytes;
};

static_assert(sizeof(struct sysinfo_wksta_info_100) == 32);
static_assert(sizeof(struct sysinfo_netif_info_0) == 64);

/* The server name a caller may ask about: none, or this machine. */
static int sysinfo_check_server(const char *in, size_t in_len,
				const char *node)
{
	if (!in_len)
		return 0;
	if (!memchr(in, 0, in_len))
		return -EINVAL;
	while (*in == '\\')
		in++;
	if (!*in || !strcasecmp(in, node) || !strcmp(in, "localhost") ||
	    !strcmp(in, "127.0.0.1"))
		return 0;
	return -EHOSTUNREACH;
}

static int sysinfo_wksta_call(struct netapibuf_call *call, u32 level,
			      const void *in, size_t in_len)
{
	struct sysinfo_wksta_info_100 *info;
	char node[__NEW_UTS_LEN + 1], domain[__NEW_UTS_LEN + 1];
	size_t node_len, domain_len;
	struct netapibuf_kbuf *kb;
	u64 uaddr;
	char *p;
	int ret;

	if (in_compat_syscall())
		return -EOPNOTSUPP;
	if (level != 100)
		return -EOPNOTSUPP;

	/*
	 * The caller's UTS namespace. uts_sem is not exported: a racing
	 * sethostname() can at worst give a mix of two names, still
	 * terminated.
	 */
	strscpy(node, utsname()->nodename, sizeof(node));
	strscpy(domain, utsname()->domainname, sizeof(domain));

	ret = sysinfo_check_server(in, in_len, node);
	if (ret)
		return ret;

	node_len = strlen(node) + 1;
	domain_len = strlen(domain) + 1;
	kb = netapibuf_kalloc(sizeof(*info) + node_len + domain_len);
	if (!kb)
		return -ENOMEM;
	ret = netapibuf_call_deliver(call, kb, &uaddr);
	if (ret) {
		netapibuf_kfree(kb);
		return ret;
	}

	/* Written in place: the caller reads these very pages. */
	info = netapibuf_kptr(kb);
	p = (char *)(info + 1);
	info->platform_id = SYSINFO_PLATFORM_ID_NT;
	info->computername = uaddr + (p - (char *)info);
	memcpy(p, node, node_len);
	p += node_len;
	info->langroup = uaddr + (p - (char *)info);
	memcpy(p, domain, domain_len);
	/* The running kernel's version, e.g. 6.1 for "6.1.0-56-amd64". */
	if (sscanf(init_utsname()->release, "%u.%u", &info->ver_major,
		   &info->ver_minor) != 2) {
		info->ver_major = 0;
		info->ver_minor = 0;
	}
	return 0;
}

struct sysinfo_netif {
	int ifindex;
	char name[IFNAMSIZ];
	u32 mtu;
	u32 flags;
	u32 addr_len;
	u8 addr[8];
	struct rtnl_link_stats64 stats;
};

static int sysinfo_netif_cmp(const void *a, const void *b)
{
	const struct sysinfo_netif *x = a, *y = b;

	return x->ifindex - y->ifindex;
}

/* Take a sorted snapshot of the caller's interfaces. */
static struct sysinfo_netif *sysinfo_netif_snapshot(unsigned int *count)
{
	struct net *net = current->nsproxy->net_ns;
	struct sysinfo_netif *ifs, *nif;
	struct net_device *dev;
	unsigned int n, cap;

	for (;;) {
		cap = 0;
		rcu_read_lock();
		for_each_netdev_rcu(net, dev)
			cap++;
		rcu_read_unlock();

		/* Room for interfaces that appear meanwhile. */
		cap += 8;
		ifs = kvcalloc(cap, sizeof(*ifs), GFP_KERNEL_ACCOUNT |
			       __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
		if (!ifs)
			return NULL;

		n = 0;
		rcu_read_lock();
		for_each_netdev_rcu(net, dev) {
			if (n == cap)
				break;
			nif = &ifs[n++];
			nif->ifindex = dev->ifindex;
			strscpy(nif->name, dev->name, sizeof(nif->name));
			nif->mtu = READ_ONCE(dev->mtu);
			nif->flags = nab_netif_get_flags(dev);
			nif->addr_len = min_t(u32, dev->addr_len,
					      sizeof(nif->addr));
			memcpy(nif->addr, dev->dev_addr, nif->addr_len);
			dev_get_stats(dev, &nif->stats);
		}
		rcu_read_unlock();
		if (n < cap)
			break;
		kvfree(ifs);
	}

	sort(ifs, n, sizeof(*ifs), sysinfo_netif_cmp, NULL);
	*count = n;
	return ifs;
}

static int sysinfo_netif_call(struct netapibuf_call *call, u32 level,
			      const void *in, size_t in_len)
{
	u64 *args = netapibuf_call_args(call);
	u64 prefmaxlen = args[0], resume = args[1];
	unsigned int count, first, n, i;
	struct sysinfo_netif_info_0 *entry;
	struct netapibuf_kbuf *kb;
	struct sysinfo_netif *ifs;
	size_t size, strings;
	u64 uaddr;
	char *p;
	int ret;

	if (in_compat_syscall() || level != 0)
		return -EOPNOTSUPP;
	if (in_len || resume > INT_MAX)
		return -EINVAL;

	ifs = sysinfo_netif_snapshot(&count);
	if (!ifs)
		return -ENOMEM;

	/* Resume after the last interface returned, even if it is gone. */
	for (first = 0; first < count && ifs[first].ifindex <= resume; first++)
		;

	/* As many as fit in prefmaxlen, but at least one. */
	size = 0;
	for (n = 0; first + n < count; n++) {
		size_t more = sizeof(*entry) + strlen(ifs[first + n].name) + 1;

		if (n && prefmaxlen != SYSINFO_MAX_PREFERRED_LENGTH &&
		    size + more > prefmaxlen)
			break;
		size += more;
	}

	args[2] = n;
	args[3] = count - first;
	args[1] = first + n < count ? ifs[first + n - 1].ifindex : 0;
	if (first + n < count)
		netapibuf_call_set_status(call, NETAPIBUF_ERROR_MORE_DATA);
	if (!n) {
		ret = 0;
		goto free_ifs;
	}

	kb = netapibuf_kalloc(size);
	if (!kb) {
		ret = -ENOMEM;
		goto free_ifs;
	}
	ret = netapibuf_call_deliver(call, kb, &uaddr);
	if (ret) {
		netapibuf_kfree(kb);
		goto free_ifs;
	}

	entry = netapibuf_kptr(kb);
	strings = n * sizeof(*entry);
	p = (char *)entry + strings;
	for (i = 0; i < n; i++, entry++) {
		const struct sysinfo_netif *nif = &ifs[first + i];
		size_t len = strlen(nif->name) + 1;

		entry->name = uaddr + strings;
		memcpy(p, nif->name, len);
		p += len;
		strings += len;
		entry->index = nif->ifindex;
		entry->mtu = nif->mtu;
		entry->flags = nif->flags;
		entry->addr_len = nif->addr_len;
		memcpy(entry->addr, nif->addr, sizeof(entry->addr));
		entry->rx_packets = nif->stats.rx_packets;
		entry->tx_packets = nif->stats.tx_packets;
		entry->rx_bytes = nif->stats.rx_bytes;
		entry->tx_bytes = nif->stats.tx_bytes;
	}
free_ifs:
	kvfree(ifs);
	return ret;
}

static struct netapibuf_agent sysinfo_wksta_agent = {
	.name = "wksta",
	.owner = THIS_MODULE,
	.call = sysinfo_wksta_call,
};

static struct netapibuf_agent sysinfo_netif_agent = {
	.name = "netif",
	.owner = THIS_MODULE,
	.call = sysinfo_netif_call,
};

static int __init sysinfo_init(void)
{
	int ret;

	ret = netapibuf_agent_register(&sysinfo_wksta_agent);
	if (ret)
		return ret;
	ret = netapibuf_agent_register(&sysinfo_netif_agent);
	if (ret)
		netapibuf_agent_unregister(&sysinfo_wksta_agent);
	return ret;
}

static void __exit sysinfo_exit(void)
{
	netapibuf_agent_unregister(&sysinfo_netif_agent);
	netapibuf_agent_unregister(&sysinfo_wksta_agent);
}

module_init(sysinfo_init);
module_exit(sysinfo_exit);

MODULE_DESCRIPTION("netapibuf sample agent: workstation and interface information");
MODULE_AUTHOR("The netapibuf authors");
MODULE_LICENSE("GPL");
NETAPIBUF_IMPORT_NS();
