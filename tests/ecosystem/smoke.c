// SPDX-License-Identifier: GPL-2.0
/*
 * smoke: a program built only from what libnetapibuf-dev installs
 * (<lmapibuf.h>, pkg-config netapibuf). It prints which libnetapibuf it
 * runs with and TAP lines for a round of the four calls against the
 * module.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <lmapibuf.h>

static const char *name;
static int n, failed;

static void check(int cond, const char *what)
{
	printf("%sok %d - %s: %s\n", cond ? "" : "not ", ++n, name, what);
	failed |= !cond;
}

int main(int argc, char **argv)
{
	LPVOID p = NULL, q = NULL;
	DWORD size = 0;
	Dl_info info;

	(void)argc;
	name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (dladdr((void *)NetApiBufferAllocate, &info) && info.dli_fname)
		printf("# libnetapibuf: %s\n", info.dli_fname);

	check(NetApiBufferAllocate(100, &p) == NERR_Success && p, "allocate 100 bytes");
	if (!p)
		return 1;
	memset(p, 'x', 100);
	check(NetApiBufferSize(p, &size) == NERR_Success && size == 100, "size is 100");
	check(NetApiBufferReallocate(p, 10000, &q) == NERR_Success && q, "reallocate to 10000");
	if (!q)
		return 1;
	check(((char *)q)[99] == 'x' && ((char *)q)[100] == 0, "contents kept, tail zero");
	check(NetApiBufferFree(q) == NERR_Success, "free");
	check(NetApiBufferFree(q) == ERROR_INVALID_PARAMETER, "double free is refused");
	return failed;
}
