// SPDX-License-Identifier: MIT
/*
 * Runner self-test: a program that misbehaves as asked, as untrusted
 * student code might: hang, crash, allocate without end, fork without end,
 * flood its output, or report a failed or a clean run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "hang") == 0) {
		for (;;)
			pause();
	} else if (strcmp(what, "spin") == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	} else if (strcmp(what, "segv") == 0) {
		volatile int *p = NULL;

		return *p;
	} else if (strcmp(what, "abort") == 0) {
		abort();
	} else if (strcmp(what, "hog") == 0) {
		for (;;) {
			char *p = malloc(64 << 20);

			if (!p) {
				fprintf(stderr, "hog: out of memory\n");
				return 3;
			}
			memset(p, 1, 64 << 20);
		}
	} else if (strcmp(what, "forkbomb") == 0) {
		/* Bounded, so that a broken limit cannot take the machine
		 * down: 2^12 processes at most, each alive for a second. */
		for (int i = 0; i < 12; i++)
			if (fork() < 0) {
				fprintf(stderr, "forkbomb: fork failed\n");
				break;
			}
		sleep(1);
		return 0;
	} else if (strcmp(what, "flood") == 0) {
		for (int i = 0; i < 2000000; i++)
			printf("line %d of a flood of output\n", i);
		printf("RESULT: survived the flood\n");
		return 0;
	} else if (strcmp(what, "stat-fail") == 0) {
		fprintf(stderr, "misbehave: run 3 (seed 7): it went wrong\n");
		printf("STAT runs=10 failures=2 first=3 seed=7\n");
		return 1;
	} else if (strcmp(what, "stat-ok") == 0) {
		printf("STAT runs=10 failures=0 first=0 seed=7\n");
		return 0;
	}
	fprintf(stderr, "usage: misbehave hang|spin|segv|abort|hog|forkbomb|"
			"flood|stat-fail|stat-ok\n");
	return 2;
}
