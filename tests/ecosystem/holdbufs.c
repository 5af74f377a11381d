// SPDX-License-Identifier: GPL-2.0
/*
 * holdbufs COUNT SIZE: allocates COUNT buffers of SIZE bytes with
 * libnetapibuf, prints "ready PID" and holds them until its standard input
 * reaches end of file; then frees them and exits 0. Any failure exits 1.
 * With HOLDBUFS_COMM set it first takes that as its name (prctl
 * PR_SET_NAME, any bytes): a hostile name for the session list.
 * The ecosystem tests use it to watch netapibufctl report live figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <netapibuf.h>

int main(int argc, char **argv)
{
	unsigned long count, size, i;
	void **bufs;
	char c;

	if (argc != 3) {
		fprintf(stderr, "usage: holdbufs COUNT SIZE\n");
		return 2;
	}
	count = strtoul(argv[1], NULL, 0);
	size = strtoul(argv[2], NULL, 0);
	if (getenv("HOLDBUFS_COMM") &&
	    prctl(PR_SET_NAME, getenv("HOLDBUFS_COMM"), 0, 0, 0))
		return 1;
	bufs = calloc(count, sizeof(*bufs));
	if (!bufs)
		return 1;
	for (i = 0; i < count; i++) {
		NET_API_STATUS st = NetApiBufferAllocate((DWORD)size, &bufs[i]);

		if (st != NERR_Success) {
			fprintf(stderr, "holdbufs: NetApiBufferAllocate: %u\n", st);
			return 1;
		}
		memset(bufs[i], 0xa5, size);
	}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);

	while (read(STDIN_FILENO, &c, 1) > 0)
		;

	for (i = 0; i < count; i++) {
		if (NetApiBufferFree(bufs[i]) != NERR_Success) {
			fprintf(stderr, "holdbufs: NetApiBufferFree failed\n");
			return 1;
		}
	}
	free(bufs);
	return 0;
}
