// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf_sysinfo: a sample netapibuf agent.
 *
 * Two agents, answering from kernel data in the caller's namespaces, with
 * the protocol of <linux/netapibuf_sysinfo.h>:
 *
 * - "wksta", level 100: WKSTA_INFO_100 (platform id, computer name from
 *   the caller's UTS namespace, domain, version), strings in UTF-8 after
 *   the struct, pointing into the buffer;
 * - "netif", level 0: the network interfaces of the caller's network
 *   namespace, as an array of NETIF_INFO_0 with the names after it, paged
 *   like NetXxxEnum.
 *
 * Both take the server name as input and answer only for this machine.
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

#include <linux/netapibuf_sysinfo.h>
#include <netapibuf_kernel.h>

#include "compat.h"

/*
 * The server name a caller may ask about: none, or this machine, whose
 * nodename is @node. Returns 0, -EHOSTUNREACH for another machine, or
 * -EINVAL for a name without its NUL.
 */
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
	struct netapibuf_sysinfo_wksta_info_100 *info;
	char node[__NEW_UTS_LEN + 1], domain[__NEW_UTS_LEN + 1];
	size_t node_len, domain_len;
	struct netapibuf_kbuf *kb;
	u64 uaddr;
	char *p;
	int ret;

	/* No request flag is defined yet: any is an unknown level. */
	if (in_compat_syscall() || level != NETAPIBUF_SYSINFO_WKSTA_LEVEL_100)
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
	info->wki100_platform_id = NETAPIBUF_SYSINFO_PLATFORM_ID_NT;
	info->wki100_computername = uaddr + (p - (char *)info);
	memcpy(p, node, node_len);
	p += node_len;
	info->wki100_langroup = uaddr + (p - (char *)info);
	memcpy(p, domain, domain_len);
	/* The running kernel's version, e.g. 6.1 for "6.1.0-56-amd64". */
	if (sscanf(init_utsname()->release, "%u.%u", &info->wki100_ver_major,
		   &info->wki100_ver_minor) != 2) {
		info->wki100_ver_major = 0;
		info->wki100_ver_minor = 0;
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
	u64 prefmaxlen = args[NETAPIBUF_SYSINFO_ARG_PREFMAXLEN];
	u64 resume = args[NETAPIBUF_SYSINFO_ARG_RESUME];
	struct netapibuf_sysinfo_netif_info_0 *entry;
	char node[__NEW_UTS_LEN + 1];
	unsigned int count, first, n, i;
	struct netapibuf_kbuf *kb;
	struct sysinfo_netif *ifs;
	size_t size, strings;
	u64 uaddr;
	char *p;
	int ret;

	/* No request flag is defined yet: any is an unknown level. */
	if (in_compat_syscall() || level != NETAPIBUF_SYSINFO_NETIF_LEVEL_0)
		return -EOPNOTSUPP;
	strscpy(node, utsname()->nodename, sizeof(node));
	ret = sysinfo_check_server(in, in_len, node);
	if (ret)
		return ret;
	if (resume > NETAPIBUF_SYSINFO_RESUME_MAX)
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

		if (n && prefmaxlen != NETAPIBUF_SYSINFO_PREFMAXLEN_ALL &&
		    size + more > prefmaxlen)
			break;
		size += more;
	}

	args[NETAPIBUF_SYSINFO_ARG_ENTRIES_READ] = n;
	args[NETAPIBUF_SYSINFO_ARG_TOTAL_ENTRIES] = count - first;
	args[NETAPIBUF_SYSINFO_ARG_RESUME] =
		first + n < count ? ifs[first + n - 1].ifindex : 0;
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

		entry->nif0_name = uaddr + strings;
		memcpy(p, nif->name, len);
		p += len;
		strings += len;
		entry->nif0_index = nif->ifindex;
		entry->nif0_mtu = nif->mtu;
		entry->nif0_flags = nif->flags;
		entry->nif0_addr_len = nif->addr_len;
		memcpy(entry->nif0_addr, nif->addr, sizeof(entry->nif0_addr));
		entry->nif0_rx_packets = nif->stats.rx_packets;
		entry->nif0_tx_packets = nif->stats.tx_packets;
		entry->nif0_rx_bytes = nif->stats.rx_bytes;
		entry->nif0_tx_bytes = nif->stats.tx_bytes;
	}
free_ifs:
	kvfree(ifs);
	return ret;
}

static struct netapibuf_agent sysinfo_wksta_agent = {
	.name = NETAPIBUF_SYSINFO_WKSTA,
	.owner = THIS_MODULE,
	.call = sysinfo_wksta_call,
};

static struct netapibuf_agent sysinfo_netif_agent = {
	.name = NETAPIBUF_SYSINFO_NETIF,
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
