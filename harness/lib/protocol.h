/* SPDX-License-Identifier: MIT */
/*
 * protocol.h - what the harness's programs and the runner say to each other.
 *
 * The one owner of these facts. The runner (harness/runner/), the scenario
 * library (scenario.c), the explorer (harness/explore/) and the shell and
 * Python tools all speak this protocol; the tools' copies are generated from
 * this file or checked against it by `make test`, never typed again.
 *
 * Exit statuses of a harness program:
 *   PROTO_EXIT_OK        every run behaved
 *   PROTO_EXIT_FAILED    some run misbehaved (the experiment's outcome)
 *   PROTO_EXIT_SETUP     a set-up step failed (usage, or a skeleton's
 *                        -ENOSYS): the message on stderr says which
 *   PROTO_EXIT_TSAN      ThreadSanitizer reported something (sanitizers/
 *                        env.sh sets it as TSan's exitcode)
 *
 * The STAT line, the last line a scenario prints on stdout:
 *   STAT runs=1000 failures=912 first=2 seed=41
 *
 * The explorer's lines (harness/explore/), on stdout:
 *   EXPLORE verdict=pass strategy=dfs schedules=1842 bound=2 complete=yes
 *           seconds=3.1 [prob=0.0123]                  (one line, last)
 *   EXPLORE-FAIL <one line: what went wrong, in words>
 *   EXPLORE-SCHED <the failing schedule, replayed exactly with SCHED=...>
 *   | <one row of the failing schedule's timeline>     (any number)
 */
#ifndef LAB_PROTOCOL_H
#define LAB_PROTOCOL_H

enum {
	PROTO_EXIT_OK = 0,
	PROTO_EXIT_FAILED = 1,
	PROTO_EXIT_SETUP = 2,
	PROTO_EXIT_TSAN = 66,
};

#define PROTO_STAT "STAT"
#define PROTO_STAT_FMT "STAT runs=%lu failures=%lu first=%lu seed=%llu"

#define PROTO_EXPLORE "EXPLORE"
#define PROTO_EXPLORE_FAIL "EXPLORE-FAIL"
#define PROTO_EXPLORE_SCHED "EXPLORE-SCHED"
#define PROTO_TIMELINE_ROW "| "

/* The environment variable that replays one schedule of an explore check. */
#define PROTO_SCHED_ENV "SCHED"

#endif /* LAB_PROTOCOL_H */
