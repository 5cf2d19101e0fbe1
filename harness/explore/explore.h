/* SPDX-License-Identifier: MIT */
/*
 * explore.h - the controlled scheduler's interface for explore programs.
 *
 * An explore program (harness/scenarios/NN-lab/explore_*.c) describes one
 * small concurrent test: a body that starts a few threads with
 * pthread_create(), lets them call the lab's code, joins them and checks
 * what must hold. explore_main() then runs that body many times, each time
 * in a fresh child process in which exactly one thread runs at a time, and
 * decides at every scheduling point which thread goes next: every C11
 * atomic and fence of the lab's code (built with -fsanitize=thread, whose
 * hooks the explorer defines), futex(2), the pthread calls, sched_yield()
 * and lab_preempt(). A failure is printed as a schedule string, which
 * SCHED=... replays exactly, and as a timeline (harness/lib/protocol.h).
 *
 * The interleavings are sequentially consistent: every atomic runs as
 * seq_cst. Memory-order bugs are the tsan-order build's job.
 * docs/architecture.md, "The explorer", says what it sees and what not.
 */
#ifndef LAB_EXPLORE_H
#define LAB_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

struct explore_test {
	const char *name;    /* the program's name, for usage and messages */
	const char *summary; /* one line: what it explores */
	/* Runs in thread 0 of each schedule's child process. Reports a
	 * broken property with explore_fail() and a lab function that is
	 * not written yet with explore_setup_error(). */
	void (*body)(void);
	/* Defaults of the search, which the command line may override. */
	const char *strategy; /* "dfs" (NULL), "pct" or "random" */
	unsigned bound;       /* dfs: preemption bound; pct: depth */
	bool spurious;        /* condition waits may return spuriously */
};

/*
 * explore_main - parse the command line, search, print the verdict.
 *
 * Options: --strategy dfs|pct|random, --bound B (dfs), --depth D (pct),
 * --runs N (pct, random), --seed S, --max-schedules N, --max-steps N,
 * --timeout S (per schedule), --spurious 0|1, --plain 0|1 (plain accesses
 * of the lab's code as scheduling points too), --minimise 0|1 (look for
 * the failure with fewer preemptions), and the test's own options
 * (opts, NULL-terminated, may be NULL). With SCHED set in the
 * environment it runs that one schedule and prints its timeline.
 * Returns the exit status (PROTO_EXIT_*).
 */
int explore_main(const struct explore_test *t, const struct scenario_opt *opts,
		 int argc, char **argv);

/* explore_fail - the body found a broken property: end this schedule. */
void explore_fail(const char *fmt, ...) __attribute__((noreturn))
__attribute__((format(printf, 1, 2)));

/*
 * explore_setup_error - a lab call failed in a way no schedule explains
 * (a skeleton's -ENOSYS): the search stops and the program exits 2.
 */
void explore_setup_error(const char *fmt, ...) __attribute__((noreturn))
__attribute__((format(printf, 1, 2)));

/*
 * explore_wait_idle - block until no other thread of the schedule can run
 * (each is blocked, a timed wait included, or has ended), then return. Not
 * a choice of the scheduler: the test's way to look at a quiet system, for
 * a message or a task that nobody will ever take (lab 04).
 */
void explore_wait_idle(void);

/* explore_name - call a location by name in the timeline ("state"). */
void explore_name(const volatile void *addr, const char *name);

/*
 * explore_say - add a line to the running thread's column of the timeline
 * at the current step, for harness code that the explorer cannot see
 * ("load shared[3]=6"). Not a scheduling point: lab_preempt() is one.
 */
void explore_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LAB_EXPLORE_H */
