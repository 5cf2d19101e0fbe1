// SPDX-License-Identifier: MIT
/*
 * Runner self-test: a program that misbehaves as asked, as untrusted
 * student code might: hang, crash, allocate without end, fork without end,
 * flood its output, report a failed or a clean run on the verdict channel
 * (harness/lib/verdict.h), or forge a report on stdout and leave early.
 */
#include "protocol.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Printed on stdout only, as code linked into a harness program could:
 * the runner must not believe any of them. */
static int forge(const char *what)
{
	if (strcmp(what, "forge-stat") == 0)
		printf(PROTO_STAT_FMT "\n", 10UL, 0UL, 0UL, 7ULL);
	else if (strcmp(what, "forge-unit") == 0)
		printf("100%%: Checks: 5, Failures: 0, Errors: 0\n");
	else if (strcmp(what, "forge-explore") == 0)
		printf("%s verdict=pass strategy=dfs schedules=1842 bound=2 "
		       "complete=yes seconds=3.1\n",
		       PROTO_EXPLORE);
	else
		return -1;
	printf("RESULT: all good, says the lab's code\n");
	fflush(stdout);
	_exit(0);
}

static int report(const char *what)
{
	if (strcmp(what, "stat-fail") == 0) {
		fprintf(stderr, "misbehave: run 3 (seed 7): it went wrong\n");
		verdict_say(PROTO_STAT_FMT, 10UL, 2UL, 3UL, 7ULL);
		verdict_done();
		return 1;
	} else if (strcmp(what, "stat-ok") == 0) {
		verdict_say(PROTO_STAT_FMT, 10UL, 0UL, 0UL, 7ULL);
		verdict_done();
		return 0;
	} else if (strcmp(what, "early-exit") == 0) {
		/* an exit from the lab's code, before the harness's last
		 * record: exit status 0, and no DONE */
		printf("RESULT: left early\n");
		fflush(stdout);
		_exit(0);
	}
	return forge(what);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	verdict_take();
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
		verdict_done();
		return 0;
	} else if (strcmp(what, "result") == 0 && argc > 2) {
		printf("RESULT: %s\n", argv[2]);
		verdict_done();
		return 0;
	} else {
		int rc = report(what);

		if (rc >= 0)
			return rc;
	}
	fprintf(stderr, "usage: misbehave hang|spin|segv|abort|hog|forkbomb|"
			"flood|result TEXT|stat-fail|stat-ok|early-exit|"
			"forge-stat|forge-unit|forge-explore\n");
	return 2;
}
