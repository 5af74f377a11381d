// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A wmain program, linked with libnetapibuf_wmain.a: prints each of its
 * arguments after the first as the code points wmain received, in hex.
 */
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv)
{
	int i;
	size_t j;

	for (i = 1; i < argc; i++) {
		for (j = 0; argv[i][j]; j++)
			printf("%s%x", j ? " " : "", (unsigned int)argv[i][j]);
		printf("\n");
	}
	return 0;
}
