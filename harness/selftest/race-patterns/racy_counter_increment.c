// SPDX-License-Identifier: MIT
/*
 * racy_counter_increment.c - two threads increment one global int, no
 * lock.
 *
 * The read-modify-write of counter++ in one thread is unordered with the
 * other's: a data race (and lost updates).
 *
 * Expect: racy
 */
#include <pthread.h>

static int counter;

static void *worker(void *arg)
{
	for (int i = 0; i < 100; i++)
		counter++;
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter > 200;
}
