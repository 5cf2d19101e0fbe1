// SPDX-License-Identifier: MIT
/*
 * clean_join_handoff.c - a worker fills a global array; main reads it
 * after pthread_join().
 *
 * The join orders every write of the worker before main's reads.
 *
 * Expect: clean
 */
#include <pthread.h>

static int squares[10];

static void *worker(void *arg)
{
	for (int i = 0; i < 10; i++)
		squares[i] = i * i;
	return arg;
}

int main(void)
{
	pthread_t t;
	int sum = 0;

	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	for (int i = 0; i < 10; i++)
		sum += squares[i];
	return sum != 285;
}
