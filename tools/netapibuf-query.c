// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf-query: ask the netapibuf_sysinfo agents, the way a program
 * written for Samba's libnetapi would, and print what they answer: the
 * workstation information (NetWkstaGetInfo, level 100) and the network
 * interfaces (NetInterfaceEnum, level 0), fetched page by page with a small
 * prefmaxlen so that the paging shows.
 *
 * Usage: netapibuf-query [--json] [--server NAME] [--prefmaxlen BYTES|max]
 *
 * Exits 0 if both calls worked, 1 if one failed, 2 on bad usage.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netapi.h>

#include "json.h"

/* Two or three entries a page with short names: enough to see paging. */
#define DEFAULT_PREFMAXLEN	160

static bool json;

static const char *status_name(NET_API_STATUS status)
{
	switch (status) {
	case NERR_Success:		return "NERR_Success";
	case ERROR_ACCESS_DENIED:	return "ERROR_ACCESS_DENIED";
	case ERROR_NOT_ENOUGH_MEMORY:	return "ERROR_NOT_ENOUGH_MEMORY";
	case ERROR_GEN_FAILURE:		return "ERROR_GEN_FAILURE";
	case ERROR_NOT_SUPPORTED:	return "ERROR_NOT_SUPPORTED";
	case ERROR_BAD_NETPATH:		return "ERROR_BAD_NETPATH";
	case ERROR_DEV_NOT_EXIST:	return "ERROR_DEV_NOT_EXIST";
	case ERROR_INVALID_PARAMETER:	return "ERROR_INVALID_PARAMETER";
	case ERROR_INVALID_LEVEL:	return "ERROR_INVALID_LEVEL";
	case (NET_API_STATUS)ERROR_MORE_DATA:	return "ERROR_MORE_DATA";
	case ERROR_REVISION_MISMATCH:	return "ERROR_REVISION_MISMATCH";
	default:			return "unknown status";
	}
}

static void report_failure(const char *call, NET_API_STATUS status)
{
	fprintf(stderr, "netapibuf-query: %s: %s (%u)%s\n", call,
		status_name(status), (unsigned int)status,
		status == ERROR_NOT_SUPPORTED ?
		" - is netapibuf_sysinfo.ko loaded?" : "");
}

static void format_addr(char *out, size_t size, const struct NETIF_INFO_0 *nif)
{
	uint32_t i, len = nif->nif0_addr_len;
	size_t used = 0;

	out[0] = '\0';
	if (len > sizeof(nif->nif0_addr))
		len = sizeof(nif->nif0_addr);
	for (i = 0; i < len && used + 4 <= size; i++)
		used += snprintf(out + used, size - used, "%s%02x",
				 i ? ":" : "", nif->nif0_addr[i]);
}

static const struct {
	uint32_t flag;
	const char *name;
} iff_names[] = {
	{ IFF_UP, "UP" },
	{ IFF_BROADCAST, "BROADCAST" },
	{ IFF_LOOPBACK, "LOOPBACK" },
	{ IFF_POINTOPOINT, "POINTOPOINT" },
	{ IFF_RUNNING, "RUNNING" },
	{ IFF_NOARP, "NOARP" },
	{ IFF_PROMISC, "PROMISC" },
	{ IFF_MULTICAST, "MULTICAST" },
	{ 1U << 16, "LOWER_UP" },	/* IFF_LOWER_UP, in <linux/if.h> */
	{ 1U << 17, "DORMANT" },	/* IFF_DORMANT */
};

static void format_flags(char *out, size_t size, uint32_t flags)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(iff_names) / sizeof(iff_names[0]); i++) {
		if (!(flags & iff_names[i].flag))
			continue;
		used += snprintf(out + used, size - used, "%s%s",
				 used ? "," : "", iff_names[i].name);
		if (used >= size)
			break;
	}
}

static int query_wksta(const char *server)
{
	struct WKSTA_INFO_100 *info;
	NET_API_STATUS status;
	uint8_t *buffer;

	status = NetWkstaGetInfo(server, 100, &buffer);
	if (status != NERR_Success) {
		report_failure("NetWkstaGetInfo(level 100)", status);
		if (json)
			printf("  \"workstation\": null,\n");
		return 1;
	}
	info = (struct WKSTA_INFO_100 *)buffer;

	if (json) {
		printf("  \"workstation\": {\n    \"computername\": ");
		json_string(stdout, info->wki100_computername);
		printf(",\n    \"langroup\": ");
		json_string(stdout, info->wki100_langroup);
		printf(",\n    \"platform_id\": %" PRIu32
		       ",\n    \"ver_major\": %" PRIu32
		       ",\n    \"ver_minor\": %" PRIu32 "\n  },\n",
		       info->wki100_platform_id, info->wki100_ver_major,
		       info->wki100_ver_minor);
	} else {
		printf("Workstation (NetWkstaGetInfo, level 100, buffer %p)\n",
		       (void *)buffer);
		printf("  computer name  %s\n", info->wki100_computername);
		printf("  lan group      %s\n", info->wki100_langroup);
		printf("  platform id    %" PRIu32 "%s\n",
		       info->wki100_platform_id,
		       info->wki100_platform_id == PLATFORM_ID_NT ?
		       " (PLATFORM_ID_NT)" : "");
		printf("  version        %" PRIu32 ".%" PRIu32 "\n\n",
		       info->wki100_ver_major, info->wki100_ver_minor);
	}
	NetApiBufferFree(buffer);
	return 0;
}

