/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h - small helpers shared by the benchmark cases.
 *
 * Waiting: a case whose thread must wait for another (a full or empty
 * queue, a batch of tasks not finished yet) waits the same way whatever it
 * measures, so that the wait favours no candidate: bench_backoff() spins
 * with the CPU's pause hint for a while, then yields the CPU on each call,
 * because on a machine with as many runnable threads as CPUs (or fewer
 * CPUs) the thread being waited for may need ours.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "preempt.h" /* lab_cpu_relax() */

/* End the case with a lab call's negative errno: "what returned rc
 * (strerror)", as Google Benchmark's error for this thread. */
static inline void bench_fail_errno(struct bench_state *s, const char *what,
				    long rc)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s returned %ld (%s)", what, rc,
		 strerror((int)-rc));
	bench_skip_with_error(s, msg);
}

/* Pauses before a waiter starts yielding its CPU. */
#define BENCH_SPINS_BEFORE_YIELD 128u

/* One failed attempt: pause, or yield once *spins passed the limit. Reset
 * *spins to 0 after a success. */
static inline void bench_backoff(unsigned *spins)
{
	if (++*spins < BENCH_SPINS_BEFORE_YIELD)
		lab_cpu_relax();
	else
		sched_yield();
}

#endif /* BENCH_UTIL_H */
