// SPDX-License-Identifier: GPL-2.0
/*
 * netapibuf-demo: the four NetApiBuffer calls, as a Windows program would
 * make them, with buffers from netapibuf.ko.  Prints what happens and
 * exits 0 only if every step behaved as documented.
 *
 * Copyright (C) 2026 The netapibuf authors
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netapibuf.h>

static int failures;

static const char *status_name(NET_API_STATUS status)
{
	switch (status) {
	case NERR_Success:		return "NERR_Success";
	case ERROR_NOT_ENOUGH_MEMORY:	return "ERROR_NOT_ENOUGH_MEMORY";
	case ERROR_DEV_NOT_EXIST:	return "ERROR_DEV_NOT_EXIST";
	case ERROR_INVALID_PARAMETER:	return "ERROR_INVALID_PARAMETER";
	case ERROR_REVISION_MISMATCH:	return "ERROR_REVISION_MISMATCH";
	default:			return "unexpected status";
	}
}

/* Prints one step and whether it behaved; returns that. */
static bool step(const char *what, NET_API_STATUS got, NET_API_STATUS want)
{
	bool ok = got == want;

	printf("%-4s %-44s -> %s (%u)\n", ok ? "ok" : "FAIL", what,
	       status_name(got), (unsigned)got);
	failures += !ok;
	return ok;
}

static bool check(const char *what, bool ok)
{
	printf("%-4s %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
	return ok;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

int main(void)
{
	static const char greeting[] = "Hello from a kernel-managed buffer";
	LPVOID buf = NULL, big = NULL, huge = (LPVOID)&failures;
	DWORD size = 0;

	if (!step("NetApiBufferAllocate(100, &buf)",
		  NetApiBufferAllocate(100, &buf), NERR_Success))
		return 1;
	printf("     buf = %p\n", buf);
	check("buf is 16-byte aligned", !((uintptr_t)buf & 15));
	check("all 100 bytes are zero", all_zero(buf, 100));
	step("NetApiBufferSize(buf, &size)", NetApiBufferSize(buf, &size),
	     NERR_Success);
	printf("     size = %u\n", (unsigned)size);
	check("size is 100", size == 100);

	memcpy(buf, greeting, sizeof(greeting));
	printf("     wrote \"%s\"\n", (char *)buf);

	if (!step("NetApiBufferReallocate(buf, 10000, &big)",
		  NetApiBufferReallocate(buf, 10000, &big), NERR_Success))
		return 1;
	printf("     big = %p (%s)\n", big, big == buf ? "in place" : "moved");
	check("the string was kept", !strcmp(big, greeting));
	check("bytes past the old 100 are zero",
	      all_zero((unsigned char *)big + 100, 10000 - 100));
	size = 0;
	step("NetApiBufferSize(big, &size)", NetApiBufferSize(big, &size),
	     NERR_Success);
	printf("     size = %u\n", (unsigned)size);
	check("size is 10000", size == 10000);

	step("NetApiBufferAllocate(0xFFFFFFFF, &huge)",
	     NetApiBufferAllocate(0xFFFFFFFF, &huge), ERROR_NOT_ENOUGH_MEMORY);
	check("huge was set to NULL", huge == NULL);

	step("NetApiBufferFree(big)", NetApiBufferFree(big), NERR_Success);
	step("NetApiBufferFree(big) again", NetApiBufferFree(big),
	     ERROR_INVALID_PARAMETER);
	step("NetApiBufferFree(NULL)", NetApiBufferFree(NULL), NERR_Success);

	printf("%s: %d failure%s\n", failures ? "FAILED" : "PASSED", failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
