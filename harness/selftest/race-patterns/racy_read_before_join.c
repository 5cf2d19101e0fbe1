// SPDX-License-Identifier: MIT
/*
 * racy_read_before_join.c - main reads the worker's result before joining
 * it.
 *
 * The join comes too late to order the worker's write before main's read.
 *
 * Expect: racy
 */
#include <pthread.h>

static long result;

static void *worker(void *arg)
{
	for (int i = 1; i <= 10; i++)
		result += i;
	return arg;
}

int main(void)
{
	pthread_t t;
	long r;

	pthread_create(&t, NULL, worker, NULL);
	r = result; /* should come after the join */
	pthread_join(t, NULL);
	return r > 55;
}