static void print_netif(const struct NETIF_INFO_0 *nif, unsigned int page,
			bool first)
{
	char addr[3 * sizeof(nif->nif0_addr) + 1], flags[128];

	format_addr(addr, sizeof(addr), nif);
	format_flags(flags, sizeof(flags), nif->nif0_flags);
	if (!json) {
		printf("%4u  %5" PRIu32 "  %-15s %6" PRIu32 "  %-23s %12"
		       PRIu64 " %12" PRIu64 "  %s\n", page, nif->nif0_index,
		       nif->nif0_name, nif->nif0_mtu, addr[0] ? addr : "-",
		       nif->nif0_rx_bytes, nif->nif0_tx_bytes, flags);
		return;
	}
	printf("%s    { \"page\": %u, \"index\": %" PRIu32 ", \"name\": ",
	       first ? "" : ",\n", page, nif->nif0_index);
	json_string(stdout, nif->nif0_name);
	printf(", \"mtu\": %" PRIu32 ", \"flags\": %" PRIu32
	       ", \"flag_names\": \"%s\", \"address\": \"%s\""
	       ", \"rx_packets\": %" PRIu64 ", \"tx_packets\": %" PRIu64
	       ", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 " }",
	       nif->nif0_mtu, nif->nif0_flags, flags, addr,
	       nif->nif0_rx_packets, nif->nif0_tx_packets,
	       nif->nif0_rx_bytes, nif->nif0_tx_bytes);
}

/*
 * Pages through the interfaces as a NetXxxEnum caller does: call again
 * with the resume handle while the status is ERROR_MORE_DATA.
 */
static int query_netif(const char *server, uint32_t prefmaxlen)
{
	uint32_t entries_read, total_entries, resume = 0, first_total = 0;
	unsigned int page = 0, shown = 0;
	NET_API_STATUS status;
	uint8_t *buffer;
	uint32_t i;

	if (json)
		printf("  \"prefmaxlen\": %" PRIu32 ",\n  \"interfaces\": [\n",
		       prefmaxlen);

	do {
		status = NetInterfaceEnum(server, 0, &buffer, prefmaxlen,
					  &entries_read, &total_entries,
					  &resume);
		if (status != NERR_Success && status != ERROR_MORE_DATA) {
			report_failure("NetInterfaceEnum(level 0)", status);
			if (json)
				printf("\n  ],\n  \"pages\": %u,\n"
				       "  \"complete\": false\n", page);
			return 1;
		}
		if (!page && !json)
			printf("Interfaces (NetInterfaceEnum, level 0, "
			       "prefmaxlen %" PRIu32 ")\n%4s  %5s  %-15s %6s  "
			       "%-23s %12s %12s  %s\n", prefmaxlen, "page",
			       "index", "name", "mtu", "address", "rx bytes",
			       "tx bytes", "flags");
		if (!page)
			first_total = total_entries;
		page++;
		for (i = 0; i < entries_read; i++, shown++)
			print_netif((struct NETIF_INFO_0 *)buffer + i, page,
				    !shown);
		/* On ERROR_MORE_DATA too: the buffer is the caller's. */
		NetApiBufferFree(buffer);
	} while (status == ERROR_MORE_DATA);

	if (json)
		printf("\n  ],\n  \"pages\": %u,\n  \"complete\": true\n",
		       page);
	else
		printf("%u interfaces in %u pages (%" PRIu32
		       " announced by the first)\n", shown, page, first_total);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: netapibuf-query [--json] [--server NAME] [--prefmaxlen BYTES|max]\n"
		"\n"
		"Print the workstation information and the network interfaces that\n"
		"the netapibuf_sysinfo agents return (netapibuf_sysinfo.ko must be\n"
		"loaded). The interfaces come in pages of at most BYTES (default %d,\n"
		"\"max\" for MAX_PREFERRED_LENGTH), at least one entry a page.\n"
		"\n"
		"  --json           one JSON object on stdout\n"
		"  --server NAME    ask as NetXxx(NAME, ...): only this machine's names work\n"
		"  --prefmaxlen N   bytes per page of interfaces\n",
		DEFAULT_PREFMAXLEN);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "server", required_argument, NULL, 's' },
		{ "prefmaxlen", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t prefmaxlen = DEFAULT_PREFMAXLEN;
	const char *server = NULL;
	unsigned long long n;
	char *end;
	int c, failed;

	while ((c = getopt_long(argc, argv, "js:p:h", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			server = optarg;
			break;
		case 'p':
			if (!strcmp(optarg, "max")) {
				prefmaxlen = MAX_PREFERRED_LENGTH;
				break;
			}
			errno = 0;
			n = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || n > UINT32_MAX ||
			    optarg[0] == '-') {
				fprintf(stderr, "netapibuf-query: bad --prefmaxlen: %s\n",
					optarg);
				return 2;
			}
			prefmaxlen = (uint32_t)n;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if (json)
		printf("{\n");
	failed = query_wksta(server);
	failed |= query_netif(server, prefmaxlen);
	if (json)
		printf("}\n");
	return failed;
}
