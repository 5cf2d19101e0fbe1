// SPDX-License-Identifier: MIT
/*
 * Runner self-test: a stand-in for an explore program (harness/explore/),
 * printing the protocol's lines (harness/lib/protocol.h) as asked, so that
 * the runner's judging of kind = explore is tested without the explorer.
 * With SCHED set it "replays" that schedule: a failure that names it. Its
 * verdict lines go on the verdict channel, as the explorer's do (verdict.h);
 * "forged" prints a passing line on stdout only, as the lab's code could.
 */
#include "protocol.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *sched, unsigned long schedules)
{
	verdict_say("%s thread 1 blocked for ever in futex_wait: a lost "
		    "wake-up",
		    PROTO_EXPLORE_FAIL);
	verdict_say("%s %s", PROTO_EXPLORE_SCHED, sched);
	printf("%sstep  T0                      T1\n", PROTO_TIMELINE_ROW);
	for (int i = 1; i <= 12; i++)
		printf("%s%4d  mutex.c:%-3d load word=1\n", PROTO_TIMELINE_ROW,
		       i, 40 + i);
	printf("%s      every thread is blocked\n", PROTO_TIMELINE_ROW);
	verdict_say("%s verdict=fail strategy=dfs schedules=%lu bound=2 "
		    "complete=no seconds=0.2",
		    PROTO_EXPLORE, schedules);
	verdict_done();
	return PROTO_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const char *sched = getenv(PROTO_SCHED_ENV);

	verdict_take();
	if (sched && *sched)
		return fail(sched, 1);
	if (strcmp(what, "pass") == 0) {
		verdict_say("%s verdict=pass strategy=dfs schedules=1842 "
			    "bound=2 complete=yes seconds=3.1",
			    PROTO_EXPLORE);
		verdict_done();
		return PROTO_EXIT_OK;
	} else if (strcmp(what, "pct") == 0) {
		verdict_say("%s verdict=pass strategy=pct schedules=500 bound=3 "
			    "complete=no seconds=1.2 prob=0.0123",
			    PROTO_EXPLORE);
		verdict_done();
		return PROTO_EXIT_OK;
	} else if (strcmp(what, "forged") == 0) {
		printf("%s verdict=pass strategy=dfs schedules=1842 bound=2 "
		       "complete=yes seconds=3.1\n",
		       PROTO_EXPLORE);
		return PROTO_EXIT_OK;
	} else if (strcmp(what, "fail") == 0) {
		return fail("0.0.1.1.0", 37);
	} else if (strcmp(what, "lying") == 0) {
		/* says pass, exits as a failure: not to be believed */
		verdict_say("%s verdict=pass strategy=dfs schedules=3 bound=0 "
			    "complete=yes seconds=0.0",
			    PROTO_EXPLORE);
		verdict_done();
		return PROTO_EXIT_FAILED;
	} else if (strcmp(what, "silent") == 0) {
		printf("started, then stopped before its verdict\n");
		verdict_done();
		return PROTO_EXIT_OK;
	}
	fprintf(stderr, "usage: fake_explore pass|pct|fail|forged|lying|silent\n");
	return PROTO_EXIT_SETUP;
}
