// SPDX-License-Identifier: GPL-2.0
/*
 * nab-bench-samba: Samba's libnetapi as a peer of netapibuf.
 *
 * Usage: nab-bench-samba [TEST]...   TEST: alloc_free live (size and
 *                                    realloc: Samba has neither;
 *                                    threads, only when named)
 *
 * libnetapi implements NetApiBufferAllocate (talloc_size(), not zeroed)
 * and NetApiBufferFree (talloc_free()); it has no NetApiBufferSize or
 * NetApiBufferReallocate. It defines the same names as libnetapibuf, so
 * this program links it alone.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <stdint.h>

#include <netapi.h>

#include "bench.h"

static int samba_alloc(struct nab_buf *b, size_t n)
{
	void *p;

	if (NetApiBufferAllocate((uint32_t)n, &p) != NET_API_STATUS_SUCCESS)
		return -1;
	b->p = p;
	b->n = n;
	return 0;
}

static void samba_free(struct nab_buf *b)
{
	if (NetApiBufferFree(b->p) != NET_API_STATUS_SUCCESS)
		nab_die("NetApiBufferFree failed");
}

static const struct nab_peer nab_samba = {
	.name = "samba",
	.alloc = samba_alloc,
	.free = samba_free,
	.live_n = 1000000,
};

int main(int argc, char **argv)
{
	return nab_bench_main(&nab_samba, argc, argv);
}
