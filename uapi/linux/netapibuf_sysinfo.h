/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * netapibuf_sysinfo: the protocol of the sample agents "wksta" and "netif".
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#ifndef _UAPI_LINUX_NETAPIBUF_SYSINFO_H
#define _UAPI_LINUX_NETAPIBUF_SYSINFO_H

#include <linux/types.h>

/**
 * DOC: netapibuf_sysinfo protocol
 *
 * netapibuf_sysinfo.ko registers two agents, which a process calls with
 * NETAPIBUF_IOC_AGENT_CALL (<linux/netapibuf.h>); libnetapibuf's
 * NetWkstaGetInfo() and NetInterfaceEnum() are these calls:
 *
 * - %NETAPIBUF_SYSINFO_WKSTA, levels %NETAPIBUF_SYSINFO_WKSTA_LEVEL_100,
 *   101 and 102: one struct netapibuf_sysinfo_wksta_info_100, _101 or
 *   _102;
 * - %NETAPIBUF_SYSINFO_NETIF, level %NETAPIBUF_SYSINFO_NETIF_LEVEL_0: an
 *   array of struct netapibuf_sysinfo_netif_info_0, paged through the
 *   call's args[] (NETAPIBUF_SYSINFO_ARG_*).
 *
 * **Input.** Both agents take the same input: the server name the caller
 * asks about, NUL-terminated UTF-8 (``in_len`` counts the NUL; bytes after
 * it are ignored), or none (``in_len`` 0). They answer for this machine
 * only: no name, the empty name, "localhost", "127.0.0.1" or the nodename
 * of the caller's UTS namespace (in any case), each with any number of
 * leading backslashes. Any other name is EHOSTUNREACH, a name without its
 * NUL EINVAL.
 *
 * **Levels.** The low 16 bits of ``level`` are the information level,
 * the bits of %NETAPIBUF_SYSINFO_LEVEL_FLAGS request flags. One is
 * defined: %NETAPIBUF_SYSINFO_STR_MASK, the encoding of the strings of a
 * "wksta" result: %NETAPIBUF_SYSINFO_STR_UTF8 (0), or
 * %NETAPIBUF_SYSINFO_STR_UTF16 or %NETAPIBUF_SYSINFO_STR_UTF32, wide
 * strings in the units of a 2- or 4-byte wchar_t (host byte order,
 * UTF-16 with surrogate pairs), NUL-terminated and aligned to their unit.
 * The agent decodes the kernel's UTF-8 names; a byte that is not part of
 * valid UTF-8 becomes U+FFFD. A level the agent does not know, a flag it
 * does not know (any for "netif"), or the encoding value 3 is EOPNOTSUPP.
 *
 * **args.** The "wksta" agent leaves them as they were. The "netif" agent
 * pages like Windows' NetXxxEnum calls: it returns as many entries as fit
 * in args[%NETAPIBUF_SYSINFO_ARG_PREFMAXLEN] bytes (structs and names),
 * but at least one, starting after the interface whose ifindex is
 * args[%NETAPIBUF_SYSINFO_ARG_RESUME] (0: from the first; above
 * %NETAPIBUF_SYSINFO_RESUME_MAX: EINVAL). It stores the entries returned
 * in args[%NETAPIBUF_SYSINFO_ARG_ENTRIES_READ], the entries from the
 * resume position on in args[%NETAPIBUF_SYSINFO_ARG_TOTAL_ENTRIES], and
 * in args[%NETAPIBUF_SYSINFO_ARG_RESUME] the ifindex to resume after, or
 * 0 when none remain. While entries remain its status is 234
 * (ERROR_MORE_DATA), with a buffer; past the end it returns no buffer.
 *
 * **Results.** One buffer: the structs first, then the strings they point
 * to (UTF-8 unless asked otherwise, NUL-terminated). A pointer is a user address in the same
 * buffer, as a __u64: the layouts are those of a 64-bit process, and a
 * 32-bit caller is refused with EOPNOTSUPP. Bytes the agent does not write
 * are zero.
 */

/* The agents' names, for netapibuf_agent_call.name. */
#define NETAPIBUF_SYSINFO_WKSTA		"wksta"
#define NETAPIBUF_SYSINFO_NETIF		"netif"

/* The levels they answer. */
#define NETAPIBUF_SYSINFO_WKSTA_LEVEL_100	100
#define NETAPIBUF_SYSINFO_NETIF_LEVEL_0		0

#define NETAPIBUF_SYSINFO_WKSTA_LEVEL_101	101
#define NETAPIBUF_SYSINFO_WKSTA_LEVEL_102	102

/* The parts of netapibuf_agent_call.level. */
#define NETAPIBUF_SYSINFO_LEVEL_MASK	0x0000ffffU
#define NETAPIBUF_SYSINFO_LEVEL_FLAGS	0xffff0000U

