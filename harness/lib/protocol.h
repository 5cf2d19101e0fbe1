/* SPDX-License-Identifier: MIT */
/*
 * protocol.h - what the harness's programs and the runner say to each other.
 *
 * The one owner of these facts. The runner (harness/runner/), the scenario
 * library (scenario.c), the explorer (harness/explore/) and the shell and
 * Python tools all speak this protocol. Shell and Python read
 * build/tools/protocol.sh and protocol.py, which harness/lib/protocol_mirror.c
 * prints from this file (`make build/tools/protocol.sh`); `make test`
 * (suites/protocol.sh) checks that no tool types these facts again.
 *
 * Exit statuses of a harness program:
 *   PROTO_EXIT_OK        every run behaved
 *   PROTO_EXIT_FAILED    some run misbehaved (the experiment's outcome)
 *   PROTO_EXIT_SETUP     a set-up step failed (usage, or a skeleton's
 *                        -ENOSYS): the message on stderr says which
 *   PROTO_EXIT_TSAN      ThreadSanitizer reported something (sanitizers/
 *                        env.sh sets it as TSan's exitcode)
 *   PROTO_EXIT_VALGRIND  Helgrind or DRD reported something (env.sh's
 *                        --error-exitcode)
 *
 * The STAT line, the last line a scenario prints on stdout:
 *   STAT runs=1000 failures=912 first=2 seed=41
 * and, on stderr, a line for each of the first failed runs, which the
 * runner shows as evidence; it holds PROTO_RUN_MARK:
 *   thread_product: run 3 (seed 41): counter 1999, want 2000
 *
 * The explorer's lines (harness/explore/), on stdout:
 *   EXPLORE verdict=pass strategy=dfs schedules=1842 bound=2 complete=yes
 *           seconds=3.1 [prob=0.0123]                  (one line, last)
 *   EXPLORE-FAIL <one line: what went wrong, in words>
 *   EXPLORE-SCHED <the failing schedule, replayed exactly with SCHED=...>
 *   | <one row of the failing schedule's timeline>     (any number)
 *
 * The verdict channel (harness/lib/verdict.h). The runner judges a check
 * from records its program writes on a pipe, never from what it prints:
 * the write end is at the descriptor that PROTO_VERDICT_ENV names, which
 * the harness's code takes (and hides) before any of the lab's code runs.
 * Records are lines: the STAT and EXPLORE lines above, a unit-test
 * program's result, and two that frame a program's run:
 *   BEGIN                                   the harness took the channel
 *   UNIT checks=15 failures=1 errors=0      Check's counts, from the parent
 *   DONE [control=tsan|valgrind|asan]       the harness's code ran to its
 *                                           end; control=: it then runs a
 *                                           deliberate race that TSan, or
 *                                           Helgrind or DRD, must report
 *                                           with PROTO_EXIT_TSAN or
 *                                           PROTO_EXIT_VALGRIND, or a
 *                                           deliberate overflow that ASan
 *                                           must report with
 *                                           PROTO_EXIT_ASAN (the runner
 *                                           checks)
 * Every BEGIN needs its DONE: a program that leaves early fails.
 */
#ifndef LAB_PROTOCOL_H
#define LAB_PROTOCOL_H

enum {
	PROTO_EXIT_OK = 0,
	PROTO_EXIT_FAILED = 1,
	PROTO_EXIT_SETUP = 2,
	PROTO_EXIT_TSAN = 66,
	PROTO_EXIT_ASAN = 67,
	PROTO_EXIT_VALGRIND = 99,
};

#define PROTO_STAT "STAT"
#define PROTO_STAT_FMT "STAT runs=%lu failures=%lu first=%lu seed=%llu"
#define PROTO_RUN_MARK ": run "
/* How an e2e script prints a failed expectation (the failure the runner
 * shows when a detector's check of a script fails with no report). */
#define PROTO_E2E_FAIL "e2e: FAIL: "

#define PROTO_EXPLORE "EXPLORE"
#define PROTO_EXPLORE_FAIL "EXPLORE-FAIL"
#define PROTO_EXPLORE_SCHED "EXPLORE-SCHED"
#define PROTO_TIMELINE_ROW "| "

#define PROTO_VERDICT_ENV "LAB_VERDICT_FD"
#define PROTO_BEGIN "BEGIN"
#define PROTO_DONE "DONE"
#define PROTO_UNIT "UNIT"
#define PROTO_UNIT_FMT "UNIT checks=%d failures=%d errors=%d"
#define PROTO_CONTROL_TSAN "control=tsan"
#define PROTO_CONTROL_VALGRIND "control=valgrind"
#define PROTO_CONTROL_ASAN "control=asan"
/* The control race's variable, and the prefix of its functions, by which
 * the runner tells its reports (harness/lib/verdict.c). */
#define PROTO_CONTROL_VAR "verdict_control_word"
#define PROTO_CONTROL_FUNC "verdict_control_"
/* Set by an e2e script in the environment of a lab program it watches to
 * its end under a detector (a server, an actor): the program has no
 * channel, and runs the control race for the script (verdict_control()). */
#define PROTO_CONTROL_ENV "LAB_CONTROL"

/* The environment variable that replays one schedule of an explore check. */
#define PROTO_SCHED_ENV "SCHED"

#endif /* LAB_PROTOCOL_H */
