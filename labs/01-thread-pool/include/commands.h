/* SPDX-License-Identifier: MIT */
/*
 * commands.h - the commands the lab's workers know: the chapter's worker.js.
 *
 * worker.js has one command, square_sum(max): wait 100 ms (a setTimeout),
 * then add up the square roots of 0 .. max-1. Here it is a tpool_command
 * whose data is a struct square_sum_job: the caller fills in the input
 * half, the worker fills in the output half, and the pool's ordering
 * guarantee (tpool.h) makes the output visible to whoever learns that the
 * task ended. Lab 04's actors run the same table.
 *
 * Unlike the chapter's worker, which awaits its setTimeout and may take the
 * next message meanwhile, a C worker sleeps through the delay: a worker
 * runs one task at a time.
 */
#ifndef LAB_COMMANDS_H
#define LAB_COMMANDS_H

#include <stdint.h>

#include "tpool.h"

/* The chapter's values: square_sum of a random value below 100 million,
 * after a 100 ms wait. */
#define SQUARE_SUM_LIMIT 100000000ull
#define SQUARE_SUM_DELAY_MS 100u
/* Longest delay a job may ask for: a check must never sleep for ever. */
#define SQUARE_SUM_MAX_DELAY_MS 60000u

struct square_sum_job {
	/* input: set before tpool_exec() */
	uint64_t max;           /* sum sqrt(i) for 0 <= i < max */
	unsigned delay_ms;      /* sleep this long first */
	/* output: set by square_sum(), read after the task ended */
	double sum;
};

/*
 * square_sum - the chapter's square_sum: sleep delay_ms, then sum the
 * square roots. data is a struct square_sum_job.
 *
 * Concurrency: runs on a worker; touches only its own job.
 * Returns 0, -EINVAL if data is NULL or delay_ms is above
 * SQUARE_SUM_MAX_DELAY_MS, or -ERANGE if max is not below
 * SQUARE_SUM_LIMIT (the output is then left alone).
 */
int square_sum(void *data);

/* The table to give tpool_create(): {"square_sum", square_sum}, {NULL}. */
extern const struct tpool_command worker_commands[];

#endif /* LAB_COMMANDS_H */