/* Request flag: the encoding of a "wksta" result's strings. */
#define NETAPIBUF_SYSINFO_STR_MASK	0x00030000U
#define NETAPIBUF_SYSINFO_STR_UTF8	0x00000000U	/* char */
#define NETAPIBUF_SYSINFO_STR_UTF16	0x00010000U	/* 2-byte wchar_t */
#define NETAPIBUF_SYSINFO_STR_UTF32	0x00020000U	/* 4-byte wchar_t */

/* The "netif" agent's netapibuf_agent_call.args[]. */
#define NETAPIBUF_SYSINFO_ARG_PREFMAXLEN	0	/* in */
#define NETAPIBUF_SYSINFO_ARG_RESUME		1	/* in and out */
#define NETAPIBUF_SYSINFO_ARG_ENTRIES_READ	2	/* out */
#define NETAPIBUF_SYSINFO_ARG_TOTAL_ENTRIES	3	/* out */

/* prefmaxlen for every entry in one buffer (MAX_PREFERRED_LENGTH). */
#define NETAPIBUF_SYSINFO_PREFMAXLEN_ALL	0xffffffffU
/* The largest resume handle: no ifindex is above it. */
#define NETAPIBUF_SYSINFO_RESUME_MAX		0x7fffffffU

/* wki100_platform_id: PLATFORM_ID_NT of Windows' lmcons.h. */
#define NETAPIBUF_SYSINFO_PLATFORM_ID_NT	500

/**
 * struct netapibuf_sysinfo_wksta_info_100 - "wksta" level 100
 * @wki100_platform_id: %NETAPIBUF_SYSINFO_PLATFORM_ID_NT
 * @wki100_reserved: zero; the padding before the first pointer
 * @wki100_computername: the nodename of the caller's UTS namespace
 * @wki100_langroup: its domainname (the NIS domain; "(none)" when unset)
 * @wki100_ver_major: the running kernel's major version (6 for 6.1.0-56)
 * @wki100_ver_minor: its minor version (1 for 6.1.0-56); both are 0 when
 *	the release cannot be read so
 *
 * Windows' and Samba's struct WKSTA_INFO_100 as a 64-bit process reads it;
 * the two strings follow the struct in the same buffer.
 */
struct netapibuf_sysinfo_wksta_info_100 {
	__u32 wki100_platform_id;
	__u32 wki100_reserved;
	__aligned_u64 wki100_computername;
	__aligned_u64 wki100_langroup;
	__u32 wki100_ver_major;
	__u32 wki100_ver_minor;
};

/**
 * struct netapibuf_sysinfo_wksta_info_101 - "wksta" level 101
 * @wki101_platform_id: as wki100_platform_id
 * @wki101_reserved: zero
 * @wki101_computername: as wki100_computername
 * @wki101_langroup: as wki100_langroup
 * @wki101_ver_major: as wki100_ver_major
 * @wki101_ver_minor: as wki100_ver_minor
 * @wki101_lanroot: the empty string: Linux has no LAN Manager root
 *	directory (Samba's workstation service answers "" too)
 */
struct netapibuf_sysinfo_wksta_info_101 {
	__u32 wki101_platform_id;
	__u32 wki101_reserved;
	__aligned_u64 wki101_computername;
	__aligned_u64 wki101_langroup;
	__u32 wki101_ver_major;
	__u32 wki101_ver_minor;
	__aligned_u64 wki101_lanroot;
};

/**
 * struct netapibuf_sysinfo_wksta_info_102 - "wksta" level 102
 * @wki102_platform_id: as wki100_platform_id
 * @wki102_reserved: zero
 * @wki102_computername: as wki100_computername
 * @wki102_langroup: as wki100_langroup
 * @wki102_ver_major: as wki100_ver_major
 * @wki102_ver_minor: as wki100_ver_minor
 * @wki102_lanroot: as wki101_lanroot
 * @wki102_logged_on_users: 0 from the agent: the kernel keeps no record
 *	of logins (libnetapibuf fills in the count of utmp(5) users)
 * @wki102_reserved2: zero; the struct's tail padding
 */
struct netapibuf_sysinfo_wksta_info_102 {
	__u32 wki102_platform_id;
	__u32 wki102_reserved;
	__aligned_u64 wki102_computername;
	__aligned_u64 wki102_langroup;
	__u32 wki102_ver_major;
	__u32 wki102_ver_minor;
	__aligned_u64 wki102_lanroot;
	__u32 wki102_logged_on_users;
	__u32 wki102_reserved2;
};

/**
 * struct netapibuf_sysinfo_netif_info_0 - "netif" level 0: one interface
 * @nif0_name: the interface's name
 * @nif0_index: its ifindex
 * @nif0_mtu: its MTU
 * @nif0_flags: its IFF_* flags as SIOCGIFFLAGS reports them (with
 *	IFF_RUNNING and IFF_LOWER_UP)
 * @nif0_addr_len: bytes of @nif0_addr in use (at most 8)
 * @nif0_addr: the start of its hardware address, the rest zero
 * @nif0_rx_packets: packets received, as in /sys/class/net/NAME/statistics
 * @nif0_tx_packets: packets sent
 * @nif0_rx_bytes: bytes received
 * @nif0_tx_bytes: bytes sent
 *
 * The interfaces of the caller's network namespace come in ifindex order,
 * their names after the array.
 */
