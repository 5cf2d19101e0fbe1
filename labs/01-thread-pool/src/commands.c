// SPDX-License-Identifier: MIT
/*
 * Lab 01: the chapter's worker.js, whose one command, square_sum, waits (the
 * chapter's 100 ms setTimeout) and then adds up square roots. commands.h
 * gives the contract. The TODO(lab01) returns -ENOSYS until you write it.
 */
#include "commands.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <time.h>

/*
 * TODO(lab01) step 2: the chapter's square_sum(max). data is a struct
 * square_sum_job. -EINVAL if data is NULL or delay_ms is above
 * SQUARE_SUM_MAX_DELAY_MS; -ERANGE if max is not below SQUARE_SUM_LIMIT.
 * Otherwise sleep delay_ms (nanosleep(), resumed after EINTR; leave errno
 * as you found it), then store the sum of sqrt(i) for 0 <= i < max in
 * job->sum and return 0.
 */
int square_sum(void *data)
{
	(void)data;
	return -ENOSYS;
}

const struct tpool_command worker_commands[] = {
	{"square_sum", square_sum},
	{NULL, NULL},
};
