// SPDX-License-Identifier: MIT
/*
 * Lab 01, reference solution: the chapter's worker.js, whose one command,
 * square_sum, waits (the chapter's 100 ms setTimeout) and then adds up
 * square roots. commands.h gives the contract.
 */
#include "commands.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <time.h>

/* Sleep ms milliseconds, resuming after a signal interrupts the sleep.
 * errno is left as it was: library code never changes it. */
static void sleep_ms(unsigned ms)
{
	struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
	int saved = errno;

	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
	errno = saved;
}

int square_sum(void *data)
{
	struct square_sum_job *job = data;
	double sum = 0;

	if (!job || job->delay_ms > SQUARE_SUM_MAX_DELAY_MS)
		return -EINVAL;
	if (job->max >= SQUARE_SUM_LIMIT)
		return -ERANGE;
	sleep_ms(job->delay_ms);
	for (uint64_t i = 0; i < job->max; i++)
		sum += sqrt((double)i);
	job->sum = sum;
	return 0;
}

const struct tpool_command worker_commands[] = {
	{"square_sum", square_sum},
	{NULL, NULL},
};
