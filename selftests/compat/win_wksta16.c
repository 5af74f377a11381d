// SPDX-License-Identifier: GPL-2.0
/*
 * Windows style with a 2-byte wchar_t (built with -fshort-wchar), as on
 * Windows: LMSTR strings come back in UTF-16.  glibc's wide functions
 * assume a 4-byte wchar_t, so this program prints each string's code
 * units in hex ("0068 00f4 d83d de00") rather than with wprintf.
 *
 * Usage: win_wksta16; prints one "key=value" line per field.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include <stdio.h>
#include <lm.h>

typedef char wchar_is_2_bytes[sizeof(WCHAR) == 2 ? 1 : -1];

static void put(const char *key, LMSTR s)
{
	printf("%s=", key);
	for (; *s; s++)
		printf("%04x", (unsigned int)*s);
	printf("\n");
}

int main(void)
{
	DWORD levels[] = { 100, 101, 102 };
	LPWKSTA_INFO_102 p;
	LPBYTE buf;
	int i, failed = 0;

	for (i = 0; i < 3; i++) {
		char key[32];
		NET_API_STATUS st = NetWkstaGetInfo(NULL, levels[i], &buf);

		if (st != NERR_Success) {
			printf("level%lu.status=%lu\n",
			       (unsigned long)levels[i], (unsigned long)st);
			failed = 1;
			continue;
		}
		p = (LPWKSTA_INFO_102)buf;
		snprintf(key, sizeof(key), "level%lu.name",
			 (unsigned long)levels[i]);
		put(key, p->wki102_computername);
		snprintf(key, sizeof(key), "level%lu.domain",
			 (unsigned long)levels[i]);
		put(key, p->wki102_langroup);
		if (levels[i] != 100) {
			snprintf(key, sizeof(key), "level%lu.lanroot",
				 (unsigned long)levels[i]);
			put(key, p->wki102_lanroot);
		}
		NetApiBufferFree(buf);
	}
	return failed;
}