struct netapibuf_sysinfo_netif_info_0 {
	__aligned_u64 nif0_name;
	__u32 nif0_index;
	__u32 nif0_mtu;
	__u32 nif0_flags;
	__u32 nif0_addr_len;
	__u8 nif0_addr[8];
	__u64 nif0_rx_packets;
	__u64 nif0_tx_packets;
	__u64 nif0_rx_bytes;
	__u64 nif0_tx_bytes;
};

/*
 * The layouts, stated once: true of the structs above, and of any struct
 * a 64-bit program reads a result as (libnetapibuf checks <netapi.h>'s
 * struct WKSTA_INFO_100 and struct NETIF_INFO_0 with them).
 */
#define NETAPIBUF_SYSINFO_WKSTA_INFO_100_LAYOUT(type)			\
	(sizeof(type) == 32 &&						\
	 __builtin_offsetof(type, wki100_platform_id) == 0 &&		\
	 __builtin_offsetof(type, wki100_computername) == 8 &&		\
	 __builtin_offsetof(type, wki100_langroup) == 16 &&		\
	 __builtin_offsetof(type, wki100_ver_major) == 24 &&		\
	 __builtin_offsetof(type, wki100_ver_minor) == 28)

#define NETAPIBUF_SYSINFO_WKSTA_INFO_101_LAYOUT(type)			\
	(sizeof(type) == 40 &&						\
	 __builtin_offsetof(type, wki101_platform_id) == 0 &&		\
	 __builtin_offsetof(type, wki101_computername) == 8 &&		\
	 __builtin_offsetof(type, wki101_langroup) == 16 &&		\
	 __builtin_offsetof(type, wki101_ver_major) == 24 &&		\
	 __builtin_offsetof(type, wki101_ver_minor) == 28 &&		\
	 __builtin_offsetof(type, wki101_lanroot) == 32)

#define NETAPIBUF_SYSINFO_WKSTA_INFO_102_LAYOUT(type)			\
	(sizeof(type) == 48 &&						\
	 __builtin_offsetof(type, wki102_platform_id) == 0 &&		\
	 __builtin_offsetof(type, wki102_computername) == 8 &&		\
	 __builtin_offsetof(type, wki102_langroup) == 16 &&		\
	 __builtin_offsetof(type, wki102_ver_major) == 24 &&		\
	 __builtin_offsetof(type, wki102_ver_minor) == 28 &&		\
	 __builtin_offsetof(type, wki102_lanroot) == 32 &&		\
	 __builtin_offsetof(type, wki102_logged_on_users) == 40)

#define NETAPIBUF_SYSINFO_NETIF_INFO_0_LAYOUT(type)			\
	(sizeof(type) == 64 &&						\
	 __builtin_offsetof(type, nif0_name) == 0 &&			\
	 __builtin_offsetof(type, nif0_index) == 8 &&			\
	 __builtin_offsetof(type, nif0_mtu) == 12 &&			\
	 __builtin_offsetof(type, nif0_flags) == 16 &&			\
	 __builtin_offsetof(type, nif0_addr_len) == 20 &&		\
	 __builtin_offsetof(type, nif0_addr) == 24 &&			\
	 sizeof(((type *)0)->nif0_addr) == 8 &&				\
	 __builtin_offsetof(type, nif0_rx_packets) == 32 &&		\
	 __builtin_offsetof(type, nif0_tx_packets) == 40 &&		\
	 __builtin_offsetof(type, nif0_rx_bytes) == 48 &&		\
	 __builtin_offsetof(type, nif0_tx_bytes) == 56)

/*
 * The structs above against their layouts: a wrong one declares an array
 * of negative size, a compile error in any C or C++ (nothing is defined).
 */
extern char __netapibuf_sysinfo_wksta_info_100_layout[1 - 2 *
	!NETAPIBUF_SYSINFO_WKSTA_INFO_100_LAYOUT(struct netapibuf_sysinfo_wksta_info_100)];
extern char __netapibuf_sysinfo_wksta_info_101_layout[1 - 2 *
	!NETAPIBUF_SYSINFO_WKSTA_INFO_101_LAYOUT(struct netapibuf_sysinfo_wksta_info_101)];
extern char __netapibuf_sysinfo_wksta_info_102_layout[1 - 2 *
	!NETAPIBUF_SYSINFO_WKSTA_INFO_102_LAYOUT(struct netapibuf_sysinfo_wksta_info_102)];
extern char __netapibuf_sysinfo_netif_info_0_layout[1 - 2 *
	!NETAPIBUF_SYSINFO_NETIF_INFO_0_LAYOUT(struct netapibuf_sysinfo_netif_info_0)];

#endif /* _UAPI_LINUX_NETAPIBUF_SYSINFO_H */
