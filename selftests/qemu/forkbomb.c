// SPDX-License-Identifier: GPL-2.0
/*
 * forkbomb N SECONDS: try to start N children that each sleep SECONDS, and
 * say how many fork() calls succeeded and how many failed with which errno.
 * Used by the demonstration (make run); the selftests check the same thing
 * precisely.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int secs = argc > 2 ? atoi(argv[2]) : 2;
	int ok = 0, failed = 0, last_errno = 0;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			sleep(secs);
			_exit(0);
		}
		if (pid < 0) {
			failed++;
			last_errno = errno;
		} else {
			ok++;
		}
	}
	printf("forkbomb: %d forks succeeded, %d refused (%s)\n", ok, failed,
	       failed ? strerror(last_errno) : "none");
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}
