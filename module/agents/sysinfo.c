// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf_sysinfo: a sample netapibuf agent.
 *
 * Two agents, answering from kernel data in the caller's namespaces, with
 * the protocol of <linux/netapibuf_sysinfo.h>:
 *
 * - "wksta", levels 100, 101 and 102: WKSTA_INFO_10x (platform id,
 *   computer name from the caller's UTS namespace, domain, version, LAN
 *   root), strings after the struct, pointing into the buffer, in UTF-8
 *   or in the wchar_t width the caller asks for;
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

/*
 * The next code point of the UTF-8 string at *@p, which moves past it;
 * U+FFFD for a byte that does not start a valid sequence (overlong forms,
 * surrogates and values past U+10FFFF included), which moves one byte.
 */
static u32 sysinfo_utf8_next(const u8 **p)
{
	static const u32 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const u8 *s = *p;
	unsigned int n, i;
	u32 c = s[0];

	if (c < 0x80) {
		*p = s + 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
	} else {
		goto invalid;
	}
	for (i = 1; i < n; i++) {
		/* The NUL terminator fails this test: no read past it. */
		if ((s[i] & 0xc0) != 0x80)
			goto invalid;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*p = s + n;
	return c;
invalid:
	*p = s + 1;
	return 0xfffd;
}

/*
 * Write the UTF-8 string @s at @dst (if not NULL) in units of @width
 * bytes: 1 copies it, 2 writes UTF-16 (surrogate pairs past U+FFFF), 4
 * UTF-32; the terminator included. Returns the bytes it takes.
 */
static size_t sysinfo_str_put(void *dst, const char *s, unsigned int width)
{
	const u8 *p = (const u8 *)s;
	size_t units = 0;
	u32 c;

	if (width == 1) {
		units = strlen(s) + 1;
		if (dst)
			memcpy(dst, s, units);
		return units;
	}
	do {
		c = *p ? sysinfo_utf8_next(&p) : 0;
		if (width == 4) {
			if (dst)
				((u32 *)dst)[units] = c;
			units++;
		} else if (c >= 0x10000) {
			if (dst) {
				((u16 *)dst)[units] = 0xd800 + ((c - 0x10000) >> 10);
				((u16 *)dst)[units + 1] = 0xdc00 + (c & 0x3ff);
			}
			units += 2;
		} else {
			if (dst)
				((u16 *)dst)[units] = c;
			units++;
		}
	} while (c);
	return units * width;
}

/* The unit of the strings @level asks for: 1, 2 or 4 bytes, or 0. */
static unsigned int sysinfo_str_width(u32 level)
{
	switch (level & NETAPIBUF_SYSINFO_STR_MASK) {
	case NETAPIBUF_SYSINFO_STR_UTF8:
		return 1;
	case NETAPIBUF_SYSINFO_STR_UTF16:
		return 2;
	case NETAPIBUF_SYSINFO_STR_UTF32:
		return 4;
	}
	return 0;
}

/*
 * Levels 100, 101 and 102 share their first fields: 102's struct is
 * written up to the size of the level asked, the strings after it.
 */
static size_t sysinfo_wksta_size(u32 level)
{
	switch (level) {
	case NETAPIBUF_SYSINFO_WKSTA_LEVEL_100:
		return sizeof(struct netapibuf_sysinfo_wksta_info_100);
	case NETAPIBUF_SYSINFO_WKSTA_LEVEL_101:
		return sizeof(struct netapibuf_sysinfo_wksta_info_101);
	case NETAPIBUF_SYSINFO_WKSTA_LEVEL_102:
		return sizeof(struct netapibuf_sysinfo_wksta_info_102);
	}
	return 0;
}

static int sysinfo_wksta_call(struct netapibuf_call *call, u32 level,
			      const void *in, size_t in_len)
{
	struct netapibuf_sysinfo_wksta_info_102 *info;
	char node[__NEW_UTS_LEN + 1], domain[__NEW_UTS_LEN + 1];
	u32 info_level = level & NETAPIBUF_SYSINFO_LEVEL_MASK;
	unsigned int width = sysinfo_str_width(level);
	size_t info_size = sysinfo_wksta_size(info_level);
	static const char lanroot[] = "";
	struct netapibuf_kbuf *kb;
	size_t size;
	u64 uaddr;
	char *p;
	int ret;

	/* The only request flag is the string encoding. */
	if (in_compat_syscall() || !width || !info_size ||
	    (level & NETAPIBUF_SYSINFO_LEVEL_FLAGS & ~NETAPIBUF_SYSINFO_STR_MASK))
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

	/* Each size is a multiple of @width: every string stays aligned. */
	size = info_size + sysinfo_str_put(NULL, node, width) +
	       sysinfo_str_put(NULL, domain, width);
	if (info_level != NETAPIBUF_SYSINFO_WKSTA_LEVEL_100)
		size += sysinfo_str_put(NULL, lanroot, width);
	kb = netapibuf_kalloc(size);
	if (!kb)
		return -ENOMEM;
	ret = netapibuf_call_deliver(call, kb, &uaddr);
	if (ret) {
		netapibuf_kfree(kb);
		return ret;
	}

	/* Written in place: the caller reads these very pages. */
	info = netapibuf_kptr(kb);
	p = (char *)info + info_size;
	info->wki102_platform_id = NETAPIBUF_SYSINFO_PLATFORM_ID_NT;
	info->wki102_computername = uaddr + (p - (char *)info);
	p += sysinfo_str_put(p, node, width);
	info->wki102_langroup = uaddr + (p - (char *)info);
	p += sysinfo_str_put(p, domain, width);
	/* The running kernel's version, e.g. 6.1 for "6.1.0-56-amd64". */
	if (sscanf(init_utsname()->release, "%u.%u", &info->wki102_ver_major,
		   &info->wki102_ver_minor) != 2) {
		info->wki102_ver_major = 0;
		info->wki102_ver_minor = 0;
	}
	if (info_level == NETAPIBUF_SYSINFO_WKSTA_LEVEL_100)
		return 0;
	info->wki102_lanroot = uaddr + (p - (char *)info);
	sysinfo_str_put(p, lanroot, width);
	/* wki102_logged_on_users: 0, the kernel knows of no logins. */
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

	/* Every byte is written below: NETAPIBUF_AGENT_WRITES_ALL. */
	kb = netapibuf_call_kalloc(call, size);
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
	/* The entries' padding and unused address bytes, then the fields. */
	memset(entry, 0, strings);
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
	.flags = NETAPIBUF_AGENT_WRITES_ALL,
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

/* Loaded on demand by the first call of either agent. */
MODULE_ALIAS_NETAPIBUF_AGENT(NETAPIBUF_SYSINFO_WKSTA);
MODULE_ALIAS_NETAPIBUF_AGENT(NETAPIBUF_SYSINFO_NETIF);
MODULE_DESCRIPTION("netapibuf sample agent: workstation and interface information");
MODULE_AUTHOR("The netapibuf authors");
MODULE_LICENSE("GPL");
NETAPIBUF_IMPORT_NS();
