// SPDX-License-Identifier: MIT
/*
 * clean_disjoint_slots.c - each thread writes only its own element of a
 * shared array (ints, one per thread), main sums them after the joins.
 *
 * Different elements are different memory locations: no race (false
 * sharing costs time, not correctness).
 *
 * Expect: clean
 */
#include <pthread.h>

static int partial[4];

static void *worker(void *arg)
{
	long me = (long)arg;

	for (int i = 0; i < 100; i++)
		partial[me] += 1;
	return arg;
}

int main(void)
{
	pthread_t t[4];
	int sum = 0;

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++)
		sum += partial[i];
	return sum != 400;
}
