// SPDX-License-Identifier: GPL-2.0
/*
 * memhog MIB: touch MIB MiB of anonymous memory, 1 MiB at a time, say so,
 * then hold it until killed. Used by the demonstration (make run) to put a
 * compartment under memory pressure; the selftests do the same precisely.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 64, i;

	for (i = 0; i < mib; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("memhog: mmap");
			return 1;
		}
		memset(p, 1, 1 << 20);
	}
	printf("memhog %d: holding %ld MiB\n", (int)getpid(), mib);
	fflush(stdout);
	for (;;)
		pause();
}
